package kb_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/kb"
	"github.com/fairline/fairline/internal/kb/crawl"
	"github.com/fairline/fairline/internal/kb/crawl/crawltest"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
	"github.com/fairline/fairline/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// sources is a policy declaring the sites these tests crawl and import:
// the demo site's host, c.example and the local test servers (ports are
// ignored, so http://127.0.0.1 covers every httptest server).
func sources(t testing.TB, urls ...string) func() *policy.Policy {
	t.Helper()
	if len(urls) == 0 {
		urls = []string{"https://demo.localgov.example", "https://c.example", "http://127.0.0.1"}
	}
	var srcs []policy.Source
	for _, u := range urls {
		srcs = append(srcs, policy.Source{Name: u, URL: u})
	}
	p, err := policy.Default().WithSources("test policy", kb.System, srcs...)
	if err != nil {
		t.Fatal(err)
	}
	return func() *policy.Policy { return p }
}

// recorder is a Hooks target that remembers what it was told.
type recorder struct {
	mu      sync.Mutex
	changed []string
	removed []string
}

func (r *recorder) hooks() kb.Hooks {
	return kb.Hooks{
		OnPageChanged: func(_ context.Context, p store.KBPage) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			if p.HTML == "" {
				return errors.New("changed page without HTML")
			}
			r.changed = append(r.changed, crawl.PathOf(p.URL))
			return nil
		},
		OnPageRemoved: func(_ context.Context, url string) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.removed = append(r.removed, crawl.PathOf(url))
			return nil
		},
	}
}

func (r *recorder) reset() (changed, removed []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	changed, removed = r.changed, r.removed
	r.changed, r.removed = nil, nil
	sort.Strings(changed)
	return changed, removed
}

