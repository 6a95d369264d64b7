package pii

import (
	"testing"
	"unicode/utf8"
)

func FuzzDetect(f *testing.F) {
	for _, s := range []string{
		"My NHS number is 943 476 5919 and my postcode is LE3 8RA",
		"Call us on 0116 232 3232 or (0116) 496 0123 or +44 7911 123456",
		"card 4111 1111 1111 1111, sort code 20-00-00 account 12345678",
		"I'm Zoë O'Neill, my son Jack and daughter Amelia, 12 Mill Lane, Flat 3, 27a Station Road",
		"born 12/03/1956, aged 70, DOB March 3, 1956, 3rd of March 1956",
		"NI AB 12 34 56 C, licence MORGA753116SM9IJ, passport 123456789, reg AB12 CDE",
		"from 192.0.2.1 and 2001:db8::1 at 10:30:00, jo@example.com, https://www.example.com/a/12345678",
		"council tax account 12345678, CAS-204518, UPRN 100030512345",
		"£12.50 A6 M1 bus 48A EV-2024-0012 2024",
		"Kind regards,\nJanet Marsh",
		"+44 (0)7700 900 412 ext. 12, (202) 555-0147, call me on 7700 900123, 0 7 7 0 0 9 0 0 1 6 4 mob",
		"NHS 9 4 3 4 7 6 5 9 1 9, card 4111 111 111 111 111, LE1-6ZG, LE1  6ZG, NI AB-12-34-56-C",
		"jo dot bloggs at example dot com, jo(at)example.org, rent ref HB/3482160, acc 61555197",
		"passport 5333800068 L898902C36UTO7408122F1204159ZE184226B<<<<<10 P<GBRBLOGGS<<JOE<<<",
		"０７７００ ９００１２３ ＮＨＳ ６３８ １９６ ５５１７ ﬁ ½",
		"", "@", "::", "+", "(", "0", "I'm", "my name is",
	} {
		f.Add(s)
	}
	d := corpusDetector(f)
	f.Fuzz(func(t *testing.T, text string) {
		ents := d.detect(text)
		last := 0
		for _, e := range ents {
			if e.Start < last || e.Start >= e.End || e.End > len(text) {
				t.Fatalf("bad span %+v (previous end %d) in %q", e, last, text)
			}
			if e.Confidence <= 0 || e.Confidence > 1 {
				t.Fatalf("confidence %v", e.Confidence)
			}
			if utf8.ValidString(text) && (!utf8.RuneStart(text[e.Start]) || e.End < len(text) && !utf8.RuneStart(text[e.End])) {
				t.Fatalf("span %+v splits a rune in %q", e, text)
			}
			last = e.End
		}
		red, removed := d.Redact(text)
		// Redact removes at least what detect finds, and reports valid spans.
		last = 0
		k := 0
		for _, e := range removed {
			if e.Start < last || e.Start >= e.End || e.End > len(text) {
				t.Fatalf("Redact: bad span %+v in %q", e, text)
			}
			last = e.End
			for k < len(ents) && ents[k].End <= e.End && ents[k].Start >= e.Start {
				k++
			}
		}
		if k != len(ents) {
			t.Fatalf("Redact of %q does not cover %+v: %+v", text, ents[k], removed)
		}
		if got := d.apply(text, removed); got != red {
			t.Fatalf("apply(entities) = %q, Redact = %q", got, red)
		}
		types := map[Type]bool{}
		for _, e := range removed {
			types[e.Type] = true
		}
		for _, e := range d.detect(red) {
			if types[e.Type] {
				t.Fatalf("%q redacted to %q still has %s %q", text, red, e.Type, red[e.Start:e.End])
			}
		}
	})
}
