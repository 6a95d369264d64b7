package pii

import (
	"slices"
	"strings"
)

// Names nobody introduced: the gazetteer (gazetteer.go) says which words are given names,
// name parts, dictionary words and places; the shape of the text says the rest. Residents
// write "Tenant is Callum Ibbotson", "Names Nadia Begum and Wayne Roberts", "jane smith blue
// badge", "at home: me, Dean, Kerry and baby Finn", "thanks, john". A pair of words is
// a name when its first word is a given name and its last a name part or a word no dictionary
// knows; a single word needs more: a list of given names, a relationship word, a greeting, a
// sign-off, or a verb that only people take ("Pam said"). Words that are also common English
// ("Rose", "Bill", "Mark", "Hope", "Grace") need stronger evidence than words that are only
// names, and a word before "Road", "Park", "Library" or "Council" is part of a place. How the
// writer capitalises is evidence too: a given name capitalised right after a lower-case word, or
// among capitals, was capitalised by choice; in text written in lower case a word that is only a
// given name is a name. Shops, firms and charities named after people ("Ted Baker", "Sue Ryder")
// are in the gazetteer's organisation list and are kept like places.

// lx returns the gazetteer's flags for token i, looked up once per token.
func (s *scanner) lx(i int) lexFlags {
	if len(s.lexs) != len(s.toks) {
		s.lexs = slices.Grow(s.lexs[:0], len(s.toks))[:len(s.toks)]
		clear(s.lexs)
	}
	f := s.lexs[i]
	if f&lexDone == 0 {
		w := s.lowerTok(i)
		if !isASCII(w) {
			w = strings.ToLower(w)
		}
		f = s.d.lex.words.get(w) | lexDone
		s.lexs[i] = f
	}
	return f
}

// stopWord: words that are never part of a name whatever the lists say (the name lists hold
// "Will", "Can", "An", "My", "The": someone somewhere is called that).
func (s *scanner) stopWord(i int) bool { return s.lx(i)&lexStop != 0 }

var nameStop = setOf(`de la le van von da di du del der den el al me us him them myself yourself hi hiya hey ok okay pls please thx ty ta cheers regards love
	dear mum mom dad nan gran son daughter wife husband baby sir madam team all everyone guys x xx xxx name names
	road street lane avenue close drive way park hall house centre center library council`)

// forename reports whether token i is a given name: strong when it is nothing else (not a
// dictionary word, not a place), weak when it is also a common word ("Rose", "Bill").
func (s *scanner) forename(i int) (weak, strong bool) {
	f := s.lx(i)
	if s.toks[i].kind != tAlpha || f&(lexStop|lexNonPerson) != 0 || f&lexFore == 0 {
		return false, false
	}
	return true, f&(lexWord|lexPlace) == 0
}

// surname grades token i as the last word of a name: 3 a name part that is nothing else,
// 2 a capitalised word that no list knows (most surnames: "Ibbotson", "Staniforth"), 1 a name
// part that is also a common word ("Green", "Smith", "Price"), 0 not a name.
func (s *scanner) surname(i int) int {
	f := s.lx(i) &^ lexDone
	if s.toks[i].kind != tAlpha || f&lexStop != 0 {
		return 0
	}
	if f&lexVenue != 0 {
		// A few place words are also common surnames ("Sarah Wood", "Rachel Green"): a name
		// part that is also a word; personPlace still rejects them before "Road" or after "the".
		if !venueSurnames[s.lowerTok(i)] {
			return 0
		}
		return 1
	}
	f &= lexFore | lexPart | lexWord | lexProper | lexPlace
	switch {
	case f&(lexFore|lexPart) != 0 && f&(lexWord|lexPlace) == 0:
		return 3
	case f == 0 && s.firstCap(i) && s.toks[i].end-s.toks[i].start >= 3:
		return 2
	case f&(lexFore|lexPart) != 0:
		return 1 // also a common word or a place: "Green", "Sutton"
	}
	return 0
}

