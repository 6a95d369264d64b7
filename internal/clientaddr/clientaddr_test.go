package clientaddr

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"unicode"
)

func TestParseTrusted(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"", "", ""},
		{"10.0.0.0/8", "10.0.0.0/8", ""},
		{" 10.1.2.3/8 , 192.0.2.10 ,2001:db8::/32", "10.0.0.0/8,192.0.2.10/32,2001:db8::/32", ""},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8", ""},
		{"10.0.0.0/33", "", `"10.0.0.0/33"`},
		{"10.0.0.0/8,proxy.internal", "", `"proxy.internal"`},
		{"fe80::1%eth0", "", `"fe80::1%eth0"`},
		{"10.0.0.0/8;192.0.2.0/24", "", `"10.0.0.0/8;192.0.2.0/24"`},
	} {
		got, err := ParseTrusted(tc.in)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseTrusted(%q) = %v, %v; want an error naming %s", tc.in, got, err, tc.err)
			}
		case err != nil || got.String() != tc.want:
			t.Errorf("ParseTrusted(%q) = %q, %v; want %q", tc.in, got.String(), err, tc.want)
		}
	}
}

func TestClient(t *testing.T) {
	trusted, err := ParseTrusted("127.0.0.1, 10.0.0.0/8, 2001:db8:ffff::/48")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		trusted *Trusted
		peer    string
		xff     []string
		fwd     []string
		want    string
	}{
		{name: "no proxy", peer: "198.51.100.7:5000", want: "198.51.100.7"},
		{name: "spoofed header from an untrusted peer", trusted: trusted, peer: "198.51.100.7:5000", xff: []string{"203.0.113.1"}, want: "198.51.100.7"},
		{name: "spoofed Forwarded from an untrusted peer", trusted: trusted, peer: "198.51.100.7:5000", fwd: []string{"for=203.0.113.1"}, want: "198.51.100.7"},
		{name: "nobody trusted", peer: "127.0.0.1:5000", xff: []string{"203.0.113.1"}, want: "127.0.0.1"},
		{name: "one trusted proxy", trusted: trusted, peer: "127.0.0.1:5000", xff: []string{"203.0.113.1"}, want: "203.0.113.1"},
		{name: "chain through two trusted proxies", trusted: trusted, peer: "127.0.0.1:5000", xff: []string{"203.0.113.1, 10.0.0.2"}, want: "203.0.113.1"},
		{name: "client's own entry left of the real one", trusted: trusted, peer: "10.0.0.9:80", xff: []string{"192.0.2.66, 203.0.113.1"}, want: "203.0.113.1"},
		{name: "client claims a trusted address", trusted: trusted, peer: "10.0.0.9:80", xff: []string{"10.0.0.5, 203.0.113.1"}, want: "203.0.113.1"},
		{name: "several header lines", trusted: trusted, peer: "127.0.0.1:1", xff: []string{"192.0.2.66", "203.0.113.1, 10.0.0.2"}, want: "203.0.113.1"},
		{name: "with ports", trusted: trusted, peer: "127.0.0.1:1", xff: []string{"[2001:db8::7]:4711, 10.0.0.2:80"}, want: "2001:db8::7"},
		{name: "bare IPv6", trusted: trusted, peer: "127.0.0.1:1", xff: []string{"2001:db8::7"}, want: "2001:db8::7"},
		{name: "IPv6 proxy", trusted: trusted, peer: "[2001:db8:ffff::1]:443", xff: []string{"203.0.113.1"}, want: "203.0.113.1"},
		{name: "4-in-6 peer", trusted: trusted, peer: "[::ffff:127.0.0.1]:1", xff: []string{"203.0.113.1"}, want: "203.0.113.1"},
		{name: "all hops trusted", trusted: trusted, peer: "127.0.0.1:1", xff: []string{"10.0.0.3, 10.0.0.2"}, want: "10.0.0.3"},
		{name: "empty header", trusted: trusted, peer: "127.0.0.1:1", xff: []string{""}, want: "127.0.0.1"},
		{name: "malformed entry ends the walk", trusted: trusted, peer: "127.0.0.1:1", xff: []string{"203.0.113.1, not-an-ip, 10.0.0.2"}, want: "10.0.0.2"},
		{name: "malformed last entry", trusted: trusted, peer: "127.0.0.1:1", xff: []string{"203.0.113.1, 999.1.1.1"}, want: "127.0.0.1"},
		{name: "bad port", trusted: trusted, peer: "127.0.0.1:1", xff: []string{"203.0.113.1:http"}, want: "127.0.0.1"},
		{name: "unclosed bracket", trusted: trusted, peer: "127.0.0.1:1", xff: []string{"[2001:db8::7"}, want: "127.0.0.1"},
		{name: "zone", trusted: trusted, peer: "127.0.0.1:1", xff: []string{"fe80::1%eth0"}, want: "127.0.0.1"},
		{name: "Forwarded", trusted: trusted, peer: "127.0.0.1:1", fwd: []string{`for=203.0.113.1;proto=https;by=10.0.0.2`}, want: "203.0.113.1"},
		{name: "Forwarded chain, IPv6 quoted", trusted: trusted, peer: "127.0.0.1:1", fwd: []string{`for="[2001:db8::7]:4711", For=10.0.0.2`}, want: "2001:db8::7"},
		{name: "Forwarded unknown", trusted: trusted, peer: "127.0.0.1:1", fwd: []string{`for=203.0.113.1, for=unknown, for=10.0.0.2`}, want: "10.0.0.2"},
		{name: "Forwarded obfuscated", trusted: trusted, peer: "127.0.0.1:1", fwd: []string{`for=_hidden`}, want: "127.0.0.1"},
		{name: "Forwarded without for", trusted: trusted, peer: "127.0.0.1:1", fwd: []string{`proto=https`}, want: "127.0.0.1"},
		{name: "Forwarded unbracketed IPv6", trusted: trusted, peer: "127.0.0.1:1", fwd: []string{`for=2001:db8::7`}, want: "127.0.0.1"},
		{name: "Forwarded broken quote", trusted: trusted, peer: "127.0.0.1:1", fwd: []string{`for="203.0.113.1`}, want: "127.0.0.1"},
		{name: "X-Forwarded-For wins", trusted: trusted, peer: "127.0.0.1:1", xff: []string{"203.0.113.1"}, fwd: []string{"for=192.0.2.66"}, want: "203.0.113.1"},
		{name: "unreadable peer", trusted: trusted, peer: "@pipe", xff: []string{"203.0.113.1"}, want: "invalid IP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			for _, v := range tc.fwd {
				r.Header.Add("Forwarded", v)
			}
			if got := tc.trusted.Client(r); got.String() != tc.want {
				t.Errorf("client %s, want %s", got, tc.want)
			}
			// The middleware hands the same answer to handlers.
			var seen netip.Addr
			tc.trusted.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = FromRequest(r) })).
				ServeHTTP(httptest.NewRecorder(), r)
			if seen.String() != tc.want {
				t.Errorf("FromRequest after Handler: %s, want %s", seen, tc.want)
			}
		})
	}
	// Without the middleware, handlers see the peer.
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "127.0.0.1:1"
	r.Header.Set("X-Forwarded-For", "203.0.113.1")
	if got := FromRequest(r); got.String() != "127.0.0.1" {
		t.Errorf("FromRequest without Handler: %s", got)
	}
}

