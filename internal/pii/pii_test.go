package pii

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// found returns "type:text" for each entity.
func found(d *Detector, text string) []string {
	var out []string
	for _, e := range d.detect(text) {
		out = append(out, string(e.Type)+":"+text[e.Start:e.End])
	}
	return out
}

// Per-type table: valid values (in typical context), invalid checksums and look-alikes.
func TestDetectTable(t *testing.T) {
	d := corpusDetector(t)
	cases := []struct {
		name, text string
		want       []string // "type:text"; nil means nothing
	}{
		// NHS numbers: modulus 11.
		{"nhs spaced", "My NHS number is 943 476 5919", []string{"nhs_number:943 476 5919"}},
		{"nhs plain", "nhs 9434765919 thanks", []string{"nhs_number:9434765919"}},
		{"nhs dashes", "NHS no 943-476-5919", []string{"nhs_number:943-476-5919"}},
		{"nhs bad checksum", "My NHS number is 943 476 5918", nil},
		{"nhs check digit 10", "NHS 1000000019", nil}, // remainder gives 10: never issued
		{"nhs all same", "NHS 4444444444", nil},
		// National Insurance numbers: prefixes.
		{"nino", "NI number AB123456C", []string{"national_insurance_number:AB123456C"}},
		{"nino spaced lower", "ni jg 10 38 47 a", []string{"national_insurance_number:jg 10 38 47 a"}},
		{"nino no suffix with context", "national insurance JG103847", []string{"national_insurance_number:JG103847"}},
		{"nino bad prefix QQ", "NI QQ123456C", nil},
		{"nino bad prefix GB", "NI GB123456A", nil},
		{"nino bad second letter O", "NI AO123456A", nil},
		{"nino bad suffix", "NI AB123456E", nil},
		// Postcodes.
		{"postcode", "postcode LE3 8RA", []string{"postcode:LE3 8RA"}},
		{"postcode no space lower", "i'm at le38ra", []string{"postcode:le38ra"}},
		{"postcode A9A", "W1A 1AA please", []string{"postcode:W1A 1AA"}},
		{"postcode AA9A", "EC1A 1BB", []string{"postcode:EC1A 1BB"}},
		{"postcode A99", "M60 1QD", []string{"postcode:M60 1QD"}},
		{"postcode bad area", "QQ1 1AA", nil},
		{"postcode bad inward letter", "LE3 8CA", nil},
		{"outward only", "anywhere in LE3", nil},
		// Phones.
		{"landline", "ring 0116 496 0123", []string{"phone:0116 496 0123"}},
		{"london", "020 7946 0321", []string{"phone:020 7946 0321"}},
		{"mobile", "07911 123456", []string{"phone:07911 123456"}},
		{"+44", "+44 7911 123456", []string{"phone:+44 7911 123456"}},
		{"brackets", "(0116) 496 0123", []string{"phone:(0116) 496 0123"}},
		{"international", "+1 202 555 0143", []string{"phone:+1 202 555 0143"}},
		{"drama mobile", "07700 900123", []string{"phone:07700 900123"}},
		{"too short", "call 0116 496", nil},
		{"emergency", "call 999 or 101 or 111", nil},
		{"unallocated", "0100 000 0000", nil},
		{"council own", "Call us on 0116 232 3232", nil},
		{"ico own", "Phone 0303 123 1113", nil},
		// Email.
		{"email", "mail jo.bloggs+council@example.co.uk.", []string{"email:jo.bloggs+council@example.co.uk"}},
		{"not email", "meet @ 5 or user@localhost", nil},
		{"dpo email public", "email informationgovernance@leics.gov.uk", nil},
		// Cards: Luhn and issuer.
		{"visa", "card 4111 1111 1111 1111", []string{"payment_card:4111 1111 1111 1111"}},
		{"amex", "amex 3782 822463 10005", []string{"payment_card:3782 822463 10005"}},
		{"mastercard 2-series", "2221000000000009", []string{"payment_card:2221000000000009"}},
		{"card bad luhn", "card 4111 1111 1111 1112", nil},
		{"luhn but no issuer", "number 9111 1111 1111 1115", nil},
		// Bank.
		{"sort and account", "sort code 20-00-00 account 12345678", []string{"sort_code:20-00-00", "bank_account:12345678"}},
		{"sort code no context", "see 20-00-00", nil},
		{"8 digits no context", "order 12345678 arrived", nil},
		// Dates of birth.
		{"dob context", "date of birth 12/03/1956", []string{"date_of_birth:12/03/1956"}},
		{"dob words", "born on 3rd March 1956", []string{"date_of_birth:3rd March 1956"}},
		{"dob month first", "DOB: March 3, 1956", []string{"date_of_birth:March 3, 1956"}},
		{"dob by age", "my dad is aged 70 (12/03/1956)", []string{"date_of_birth:12/03/1956"}},
		{"age inconsistent", "my dad is aged 40, 12/03/1956", nil},
		{"appointment date", "my appointment is on 12/03/2026", nil},
		{"impossible date", "born 31/02/1956", nil},
		// Driving licence.
		{"licence", "licence MORGA753116SM9IJ", []string{"driving_licence:MORGA753116SM9IJ"}},
		{"licence spaced short surname", "JOHN9 801225 AB9CD", []string{"driving_licence:JOHN9 801225 AB9CD"}},
		{"licence bad month", "licence MORGA713116SM9IJ", nil},
		// Passport.
		{"passport", "passport number 123456789", []string{"passport:123456789"}},
		{"9 digits no context", "order 123456789", nil},
		// Vehicle registrations.
		{"reg current", "my car AB12 CDE", []string{"vehicle_registration:AB12 CDE"}},
		{"reg prefix", "reg A123 BCD", []string{"vehicle_registration:A123 BCD"}},
		{"reg suffix", "car ABC 123D", []string{"vehicle_registration:ABC 123D"}},
		{"reg no context other format", "see A123 BCD", nil},
		{"road A6", "my car broke down on the A6 and M1", nil},
		{"road A5199", "parked on the A5199", nil},
		// IP addresses.
		{"ipv4", "from 192.0.2.44 today", []string{"ip_address:192.0.2.44"}},
		{"ipv6", "from 2001:db8::1 today", []string{"ip_address:2001:db8::1"}},
		{"not ip", "version 1.2.3.4.5 or 300.1.1.1", nil},
		{"time", "at 10:30:00", nil},
		// Addresses.
		{"street", "I live at 12 Mill Lane", []string{"address:12 Mill Lane"}},
		{"flat", "Flat 3, 27a Station Road", []string{"address:Flat 3, 27a Station Road"}},
		{"lower street", "at 5 church street", []string{"address:5 church street"}},
		{"saint", "94 St Mary's Road", []string{"address:94 St Mary's Road"}},
		{"bus route", "the bus 48 to Mill Lane", nil},
		{"count", "there were 9 potholes on Mill Lane", nil},
		{"road name only", "roadworks on Station Road", nil},
		{"council address", "write to County Hall, Glenfield, Leicester, LE3 8RA", nil},
		// Names.
		{"my name is", "My name is Sarah Jones.", []string{"name:Sarah Jones"}},
		{"i'm", "Hi, I'm Priya", []string{"name:Priya"}},
		{"curly apostrophe", "I\u2019m Priya", []string{"name:Priya"}},
		{"my son", "my son Jack is 7", []string{"name:Jack"}},
		{"two children", "my children Jack and Amelia", []string{"name:Jack", "name:Amelia"}},
		{"title", "spoke to Mrs O'Neill", []string{"name:O'Neill"}},
		{"hyphen", "my name is Anne-Marie Khan", []string{"name:Anne-Marie Khan"}},
		{"unicode", "my daughter Zoë", []string{"name:Zoë"}},
		{"sign off", "Thanks, Tom", []string{"name:Tom"}},
		{"not a name", "I'm Looking for the tip. I'm not sure. This is Leicestershire County Council", nil},
		{"my son is", "my son is 7", nil},
		// Organisation references.
		{"council tax", "council tax account 12345678", []string{"ref:council-tax-account:12345678"}},
		{"case", "case CAS-204518", []string{"ref:case-reference:CAS-204518"}},
		{"uprn", "UPRN 100030512345", []string{"ref:uprn:100030512345"}},
		{"uprn zero", "UPRN 000000000000", nil},
		// Hard negatives.
		{"prices", "It costs £12.50, or £1,250 a year, or 12.5%", nil},
		{"times years", "open 9am-5pm, 10:30 and 17:45 since 2019", nil},
		{"event refs", "event EV-2024-0012 and ticket 2024/0012", nil},
		{"bus routes", "take the 48A or X5 bus, route 158", nil},
		{"room", "room 12 at 3pm on 21-08-2026", nil},
	}
	for _, tc := range cases {
		got := found(d, tc.text)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: detect(%q) = %q, want %q", tc.name, tc.text, got, tc.want)
		}
	}
}

