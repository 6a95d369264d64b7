package pii

import (
	"hash/maphash"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nyaruka/phonenumbers"
)

// Telephone numbers are validated against libphonenumber's numbering plan metadata, as shipped
// in github.com/nyaruka/phonenumbers. phonenumbers.IsValidNumber takes 15 to 45 µs per call
// for a UK number (it tries every region sharing +44, building patterns as it goes), too slow
// for chat-rate redaction, so the same metadata patterns are compiled here once per country
// calling code into one anchored RE2 expression per code: a number is valid when its national
// significant number matches one of the region's number types (fixed line, mobile, toll free,
// premium rate, shared cost, personal, VoIP, pager, UAN, voicemail). TestPhoneAgreesWithLibrary
// checks the result against phonenumbers.IsValidNumber.

type plan struct {
	re *regexp.Regexp
}

var plans sync.Map // int (calling code) -> *plan (nil re: unknown code)

var (
	metaOnce    sync.Once
	metaRegions map[string]*phonenumbers.PhoneMetadata
)

func planFor(cc int) *plan {
	if p, ok := plans.Load(cc); ok {
		return p.(*plan)
	}
	metaOnce.Do(func() {
		metaRegions = map[string]*phonenumbers.PhoneMetadata{}
		if c, err := phonenumbers.MetadataCollection(); err == nil {
			for _, m := range c.GetMetadata() {
				metaRegions[m.GetId()] = m
			}
		}
	})
	var alts []string
	for _, region := range phonenumbers.GetRegionCodesForCountryCode(cc) {
		m := metaRegions[region]
		if m == nil {
			continue
		}
		for _, d := range []*phonenumbers.PhoneNumberDesc{m.GetFixedLine(), m.GetMobile(), m.GetTollFree(),
			m.GetPremiumRate(), m.GetSharedCost(), m.GetPersonalNumber(), m.GetVoip(), m.GetPager(), m.GetUan(), m.GetVoicemail()} {
			if pat := d.GetNationalNumberPattern(); pat != "" && pat != "NA" {
				alts = append(alts, "(?:"+pat+")")
			}
		}
	}
	p := &plan{}
	if len(alts) > 0 {
		if re, err := regexp.Compile("^(?:" + strings.Join(alts, "|") + ")$"); err == nil {
			p.re = re
		}
	}
	actual, _ := plans.LoadOrStore(cc, p)
	return actual.(*plan)
}

// validUK reports whether nsn (the national significant number: national form without the
// leading 0) is a valid UK number.
func validUK(nsn []byte) bool {
	return ukCache.lookup(nsn, func() bool {
		p := planFor(44)
		return p.re != nil && p.re.Match(nsn)
	})
}

// validityCache remembers recent answers of a numbering-plan check (the same numbers recur:
// the council's own, a resident's in every message of a chat, and Redact's second look). It is
// keyed by a keyed hash, so it holds no telephone number: each slot is the hash with the
// answer in its lowest bit. Direct-mapped and lock-free; a collision only costs a recheck.
type validityCache struct {
	seed  maphash.Seed
	slots [4096]atomic.Uint64
}

var ukCache = &validityCache{seed: maphash.MakeSeed()}

func (c *validityCache) lookup(key []byte, check func() bool) bool {
	h := maphash.Bytes(c.seed, key)&^1 | 2 // never 0 (empty)
	slot := &c.slots[h%uint64(len(c.slots))]
	if v := slot.Load(); v&^1 == h {
		return v&1 == 1
	}
	ok := check()
	v := h
	if ok {
		v |= 1
	}
	slot.Store(v)
	return ok
}

// validInternational reports whether d (country calling code then national number, digits
// only) is a valid number of some country.
func validInternational(d []byte) bool {
	for l := 1; l <= 3 && l < len(d); l++ {
		cc := 0
		for _, c := range d[:l] {
			cc = cc*10 + int(c-'0')
		}
		if len(phonenumbers.GetRegionCodesForCountryCode(cc)) == 0 {
			continue
		}
		nsn := d[l:]
		if cc == 44 && len(nsn) > 0 && nsn[0] == '0' { // "+44 (0)116 ..." written without brackets
			nsn = nsn[1:]
		}
		p := planFor(cc)
		return p.re != nil && p.re.Match(nsn)
	}
	return false
}

