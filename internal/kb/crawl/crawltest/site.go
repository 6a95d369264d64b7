// Package crawltest serves a JSON Lines page set (testdata/localgov-demo)
// as a council website for crawler tests: each page at the path of its
// url inside header, navigation, cookie banner and footer boilerplate, with
// robots.txt, a sitemap index pointing at a gzip sitemap, an A to Z page
// linking every page, ETags and Last-Modified for conditional GETs, and
// counters of what was requested.
package crawltest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Page is one line of a pages.jsonl file.
type Page struct {
	URL   string `json:"url"`
	Title string `json:"title"`
	HTML  string `json:"html"`
}

// Path is the page's URL path.
func (p Page) Path() string {
	u, err := url.Parse(p.URL)
	if err != nil {
		return ""
	}
	return u.Path
}

// LoadPages reads a JSON Lines page file.
func LoadPages(tb testing.TB, file string) []Page {
	tb.Helper()
	f, err := os.Open(file)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []Page
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 32<<20)
	for n := 1; sc.Scan(); n++ {
		var p Page
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			tb.Fatalf("%s:%d: %v", file, n, err)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// DemoPages returns the path of testdata/localgov-demo/pages.jsonl, found
// by walking up from the test's working folder to the module root.
func DemoPages(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "localgov-demo", "pages.jsonl")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("crawltest: no go.mod above the working folder")
		}
		dir = parent
	}
}

// LastModified is the Last-Modified of every page.
var LastModified = time.Date(2024, 9, 5, 12, 0, 0, 0, time.UTC)

// Site is a running test website.
type Site struct {
	*httptest.Server

	mu           sync.Mutex
	pages        map[string]Page // by path
	gone         map[string]int  // path -> 404 or 410
	robots       string
	noSitemap    bool
	requests     map[string]int // by path
	notModified  int
	total        int
	agents       map[string]bool
	conditionals int
	starts       []time.Time
}

