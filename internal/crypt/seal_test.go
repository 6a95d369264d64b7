package crypt

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealString(t *testing.T) {
	t.Parallel()
	key := mustKey(t)
	ad := []byte("recording:42/number")
	const number = "+447911123456"
	sealed, err := SealString(key, number, ad)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("7911123456")) {
		t.Fatal("sealed value contains the number")
	}
	if got, err := OpenString(key, sealed, ad); err != nil || got != number {
		t.Fatalf("OpenString = %q, %v", got, err)
	}
	again, _ := SealString(key, number, ad)
	if bytes.Equal(again, sealed) {
		t.Fatal("sealing twice gave the same bytes")
	}
	if got, err := OpenString(key, mustSeal(t, key, "", ad), ad); err != nil || got != "" {
		t.Fatalf("empty value: %q, %v", got, err)
	}
	other := bytes.Clone(key)
	other[31] ^= 1
	if _, err := OpenString(other, sealed, ad); !errors.Is(err, ErrAuth) {
		t.Errorf("wrong key: %v", err)
	}
	if _, err := OpenString(key, sealed, []byte("recording:43/number")); !errors.Is(err, ErrAuth) {
		t.Errorf("wrong associated data: %v", err)
	}
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x40
		if _, err := OpenString(key, bad, ad); err == nil {
			t.Fatalf("tampering with byte %d went unnoticed", i)
		}
	}
	for _, bad := range [][]byte{nil, {1}, sealed[:20]} {
		if _, err := OpenString(key, bad, ad); !errors.Is(err, ErrFormat) {
			t.Errorf("%d bytes: err = %v, want ErrFormat", len(bad), err)
		}
	}
	if _, err := SealString(key[:16], number, ad); err == nil {
		t.Error("sealed with a 16-byte key")
	}
}

func mustSeal(t *testing.T, key []byte, s string, ad []byte) []byte {
	t.Helper()
	b, err := SealString(key, s, ad)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
