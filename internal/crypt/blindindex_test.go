package crypt

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/keys"
)

func testIndex(t testing.TB, seed byte) *BlindIndex {
	t.Helper()
	ring, err := keys.New(bytes.Repeat([]byte{seed}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return NewBlindIndex(ring)
}

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"07911 123456", "+447911123456"},
		{"07911123456", "+447911123456"},
		{"+44 7911 123456", "+447911123456"},
		{"0044 7911 123456", "+447911123456"},
		{"(0116) 232 3232", "+441162323232"},
		{"+1 415-555-0100", "+14155550100"},
		{"+33 1 23 45 67 89", "+33123456789"},
	} {
		got, err := NormalizePhone(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "anonymous", "12", "+44", "0791112345678901234", strings.Repeat("1", 100)} {
		_, err := NormalizePhone(bad)
		if !errors.Is(err, ErrInvalidPhone) {
			t.Errorf("NormalizePhone(%q): err = %v, want ErrInvalidPhone", bad, err)
		} else if bad != "" && strings.Contains(err.Error(), bad) {
			t.Errorf("error repeats the input %q", bad)
		}
	}
}

func TestBlindIndexPhone(t *testing.T) {
	t.Parallel()
	bi := testIndex(t, 1)
	a, err := bi.Phone("07911 123456")
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 32 {
		t.Fatalf("index is %d bytes, want 32", len(a))
	}
	for _, same := range []string{"+447911123456", "0044 (0)7911-123-456", "+44 7911 123456"} {
		b, err := bi.Phone(same)
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%q indexes differently from 07911 123456 (%v)", same, err)
		}
	}
	other, _ := bi.Phone("07911 123457")
	if bytes.Equal(a, other) {
		t.Error("two numbers share an index")
	}
	otherKey, _ := testIndex(t, 2).Phone("07911 123456")
	if bytes.Equal(a, otherKey) {
		t.Error("the index does not depend on the key")
	}
	if _, err := bi.Phone("not a number"); !errors.Is(err, ErrInvalidPhone) {
		t.Errorf("invalid number: %v", err)
	}
}

// FuzzNormalizePhone: numbers arrive from telephony systems and the console. Normalising never
// panics, and its output is a fixed point.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"07911 123456", "+44 7911 123456", "00447911123456", "+1 415 555 0100", "ext. 123", "+", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := NormalizePhone(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(out, "+") {
			t.Fatalf("%q normalised to %q, not E.164", s, out)
		}
		again, err := NormalizePhone(out)
		if err != nil || again != out {
			t.Fatalf("normalising %q again gave %q, %v", out, again, err)
		}
	})
}
