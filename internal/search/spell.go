package search

import (
	"slices"
	"sort"
)

// vocab is the index's surface vocabulary (words as residents would type them) with the number of
// passages each occurs in, plus a symmetric-delete table for spelling correction.
//
// The table holds every word's one-character deletions only, so memory stays linear in the
// vocabulary. A lookup tries the query word and its one- and (for long words) two-character
// deletions against words and their deletions; that finds every word within one edit (insertion,
// deletion, substitution or transposition) and most within two, and each candidate is checked with
// a true Damerau-Levenshtein distance.
type vocab struct {
	df      map[string]int
	deletes map[string][]string // deletion variant → words it came from
}

func newVocab() *vocab {
	return &vocab{df: map[string]int{}, deletes: map[string][]string{}}
}

// minSpellLen is the shortest word the table holds or corrects. Three-letter words are corrected
// only when the site does not use them at all, since most short words are abbreviations ("pip",
// "esa") that a correction would turn into other words.
const minSpellLen = 3

func (v *vocab) add(w string) {
	v.df[w]++
	if v.df[w] > 1 || len(w) < minSpellLen {
		return
	}
	for _, d := range deletes1(w) {
		v.deletes[d] = append(v.deletes[d], w)
	}
}

func (v *vocab) remove(w string) {
	n := v.df[w] - 1
	if n > 0 {
		v.df[w] = n
		return
	}
	delete(v.df, w)
	if len(w) < minSpellLen {
		return
	}
	for _, d := range deletes1(w) {
		ws := v.deletes[d]
		if i := slices.Index(ws, w); i >= 0 {
			ws = append(ws[:i], ws[i+1:]...)
		}
		if len(ws) == 0 {
			delete(v.deletes, d)
		} else {
			v.deletes[d] = ws
		}
	}
}

// deletes1 returns the distinct strings made by deleting one byte-position character. Words are
// ASCII after folding in practice; a multi-byte rune only yields odd variants that match nothing.
func deletes1(w string) []string {
	out := make([]string, 0, len(w))
	for i := 0; i < len(w); i++ {
		d := w[:i] + w[i+1:]
		if i > 0 && w[i] == w[i-1] {
			continue // same variant as the previous deletion
		}
		out = append(out, d)
	}
	return out
}

// maxEdits is the edit budget for a word: short words tolerate one typo, long ones two.
func maxEdits(w string) int {
	switch {
	case len(w) < minSpellLen:
		return 0
	case len(w) < 8:
		return 1
	default:
		return 2
	}
}

type candidate struct {
	word string
	dist int
	df   int
}

// corrections returns vocabulary words within the edit budget of w (at most maxBudget), nearest
// first, then most frequent. w itself is never returned.
func (v *vocab) corrections(w string, limit, maxBudget int) []candidate {
	budget := min(maxEdits(w), maxBudget)
	if budget == 0 {
		return nil
	}
	seen := map[string]bool{w: true}
	var out []candidate
	consider := func(c string) {
		if seen[c] {
			return
		}
		seen[c] = true
		df := v.df[c]
		if df == 0 {
			return
		}
		if d := damerau(w, c, budget); d <= budget {
			out = append(out, candidate{c, d, df})
		}
	}
	probe := func(s string) {
		if v.df[s] > 0 {
			consider(s)
		}
		for _, c := range v.deletes[s] {
			consider(c)
		}
	}
	probe(w)
	if len(w) == minSpellLen {
		// A three-letter word: only one-edit variants the site uses, no deletions of the
		// query (two-letter leftovers match too much).
		for _, c := range v.deletes[w] {
			consider(c)
		}
		budget = 1
	}
	d1 := deletes1(w)
	for _, d := range d1 {
		probe(d)
	}
	if budget >= 2 {
		for _, d := range d1 {
			for _, dd := range deletes1(d) {
				probe(dd)
			}
		}
	}
	if len(out) == 0 && budget >= 2 {
		if len(w) >= 11 {
			budget = 3 // long words collect more mistakes ("apprentaships")
		}
		// The table misses words that need two insertions into the query ("apprnticship");
		// scan words of a similar length with the same first letter, which is cheap because
		// it happens only when nothing nearer exists.
		for c, df := range v.df {
			if len(c) < len(w)-budget || len(c) > len(w)+budget || c[0] != w[0] || seen[c] {
				continue
			}
			if d := damerau(w, c, budget); d <= budget {
				out = append(out, candidate{c, d, df})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].dist != out[j].dist {
			return out[i].dist < out[j].dist
		}
		if out[i].df != out[j].df {
			return out[i].df > out[j].df
		}
		return out[i].word < out[j].word
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// damerau is the optimal-string-alignment distance between a and b, giving up (returning
// limit+1) once every alignment exceeds limit. Byte-wise: folded words are ASCII.
func damerau(a, b string, limit int) int {
	if abs(len(a)-len(b)) > limit {
		return limit + 1
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			c := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				c = min(c, prev2[j-2]+1)
			}
			cur[j] = c
			rowMin = min(rowMin, c)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