// nonPerson are given names in the lists that, capitalised in a message, are nearly always
// something else.
var nonPerson = setOf(`christian jesus christ god allah lord king queen prince princess duke sir dame saint st
	january february march april may june july august september october november december
	monday tuesday wednesday thursday friday saturday sunday christmas easter`)

// venueWords after a capitalised word make it part of a place or an organisation's name
// ("Florence Park", "Albert Road", "Central Library"), together with streetSuffixes.
var venueWords = setOf(`hall house centre center library school academy college university hospital surgery
	practice council church chapel cathedral abbey stadium arena bridge farm estate trust foundation fund
	award station airport ltd limited plc group solicitors care home homes museum theatre cinema gallery
	hotel pub inn arms reservoir wood woods field recreation leisure sports club society association charity
	shop store market primary infants juniors nursery clinic ward unit building tower towers lodge manor
	cottage barn village town city borough county district island bay beach forest marina retail shopping
	services service team department office partnership institute infirmary memorial court courts centre's
	hall's way payments street's`)

// venueSurnames are place words that are also common English surnames.
var venueSurnames = setOf(`wood woods field fields green hill marsh brook`)

// placePreps before a capitalised word make a place more likely than a person.
var placePreps = setOf(`in at near via towards toward around outside into onto past opposite behind through across
	along beside`)

// goVerbs before "to" make the capitalised word after it a place: "get to Beaumont Leys".
var goVerbs = setOf(`get go going went travel travelling bus buses train trains drive driving walk walking move
	moving moved directions way route`)

// wordGap reports whether tokens j-1 and j are separate words of one name: one space.
func (s *scanner) wordGap(j int) bool { return s.gap(j) == " " }

// partGap reports whether token j continues the word before it ("Anne-Marie", "O'Neill").
func (s *scanner) partGap(j int) bool {
	g := s.gap(j)
	return (g == "-" || isApos(g)) && s.toks[j].kind == tAlpha && s.lowerTok(j) != "s"
}

// wordEnd returns the last token of the word starting at token i (its parts joined by "-" or
// an apostrophe).
func (s *scanner) wordEnd(i int) int {
	for i+1 < len(s.toks) {
		// The usual case, a space or punctuation after the word, is decided on one byte.
		if c := s.text[s.toks[i].end]; c != '-' && c != '\'' && c != 0xe2 || !s.partGap(i+1) {
			break
		}
		i++
	}
	return i
}

// compound reports whether the word from token i to token e has more than one part whose
// first part is a given name ("Lily-Mae", "Anne-Marie"): such a word is a name.
func (s *scanner) compound(i, e int) bool {
	weak, _ := s.forename(i)
	return e > i && weak
}

// wordSurname grades the word from token i to e as a surname: its best part.
func (s *scanner) wordSurname(i, e int) int {
	best := 0
	for k := i; k <= e; k++ {
		if s.toks[k].end-s.toks[k].start == 1 {
			continue // the O of O'Neill
		}
		best = max(best, s.surname(k))
	}
	return best
}

// lowerNameOK reports whether a lower-case token k can be part of a name read after a cue
// ("my son tyler", "my nan joan harris"): the first word a given name that is not a common
// word, later words any name part that is not a stop word.
func (s *scanner) lowerNameOK(k int, first bool) bool {
	if first {
		_, strong := s.forename(k)
		return strong
	}
	return s.surname(k) == 3 || s.surname(k) == 1 && s.lx(k)&lexPart != 0
}

// lowerSignOff reports whether lower-case token k is part of a name after a sign-off
// ("cheers, dave", "thanks sue"): there a given name may also be a common word.
func (s *scanner) lowerSignOff(k, first int) bool {
	if k > first {
		return s.lowerNameOK(k, false)
	}
	weak, _ := s.forename(k)
	return weak
}

