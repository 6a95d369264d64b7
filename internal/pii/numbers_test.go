package pii

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// The number rules of issue 13: any grouping, brackets and extensions, cue words, spelled-out
// e-mail addresses, machine-readable passport lines and residents' references, each with the
// look-alikes they must leave alone.
func TestDetectNumbers(t *testing.T) {
	d := corpusDetector(t)
	const mrz2 = "1234567820GBR9001011M3001019<<<<<<<<<<<<<<<6"
	cases := []struct {
		name, text string
		want       []string
	}{
		// Telephone numbers.
		{"+44 (0)", "ring +44 (0)116 496 0123 today", []string{"phone:+44 (0)116 496 0123"}},
		{"0044(0)", "0044(0)20 7946 0111", []string{"phone:0044(0)20 7946 0111"}},
		{"extension", "tel 0116 496 0123 ext 456 please", []string{"phone:0116 496 0123 ext 456"}},
		{"extension x", "0116 496 0123 x12", []string{"phone:0116 496 0123 x12"}},
		{"extension in brackets", "0116 496 0123 (ext. 9)", []string{"phone:0116 496 0123 (ext. 9)"}},
		{"international extension", "+44 7911 123456 ext. 7", []string{"phone:+44 7911 123456 ext. 7"}},
		{"not an extension", "0116 496 0123 expires", []string{"phone:0116 496 0123"}},
		{"brackets round the number", "(0116 496 0123)", []string{"phone:0116 496 0123"}},
		{"brackets round the area code", "(0116) 496 0123", []string{"phone:(0116) 496 0123"}},
		{"bracket after", "0116 496 0123 (2)", []string{"phone:0116 496 0123"}},
		{"north american printed", "(213) 555-0199", []string{"phone:(213) 555-0199"}},
		{"north american with cue", "call 213-555-0199", []string{"phone:213-555-0199"}},
		{"+1 and brackets", "+1 (213) 555-0199", []string{"phone:+1 (213) 555-0199"}},
		{"no trunk 0 with cue", "mobile 7911 123456", []string{"phone:7911 123456"}},
		{"no trunk 0 without cue", "order 7911 123456", nil},
		{"abroad with cue", "my number in Spain is 612345678", []string{"phone:612345678"}},
		{"digit by digit with cue", "0 1 1 6 4 9 6 0 1 2 3 is my phone", []string{"phone:0 1 1 6 4 9 6 0 1 2 3"}},
		{"digit by digit without cue", "0 1 1 6 4 9 6 0 1 2 3", nil},
		{"outside the plan with cue", "phone 0115 496 0777", []string{"phone:0115 496 0777"}},
		{"outside the plan without cue", "0115 496 0777", nil},
		{"cue in brackets", "[phone number] 7911 123456", nil},
		{"council own with extension", "Phone 0116 232 3232 ext 4410", nil},
		{"date after a cue", "I will call on 12.03.2026 or 2026 03 12", nil},
		{"mum's number", "mum's number is 612345678", []string{"phone:612345678"}},
		{"NHS number is not a phone cue", "NHS number 612345678", nil},
		// NHS numbers and cards in any grouping, with their context word.
		{"nhs 4-3-3", "NHS number 9434 765 919", []string{"nhs_number:9434 765 919"}},
		{"nhs digit by digit", "nhs: 9 4 3 4 7 6 5 9 1 9", []string{"nhs_number:9 4 3 4 7 6 5 9 1 9"}},
		{"nhs context after", "9434 765919 is my NHS number", []string{"nhs_number:9434 765919"}},
		{"nhs odd grouping no context", "9434 765 919", nil},
		{"nhs dots", "NHS 943.476.5919", []string{"nhs_number:943.476.5919"}},
		{"card odd grouping", "card 4111 111 111 111 111", []string{"payment_card:4111 111 111 111 111"}},
		{"card odd grouping no context", "4111 111 111 111 111", nil},
		// Codes with hyphens, dots and double spaces.
		{"postcode hyphen", "LE1-6ZG", []string{"postcode:LE1-6ZG"}},
		{"postcode double space", "at LE1  6ZG", []string{"postcode:LE1  6ZG"}},
		{"roads with hyphen", "the A6-M1 link", nil},
		{"nino dashes", "NI AB-12-34-56-C", []string{"national_insurance_number:AB-12-34-56-C"}},
		{"licence digit check", "MORGA753116SM91J01", []string{"driving_licence:MORGA753116SM91J01"}},
		// Passports.
		{"passport letters", "passport GB1234567", []string{"passport:GB1234567"}},
		{"passport spaced", "passport 123 456 789", []string{"passport:123 456 789"}},
		{"passport with check digit", "passport 5333800068", []string{"passport:5333800068"}},
		{"passport bad check digit", "passport 5333800069", nil},
		{"passport letters no context", "code GB1234567", nil},
		{"mrz line", "bottom line " + mrz2, []string{"passport:" + mrz2}},
		{"mrz ICAO example", "L898902C36UTO7408122F1204159ZE184226B<<<<<10", []string{"passport:L898902C36UTO7408122F1204159ZE184226B<<<<<10"}},
		{"mrz bad check", "bottom line 1234567820GBR9001011M3001019<<<<<<<<<<<<<<<7", nil},
		{"mrz name line", "P<GBRBLOGGS<<JOE<<<<<<<<<<", []string{"passport:P<GBRBLOGGS<<JOE<<<<<<<<<<"}},
		{"arrows", "click here <<< or >>>", nil},
		// Compatibility characters: found folded, spans in the original.
		{"full-width mobile", "my mobile is ０７７００ ９００１２３", []string{"phone:０７７００ ９００１２３"}},
		{"full-width NHS and letters", "ＮＨＳ number ６３８ １９６ ５５１７", []string{"nhs_number:６３８ １９６ ５５１７"}},
		{"full-width e-mail", "email ｊｏ．ｓｍｉｔｈ＠ｅｘａｍｐｌｅ．ｃｏｍ", []string{"email:ｊｏ．ｓｍｉｔｈ＠ｅｘａｍｐｌｅ．ｃｏｍ"}},
		{"ideographic space", "mobile ０７７００\u3000９００６５４", []string{"phone:０７７００\u3000９００６５４"}},
		{"arabic-indic digits", "NHS number \u0669\u0664\u0663 \u0664\u0667\u0666 \u0665\u0669\u0661\u0669", []string{"nhs_number:\u0669\u0664\u0663 \u0664\u0667\u0666 \u0665\u0669\u0661\u0669"}},
		{"no-break spaces", "ring 0116\u00a0496\u00a00123", []string{"phone:0116\u00a0496\u00a00123"}},
		{"accents untouched", "Zoë’s NHS number is 943 476 5919", []string{"nhs_number:943 476 5919"}},
		// Spelled-out e-mail addresses.
		{"spelled", "jo dot bloggs at example dot com", []string{"email:jo dot bloggs at example dot com"}},
		{"bracketed at", "jo.bloggs(at)example.com", []string{"email:jo.bloggs(at)example.com"}},
		{"square at", "jo [at] example.org", []string{"email:jo [at] example.org"}},
		{"punctuated with cue", "email: jo_b at example.co.uk", []string{"email:jo_b at example.co.uk"}},
		{"punctuated without cue", "jo_b at example.co.uk", nil},
		{"meet me at", "meet me at example.com", nil},
		{"look at", "look at bbc.co.uk for email", nil},
		{"work at", "I work at example dot com", nil},
		{"time", "arrive at 5 dot 30", nil},
		{"no tld", "jo at example dot something", nil},
		{"council own spelled", "informationgovernance at leics dot gov dot uk", nil},
		// Residents' references.
		{"rent ref", "my rent ref is 123456", []string{"reference_number:123456"}},
		{"claim", "claim no. HB/123456", []string{"reference_number:HB/123456"}},
		{"a/c bank", "a/c no 4455 6677 8", []string{"bank_account:4455 6677"}},
		{"a/c", "a/c 1234567", []string{"reference_number:1234567"}},
		{"year-stamped", "ticket ref EV-2026-0012", nil},
		{"date", "ref 12/03/2026", nil},
		{"years", "account 2025/26", nil},
		{"not after filler", "a reference to page 12345", nil},
		{"too few digits", "account since 2019", nil},
		{"money", "rent ref £12,345", nil},
		{"money without a sign", "my rent is 1250.00 a month", nil},
		{"sort code slash account", "bank 404162/71234568", []string{"sort_code:404162", "bank_account:71234568"}},
	}
	for _, tc := range cases {
		if got := found(d, tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("%s: detect(%q) = %q, want %q", tc.name, tc.text, got, tc.want)
		}
	}
}

