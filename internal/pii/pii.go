// Package pii finds and removes UK personal data in free text: what residents type into the
// chatbot and what staff type into comments.
//
// A Detector is made by New from a plain Config: the organisation's own references and public
// contact points, which the caller derives from its configuration (Fairline's policy, in
// policy.Policy.PIIConfig), so this package depends only on the standard library, the
// telephone numbering plans and Unicode normalisation (golang.org/x/text). Redact replaces each piece of personal data with a typed
// placeholder such as "[NHS number]", leaves the rest of the text as it was, so a question
// stays answerable, and returns the typed spans it removed.
//
// Offsets: Entity.Start and Entity.End are BYTE offsets into the UTF-8 input (text[Start:End]
// is the personal data), never rune or UTF-16 offsets. They always fall on rune boundaries.
// Text with compatibility characters (full-width digits) is scanned in NFKC and the offsets
// mapped back to the input.
//
// Each type is validated as far as its format allows: NHS numbers by modulus 11, National
// Insurance numbers by their allowed prefixes, postcodes by the Royal Mail format rules and
// postcode areas, telephone numbers by the numbering plans of github.com/nyaruka/phonenumbers
// (libphonenumber's metadata), payment cards by Luhn and issuer ranges, dates of birth and
// names only with context. Numbers that are usually not personal (prices, times, years, road
// and bus route numbers, event references) are not flagged.
//
// The detector is a hand-written tokenizer and a pass over its tokens, plus checks on the few
// candidates it finds: it runs in time linear in the input (long texts are scanned in
// overlapping windows of about 32 KiB, so memory is bounded too). The only regular expressions
// are RE2: telephone numbering plans compiled from libphonenumber's metadata, and the
// organisation's reference patterns, tried only on words that contain a digit. The package
// never logs and has no errors to report, so personal data cannot leak through either.
//
// Where two candidates overlap the more confident one wins (then the longer). Context words
// inside square brackets are ignored, so redacting already-redacted text ("[sort code]
// 12-34-56") finds nothing new in the placeholders.
package pii

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Type is a kind of personal data.
type Type string

// The built-in types. Organisation-defined references are typed "ref:" + their policy id.
const (
	NHSNumber      Type = "nhs_number"
	NINO           Type = "national_insurance_number"
	Postcode       Type = "postcode"
	Phone          Type = "phone"
	Email          Type = "email"
	Card           Type = "payment_card"
	SortCode       Type = "sort_code"
	AccountNumber  Type = "bank_account"
	DateOfBirth    Type = "date_of_birth"
	DrivingLicence Type = "driving_licence"
	Passport       Type = "passport"
	VehicleReg     Type = "vehicle_registration"
	IPAddress      Type = "ip_address"
	Address        Type = "address"
	Name           Type = "name"
	// ReferenceNumber is an account, claim, tenancy or similar reference of a resident that
	// none of the organisation's declared references matches, found by a cue word beside it.
	ReferenceNumber Type = "reference_number"
	// RefPrefix starts the type of an organisation-defined reference: "ref:" + its policy id.
	RefPrefix Type = "ref:"
)

// maxPlaceholderSize bounds a reference name used as a placeholder, in bytes.
const maxPlaceholderSize = 64

var placeholders = map[Type]string{
	NHSNumber:       "[NHS number]",
	NINO:            "[National Insurance number]",
	Postcode:        "[postcode]",
	Phone:           "[phone number]",
	Email:           "[email address]",
	Card:            "[card number]",
	SortCode:        "[sort code]",
	AccountNumber:   "[account number]",
	DateOfBirth:     "[date of birth]",
	DrivingLicence:  "[driving licence number]",
	Passport:        "[passport number]",
	VehicleReg:      "[vehicle registration]",
	IPAddress:       "[IP address]",
	Address:         "[address]",
	Name:            "[name]",
	ReferenceNumber: "[reference number]",
}

// Entity is one piece of personal data found in a text.
type Entity struct {
	Type Type `json:"type"`
	// Start and End are byte offsets into the UTF-8 text: the entity is text[Start:End].
	Start int `json:"start"`
	End   int `json:"end"`
	// Confidence is between 0 and 1: about 0.99 for a checksum-valid number with context,
	// 0.95 for one without, 0.85 to 0.9 for pattern-and-context types, lower for weak rules.
	Confidence float64 `json:"confidence"`
}

// Reference is an organisation-defined reference, such as a council tax account or case
// reference (the policy declares them: policy.Reference).
type Reference struct {
	ID string
	// Name is the placeholder text without brackets.
	Name string
	// Pattern is an RE2 regular expression a whole word must match (it is anchored:
	// ^(?:Pattern)$). A reference whose pattern does not compile is left out.
	Pattern string
	// Check is "", "mod11", "luhn" or "uprn".
	Check string
	// Context is words of which one must be near a match (compared in lower case); none means
	// no context is needed.
	Context []string

	match   func(string) bool
	first   [256]bool
	firstOK bool
	typ     Type // RefPrefix + ID, made once rather than for every match
	minLen  int  // no shorter word can match
}