// bareName looks for a name with no cue starting at token i (a word), from the gazetteer and
// the shape of the text; the scanner calls it for every word in order.
//
// Looking a word up costs more than everything else the scanner does with it, so only the
// words that can matter are looked up: capitalised words, the few cue words (found by their
// first letter and length first), and lower-case words only in a sentence its writer did not
// capitalise either ("jane smith blue badge"): someone who capitalises "Please" also
// capitalises names.
func (s *scanner) bareName(i int) {
	st := &s.bare
	if i < st.next {
		return // part of a name or list read from an earlier word
	}
	tk := &s.toks[i]
	c := s.text[tk.start]
	lowerWord := c >= 'a' && c <= 'z'
	// In a sentence that starts in lower case, lower-case words are read as names too. Only a
	// word of the other case than the sentence so far can change that; a single space before
	// it (the usual case) says no sentence starts there without a call.
	if lowerWord != st.lowerStyle && (i == 0 || !(tk.start-s.toks[i-1].end == 1 && s.text[tk.start-1] == ' ') && s.sentenceStart(i)) {
		st.lowerStyle = lowerWord && !(tk.end-tk.start == 1 && c == 'i')
	}
	if lowerWord && !st.lowerStyle || !lowerWord && !s.firstCap(i) {
		return
	}
	if e := s.wordEnd(i); i > st.listEnd && s.toks[e].end < len(s.text) && (s.text[s.toks[e].end] == ',' || s.text[s.toks[e].end] == ' ') && s.listNext(e) >= 0 {
		st.listEnd = s.nameList(i)
	}
	st.next = s.nameRun(i) + 1
}

// bareState is what bareName carries from one word to the next.
type bareState struct {
	lowerStyle bool // the sentence so far started in lower case
	listEnd    int  // the last token of the last list read: a list is not read again from inside
	next       int  // the first token not yet read by nameRun
}

// sentenceStart reports whether token i (not the first) starts a sentence: it follows ". ",
// "? ", "! " or a line break.
func (s *scanner) sentenceStart(i int) bool {
	g := s.text[s.toks[i-1].end:s.toks[i].start]
	if len(g) == 1 {
		return g[0] == '\n'
	}
	n := len(g)
	return n >= 2 && g[n-1] == ' ' && (g[n-2] == '.' || g[n-2] == '?' || g[n-2] == '!') || strings.IndexByte(g, '\n') >= 0
}

// Kinds of word nameTrigger (context.go) tells apart: a context names() reads, and the cue
// words cue acts on.
const (
	trigContext uint8 = 1 << iota
	cueGreeting
	cueRelation
	cueOther // a person besides family: "lodger Pawel"
	cueTitle
	cueSignOff
	cueAny = cueGreeting | cueRelation | cueOther | cueTitle | cueSignOff
)

// cue acts on a greeting, relation, title or sign-off word at token i, of kind k.
func (s *scanner) cue(i int, k uint8) {
	n := len(s.toks)
	switch {
	case k == cueGreeting && i+1 < n && s.wordGap(i+1) && !(i > 0 && s.is(i-1, "say")):
		s.greeting(i + 1)
	case k&(cueRelation|cueOther) != 0 && i+1 < n && s.wordGap(i+1):
		s.relationName(i + 1)
	case k&(cueRelation|cueOther) != 0 && i+1 < n && s.gap(i+1) == " (" && s.firstCap(i+1):
		// "Mum (Valerie) needs": a name in brackets after the relation word.
		if e := s.wordEnd(i + 1); s.nameWord(i+1, e) && s.toks[e].end < len(s.text) && s.text[s.toks[e].end] == ')' {
			s.add(Name, s.toks[i+1].start, s.toks[e].end, 0.85)
		}
	case k == cueRelation && i+3 < n && s.gap(i+1) == "-" && s.is(i+1, "in") && s.gap(i+2) == "-" && s.is(i+2, "law") && s.wordGap(i+3):
		s.relationName(i + 3) // "sister-in-law Meena"
	case k&cueTitle != 0 && !isUpper(s.text[s.toks[i].start]) && i+1 < n && s.wordGap(i+1):
		s.lowerTitle(i + 1) // "the occupier is mrs k doyle"
	case k&cueSignOff != 0:
		s.signOffDash(i)
	}
}

// greeting: "Hi Sian,", "Dear Rob", "Hello faisal" — one word that could be a name and then
// punctuation or the end.
func (s *scanner) greeting(j int) {
	e := s.wordEnd(j)
	if !s.nameWord(j, e) || !s.followedBy(s.toks[e].end, nil) {
		return
	}
	s.add(Name, s.toks[j].start, s.toks[e].end, 0.84)
}

