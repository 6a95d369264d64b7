package search

import (
	"slices"
	"sort"
	"strings"
)

// alt is one way of matching a concept: a sequence of index terms and its weight.
type alt struct {
	terms []string
	w     float64
	// all: the alternative counts only where every term occurs. Set for expansions the resident
	// did not type (synonyms, abbreviations), so "ESA" does not match any page saying "support".
	all bool
}

// concept is one thing the resident asked about: a word (or a phrase from a synonym group or a
// joined pair) with the alternatives that may stand for it. A document's score for a concept is
// its best alternative's score, so alternatives never add up.
type concept struct {
	alts  []alt
	known bool // some alternative occurs in the index
	// chat: the word is conversation, not topic (chatWords); its alternatives weigh ChatW.
	chat bool
}

// chatWords are words of conversation rather than topic: how people tell a chatbot their story
// ("I was just told last week that my ... keeps ..."). They are not stop words, since a page may
// use them as its topic ("next steps", "report it today"), but in a question they say little about
// which page answers it, and a page that happens to repeat them should not outrank the page
// about the question's subject; nor should a page's not using them count against it as much.
var chatWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`hi hello hiya hey thanks thank cheers ok okay yes yeah sure sorry
		just told tell telling said say says saying asked asking wondering wonder wondered hoping hope
		think thought guess maybe perhaps probably actually really basically literally honestly
		totally quite pretty rather even still already yet ever anyway though although
		anything anybody everything everyone everybody nothing nobody somebody somewhere
		going gone go goes went come comes came coming getting gets keep keeps kept
		trying tried try able let lets put stuff bit lot lots loads much many
		like likes liked feel feeling felt seems seem seemed way sort
		ago yesterday today tonight tomorrow morning afternoon week weeks month months year years
		last next soon now recently since currently
		dear regards wants wanted wanting cant little big bad massive huge nasty awful terrible
		horrible proper whole`) {
		m[w] = true
	}
	return m
}()

// maxQueryWords bounds the work a query can cause; residents' questions are short, and text
// pasted into the box is cut rather than refused.
const maxQueryWords = 32

// parseQuery turns a question into concepts. It must be called with the read lock held (it reads
// the vocabulary and learned abbreviations).
func (ix *Index) parseQuery(q string) []concept {
	toks := joinLetters(analyze(q, 0))
	var words []token
	for _, t := range toks {
		if t.term != "" {
			words = append(words, t)
		}
		if len(words) == maxQueryWords {
			break
		}
	}
	p := ix.params
	// Per word: the alternatives for what was typed.
	var cs []concept
	for i := 0; i < len(words); i++ {
		w := words[i]
		// A pair typed apart that the site writes as one word ("job seekers" → "jobseekers").
		if ix.spelling && i+1 < len(words) {
			typo := ix.vocab.df[w.surface] == 0 || ix.vocab.df[words[i+1].surface] == 0
			if jw, jwt := ix.joinable(w.surface+words[i+1].surface, typo); jw != "" {
				first := ix.wordConcept(w, p).alts[0].terms
				second := ix.wordConcept(words[i+1], p).alts[0].terms
				// The site's one word is the reading; the words apart count only together, so
				// a page that merely says "job" somewhere does not compete.
				c := concept{alts: []alt{
					{terms: []string{termOf(jw)}, w: jwt},
					{terms: append(append([]string(nil), first...), second...), w: jwt, all: true},
				}}
				cs = append(cs, c)
				i++
				continue
			}
		}
		cs = append(cs, ix.wordConcept(w, p))
	}
	// Synonym phrases over the primary terms (corrected spellings included).
	syn := ix.syn
	primary := make([]string, len(cs))
	for i, c := range cs {
		primary[i] = strings.Join(c.alts[0].terms, " ")
	}
	var out []concept
	for i := 0; i < len(cs); {
		flat, owner := flatten(primary[i:])
		n, alts := syn.alternatives(flat, 0)
		// Only accept a match that ends on a concept boundary.
		if n > 0 && n <= len(owner) && (n == len(owner) || owner[n] != owner[n-1]) {
			used := owner[n-1] + 1
			c := cs[i]
			if used > 1 {
				c = concept{alts: []alt{{terms: flat[:n], w: 1}}}
			}
			for _, a := range alts {
				c.alts = append(c.alts, alt{terms: a, w: p.SynonymW, all: true})
			}
			out = append(out, c)
			i += used
			continue
		}
		out = append(out, cs[i])
		i++
	}
	for i := range out {
		out[i].alts = dedupeAlts(out[i].alts)
		if out[i].chat {
			for j := range out[i].alts {
				out[i].alts[j].w *= p.ChatW
			}
		}
		// Known when some alternative can match: a word the site uses, or an expansion whose
		// words it uses ("hole in the road" for "pothole" is not known because "road" is).
		out[i].known = slices.ContainsFunc(out[i].alts, func(a alt) bool {
			if a.all {
				return !slices.ContainsFunc(a.terms, func(t string) bool { return len(ix.passages.post[t]) == 0 })
			}
			return slices.ContainsFunc(a.terms, func(t string) bool { return len(ix.passages.post[t]) > 0 })
		})
	}
	return out
}

