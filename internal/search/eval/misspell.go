package eval

import (
	"math/rand/v2"
	"strings"
)

// Misspell returns a copy of the queries with the kinds of mistakes residents make, seeded and
// deterministic (the same seed gives the same copy on every machine and Go version, since
// math/rand/v2's PCG is specified):
//
//   - every query gets one mistake: a dropped, doubled or swapped letter, a neighbouring key on
//     a UK QWERTY keyboard, or (for queries of two or more words) two adjacent words joined;
//   - a query with three or more words of four letters or more gets a second mistake with
//     probability 0.3.
//
// Letter mistakes go only into words of four letters or more: a typo in "tax" or "pip" is a
// different word, and no search engine can know which one was meant.
func Misspell(qs []Query, seed uint64) []Query {
	rng := rand.New(rand.NewPCG(seed, 0x6661_6972_6c69_6e65)) // "fairline"
	out := make([]Query, len(qs))
	for i, q := range qs {
		words := strings.Fields(q.Query)
		long := 0
		for _, w := range words {
			if len(w) >= 4 {
				long++
			}
		}
		edits := 1
		if long >= 3 && rng.Float64() < 0.3 {
			edits = 2
		}
		for range edits {
			words = mistake(rng, words)
		}
		out[i] = Query{Query: strings.Join(words, " "), Expected: q.Expected}
	}
	return out
}

// mistake applies one mistake to words.
func mistake(rng *rand.Rand, words []string) []string {
	var long []int
	for i, w := range words {
		if len(w) >= 4 && isASCII(w) {
			long = append(long, i)
		}
	}
	kinds := 4
	if len(words) >= 2 {
		kinds = 5
	}
	k := rng.IntN(kinds)
	if k == 4 || len(long) == 0 {
		if len(words) < 2 {
			return words
		}
		j := rng.IntN(len(words) - 1)
		joined := words[j] + words[j+1]
		return append(append(append([]string(nil), words[:j]...), joined), words[j+2:]...)
	}
	wi := long[rng.IntN(len(long))]
	w := []byte(words[wi])
	// Never touch the first letter: residents rarely get it wrong, and the neighbour lists below
	// would otherwise turn many words into others.
	p := 1 + rng.IntN(len(w)-1)
	switch k {
	case 0: // dropped letter
		w = append(w[:p:p], w[p+1:]...)
	case 1: // doubled letter
		w = append(w[:p+1:p+1], w[p:]...)
	case 2: // swapped adjacent letters
		if p == len(w)-1 {
			p--
		}
		if p == 0 {
			p = 1
		}
		if p+1 < len(w) {
			w[p], w[p+1] = w[p+1], w[p]
		}
	case 3: // neighbouring key
		if n := neighbours[w[p]|0x20]; n != "" {
			w[p] = n[rng.IntN(len(n))]
		} else {
			w = append(w[:p:p], w[p+1:]...)
		}
	}
	out := append([]string(nil), words...)
	out[wi] = string(w)
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// neighbours are the adjacent letter keys on a UK QWERTY keyboard.
var neighbours = map[byte]string{
	'q': "wa", 'w': "qeas", 'e': "wrsd", 'r': "etdf", 't': "ryfg", 'y': "tugh", 'u': "yihj", 'i': "uojk",
	'o': "ipkl", 'p': "ol", 'a': "qwsz", 's': "awedxz", 'd': "serfcx", 'f': "drtgvc", 'g': "ftyhbv",
	'h': "gyujnb", 'j': "huikmn", 'k': "jiolm", 'l': "kop", 'z': "asx", 'x': "zsdc", 'c': "xdfv",
	'v': "cfgb", 'b': "vghn", 'n': "bhjm", 'm': "njk",
}
