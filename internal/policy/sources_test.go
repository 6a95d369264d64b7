package policy

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestHostMatches(t *testing.T) {
	cases := []struct {
		declared, host string
		want           bool
	}{
		{"www.leicestershire.gov.uk", "www.leicestershire.gov.uk", true},
		{"www.leicestershire.gov.uk", "WWW.Leicestershire.GOV.uk.", true},         // case and a trailing dot
		{"www.leicestershire.gov.uk:443", "www.leicestershire.gov.uk:8443", true}, // ports ignored
		{"leicestershire.gov.uk", "www.leicestershire.gov.uk", true},              // a subdomain
		{"leicestershire.gov.uk", "a.b.leicestershire.gov.uk", true},
		{"www.leicestershire.gov.uk", "leicestershire.gov.uk", false},      // the parent is another site
		{"www.leicestershire.gov.uk", "news.leicestershire.gov.uk", false}, // so is a sibling
		{"leicestershire.gov.uk", "evilleicestershire.gov.uk", false},      // not on a label boundary
		{"leicestershire.gov.uk", "leicestershire.gov.uk.evil.example", false},
		{"127.0.0.1", "127.0.0.1", true},
		{"127.0.0.1", "127.0.0.1:8080", true},
		{"0.0.1", "127.0.0.1", false}, // addresses match only themselves
		{"[::1]", "::1", true},
		{"localhost", "localhost", true},
		{"", "", false},
		{"example.org", "", false},
	}
	for _, c := range cases {
		if got := HostMatches(c.declared, c.host); got != c.want {
			t.Errorf("HostMatches(%q, %q) = %v, want %v", c.declared, c.host, got, c.want)
		}
	}
}

func TestCheckSource(t *testing.T) {
	p := Default()
	cases := []struct {
		system, url string
		wantErr     string // empty: allowed
	}{
		{"chatbot", "https://www.leicestershire.gov.uk/", ""},
		{"chatbot", "http://www.leicestershire.gov.uk:8080/a/b?c", ""},
		{"chatbot", "https://www.startaconversation.co.uk/x", ""},
		{"chatbot", "https://demo.localgov.example/", "host demo.localgov.example is not one of the sources the policy declares in systems[chatbot].sources (www.leicestershire.gov.uk, www.startaconversation.co.uk)"},
		{"chatbot", "https://leicestershire.gov.uk/", "systems[chatbot].sources"},
		{"call-recording", "https://www.leicestershire.gov.uk/", "the policy's systems[call-recording].sources lists no sites"},
		{"website", "https://www.leicestershire.gov.uk/", `the policy has no "website" system (systems[website].sources)`},
		{"chatbot", "not a url", "has no host"},
	}
	for _, c := range cases {
		err := p.CheckSource(c.system, c.url)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("CheckSource(%s, %s) = %v, want nil", c.system, c.url, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("CheckSource(%s, %s) = %v, want an error with %q", c.system, c.url, err, c.wantErr)
		}
	}
	var se *SourceError
	if err := p.CheckSource("chatbot", "https://evil.example/"); !errors.As(err, &se) || se.Host != "evil.example" {
		t.Errorf("error %v is not a *SourceError for evil.example", err)
	}
}

// WithSources edits the policy file itself: the result has new bytes and hash, names the added
// sites through {sources} and allows their hosts; everything else is unchanged.
func TestWithSources(t *testing.T) {
	p := Default()
	q, err := p.WithSources("with demo", "chatbot",
		Source{Name: "the demo site", URL: "https://demo.localgov.example"},
		Source{Name: "again", URL: "https://www.leicestershire.gov.uk/other"}) // already covered: not added
	if err != nil {
		t.Fatal(err)
	}
	if q.Source != "with demo" || q.Hash() == p.Hash() || !strings.Contains(string(q.Bytes()), "demo.localgov.example") {
		t.Errorf("source %q, hash changed %v", q.Source, q.Hash() != p.Hash())
	}
	s, _ := q.System("chatbot")
	if got := s.SourceHosts(); !slices.Equal(got, []string{"www.leicestershire.gov.uk", "www.startaconversation.co.uk", "demo.localgov.example"}) {
		t.Errorf("hosts = %v", got)
	}
	if err := q.CheckSource("chatbot", "https://demo.localgov.example/x"); err != nil {
		t.Error(err)
	}
	if err := p.CheckSource("chatbot", "https://demo.localgov.example/x"); err == nil {
		t.Error("the original policy changed")
	}
	got, err := q.Text("chatbot", "from {sources}.")
	if want := "from our website, startaconversation.co.uk or the demo site."; got != want || err != nil {
		t.Errorf("{sources} = %q, %v; want %q", got, err, want)
	}
	// Nothing else changed: the policies are equal but for the chatbot's sources.
	qs, _ := q.System("chatbot")
	qs.Sources = qs.Sources[:2]
	for i := range p.Systems {
		if !sameSystem(p.Systems[i], q.Systems[i]) {
			t.Errorf("system %s changed", p.Systems[i].ID)
		}
	}
	// A system without sources gets a list, and the result is validated like any policy file:
	// the call recording notice never says {sources}, so the sources would go unnamed.
	_, err = p.WithSources("r", "call-recording", Source{Name: "the intranet", URL: "http://intranet"})
	if es := ErrorList(err); len(es) != 1 || es[0].File != "r" || es[0].Field != "systems[1].sources" || !strings.Contains(es[0].Msg, "use {sources}") {
		t.Errorf("adding sources the notice does not name: %v", err)
	}
	if _, err := p.WithSources("x", "nope", Source{Name: "x", URL: "https://x.example"}); err == nil {
		t.Error("no error for an unknown system")
	}
}

