package pii

import (
	"testing"
	"unicode/utf8"
)

// Redact puts the placeholder where the original characters were (TestDetectNumbers has the
// spans of numbers in compatibility forms).
func TestFoldedRedact(t *testing.T) {
	d := corpusDetector(t)
	red, _ := d.Redact("call ０７７００ ９００１２３ now")
	if red != "call [phone number] now" {
		t.Errorf("Redact = %q", red)
	}
}

func TestDigitValue(t *testing.T) {
	for _, c := range []struct {
		r    rune
		want int
	}{{'٠', 0}, {'٩', 9}, {'૭', 7}, {'४', 4}, {'𝟗', 9}, {'𝟮', 2}} {
		if got := digitValue(c.r); got != c.want {
			t.Errorf("digitValue(%q) = %d, want %d", c.r, got, c.want)
		}
	}
}

// FuzzFold: the map back from folded text is monotone, inside the original and on rune
// boundaries, and ASCII text is never folded.
func FuzzFold(f *testing.F) {
	for _, s := range []string{"０７７００ ９００１２３", "ﬁle ½ ²", "e\u0301\u0301x", "٠١٢", "abc", "\xff\xfe０", "Å\u030a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		fo := foldText(text)
		if fo == nil {
			return
		}
		defer putFold(fo)
		if len(fo.lo) != len(fo.text) || len(fo.hi) != len(fo.text) {
			t.Fatalf("map of %d/%d for %d bytes", len(fo.lo), len(fo.hi), len(fo.text))
		}
		for p := range fo.lo {
			lo, hi := int(fo.lo[p]), int(fo.hi[p])
			if lo < 0 || lo >= hi || hi > len(text) || p > 0 && (lo < int(fo.lo[p-1]) || hi < int(fo.hi[p-1])) {
				t.Fatalf("byte %d maps to [%d,%d) in %q", p, lo, hi, text)
			}
			if utf8.ValidString(text) && (!utf8.RuneStart(text[lo]) || hi < len(text) && !utf8.RuneStart(text[hi])) {
				t.Fatalf("byte %d maps into a rune: [%d,%d) of %q", p, lo, hi, text)
			}
		}
		ents := fo.mapBack([]Entity{{Start: 0, End: len(fo.text)}})
		if len(ents) != 1 || ents[0].Start != 0 {
			t.Fatalf("whole text maps to %v", ents)
		}
	})
}
