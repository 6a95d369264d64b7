package search

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Hints close the gaps of the site's vocabulary that staff see in the questions the chatbot could
// not answer: "send questions like this to page X". A question like a hint's question puts the
// hint's page first among the results (Search), whatever its words score, so a resident who writes
// "my boiler has packed in" reaches the repairs page that never says "boiler".
//
// Questions are compared by their content concepts after the search's own analysis: stop words
// dropped, words stemmed with British spellings, a phrase of a synonym group standing for its
// whole group, and a word within one typo of a hint's word (of five letters or more) counting as
// that word. Each concept weighs its idf in the site's passages, so "council" or "form" count for
// little and the rare words that carry a question ("boiler", "taxi") for much; a word the site
// lacks weighs as much as the rarest (the words of a vocabulary gap are exactly those). With M
// the weight of one side's concepts that the other side shares and W the weight of all of them:
//
//	similarity = (Mhint + Mquestion) / (Whint + Wquestion)     (weighted Dice)
//	contained  = Mhint/Whint >= 0.8 and Mquestion/Wquestion >= 0.2
//
// A hint matches when the similarity reaches HintSimilarity, or when the question contains it.
//
// Why two readings. A symmetric measure is needed, because coverage of the hint alone (all the
// hint's words are in the question) would send a question that merely mentions "taxi" to the page
// of a hint "how do I become a taxi driver", and coverage of the question alone would send a bare
// "broken" to the page of "my boiler is broken". Dice is that measure, and linear in the shared
// weight. But residents tell stories ("my mum died and I can't afford the funeral, is there any
// help"): the story's words dilute a symmetric measure far below anything a threshold could keep
// apart from unrelated questions, while the question still holds the whole of the hint. So a
// question that contains (nearly) all of a hint matches too, as long as the hint is a fifth of
// the question's weight.
//
// The thresholds were set on pairs written for the purpose (TestHintCalibration: hint questions
// with rewordings and stories that should match, and questions sharing a topic word with them
// that should not), over the GOV.UK pages' vocabulary: at 0.7 no unrelated pair matched, where
// 0.6 let "how do I pay a parking fine" match "I paid my parking fine twice". Lexical matching
// still misses rewordings that share no word with the hint ("someone has left a car on our road"
// for "abandoned car"); staff add such questions as hints of their own.

// HintSimilarity is the weighted Dice similarity from which a hint sends a question to its page.
const HintSimilarity = 0.7

// A question contains a hint when it shares at least hintContained of the hint's weight and the
// hint is at least hintContainedShare of the question's (see above).
const (
	hintContained      = 0.8
	hintContainedShare = 0.2
)

// minTypoLen is the shortest word a typo of which still counts as the word: shorter words are too
// often other words one letter away ("bin", "bun").
const minTypoLen = 5

// Hint sends questions like Question to the page at URL. ID is the caller's (0 is allowed but
// cannot be told apart from "no hint" in a Result).
type Hint struct {
	ID       int64
	Question string
	URL      string
}

// HintMatch is a hint that matches a question: Similarity is the weighted Dice similarity of the
// two in [0,1], Contained whether the question contains the hint.
type HintMatch struct {
	Hint
	Similarity float64
	Contained  bool
}

// hintConcept is one content concept of a question: a word, or a synonym phrase.
type hintConcept struct {
	keys    []string // two concepts are the same when they share a key
	terms   []string // index terms, for the weight
	surface string   // the word as typed, for typos (single words only)
}

// Hints are hints analysed for matching against one index's analysis (its synonyms). A Hints is
// immutable: a change is a new one (PrepareHints) set with SetHints.
type Hints struct {
	hints    []Hint
	concepts [][]hintConcept
	keys     []map[string]bool   // per hint, every key of its concepts
	byKey    map[string][]int    // key → hints having it
	typo     map[string][]string // a hint word or one of its one-letter deletions → hint words
}

// Len is the number of hints that can match (those whose question has content words).
func (h *Hints) Len() int {
	if h == nil {
		return 0
	}
	return len(h.hints)
}

// PrepareHints analyses hints with the index's synonyms. A hint whose question has no content
// word (only stop words) is left out: it could match nothing.
func (ix *Index) PrepareHints(hints []Hint) *Hints {
	h := &Hints{byKey: map[string][]int{}, typo: map[string][]string{}}
	for _, hint := range hints {
		cs := ix.hintConcepts(hint.Question)
		if len(cs) == 0 {
			continue
		}
		i := len(h.hints)
		h.hints = append(h.hints, hint)
		h.concepts = append(h.concepts, cs)
		keys := map[string]bool{}
		for _, c := range cs {
			for _, k := range c.keys {
				if !keys[k] {
					keys[k] = true
					h.byKey[k] = append(h.byKey[k], i)
				}
			}
			if w := c.surface; len(w) >= minTypoLen {
				for _, d := range append(deletes1(w), w) {
					if !slices.Contains(h.typo[d], w) {
						h.typo[d] = append(h.typo[d], w)
					}
				}
			}
		}
		h.keys = append(h.keys, keys)
	}
	return h
}