// normalisePhone returns a number's digits in international form without "+"
// ("0116 232 3232" and "+44 116 232 3232" both give "441162323232"), or "".
func normalisePhone(s string) string { return string(normalisePhoneTo(nil, s)) }

// normalisePhoneTo appends normalisePhone(s) to dst: without an allocation when dst has room,
// as the check of each phone found against the council's own numbers needs.
func normalisePhoneTo(dst []byte, s string) []byte {
	plus := false
	var buf [32]byte
	d := buf[:0]
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isLetter(c): // an extension follows: "0116 232 3232 ext 4410"
			i = len(s)
		case isDigit(c):
			d = append(d, c)
		case c == '+' && len(d) == 0:
			plus = true
		}
	}
	switch {
	case len(d) == 0:
		return dst
	case plus:
		if len(d) >= 3 && string(d[:3]) == "440" {
			return append(append(dst, "44"...), d[3:]...) // "+44 (0)116": drop the bracketed 0
		}
	case len(d) >= 2 && d[0] == '0' && d[1] == '0':
		d = d[2:]
	case d[0] == '0':
		return append(append(dst, "44"...), d[1:]...)
	}
	return append(dst, d...)
}

// phone classifies telephone numbers that need no context word: valid in a numbering plan
// (after "+" or "00" any country's, else the UK's), UK mobile-shaped, or North American in
// its printed form "(202) 555-0147". A number grouped unlike any printed telephone number
// ("0 7 7 0 0 9 0 0 1 6 4") needs a cue word nearby.
func (s *scanner) phone(num *number) bool {
	d, start, end := num.digits, num.start, num.end
	n := len(d)
	if n < 7 {
		return false
	}
	if num.plus || n >= 10 && d[0] == '0' && d[1] == '0' {
		x := d
		if !num.plus {
			x = d[2:]
		}
		switch {
		case len(x) >= 8 && len(x) <= 15 && validInternational(x):
			s.addPhone(start, end, 0.95)
		case len(x) == 12 && x[0] == '4' && x[1] == '4' && x[2] == '7':
			s.addPhone(start, end, 0.6) // +44 7..., mobile-shaped (see below)
		case num.plus && len(x) >= 8 && len(x) <= 15 && (len(num.shape) > 1 || s.phoneCue(start, end)):
			// A "+" before a long number in groups is a telephone number even where the plan
			// does not know the range (new allocations, mistyped digits).
			s.addPhone(start, end, 0.7)
		default:
			return false
		}
		return true
	}
	if num.bracket > 0 || !printedShape(num.shape) && !s.phoneCue(start, end) {
		return false
	}
	switch {
	case d[0] == '0' && (n == 10 || n == 11):
		switch {
		case validUK(d[1:]):
			s.addPhone(start, end, 0.95)
		case n == 11 && d[1] == '7':
			// A mobile-shaped number outside the allocated ranges (such as Ofcom's drama
			// range 07700 900xxx) is still most likely someone's number.
			s.addPhone(start, end, 0.6)
		case d[1] >= '1' && d[1] <= '3' && s.phoneCue(start, end):
			// Geographic or 03 shape the plan does not list, said to be a phone number.
			s.addPhone(start, end, 0.75)
		default:
			return false
		}
		return true
	case num.bracket == 0 && n == 10 && d[0] >= '2' && len(num.shape) == 3 && num.shape[0] == 3 && num.shape[1] == 3:
		if validInternational(append([]byte{'1'}, d...)) {
			s.addPhone(start, end, 0.85)
			return true
		}
	}
	return false
}

// printedShape reports whether digit groups look like a telephone number as people print
// it: at most four groups, none of a single digit.
func printedShape(shp []int) bool {
	if len(shp) > 4 {
		return false
	}
	for _, l := range shp {
		if l == 1 {
			return false
		}
	}
	return true
}