// NewSite serves pages; robots is the robots.txt body ("" for a 404).
func NewSite(tb testing.TB, pages []Page, robots string) *Site {
	tb.Helper()
	s := &Site{pages: map[string]Page{}, gone: map[string]int{}, robots: robots, requests: map[string]int{}, agents: map[string]bool{}}
	for _, p := range pages {
		s.pages[p.Path()] = p
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

// SetRobots replaces robots.txt ("" for a 404).
func (s *Site) SetRobots(body string) {
	s.mu.Lock()
	s.robots = body
	s.mu.Unlock()
}

// SetSitemap turns the sitemaps off (404) or on.
func (s *Site) SetSitemap(on bool) {
	s.mu.Lock()
	s.noSitemap = !on
	s.mu.Unlock()
}

// Remove makes path answer status (404 or 410) from now on.
func (s *Site) Remove(path string, status int) {
	s.mu.Lock()
	delete(s.pages, path)
	s.gone[path] = status
	s.mu.Unlock()
}

// SetHTML changes a page's <main> content (and so its ETag).
func (s *Site) SetHTML(path, main string) {
	s.mu.Lock()
	p := s.pages[path]
	p.HTML = main
	s.pages[path] = p
	s.mu.Unlock()
}

// Counts reports requests so far: total, 304 answers, conditional
// requests, and requests for path.
func (s *Site) Counts(path string) (total, notModified, conditional, forPath int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total, s.notModified, s.conditionals, s.requests[path]
}

// Requested lists every path requested at least once, sorted.
func (s *Site) Requested() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for p := range s.requests {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// UserAgents lists the User-Agent values seen.
func (s *Site) UserAgents() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for a := range s.agents {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Starts returns the arrival times of all requests.
func (s *Site) Starts() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.starts...)
}

// ResetCounts zeroes the counters.
func (s *Site) ResetCounts() {
	s.mu.Lock()
	s.requests, s.total, s.notModified, s.conditionals, s.starts = map[string]int{}, 0, 0, 0, nil
	s.mu.Unlock()
}

func (s *Site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.total++
	s.requests[r.URL.Path]++
	s.agents[r.UserAgent()] = true
	s.starts = append(s.starts, time.Now())
	if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
		s.conditionals++
	}
	robots, noSitemap := s.robots, s.noSitemap
	page, ok := s.pages[r.URL.Path]
	gone := s.gone[r.URL.Path]
	s.mu.Unlock()

	switch r.URL.Path {
	case "/robots.txt":
		if robots == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, strings.ReplaceAll(robots, "{base}", s.URL))
		return
	case "/sitemap.xml":
		if noSitemap {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>%s/sitemap-pages.xml.gz</loc><lastmod>2024-09-05</lastmod></sitemap>
</sitemapindex>`, s.URL)
		return
	case "/sitemap-pages.xml.gz":
		if noSitemap {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/gzip")
		zw := gzip.NewWriter(w)
		fmt.Fprintln(zw, `<?xml version="1.0" encoding="UTF-8"?>`)
		fmt.Fprintln(zw, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for _, p := range s.paths() {
			fmt.Fprintf(zw, "<url><loc>%s%s</loc><lastmod>2024-09-05</lastmod></url>\n", s.URL, html.EscapeString(p))
		}
		fmt.Fprintln(zw, `</urlset>`)
		zw.Close()
		return
	case "/", "/a-z":
		// Not pages of the knowledge base: noindex, but their links count.
		var b strings.Builder
		b.WriteString(`<main><h1>A to Z</h1><ul>`)
		for _, p := range s.paths() {
			fmt.Fprintf(&b, `<li><a href="%s">%s</a></li>`, html.EscapeString(p), html.EscapeString(p))
		}
		b.WriteString(`</ul></main>`)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, wrap("A to Z", b.String(), `<meta name="robots" content="noindex, follow">`))
		return
	}
	if gone != 0 {
		http.Error(w, http.StatusText(gone), gone)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	body := wrap(page.Title, page.HTML, "")
	sum := sha256.Sum256([]byte(body))
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", LastModified.Format(http.TimeFormat))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if r.Header.Get("If-None-Match") == etag {
		s.mu.Lock()
		s.notModified++
		s.mu.Unlock()
		w.WriteHeader(http.StatusNotModified)
		return
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader([]byte(body)))
}

func (s *Site) paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.pages))
	for p := range s.pages {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// wrap puts a page's <main> inside typical council-site boilerplate, with
// links the crawler must not follow (mail, phone, fragments, files,
// another site) and links to pages that do not exist.
func wrap(title, main, head string) string {
	return `<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>` + html.EscapeString(title) + ` | Scarfolk County Council</title>
` + head + `
<link rel="stylesheet" href="/themes/custom/scarfolk/css/site.css">
<script src="/themes/custom/scarfolk/js/site.js"></script>
</head>
<body>
<a href="#main-content" class="skip-link">Skip to main content</a>
<div class="cookie-banner" role="region" aria-label="Cookies">We use cookies to make this site work.
  <a href="/cookies">Cookie settings</a></div>
<header class="site-header">
  <a href="/" class="logo"><img src="/themes/custom/scarfolk/logo.svg" alt="Scarfolk County Council"></a>
  <nav aria-label="Main"><ul>
    <li><a href="/adult-health-and-social-care">Adult health and social care</a></li>
    <li><a href="/births-deaths-marriages-and-citizenship">Births, deaths, marriages</a></li>
    <li><a href="/libraries-leisure-and-culture">Libraries, leisure and culture</a></li>
    <li><a href="/search?q=council+tax">Search</a></li>
  </ul></nav>
</header>
` + main + `
<aside class="related"><h2>Related links</h2><ul>
  <li><a href="https://www.gov.uk/">GOV.UK</a></li>
  <li><a href="/documents/annual-report.pdf">Annual report (PDF)</a></li>
</ul></aside>
<footer class="site-footer"><ul>
  <li><a href="/a-z">A to Z</a></li>
  <li><a href="/privacy">Privacy</a></li>
  <li><a href="mailto:contact@scarfolk.example">Email us</a></li>
  <li><a href="tel:+441632960000">01632 960000</a></li>
  <li><a href="javascript:window.print()">Print</a></li>
</ul></footer>
</body>
</html>`
}