// CompileReference compiles a reference's pattern as the detector matches it: against a whole
// word (^(?:pattern)$). Whoever accepts patterns from people checks them with it first.
func CompileReference(pattern string) (*regexp.Regexp, error) {
	return regexp.Compile(`^(?:` + pattern + `)$`)
}

// Config configures a Detector. It is plain data: the caller derives it from its own
// configuration (for Fairline, policy.Policy.PIIConfig).
type Config struct {
	References []Reference
	// PublicPhones, PublicAddresses and PublicEmails are the organisation's own published
	// contact points; they are not redacted.
	PublicPhones    []string
	PublicAddresses []string
	PublicEmails    []string
	// Now is used for age-consistency of dates of birth; nil means time.Now.
	Now func() time.Time `json:"-"`
}

// Detector finds personal data. It is safe for concurrent use.
type Detector struct {
	refs         []Reference
	publicPhones map[string]bool // digits in international form without +, e.g. 441162323232
	publicAddrs  []publicAddress
	publicEmails map[string]bool
	now          func() time.Time
	placeholder  map[Type]string
	lex          *lexicon // the gazetteer of names, words and places (gazetteer.go)
}

type publicAddress struct {
	norm     string // lower-case letters and digits only
	postcode string // normalised postcode in the address, if any
	first    string // normalised first line (up to the first comma)
}

// New makes a Detector.
func New(cfg Config) *Detector {
	d := &Detector{
		publicPhones: map[string]bool{},
		publicEmails: map[string]bool{},
		now:          cfg.Now,
		placeholder:  map[Type]string{},
		lex:          gazetteer(),
	}
	if d.now == nil {
		d.now = time.Now
	}
	for t, p := range placeholders {
		d.placeholder[t] = p
	}
	for _, r := range cfg.References {
		re, err := CompileReference(r.Pattern)
		if err != nil {
			continue
		}
		r.match = re.MatchString
		r.first, r.firstOK = firstBytes(r.Pattern)
		r.typ = RefPrefix + Type(r.ID)
		r.minLen = minMatchLen(r.Pattern)
		ctx := make([]string, 0, len(r.Context))
		for _, c := range r.Context {
			if c = strings.ToLower(strings.TrimSpace(c)); c != "" {
				ctx = append(ctx, c)
			}
		}
		r.Context = ctx
		d.refs = append(d.refs, r)
		name := r.Name
		if len(name) > maxPlaceholderSize {
			name = name[:maxPlaceholderSize]
		}
		d.placeholder[RefPrefix+Type(r.ID)] = "[" + strings.ToValidUTF8(name, "") + "]"
	}
	for _, p := range cfg.PublicPhones {
		if n := normalisePhone(p); n != "" {
			d.publicPhones[n] = true
		}
	}
	for _, a := range cfg.PublicAddresses {
		first, _, _ := strings.Cut(a, ",")
		pa := publicAddress{norm: alnumLower(a), first: alnumLower(first)}
		for _, e := range detectPostcodesOnly(a) {
			pa.postcode = alnumLower(a[e.Start:e.End])
		}
		if pa.norm != "" {
			d.publicAddrs = append(d.publicAddrs, pa)
		}
	}
	for _, e := range cfg.PublicEmails {
		d.publicEmails[strings.ToLower(strings.TrimSpace(e))] = true
	}
	return d
}

// Placeholder is the text Redact puts in place of an entity of type t.
func (d *Detector) Placeholder(t Type) string {
	if p, ok := d.placeholder[t]; ok {
		return p
	}
	return "[personal data]"
}