// flatten splits space-joined primary terms into one list, recording which concept each came from.
func flatten(ps []string) (terms []string, owner []int) {
	for i, p := range ps {
		for _, t := range strings.Fields(p) {
			terms = append(terms, t)
			owner = append(owner, i)
		}
	}
	return terms, owner
}

// wordConcept builds the alternatives for one typed word: itself when the site uses it, else its
// split into two site words ("counciltax"), else its nearest spellings; plus learned expansions
// when it is an abbreviation.
func (ix *Index) wordConcept(w token, p Params) concept {
	c := concept{chat: chatWords[w.surface]}
	df := ix.vocab.df[w.surface]
	if df > 0 || !ix.spelling {
		c.alts = append(c.alts, alt{terms: []string{w.term}, w: 1})
	}
	// Only a word the site uses at most twice may be a typo, and a real word is the resident's
	// own, not a typo: keep it as typed (it then counts against coverage, and its synonyms still
	// apply). The word list is asked only for the rare words that could be corrected.
	if ix.spelling && df <= 2 && !isEnglishWord(w.surface) && !ix.syn.has(w.term) {
		switch {
		case df == 0:
			cands := ix.corrections(w.surface, 4, 3)
			if parts, corrected := ix.split(w.surface); parts != nil {
				// A split into short pieces ("benifit" → "ben fit") is likelier a typo of one
				// word when one is near; long pieces ("counciltax") are a real run-together.
				// A split that needed a correction too is a guess, weighted as one.
				sw := p.CorrectionW[0]
				switch {
				case corrected:
					sw = p.CorrectionW[2] * 0.85
				case len(cands) > 0 && cands[0].dist == 1 && slices.ContainsFunc(parts, func(s string) bool { return len(s) < 4 }):
					sw = p.CorrectionW[2]
				}
				c.alts = append(c.alts, alt{terms: parts, w: sw, all: corrected})
			}
			for j, cd := range cands {
				// Keep the nearest ones; a far, rare candidate is more likely wrong than right.
				if cd.dist > cands[0].dist || (j > 0 && cd.df*8 < cands[0].df) {
					break
				}
				c.alts = append(c.alts, alt{terms: []string{termOf(cd.word)}, w: p.CorrectionW[min(cd.dist, 2)]})
			}
		case df <= 2 && len(w.surface) >= 5:
			// A word the site uses once or twice may itself be a typo of a common word: offer
			// the common word too, weighted below the word typed.
			for _, cd := range ix.corrections(w.surface, 2, 1) {
				if cd.dist == 1 && cd.df >= 20*df && cd.df >= 10 {
					c.alts = append(c.alts, alt{terms: []string{termOf(cd.word)}, w: p.CorrectionW[2]})
				}
			}
		}
	}
	if len(c.alts) == 0 {
		// Nothing in the site matches: keep the word so coverage (and confidence) count it.
		c.alts = append(c.alts, alt{terms: []string{w.term}, w: 1})
	}
	if m := ix.acr[w.surface]; len(m) > 0 {
		type exp struct {
			long string
			n    int
		}
		var es []exp
		for l, n := range m {
			es = append(es, exp{l, n})
		}
		sort.Slice(es, func(i, j int) bool {
			if es[i].n != es[j].n {
				return es[i].n > es[j].n
			}
			return es[i].long < es[j].long
		})
		for _, e := range es[:min(2, len(es))] {
			c.alts = append(c.alts, alt{terms: strings.Fields(e.long), w: p.AcronymW, all: true})
		}
	}
	return c
}

// corrections are the site words near w that a query can search for: "son" is one edit from
// "on", a stop word, which as a correction would leave a concept that matches nothing and
// weighs as the rarest word.
func (ix *Index) corrections(w string, limit, maxBudget int) []candidate {
	return slices.DeleteFunc(ix.vocab.corrections(w, limit, maxBudget), func(c candidate) bool { return termOf(c.word) == "" })
}

