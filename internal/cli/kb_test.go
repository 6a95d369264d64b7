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
			if db == "postgres" {
				env["FAIRLINE_DB"] = pgtest.DSN(t)
			}
			site := crawltest.NewSite(t, pages, "User-agent: *\nDisallow: /search\n")
			r := run(t, env, "", "kb", "crawl", site.URL, "--rate", "500", "--concurrency", "4", "--exclude", "/libraries-leisure-and-culture")
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

			r = run(t, env, "", "kb", "crawl", site.URL, "--rate", "500")
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
