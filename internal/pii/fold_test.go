package pii

import (
	"slices"
	"testing"
	"unicode/utf8"
)

// Numbers in compatibility forms are found, and their spans point into the original text.
func TestFoldedDetection(t *testing.T) {
	d := corpusDetector(t)
	for _, c := range []struct {
		name, text string
		want       []string
	}{
		{"full-width mobile", "my mobile is ０７７００ ９００１２３", []string{"phone:０７７００ ９００１２３"}},
		{"full-width NHS and letters", "ＮＨＳ number ６３８ １９６ ５５１７", []string{"nhs_number:６３８ １９６ ５５１７"}},
		{"full-width e-mail", "email ｊｏ．ｓｍｉｔｈ＠ｅｘａｍｐｌｅ．ｃｏｍ", []string{"email:ｊｏ．ｓｍｉｔｈ＠ｅｘａｍｐｌｅ．ｃｏｍ"}},
		{"ideographic space", "mobile ０７７００\u3000９００６５４", []string{"phone:０７７００\u3000９００６５４"}},
		{"arabic-indic digits", "NHS number \u0669\u0664\u0663 \u0664\u0667\u0666 \u0665\u0669\u0661\u0669", []string{"nhs_number:\u0669\u0664\u0663 \u0664\u0667\u0666 \u0665\u0669\u0661\u0669"}},
		{"no-break spaces", "ring 0116\u00a0496\u00a00123", []string{"phone:0116\u00a0496\u00a00123"}},
		{"accents untouched", "Zoë’s NHS number is 943 476 5919", []string{"nhs_number:943 476 5919"}},
	} {
		if got := found(d, c.text); !slices.Equal(got, c.want) {
			t.Errorf("%s: detect(%q) = %q, want %q", c.name, c.text, got, c.want)
		}
	}
	// Redact puts the placeholder where the original characters were.
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
