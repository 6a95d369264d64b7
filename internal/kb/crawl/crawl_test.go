package crawl

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/kb/crawl/crawltest"
)

func TestNormalise(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"HTTPS://Www.Example.GOV.uk", "https://www.example.gov.uk/", ""},
		{"https://c.example:443/a/./b/../c#frag", "https://c.example/a/c", ""},
		{"http://c.example:80/x/", "http://c.example/x/", ""},
		{"http://c.example:8080/x?", "http://c.example:8080/x", ""},
		{"https://user:pw@c.example/x?b=2&a=1", "https://c.example/x?b=2&a=1", ""},
		{"https://c.example/caf%C3%A9", "https://c.example/caf%C3%A9", ""},
		{"https://c.example/a%2Fb", "https://c.example/a%2Fb", ""},
		{"/relative", "", "not an absolute"},
		{"mailto:x@c.example", "", "not an absolute"},
		{"ftp://c.example/x", "", "not http or https"},
		{"https:///nohost", "", "no host"},
	}
	for _, tt := range tests {
		got, err := Normalise(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Normalise(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Normalise(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestNormalisePrefix(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"/news", "/news", ""},
		{" /news/ ", "/news", ""},
		{"https://c.example/news/2024", "/news/2024", ""},
		{"news", "", "must start with /"},
		{"/", "", "whole site"},
		{"", "", "enter a path"},
		{"/a?b", "", "plain path"},
		{"/a/../b", "", "simplest form"},
	}
	for _, tt := range tests {
		got, err := NormalisePrefix(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("NormalisePrefix(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalisePrefix(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, tt := range []struct {
		path, prefix string
		want         bool
	}{{"/news", "/news", true}, {"/news/a", "/news", true}, {"/newsletter", "/news", false}, {"/", "/news", false}} {
		if got := UnderPrefix(tt.path, tt.prefix); got != tt.want {
			t.Errorf("UnderPrefix(%q, %q) = %v", tt.path, tt.prefix, got)
		}
	}
}

func TestScanHTML(t *testing.T) {
	page := `<html><head><title>Bins | Council</title><meta name="robots" content="NOINDEX, follow"><base href="/sub/"></head>
<body><a href="a">A</a><a href="/b" rel="nofollow">B</a><a href="/c.pdf" download>C</a><a>no href</a>
<h1> Bin  <em>collections</em> </h1><h1>Second</h1><map><area href="/d"></map></body></html>`
	info := scanHTML([]byte(page), Token)
	want := pageInfo{Title: "Bin collections", Links: []string{"a", "/d"}, Base: "/sub/", NoIndex: true}
	if !reflect.DeepEqual(info, want) {
		t.Errorf("got %+v\nwant %+v", info, want)
	}
	if got := PageTitle("<title> Only  title </title>"); got != "Only title" {
		t.Errorf("title fallback = %q", got)
	}
	if info := scanHTML([]byte(`<meta name="FairlineBot" content="nofollow">`), Token); !info.NoFollow || info.NoIndex {
		t.Errorf("agent-specific meta: %+v", info)
	}
}

func TestToUTF8(t *testing.T) {
	latin1 := []byte("<p>caf\xe9 \x00</p>")
	if got := toUTF8(latin1, "text/html; charset=iso-8859-1"); got != "<p>café </p>" {
		t.Errorf("latin-1 page = %q", got)
	}
	if got := toUTF8([]byte("ok \xff"), "text/html; charset=utf-8"); got != "ok \uFFFD" {
		t.Errorf("invalid UTF-8 = %q", got)
	}
}

// crawlAll runs a crawl and collects the results by URL path.
func crawlAll(t *testing.T, site *crawltest.Site, o Options) (map[string]Result, Stats) {
	t.Helper()
	got := map[string]Result{}
	var mu sync.Mutex
	o.AllowPrivate = true // the test site listens on 127.0.0.1
	st, err := Run(context.Background(), site.URL+"/", o, func(_ context.Context, r Result) error {
		mu.Lock()
		defer mu.Unlock()
		u, _ := url.Parse(r.URL)
		if _, dup := got[u.Path]; dup {
			t.Errorf("%s handled twice", r.URL)
		}
		got[u.Path] = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, st
}

func fetched(rs map[string]Result) []string {
	var out []string
	for p, r := range rs {
		if r.Kind == Fetched {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

func TestCrawlDemoSite(t *testing.T) {
	pages := crawltest.LoadPages(t, crawltest.DemoPages(t))
	if len(pages) != 102 {
		t.Fatalf("test data has %d pages, want 102", len(pages))
	}
	var want []string
	titles := map[string]string{}
	for _, p := range pages {
		want = append(want, p.Path())
		titles[p.Path()] = p.Title
	}
	sort.Strings(want)

	for _, tt := range []struct {
		name    string
		sitemap bool
	}{{"sitemap", true}, {"links only", false}} {
		t.Run(tt.name, func(t *testing.T) {
			site := crawltest.NewSite(t, pages, "User-agent: *\nDisallow: /search\nSitemap: {base}/sitemap.xml\n")
			site.SetSitemap(tt.sitemap)
			var progress []Progress
			got, st := crawlAll(t, site, Options{Rate: -1, Concurrency: 4, Progress: func(p Progress) { progress = append(progress, p) }})
			if f := fetched(got); !reflect.DeepEqual(f, want) {
				t.Fatalf("fetched %d pages, want the 102 of the data set; first differences: %v", len(f), diff(f, want))
			}
			for p, r := range got {
				if r.Kind == Fetched && (r.Title != titles[p] || !strings.Contains(r.HTML, "<main>") || r.ETag == "" || r.LastModified == "") {
					t.Errorf("%s: title %q (want %q), etag %q, last-modified %q", p, r.Title, titles[p], r.ETag, r.LastModified)
				}
			}
			// The A to Z page and home page say noindex; dead links are gone.
			for _, p := range []string{"/", "/a-z"} {
				if got[p].Kind != Dropped {
					t.Errorf("%s: kind %v, want dropped (noindex)", p, got[p].Kind)
				}
			}
			for _, p := range []string{"/cookies", "/privacy"} {
				if got[p].Kind != Gone {
					t.Errorf("%s: kind %v, want gone", p, got[p].Kind)
				}
			}
			// Never requested: files, other sites, mail/phone links, searches.
			for _, p := range site.Requested() {
				if strings.HasSuffix(p, ".pdf") || strings.HasSuffix(p, ".css") || strings.HasSuffix(p, ".svg") ||
					strings.HasPrefix(p, "/search") || strings.Contains(p, "scarfolk.example") || strings.Contains(p, "tel:") ||
					strings.Contains(p, "javascript:") || strings.Contains(p, "gov.uk") {
					t.Errorf("requested %s", p)
				}
			}
			if agents := site.UserAgents(); len(agents) != 1 || !strings.HasPrefix(agents[0], "FairlineBot/") {
				t.Errorf("user agents %v", agents)
			}
			if len(progress) != len(got) || progress[len(progress)-1].Pending != 0 || progress[len(progress)-1].Done != len(got) {
				t.Errorf("progress reports: %d for %d pages, last %+v", len(progress), len(got), progress[len(progress)-1])
			}
			if st.Pages != len(got) || st.Truncated || st.Skipped == 0 {
				t.Errorf("stats %+v for %d results", st, len(got))
			}
		})
	}
}

func diff(a, b []string) []string {
	in := map[string]int{}
	for _, x := range a {
		in[x]++
	}
	for _, x := range b {
		in[x]--
	}
	var out []string
	for x, n := range in {
		if n != 0 {
			out = append(out, fmt.Sprintf("%s(%+d)", x, n))
		}
	}
	sort.Strings(out)
	if len(out) > 10 {
		out = out[:10]
	}
	return out
}

func TestCrawlConditionalGetAndRemoval(t *testing.T) {
	pages := crawltest.LoadPages(t, crawltest.DemoPages(t))
	site := crawltest.NewSite(t, pages, "")
	first, _ := crawlAll(t, site, Options{Rate: -1})
	known := map[string]Validators{}
	for _, r := range first {
		if r.Kind == Fetched {
			known[r.URL] = Validators{ETag: r.ETag, LastModified: r.LastModified}
		}
	}
	// Off the sitemap and all links: only known pages lead the crawler there.
	gone := pages[5].Path()
	site.Remove(gone, http.StatusGone)
	changed := pages[7].Path()
	site.SetHTML(changed, "<main><h1>"+pages[7].Title+"</h1><p>New opening hours.</p></main>")
	site.ResetCounts()

	second, _ := crawlAll(t, site, Options{Rate: -1, Known: known})
	_, notModified, conditional, _ := site.Counts("")
	if notModified != 100 || conditional < 101 {
		t.Errorf("second crawl: %d answers 304, %d conditional requests; want 100 and at least 101", notModified, conditional)
	}
	if second[gone].Kind != Gone || second[gone].Status != http.StatusGone {
		t.Errorf("removed page: %+v", second[gone])
	}
	if r := second[changed]; r.Kind != Fetched || !strings.Contains(r.HTML, "New opening hours") {
		t.Errorf("changed page: kind %v", r.Kind)
	}
	if n := len(fetched(second)); n != 1 {
		t.Errorf("%d pages fetched in full on re-crawl, want 1", n)
	}
}

func TestCrawlRobots(t *testing.T) {
	pages := crawltest.LoadPages(t, crawltest.DemoPages(t))
	const blocked = "/adult-health-and-social-care/status"
	site := crawltest.NewSite(t, pages, "User-agent: *\nDisallow: /\n\nUser-agent: FairlineBot\nDisallow: "+blocked+"\nCrawl-delay: 0.02\n")
	got, st := crawlAll(t, site, Options{Rate: -1, Concurrency: 4, Exclude: []string{"/libraries-leisure-and-culture"}})
	for _, p := range site.Requested() {
		if UnderPrefix(p, blocked) || UnderPrefix(p, "/libraries-leisure-and-culture") {
			t.Errorf("requested %s despite robots.txt / exclusion", p)
		}
	}
	n := 0
	for _, p := range pages {
		if !UnderPrefix(p.Path(), blocked) && !UnderPrefix(p.Path(), "/libraries-leisure-and-culture") {
			n++
		}
	}
	if f := fetched(got); len(f) != n || n >= 100 {
		t.Errorf("fetched %d pages, want %d", len(f), n)
	}
	if st.CrawlDelay != 20*time.Millisecond {
		t.Errorf("crawl delay %v", st.CrawlDelay)
	}
	// Crawl-delay: one request at a time, at least 20 ms apart.
	starts := site.Starts()
	for i := 1; i < len(starts); i++ {
		if gap := starts[i].Sub(starts[i-1]); gap < 15*time.Millisecond {
			t.Fatalf("requests %d and %d only %v apart", i-1, i, gap)
		}
	}
}

func TestCrawlRateLimit(t *testing.T) {
	pages := crawltest.LoadPages(t, crawltest.DemoPages(t))[:10]
	site := crawltest.NewSite(t, pages, "")
	start := time.Now()
	crawlAll(t, site, Options{Rate: 50, Concurrency: 4, MaxPages: 5})
	total, _, _, _ := site.Counts("")
	// robots.txt, sitemap index, gzip sitemap, 5 pages: 7 gaps of 20 ms.
	if total != 8 {
		t.Errorf("%d requests, want 8 (MaxPages 5)", total)
	}
	if el := time.Since(start); el < 7*20*time.Millisecond {
		t.Errorf("8 requests at 50/s took %v, want at least 140ms", el)
	}
}

func TestCrawlRobotsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		t.Errorf("requested %s although robots.txt failed", r.URL.Path)
	}))
	defer srv.Close()
	_, err := Run(context.Background(), srv.URL, Options{AllowPrivate: true, Rate: -1}, func(context.Context, Result) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "robots.txt") {
		t.Errorf("err = %v", err)
	}
}

func TestCrawlPageErrors(t *testing.T) {
	big := strings.Repeat("x", 2000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<a href="/broken">b</a><a href="/big">b</a><a href="/file">f</a><a href="/moved">m</a>
				<a href="https://elsewhere.example/x">x</a><a href="/forbidden">f</a>`)
		case "/broken":
			http.Error(w, "oops", http.StatusInternalServerError)
		case "/forbidden":
			http.Error(w, "no", http.StatusForbidden)
		case "/big":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<p>"+big+"</p>")
		case "/file":
			w.Header().Set("Content-Type", "application/pdf")
			fmt.Fprint(w, "%PDF")
		case "/moved":
			http.Redirect(w, r, "/new-home", http.StatusMovedPermanently)
		case "/new-home":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<h1>New</h1>")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	got := map[string]Result{}
	_, err := Run(context.Background(), srv.URL, Options{AllowPrivate: true, Rate: -1, MaxBodyBytes: 1000}, func(_ context.Context, r Result) error {
		got[strings.TrimPrefix(r.URL, srv.URL)] = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		kind Kind
		msg  string
	}{
		{"/broken", Failed, "500"},
		{"/forbidden", Failed, "403"},
		{"/big", Failed, "larger than 1000 bytes"},
		{"/file", Dropped, "application/pdf is not HTML"},
		{"/moved", Dropped, "redirects (301) to /new-home"},
		{"/new-home", Fetched, ""},
	}
	for _, tt := range tests {
		r, ok := got[tt.path]
		if !ok || r.Kind != tt.kind || (tt.msg != "" && (r.Err == nil || !strings.Contains(r.Err.Error(), tt.msg))) {
			t.Errorf("%s: %+v, want %v %q", tt.path, r, tt.kind, tt.msg)
		}
	}
	if len(got) != 7 {
		t.Errorf("%d results, want 7 (no other site)", len(got))
	}

	// A handler error stops the crawl and is returned.
	boom := errors.New("disk full")
	_, err = Run(context.Background(), srv.URL, Options{AllowPrivate: true, Rate: -1}, func(context.Context, Result) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("handler error: %v", err)
	}
	if _, err := Run(context.Background(), srv.URL, Options{Exclude: []string{"news"}}, nil); err == nil || !strings.Contains(err.Error(), "must start with /") {
		t.Errorf("bad excluded path: %v", err)
	}
	// So does cancelling.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, srv.URL, Options{AllowPrivate: true, Rate: -1}, func(context.Context, Result) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestCrawlFollowsLinksOfUnchangedPages(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := map[string]string{"/": `<h1>Home</h1><a href="/a">a</a>`, "/a": `<h1>A</h1><a href="/b">b</a>`, "/b": `<h1>B</h1>`}[r.URL.Path]
		if body == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", `"`+r.URL.Path+`"`)
		if r.Header.Get("If-None-Match") == `"`+r.URL.Path+`"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	stored := map[string]string{}
	known := map[string]Validators{}
	st, err := Run(context.Background(), srv.URL, Options{AllowPrivate: true, Rate: -1, MaxPages: 2}, func(_ context.Context, r Result) error {
		stored[r.URL], known[r.URL] = r.HTML, Validators{ETag: r.ETag}
		return nil
	})
	if err != nil || !st.Truncated || len(stored) != 2 {
		t.Fatalf("first crawl: %+v %v, stored %d", st, err, len(stored))
	}
	for _, withStored := range []bool{false, true} {
		o := Options{AllowPrivate: true, Rate: -1, Known: known}
		if withStored {
			o.Stored = func(_ context.Context, u string) (string, error) { return stored[u], nil }
		}
		var got []string
		if _, err := Run(context.Background(), srv.URL, o, func(_ context.Context, r Result) error {
			got = append(got, strings.TrimPrefix(r.URL, srv.URL)+" "+r.Kind.String())
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		sort.Strings(got)
		want := "/ not modified,/a not modified"
		if withStored {
			want += ",/b fetched"
		}
		if strings.Join(got, ",") != want {
			t.Errorf("stored HTML %v: %v, want %s", withStored, got, want)
		}
	}
}

func TestCrawlDropsKnownPagesRobotsNowDisallows(t *testing.T) {
	pages := crawltest.LoadPages(t, crawltest.DemoPages(t))[:5]
	site := crawltest.NewSite(t, pages, "User-agent: *\nDisallow: "+pages[1].Path()+"\n")
	known := map[string]Validators{site.URL + pages[1].Path(): {ETag: `"x"`}}
	got, _ := crawlAll(t, site, Options{Rate: -1, Known: known})
	if r := got[pages[1].Path()]; r.Kind != Dropped || !strings.Contains(r.Err.Error(), "robots.txt") {
		t.Errorf("known disallowed page: %+v", r)
	}
	if _, _, _, n := site.Counts(pages[1].Path()); n != 0 {
		t.Errorf("disallowed page requested %d times", n)
	}
}
