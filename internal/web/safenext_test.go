package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// browserResolve resolves a Location header the way a browser does
// (WHATWG URL): leading and trailing C0 controls and spaces are trimmed,
// tabs and newlines anywhere are dropped, and a backslash is a slash.
func browserResolve(base *url.URL, loc string) (*url.URL, error) {
	loc = strings.TrimFunc(loc, func(r rune) bool { return r <= ' ' })
	loc = strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r':
			return -1
		case '\\':
			return '/'
		}
		return r
	}, loc)
	return base.Parse(loc)
}

// FuzzSafeNext: whatever next is, the redirect that signing in sends stays
// on this origin when a browser follows it, and next is either kept as it
// is or replaced by the console home.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/console/users", "/\t/evil.example/phish", "/\\evil.example", "//evil.example", "/%2F%2Fevil.example",
		"https://evil.example", "/\v/evil.example", "/console?next=//evil", "/..//evil.example", "/%2e%2e//evil.example", "\\/evil.example",
		"/\x00/evil.example", "/\u0085/evil.example", "/\xff/evil.example"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://fairline.example/sign-in")
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got != next && got != "/console" {
			t.Fatalf("safeNext(%q) = %q: neither kept nor the console", next, got)
		}
		w := httptest.NewRecorder()
		http.Redirect(w, httptest.NewRequest("POST", "/sign-in", nil), got, http.StatusSeeOther)
		loc := w.Header().Get("Location")
		u, err := browserResolve(base, loc)
		if err != nil {
			t.Fatalf("safeNext(%q) = %q: Location %q does not parse: %v", next, got, loc, err)
		}
		if u.Scheme != "https" || u.Host != "fairline.example" {
			t.Fatalf("safeNext(%q) = %q: Location %q leads to %s://%s", next, got, loc, u.Scheme, u.Host)
		}
	})
}