func TestDoneWhenExamples(t *testing.T) {
	d := New(defaultConfig(t))
	got, _ := d.Redact("My NHS number is 943 476 5919 and my postcode is LE3 8RA")
	if want := "My NHS number is [NHS number] and my postcode is [postcode]"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, _ := d.Redact("Call us on 0116 232 3232"); got != "Call us on 0116 232 3232" {
		t.Errorf("council's own number redacted: %q", got)
	}
	// Without the policy declaring it, the same number is redacted.
	if got, _ := New(Config{}).Redact("Call us on 0116 232 3232"); got != "Call us on [phone number]" {
		t.Errorf("undeclared number kept: %q", got)
	}
}

func TestRedactKeepsText(t *testing.T) {
	d := corpusDetector(t)
	in := "Zoë said: my NHS number is 943 476 5919 — ring 07911 123456 ✓"
	got, ents := d.Redact(in)
	want := "Zoë said: my NHS number is [NHS number] — ring [phone number] ✓"
	if got != want || len(ents) != 2 {
		t.Fatalf("got %q %v", got, ents)
	}
	// Offsets are bytes.
	if in[ents[0].Start:ents[0].End] != "943 476 5919" {
		t.Errorf("offsets %+v are not byte offsets", ents[0])
	}
}

// Redacting the corpus leaves nothing of the removed types.
func TestRedactedHasNoEntities(t *testing.T) {
	d := corpusDetector(t)
	for _, m := range loadCorpus(t) {
		red, ents := d.Redact(m.Text)
		if again := d.detect(red); len(again) > 0 {
			removed := map[Type]bool{}
			for _, e := range ents {
				removed[e.Type] = true
			}
			for _, e := range again {
				if removed[e.Type] {
					t.Errorf("%q redacted to %q still has %s %q", m.Text, red, e.Type, red[e.Start:e.End])
				}
			}
		}
	}
}

