package search

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"slices"
	"strings"
	"sync"
)

// englishWordsGz is the British English word list of Debian's wbritish package (SCOWL, by Kevin
// Atkinson; licence and provenance in english-words.README), lower-case words only, one a line.
//
//go:embed english-words.txt.gz
var englishWordsGz []byte

// englishWords is the word list, sorted, read on first use (about 1.5 MB in memory).
var englishWords = sync.OnceValue(func() []string {
	zr, err := gzip.NewReader(bytes.NewReader(englishWordsGz))
	if err != nil {
		panic("search: embedded word list: " + err.Error()) // checked by TestEnglishWords
	}
	var out []string
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" {
			out = append(out, w)
		}
	}
	if sc.Err() != nil {
		panic("search: embedded word list: " + sc.Err().Error())
	}
	slices.Sort(out)
	return out
})

// isEnglishWord reports whether w (lower case, as surfaceWords gives it) is an English word. A
// question's word that the site never uses is a typo only when it is not a word at all: "son",
// "lad" and "wash" are the resident's own words, not misspellings of "soon", "law" and "cash".
func isEnglishWord(w string) bool {
	_, ok := slices.BinarySearch(englishWords(), w)
	return ok
}
