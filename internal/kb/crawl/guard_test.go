package crawl

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

func TestCheckAddr(t *testing.T) {
	cases := []struct {
		addr string
		kind string // empty: allowed
	}{
		{"93.184.215.14", ""},
		{"81.2.69.160", ""},
		{"2a00:1450:4009:81f::200e", ""},
		{"100.63.255.255", ""}, // just below CGNAT
		{"172.15.255.255", ""}, // just below 172.16/12
		{"172.32.0.0", ""},     // just above it
		{"169.254.169.254", "cloud metadata"},
		{"fd00:ec2::254", "cloud metadata"},
		{"127.0.0.1", "loopback"},
		{"127.255.255.254", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"}, // IPv4-mapped
		{"10.1.2.3", "private"},
		{"::ffff:10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"::ffff:192.168.1.1", "private"},
		{"169.254.1.1", "link-local"},
		{"::ffff:169.254.169.254", "cloud metadata"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"}, // a zone does not hide it
		{"fc00::1", "unique-local (private)"},
		{"fd12:3456::1", "unique-local (private)"},
		{"fec0::1", "site-local"},
		{"100.64.0.1", "carrier-grade NAT (shared)"},
		{"100.127.255.255", "carrier-grade NAT (shared)"},
		{"0.0.0.0", "\"this network\""},
		{"0.1.2.3", "\"this network\""},
		{"::", "unspecified"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"255.255.255.255", "reserved or broadcast"},
		{"64:ff9b::7f00:1", "NAT64-mapped loopback"},
		{"64:ff9b::a9fe:a9fe", "NAT64-mapped cloud metadata"},
		{"64:ff9b::5db8:d70e", ""}, // NAT64 of a public address
	}
	for _, c := range cases {
		err := CheckAddr(netip.MustParseAddr(c.addr))
		var b *BlockedAddressError
		switch {
		case c.kind == "" && err != nil:
			t.Errorf("CheckAddr(%s) = %v, want allowed", c.addr, err)
		case c.kind != "" && (!errors.As(err, &b) || b.Kind != c.kind):
			t.Errorf("CheckAddr(%s) = %v, want a %s address", c.addr, err, c.kind)
		}
	}
	if CheckAddr(netip.Addr{}) == nil {
		t.Error("the zero address is allowed")
	}
}

// The dialer's Control function sees the address being connected to, after DNS resolution.
func TestGuardControl(t *testing.T) {
	g := &guard{}
	for _, tt := range []struct {
		address string
		ok      bool
	}{
		{"93.184.215.14:443", true},
		{"[2a00:1450:4009:81f::200e]:443", true},
		{"127.0.0.1:8080", false},
		{"[::1]:80", false},
		{"[::ffff:169.254.169.254]:80", false},
		{"[fe80::1%eth0]:80", false},
		{"10.0.0.5:443", false},
		{"example.org:80", false}, // never a name: it must have been resolved
	} {
		if err := g.control("tcp", tt.address, nil); (err == nil) != tt.ok {
			t.Errorf("control(%s) = %v, want allowed %v", tt.address, err, tt.ok)
		}
	}
	open := &guard{allowPrivate: true}
	if err := open.control("tcp", "127.0.0.1:8080", nil); err != nil {
		t.Errorf("allowPrivate: %v", err)
	}
}

// Without AllowPrivate a site on a loopback address is not crawled at all, whether it is named by
// its address or by a name that resolves to it; the error says why.
func TestCrawlRefusesPrivateAddress(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Write([]byte("<h1>intranet</h1>"))
	}))
	defer srv.Close()
	for _, start := range []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)} {
		handled := 0
		_, err := Run(context.Background(), start, Options{Rate: -1}, func(context.Context, Result) error { handled++; return nil })
		var b *BlockedAddressError
		if !errors.As(err, &b) || b.Kind != "loopback" || !strings.Contains(err.Error(), "not crawling "+start+": refused to connect to") {
			t.Errorf("crawl %s: err = %v, want a refused loopback address", start, err)
		}
		if handled != 0 {
			t.Errorf("crawl %s: %d pages handled", start, handled)
		}
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("the server got %d requests", n)
	}
	// The operator can allow it (intranet sites, tests).
	if _, err := Run(context.Background(), srv.URL, Options{Rate: -1, AllowPrivate: true}, func(context.Context, Result) error { return nil }); err != nil {
		t.Errorf("with AllowPrivate: %v", err)
	}
}

