package pii

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Token kinds: maximal runs of letters and digits.
const (
	tDigit uint8 = iota + 1 // only ASCII digits
	tAlpha                  // only letters
	tMixed                  // letters and digits
	tSkip                   // an e-mail address or URL: a barrier no sequence crosses
)

type token struct {
	start, end int
	kind       uint8
}

type scanner struct {
	text     string
	lower    string // text with ASCII letters in lower case (same byte offsets), in lowerBuf
	lowerBuf []byte
	d        *Detector
	toks     []token
	cands    []Entity
	skips    []Entity // e-mail addresses and URLs found before tokenising
	groups   []int    // scratch for numeric
	numBuf   [32]byte // scratch for classify: digits and group lengths of a number
	shapeBuf [maxGroups]int
	refEnd   int        // end of the last word referenceNumber looked at
	refOn    []int8     // per reference: 0 not yet known, 1 a context word is in the text, 2 none is
	order    []Entity   // scratch for pickCluster
	chosen   []Entity   // scratch for pickCluster
	alnum    []byte     // scratch for publicPoint
	placeBuf []byte     // scratch for placeAt
	lexs     []lexFlags // gazetteer flags per token, looked up on first use (names.go)
	bare     bareState  // names.go's state as bareName walks the tokens
	buf      [48]byte
}

var scannerPool = sync.Pool{New: func() any { return &scanner{} }}

func getScanner(text string, d *Detector) *scanner {
	s := scannerPool.Get().(*scanner)
	s.text, s.d = text, d
	s.toks, s.cands, s.skips, s.lexs = s.toks[:0], s.cands[:0], s.skips[:0], s.lexs[:0]
	s.refEnd, s.refOn = 0, s.refOn[:0]
	s.bare = bareState{listEnd: -1}
	return s
}

func putScanner(s *scanner) {
	s.text, s.lower, s.d = "", "", nil

	scannerPool.Put(s)
}

func (s *scanner) add(t Type, start, end int, conf float64) {
	if start < 0 || end > len(s.text) || start >= end {
		return
	}
	s.cands = append(s.cands, Entity{Type: t, Start: start, End: end, Confidence: conf})
}

func (s *scanner) run() {
	s.lower, s.lowerBuf = lowerASCII(s.text, s.lowerBuf)
	s.emailsAndURLs()
	s.mrzLines()
	s.tokenize()
	for i := range s.toks {
		switch s.toks[i].kind {
		case tDigit:
			s.ipv4(i)
			s.numeric(i)
			s.date(i)
			s.address(i)
			s.referenceNumber(i)
		case tMixed:
			s.date(i)
			s.address(i)
			s.letterCodes(i)
			s.referenceNumber(i)
		case tAlpha:
			// Most words are followed by another word: the codes and dates that start with
			// letters ("LE3 8RA", "March 12, 1956") need a number next, checked here before a
			// call.
			if i+1 < len(s.toks) && s.toks[i+1].kind != tAlpha {
				s.letterCodes(i)
				s.monthFirstDate(i)
			}
			s.names(i)
			if s.toks[i].end-s.toks[i].start == 2 { // "at"
				s.spelledEmail(i)
			}
			s.bareName(i)
		}
	}
	s.ipv6()
	s.signatureLine() // names.go
	s.namesBeforeDetails()
	if len(s.d.refs) > 0 {
		s.references()
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isLetter(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
func isAlnum(c byte) bool { return isDigit(c) || isLetter(c) }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}
func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 32
	}
	return c
}

// byteClass sorts ASCII bytes for tokenize: a digit, a letter, or neither; bytes from 0x80 on
// start or continue a multi-byte rune, read with utf8.
var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= utf8.RuneSelf:
			t[c] = clsRune
		case isDigit(byte(c)):
			t[c] = clsDigit
		case isLetter(byte(c)):
			t[c] = clsLetter
		}
	}
	return t
}()

const (
	clsDigit uint8 = 1 << iota
	clsLetter
	clsRune
)

