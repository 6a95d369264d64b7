// Package crawl fetches a council website politely: it reads robots.txt
// and the sitemaps, follows same-site links, keeps to a request rate (and
// the site's Crawl-delay), re-checks known pages with conditional GETs and
// hands every outcome to the caller. It stores nothing itself.
package crawl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
)

// Token is the product token robots.txt groups name to address Fairline.
const Token = "FairlineBot"

// Defaults.
const (
	DefaultUserAgent    = "FairlineBot/1.0 (+https://github.com/fairline/fairline)"
	DefaultRate         = 12.0 // requests per second, at most 2 in flight: a 100-page site in under 10 s; a site's Crawl-delay slows it
	DefaultConcurrency  = 2
	DefaultMaxPages     = 10000
	DefaultMaxBodyBytes = 5 << 20
	DefaultTimeout      = 30 * time.Second
	maxSitemapFiles     = 100
	maxSitemapDepth     = 3
)

// Options tune a crawl. The zero value is a polite default crawl.
type Options struct {
	UserAgent    string  // sent with every request; robots.txt groups for Token apply
	Rate         float64 // requests per second; 0: DefaultRate; negative: no limit (tests)
	Concurrency  int     // requests in flight; 0: DefaultConcurrency (1 when the site sets a Crawl-delay)
	MaxPages     int     // pages fetched at most (robots.txt and sitemaps not counted); 0: DefaultMaxPages
	MaxBodyBytes int64   // larger pages are an error; 0: DefaultMaxBodyBytes
	Timeout      time.Duration
	Exclude      []string // path prefixes never fetched (whole segments: "/news" covers /news/...)
	FollowQuery  bool     // follow links with a ?query (off: calendars and searches are crawler traps)
	// Known are pages stored by an earlier crawl, by normalised URL. Those on
	// the site are fetched again, with If-None-Match / If-Modified-Since from
	// their validators, even when nothing links to them any more: that is
	// how removed pages are noticed.
	Known map[string]Validators
	// Stored returns the stored HTML of a known page, so the links of a
	// page that answers 304 are still followed. Optional; called from
	// several goroutines.
	Stored   func(ctx context.Context, url string) (string, error)
	Progress func(Progress) // called after each page, from one goroutine
	// AllowPrivate lets the crawler connect to loopback, private, link-local and other
	// non-public addresses (see CheckAddr): for intranet sites and tests only.
	AllowPrivate bool

	// exempt treats an address as public (tests of the address check only).
	exempt func(netip.AddrPort) bool
}

// Validators are a stored page's cache validators.
type Validators struct{ ETag, LastModified string }

// Kind classifies the outcome of fetching one page.
type Kind int

const (
	// Fetched: 200 with an HTML body.
	Fetched Kind = iota
	// NotModified: 304 to a conditional GET; the stored page is current.
	NotModified
	// Gone: 404 or 410; a stored page must be removed.
	Gone
	// Dropped: the URL is no longer an HTML page to keep (it redirects, is
	// not HTML, or says noindex); a stored page should be removed.
	Dropped
	// Failed: any other error (5xx, 403, timeout, too large); a stored page
	// keeps its content and records the error.
	Failed
)

func (k Kind) String() string {
	return [...]string{"fetched", "not modified", "gone", "dropped", "failed"}[k]
}

// Result is the outcome of fetching one page.
type Result struct {
	URL          string // normalised
	Kind         Kind
	Status       int // HTTP status, 0 when there was no response
	Title        string
	HTML         string // valid UTF-8
	ETag         string
	LastModified string
	Err          error // why, for Gone, Dropped and Failed

	links []string
	base  *url.URL
}

// Progress is reported after each page.
type Progress struct {
	Done    int    // pages fetched (or failed) so far
	Pending int    // pages queued or in flight
	URL     string // the page just done
}

// Stats describe a finished crawl.
type Stats struct {
	Requests   int           // HTTP requests, robots.txt and sitemaps included
	Pages      int           // page fetches
	Skipped    int           // distinct same-site URLs not fetched: robots.txt, excluded paths, assets
	Truncated  bool          // MaxPages was reached with pages left to fetch
	CrawlDelay time.Duration // the site's Crawl-delay for us, 0 if none
	Notes      []string      // problems with robots.txt or sitemaps that did not stop the crawl
}

