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
// badge") without taking "Albert Road", "Bill Payers" or "Melton Mowbray" for people.

//go:embed gazetteer/*.txt.gz
var gazetteerFiles embed.FS

// lexFlags says what the gazetteer knows of one word (compared in lower case).
type lexFlags uint16

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
	// lexStop: never part of a name, whatever the lists say (names.go: stopWord).
	lexStop
	// lexVenue: after a word, makes it part of a place's name ("Park", "Road", "Library").
	lexVenue
	// lexNonPerson: a given name that, capitalised, is nearly always something else ("Christian").
	lexNonPerson
	// lexDone marks a token whose flags have been looked up (scanner.lexs caches them).
	lexDone lexFlags = 1 << 15
)

// lexicon is the loaded gazetteer.
type lexicon struct {
	words  lexTable
	places map[string]bool // multi-word places and organisations named after people, normalised by placeKey ("market harborough", "sue ryder")
}

// lexTable maps a lower-case word to its flags. It is an open-addressing table of 64-bit
// slots, each a 48-bit fingerprint of the word's hash and its 16 flag bits, rather than a Go
// map: the scanner looks up most words of every message, and a Go map of 150,000 strings
// costs two cache misses a look-up (the slot, then the key's bytes) where this costs one.
// Two words share a fingerprint with a chance of about 2^-48 per look-up; the worst that can
// do is take one word for another in the name rules.
type lexTable struct {
	slots []uint64
	mask  uint64
}

const lexSlotBits = 18 // 262,144 slots for about 150,000 words

func newLexTable() lexTable {
	return lexTable{slots: make([]uint64, 1<<lexSlotBits), mask: 1<<lexSlotBits - 1}
}

// lexHash is FNV-1a, 64 bits: the words are short, so a byte at a time is fast enough.
func lexHash(w string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(w); i++ {
		h ^= uint64(w[i])
		h *= 1099511628211
	}
	return h
}

// slot returns the index of w's slot, or of the empty slot where it would go.
func (t *lexTable) slot(w string) (int, uint64) {
	h := lexHash(w)
	fp := h>>16 | 1<<47 // never zero: zero marks an empty slot
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		if v := t.slots[i]; v == 0 || v>>16 == fp {
			return int(i), fp
		}
	}
}

func (t *lexTable) get(w string) lexFlags {
	i, _ := t.slot(w)
	return lexFlags(t.slots[i])
}

func (t *lexTable) add(w string, f lexFlags) {
	i, fp := t.slot(w)
	t.slots[i] = fp<<16 | uint64(lexFlags(t.slots[i])|f)
}

// gazetteer loads the lexicon once, on first use (under 0.1 s; New calls it so the first
// message does not pay for it).
var gazetteer = sync.OnceValue(loadLexicon)

func loadLexicon() *lexicon {
	lx := &lexicon{words: newLexTable(), places: map[string]bool{}}
	for _, f := range []struct {
		file string
		add  func(orig, low string)
	}{
		{"forenames.txt.gz", func(_, w string) { lx.words.add(w, lexFore) }},
		{"name-parts.txt.gz", func(_, w string) { lx.words.add(w, lexPart) }},
		{"words.txt.gz", func(orig, w string) {
			if isUpper(orig[0]) {
				lx.words.add(w, lexProper)
			} else {
				lx.words.add(w, lexWord)
			}
		}},
		// Shops, firms and charities named after people ("Ted Baker", "Sue Ryder", "Marks and
		// Spencer") are kept like places: a name covering one is not a person's.
		{"organisations.txt.gz", func(orig, _ string) { lx.places[placeKey(orig)] = true }},
		{"places.txt.gz", func(orig, _ string) {
			k := placeKey(orig)
			if strings.IndexByte(k, ' ') < 0 {
				lx.words.add(k, lexPlace)
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
	// The detector's own word lists, so that one look-up answers every question names.go asks.
	for _, m := range []struct {
		set  map[string]bool
		flag lexFlags
	}{
		{notNames, lexStop}, {commonWords, lexStop}, {nameStop, lexStop},
		{venueWords, lexVenue}, {streetSuffixes, lexVenue}, {nonPerson, lexNonPerson},
	} {
		for w := range m.set {
			lx.words.add(w, m.flag)
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
