package search

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"golang.org/x/text/unicode/norm"
)

// token is one word of analysed text.
type token struct {
	surface string // lower case, accents and apostrophes removed: what residents type
	term    string // index term: British spelling, Porter2 stem; "" for a stop word
	pos     int    // word position; stop words take positions too, so distances are real
}

// maxTokenBytes bounds a single word: longer runs are not words (base64, hashes) and would only
// bloat the vocabulary.
const maxTokenBytes = 40

// surfaceWords splits text into lower-case words: letters and digits, with apostrophes inside a
// word removed ("jobseeker's" → "jobseekers", "don't" → "dont"), accents folded ("café" → "cafe")
// and everything else a separator. Hyphenated words become separate words, so "fly-tipping" is
// found by "fly tipping" (and by "flytipping" through the vocabulary split).
func surfaceWords(text string, fn func(w string)) {
	var b strings.Builder
	emit := func() {
		if b.Len() > 0 && b.Len() <= maxTokenBytes {
			fn(b.String())
		}
		b.Reset()
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9'):
			b.WriteRune(r)
		case r < utf8.RuneSelf && r >= 'A' && r <= 'Z':
			b.WriteRune(r + ('a' - 'A'))
		case r == '\'' || r == '’' || r == '‘':
			// Inside a word an apostrophe is dropped; elsewhere it is a separator.
			if b.Len() == 0 || i >= len(text) {
				emit()
				continue
			}
			next, _ := utf8.DecodeRuneInString(text[i:])
			if !unicode.IsLetter(next) {
				emit()
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			foldRune(&b, r)
		default:
			emit()
		}
	}
	emit()
}

// foldRune writes r lower-cased without diacritics (Welsh ŵ → w, é → e).
func foldRune(b *strings.Builder, r rune) {
	r = unicode.ToLower(r)
	if r < utf8.RuneSelf {
		b.WriteRune(r)
		return
	}
	for _, d := range norm.NFD.String(string(r)) {
		if !unicode.Is(unicode.Mn, d) {
			b.WriteRune(d)
		}
	}
}

// analyze turns text into tokens with positions starting at base.
func analyze(text string, base int) []token {
	var out []token
	pos := base
	surfaceWords(text, func(w string) {
		out = append(out, token{surface: w, term: termOf(w), pos: pos})
		pos++
	})
	return out
}

// termOf maps a surface word to its index term, or "" for a stop word.
func termOf(w string) string {
	if stopWords[w] {
		return ""
	}
	if t, ok := stemCache.Load(w); ok {
		return t.(string)
	}
	t, ok := stemExceptions[w]
	if !ok {
		t = english.Stem(british(w), true)
	}
	// Stemming is the costliest step of analysis; site vocabularies are small, so a shared
	// cache pays. It stops growing at a bound so that arbitrary queries cannot grow it forever.
	if stemCacheSize.Load() < maxStemCache {
		if _, loaded := stemCache.LoadOrStore(w, t); !loaded {
			stemCacheSize.Add(1)
		}
	}
	return t
}

const maxStemCache = 200_000

var (
	stemCache     sync.Map // surface word → term
	stemCacheSize atomic.Int64
)

// stemExceptions are words that Porter2 folds into another word of a different meaning, which
// matters on a council site: "university" and "universal" both stem to "univers", so a question
// about paying for university found Universal Credit. Each keeps a term of its own (plurals too).
// Irregular forms that Porter2 leaves apart from their word are joined to it ("children" and
// "child"). "Paid" stays apart from "pay": "I paid my fine twice" is not "how do I pay my fine".
var stemExceptions = map[string]string{
	"university": "universiti", "universities": "universiti",
	"universal": "universal", "universally": "universal",
	"children": "child", "childrens": "child", "women": "woman", "womens": "woman",
	"men": "man", "mens": "man", "wives": "wife", "bought": "buy", "sold": "sell", "taught": "teach",
}

// british rewrites American spellings to British ones before stemming, so "color", "center",
// "organize" and "license" find "colour", "centre", "organise" and "licence". Both documents and
// queries pass through it, so an imperfect rule only merges two words, it never loses one.
func british(w string) string {
	if b, ok := usToUK[w]; ok {
		return b
	}
	n := len(w)
	if n < 6 {
		return w
	}
	if izeExceptions[w] {
		return w
	}
	// organize, organizes, organized, organizing, organization(s) → organise…
	for _, suf := range []string{"ize", "izes", "ized", "izing", "ization", "izations", "izer", "izers"} {
		if strings.HasSuffix(w, suf) && n-len(suf) >= 3 {
			return w[:n-len(suf)] + "is" + suf[2:]
		}
	}
	// analyze, paralyze → analyse
	for _, suf := range []string{"yze", "yzes", "yzed", "yzing"} {
		if strings.HasSuffix(w, suf) && n-len(suf) >= 3 {
			return w[:n-len(suf)] + "ys" + suf[2:]
		}
	}
	return w
}