type crawler struct {
	o      Options
	origin *url.URL
	robots *Robots
	// transport checks every connection's address (guard).
	transport *http.Transport
	follow    *http.Client
	noFollow  *http.Client
	lim       *limiter

	mu    sync.Mutex
	stats Stats
}

// Run crawls the site of start (its scheme and host), calling handle for
// every page outcome, one at a time from a single goroutine. A handle error
// stops the crawl and is returned. robots.txt that cannot be read because
// the server fails stops the crawl before any page is fetched.
func Run(ctx context.Context, start string, o Options, handle func(context.Context, Result) error) (Stats, error) {
	startURL, err := Normalise(start)
	if err != nil {
		return Stats{}, err
	}
	origin, _ := url.Parse(startURL)
	c := &crawler{o: o, origin: origin}
	c.defaults()
	defer c.transport.CloseIdleConnections()
	c.o.Exclude = nil
	for _, e := range o.Exclude {
		p, err := NormalisePrefix(e)
		if err != nil {
			return Stats{}, fmt.Errorf("excluded path: %w", err)
		}
		c.o.Exclude = append(c.o.Exclude, p)
	}
	// robots.txt and sitemaps may redirect on the same host (to https),
	// up to 5 times as RFC 9309 allows; pages never (a redirect is a link).
	// Every connection, redirected or not, passes the address check.
	c.follow = &http.Client{Timeout: c.o.Timeout, Transport: c.transport, CheckRedirect: sameHostRedirect(origin.Hostname())}
	c.noFollow = &http.Client{Timeout: c.o.Timeout, Transport: c.transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	interval := time.Duration(0)
	if c.o.Rate > 0 {
		interval = time.Duration(float64(time.Second) / c.o.Rate)
	}
	c.lim.setInterval(interval)
	if err := c.loadRobots(ctx); err != nil {
		return c.snapshot(), err
	}
	if d := c.robots.CrawlDelay(); d > 0 {
		c.stats.CrawlDelay = d
		c.o.Concurrency = 1
		if d > interval {
			interval = d
		}
	}
	c.lim.setInterval(interval)

	seeds := []string{startURL}
	seeds = append(seeds, c.sitemapURLs(ctx)...)
	var known []string
	for u := range c.o.Known {
		known = append(known, u)
	}
	sort.Strings(known)
	seeds = append(seeds, known...)
	if err := ctx.Err(); err != nil {
		return c.snapshot(), err
	}
	return c.crawl(ctx, seeds, handle)
}

func (c *crawler) defaults() {
	if c.o.UserAgent == "" {
		c.o.UserAgent = DefaultUserAgent
	}
	if c.o.Rate == 0 {
		c.o.Rate = DefaultRate
	}
	if c.o.Concurrency <= 0 {
		c.o.Concurrency = DefaultConcurrency
	}
	if c.o.MaxPages <= 0 {
		c.o.MaxPages = DefaultMaxPages
	}
	if c.o.MaxBodyBytes <= 0 {
		c.o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.o.Timeout <= 0 {
		c.o.Timeout = DefaultTimeout
	}
	c.transport = (&guard{allowPrivate: c.o.AllowPrivate, exempt: c.o.exempt}).transport()
	c.lim = &limiter{}
	c.robots = AllowAll()
}

func (c *crawler) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Notes = append([]string(nil), c.stats.Notes...)
	return s
}

func (c *crawler) note(format string, args ...any) {
	c.mu.Lock()
	c.stats.Notes = append(c.stats.Notes, fmt.Sprintf(format, args...))
	c.mu.Unlock()
}

// get makes one rate-limited request.
func (c *crawler) get(ctx context.Context, client *http.Client, u string, h http.Header) (*http.Response, error) {
	if err := c.lim.wait(ctx); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", c.o.UserAgent)
	c.mu.Lock()
	c.stats.Requests++
	c.mu.Unlock()
	resp, err := client.Do(req)
	if err != nil {
		cancel()
		c.lim.done()
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel, done: c.lim.done}
	return resp, nil
}

// cancelBody ends the request's context and tells the limiter the request
// is over when the body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
	done   func()
	once   sync.Once
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(func() {
		b.cancel()
		b.done()
	})
	return err
}

