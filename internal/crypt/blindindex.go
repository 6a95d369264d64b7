package crypt

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/nyaruka/phonenumbers"

	"github.com/fairline/fairline/internal/keys"
)

// PhoneRegion is the region that numbers without an international prefix are read in.
const PhoneRegion = "GB"

// ErrInvalidPhone means a value could not be read as a phone number. The error never repeats the
// value: it is personal data.
var ErrInvalidPhone = errors.New("crypt: not a phone number that can be normalised to E.164")

// NormalizePhone returns the E.164 form of a phone number ("+447911123456"), reading numbers
// without a country code as UK numbers: "07911 123456", "+44 7911 123456" and "0044 7911 123456"
// all give the same result. It accepts numbers of a possible length for their country, not only
// numbers currently allocated, so that the index of a stored number does not change when the
// numbering plan data does.
func NormalizePhone(raw string) (string, error) {
	if len(raw) > 64 {
		return "", ErrInvalidPhone
	}
	n, err := phonenumbers.Parse(raw, PhoneRegion)
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return "", ErrInvalidPhone
	}
	out := phonenumbers.Format(n, phonenumbers.E164)
	// Refuse the odd input whose E.164 form does not read back as itself ("00000000000"):
	// a search typed in E.164 must find what was indexed.
	back, err := phonenumbers.Parse(out, PhoneRegion)
	if err != nil || phonenumbers.Format(back, phonenumbers.E164) != out {
		return "", ErrInvalidPhone
	}
	return out, nil
}

// BlindIndex computes keyed hashes for exact-match lookups of values stored only encrypted. Its
// key is derived from the master key file for keys.PurposeBlindIndex, so an index column copied
// out of the database cannot be tested against guessed numbers without that file.
type BlindIndex struct {
	key []byte
}

// NewBlindIndex returns the blind index of a key ring.
func NewBlindIndex(ring *keys.Ring) *BlindIndex {
	return &BlindIndex{key: ring.Key(keys.PurposeBlindIndex)}
}

// Phone returns HMAC-SHA256(key, "phone\x00" + E.164 form) of a phone number: 32 bytes for an
// indexed column. Every spelling of one number gives the same index.
func (b *BlindIndex) Phone(raw string) ([]byte, error) {
	e164, err := NormalizePhone(raw)
	if err != nil {
		return nil, err
	}
	return b.sum("phone", e164), nil
}

// sum domain-separates kinds of value, so equal strings of different kinds do not collide.
func (b *BlindIndex) sum(kind, value string) []byte {
	m := hmac.New(sha256.New, b.key)
	fmt.Fprintf(m, "%s\x00%s", kind, value)
	return m.Sum(nil)
}
