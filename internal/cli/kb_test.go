package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/kb/crawl/crawltest"
	"github.com/fairline/fairline/internal/testutil/pgtest"
)

func TestKBHelp(t *testing.T) {
	for _, args := range [][]string{{"kb", "crawl"}, {"kb", "import"}} {
		r := run(t, nil, "", append(args, "--help")...)
		if r.code != 0 || !strings.Contains(r.stderr, "Usage: fairline "+strings.Join(args, " ")) {
			t.Errorf("%v --help: code %d, stderr %q", args, r.code, r.stderr)
		}
	}
	if r := run(t, nil, "", "kb"); r.code != 2 || !strings.Contains(r.stderr, "fairline kb <crawl|import>") {
		t.Errorf("kb alone: %+v", r)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"kb", "crawl"}, "needs exactly one URL"},
		{[]string{"kb", "crawl", "/relative"}, "not an absolute"},
		{[]string{"kb", "crawl", "https://c.example", "--rate", "0"}, "greater than 0"},
		{[]string{"kb", "crawl", "https://c.example", "--exclude", "news"}, "must start with /"},
		{[]string{"kb", "import"}, "needs exactly one FILE"},
	} {
		if r := run(t, nil, "", tt.args...); r.code != 2 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: code %d, stderr %q; want 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
}

func TestKBCrawlAndImport(t *testing.T) {
	pagesFile := crawltest.DemoPages(t)
	pages := crawltest.LoadPages(t, pagesFile)
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			env := dataEnv(t)
			env["FAIRLINE_POLICY"] = sourcesPolicy(t, testSources...)
			if db == "postgres" {
				env["FAIRLINE_DB"] = pgtest.DSN(t)
			}
			site := crawltest.NewSite(t, pages, "User-agent: *\nDisallow: /search\n")
			r := run(t, env, "", "kb", "crawl", site.URL, "--rate", "500", "--concurrency", "4", "--exclude", "/libraries-leisure-and-culture", "--allow-private")
			if r.code != 0 {
				t.Fatalf("crawl: %+v", r)
			}
			n := 0
			for _, p := range pages {
				if !strings.HasPrefix(p.Path(), "/libraries-leisure-and-culture") {
					n++
				}
			}
			want := regexp.MustCompile(`fetched \d+, new ` + itoa(n) + `, updated 0, unchanged 0, removed 0, errors 0, skipped \d+, duration [0-9.]+m?s`)
			if !want.MatchString(r.stdout) || !regexp.MustCompile(`crawling: 25 of \d+ done`).MatchString(r.stdout) {
				t.Errorf("crawl output:\n%s\nwant progress lines and a line matching %s", r.stdout, want)
			}

			r = run(t, env, "", "kb", "crawl", site.URL, "--rate", "500", "--allow-private")
			if r.code != 0 || !strings.Contains(r.stdout, "new "+itoa(len(pages)-n)+", updated 0, unchanged "+itoa(n)+",") {
				t.Errorf("re-crawl without --exclude:\n%s%s", r.stdout, r.stderr)
			}

			// Import: the same pages under their real addresses, twice.
			r = run(t, env, "", "kb", "import", pagesFile)
			if r.code != 0 || !strings.Contains(r.stdout, "imported 102 pages: 102 new, 0 updated, 0 unchanged") {
				t.Errorf("import: %+v", r)
			}
			r = run(t, env, "", "kb", "import", pagesFile)
			if r.code != 0 || !strings.Contains(r.stdout, "imported 102 pages: 0 new, 0 updated, 102 unchanged") {
				t.Errorf("re-import: %+v", r)
			}
			bad := filepath.Join(t.TempDir(), "bad.jsonl")
			os.WriteFile(bad, []byte(`{"url":"https://c.example/ok","html":"<p>x</p>"}`+"\n"+`{"url":"https://c.example/x"}`+"\n"), 0o600)
			r = run(t, env, "", "kb", "import", bad)
			if r.code != 1 || !strings.Contains(r.stderr, bad+`: line 2: "html" is missing or empty (nothing was imported)`) {
				t.Errorf("bad import: %+v", r)
			}
		})
	}
}