// SetHints makes h the hints Search applies (nil: none). h must come from this index's
// PrepareHints.
func (ix *Index) SetHints(h *Hints) { ix.hints.Store(h) }

// MatchHints returns the hints of h that match query (HintSimilarity, or contained), most
// similar first (then by ID), whether or not their pages are indexed.
func (ix *Index) MatchHints(h *Hints, query string) []HintMatch {
	if h.Len() == 0 {
		return nil
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.matchHints(h, query)
}

// matchHints is MatchHints under the read lock.
func (ix *Index) matchHints(h *Hints, query string) []HintMatch {
	qcs := ix.hintConcepts(query)
	if len(qcs) == 0 {
		return nil
	}
	// A word within one typo of a hint's word counts as it.
	for i, c := range qcs {
		w := c.surface
		if len(w) < minTypoLen {
			continue
		}
		for _, d := range append(deletes1(w), w) {
			for _, hw := range h.typo[d] {
				if hw != w && damerau(w, hw, 1) <= 1 {
					qcs[i].keys = append(qcs[i].keys, termOf(hw))
				}
			}
		}
	}
	qkeys := map[string]bool{}
	var cands []int
	seen := map[int]bool{}
	for _, c := range qcs {
		for _, k := range c.keys {
			qkeys[k] = true
			for _, i := range h.byKey[k] {
				if !seen[i] {
					seen[i] = true
					cands = append(cands, i)
				}
			}
		}
	}
	qw := make([]float64, len(qcs))
	for i, c := range qcs {
		qw[i] = ix.conceptWeight(c)
	}
	var out []HintMatch
	for _, i := range cands {
		var qShared, qTotal, hShared, hTotal float64
		for ci, c := range qcs {
			qTotal += qw[ci]
			if slices.ContainsFunc(c.keys, func(k string) bool { return h.keys[i][k] }) {
				qShared += qw[ci]
			}
		}
		for _, c := range h.concepts[i] {
			w := ix.conceptWeight(c)
			hTotal += w
			if slices.ContainsFunc(c.keys, func(k string) bool { return qkeys[k] }) {
				hShared += w
			}
		}
		if qTotal <= 0 || hTotal <= 0 {
			continue
		}
		m := HintMatch{Hint: h.hints[i], Similarity: math.Min(1, (qShared+hShared)/(qTotal+hTotal)),
			Contained: hShared/hTotal >= hintContained && qShared/qTotal >= hintContainedShare}
		if m.Similarity >= HintSimilarity || m.Contained {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Similarity != out[b].Similarity {
			return out[a].Similarity > out[b].Similarity
		}
		return out[a].ID < out[b].ID
	})
	return out
}

// conceptWeight is a concept's idf in the passages: its rarest term's, a term the site lacks
// weighing as the rarest possible.
func (ix *Index) conceptWeight(c hintConcept) float64 {
	w := 0.0
	for _, t := range c.terms {
		w = math.Max(w, ix.passages.idf(len(ix.passages.post[t])))
	}
	return w
}

// hintConcepts analyses a question as the search does (words, spelled-out letters joined, stop
// words dropped, stems), then reads synonym phrases: the longest phrase of a group at a place is
// one concept, keyed by its groups and by itself. Repeated concepts count once.
func (ix *Index) hintConcepts(text string) []hintConcept {
	var words []token
	for _, t := range joinLetters(analyze(text, 0)) {
		if t.term != "" {
			words = append(words, t)
		}
		if len(words) == maxQueryWords {
			break
		}
	}
	terms := make([]string, len(words))
	for i, w := range words {
		terms[i] = w.term
	}
	var out []hintConcept
	seen := map[string]bool{}
	add := func(c hintConcept) {
		if !seen[c.keys[0]] {
			seen[c.keys[0]] = true
			out = append(out, c)
		}
	}
	for i := 0; i < len(terms); {
		if n, groups := ix.syn.groupsAt(terms, i); n > 0 {
			c := hintConcept{terms: terms[i : i+n]}
			for _, g := range groups {
				c.keys = append(c.keys, "="+strconv.Itoa(g))
			}
			c.keys = append(c.keys, strings.Join(c.terms, " "))
			if n == 1 {
				c.surface = words[i].surface
			}
			add(c)
			i += n
			continue
		}
		add(hintConcept{keys: []string{terms[i]}, terms: terms[i : i+1], surface: words[i].surface})
		i++
	}
	return out
}