// detect returns the personal data in text: sorted by Start, non-overlapping, with
// 0 <= Start < End <= len(text) in bytes.
//
// Long texts are scanned in windows of about 32 KiB that overlap by 512 bytes (more than any
// entity and its context), so memory stays bounded and time stays linear.
func (d *Detector) detect(text string) []Entity {
	if len(text) <= windowSize+windowOverlap {
		return d.detectWindow(text, nil, 0)
	}
	var out []Entity
	for a := 0; a < len(text); {
		b := cutPoint(text, a+windowSize)
		lo := cutPoint(text, max(0, a-windowOverlap))
		hi := cutPoint(text, min(len(text), b+windowOverlap))
		n := len(out)
		out = d.detectWindow(text[lo:hi], out, lo)
		// Keep what starts in [a, b); the neighbouring windows own the rest.
		kept := out[:n]
		for _, e := range out[n:] {
			if e.Start >= a && e.Start < b && (len(kept) == 0 || kept[len(kept)-1].End <= e.Start) {
				kept = append(kept, e)
			}
		}
		out = kept
		a = b
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

const (
	windowSize    = 32 << 10
	windowOverlap = 512
)

// cutPoint moves i forward to just after a space (at most 64 bytes), else back to a rune
// boundary.
func cutPoint(text string, i int) int {
	if i >= len(text) {
		return len(text)
	}
	for k := i; k < len(text) && k < i+64; k++ {
		if isSpace(text[k]) {
			return k + 1
		}
	}
	for i > 0 && !utf8.RuneStart(text[i]) {
		i--
	}
	return i
}

// detectWindow detects in text and appends the entities, offsets shifted by off, to out.
// Text with compatibility characters is scanned folded (fold.go), offsets mapped back.
func (d *Detector) detectWindow(text string, out []Entity, off int) []Entity {
	f := foldText(text)
	if f != nil {
		text = f.text
	}
	s := getScanner(text, d)
	s.run()
	found := s.resolve() // a fresh slice
	putScanner(s)
	if f != nil {
		found = f.mapBack(found)
		putFold(f)
	}
	if out == nil && off == 0 {
		return found
	}
	for _, e := range found {
		e.Start += off
		e.End += off
		out = append(out, e)
	}
	return out
}

// Redact replaces every entity detect finds with its placeholder and returns the new text
// and the entities removed (offsets into the original text).
//
// Removing an entity can change what its neighbours look like (a number that was the tail of
// a longer run, a context word that was behind another number), so Redact looks at its own
// output again and removes anything found there too, up to twice more; those entities are
// mapped back to the original text and merged into the list. The output therefore holds no
// entity the detector can find.
func (d *Detector) Redact(text string) (string, []Entity) {
	ents := d.detect(text)
	if len(ents) == 0 {
		return text, ents
	}
	out := d.apply(text, ents)
	for round := 0; round < 2; round++ {
		more := d.detect(out)
		if len(more) == 0 {
			break
		}
		ents = mergeEntities(ents, d.mapBack(ents, more))
		out = d.apply(text, ents)
	}
	return out, ents
}

// mapBack converts entities found in apply(text, ents) to offsets into text: a boundary inside
// a placeholder moves to the edge of the entity the placeholder replaced.
func (d *Detector) mapBack(ents, found []Entity) []Entity {
	// Segments of the output: [outStart, outEnd) replaced original [start, end).
	type seg struct{ outStart, outEnd, start, end int }
	segs := make([]seg, 0, len(ents))
	shift := 0 // output offset minus original offset after the last placeholder
	for _, e := range ents {
		ph := len(d.Placeholder(e.Type))
		segs = append(segs, seg{e.Start + shift, e.Start + shift + ph, e.Start, e.End})
		shift += ph - (e.End - e.Start)
	}
	orig := func(p int, isEnd bool) int {
		sh := 0 // output offset minus original offset before segment s
		for _, s := range segs {
			switch {
			case p <= s.outStart:
				return p - sh
			case p < s.outEnd && !isEnd:
				return s.start
			case p <= s.outEnd:
				return s.end
			}
			sh = s.outEnd - s.end
		}
		return p - sh
	}
	out := make([]Entity, 0, len(found))
	for _, f := range found {
		f.Start, f.End = orig(f.Start, false), orig(f.End, true)
		if f.Start < f.End {
			out = append(out, f)
		}
	}
	return out
}

// mergeEntities merges two sorted lists into one sorted, non-overlapping list: overlapping
// entities become one covering both, of the type of the one that starts first.
func mergeEntities(a, b []Entity) []Entity {
	all := append(append(make([]Entity, 0, len(a)+len(b)), a...), b...)
	sortEntities(all)
	out := all[:0]
	for _, e := range all {
		if n := len(out); n > 0 && e.Start < out[n-1].End {
			out[n-1].End = max(out[n-1].End, e.End)
			continue
		}
		out = append(out, e)
	}
	return out
}

// apply replaces the given entities (sorted, non-overlapping, as detect returns them) with
// their placeholders.
func (d *Detector) apply(text string, ents []Entity) string {
	if len(ents) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + 16*len(ents))
	last := 0
	for _, e := range ents {
		if e.Start < last || e.End > len(text) || e.Start >= e.End {
			continue
		}
		b.WriteString(text[last:e.Start])
		b.WriteString(d.Placeholder(e.Type))
		last = e.End
	}
	b.WriteString(text[last:])
	return b.String()
}

// sortEntities sorts by start, then longer first.
func sortEntities(es []Entity) {
	slices.SortFunc(es, func(a, b Entity) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return b.End - a.End
	})
}