// phoneByCue takes a number of 8 to 15 digits that nothing else claimed as a telephone number
// when a telephone word is beside it: a UK number written without its trunk 0 ("call me on
// 7700 900123"), or another country's number as it is dialled there ("13812345678").
func (s *scanner) phoneByCue(num *number) bool {
	d := num.digits
	if len(d) < 8 || len(d) > 15 || d[0] == '0' || dateShape(num.shape) || !s.phoneCue(num.start, num.end) {
		return false
	}
	c := 0.7
	if len(d) <= 10 && validUK(d) || len(d) == 10 && d[0] == '7' {
		c = 0.8
	}
	s.addPhone(num.start, num.end, c)
	return true
}

// dateShape reports whether digit groups are laid out like a date ("call on 12.03.2026",
// "2026 03 12").
func dateShape(shp []int) bool {
	return len(shp) == 3 && (shp[0] <= 2 && shp[1] <= 2 && (shp[2] == 2 || shp[2] == 4) || shp[0] == 4 && shp[1] <= 2 && shp[2] <= 2)
}

// addPhone adds a telephone number with its extension, if one follows.
func (s *scanner) addPhone(start, end int, c float64) {
	s.add(Phone, start, s.phoneExtension(end), c)
}

// phoneExtension returns where an extension that follows a number at end stops ("ext 1234",
// "ext. 12", "x123", "extension 4410", "(ext 20)"), or end if none does.
func (s *scanner) phoneExtension(end int) int {
	t, p := s.lower, end
	if p < len(t) && t[p] == ',' {
		p++
	}
	for k := 0; k < 2 && p < len(t) && t[p] == ' '; k++ {
		p++
	}
	paren := p < len(t) && t[p] == '('
	if paren {
		p++
	}
	w := p
	for p < len(t) && isLetter(t[p]) && p-w < 9 {
		p++
	}
	switch t[w:p] {
	case "ext", "extn", "extension", "x", "ex":
	default:
		return end
	}
	if p < len(t) && (t[p] == '.' || t[p] == ':') {
		p++
	}
	for k := 0; k < 2 && p < len(t) && t[p] == ' '; k++ {
		p++
	}
	d := p
	for p < len(t) && isDigit(t[p]) {
		p++
	}
	if p == d || p-d > 6 || p < len(t) && isAlnum(t[p]) {
		return end
	}
	if paren {
		if p >= len(t) || t[p] != ')' {
			return end
		}
		p++
	}
	return p
}

// phoneWords are words that say a number nearby is a telephone number.
var phoneWords = setOf(`phone phones telephone tel tele ph mobile mob mobi cell cellphone landline call calls
	ring rang text txt sms whatsapp fax dial reach contact`)

// numberOwners before "number" make it a telephone number: "my number", "mum's number",
// "contact number".
var numberOwners = setOf(`my his her our your their s contact home work direct new best daytime`)

// phoneCue reports whether a telephone word is among the eight words before start (within 50
// bytes) or the four after end (within 30), outside square brackets.
func (s *scanner) phoneCue(start, end int) bool {
	k := s.tokenBefore(start)
	for j := k; j >= 0 && j > k-8 && start-s.toks[j].start <= 50; j-- {
		if s.phoneWordAt(j) {
			return true
		}
	}
	after := s.tokenBefore(end) + 1
	for j := after; j < len(s.toks) && j < after+4 && s.toks[j].end-end <= 30; j++ {
		if s.phoneWordAt(j) {
			return true
		}
	}
	return false
}

func (s *scanner) phoneWordAt(j int) bool {
	tk := s.toks[j]
	if tk.kind != tAlpha || inBrackets(s.lower, tk.start) {
		return false
	}
	lw := s.lowerTok(j)
	if phoneWords[lw] {
		return true
	}
	if (lw == "number" || lw == "no" || lw == "num") && j > 0 && s.toks[j-1].kind == tAlpha {
		owner := s.lowerTok(j - 1)
		return numberOwners[owner] && (owner != "s" || j > 1 && isApos(s.gap(j-1)))
	}
	return false
}