// nameWord reports whether the word from token j to e could be a name on its own after a cue:
// capitalised and not a dictionary word, place or proper noun that no name list has, or a
// lower-case given name that is not a common word.
func (s *scanner) nameWord(j, e int) bool {
	if s.toks[j].kind != tAlpha || s.stopWord(j) {
		return false
	}
	if !s.firstCap(j) {
		return s.lowerNameOK(j, true)
	}
	if s.compound(j, e) {
		return true
	}
	f := s.lx(j) &^ lexDone
	return f&(lexFore|lexPart) != 0 && f&lexNonPerson == 0 || f&(lexFore|lexPart|lexWord|lexProper|lexPlace) == 0 && s.toks[j].end-s.toks[j].start >= 3
}

// relationName: "baby Alfie", "lodger Pawel", "daughter-in-law Jasmin", "my lad josh". The
// relation word says the next word is a person; it still has to look like a name.
func (s *scanner) relationName(j int) {
	e := s.wordEnd(j)
	if !s.nameWord(j, e) {
		// A lower-case given name that is also a word ("my partner dean lost his job", "my
		// husband lee") when what follows says it is the subject or ends the sentence.
		if w, _ := s.forename(j); w && !s.firstCap(j) && s.subjectNext(e) {
			s.add(Name, s.toks[j].start, s.toks[e].end, 0.85)
		}
		return
	}
	if s.firstCap(j) {
		if w, _ := s.forename(j); !w && !s.compound(j, e) && s.surname(j) < 2 {
			return
		}
	}
	s.nameAt(j, !s.firstCap(j), 0.85)
}

// subjectNext reports whether the word ending at token e ends its sentence or is followed by a
// verb only people take or an auxiliary ("is", "has", "needs").
func (s *scanner) subjectNext(e int) bool {
	if e+1 >= len(s.toks) {
		return strings.TrimSpace(s.text[s.toks[e].end:]) == "" || strings.IndexByte(".,!?", s.text[s.toks[e].end]) >= 0
	}
	if g := s.gap(e + 1); g != " " {
		return strings.IndexByte(".,!?;:\n", g[0]) >= 0
	}
	w := s.lowerTok(e + 1)
	return personVerb(w) || personAux(w)
}

// lowerTitle: a title typed in lower case, then an initial or a name part: "mrs k doyle".
func (s *scanner) lowerTitle(j int) {
	k := j
	if s.toks[k].end-s.toks[k].start == 1 && k+1 < len(s.toks) && (s.wordGap(k+1) || s.gap(k+1) == ". ") {
		k++
	}
	if s.surname(k) == 0 || s.toks[k].kind != tAlpha {
		return
	}
	s.add(Name, s.toks[j].start, s.toks[s.wordEnd(k)].end, 0.85)
}

// signOffDash: "Thanks again - Viv", "Thx Di" at the end of a message.
func (s *scanner) signOffDash(i int) {
	j := i + 1
	if j < len(s.toks) && s.is(j, "again") {
		j++
	}
	if j >= len(s.toks) {
		return
	}
	if g := s.gap(j); g != " - " && g != " -" && (j > i+1 || g != " ") {
		return
	}
	e := s.wordEnd(j)
	if e+1 < len(s.toks) && s.wordGap(e+1) {
		if k := s.wordEnd(e + 1); s.wordSurname(e+1, k) > 0 && s.firstCap(e+1) {
			e = k
		}
	}
	if !s.nameWord(j, s.wordEnd(j)) || strings.TrimRight(s.text[s.toks[e].end:], " .!\t\r\n") != "" {
		return
	}
	s.add(Name, s.toks[j].start, s.toks[e].end, 0.84)
}

