package pii

import (
	"encoding/binary"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/unicode/norm"
)

// Residents paste numbers from phones and PDFs in compatibility forms: full-width digits
// ("０７７００ ９００１２３"), full-width letters and "＠", no-break spaces, and now and then
// digits of another script. The scanner only reads ASCII digits and letters, so a window that
// holds such characters is scanned in NFKC, with any decimal digit NFKC leaves alone (Arabic-
// Indic, Devanagari, Gujarati...) mapped to its ASCII digit, and the entities found are mapped
// back to offsets into the original text. Text that is already in that form, nearly all of it,
// is scanned as it is, at the cost of one pass to check.

// folded is a window's text in folded form with, for each of its bytes, the original range of
// the segment that produced it.
type folded struct {
	text   string
	buf    []byte
	lo, hi []int32 // original [lo[p], hi[p]) produced byte p of text
}

var foldPool = sync.Pool{New: func() any { return &folded{} }}

// foldText returns text folded, or nil if folding would change nothing. Release the result
// with putFold.
func foldText(text string) *folded {
	if !needsFold(text) {
		return nil
	}
	f := foldPool.Get().(*folded)
	f.buf, f.lo, f.hi = f.buf[:0], f.lo[:0], f.hi[:0]
	var it norm.Iter
	it.InitString(norm.NFKC, text)
	// One source segment can come out in pieces before the position moves ("ﬁ" gives "f",
	// then "i"): the bytes since outFrom all came from text[from:it.Pos()].
	from, outFrom := 0, 0
	for !it.Done() {
		f.buf = append(f.buf, it.Next()...)
		to := it.Pos()
		if to == from {
			continue
		}
		seg := f.buf[outFrom:]
		switch r, size := utf8.DecodeRune(seg); {
		case string(seg) != text[from:to]:
			for range seg {
				f.lo = append(f.lo, int32(from))
				f.hi = append(f.hi, int32(to))
			}
		case r >= utf8.RuneSelf && unicode.IsDigit(r) && size == len(seg):
			f.buf = append(f.buf[:outFrom], byte('0'+digitValue(r)))
			f.lo = append(f.lo, int32(from))
			f.hi = append(f.hi, int32(to))
		default: // unchanged: rune for rune, so an entity may start or end anywhere inside
			for k := 0; k < len(seg); {
				_, n := utf8.DecodeRune(seg[k:])
				for range n {
					f.lo = append(f.lo, int32(from+k))
					f.hi = append(f.hi, int32(from+k+n))
				}
				k += n
			}
		}
		from, outFrom = to, len(f.buf)
	}
	f.text = string(f.buf)
	return f
}

func putFold(f *folded) {
	f.text = ""
	foldPool.Put(f)
}

// needsFold reports whether text has a character folding changes: it is not in NFKC, or it
// holds a decimal digit other than 0-9.
func needsFold(text string) bool {
	i := asciiPrefix(text)
	if i == len(text) {
		return false
	}
	if !norm.NFKC.IsNormalString(text[i:]) {
		return true
	}
	for _, r := range text[i:] {
		if r >= utf8.RuneSelf && unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// digitValue is the value of a decimal digit: Unicode encodes each script's digits as ten
// consecutive code points from zero, so it is the count of digits before r in its run, modulo
// 10 (some runs hold several sets of ten).
func digitValue(r rune) int {
	k := 0
	for unicode.IsDigit(r - rune(k) - 1) {
		k++
	}
	return k % 10
}

// mapBack converts entities found in f.text to offsets into the original text. Folding can
// turn one character into several ("½" into "1⁄2"), so two entities could meet inside one
// original character: the later one then starts where the earlier ends.
func (f *folded) mapBack(ents []Entity) []Entity {
	out := ents[:0]
	last := 0
	for _, e := range ents {
		e.Start, e.End = int(f.lo[e.Start]), int(f.hi[e.End-1])
		e.Start = max(e.Start, last)
		if e.Start >= e.End {
			continue
		}
		out = append(out, e)
		last = e.End
	}
	return out
}

// asciiPrefix returns the length of text's ASCII prefix, reading eight bytes at a time (this
// runs on every text redacted).
func asciiPrefix(text string) int {
	b := unsafe.Slice(unsafe.StringData(text), len(text))
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	return i
}
