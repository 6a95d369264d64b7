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
func normalisePhone(s string) string {
	var b strings.Builder
	plus := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			b.WriteByte(c)
		case c == '+' && b.Len() == 0:
			plus = true
		}
	}
	d := b.String()
	switch {
	case d == "":
		return ""
	case plus:
		if strings.HasPrefix(d, "440") {
			d = "44" + d[3:]
		}
		return d
	case strings.HasPrefix(d, "00"):
		return d[2:]
	case strings.HasPrefix(d, "0"):
		return "44" + d[1:]
	}
	return d
}