// joinable returns the site word a pair typed apart stands for ("job seekers" → "jobseekers"),
// exactly or within one typo, and the weight of that reading.
// A typo in the joined word is looked for only when one of the pair is not a site word.
func (ix *Index) joinable(joined string, typo bool) (string, float64) {
	if len(joined) < 6 {
		return "", 0
	}
	if ix.vocab.df[joined] >= 2 {
		return joined, 1
	}
	if !typo {
		return "", 0
	}
	for _, c := range ix.vocab.corrections(joined, 1, 1) {
		if c.dist == 1 && c.df >= 2 {
			return c.word, ix.params.CorrectionW[1]
		}
	}
	return "", 0
}

// split finds the best way to cut a run-together word into words the site uses ("counciltax" →
// "council tax", "socialfundloans" → "social fund loans"), allowing one typo in one part
// ("housingbenfit"). Exact splits win; among them, the one whose rarer part is most frequent.
func (ix *Index) split(s string) (terms []string, corrected bool) {
	parts, _ := ix.splitWords(s, 2, true)
	if parts == nil {
		return nil, false
	}
	for _, part := range parts {
		if ix.vocab.df[part] > 0 && strings.Contains(s, part) {
			continue
		}
		corrected = true
	}
	var out []string
	for _, part := range parts {
		if t := termOf(part); t != "" {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, false
	}
	return out, corrected
}

// splitWords splits s into up to depth+1 vocabulary words, the score being the smallest document
// frequency among the parts, halved for a corrected part.
func (ix *Index) splitWords(s string, depth int, allowTypo bool) ([]string, int) {
	if len(s) < 5 {
		return nil, 0
	}
	var best []string
	bestScore := 0
	try := func(parts []string, score int) {
		if score > bestScore {
			best, bestScore = parts, score
		}
	}
	for i := 2; i <= len(s)-2; i++ {
		a, b := s[:i], s[i:]
		da := ix.vocab.df[a]
		if da == 0 || !ix.splitPart(a) {
			continue
		}
		if db := ix.vocab.df[b]; db > 0 && ix.splitPart(b) {
			try([]string{a, b}, min(da, db)*2)
			continue
		}
		if depth > 1 {
			if rest, sc := ix.splitWords(b, depth-1, false); rest != nil {
				try(append([]string{a}, rest...), min(da*2, sc))
			}
		}
		if allowTypo && len(b) >= 4 {
			if cs := ix.vocab.corrections(b, 1, 1); len(cs) > 0 {
				try([]string{a, cs[0].word}, min(da, cs[0].df))
			}
		}
	}
	if allowTypo && bestScore == 0 {
		// The typo may be in the first part ("incommesupport").
		for i := 4; i <= len(s)-2; i++ {
			a, b := s[:i], s[i:]
			db := ix.vocab.df[b]
			if db == 0 || !ix.splitPart(b) {
				continue
			}
			if cs := ix.vocab.corrections(a, 1, 1); len(cs) > 0 {
				try([]string{cs[0].word, b}, min(db, cs[0].df))
			}
		}
	}
	return best, bestScore
}

// splitPart reports whether w may be a part of a split word: two-letter pieces ("er", "ts") are
// mostly word endings, so they count only as known abbreviations ("ni" in "payni").
func (ix *Index) splitPart(w string) bool {
	return len(w) >= 3 || len(ix.acr[w]) > 0
}

// joinLetters merges runs of single letters ("e s a", "p i p") into one word, the way
// residents spell out abbreviations.
func joinLetters(toks []token) []token {
	var out []token
	for i := 0; i < len(toks); {
		j := i
		for j < len(toks) && len(toks[j].surface) == 1 && toks[j].surface[0] >= 'a' && toks[j].surface[0] <= 'z' &&
			(j == i || toks[j].pos == toks[j-1].pos+1) {
			j++
		}
		if j-i >= 2 {
			var b strings.Builder
			for _, t := range toks[i:j] {
				b.WriteString(t.surface)
			}
			w := b.String()
			out = append(out, token{surface: w, term: termOf(w), pos: toks[i].pos})
			i = j
			continue
		}
		out = append(out, toks[i])
		i++
	}
	return out
}

func dedupeAlts(as []alt) []alt {
	seen := map[string]int{}
	var out []alt
	for _, a := range as {
		k := strings.Join(a.terms, " ")
		if j, ok := seen[k]; ok {
			out[j].w = max(out[j].w, a.w)
			continue
		}
		seen[k] = len(out)
		out = append(out, a)
	}
	return out
}