// nameRun looks at the words starting at token i: a given name followed by one or two name
// parts is a name ("Kieran Staniforth", "Manjit Singh Sahota", "jane smith"); a given name
// alone is one when a verb only people take follows ("Pam said", "Stu who"). It returns
// the last token it consumed.
func (s *scanner) nameRun(i int) int {
	if s.plainWordNext(i) && !s.midCapital(i) {
		return i // a word alone before an ordinary lower-case word: not worth a look-up
	}
	weak, strong := s.forename(i)
	e := s.wordEnd(i)
	if s.compound(i, e) {
		weak, strong = true, true
	}
	first, medium := i, false
	if !weak {
		// A given name no list has, before a surname that is only a name: "Emeka Nwosu".
		if !s.firstCap(i) || s.surname(i) != 2 || e+1 >= len(s.toks) || !s.wordGap(e+1) || s.wordSurname(e+1, s.wordEnd(e+1)) != 3 {
			return e
		}
		medium = true
	}
	lower := !s.firstCap(i)
	if lower && !strong || s.allCaps(i) && !strong {
		return e
	}
	// Up to two more words of the same case.
	last, lastEnd := -1, e
	grade := 0
	for k, words := e+1, 0; k < len(s.toks) && words < 2 && s.wordGap(k) && s.toks[k].kind == tAlpha; words++ {
		if s.firstCap(k) == lower || s.allCaps(k) != s.allCaps(i) {
			break
		}
		ke := s.wordEnd(k)
		g := s.wordSurname(k, ke)
		if s.toks[k].end-s.toks[k].start == 1 && !lower && k+1 < len(s.toks) && s.toks[k+1].kind == tAlpha && (s.wordGap(k+1) || s.gap(k+1) == ". ") {
			k++ // a middle initial: "John A Smith"
			continue
		}
		if g == 0 || lower && g == 2 {
			break
		}
		last, lastEnd, grade = k, ke, g
		k = ke + 1
	}
	if last < 0 {
		s.singleName(first, e, strong)
		return e
	}
	ok := false
	switch {
	case lower:
		ok = grade == 3 || grade == 1 && s.lx(last)&lexPart != 0
	case medium:
		ok = grade == 3
	case strong && s.allCaps(i):
		ok = grade >= 2 // in capitals every word is capitalised: "GARETH LAST WEEK" is no name
	case strong:
		ok = true
	default: // a given name that is also a word: "Will Hartley", not "Bill Payers"
		ok = grade >= 2
	}
	if !ok || !s.personPlace(first, lastEnd, strong && grade == 3) {
		return e
	}
	c := 0.8
	if strong && grade == 3 {
		c = 0.82
	}
	s.add(Name, s.toks[first].start, s.toks[lastEnd].end, c)
	return lastEnd
}

// plainWordNext reports whether token i is capitalised and followed, after one space, by a
// lower-case word that neither joins a list ("and") nor is a verb only people take: then no
// rule of nameRun can take it for a name, and it need not be looked up.
func (s *scanner) plainWordNext(i int) bool {
	j := i + 1
	if j >= len(s.toks) || s.toks[j].kind != tAlpha || !s.firstCap(i) || s.gap(j) != " " {
		return false
	}
	c := s.text[s.toks[j].start]
	if c < 'a' || c > 'z' {
		return false
	}
	w := s.lowerTok(j)
	if w == "and" || w == "from" || w == "at" || personVerb(w) || personAux(w) {
		return false
	}
	return i == 0 || s.toks[i-1].kind != tAlpha || askVerb(s.lowerTok(i-1)) == 0
}

func (s *scanner) allCaps(i int) bool {
	t := s.tok(i)
	if len(t) < 2 {
		return false
	}
	for k := 0; k < len(t); k++ {
		if !isUpper(t[k]) {
			return false
		}
	}
	return true
}