// tokenize splits the text into maximal runs of letters and digits (non-ASCII letters count
// as letters), with e-mail addresses and URLs as single barrier tokens. Bytes are classed by
// one table look-up, and the next barrier's start is checked once per token, not per byte.
func (s *scanner) tokenize() {
	t := s.text
	n := len(t)
	skip := 0
	for i := 0; i < n; {
		limit := n // where the next barrier starts
		if skip < len(s.skips) {
			limit = s.skips[skip].Start
			if i >= limit {
				e := s.skips[skip]
				s.toks = append(s.toks, token{e.Start, e.End, tSkip})
				i = max(i, e.End)
				skip++
				continue
			}
		}
		cls := byteClass[t[i]]
		if cls == 0 {
			i++
			continue
		}
		start := i
		var seen uint8
		for i < limit {
			cls = byteClass[t[i]]
			if cls&(clsDigit|clsLetter) != 0 {
				seen |= cls
				i++
				continue
			}
			if cls == 0 {
				break
			}
			r, size := utf8.DecodeRuneInString(t[i:])
			if !unicode.IsLetter(r) {
				break
			}
			seen |= clsLetter
			i += size
		}
		if i == start { // a non-letter rune
			_, size := utf8.DecodeRuneInString(t[i:])
			i += size
			continue
		}
		kind := tAlpha
		switch seen {
		case clsDigit | clsLetter:
			kind = tMixed
		case clsDigit:
			kind = tDigit
		}
		s.toks = append(s.toks, token{start, i, kind})
	}
}

func (s *scanner) tok(i int) string { return s.text[s.toks[i].start:s.toks[i].end] }

// gap is the text between token i-1 and token i.
func (s *scanner) gap(i int) string { return s.text[s.toks[i-1].end:s.toks[i].start] }

// is reports whether token i exists, is not a barrier and equals w case-insensitively.
func (s *scanner) is(i int, w string) bool {
	if i < 0 || i >= len(s.toks) || s.toks[i].kind == tSkip {
		return false
	}
	return strings.EqualFold(s.tok(i), w)
}

// near reports whether any of words (lower case) occurs in the before bytes preceding start
// or the after bytes following end, outside square brackets (the placeholders of an earlier
// redaction, "[sort code]", are not context).
func (s *scanner) near(start, end, before, after int, words ...string) bool {
	lo := max(0, start-before)
	hi := min(len(s.text), end+after)
	return s.containsWord(lo, start, words) || s.containsWord(end, hi, words)
}

func (s *scanner) containsWord(lo, hi int, words []string) bool {
	sub := s.lower[lo:hi]
	for _, w := range words {
		for off := 0; off < len(sub); {
			k := strings.Index(sub[off:], w)
			if k < 0 {
				break
			}
			k += off
			if !inBrackets(s.lower, lo+k) {
				return true
			}
			off = k + 1
		}
	}
	return false
}

// inBrackets reports whether position pos of text is inside a closed [...] of at most 80
// bytes each side (placeholders are shorter). An unclosed "[" does not count.
func inBrackets(text string, pos int) bool {
	lo, hi := max(0, pos-80), min(len(text), pos+80)
	before := text[lo:pos]
	open, close := strings.LastIndexByte(before, '['), strings.LastIndexByte(before, ']')
	if open < 0 || open < close {
		return false
	}
	c, o := strings.IndexByte(text[pos:hi], ']'), strings.IndexByte(text[pos:hi], '[')
	return c >= 0 && (o < 0 || c < o)
}

// contextLower is the lower-case text in [lo, hi) with bracketed text blanked out.
func (s *scanner) contextLower(lo, hi int) string {
	sub := s.lower[lo:hi]
	if strings.IndexByte(sub, '[') < 0 && strings.IndexByte(sub, ']') < 0 {
		return sub
	}
	b := []byte(sub)
	for k := range b {
		if b[k] == '[' || b[k] == ']' || inBrackets(s.lower, lo+k) {
			b[k] = ' '
		}
	}
	return string(b)
}

// lowerASCII folds ASCII letters to lower case, keeping every byte offset. The result lives
// in buf (returned for reuse): it is only valid until the next call with the same buffer.
func lowerASCII(t string, buf []byte) (string, []byte) {
	for i := 0; i < len(t); i++ {
		if isUpper(t[i]) {
			buf = append(buf[:0], t...)
			for j := i; j < len(buf); j++ {
				buf[j] = lowerTable[buf[j]]
			}
			return unsafe.String(unsafe.SliceData(buf), len(buf)), buf
		}
	}
	return t, buf
}