func storedPaths(t *testing.T, db *store.DB) map[string]store.KBPage {
	t.Helper()
	ps, err := db.Q().KBPages(context.Background(), store.KBPageFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.KBPage{}
	for _, p := range ps {
		out[p.Path] = p
	}
	return out
}

// TestCrawlDemoSite is the acceptance test for ingestion: the
// LocalGov demo site served locally is crawled into the store (all 102
// pages), a re-crawl uses conditional GETs, a removed page is removed and
// robots.txt is honoured.
func TestCrawlDemoSite(t *testing.T) {
	pages := crawltest.LoadPages(t, crawltest.DemoPages(t))
	titles := map[string]string{}
	for _, p := range pages {
		titles[p.Path()] = p.Title
	}
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := crawltest.NewSite(t, pages, "User-agent: *\nDisallow: /search\n")
		rec := &recorder{}
		svc := kb.New(db, kb.Options{Hooks: rec.hooks(), Policy: sources(t)})
		fast := crawl.Options{Rate: 200, Concurrency: 4, AllowPrivate: true}

		sum, err := svc.Crawl(ctx, site.URL, fast)
		if err != nil {
			t.Fatal(err)
		}
		stored := storedPaths(t, db)
		if sum.New != 102 || len(stored) != 102 || sum.Errors != 0 || sum.Removed != 0 {
			t.Fatalf("first crawl: %s; %d pages stored, want 102", sum, len(stored))
		}
		for path, title := range titles {
			p, ok := stored[path]
			if !ok || p.Title != title || p.ETag == "" || p.Status != 200 || p.CrawledAt.IsZero() || p.Excluded {
				t.Errorf("%s: stored %+v, want title %q", path, p, title)
			}
		}
		full, err := db.Q().KBPageByURL(ctx, site.URL+pages[0].Path())
		if err != nil || !strings.Contains(full.HTML, pages[0].HTML) || !strings.Contains(full.HTML, "cookie-banner") {
			t.Errorf("stored HTML is not the page as served: %v", err)
		}
		if changed, _ := rec.reset(); len(changed) != 102 {
			t.Errorf("OnPageChanged called for %d pages, want 102", len(changed))
		}
		srcs, err := db.Q().KBSources(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(srcs) != 1 || srcs[0].BaseURL != site.URL || !strings.Contains(srcs[0].LastSummary, "102 new") {
			t.Errorf("sources = %+v", srcs)
		}

		// Re-crawl: conditional GETs, nothing changes.
		site.ResetCounts()
		sum, err = svc.Crawl(ctx, site.URL, fast)
		if err != nil {
			t.Fatal(err)
		}
		_, notModified, _, _ := site.Counts("")
		if notModified != 102 || sum.Unchanged != 102 || sum.New+sum.Updated+sum.Removed != 0 {
			t.Errorf("re-crawl: %s; server answered 304 %d times, want 102", sum, notModified)
		}
		if changed, removed := rec.reset(); len(changed)+len(removed) != 0 {
			t.Errorf("hooks on an unchanged re-crawl: %v %v", changed, removed)
		}

		// A page removed from the site (410), one answering 404, one changed,
		// and a section now disallowed by robots.txt.
		gone, missing, edited := pages[3].Path(), pages[4].Path(), pages[9].Path()
		site.Remove(gone, http.StatusGone)
		site.Remove(missing, http.StatusNotFound)
		site.SetHTML(edited, "<main><h1>"+titles[edited]+"</h1><p>Opening hours have changed.</p></main>")
		const blocked = "/births-deaths-marriages-and-citizenship"
		site.SetRobots("User-agent: FairlineBot\nDisallow: " + blocked + "\n")
		site.ResetCounts()
		sum, err = svc.Crawl(ctx, site.URL, fast)
		if err != nil {
			t.Fatal(err)
		}
		stored = storedPaths(t, db)
		if _, ok := stored[gone]; ok {
			t.Errorf("page answering 410 is still stored")
		}
		if _, ok := stored[missing]; ok {
			t.Errorf("page answering 404 is still stored")
		}
		// Pages robots.txt now disallows are dropped too.
		nBlocked := 0
		for path := range titles {
			if crawl.UnderPrefix(path, blocked) {
				nBlocked++
				if _, ok := stored[path]; ok {
					t.Errorf("%s is stored, but robots.txt now disallows it", path)
				}
			}
		}
		if nBlocked == 0 || sum.Removed != 2+nBlocked || sum.Updated != 1 || len(stored) != 100-nBlocked {
			t.Errorf("third crawl: %s; %d stored, want %d", sum, len(stored), 100-nBlocked)
		}
		if p, _ := db.Q().KBPageByURL(ctx, site.URL+edited); !strings.Contains(p.HTML, "Opening hours have changed") {
			t.Errorf("edited page not updated")
		}
		changed, removed := rec.reset()
		removedSet := map[string]bool{}
		for _, r := range removed {
			removedSet[r] = true
		}
		if len(changed) != 1 || changed[0] != edited || len(removed) != 2+nBlocked || !removedSet[gone] || !removedSet[missing] {
			t.Errorf("hooks: changed %v removed %v", changed, removed)
		}
		for _, p := range site.Requested() {
			if crawl.UnderPrefix(p, blocked) {
				t.Errorf("requested %s, disallowed by robots.txt", p)
			}
		}
	})
}

func TestCrawlRecordsErrorsAndExcludedPaths(t *testing.T) {
	pages := crawltest.LoadPages(t, crawltest.DemoPages(t))[:20]
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := crawltest.NewSite(t, pages, "")
		svc := kb.New(db, kb.Options{Policy: sources(t)})
		excluded := "/adult-health-and-social-care/money-employment-and-training-directory"
		if _, err := db.Q().AddKBExcludedPath(ctx, excluded, "user:1", time.Now()); err != nil {
			t.Fatal(err)
		}
		sum, err := svc.Crawl(ctx, site.URL, crawl.Options{Rate: -1, MaxPages: 12, AllowPrivate: true})
		if err != nil {
			t.Fatal(err)
		}
		if !sum.Truncated || sum.Fetched != 12 {
			t.Errorf("max pages: %s", sum)
		}
		for _, p := range site.Requested() {
			if crawl.UnderPrefix(p, excluded) {
				t.Errorf("requested excluded %s", p)
			}
		}
		sum, err = svc.Crawl(ctx, site.URL, crawl.Options{Rate: -1, Exclude: []string{"/births-deaths-marriages-and-citizenship"}, AllowPrivate: true})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, p := range pages {
			if !crawl.UnderPrefix(p.Path(), excluded) && !crawl.UnderPrefix(p.Path(), "/births-deaths-marriages-and-citizenship") {
				n++
			}
		}
		if c, _ := db.Q().CountKBPages(ctx); c.Pages != n {
			t.Errorf("%d pages stored, want %d (%s)", c.Pages, n, sum)
		}
	})
}