func TestICAOCheck(t *testing.T) {
	// ICAO 9303 part 3's worked example: document number L898902C3 has check digit 6.
	for _, c := range []struct{ in, want string }{{"L898902C3", "6"}, {"740812", "2"}, {"120415", "9"}, {"<<<<<<<<<", "0"}} {
		if got := string(icaoCheck([]byte(c.in))); got != c.want {
			t.Errorf("icaoCheck(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

// FuzzMRZ: a data line is accepted only whole and with its check digits: changing its last
// check digit rejects it.
func FuzzMRZ(f *testing.F) {
	for _, s := range []string{"L898902C36UTO7408122F1204159ZE184226B<<<<<10", "P<GBRBLOGGS<<JOE<<<<", "<<<<", "P<<<<<<<<<<<<<"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		mrzNameLine(line)
		if !mrzDataLine(line) {
			return
		}
		if len(line) != 44 {
			t.Fatalf("accepted %d characters: %q", len(line), line)
		}
		b := []byte(line)
		b[43] = '0' + (b[43]-'0'+1)%10
		if mrzDataLine(string(b)) {
			t.Fatalf("accepted with a wrong composite check digit: %q", b)
		}
	})
}

// FuzzPhoneExtension: whatever follows a telephone number, the phone ends where the number
// does or takes in an extension marker and its digits, never more than 20 bytes.
func FuzzPhoneExtension(f *testing.F) {
	for _, s := range []string{" ext 12", " x123", ", extension 4410", " (ext. 9)", " Ext: 20", " ex", " x", " (x12", " ext 1234567", "x1a"} {
		f.Add(s)
	}
	d := New(Config{})
	const number = "0116 496 0123"
	f.Fuzz(func(t *testing.T, suffix string) {
		text := number + suffix
		for _, e := range d.detect(text) {
			if e.Type != Phone || e.Start != 0 {
				continue
			}
			if e.End < len(number) || e.End > len(number)+20 {
				t.Fatalf("phone %q in %q", text[e.Start:e.End], text)
			}
			if ext := text[len(number):e.End]; ext != "" && (!hasDigit(ext) || !isDigit(ext[len(ext)-1]) && ext[len(ext)-1] != ')') {
				t.Fatalf("extension %q in %q", ext, text)
			}
		}
	})
}

// FuzzSpelledEmail: an e-mail address found without "@" spells "at" and ends in a known
// top-level domain.
func FuzzSpelledEmail(f *testing.F) {
	for _, s := range []string{"jo dot bloggs at example dot com", "jo(at)example.org", "x [at] y.net", "me at example.com",
		"a at b dot c dot uk", "at at at dot dot com", "email jo_b at example.co.uk"} {
		f.Add(s)
	}
	d := New(Config{})
	f.Fuzz(func(t *testing.T, text string) {
		for _, e := range d.detect(text) {
			span := text[e.Start:e.End]
			if e.Type != Email || strings.Contains(span, "@") || utf8.RuneCountInString(span) != len(span) {
				continue
			}
			lw := strings.ToLower(span)
			k := len(lw)
			for k > 0 && isLetter(lw[k-1]) {
				k--
			}
			if !emailTLDs[lw[k:]] || !containsAt(lw) {
				t.Fatalf("e-mail %q in %q", span, text)
			}
		}
	})
}

// FuzzReferenceWord: what referenceWord accepts has the digits, letters and length it
// promises and is not a date.
func FuzzReferenceWord(f *testing.F) {
	for _, s := range []string{"HB/3482160", "RA-220419", "EV-2025-0419", "12/03/2026", "2025/26", "55012-8", "-1234-", "ab.cd.12345"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, w string) {
		if !referenceWord(w) {
			return
		}
		digits, letters := 0, 0
		for i := 0; i < len(w); i++ {
			if isDigit(w[i]) {
				digits++
			} else if isLetter(w[i]) {
				letters++
			}
		}
		if digits < 5 || letters > 4 || len(w) > 20 || dateLike(w) || !isAlnum(w[0]) || !isAlnum(w[len(w)-1]) {
			t.Fatalf("accepted %q", w)
		}
	})
}

// containsAt reports whether the lower-case s has the word "at" (spaced or bracketed).
func containsAt(s string) bool {
	for i := 0; i+2 <= len(s); i++ {
		if s[i:i+2] == "at" && (i == 0 || !isAlnum(s[i-1])) && (i+2 == len(s) || !isAlnum(s[i+2])) {
			return true
		}
	}
	return false
}