// personPlace reports whether the words from token i to token e can be a person rather than
// part of a place or an organisation: not before "Road", "Park", "Library"; not after "the" or
// "St"; not a place the gazetteer knows; after "in", "at" or "near" only when sure.
func (s *scanner) personPlace(i, e int, sure bool) bool {
	if e+1 < len(s.toks) && s.toks[e+1].kind == tAlpha && (s.wordGap(e+1) || isApos(s.gap(e+1))) {
		nx := s.lowerTok(e + 1)
		if isApos(s.gap(e+1)) && nx == "s" && e+2 < len(s.toks) && s.wordGap(e+2) {
			nx = s.lowerTok(e + 2) // "St Margaret's Church"
		}
		if s.d.lex.words.get(nx)&lexVenue != 0 {
			return false
		}
	}
	if i > 0 && s.toks[i-1].kind == tAlpha && strings.TrimSpace(s.gap(i)) == "" || i > 0 && s.gap(i) == ". " && s.is(i-1, "st") {
		p := s.lowerTok(i - 1)
		if p == "the" || p == "st" || p == "saint" || placePreps[p] && !sure || p == "to" && !sure && i > 1 && goVerbs[s.lowerTok(i-2)] {
			return false
		}
	}
	return !s.placeAt(i, e)
}

// placeAt reports whether a place the gazetteer knows covers tokens i..e: the words alone, or
// with up to two words after them ("Burton Latimer", "Sutton Coldfield", "Ashby de la Zouch").
func (s *scanner) placeAt(i, e int) bool {
	places := s.d.lex.places
	if i == e {
		if s.lx(i)&lexPlace != 0 && s.lx(i)&(lexFore|lexPart) == 0 {
			return true
		}
	}
	// The key is built in a scratch buffer: the map look-up of string(b) does not allocate.
	b := s.placeBuf[:0]
	defer func() { s.placeBuf = b }()
	for k := i; k < len(s.toks) && k <= e+3; k++ {
		if k > i {
			switch g := s.gap(k); g {
			case " ", "-":
				b = append(b, ' ')
			case " & ":
				b = append(b, " and "...) // the lists write "&" as "and"
			default:
				return false
			}
		}
		if w := s.lowerTok(k); isASCII(w) {
			b = append(b, w...)
		} else {
			b = append(b, strings.ToLower(w)...)
		}
		if k >= e && k > i && places[string(b)] {
			return true
		}
	}
	return false
}

// singleName: one given name with nothing else around it is a name only with evidence that
// it is a person: a verb only people take after it ("Pam said", "Keith wrote"), a verb that
// asks something of a person before it ("Ask Trevor whether", "Has Terry finished", "tell
// Brenda"), a staff member's "from the" / "at the" ("Hope from the benefits team"), or, for a
// given name that is nothing else, an auxiliary after it ("Ibrahim is my carer", "Eamon and
// his wife"). A given name that is also a common word ("Hope", "Penny", "Carol") needs two of
// these, or a verb only people take.
func (s *scanner) singleName(i, e int, strong bool) {
	n := len(s.toks)
	nx := ""
	if e+1 < n && s.wordGap(e+1) && s.toks[e+1].kind == tAlpha {
		nx = s.lowerTok(e + 1)
	}
	verb := personVerb(nx)
	if !s.firstCap(i) {
		// In a text its writer does not capitalise, a word of four letters or more that is only a
		// given name (no dictionary or place list has it) is a name: "sandra at reception told
		// me", "hi ollie here". Shorter ones are as often text-speak ("wen", "cn").
		if !strong || !verb && (e > i || s.toks[i].end-s.toks[i].start < 4) {
			return
		}
	} else {
		ask := 0
		if i > 0 && s.wordGap(i) && s.toks[i-1].kind == tAlpha {
			ask = askVerb(s.lowerTok(i - 1))
		}
		before := ask > 0
		// A chosen capital; in capitals only a plain word ("HAVEN'T" is no name).
		mid := s.midCapital(i) && (e == i || !s.allCaps(i))
		staff := (nx == "from" || nx == "at") && e+2 < n && s.wordGap(e+2) && s.is(e+2, "the")
		aux := personAux(nx) || nx == "and" && e+2 < n && s.wordGap(e+2) && possessive(s.lowerTok(e+2))
		if i > 0 && s.wordGap(i) && s.firstCap(i-1) && !s.opensClause(i-1) {
			// After another capitalised word, mid-sentence, the word is the end of a longer name
			// ("Stoney Stanton has"): an auxiliary or "from the" after it says nothing.
			aux, staff = false, false
		}
		switch {
		case verb, ask == askTell:
		case strong && (before || staff || aux || mid):
		case mid && !(e+1 < n && s.toks[e+1].kind == tAlpha && s.firstCap(e+1)):
			// A given name that is also a word, capitalised by choice, alone: "the window fitter
			// Hunter left"; before another capitalised word it starts the name of a thing
			// ("Winter Fuel Payment").
		case before && (staff || aux):
		case staff && s.opensClause(i):
		default:
			return
		}
	}
	if !s.personPlace(i, e, false) || i > 0 && s.wordGap(i) && s.toks[i-1].kind == tAlpha && s.placeAt(i-1, e) {
		// Also the second word of a place or an organisation whose first word is not a given
		// name: "stoney stanton", "sue ryder".
		return
	}
	s.add(Name, s.toks[i].start, s.toks[e].end, 0.8)
}