// izeExceptions end in "ize" in British English too.
var izeExceptions = map[string]bool{
	"capsize": true, "capsized": true, "seize": true, "seized": true, "seizes": true, "seizing": true,
	"downsize": true, "downsized": true, "downsizing": true, "oversize": true, "oversized": true,
	"prize": true, "prizes": true, "sizes": true, "resize": true, "resized": true,
}

// usToUK lists American spellings that no suffix rule catches. Words whose American form is a
// different British word ("check"/"cheque", "meter"/"metre") are left alone on purpose.
var usToUK = map[string]string{
	"color": "colour", "colors": "colours", "colored": "coloured", "favor": "favour", "favors": "favours",
	"favorite": "favourite", "favourable": "favourable", "favorable": "favourable", "honor": "honour",
	"labor": "labour", "neighbor": "neighbour", "neighbors": "neighbours", "neighborhood": "neighbourhood",
	"neighborhoods": "neighbourhoods", "behavior": "behaviour", "behaviors": "behaviours",
	"behavioral": "behavioural", "humor": "humour", "harbor": "harbour", "rumor": "rumour",
	"flavor": "flavour", "vapor": "vapour", "endeavor": "endeavour", "savior": "saviour",
	"center": "centre", "centers": "centres", "centered": "centred", "theater": "theatre",
	"theaters": "theatres", "fiber": "fibre", "liter": "litre", "liters": "litres", "caliber": "calibre",
	"somber": "sombre", "meager": "meagre", "specter": "spectre",
	"license": "licence", "licenses": "licences", "defense": "defence", "offense": "offence",
	"offenses": "offences", "pretense": "pretence", "practise": "practice", "practised": "practiced",
	"program": "programme", "programs": "programmes", "catalog": "catalogue", "catalogs": "catalogues",
	"dialog": "dialogue", "analog": "analogue", "aging": "ageing", "tire": "tyre", "tires": "tyres",
	"curb": "kerb", "curbs": "kerbs", "gray": "grey", "mold": "mould", "moldy": "mouldy",
	"jewelry": "jewellery", "traveler": "traveller", "travelers": "travellers", "traveled": "travelled",
	"traveling": "travelling", "canceled": "cancelled", "canceling": "cancelling", "labeled": "labelled",
	"labeling": "labelling", "modeled": "modelled", "modeling": "modelling", "fueled": "fuelled",
	"leveled": "levelled", "counseling": "counselling", "counselor": "counsellor", "counselors": "counsellors",
	"enroll": "enrol", "enrollment": "enrolment", "enrollments": "enrolments", "fulfill": "fulfil",
	"fulfillment": "fulfilment", "installment": "instalment", "installments": "instalments",
	"skillful": "skilful", "willful": "wilful", "judgment": "judgement", "acknowledgment": "acknowledgement",
	"aluminum": "aluminium", "pediatric": "paediatric", "pediatrician": "paediatrician",
	"anemia": "anaemia", "anesthetic": "anaesthetic", "diarrhea": "diarrhoea", "estrogen": "oestrogen",
	"fetus": "foetus", "orthopedic": "orthopaedic", "hemophilia": "haemophilia", "leukemia": "leukaemia",
	"maneuver": "manoeuvre", "plow": "plough", "pajamas": "pyjamas", "sulfur": "sulphur",
	"artifact": "artefact", "cozy": "cosy", "donut": "doughnut", "draft": "draught",
	"mom": "mum", "moms": "mums", "math": "maths", "ax": "axe",
}

// stopWords are not indexed and are dropped from queries: they carry no topic, and residents'
// questions are full of them ("how do I ...", "what is my ...").
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all am an and any are aren arent as at
		be because been before being below between both but by can cannot could couldnt did didnt do does
		doesnt doing dont down during each few for from further had hadnt has hasnt have havent having he
		hed hell hes her here heres hers herself him himself his how hows i id ill im ive if in into is isnt
		it its itself lets me more most mustnt my myself no nor not of off on once only or other ought our
		ours ourselves out over own same shant she shed shell shes should shouldnt so some such than that
		thats the their theirs them themselves then there theres these they theyd theyll theyre theyve
		this those through to too under until up very was wasnt we wed well were weve werent what whats
		when whens where wheres which while who whos whom why whys with wont would wouldnt you youd youll
		youre youve your yours yourself yourselves please want need know tell anyone someone something
		thing things also may might will shall must get got`) {
		m[w] = true
	}
	return m
}()