// lowerTable folds ASCII capitals, one look-up a byte with no branch.
var lowerTable = func() (t [256]byte) {
	for c := range t {
		t[c] = lower(byte(c))
	}
	return t
}()

// alnumLowerTo appends the ASCII letters and digits of s, in lower case, to dst: alnumLower
// without an allocation when dst has room (an entity fits a buffer on the caller's stack).
func alnumLowerTo(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if isAlnum(s[i]) {
			dst = append(dst, lower(s[i]))
		}
	}
	return dst
}

// view is b as a string sharing its memory: valid only until b is written again.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func alnumLower(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isAlnum(s[i]) {
			b.WriteByte(lower(s[i]))
		}
	}
	return b.String()
}

// emailsAndURLs finds e-mail addresses (entities) and URLs (barriers, not personal data by
// themselves) before tokenising, so their digits are not read as numbers.
func (s *scanner) emailsAndURLs() {
	t := s.text
	for off := 0; off < len(t); {
		at := strings.IndexByte(t[off:], '@')
		if at < 0 {
			break
		}
		at += off
		off = at + 1
		l := at
		for l > 0 && isEmailLocal(t[l-1]) {
			l--
		}
		for l < at && t[l] == '.' {
			l++
		}
		r := at + 1
		lastDot := -1
		for r < len(t) && (isAlnum(t[r]) || t[r] == '-' || t[r] == '.') {
			if t[r] == '.' {
				lastDot = r
			}
			r++
		}
		for r > at+1 && (t[r-1] == '.' || t[r-1] == '-') {
			r--
		}
		if lastDot >= r-1 {
			lastDot = strings.LastIndexByte(t[at+1:r], '.')
			if lastDot >= 0 {
				lastDot += at + 1
			}
		}
		if l == at || lastDot < 0 || r-lastDot-1 < 2 || lastDot == at+1 {
			continue
		}
		tld := t[lastDot+1 : r]
		okTLD := true
		for i := 0; i < len(tld); i++ {
			if !isLetter(tld[i]) {
				okTLD = false
			}
		}
		if !okTLD {
			continue
		}
		if len(s.skips) > 0 && s.skips[len(s.skips)-1].End > l {
			continue
		}
		s.skips = append(s.skips, Entity{Type: Email, Start: l, End: r})
		off = r
	}
	// URLs: http://, https://, www.
	var urls []Entity
	for off := 0; off < len(t); {
		k := indexURL(t[off:])
		if k < 0 {
			break
		}
		st := off + k
		if st > 0 && isAlnum(t[st-1]) {
			off = st + 3
			continue
		}
		e := st
		for e < len(t) && t[e] > ' ' && t[e] != '<' && t[e] != '>' && t[e] != '"' {
			e++
		}
		for e > st && strings.IndexByte(".,;:!?)'", t[e-1]) >= 0 {
			e--
		}
		urls = append(urls, Entity{Start: st, End: e})
		off = max(e, st+4)
	}
	if len(urls) > 0 {
		s.skips = mergeSkips(s.skips, urls)
	}
	for _, e := range s.skips {
		if e.Type == Email {
			if s.d.publicEmails[strings.ToLower(t[e.Start:e.End])] {
				continue
			}
			s.add(Email, e.Start, e.End, 0.99)
		}
	}
}

func indexURL(t string) int {
	for off := 0; off < len(t); {
		h, w := strings.Index(t[off:], "http"), strings.Index(t[off:], "www.")
		switch {
		case h < 0 && w < 0:
			return -1
		case w >= 0 && (h < 0 || w < h):
			return off + w
		}
		k := off + h
		if strings.HasPrefix(t[k:], "http://") || strings.HasPrefix(t[k:], "https://") {
			return k
		}
		off = k + 4
	}
	return -1
}

// mergeSkips merges two sorted lists, dropping entries that overlap an earlier one.
func mergeSkips(a, b []Entity) []Entity {
	all := append(append([]Entity(nil), a...), b...)
	sortEntities(all)
	out := all[:0]
	for _, e := range all {
		if len(out) > 0 && e.Start < out[len(out)-1].End {
			continue
		}
		out = append(out, e)
	}
	return out
}