// midCapital reports whether token i is capitalised against the writer's own habit in the
// words just before it: after a lower-case word ("can someone ring Jaswinder about", "all day
// Bernadette"), or in capitals after a word in capitals ("RENEWAL KHALID LOST"). A capital
// there is chosen, not the start of a sentence, so a word that is only a given name is a name.
func (s *scanner) midCapital(i int) bool {
	if i == 0 || !s.wordGap(i) || s.toks[i-1].kind != tAlpha {
		return false
	}
	c := s.text[s.toks[i-1].start]
	if c >= 'a' && c <= 'z' {
		// After "and" that follows a capitalised word the word is the second of a pair ("Holland
		// and Barrett"), which nameList reads as a whole.
		// A word in capitals there is an acronym or a code ("CAS-1234567").
		return s.firstCap(i) && !s.allCaps(i) && !(i > 1 && s.is(i-1, "and") && s.firstCap(i-2))
	}
	return s.allCaps(i) && s.allCaps(i-1)
}

// personVerb reports whether w is a verb (or "who") that follows a person's name.
func personVerb(w string) bool {
	switch w {
	case "who", "said", "says", "told", "tells", "came", "rang", "phoned", "called", "emailed", "visited", "asked",
		"explained", "promised", "mentioned", "reckons", "thinks", "knows", "wrote", "answered", "helped", "replied":
		return true
	}
	return false
}

// askVerb reports whether w, before a capitalised word, asks something of a person or about
// one: "Ask Trevor", "tell Brenda", "let Gareth know", "Has Terry finished", "Will Derek be".
// It returns askTell for a verb that tells someone to act, which is enough even for a given
// name that is also a word ("tell Rose", "let Grace know"), askQuestion for a question's
// auxiliary ("Has Terry", "Could Hope"), which is not ("Can Rose bushes").
func askVerb(w string) int {
	switch w {
	case "ask", "tell", "let", "get", "remind", "inform", "add":
		return askTell
	case "has", "did", "does", "will", "would", "could", "can":
		return askQuestion
	}
	return 0
}

const (
	askTell = 1 + iota
	askQuestion
)

// personAux reports whether w, after a given name that is nothing else, says the name is a
// subject: "Ibrahim is my carer", "Lewis will bring", "Edna has moved", "Amber be able".
func personAux(w string) bool {
	switch w {
	case "is", "was", "has", "had", "will", "can", "needs", "wants", "be", "lost", "to":
		return true
	}
	return false
}

func possessive(w string) bool { return w == "his" || w == "her" || w == "their" || w == "my" }

// nameList: "Leah, Ross, Amber", "Ruby (6), Leo (3) and Ava (1)", "ben and liz", "Alan and
// Joyce Hurst". Two or more given names (or names already found) joined by commas, "and" or
// "&", each perhaps followed by a short bracket ("(7)", "(son)"): when one of them is surely a
// name (a given name that is nothing else, or a name already found) and every one is a given
// name, all of them are names. The list starts at token i.
func (s *scanner) nameList(i int) (last int) {
	var buf [8][2]int
	items := buf[:0] // first and last token of each item
	sure := 0
	for k := i; k >= 0 && len(items) < 64; k = s.listNext(items[len(items)-1][1]) {
		e, isSure, ok := s.listItem(k)
		if !ok || s.firstCap(i) != s.firstCap(k) {
			break
		}
		items = append(items, [2]int{k, e})
		if isSure {
			sure++
		}
	}
	if len(items) >= 2 && sure > 0 && s.personPlace(items[0][0], items[len(items)-1][1], true) {
		for _, it := range items {
			s.add(Name, s.toks[it[0]].start, s.toks[it[1]].end, 0.8)
		}
	}
	if len(items) == 0 {
		return i
	}
	return items[len(items)-1][1]
}