// The compiled numbering plans agree with phonenumbers.IsValidNumber.
func TestPhoneAgreesWithLibrary(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	prefixes := []string{"01", "011", "0116", "0113", "012", "013", "014", "015", "016", "017", "018", "019", "020", "023",
		"024", "028", "029", "03", "05", "055", "056", "07", "071", "074", "075", "077", "078", "079", "08", "0800", "0808",
		"084", "087", "09"}
	disagree := 0
	const n = 3000
	for i := 0; i < n; i++ {
		p := prefixes[r.IntN(len(prefixes))]
		l := 10 + r.IntN(2)
		num := p
		for len(num) < l {
			num += string(byte('0' + r.IntN(10)))
		}
		pn, err := phonenumbers.Parse(num, "GB")
		lib := err == nil && phonenumbers.IsValidNumber(pn)
		ours := validUK([]byte(num[1:]))
		if lib != ours {
			disagree++
			if disagree < 10 {
				t.Logf("%s: library %v, ours %v", num, lib, ours)
			}
		}
	}
	if disagree > 0 {
		t.Errorf("%d of %d numbers disagree", disagree, n)
	}
	for _, num := range []string{"+1 202 555 0143", "+33 1 99 00 12 34", "+61 491 570 156", "+49 30 123456", "+353 1 234 5678"} {
		pn, _ := phonenumbers.Parse(num, "GB")
		d := normalisePhone(num)
		if lib, ours := phonenumbers.IsValidNumber(pn), validInternational([]byte(d)); lib != ours {
			t.Errorf("%s: library %v, ours %v", num, lib, ours)
		}
	}
}

// TestCheckRule: the check rules a reference may name (policy.ReferenceChecks; policy's
// TestReferenceChecksImplemented checks every one reaches the detector).
func TestCheckRule(t *testing.T) {
	for _, rule := range []string{"mod11", "luhn", "uprn"} {
		if checkRule(rule, "") {
			t.Errorf("%s accepts an empty reference", rule)
		}
	}
	if !checkRule("mod11", "9434765919") || checkRule("mod11", "9434765918") {
		t.Error("mod11")
	}
	if !checkRule("luhn", "4111111111111111") || checkRule("luhn", "4111111111111112") {
		t.Error("luhn")
	}
	if !checkRule("uprn", "100030512345") || checkRule("uprn", "1000305123456") || checkRule("uprn", "0") {
		t.Error("uprn")
	}
	if checkRule("nonsense", "123") {
		t.Error("unknown rule accepted")
	}
}

