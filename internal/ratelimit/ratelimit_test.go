package ratelimit

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Rate
		err  bool
	}{
		{"20/min", Rate{20, time.Minute}, false},
		{" 5 / s ", Rate{5, time.Second}, false},
		{"100/hour", Rate{100, time.Hour}, false},
		{"3/Minute", Rate{3, time.Minute}, false},
		{"1/sec", Rate{1, time.Second}, false},
		{"OFF", Rate{}, false},
		{"", Rate{}, true},
		{"20", Rate{}, true},
		{"20/day", Rate{}, true},
		{"0/min", Rate{}, true},
		{"-1/min", Rate{}, true},
		{"x/min", Rate{}, true},
		{"20/min/s", Rate{}, true},
		{"2000000/s", Rate{}, true},
	} {
		got, err := ParseRate(tc.in)
		if tc.err {
			if err == nil || !strings.Contains(err.Error(), "like 20/min") || !strings.Contains(err.Error(), `"`+tc.in+`"`) {
				t.Errorf("ParseRate(%q) = %v, %v; want an error quoting it and showing the format", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	if DefaultChatRate.String() != "20/min" || (Rate{}).String() != "off" {
		t.Errorf("String: %q %q", DefaultChatRate.String(), Rate{}.String())
	}
}

// FuzzParseRate: an accepted rate is positive, bounded, and reads back
// the same from its String.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"20/min", "off", "5/s", "1/hour", "9999999999999999999/s", "/", "1/", "0x10/min", "+3/m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			return
		}
		if !r.Off() && (r.N < 1 || r.N > 1_000_000 || r.Per < time.Second) {
			t.Fatalf("ParseRate(%q) = %+v", s, r)
		}
		back, err := ParseRate(r.String())
		if err != nil || back != r {
			t.Fatalf("ParseRate(%q) = %+v, but its String %q reads back as %+v, %v", s, r, r.String(), back, err)
		}
	})
}

func TestLimiterBuckets(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := New(Rate{6, time.Minute}, Options{Now: func() time.Time { return now }})
	client := netip.MustParseAddr("198.51.100.7")
	for i := range 6 {
		if w := l.Allow(client, "a"); w != 0 {
			t.Fatalf("request %d limited (%v)", i, w)
		}
	}
	if w := l.Allow(client, "a"); w != 10*time.Second {
		t.Fatalf("7th request: wait %v, want 10s (one token per 10 s)", w)
	}
	// A new conversation gets its own bucket, up to the per-address cap.
	n := 0
	for i := range 20 {
		if l.Allow(client, string(rune('b'+i))) == 0 {
			n++
		}
	}
	if n != 6*perAddressFactor-6 {
		t.Errorf("%d more allowed through new conversations, want %d", n, 6*perAddressFactor-6)
	}
	// Another client is not affected.
	if l.Allow(netip.MustParseAddr("198.51.100.8"), "a") != 0 {
		t.Error("another client limited")
	}
	now = now.Add(10 * time.Second)
	if l.Allow(client, "a") != 0 {
		t.Error("bucket did not refill")
	}
	// Nothing identifying is kept: keys are keyed hashes.
	for k := range l.byKey {
		if bytes.Contains(k[:], []byte("198.51.100")) || bytes.Contains(k[:], client.AsSlice()) {
			t.Error("address in a key")
		}
	}
	// Buckets idle for a whole period are full again, so they are dropped.
	now = now.Add(time.Minute)
	l.Allow(netip.MustParseAddr("203.0.113.1"), "")
	if got := l.size(); got != 2 {
		t.Errorf("%d buckets after a minute idle; want the 2 of the new request", got)
	}
	var nilLimiter *Limiter
	if nilLimiter.Allow(client, "") != 0 || New(Rate{}, Options{}).Allow(client, "") != 0 {
		t.Error("no rate should mean no limit")
	}
}

// TestLimiterIPv6PerSubscriber: addresses in one /64 share the address
// bucket; another /64 does not.
func TestLimiterIPv6PerSubscriber(t *testing.T) {
	l := New(Rate{1, time.Minute}, Options{})
	for i := range perAddressFactor {
		a := netip.MustParseAddr("2001:db8:1:2::" + string(rune('1'+i)))
		if l.Allow(a, string(rune('a'+i))) != 0 {
			t.Fatalf("address %s limited", a)
		}
	}
	if l.Allow(netip.MustParseAddr("2001:db8:1:2:ffff::9"), "z") == 0 {
		t.Error("a fresh address in the same /64 escaped the limit")
	}
	if l.Allow(netip.MustParseAddr("2001:db8:1:3::1"), "z") != 0 {
		t.Error("another /64 limited")
	}
	if l.Allow(netip.MustParseAddr("::ffff:192.0.2.1"), "") != 0 || l.Allow(netip.MustParseAddr("192.0.2.1"), "") == 0 {
		t.Error("a 4-in-6 address and its IPv4 form are not one client")
	}
}

// TestLimiterBoundedMemory: however many clients, the buckets kept stay
// under the cap, least recently used dropped first.
func TestLimiterBoundedMemory(t *testing.T) {
	l := New(Rate{1, time.Hour}, Options{MaxKeys: 100})
	keep := netip.MustParseAddr("192.0.2.1")
	l.Allow(keep, "")
	for i := range 1000 {
		l.Allow(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), "")
		if i%10 == 0 {
			l.Allow(keep, "x") // keeps keep's address bucket in use
		}
		if n := l.size(); n > 100 {
			t.Fatalf("%d buckets held, cap 100", n)
		}
	}
	// keep's address bucket stayed in use, so it was not dropped: it still
	// holds the one token left after "" and the first "x" (a recreated
	// bucket would be full, 3).
	if l.Allow(keep, "y") != 0 {
		t.Error("keep's last token is gone")
	}
	if l.Allow(keep, "z") == 0 {
		t.Error("a bucket in use was dropped and came back full")
	}
}