// FuzzClient: whatever the headers say, the answer is the peer or an
// address written in them, an untrusted peer is always the answer, and an
// answer from the headers is never a trusted address unless every hop is.
func FuzzClient(f *testing.F) {
	for _, s := range [][2]string{{"203.0.113.1, 10.0.0.2", ""}, {"", `for="[2001:db8::7]:4711", for=10.0.0.2`}, {"[::1", "for=\""},
		{"10.0.0.1,,  ,203.0.113.1:80", "for=unknown;by=x"}, {"::ffff:203.0.113.1", "For=_x, for=1.2.3.4"}} {
		f.Add("127.0.0.1:1", s[0], s[1])
		f.Add("198.51.100.7:5000", s[0], s[1])
	}
	trusted, _ := ParseTrusted("127.0.0.0/8, 10.0.0.0/8")
	f.Fuzz(func(t *testing.T, remote, xff, fwd string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = remote
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		if fwd != "" {
			r.Header.Set("Forwarded", fwd)
		}
		got := trusted.Client(r)
		p := peer(remote)
		if !trusted.Contains(p) {
			if got != p {
				t.Fatalf("untrusted peer %q: client %s", remote, got)
			}
			return
		}
		if got == p {
			return
		}
		if !got.IsValid() {
			t.Fatalf("an invalid address from a valid trusted peer %s", p)
		}
		hdr := xff
		if xff == "" {
			hdr = fwd
		}
		// Tokenise the header loosely, independently of the parser: the
		// answer must be one of the addresses written in it.
		found := false
		for _, tok := range strings.FieldsFunc(hdr, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(",;\"=[]", r) }) {
			if a, err := netip.ParseAddr(tok); err == nil && a.Unmap() == got {
				found = true
			}
			if ap, err := netip.ParseAddrPort(tok); err == nil && ap.Addr().Unmap() == got {
				found = true
			}
		}
		if !found {
			t.Fatalf("client %s appears nowhere in %q", got, hdr)
		}
	})
}