func (c *crawler) loadRobots(ctx context.Context) error {
	u := Origin(c.origin) + "/robots.txt"
	resp, err := c.get(ctx, c.follow, u, nil)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var blocked *BlockedAddressError
		if errors.As(err, &blocked) {
			return fmt.Errorf("not crawling %s: %w", Origin(c.origin), blocked)
		}
		return fmt.Errorf("cannot read %s (%v): not crawling, as robots.txt rules are unknown", u, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
		data, err := io.ReadAll(io.LimitReader(resp.Body, MaxRobotsBytes))
		if err != nil {
			return fmt.Errorf("cannot read %s (%v): not crawling, as robots.txt rules are unknown", u, err)
		}
		c.robots = ParseRobots(data, Token)
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		c.robots = AllowAll() // RFC 9309: no robots.txt means no restrictions
	default:
		return fmt.Errorf("%s answered %s: not crawling, as robots.txt rules are unknown (RFC 9309)", u, resp.Status)
	}
	return nil
}

// sitemapURLs reads the sitemaps robots.txt names, else /sitemap.xml, and
// sitemap indexes below them, and returns the same-site page URLs.
func (c *crawler) sitemapURLs(ctx context.Context) []string {
	var todo []string
	explicit := false
	for _, s := range c.robots.Sitemaps() {
		if u, ok := c.sameSite(s, nil); ok {
			todo = append(todo, u)
			explicit = true
		}
	}
	if len(todo) == 0 {
		todo = []string{Origin(c.origin) + "/sitemap.xml"}
	}
	seen := map[string]bool{}
	var pages []string
	depth := map[string]int{}
	for files := 0; len(todo) > 0 && files < maxSitemapFiles; files++ {
		u := todo[0]
		todo = todo[1:]
		if seen[u] {
			continue
		}
		seen[u] = true
		sm, err := c.fetchSitemap(ctx, u)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			if errors.Is(err, errNoSitemap) && !explicit {
				continue // a site without /sitemap.xml is normal
			}
			c.note("sitemap %s: %v", u, err)
			continue
		}
		for _, e := range sm.URLs {
			link, ok := c.sameSite(e.Loc, nil)
			if !ok {
				continue
			}
			if sm.Index {
				if depth[u] < maxSitemapDepth {
					depth[link] = depth[u] + 1
					todo = append(todo, link)
				}
				continue
			}
			pages = append(pages, link)
		}
	}
	return pages
}

var errNoSitemap = errors.New("no sitemap")