// The "done when" for the crawler: `kb crawl http://127.0.0.1:PORT/`
// is refused without --allow-private, and a site outside the policy's
// chatbot sources is refused with the policy field named; an import with
// one foreign page stores nothing and names its line and the field.
func TestKBRefusesPrivateAddressesAndUndeclaredSites(t *testing.T) {
	pages := crawltest.LoadPages(t, crawltest.DemoPages(t))[:5]
	site := crawltest.NewSite(t, pages, "")
	env := dataEnv(t)
	env["FAIRLINE_POLICY"] = sourcesPolicy(t, "http://127.0.0.1")

	r := run(t, env, "", "kb", "crawl", site.URL+"/", "--rate", "500")
	if r.code != 1 || !strings.Contains(r.stderr, "not crawling "+site.URL+": refused to connect to 127.0.0.1, a loopback address") ||
		!strings.Contains(r.stderr, "pass --allow-private") {
		t.Errorf("crawl of 127.0.0.1 without --allow-private: %+v", r)
	}
	if n := len(site.Requested()); n != 0 {
		t.Errorf("the refused site got %d page requests", n)
	}

	// The default policy's sources are the council's sites: a local site,
	// even with --allow-private, is not one of them.
	def := dataEnv(t)
	r = run(t, def, "", "kb", "crawl", site.URL+"/", "--allow-private")
	if r.code != 1 || !strings.Contains(r.stderr, "host 127.0.0.1 is not one of the sources the policy declares in systems[chatbot].sources (www.leicestershire.gov.uk, www.startaconversation.co.uk)") ||
		!strings.Contains(r.stderr, "policy: embedded default policy") {
		t.Errorf("crawl of an undeclared site: %+v", r)
	}
	r = run(t, env, "", "kb", "crawl", "https://www.example.org/", "--allow-private")
	if r.code != 1 || !strings.Contains(r.stderr, "host www.example.org is not one of the sources the policy declares in systems[chatbot].sources") {
		t.Errorf("crawl of another undeclared site: %+v", r)
	}
	if n := len(site.Requested()); n != 0 {
		t.Errorf("the refused site got %d page requests", n)
	}

	foreign := filepath.Join(t.TempDir(), "foreign.jsonl")
	os.WriteFile(foreign, []byte(`{"url":"http://127.0.0.1:9/a","html":"<h1>A</h1>"}`+"\n"+`{"url":"https://www.example.org/b","html":"<h1>B</h1>"}`+"\n"), 0o600)
	r = run(t, env, "", "kb", "import", foreign)
	if r.code != 1 || !strings.Contains(r.stderr, foreign+": line 2: host www.example.org is not one of the sources the policy declares in systems[chatbot].sources (www.leicestershire.gov.uk, www.startaconversation.co.uk, 127.0.0.1); add it there first, so the notice names it (nothing was imported)") {
		t.Errorf("import with a foreign page: %+v", r)
	}

	// Nothing was stored by any of them: the import's good line is new, and
	// with --allow-private the declared site is crawled afresh.
	good := filepath.Join(t.TempDir(), "good.jsonl")
	os.WriteFile(good, []byte(`{"url":"http://127.0.0.1:9/a","html":"<h1>A</h1>"}`+"\n"), 0o600)
	if r := run(t, env, "", "kb", "import", good); r.code != 0 || !strings.Contains(r.stdout, "imported 1 pages: 1 new") {
		t.Errorf("import of the declared page: %+v", r)
	}
	r = run(t, env, "", "kb", "crawl", site.URL+"/", "--rate", "500", "--allow-private")
	if r.code != 0 || !strings.Contains(r.stdout, "new 5, updated 0, unchanged 0") {
		t.Errorf("crawl with --allow-private: %+v", r)
	}
}