func TestImport(t *testing.T) {
	data, err := os.ReadFile(crawltest.DemoPages(t))
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rec := &recorder{}
		svc := kb.New(db, kb.Options{Hooks: rec.hooks(), Policy: sources(t)})
		sum, err := svc.Import(ctx, strings.NewReader(string(data)))
		if err != nil {
			t.Fatal(err)
		}
		if sum != (kb.ImportSummary{Pages: 102, New: 102}) {
			t.Errorf("first import: %+v", sum)
		}
		p, err := db.Q().KBPageByURL(ctx, "https://demo.localgov.example/adult-health-and-social-care/travel-passes-and-support/blue-badges")
		if err != nil || p.Title == "" || !strings.HasPrefix(p.HTML, "<main>") || p.Path != "/adult-health-and-social-care/travel-passes-and-support/blue-badges" {
			t.Errorf("imported page %+v, %v", p, err)
		}
		if changed, _ := rec.reset(); len(changed) != 102 {
			t.Errorf("%d change hooks", len(changed))
		}
		// Idempotent: the same file again changes nothing.
		sum, err = svc.Import(ctx, strings.NewReader(string(data)))
		if err != nil || sum != (kb.ImportSummary{Pages: 102, Unchanged: 102}) {
			t.Errorf("second import: %+v, %v", sum, err)
		}
		if changed, _ := rec.reset(); len(changed) != 0 {
			t.Errorf("re-import called hooks for %v", changed)
		}
		// A changed title updates; a missing title comes from the <h1>.
		lines := `{"url":"https://demo.localgov.example/adult-health-and-social-care","title":"Adult social care","html":"<main><h1>Adult social care</h1></main>","extra":1}

{"url":"https://demo.localgov.example/new-page","html":"<main><h1>New  page</h1></main>"}
`
		sum, err = svc.Import(ctx, strings.NewReader(lines))
		if err != nil || sum != (kb.ImportSummary{Pages: 2, New: 1, Updated: 1}) {
			t.Errorf("third import: %+v, %v", sum, err)
		}
		if p, _ := db.Q().KBPageByURL(ctx, "https://demo.localgov.example/new-page"); p.Title != "New page" {
			t.Errorf("title from h1 = %q", p.Title)
		}
	})
}

func TestImportBadLines(t *testing.T) {
	good := `{"url":"https://c.example/a","title":"A","html":"<p>a</p>"}`
	tests := []struct{ name, in, want string }{
		{"not json", good + "\n{oops\n", "line 2: not a JSON object"},
		{"no url", good + "\n" + strings.Replace(good, "/a", "/b", 1) + "\n" + `{"title":"x","html":"<p>x</p>"}`, `line 3: "url" is missing`},
		{"no html", `{"url":"https://c.example/b","title":"B"}`, `line 1: "html" is missing or empty`},
		{"relative url", `{"url":"/b","html":"<p>b</p>"}`, `line 1: "url": URL "/b" is not an absolute`},
		{"duplicate", good + "\n\n" + strings.Replace(good, "/a", "/a#top", 1), "line 3: url https://c.example/a is already on line 1"},
		{"array", `["https://c.example/a"]`, "line 1: not a JSON object"},
	}
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		svc := kb.New(db, kb.Options{Policy: sources(t)})
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := svc.Import(context.Background(), strings.NewReader(tt.in))
				var le *kb.LineError
				if !errors.As(err, &le) || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("err = %v, want a line error with %q", err, tt.want)
				}
				if c, _ := db.Q().CountKBPages(context.Background()); c.Pages != 0 {
					t.Errorf("a failed import stored %d pages", c.Pages)
				}
			})
		}
	})
}