// TestReferences: a reference matches whole words (its pattern anchored), its context words
// are compared in lower case whatever case the caller gave, and one whose pattern does not
// compile is left out without disturbing the others.
func TestReferences(t *testing.T) {
	d := New(Config{References: []Reference{
		{ID: "broken", Name: "broken", Pattern: `(?:CT[0-9]{8}`},
		{ID: "ctax", Name: "council tax reference", Pattern: `(?:CT)?[0-9]{8,10}`, Context: []string{" Council TAX ", ""}},
		{ID: "case", Name: "case reference", Pattern: `CAS-[0-9]{6}`},
	}})
	for _, c := range []struct{ in, want string }{
		{"my council tax ref is 12345678", "my council tax ref is [council tax reference]"},
		// Without its context word the council tax reference is not declared; a number after
		// "ref" is still a reference of some kind.
		{"ref 12345678 please", "ref [reference number] please"},
		{"order 12345678 please", "order 12345678 please"},
		{"case CAS-123456 please", "case [case reference] please"},
		{"see XCAS-123456 and CAS-1234567", "see XCAS-123456 and CAS-1234567"},
	} {
		if got, _ := d.Redact(c.in); got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
	if got := d.Placeholder(RefPrefix + "broken"); got != "[personal data]" {
		t.Errorf("placeholder of a reference left out: %q", got)
	}
}

func TestNowDefault(t *testing.T) {
	d := New(Config{})
	year := time.Now().Year() - 50
	text := "aged 50, born " + "01/01/" + itoa(year)
	if len(d.detect(text)) != 1 {
		t.Errorf("%q: %v", text, d.detect(text))
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func TestFirstBytes(t *testing.T) {
	set, ok := firstBytes(`(?i)(?:CAS|APP)-?[0-9]{6}`)
	if !ok || !set['c'] || !set['C'] || !set['a'] || set['1'] || set['x'] {
		t.Errorf("case reference: ok %v", ok)
	}
	set, ok = firstBytes(`(?:CT)?[0-9]{8,10}`)
	if !ok || !set['C'] || !set['5'] || set['c'] {
		t.Errorf("council tax: ok %v", ok)
	}
	if _, ok := firstBytes(`.+[0-9]`); ok {
		t.Error("any-rune start should give up")
	}
}

// TestMinMatchLen: the bound is never above the shortest match, so no word that could match
// is skipped.
func TestMinMatchLen(t *testing.T) {
	for _, c := range []struct {
		pattern, shortest string
		want              int
	}{
		{`(?i)(?:CAS|APP|ASC|CFS)-?[0-9]{6,8}`, "cas123456", 9},
		{`(?:CT)?[0-9]{8,10}`, "12345678", 8},
		{`[0-9]{1,12}`, "1", 1},
		{`HB[0-9]+|X`, "X", 1},
		{`é[0-9]{2}`, "é12", 4},
		{`[a-z]*`, "", 0},
		{`(`, "", 0},
	} {
		got := minMatchLen(c.pattern)
		if got != c.want {
			t.Errorf("%s: %d, want %d", c.pattern, got, c.want)
		}
		if re, err := CompileReference(c.pattern); err == nil && (!re.MatchString(c.shortest) || len(c.shortest) < got) {
			t.Errorf("%s: %q should match and be at least %d bytes", c.pattern, c.shortest, got)
		}
	}
}

// Redact's second look: what removing an entity uncovers is removed too and reported with
// offsets into the original text.
func TestRedactSecondLook(t *testing.T) {
	d := New(Config{})
	text := "ip 0.0.0.0::1:2 ok"
	red, ents := d.Redact(text)
	if again := d.detect(red); len(again) > 0 {
		t.Errorf("%q still has %v", red, again)
	}
	if got := d.apply(text, ents); got != red {
		t.Errorf("entities %v give %q, Redact gave %q", ents, got, red)
	}
	// mapBack: a span after a placeholder moves by the placeholder's length difference.
	base := []Entity{{Type: Postcode, Start: 3, End: 10}} // "LE3 8RA" -> "[postcode]" (+3)
	got := d.mapBack(base, []Entity{{Type: Phone, Start: 20, End: 25}, {Type: Name, Start: 5, End: 15}})
	want := []Entity{{Type: Phone, Start: 17, End: 22}, {Type: Name, Start: 3, End: 12}}
	if !slices.Equal(got, want) {
		t.Errorf("mapBack = %v, want %v", got, want)
	}
}