func (c *crawler) fetchSitemap(ctx context.Context, u string) (Sitemap, error) {
	resp, err := c.get(ctx, c.follow, u, nil)
	if err != nil {
		return Sitemap{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
		return Sitemap{}, errNoSitemap
	}
	if resp.StatusCode != http.StatusOK {
		return Sitemap{}, fmt.Errorf("server answered %s", resp.Status)
	}
	return ParseSitemap(resp.Body)
}

// sameSite resolves raw against base (nil: absolute only) and returns the
// normalised URL when it is on the crawled site.
func (c *crawler) sameSite(raw string, base *url.URL) (string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" || strings.HasPrefix(raw, "#") {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	n, err := normaliseURL(u)
	if err != nil {
		return "", false // mailto:, tel:, javascript:, data: ...
	}
	nu, _ := url.Parse(n)
	if nu.Scheme != c.origin.Scheme || nu.Host != c.origin.Host {
		return "", false
	}
	return n, true
}

// allowed says whether a same-site URL may be fetched as a page.
func (c *crawler) allowed(u string) bool {
	pu, err := url.Parse(u)
	if err != nil {
		return false
	}
	if IsAsset(pu.Path) {
		return false
	}
	if pu.RawQuery != "" && !c.o.FollowQuery {
		if _, known := c.o.Known[u]; !known {
			return false
		}
	}
	for _, p := range c.o.Exclude {
		if UnderPrefix(pu.Path, p) {
			return false
		}
	}
	target := pu.EscapedPath()
	if pu.RawQuery != "" {
		target += "?" + pu.RawQuery
	}
	return c.robots.Allowed(target)
}

func (c *crawler) crawl(ctx context.Context, seeds []string, handle func(context.Context, Result) error) (Stats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	seen := map[string]bool{}
	var queue []string
	add := func(u string) {
		if seen[u] {
			return
		}
		seen[u] = true
		if !c.allowed(u) {
			c.mu.Lock()
			c.stats.Skipped++
			c.mu.Unlock()
			return
		}
		queue = append(queue, u)
	}
	// Known pages robots.txt now disallows are dropped without a request:
	// the site no longer wants them crawled.
	var known []string
	for u := range c.o.Known {
		known = append(known, u)
	}
	sort.Strings(known)
	for _, u := range known {
		pu, err := url.Parse(u)
		if err != nil || Origin(pu) != Origin(c.origin) {
			continue
		}
		target := pu.EscapedPath()
		if pu.RawQuery != "" {
			target += "?" + pu.RawQuery
		}
		if !c.robots.Allowed(target) {
			seen[u] = true
			if err := handle(ctx, Result{URL: u, Kind: Dropped, Err: errors.New("robots.txt now disallows it")}); err != nil {
				return c.finish(nil, err)
			}
		}
	}
	for _, s := range seeds {
		if n, ok := c.sameSite(s, nil); ok {
			add(n)
		}
	}

	jobs := make(chan string)
	results := make(chan Result)
	var wg sync.WaitGroup
	for i := 0; i < c.o.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range jobs {
				r := c.fetchPage(ctx, u)
				select {
				case results <- r:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	defer func() {
		close(jobs)
		cancel()
		wg.Wait()
	}()

	inflight, done := 0, 0
	var failure error
	for (len(queue) > 0 && c.stats.Pages < c.o.MaxPages && failure == nil) || inflight > 0 {
		var send chan string
		var next string
		if len(queue) > 0 && c.stats.Pages < c.o.MaxPages && failure == nil {
			send, next = jobs, queue[0]
		}
		select {
		case send <- next:
			queue = queue[1:]
			inflight++
			c.mu.Lock()
			c.stats.Pages++
			c.mu.Unlock()
		case r := <-results:
			inflight--
			done++
			if failure != nil {
				continue
			}
			if ctx.Err() != nil {
				failure = ctx.Err()
				continue
			}
			if err := handle(ctx, r); err != nil {
				failure = err
				cancel()
				continue
			}
			for _, l := range r.links {
				if n, ok := c.sameSite(l, r.base); ok {
					add(n)
				}
			}
			if c.o.Progress != nil {
				c.o.Progress(Progress{Done: done, Pending: len(queue) + inflight, URL: r.URL})
			}
		case <-ctx.Done():
			if failure == nil {
				failure = ctx.Err()
			}
			// Workers see the cancelled context and stop.
			return c.finish(queue, failure)
		}
	}
	return c.finish(queue, failure)
}

func (c *crawler) finish(queue []string, err error) (Stats, error) {
	s := c.snapshot()
	s.Truncated = len(queue) > 0 && err == nil
	return s, err
}

// fetchPage fetches one page with a conditional GET when it is known.
func (c *crawler) fetchPage(ctx context.Context, u string) Result {
	r := Result{URL: u}
	h := http.Header{}
	h.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1")
	if v, ok := c.o.Known[u]; ok {
		if v.ETag != "" {
			h.Set("If-None-Match", v.ETag)
		}
		if v.LastModified != "" {
			h.Set("If-Modified-Since", v.LastModified)
		}
	}
	resp, err := c.get(ctx, c.noFollow, u, h)
	if err != nil {
		r.Kind, r.Err = Failed, fmt.Errorf("fetch failed: %w", err)
		return r
	}
	defer resp.Body.Close()
	r.Status = resp.StatusCode
	switch {
	case resp.StatusCode == http.StatusNotModified:
		r.Kind = NotModified
		if c.o.Stored != nil {
			if stored, err := c.o.Stored(ctx, u); err == nil {
				if info := scanHTML([]byte(stored), Token); !info.NoFollow {
					r.links, r.base = info.Links, mustParse(u)
					if info.Base != "" {
						if b, err := url.Parse(info.Base); err == nil {
							r.base = r.base.ResolveReference(b)
						}
					}
				}
			}
		}
		return r
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		r.Kind, r.Err = Gone, fmt.Errorf("server answered %s", resp.Status)
		return r
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		loc := resp.Header.Get("Location")
		r.Kind, r.Err = Dropped, fmt.Errorf("redirects (%d) to %s", resp.StatusCode, loc)
		if loc != "" {
			r.links, r.base = []string{loc}, mustParse(u)
		}
		return r
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		c.lim.slowDown()
		r.Kind, r.Err = Failed, fmt.Errorf("server answered %s (slowing down)", resp.Status)
		return r
	case resp.StatusCode != http.StatusOK:
		r.Kind, r.Err = Failed, fmt.Errorf("server answered %s", resp.Status)
		return r
	}
	ct := resp.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if ct != "" && mt != "text/html" && mt != "application/xhtml+xml" {
		r.Kind, r.Err = Dropped, fmt.Errorf("content type %s is not HTML", mt)
		return r
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.o.MaxBodyBytes+1))
	if err != nil {
		r.Kind, r.Err = Failed, fmt.Errorf("reading the page failed: %w", err)
		return r
	}
	if int64(len(body)) > c.o.MaxBodyBytes {
		r.Kind, r.Err = Failed, fmt.Errorf("page is larger than %d bytes", c.o.MaxBodyBytes)
		return r
	}
	text := toUTF8(body, ct)
	info := scanHTML([]byte(text), Token)
	r.ETag, r.LastModified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if !info.NoFollow {
		r.links = info.Links
		r.base = mustParse(u)
		if info.Base != "" {
			if b, err := url.Parse(info.Base); err == nil {
				r.base = r.base.ResolveReference(b)
			}
		}
	}
	if info.NoIndex || strings.Contains(strings.ToLower(resp.Header.Get("X-Robots-Tag")), "noindex") {
		r.Kind, r.Err = Dropped, errors.New("the page asks not to be indexed (noindex)")
		return r
	}
	r.Kind, r.Title, r.HTML = Fetched, info.Title, text
	return r
}

func mustParse(u string) *url.URL {
	p, err := url.Parse(u)
	if err != nil {
		return &url.URL{}
	}
	return p
}

// toUTF8 decodes a page to valid UTF-8 without NUL bytes (PostgreSQL text
// accepts neither invalid UTF-8 nor NUL), using the charset from the
// Content-Type header or the page's <meta>.
func toUTF8(body []byte, contentType string) string {
	if enc, name, _ := charset.DetermineEncoding(body, contentType); name != "utf-8" && enc != nil {
		if b, err := enc.NewDecoder().Bytes(body); err == nil {
			body = b
		}
	}
	s := string(body)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if bytes.IndexByte(body, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return s
}

// limiter spaces request starts at least interval apart across workers,
// and at least interval after the end of a request that ended later than
// the last start: a slow server (or a Crawl-delay with one request at a
// time) gets the full gap between one response and the next request.
type limiter struct {
	mu       sync.Mutex
	last     time.Time // the latest slot handed out
	interval time.Duration
}

func (l *limiter) setInterval(d time.Duration) {
	l.mu.Lock()
	l.interval = d
	l.mu.Unlock()
}

// slowDown doubles the interval (at least 1 s, at most MaxCrawlDelay) after
// the server says it is overloaded.
func (l *limiter) slowDown() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.interval *= 2
	if l.interval < time.Second {
		l.interval = time.Second
	}
	if l.interval > MaxCrawlDelay {
		l.interval = MaxCrawlDelay
	}
}

// done records the end of a request.
func (l *limiter) done() {
	l.mu.Lock()
	if now := time.Now(); now.After(l.last) {
		l.last = now
	}
	l.mu.Unlock()
}

func (l *limiter) wait(ctx context.Context) error {
	l.mu.Lock()
	at := time.Now()
	if !l.last.IsZero() {
		if next := l.last.Add(l.interval); next.After(at) {
			at = next
		}
	}
	l.last = at
	l.mu.Unlock()
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