func isEmailLocal(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// resolve picks non-overlapping entities: in each cluster of overlapping candidates the most
// confident (then the longest) wins; entities that are the organisation's own public contact
// points are dropped.
func (s *scanner) resolve() []Entity {
	c := s.cands
	if len(c) == 0 {
		return nil
	}
	sortEntities(c)
	out := make([]Entity, 0, len(c)) // returned: a fresh slice
	for i := 0; i < len(c); {
		j, end := i+1, c[i].End
		for j < len(c) && c[j].Start < end {
			end = max(end, c[j].End)
			j++
		}
		out = s.pickCluster(out, c[i:j])
		i = j
	}
	kept := out[:0]
	for _, e := range out {
		if !s.isPublic(e) {
			kept = append(kept, e)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	return kept
}

func (s *scanner) pickCluster(out []Entity, cl []Entity) []Entity {
	text := s.text
	switch len(cl) {
	case 1:
		return append(out, cl[0])
	case 2: // the usual case: two readings of the same text
		a, b := cl[0], cl[1]
		if b.Confidence > a.Confidence || b.Confidence == a.Confidence && b.End-b.Start > a.End-a.Start {
			a, b = b, a
		}
		if b.Type != Name || b.Start >= a.Start {
			return append(out, a)
		}
	}
	order := append(s.order[:0], cl...)
	s.order = order
	slices.SortStableFunc(order, func(a, b Entity) int {
		if a.Confidence != b.Confidence {
			if a.Confidence > b.Confidence {
				return -1
			}
			return 1
		}
		return (b.End - b.Start) - (a.End - a.Start)
	})
	// chosen stays sorted by start and non-overlapping, so one binary search finds the only
	// neighbours a new entity could overlap.
	chosen := s.chosen[:0]
	defer func() { s.chosen = chosen }()
	for _, e := range order {
		k, _ := slices.BinarySearchFunc(chosen, e.Start, func(c Entity, start int) int { return c.Start - start })
		if k > 0 && chosen[k-1].End > e.Start {
			continue
		}
		if k < len(chosen) && chosen[k].Start < e.End {
			// A name that runs into a more confident entity ("my son Jack Flat 3, ...") keeps
			// its words before it, so they are not left behind.
			if e.Type != Name {
				continue
			}
			if e.End = trimName(text, e.Start, chosen[k].Start); e.End <= e.Start {
				continue
			}
		}
		chosen = slices.Insert(chosen, k, e)
	}
	return append(out, chosen...)
}

// trimName ends a name before end, dropping trailing spaces and punctuation.
func trimName(text string, start, end int) int {
	for end > start && !isAlnum(text[end-1]) && text[end-1] < utf8.RuneSelf {
		end--
	}
	return end
}

// isPublic reports whether e is one of the organisation's own contact points, given as the
// organisation's (own.go: a resident's "I live at LE3 8RA" is not).
func (s *scanner) isPublic(e Entity) bool { return s.publicPoint(e) && !s.ownContact(e) }

func (s *scanner) publicPoint(e Entity) bool {
	switch e.Type {
	case Phone:
		var nb [32]byte
		return len(s.d.publicPhones) > 0 && s.d.publicPhones[string(normalisePhoneTo(nb[:0], s.text[e.Start:e.End]))]
	case Postcode, Address:
		if len(s.d.publicAddrs) == 0 {
			return false
		}
		var nb [64]byte
		norm := view(alnumLowerTo(nb[:0], s.text[e.Start:e.End]))
		for _, pa := range s.d.publicAddrs {
			if !strings.Contains(pa.norm, norm) {
				continue
			}
			w := len(pa.norm) * 2
			s.alnum = alnumLowerTo(s.alnum[:0], s.text[max(0, e.Start-w):min(len(s.text), e.End+w)])
			if strings.Contains(view(s.alnum), pa.norm) {
				return true
			}
			// "the postcode for County Hall is LE3 8RA": the postcode with the first line near.
			if e.Type == Postcode && norm == pa.postcode && len(pa.first) >= 4 {
				s.alnum = alnumLowerTo(s.alnum[:0], s.text[max(0, e.Start-60):min(len(s.text), e.End+60)])
				if strings.Contains(view(s.alnum), pa.first) {
					return true
				}
			}
		}
	}
	return false
}