func sameSystem(a, b System) bool {
	return a.ID == b.ID && a.Title == b.Title && slices.Equal(a.Why, b.Why) && slices.Equal(a.Information, b.Information) &&
		slices.Equal(a.Sources, b.Sources) && len(a.ServiceAreas) == len(b.ServiceAreas) && len(a.DataKinds) == len(b.DataKinds) &&
		a.Description == b.Description && slices.Equal(a.Security, b.Security)
}

func TestSourcesValidation(t *testing.T) {
	cases := []struct {
		name, old, new, field, msg string
	}{
		{"sources the notice never names", "from {sources} to", "from our website to", "systems[0].sources", "use {sources}"},
		{"source without a host", "url: https://www.startaconversation.co.uk", "url: https://", "systems[0].sources[1].url", "is not a web address"},
		{"ftp source", "url: https://www.startaconversation.co.uk", "url: ftp://files.example", "systems[0].sources[1].url", "is not a web address"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(replaceNth(t, defaultDoc, c.old, c.new, 1)))
			es := ErrorList(err)
			if len(es) != 1 || es[0].Field != c.field || !strings.Contains(es[0].Msg, c.msg) {
				t.Errorf("got %v, want %s: %s", err, c.field, c.msg)
			}
		})
	}
	// An intranet host or localhost is a valid source (only the host is matched).
	doc := replaceNth(t, defaultDoc, "url: https://www.startaconversation.co.uk", "url: http://intranet:8080/", 1)
	if _, err := Parse("p.yaml", []byte(doc)); err != nil {
		t.Errorf("single-label host refused: %v", err)
	}
}

// A policy file over the limit is refused by its size, without reading it into memory.
func TestLoadRefusesLargeFileUnread(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(200 << 20); err != nil { // sparse: 200 MB that take no disk
		t.Fatal(err)
	}
	f.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = Load(path)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "at most 1048576 bytes (1 MiB)") ||
		!strings.Contains(err.Error(), "is 209715200 bytes") {
		t.Errorf("Load = %v, want an error naming the file, its size and the limit", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("Load allocated %d bytes for a file it should refuse unread", alloc)
	}
}

// A policy "file" that is a pipe is read no further than the limit: Load returns although the
// writer never closes it.
func TestLoadStopsAtLimitOnPipe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pipe.yaml")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("no named pipes here:", err)
	}
	// The writer sends 4 MiB and then keeps the pipe open without writing: reading to the
	// end would never finish.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer f.Close()
		chunk := []byte(strings.Repeat("# padding\n", 1024))
		for range 4 << 20 / len(chunk) {
			if _, err := f.Write(chunk); err != nil {
				return // the reader has gone
			}
		}
		<-stop
	}()
	done := make(chan error, 1)
	go func() { _, err := Load(path); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "at most 1048576 bytes") || !strings.Contains(err.Error(), path) {
			t.Errorf("Load = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("Load kept reading past the limit")
	}
}

// FuzzCheckSource: page addresses come from crawled sites and import files. CheckSource never
// panics, and it accepts an address only when net/url's host for it is a declared host or lies
// under one on a label boundary.
//
//	go test -fuzz=FuzzCheckSource -fuzztime=20s ./internal/policy/
func FuzzCheckSource(f *testing.F) {
	for _, s := range []string{
		"https://www.leicestershire.gov.uk/", "http://WWW.leicestershire.gov.uk.:8080/x", "https://evil.example/",
		"https://www.leicestershire.gov.uk.evil.example/", "https://evilwww.leicestershire.gov.uk/",
		"https://user@www.leicestershire.gov.uk@evil.example/", "https://[::1]:80/", "//www.startaconversation.co.uk/",
		"https://www.leicestershire.gov.uk%2F@evil.example/", "", "::",
	} {
		f.Add(s)
	}
	p := Default()
	declared := []string{"www.leicestershire.gov.uk", "www.startaconversation.co.uk"}
	f.Fuzz(func(t *testing.T, raw string) {
		if p.CheckSource("chatbot", raw) != nil {
			return
		}
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil {
			t.Fatalf("accepted %q, which does not parse: %v", raw, err)
		}
		h := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
		for _, d := range declared {
			if h == d || strings.HasSuffix(h, "."+d) {
				return
			}
		}
		t.Fatalf("accepted %q with host %q", raw, h)
	})
}