// listItem reads a list item at token k: a name found already, or a given name. sure says it
// is certainly a name.
func (s *scanner) listItem(k int) (e int, sure, ok bool) {
	if s.toks[k].kind != tAlpha {
		return 0, false, false
	}
	if end := s.recentName(s.toks[k].start); end > 0 {
		if e = s.tokenAt(end); e >= k {
			return e, true, true
		}
	}
	weak, strong := s.forename(k)
	e = s.wordEnd(k)
	if s.compound(k, e) {
		return e, true, true
	}
	if !s.firstCap(k) && !weak {
		return 0, false, false
	}
	return e, strong, weak
}

// recentName returns the end of the longest name found so far that starts at byte start, or
// 0. The scanner reads words in order, so a name that starts at or after the word it is at was
// found by a cue a few words back ("my son Jack and ..."): only the last few candidates are
// looked at, which keeps a text of many names linear.
func (s *scanner) recentName(start int) int {
	e := 0
	for k := len(s.cands) - 1; k >= 0 && k >= len(s.cands)-16; k-- {
		if c := s.cands[k]; c.Type == Name && c.Start == start {
			e = max(e, c.End)
		}
	}
	return e
}

// listNext returns the token after the separator that follows token e (", ", " and ", " & ",
// ", and ", after an optional bracket of at most 12 bytes), or -1.
func (s *scanner) listNext(e int) int {
	pos := s.toks[e].end
	if pos+2 >= len(s.text) {
		return -1
	}
	// The usual case, a space and a word that is not "and", is decided on the next bytes.
	switch s.text[pos] {
	case ',':
	case ' ':
		switch s.text[pos+1] {
		case '&', '(':
		case 'a':
			if !strings.HasPrefix(s.text[pos+1:], "and ") {
				return -1
			}
		default:
			return -1
		}
	default:
		return -1
	}
	rest := s.text[pos:min(len(s.text), pos+20)]
	if strings.HasPrefix(rest, " (") {
		c := strings.IndexByte(rest, ')')
		if c < 0 || strings.IndexByte(rest[:c], '\n') >= 0 {
			return -1
		}
		pos += c + 1
		rest = s.text[pos:min(len(s.text), pos+8)]
	}
	for _, sep := range []string{", and ", " and ", ", ", " & ", ","} {
		if strings.HasPrefix(rest, sep) {
			return s.tokenStarting(pos + len(sep))
		}
	}
	return -1
}

// tokenStarting returns the index of the token that starts at pos, or -1.
func (s *scanner) tokenStarting(pos int) int {
	k, ok := slices.BinarySearchFunc(s.toks, pos, func(t token, p int) int { return t.start - p })
	if !ok {
		return -1
	}
	return k
}

// signatureLine: a message whose last line is one to three words that are a name, after a
// line break ("Thanks\nGemma", "Yours sincerely\nNeil Openshaw").
func (s *scanner) signatureLine() {
	n := len(s.toks)
	if n < 2 || strings.TrimSpace(s.text[s.toks[n-1].end:]) != "" {
		return
	}
	first := n - 1
	for first > 0 && n-first < 4 && (s.wordGap(first) || s.partGap(first)) {
		first--
	}
	if first == 0 || !strings.Contains(s.gap(first), "\n") || !s.firstCap(first) {
		return
	}
	if !s.nameWord(first, s.wordEnd(first)) {
		return
	}
	for k := first + 1; k < n; k++ {
		if !s.firstCap(k) && !s.partGap(k) || s.stopWord(k) {
			return
		}
	}
	s.add(Name, s.toks[first].start, s.toks[n-1].end, 0.8)
}