// BenchmarkCrawlDemoSite crawls the 102-page LocalGov demo site from a
// local server into SQLite: at the default polite rate, at 20 requests a
// second, and unlimited (what the crawler itself costs). Figures are in
// docs/benchmarks.md.
func BenchmarkCrawlDemoSite(b *testing.B) {
	pages := crawltest.LoadPages(b, crawltest.DemoPages(b))
	for _, bb := range []struct {
		name string
		rate float64
	}{{"rate=default", 0}, {"rate=12", 12}, {"rate=20", 20}, {"rate=unlimited", -1}} {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db := dbtest.Open(b, store.SQLite)
				site := crawltest.NewSite(b, pages, "User-agent: *\nDisallow: /search\n")
				svc := kb.New(db, kb.Options{Policy: sources(b)})
				b.StartTimer()
				sum, err := svc.Crawl(context.Background(), site.URL, crawl.Options{Rate: bb.rate, AllowPrivate: true})
				if err != nil || sum.New != 102 {
					b.Fatalf("%s: %v", sum, err)
				}
			}
		})
	}
}

func TestExcludedPathsFollowHooks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rec := &recorder{}
		log := audit.New(db, []byte("0123456789abcdef0123456789abcdef"))
		svc := kb.New(db, kb.Options{Hooks: rec.hooks(), Audit: log, Policy: sources(t)})
		lines := `{"url":"https://c.example/news","title":"News","html":"<p>n</p>"}
{"url":"https://c.example/news/bins","title":"Bins news","html":"<p>b</p>"}
{"url":"https://c.example/newsletter","title":"Newsletter","html":"<p>l</p>"}`
		if _, err := svc.Import(ctx, strings.NewReader(lines)); err != nil {
			t.Fatal(err)
		}
		rec.reset()
		if _, err := svc.ExcludePath(ctx, "user:3", "news"); err == nil {
			t.Fatal("a path without / was accepted")
		} else if fe, ok := fail.As(err); !ok || fe.Kind != fail.Invalid || fe.Field != "prefix" {
			t.Errorf("bad path: %T %v, want an invalid prefix", err, err)
		}
		e, err := svc.ExcludePath(ctx, "user:3", "/news/")
		if err != nil || e.Prefix != "/news" {
			t.Fatalf("exclude = %+v, %v", e, err)
		}
		changed, removed := rec.reset()
		sort.Strings(removed)
		if len(changed) != 0 || strings.Join(removed, " ") != "/news /news/bins" {
			t.Errorf("after exclude: changed %v, removed %v", changed, removed)
		}
		if _, err := svc.ExcludePath(ctx, "user:3", "/news"); !errors.Is(err, store.ErrConflict) || !fail.Is(err, fail.Conflict) ||
			err.Error() != "the path /news is already excluded" {
			t.Errorf("exclude twice: %v", err)
		}
		// An import under an excluded path stores the page but does not
		// offer it for answers.
		if _, err := svc.Import(ctx, strings.NewReader(`{"url":"https://c.example/news/new","html":"<h1>New</h1>"}`)); err != nil {
			t.Fatal(err)
		}
		if changed, _ := rec.reset(); len(changed) != 0 {
			t.Errorf("excluded import reported as changed: %v", changed)
		}
		if _, err := svc.IncludePath(ctx, "user:3", e.ID); err != nil {
			t.Fatal(err)
		}
		changed, removed = rec.reset()
		if strings.Join(changed, " ") != "/news /news/bins /news/new" || len(removed) != 0 {
			t.Errorf("after include: changed %v, removed %v", changed, removed)
		}
		if _, err := svc.IncludePath(ctx, "user:3", e.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("include twice: %v", err)
		}
		entries, err := log.Entries(ctx, store.AuditFilter{Action: "kb.", Limit: 10})
		if err != nil || len(entries) != 2 || entries[1].Action != "kb.exclude_path" || entries[0].Action != "kb.include_path" ||
			entries[0].Actor != "user:3" {
			t.Errorf("audit entries %+v, %v", entries, err)
		}
		if rep, err := log.Verify(ctx); err != nil || rep.Problem != nil {
			t.Errorf("audit chain: %+v, %v", rep, err)
		}
		// Without an audit log the service refuses to change exclusions.
		if _, err := kb.New(db, kb.Options{}).ExcludePath(ctx, "user:3", "/jobs"); err == nil {
			t.Error("excluded a path without auditing it")
		}
	})
}

