package crypt

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeyProvider wraps and unwraps data keys with a key-encryption key (KEK) that never leaves the
// provider. FileKeyProvider is the local implementation; a cloud KMS (AWS KMS, Azure Key Vault)
// implements the same three methods with its Encrypt/Decrypt calls, using its key id as
// WrappedKey.KeyID and the KMS key version as WrappedKey.Version.
//
// Implementations must be safe for concurrent use, and Unwrap must keep opening keys wrapped
// under every version that has not been retired, so rotation never makes data unreadable.
type KeyProvider interface {
	// Wrap encrypts a data key under the current KEK version.
	Wrap(ctx context.Context, dataKey []byte) (WrappedKey, error)
	// Unwrap decrypts a wrapped data key under the KEK version it records.
	Unwrap(ctx context.Context, wk WrappedKey) ([]byte, error)
	// CurrentVersion names the KEK version that Wrap uses now.
	CurrentVersion() string
}

// WrappedKey is a data key encrypted under a KEK, with the name of that KEK. Store it in the
// database next to the object it protects (MarshalText gives a single-column form); deleting it
// crypto-shreds the object.
type WrappedKey struct {
	// Provider names the kind of provider ("file" for FileKeyProvider).
	Provider string
	// KeyID identifies the KEK set inside the provider (the key file's id, a KMS key id).
	KeyID string
	// Version is the KEK version that wrapped the key.
	Version string
	// Ciphertext is the wrapped data key; its layout belongs to the provider.
	Ciphertext []byte
}

// ErrUnknownKEK means a wrapped key names a KEK (provider, id or version) that the provider does
// not hold, for example a version that was retired.
var ErrUnknownKEK = errors.New("crypt: wrapped key names a key-encryption key this provider does not hold")

const wrappedKeyPrefix = "fwk1"

// MarshalText encodes the wrapped key as "fwk1:PROVIDER:KEYID:VERSION:BASE64URL", a printable
// form for one database column. It fails for names containing ':' or non-printable bytes.
func (wk WrappedKey) MarshalText() ([]byte, error) {
	for _, f := range []struct{ name, v string }{{"provider", wk.Provider}, {"key id", wk.KeyID}, {"version", wk.Version}} {
		if f.v == "" || !printableName(f.v) {
			return nil, fmt.Errorf("crypt: wrapped key %s must be non-empty printable ASCII without ':'", f.name)
		}
	}
	if len(wk.Ciphertext) == 0 {
		return nil, errors.New("crypt: wrapped key has no ciphertext")
	}
	return []byte(strings.Join([]string{wrappedKeyPrefix, wk.Provider, wk.KeyID, wk.Version,
		base64.RawURLEncoding.EncodeToString(wk.Ciphertext)}, ":")), nil
}

// UnmarshalText parses the form MarshalText writes.
func (wk *WrappedKey) UnmarshalText(text []byte) error {
	parts := strings.Split(string(text), ":")
	if len(parts) != 5 || parts[0] != wrappedKeyPrefix {
		return errors.New("crypt: wrapped key is not in the fwk1:PROVIDER:KEYID:VERSION:DATA form")
	}
	for i, name := range []string{"provider", "key id", "version"} {
		if parts[i+1] == "" || !printableName(parts[i+1]) {
			return fmt.Errorf("crypt: wrapped key has an invalid %s", name)
		}
	}
	ct, err := base64.RawURLEncoding.DecodeString(parts[4])
	if err != nil || len(ct) == 0 {
		return errors.New("crypt: wrapped key data is not unpadded base64url")
	}
	*wk = WrappedKey{Provider: parts[1], KeyID: parts[2], Version: parts[3], Ciphertext: ct}
	return nil
}

// ParseWrappedKey is UnmarshalText as a function.
func ParseWrappedKey(s string) (WrappedKey, error) {
	var wk WrappedKey
	err := wk.UnmarshalText([]byte(s))
	return wk, err
}

// String is the marshalled form, or "" for an invalid key. The ciphertext in it is safe to show:
// it is useless without the KEK.
func (wk WrappedKey) String() string {
	b, err := wk.MarshalText()
	if err != nil {
		return ""
	}
	return string(b)
}

func printableName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}

// NeedsRewrap reports whether wk was wrapped under a KEK version other than the provider's
// current one, so a rotation job can select the keys to move.
func NeedsRewrap(p KeyProvider, wk WrappedKey) bool { return wk.Version != p.CurrentVersion() }

// Rewrap re-wraps a data key under the provider's current KEK version, without touching the
// ciphertext the key protects. Store the result in place of wk (in the same transaction that
// checks wk is still the stored value). The plaintext data key is cleared before returning.
func Rewrap(ctx context.Context, p KeyProvider, wk WrappedKey) (WrappedKey, error) {
	dk, err := p.Unwrap(ctx, wk)
	if err != nil {
		return WrappedKey{}, err
	}
	defer clear(dk)
	return p.Wrap(ctx, dk)
}