// A public site (simulated: the test exempts its listener) cannot redirect the crawler's
// robots.txt or sitemap requests to another host, to a non-web scheme, or, by re-resolving its
// own name, to a private address: every connection is checked when it is made.
func TestCrawlRefusesRedirectsToPrivateAddresses(t *testing.T) {
	var robots func(w http.ResponseWriter, r *http.Request)
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) { robots(w, r) })
	mux.HandleFunc("/robots-moved.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("User-agent: *\nAllow: /\nSitemap: " + "http://" + r.Host + "/sitemap.xml\n"))
	})
	mux.HandleFunc("/sitemap.xml", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://"+r.Host+"/sitemap.xml", http.StatusFound)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<h1>Home</h1>")) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	port := netip.MustParseAddrPort(srv.Listener.Addr().String()).Port()
	var dials atomic.Int32
	// "Public" for the first connection only: a name that resolved to a public address and
	// then to a private one (DNS rebinding) looks the same to the dialer.
	onceExempt := func(ap netip.AddrPort) bool { return ap.Port() == port && dials.Add(1) == 1 }
	alwaysExempt := func(ap netip.AddrPort) bool { return ap.Port() == port }

	cases := []struct {
		name   string
		robots func(w http.ResponseWriter, r *http.Request)
		exempt func(netip.AddrPort) bool
		want   string
	}{
		{"to the metadata service", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		}, alwaysExempt, "refused a redirect to another host (169.254.169.254)"},
		{"to another host", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://localhost:1/robots.txt", http.StatusMovedPermanently)
		}, alwaysExempt, "refused a redirect to another host (localhost:1)"},
		{"to a file", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		}, alwaysExempt, "refused a redirect to a file: address"},
		{"to the same name, now private", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close") // the next request dials again
			http.Redirect(w, r, "/robots-moved.txt", http.StatusFound)
		}, onceExempt, "refused to connect to 127.0.0.1, a loopback address"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			robots = c.robots
			dials.Store(0)
			_, err := Run(context.Background(), srv.URL, Options{Rate: -1, exempt: c.exempt}, func(context.Context, Result) error { return nil })
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}

	// A sitemap that redirects to another scheme is skipped with a note; the crawl goes on.
	robots = func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/robots-moved.txt", http.StatusFound)
	}
	var pages []string
	st, err := Run(context.Background(), srv.URL, Options{Rate: -1, exempt: alwaysExempt}, func(_ context.Context, r Result) error {
		pages = append(pages, r.URL)
		return nil
	})
	if err != nil || len(pages) != 1 || len(st.Notes) != 1 || !strings.Contains(st.Notes[0], "refused a redirect to a ftp: address") {
		t.Errorf("sitemap redirect: err %v, pages %v, notes %q", err, pages, st.Notes)
	}
}

// FuzzCheckAddr cross-checks the blocked ranges against net/netip's own
// classification: whatever netip calls loopback, private, link-local,
// multicast or unspecified (IPv4-mapped forms too) is refused.
//
//	go test -fuzz=FuzzCheckAddr -fuzztime=20s ./internal/kb/crawl/
func FuzzCheckAddr(f *testing.F) {
	for _, a := range []string{"127.0.0.1", "::ffff:10.0.0.1", "fe80::1", "8.8.8.8", "fd00:ec2::254", "64:ff9b::a00:1"} {
		f.Add(netip.MustParseAddr(a).AsSlice())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, ok := netip.AddrFromSlice(b)
		if !ok {
			return
		}
		u := a.Unmap()
		special := u.IsLoopback() || u.IsPrivate() || u.IsLinkLocalUnicast() || u.IsLinkLocalMulticast() ||
			u.IsInterfaceLocalMulticast() || u.IsMulticast() || u.IsUnspecified()
		if special && CheckAddr(a) == nil {
			t.Fatalf("CheckAddr(%s) allowed a special address", a)
		}
	})
}