// A site outside the policy's chatbot sources is refused before anything
// is fetched or stored, naming the policy field; so is a crawl without a
// policy at all.
func TestCrawlRefusesSiteOutsideSources(t *testing.T) {
	pages := crawltest.LoadPages(t, crawltest.DemoPages(t))[:5]
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := crawltest.NewSite(t, pages, "")
		for _, tt := range []struct {
			name string
			pol  func() *policy.Policy
			want string
		}{
			{"not declared", sources(t, "https://demo.localgov.example"), "host 127.0.0.1 is not one of the sources the policy declares in systems[chatbot].sources (www.leicestershire.gov.uk, www.startaconversation.co.uk, demo.localgov.example)"},
			{"no policy", nil, "no policy to check pages against systems[chatbot].sources"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := kb.New(db, kb.Options{Policy: tt.pol}).Crawl(ctx, site.URL, crawl.Options{Rate: -1, AllowPrivate: true})
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("err = %v, want %q", err, tt.want)
				}
			})
		}
		var se *policy.SourceError
		if _, err := kb.New(db, kb.Options{Policy: sources(t, "https://c.example")}).Crawl(ctx, site.URL, crawl.Options{AllowPrivate: true}); !errors.As(err, &se) {
			t.Errorf("err = %T %v, want a *policy.SourceError", err, err)
		}
		if n := len(site.Requested()); n != 0 {
			t.Errorf("the refused site got %d requests", n)
		}
		if srcs, _ := db.Q().KBSources(ctx); len(srcs) != 0 {
			t.Errorf("a refused crawl recorded sources %+v", srcs)
		}
	})
}

// A crawl of a declared site on a private address is refused unless the
// operator allows private addresses.
func TestCrawlRefusesPrivateAddressUnlessAllowed(t *testing.T) {
	pages := crawltest.LoadPages(t, crawltest.DemoPages(t))[:5]
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := crawltest.NewSite(t, pages, "")
		svc := kb.New(db, kb.Options{Policy: sources(t)})
		_, err := svc.Crawl(ctx, site.URL, crawl.Options{Rate: -1})
		var b *crawl.BlockedAddressError
		if !errors.As(err, &b) || !strings.Contains(err.Error(), "refused to connect to 127.0.0.1, a loopback address") {
			t.Errorf("err = %v, want a refused loopback address", err)
		}
		if n := len(site.Requested()); n != 0 {
			t.Errorf("the site got %d requests", n)
		}
		if c, _ := db.Q().CountKBPages(ctx); c.Pages != 0 {
			t.Errorf("%d pages stored", c.Pages)
		}
		if sum, err := svc.Crawl(ctx, site.URL, crawl.Options{Rate: -1, AllowPrivate: true}); err != nil || sum.New != 5 {
			t.Errorf("allowed: %s, %v", sum, err)
		}
	})
}

// An import with one page from a host outside the policy's sources stores
// nothing and names the line and the policy field.
func TestImportRefusesPageOutsideSources(t *testing.T) {
	lines := `{"url":"https://c.example/a","html":"<h1>A</h1>"}
{"url":"https://demo.localgov.example/b","html":"<h1>B</h1>"}
{"url":"https://evil.example/c","html":"<h1>C</h1>"}
`
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := kb.New(db, kb.Options{Policy: sources(t, "https://c.example", "https://demo.localgov.example")})
		_, err := svc.Import(ctx, strings.NewReader(lines))
		var le *kb.LineError
		if !errors.As(err, &le) || le.Line != 3 || !strings.Contains(err.Error(), "line 3: host evil.example is not one of the sources the policy declares in systems[chatbot].sources") {
			t.Errorf("err = %v, want line 3 naming systems[chatbot].sources", err)
		}
		if c, _ := db.Q().CountKBPages(ctx); c.Pages != 0 {
			t.Errorf("%d pages stored", c.Pages)
		}
		if srcs, _ := db.Q().KBSources(ctx); len(srcs) != 0 {
			t.Errorf("sources stored: %+v", srcs)
		}
		// A subdomain of a declared host is that site's; without the foreign line all is stored.
		ok := strings.Replace(lines, "https://evil.example/c", "https://www.c.example/c", 1)
		if sum, err := svc.Import(ctx, strings.NewReader(ok)); err != nil || sum.New != 3 {
			t.Errorf("import = %+v, %v", sum, err)
		}
		if _, err := kb.New(db, kb.Options{}).Import(ctx, strings.NewReader(ok)); err == nil || !strings.Contains(err.Error(), "no policy") {
			t.Errorf("import without a policy: %v", err)
		}
	})
}
