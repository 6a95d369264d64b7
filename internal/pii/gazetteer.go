package pii

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"embed"
	"io"
	"strings"
	"sync"
	"unicode/utf8"
)

// The gazetteer: given names, name parts (surnames and given names of many origins), UK place
// names and an English dictionary, embedded from gazetteer/*.txt.gz. Where each list comes
// from, its licence and how it was made are in gazetteer/README.md. It is what lets the
// detector find a name nobody introduced ("Tenant is Callum Ibbotson", "jane smith blue
// badge") without taking "Grace Road", "Bill Payments" or "Market Harborough" for people.

//go:embed gazetteer/*.txt.gz
var gazetteerFiles embed.FS

// lexFlags says what the gazetteer knows of one word (compared in lower case).
type lexFlags uint8

const (
	// lexFore: a given name (ONS baby names, ONS historic top 100, faker's English names).
	lexFore lexFlags = 1 << iota
	// lexPart: any part of a person's name (surnames and given names of many origins).
	lexPart
	// lexWord: an English dictionary word in lower case ("rose", "bill", "smith").
	lexWord
	// lexProper: a capitalised dictionary word (a proper noun: "Christmas", "Leicester").
	lexProper
	// lexPlace: a one-word UK place (a town, village, county or district).
	lexPlace
)

// lexicon is the loaded gazetteer. Words are keys into one lower-cased copy of the lists, so
// loading makes one string per list rather than one per word.
type lexicon struct {
	words  map[string]lexFlags
	places map[string]bool // multi-word places, normalised by placeKey ("market harborough")
}

// gazetteer loads the lexicon once, on first use (about 40 ms; New calls it so the first
// message does not pay for it).
var gazetteer = sync.OnceValue(loadLexicon)

func loadLexicon() *lexicon {
	lx := &lexicon{words: make(map[string]lexFlags, 150_000), places: map[string]bool{}}
	for _, f := range []struct {
		file string
		add  func(orig, low string)
	}{
		{"forenames.txt.gz", func(_, w string) { lx.words[w] |= lexFore }},
		{"name-parts.txt.gz", func(_, w string) { lx.words[w] |= lexPart }},
		{"words.txt.gz", func(orig, w string) {
			if isUpper(orig[0]) {
				lx.words[w] |= lexProper
			} else {
				lx.words[w] |= lexWord
			}
		}},
		{"places.txt.gz", func(orig, _ string) {
			k := placeKey(orig)
			if strings.IndexByte(k, ' ') < 0 {
				lx.words[k] |= lexPlace
			} else {
				lx.places[k] = true
			}
		}},
	} {
		text := readGazetteer(f.file)
		low, _ := lowerASCII(text, nil) // one string for all the keys of the list
		for a := 0; a < len(text); {
			b := strings.IndexByte(text[a:], '\n')
			if b < 0 {
				b = len(text)
			} else {
				b += a
			}
			if b > a {
				orig, key := text[a:b], low[a:b]
				if !isASCII(orig) {
					key = strings.ToLower(orig)
				}
				f.add(orig, key)
			}
			a = b + 1
		}
	}
	return lx
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// readGazetteer returns one embedded list as a string. The lists are part of the binary, so
// a read error is a build fault: it panics rather than run without them.
func readGazetteer(name string) string {
	f, err := gazetteerFiles.Open("gazetteer/" + name)
	if err != nil {
		panic("pii: gazetteer: " + err.Error())
	}
	defer f.Close()
	z, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		panic("pii: gazetteer " + name + ": " + err.Error())
	}
	var b bytes.Buffer
	if _, err := io.Copy(&b, z); err != nil {
		panic("pii: gazetteer " + name + ": " + err.Error())
	}
	return b.String()
}

// placeKey normalises a place name: lower case, runs of anything but letters become one space
// ("Ashby-de-la-Zouch" and "Ashby de la Zouch" are the same place).
func placeKey(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if r == '\'' || r == '\u2019' || r == '.' {
			continue // "St. Mary's" and "St Marys"
		}
		if r < utf8.RuneSelf && !isLetter(byte(r)) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
