package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Context types: dates of birth, street addresses, names and organisation references.

// monthOf reads a lower-case month name ("march", "mar", "sept").
func monthOf(w string) int {
	if len(w) < 3 || len(w) > 9 {
		return 0
	}
	switch w {
	case "jan", "january":
		return 1
	case "feb", "february":
		return 2
	case "mar", "march":
		return 3
	case "apr", "april":
		return 4
	case "may":
		return 5
	case "jun", "june":
		return 6
	case "jul", "july":
		return 7
	case "aug", "august":
		return 8
	case "sep", "sept", "september":
		return 9
	case "oct", "october":
		return 10
	case "nov", "november":
		return 11
	case "dec", "december":
		return 12
	}
	return 0
}

func atoiSmall(s string) int {
	if len(s) == 0 || len(s) > 4 {
		return -1
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return -1
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// dayOf reads "12", "12th", "1st".
func dayOf(w string) int {
	k := 0
	for k < len(w) && isDigit(w[k]) {
		k++
	}
	if k == 0 || k > 2 {
		return -1
	}
	if sfx := w[k:]; sfx != "" && !(len(sfx) == 2 && (strings.EqualFold(sfx, "st") || strings.EqualFold(sfx, "nd") || strings.EqualFold(sfx, "rd") || strings.EqualFold(sfx, "th"))) {
		return -1
	}
	d := atoiSmall(w[:k])
	if d < 1 || d > 31 {
		return -1
	}
	return d
}

// date finds a date starting at token i: 12/03/1956, 12-03-1956, 12.03.56, 1956-03-12,
// 12 March 1956, 12th of March 1956; and keeps it when it is a date of birth.
func (s *scanner) date(i int) {
	w := s.tok(i)
	n := len(s.toks)
	// Numeric forms.
	if s.toks[i].kind == tDigit && i+2 < n && s.toks[i+1].kind == tDigit && s.toks[i+2].kind == tDigit {
		sep := s.gap(i + 1)
		if (sep == "/" || sep == "-" || sep == ".") && s.gap(i+2) == sep {
			a, b, c := atoiSmall(w), atoiSmall(s.tok(i+1)), atoiSmall(s.tok(i+2))
			la, lc := len(w), len(s.tok(i+2))
			switch {
			case la <= 2 && (lc == 2 || lc == 4) && len(s.tok(i+1)) <= 2:
				if lc == 2 {
					c += 1900
					if c+100 <= s.d.now().Year() {
						c += 100
					}
				}
				s.birthDate(s.toks[i].start, s.toks[i+2].end, a, b, c)
			case la == 4 && len(s.tok(i+1)) <= 2 && lc <= 2:
				s.birthDate(s.toks[i].start, s.toks[i+2].end, c, b, a)
			}
			return
		}
	}
	// Day month year.
	d := dayOf(w)
	if d < 0 {
		return
	}
	j := i + 1
	if j < n && s.is(j, "of") && s.gap(j) == " " {
		j++
	}
	if j+1 >= n || s.toks[j].kind != tAlpha || !spaceGap(s.gap(j)) {
		return
	}
	m := monthOf(s.lowerTok(j))
	if m == 0 || s.toks[j+1].kind != tDigit || !spaceGap(s.gap(j+1)) {
		return
	}
	y := atoiSmall(s.tok(j + 1))
	if len(s.tok(j+1)) != 4 {
		return
	}
	s.birthDate(s.toks[i].start, s.toks[j+1].end, d, m, y)
}

func spaceGap(g string) bool { return g == " " || g == ", " || g == "," }

// monthFirstDate: "March 12, 1956", "March 12th 1956".
func (s *scanner) monthFirstDate(i int) {
	// The token after a month is a day: decided on the token kinds before the month is read.
	if i+2 >= len(s.toks) || s.toks[i+1].kind == tAlpha || s.toks[i+2].kind != tDigit {
		return
	}
	m := monthOf(s.lowerTok(i))
	if m == 0 || s.gap(i+1) != " " {
		return
	}
	d := dayOf(s.tok(i + 1))
	if d < 0 || s.toks[i+2].kind != tDigit || len(s.tok(i+2)) != 4 || !spaceGap(s.gap(i+2)) {
		return
	}
	s.birthDate(s.toks[i].start, s.toks[i+2].end, d, m, atoiSmall(s.tok(i+2)))
}

var birthWords = []string{"born", "birth", "dob", "d.o.b", "birthday", "b.day"}

// birthDate adds a date of birth if the date is valid, in the past, and either has birth
// context or agrees with an age stated nearby ("aged 82", "I'm 34", "82 years old").
func (s *scanner) birthDate(start, end, d, m, y int) {
	now := s.d.now()
	if m < 1 || m > 12 || d < 1 || d > daysIn(m, y) || y < now.Year()-120 || y > now.Year() {
		return
	}
	if s.near(start, end, 45, 25, birthWords...) {
		s.add(DateOfBirth, start, end, 0.92)
		return
	}
	if age := s.ageNear(start, end); age > 0 {
		if a := now.Year() - y; a == age || a-1 == age {
			s.add(DateOfBirth, start, end, 0.85)
		}
	}
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// ageNear finds an age stated within 150 bytes of a date: "aged 82", "age 82", "82 years old",
// "82-year-old", "I'm 82", "I am 82".
func (s *scanner) ageNear(start, end int) int {
	lo, hi := max(0, start-150), min(len(s.text), end+150)
	t := s.text
	for i := lo; i < hi; i++ {
		if !isDigit(t[i]) || i > 0 && isAlnum(t[i-1]) {
			continue
		}
		j := i
		for j < hi && isDigit(t[j]) {
			j++
		}
		if j-i > 3 || j < len(t) && isLetter(t[j]) || i >= start && i < end {
			i = j
			continue
		}
		age := atoiSmall(t[i:j])
		before := strings.ToLower(t[max(0, i-8):i])
		after := strings.ToLower(t[j:min(len(t), j+12)])
		if strings.HasSuffix(before, "aged ") || strings.HasSuffix(before, "age ") || strings.HasSuffix(before, "i'm ") ||
			strings.HasSuffix(before, "i am ") || strings.HasSuffix(before, " is ") || strings.HasSuffix(before, "turned ") ||
			strings.HasPrefix(after, " years old") || strings.HasPrefix(after, " yrs old") || strings.HasPrefix(after, "-year-old") ||
			strings.HasPrefix(after, " year old") || strings.HasPrefix(after, " years of age") {
			if age > 0 && age < 120 {
				return age
			}
		}
		i = j
	}
	return 0
}

// Street addresses: [Flat|Apartment|Unit N[,]] NUMBER words... SUFFIX ("12 Mill Lane",
// "Flat 3, 27a Station Road").

var streetSuffixes = setOf(`road rd street st lane ln avenue ave close cl drive dr way crescent cres court ct place pl
	gardens gdns terrace grove walk hill row square sq mews rise view park green parade vale gate wharf yard meadow
	meadows fields croft end lea chase boulevard approach circle hollow dale nook walkway gardens`)

var flatWords = setOf(`flat apartment apt unit`)

// notStreetWords cannot be part of a street name between the number and the suffix.
var notStreetWords = setOf(`a an and or of on in at to for from by with into onto my our your his her their its is are was
	were be been i we you he she they it this that these those minutes minute hours hour mins days day weeks week
	months month years year times pounds pence people miles mile yards metres meters bus buses route number no junction
	bin bins bags houses homes cars children kids`)

var beforeNumberStop = setOf(`bus route number no junction platform gate stop service exit page item room year aged age`)

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// lowerTok is token i in lower case (ASCII letters folded), without allocating.
func (s *scanner) lowerTok(i int) string { return s.lower[s.toks[i].start:s.toks[i].end] }

func (s *scanner) address(i int) {
	w := s.tok(i)
	k := 0
	for k < len(w) && isDigit(w[k]) {
		k++
	}
	if k == 0 || k > 4 || len(w)-k > 1 || w[0] == '0' {
		return
	}
	st := s.toks[i].start
	if st > 0 && strings.IndexByte("£$€#.,:/%", s.text[st-1]) >= 0 {
		return
	}
	start := st
	if i > 0 && s.toks[i-1].kind != tSkip {
		prev := s.lowerTok(i - 1)
		if beforeNumberStop[prev] {
			return
		}
		// Flat 3, 12 Mill Lane
		if i >= 2 && s.toks[i-1].kind != tAlpha && (s.gap(i) == ", " || s.gap(i) == " ") && flatWords[s.lowerTok(i-2)] && s.gap(i-1) == " " {
			start = s.toks[i-2].start
		}
	}
	// One word that is a street by its ending: "14 Broadway", "7 Eastgate", "3 Westway".
	if j := i + 1; j < len(s.toks) && s.toks[j].kind == tAlpha && s.gap(j) == " " && s.oneWordStreet(j) {
		s.add(Address, start, s.toks[j].end, 0.85)
		return
	}
	// Up to five words, single spaces, ending with a street suffix.
	words := 0
	for j := i + 1; j < len(s.toks) && j <= i+5; j++ {
		tk := s.toks[j]
		g := s.gap(j)
		if tk.kind != tAlpha || g != " " && !(g == "-" && words > 0) && !(g == "'" && words > 0) {
			return
		}
		lw := s.lowerTok(j)
		if words > 0 && streetSuffixes[lw] && g == " " {
			// "21 Clarendon Park Road": the longest street name wins.
			if j+1 < len(s.toks) && j+1 <= i+5 && s.gap(j+1) == " " && streetSuffixes[s.lowerTok(j+1)] && isUpper(s.text[s.toks[j+1].start]) == isUpper(s.text[tk.start]) {
				words++
				continue
			}
			// "St" is also "Saint": "12 St Mary's Road" goes on.
			if (lw == "st" || lw == "dr") && j+1 < len(s.toks) && s.gap(j+1) == " " && s.toks[j+1].kind == tAlpha && isUpper(s.text[s.toks[j+1].start]) && j+1 <= i+5 {
				if next := s.lowerTok(j + 1); !notStreetWords[next] {
					words++
					continue
				}
			}
			upperStart := isUpper(s.text[s.toks[i+1].start])
			s.add(Address, start, tk.end, conf(upperStart, 0.9, 0.8))
			return
		}
		if notStreetWords[lw] && !(lw == "the" && words == 0) {
			return
		}
		// A capitalised street name is capitalised throughout: "9 potholes between Oak Close" is
		// not an address.
		if words > 0 && g == " " && isUpper(s.text[tk.start]) != isUpper(s.text[s.toks[i+1].start]) && lw != "the" {
			return
		}
		if g == " " {
			words++
		}
	}
}

// oneWordStreet reports whether token j is a street named in one capitalised word ending in
// "way" or "gate" ("Broadway", "Kingsway", "Northgate"), with no further capitalised word: a
// longer name is read by the suffix rule.
func (s *scanner) oneWordStreet(j int) bool {
	w := s.lowerTok(j)
	if len(w) < 6 || !isUpper(s.text[s.toks[j].start]) || !strings.HasSuffix(w, "way") && !strings.HasSuffix(w, "gate") {
		return false
	}
	return j+1 >= len(s.toks) || s.gap(j+1) != " " || !s.firstCap(j+1)
}

// Names introduced by context.

// notNames are capitalised words that follow "I'm", "this is", "my son" and so on but are
// not names.
var notNames = setOf(`i a an the not just so very really still also only now here there writing calling looking trying
	having getting going unable disabled deaf blind new moving sorry afraid worried confused struggling interested
	concerned happy unhappy pleased sure disappointed ok okay fine well good after about from in on at with and or but
	council county leicester leicestershire library school centre center service services team department
	monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
	september october november december mister mrs mr ms miss dr please thanks thank hello hi dear yes no sir madam
	is was has had will would can could should who which what when where why how if that this he she they we you it
	his her their our my your one two three aged age currently due over under back home out off up down ill sick
	in-law nhs gp blue badge bus rd road street lane uk england english british adult social care children family
	services trading standards first contact plus tax park ride recycling household waste`)

func (s *scanner) names(i int) {
	if s.toks[i].end-s.toks[i].start > 13 { // longer than any word nameTrigger knows ("grandchildren")
		return
	}
	t, id := wordCue(s.lowerTok(i))
	if t&cueAny != 0 {
		s.cue(i, t) // names.go
	}
	if t&trigContext == 0 {
		return
	}
	n := len(s.toks)
	next := func(j int) bool { return j < n && s.toks[j].kind != tSkip }
	// The word's id (from the one switch of wordCue) picks its rules: a word matches no other
	// word's case, so the rules are tried only for the word at hand.
	switch id {
	case wPossessive:
		// my name is X / my name's X
		if next(i+2) && s.is(i+1, "name") {
			if s.is(i+2, "is") && s.gap(i+2) == " " {
				s.nameAt(i+3, true, 0.92)
				return
			}
			if s.is(i+2, "s") && isApos(s.gap(i+2)) {
				s.nameAt(i+3, true, 0.92)
				return
			}
		}
		// my son Jack, my son, Jack
		if next(i+1) && nameTrigger(s.lowerTok(i+1)) == cueRelation {
			s.nameAt(i+2, false, 0.88)
		}
	case wName:
		switch {
		case next(i+1) && (s.gap(i+1) == ": " || s.gap(i+1) == ":"):
			s.nameAt(i+1, true, 0.9)
		case next(i+2) && s.is(i+1, "is") && s.gap(i+1) == " ":
			s.nameAt(i+2, true, 0.9)
		case next(i+1) && s.gap(i+1) == " ":
			s.nameAt(i+1, false, 0.85)
		}
	case wIm:
		if next(i + 1) {
			s.nameAt(i+1, false, 0.85)
		}
	case wWorker:
		s.nameAt(i+1, false, 0.85)
	case wI:
		if next(i+1) && (s.is(i+1, "m") && isApos(s.gap(i+1)) || s.is(i+1, "am") && s.gap(i+1) == " ") {
			s.nameAt(i+2, false, 0.86)
		}
	case wThis:
		if next(i+1) && s.is(i+1, "is") && s.gap(i+1) == " " {
			s.nameAt(i+2, false, 0.86)
		}
	case wIsAmWas:
		if next(i+1) && s.is(i+1, "called") && s.gap(i+1) == " " {
			s.nameAt(i+2, false, 0.88)
		}
	case wFor, wTo:
		spoke := i > 0 && spokeTo[s.lowerTok(i-1)]
		switch {
		case next(i+2) && !spoke:
			// "application for Yusuf Sharma,": two or more capitalised words, then punctuation.
			mark := len(s.cands)
			s.nameAt(i+1, false, 0.85)
			if len(s.cands) > mark {
				e := s.cands[mark]
				// Capitalised words after "for" are as often an event or a service ("for Black
				// History Month at"): the first word must be a given name.
				if w, _ := s.forename(i + 1); !w || !strings.Contains(s.text[e.Start:e.End], " ") || !s.nameEnds(e.End) {
					s.cands = s.cands[:mark]
				}
			}
		case id == wTo && spoke && next(i+1):
			// "I spoke to Priya on the phone": after a verb of talking one word is enough.
			s.nameAt(i+1, false, 0.86)
		}
	case wWith:
		if i > 0 && spokeTo[s.lowerTok(i-1)] && next(i+1) {
			s.nameAt(i+1, false, 0.86)
		}
	case wIt:
		if next(i+1) && s.is(i+1, "s") && isApos(s.gap(i+1)) {
			s.nameAt(i+2, false, 0.85)
		}
	case wIts:
		// "hi its Maureen from Flat 7": "its" without its apostrophe is only taken as an
		// introduction when the words after the name say so.
		if next(i + 1) {
			s.keepIf(func() { s.nameAt(i+1, false, 0.84) }, func(end int) bool { return s.followedBy(end, introEnd) })
		}
	case wHere:
		if i > 0 {
			s.nameBeforeHere(i)
		}
	case wNamed:
		s.nameAt(i+1, false, 0.85)
	case wCalled:
		if i > 0 && (s.is(i-1, "is") || s.is(i-1, "am") || s.is(i-1, "was")) {
			// handled at "is"
			s.nameAt(i+1, false, 0.85)
		}
	case wTitle:
		if isUpper(s.text[s.toks[i].start]) {
			s.nameAt(i+1, false, 0.9)
		}
	case wSignOff, wBest:
		if id == wBest && !(i+1 < n && strings.HasPrefix(s.gap(i+1), ",")) {
			return
		}
		s.signOff(i + 1)
		if lw := s.lowerTok(i); lw == "thanks" || lw == "cheers" {
			s.thanksVocative(i)
		}
	case wThank:
		s.thanksVocative(i)
	case wYou:
		if i > 0 && s.is(i-1, "thank") && s.gap(i) == " " {
			s.signOff(i + 1)
		}
	}
}

// thanksVocative: the person thanked, named after the thanks in the same sentence: "Many
// thanks for your time, Bethan", "Thank you so much for your help, Sunita, you have been
// brilliant", "Thanks again, Marion - the bin came", "thank you amir for coming", "Many
// thanks for your help today Fatima". The name is one word that could be a name on its own
// after a cue (nameWord), perhaps with a capitalised surname, after a comma (or last in the
// sentence after a lower-case word), and ends the sentence or is followed by a comma, a dash
// or a bracket.
func (s *scanner) thanksVocative(i int) {
	n := len(s.toks)
	if i+2 < n && s.is(i+1, "you") && s.wordGap(i+1) && s.wordGap(i+2) {
		// "thank you amir for coming out"
		if j := i + 2; s.toks[j].kind == tAlpha && s.nameWord(j, s.wordEnd(j)) && s.wordEnd(j)+1 < n && s.wordGap(s.wordEnd(j)+1) && s.is(s.wordEnd(j)+1, "for") {
			s.add(Name, s.toks[j].start, s.toks[s.wordEnd(j)].end, 0.84)
			return
		}
	}
	for j := i + 1; j < n && j < i+30; j++ {
		g := s.gap(j)
		if strings.ContainsAny(g, ".?!\n") || s.toks[j].kind == tSkip {
			return
		}
		if s.toks[j].kind != tAlpha || g != ", " && !(g == " " && s.firstCap(j) && !s.firstCap(j-1)) {
			continue
		}
		e := s.wordEnd(j)
		if !s.firstCap(j) && !s.bare.lowerStyle || !s.nameWord(j, e) {
			continue
		}
		if e+1 < n && s.wordGap(e+1) && s.firstCap(e+1) && s.wordSurname(e+1, s.wordEnd(e+1)) > 0 {
			e = s.wordEnd(e + 1)
		}
		if rest := strings.TrimLeft(s.text[s.toks[e].end:], " "); rest == "" || strings.IndexByte(",.!?-:;)(\n", rest[0]) >= 0 && !(g == " " && rest[0] == ',') {
			s.add(Name, s.toks[j].start, s.toks[e].end, 0.84)
			return
		}
	}
}

// spokeTo are verbs after which "to" or "with" introduces a person.
var spokeTo = setOf(`spoke spoken speak speaking talked talk talking chatted`)

// introEnd are words that follow a name someone introduces themselves with.
var introEnd = setOf(`here from again calling`)

// keepIf runs find and keeps the candidates it added only if ok says so of where the last one
// ends.
func (s *scanner) keepIf(find func(), ok func(end int) bool) {
	mark := len(s.cands)
	find()
	if len(s.cands) > mark && !ok(s.cands[len(s.cands)-1].End) {
		s.cands = s.cands[:mark]
	}
}

// followedBy reports whether the text after end is punctuation, the end, or one of words.
func (s *scanner) followedBy(end int, words map[string]bool) bool {
	if end >= len(s.text) || strings.IndexByte(",.!?;:\n", s.text[end]) >= 0 {
		return true
	}
	k := s.tokenAt(end)
	return k >= 0 && k+1 < len(s.toks) && s.gap(k+1) == " " && words[s.lowerTok(k+1)]
}

// nameBeforeHere: "morning, Eileen here." One or two capitalised words before "here", at the
// start of the message or of a clause, with "here" ending it.
func (s *scanner) nameBeforeHere(i int) {
	if s.gap(i) != " " || !(i+1 >= len(s.toks) || strings.ContainsAny(s.gap(i + 1)[:min(1, len(s.gap(i+1)))], ",.!?;:\n") || strings.HasPrefix(s.gap(i+1), " - ")) {
		return
	}
	first := i - 1
	if first > 0 && s.gap(first) == " " && s.firstCap(first-1) && !notNames[s.lowerTok(first-1)] && s.toks[first-1].kind == tAlpha {
		first-- // "Jo Smith here"
	}
	for k := first; k < i; k++ {
		if s.toks[k].kind != tAlpha || !s.firstCap(k) && !s.lowerNameOK(k, k == first) || notNames[s.lowerTok(k)] {
			return
		}
	}
	if !s.nameWord(first, first) {
		return // "Parking here:", "Parking here?": a word no name list has
	}
	if first > 0 {
		g := s.gap(first)
		if !strings.HasSuffix(g, ", ") && !strings.HasSuffix(g, ". ") && !strings.Contains(g, "\n") && !s.is(first-1, "its") && !s.is(first-1, "s") {
			return
		}
	}
	s.add(Name, s.toks[first].start, s.toks[i-1].end, 0.84)
}

// namesBeforeDetails: "Please update: Yasmin Hussain, 6 Tudor Close". Two or three capitalised
// words that open the message or a clause and are followed by a comma and then an address
// line, phone number, e-mail address or date of birth already found are taken as a name. A
// postcode alone does not count: "Market Harborough, LE16 7AA" is a place.
func (s *scanner) namesBeforeDetails() {
	n := len(s.cands)
	for ci := 0; ci < n; ci++ {
		c := s.cands[ci]
		switch c.Type {
		case Address, Phone, Email, DateOfBirth:
		default:
			continue
		}
		k := s.tokenBefore(c.Start)
		if k < 0 || s.text[s.toks[k].end:c.Start] != ", " {
			continue
		}
		first := k
		for first > k-2 && first > 0 && s.gap(first) == " " && s.toks[first-1].kind == tAlpha {
			first--
		}
		for first < k && !s.opensClause(first) {
			first++
		}
		if first == k || !s.opensClause(first) {
			continue // one word is too little to tell a name from a place
		}
		ok := true
		for j := first; j <= k && ok; j++ {
			ok = s.toks[j].kind == tAlpha && s.firstCap(j) && !notNames[s.lowerTok(j)]
		}
		if ok {
			s.add(Name, s.toks[first].start, s.toks[k].end, 0.8)
		}
	}
}

// opensClause reports whether token j starts the text or follows ": ", "? ", ". ", "! " or a
// line break.
func (s *scanner) opensClause(j int) bool {
	if j == 0 {
		return strings.TrimSpace(s.text[:s.toks[0].start]) == ""
	}
	g := s.gap(j)
	return strings.HasSuffix(g, ": ") || strings.HasSuffix(g, "? ") || strings.HasSuffix(g, ". ") ||
		strings.HasSuffix(g, "! ") || strings.Contains(g, "\n")
}

// tokenBefore returns the index of the last token ending at or before pos, or -1.
func (s *scanner) tokenBefore(pos int) int {
	lo, hi := 0, len(s.toks)-1
	for lo <= hi {
		m := (lo + hi) / 2
		if s.toks[m].end <= pos {
			lo = m + 1
		} else {
			hi = m - 1
		}
	}
	return hi
}

// nameTrigger says what word w starts: trigContext for a context names() knows, and the kind
// of cue word names.go acts on (cueGreeting ... cueSignOff).
func nameTrigger(w string) uint8 {
	k, _ := wordCue(w)
	return k
}

// Ids of the context words names() reads (wordCue's second result).
const (
	wNone uint8 = iota
	wPossessive
	wName
	wIm
	wWorker
	wI
	wThis
	wIsAmWas
	wFor
	wTo
	wWith
	wIt
	wIts
	wHere
	wNamed
	wCalled
	wTitle
	wSignOff
	wBest
	wThank
	wYou
)

// wordCue is nameTrigger's answer and, for a context word, its id. One switch answers
// both, as it is asked of every word.
func wordCue(w string) (uint8, uint8) {
	switch w {
	case "my", "our", "his", "her":
		return trigContext, wPossessive
	case "name":
		return trigContext, wName
	case "im":
		return trigContext, wIm
	case "worker", "nurse", "officer", "visitor", "advocate":
		return trigContext, wWorker
	case "i":
		return trigContext, wI
	case "this":
		return trigContext, wThis
	case "is", "am", "was":
		return trigContext, wIsAmWas
	case "for":
		return trigContext, wFor
	case "to":
		return trigContext, wTo
	case "with":
		return trigContext, wWith
	case "it":
		return trigContext, wIt
	case "its":
		return trigContext, wIts
	case "here":
		return trigContext, wHere
	case "named", "calls", "fao", "holder", "resident", "patient", "client", "pupil":
		return trigContext, wNamed
	case "called":
		return trigContext, wCalled
	case "thank", "appreciate":
		return trigContext, wThank
	case "you", "u":
		return trigContext, wYou
	case "mr", "mrs", "ms", "miss", "mx", "dr":
		return trigContext | cueTitle, wTitle
	case "regards", "thanks", "cheers", "wishes", "sincerely":
		return trigContext | cueSignOff, wSignOff
	case "best":
		return trigContext | cueSignOff, wBest
	case "thx", "ty", "ta", "faithfully":
		return cueSignOff, wNone
	case "hi", "hello", "dear", "hiya", "hey", "morning", "afternoon", "evening":
		return cueGreeting, wNone
	case "son", "daughter", "husband", "wife", "partner", "mum", "mother", "mom", "dad", "father", "brother", "sister",
		"grandson", "granddaughter", "nan", "nana", "gran", "granny", "grandma", "grandmother", "grandad", "granddad",
		"grandpa", "grandfather", "child", "baby", "nephew", "niece", "aunt", "auntie", "uncle", "carer", "neighbour",
		"friend", "boyfriend", "girlfriend", "stepson", "stepdaughter", "cousin", "fiance", "fiancee", "sons",
		"daughters", "children", "grandchildren", "boy", "girl", "lad":
		return cueRelation, wNone
	case "ex", "lodger", "landlord", "landlady", "tenant", "flatmate", "housemate", "hubby", "aunty", "godson",
		"goddaughter", "stepmum", "stepdad", "stepmother", "stepfather":
		return cueOther, wNone // people a resident names besides family
	}
	return 0, wNone
}

func isApos(g string) bool { return g == "'" || g == "\u2019" }

// nameAt reads a name starting at token j: one to three capitalised words (parts joined by
// "-" or "'" count as one word). lowerOK accepts lower-case words (after "my name is").
func (s *scanner) nameAt(j int, lowerOK bool, c float64) {
	if j >= len(s.toks) || j == 0 {
		return
	}
	g := s.gap(j)
	if g != " " && g != ", " && g != ". " && g != ": " && g != " - " {
		return
	}
	start := s.toks[j].start
	end := -1
	words := 0
	for k := j; k < len(s.toks) && words < 3 && k < j+8; k++ {
		tk := s.toks[k]
		if tk.kind != tAlpha {
			break
		}
		if k > j {
			gk := s.gap(k)
			if (gk == "-" || isApos(gk)) && end == s.toks[k-1].end {
				// O'Neill, Anne-Marie: part of the same word; "Jack's" is not.
				if s.lowerTok(k) == "s" {
					break
				}
				end = tk.end
				continue
			}
			if gk != " " {
				break
			}
		}
		r, _ := utf8.DecodeRuneInString(s.text[tk.start:])
		isCap := unicode.IsUpper(r)
		lw := s.lowerTok(k)
		if notNames[lw] || !isCap && (words > 0 && s.firstCap(j) || !(lowerOK && !commonWords[lw]) && !s.lowerNameOK(k, words == 0)) {
			break
		}
		if words > 0 && s.allCaps(k) && s.allCaps(j) && s.surname(k) < 2 {
			break // in capitals every word is capitalised: "SPOKE TO GARETH LAST WEEK"
		}
		end = tk.end
		words++
	}
	if end < 0 {
		return
	}
	s.add(Name, start, end, c)
	// "my children Jack and Amelia", "my son Ethan and daughter Grace"
	if k := s.tokenAt(end); k >= 0 && k+2 < len(s.toks) && s.is(k+1, "and") && s.gap(k+1) == " " && s.gap(k+2) == " " {
		if nameTrigger(s.lowerTok(k+2)) == cueRelation {
			s.nameAt(k+3, false, c-0.02)
		} else if s.firstCap(k+2) && !notNames[s.lowerTok(k+2)] {
			s.nameAt(k+2, false, c-0.02)
		}
	}
}

var afterName = setOf(`born aged who dob nhs at of is was has and needs lives`)

// nameEnds reports whether a name ending at end is followed by punctuation, the end of the
// text or a word that usually follows a name.
func (s *scanner) nameEnds(end int) bool {
	if end >= len(s.text) || strings.IndexByte(",:.;)!?\n", s.text[end]) >= 0 {
		return true
	}
	if k := s.tokenAt(end); k >= 0 && k+1 < len(s.toks) && s.gap(k+1) == " " {
		return afterName[s.lowerTok(k+1)]
	}
	return false
}

// tokenAt returns the index of the token ending at end (searching back from the last token
// added), or -1.
func (s *scanner) tokenAt(end int) int {
	lo, hi := 0, len(s.toks)-1
	for lo <= hi {
		m := (lo + hi) / 2
		switch {
		case s.toks[m].end == end:
			return m
		case s.toks[m].end < end:
			lo = m + 1
		default:
			hi = m - 1
		}
	}
	return -1
}

func (s *scanner) firstCap(j int) bool {
	if c := s.text[s.toks[j].start]; c < utf8.RuneSelf {
		return isUpper(c)
	}
	r, _ := utf8.DecodeRuneInString(s.text[s.toks[j].start:])
	return unicode.IsUpper(r)
}

// signOff: "Regards, Sarah Jones" at the end of a message.
func (s *scanner) signOff(j int) {
	if j >= len(s.toks) {
		return
	}
	g := s.gap(j)
	if g != ", " && g != "," && g != " " && g != ",\n" && g != "\n" && g != ", \n" {
		return
	}
	// "thanks Ravi, that sorted it": a comma ends the name only when the thanks open the
	// message, addressing whoever helped.
	opening := j >= 1 && s.opensClause(j-1) && !(j >= 3 && s.is(j-1, "you"))
	if j == 2 && s.is(0, "thank") && s.is(1, "you") {
		opening = true
	}
	s.keepIf(func() { s.nameAt2(j, 0.86) }, func(end int) bool {
		r := strings.TrimLeft(s.text[end:min(len(s.text), end+3)], " \t")
		return r == "" || r[0] == '.' || r[0] == '!' || r[0] == '\n' || r[0] == '\r' || opening && r[0] == ','
	})
}

func (s *scanner) nameAt2(j int, c float64) {
	// Like nameAt, but the gap before j has already been checked.
	start := s.toks[j].start
	end, words := -1, 0
	for k := j; k < len(s.toks) && words < 3; k++ {
		tk := s.toks[k]
		if tk.kind != tAlpha || k > j && s.gap(k) != " " {
			break
		}
		r, _ := utf8.DecodeRuneInString(s.text[tk.start:])
		if notNames[s.lowerTok(k)] || !unicode.IsUpper(r) && !s.lowerSignOff(k, j) {
			break
		}
		end = tk.end
		words++
	}
	if end > 0 {
		s.add(Name, start, end, c)
	}
}

// commonWords are lower-case words that are not names even after "my name is".
var commonWords = setOf(`a an the and or but not on in at to for of is was be been being it its this that there here
	what which who with without from by as are am have has had do does did will would can could should may might must
	shall also just only still already really very so too as if when where why how because about above after again
	against all any both each few more most other some such no nor own same than then once under until up down out off
	over into through during before between both missing wrong incorrect spelt spelled listed showing shown different
	changed changing registered recorded needed required needing used being on`)

// references finds organisation-defined references: each word (non-space run, punctuation
// trimmed) that holds a digit is matched against each reference's anchored pattern. Words are
// found from the tokens that hold a digit, so text without digits costs nothing here.
func (s *scanner) references() {
	t := s.text
	s.refOn = s.refOn[:0]
	lastEnd := -1
	for i := range s.toks {
		tk := s.toks[i]
		if tk.kind != tDigit && tk.kind != tMixed || tk.start < lastEnd {
			continue
		}
		st, en := tk.start, tk.end
		for st > 0 && !isSpace(t[st-1]) && tk.start-st < 64 {
			st--
		}
		for en < len(t) && !isSpace(t[en]) && en-tk.end < 64 {
			en++
		}
		lastEnd = en
		for st < en && refTrim[t[st]] {
			st++
		}
		for en > st && refTrim[t[en-1]] {
			en--
		}
		if st < en && en-st <= 64 {
			s.reference(st, en)
		}
	}
}

// refTrim is the punctuation trimmed from both ends of a word before it is matched against
// the references.
var refTrim = func() (t [256]bool) {
	for _, c := range []byte(".,;:!?()[]{}\"'") {
		t[c] = true
	}
	return t
}()

// refActive reports whether reference k can occur in the text: one of its context words is
// somewhere in it (worked out for each reference on its first use in a text: most texts
// reach only one reference's first-character filter, if any).
func (s *scanner) refActive(k int) bool {
	if len(s.refOn) != len(s.d.refs) {
		s.refOn = append(s.refOn[:0], make([]int8, len(s.d.refs))...)
	}
	if s.refOn[k] == 0 {
		r := &s.d.refs[k]
		on := len(r.Context) == 0
		for _, w := range r.Context {
			on = on || strings.Contains(s.lower, w)
		}
		s.refOn[k] = 2
		if on {
			s.refOn[k] = 1
		}
	}
	return s.refOn[k] == 1
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'
}

func (s *scanner) reference(st, en int) {
	w := s.text[st:en]
	for k := range s.d.refs {
		r := &s.d.refs[k]
		if r.firstOK && !r.first[w[0]] || len(w) < r.minLen {
			continue
		}
		// Context first: a window search is cheaper than the regular expression.
		c := 0.9
		if len(r.Context) > 0 {
			if !s.refActive(k) || !s.refContext(st, en, r.Context) {
				continue
			}
			c = 0.97
		}
		if !r.match(w) || !checkRule(r.Check, w) {
			continue
		}
		s.add(r.typ, st, en, c)
		return
	}
}

// checkRule applies a policy check rule to the digits of w.
func checkRule(rule, w string) bool {
	if rule == "" {
		return true
	}
	var buf [64]byte
	d := buf[:0]
	for i := 0; i < len(w) && len(d) < len(buf); i++ {
		if isDigit(w[i]) {
			d = append(d, w[i])
		}
	}
	switch rule {
	case "mod11":
		return mod11(d)
	case "luhn":
		return len(d) >= 2 && luhn(d)
	case "uprn":
		if len(d) == 0 || len(d) > 12 {
			return false
		}
		for _, c := range d {
			if c != '0' {
				return true
			}
		}
		return false
	}
	return false
}

// refContext reports whether a context word is within 60 bytes before the reference or 30
// after it with no other number in between ("UPRN 100030512345", not "UPRN 1000305, aged 82").
func (s *scanner) refContext(st, en int, words []string) bool {
	lo := max(0, st-60)
	before := s.contextLower(lo, st)
	rawBefore := s.lower[lo:st]
	for _, w := range words {
		if k := strings.LastIndex(before, w); k >= 0 && !numberOrPlaceholder(rawBefore[k+len(w):]) {
			return true
		}
	}
	after := s.contextLower(en, min(len(s.text), en+30))
	rawAfter := s.lower[en:min(len(s.text), en+30)]
	for _, w := range words {
		if k := strings.Index(after, w); k >= 0 && !numberOrPlaceholder(rawAfter[:k]) {
			return true
		}
	}
	return false
}

// numberOrPlaceholder reports whether s holds a digit or a bracket: another number, or the
// placeholder of a removed one, stands between a reference and its context word.
func numberOrPlaceholder(s string) bool { return hasDigit(s) || strings.ContainsAny(s, "[]") }

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			return true
		}
	}
	return false
}
