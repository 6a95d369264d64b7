package crypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

const sealVersion = 1

// SealString encrypts a short value (a phone number) with AES-256-GCM under key (32 bytes: a
// recording's data key, so destroying its wrapped key destroys the value too) and binds it to ad
// (for example "recording:123/number"), so a sealed value copied to another row or field does
// not open. The result is version byte | 12-byte random nonce | ciphertext | tag.
func SealString(key []byte, plaintext string, ad []byte) ([]byte, error) {
	aead, err := sealAEAD(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("crypt: seal nonce: %w", err)
	}
	return aead.Seal(out, out[1:], []byte(plaintext), ad), nil
}

// OpenString reverses SealString; it fails with ErrAuth for the wrong key or associated data
// and for altered bytes, and with ErrFormat for something SealString never produced.
func OpenString(key []byte, sealed []byte, ad []byte) (string, error) {
	aead, err := sealAEAD(key)
	if err != nil {
		return "", err
	}
	if len(sealed) < 1+aead.NonceSize()+aead.Overhead() || sealed[0] != sealVersion {
		return "", fmt.Errorf("%w: sealed value is too short or of an unknown version", ErrFormat)
	}
	ns := 1 + aead.NonceSize()
	pt, err := aead.Open(nil, sealed[1:ns], sealed[ns:], ad)
	if err != nil {
		return "", fmt.Errorf("%w (sealed value)", ErrAuth)
	}
	return string(pt), nil
}

func sealAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, errors.New("crypt: sealing key must be 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
