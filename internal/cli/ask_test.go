package cli

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/kb/crawl/crawltest"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/pgtest"
)

// TestCrawlThenAsk is the "done when": the LocalGov demo pages
// served as a website (navigation boilerplate around <main>, a sitemap),
// crawled with `fairline kb crawl`, then `fairline ask` answers questions
// about topics on those pages with the right link.
func TestCrawlThenAsk(t *testing.T) {
	pages := crawltest.LoadPages(t, crawltest.DemoPages(t))
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			env := dataEnv(t)
			env["FAIRLINE_POLICY"] = sourcesPolicy(t, testSources...)
			if db == "postgres" {
				env["FAIRLINE_DB"] = pgtest.DSN(t)
			}
			site := crawltest.NewSite(t, pages, "User-agent: *\nAllow: /\n")
			if r := run(t, env, "", "kb", "crawl", site.URL, "--rate", "500", "--concurrency", "4", "--allow-private"); r.code != 0 {
				t.Fatalf("crawl: %+v", r)
			}
			for q, path := range map[string]string{
				"How do I apply for a Blue Badge?":     "/adult-health-and-social-care/travel-passes-and-support/blue-badges/apply-blue-badge",
				"meals on wheels":                      "/adult-health-and-social-care/support-your-home/meals-wheels",
				"what are the types of fostering":      "/fostering/types-fostering",
				"how do I submit a petition":           "/publications/publications-cover-page-demo-content/petitions-scheme-publications-demo-content/how",
				"who is eligible for a blue badge":     "/adult-health-and-social-care/travel-passes-and-support/blue-badges/who-eligible-blue-badge",
				"remove the wrong father from a birth": "/births-deaths-marriages-and-citizenship/remove-wrong-fathers-details",
			} {
				r := run(t, env, "", "ask", q, "--json")
				if r.code != 0 {
					t.Fatalf("ask %q: %+v", q, r)
				}
				var resp chat.Response
				if err := json.Unmarshal([]byte(r.stdout), &resp); err != nil {
					t.Fatalf("ask --json: %v\n%s", err, r.stdout)
				}
				if len(resp.Sources) == 0 || !strings.HasPrefix(resp.Sources[0].URL, site.URL+path) || resp.Answer == "" {
					t.Errorf("ask %q: got %+v, want a source at %s", q, resp.Sources, path)
				}
			}
			// Plain output names the page and its link; out-of-scope questions get a route, not a decision.
			r := run(t, env, "", "ask", "am I eligible for a blue badge")
			if r.code != 0 || !strings.Contains(r.stdout, "can't decide") || !strings.Contains(r.stdout, site.URL+"/adult-health-and-social-care/travel-passes-and-support/blue-badges/") {
				t.Errorf("eligibility: %+v", r)
			}
			r = run(t, env, "", "ask", "how", "do", "I", "apply", "for", "a", "blue", "badge")
			if r.code != 0 || !strings.Contains(r.stdout, "Source: Apply for a Blue Badge\n  "+site.URL) {
				t.Errorf("plain ask: %+v", r)
			}
			// A question over the limit is a usage error.
			if r := run(t, env, "", "ask", strings.Repeat("x", chat.DefaultMaxMessage+1)); r.code != 2 || !strings.Contains(r.stderr, "characters or fewer") {
				t.Errorf("too long: %+v", r)
			}
		})
	}
	if r := run(t, nil, "", "ask"); r.code != 2 || !strings.Contains(r.stderr, "needs a question") {
		t.Errorf("no question: %+v", r)
	}
}

// TestServeDemo: serve --demo imports the demo site into an empty
// knowledge base and answers through the API.
func TestServeDemo(t *testing.T) {
	env := dataEnv(t)
	env["FAIRLINE_LISTEN"] = "127.0.0.1:0"
	srv := serveInProcess(t, context.Background(), env, nil, "--demo", "--recrawl-every", "0")
	base, out := srv.base, srv.out
	if !strings.Contains(out.String(), "Imported the LocalGov Drupal demo site") {
		t.Errorf("no import reported:\n%s", out.String())
	}
	// The demo site is not a Leicestershire source: demo mode declares it in
	// the policy in force, says so, and the notice names it.
	for _, want := range []string{
		"Demo mode (--demo): https://demo.localgov.example is added to the chatbot's sources (systems[chatbot].sources) in the policy in force, and the chatbot notice names it.",
		"policy:   embedded default policy + the --demo site",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("start-up output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "warning:") {
		t.Errorf("start-up warns:\n%s", out.String())
	}
	notice, err := http.Get(base + "/privacy/chatbot")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(notice.Body)
	notice.Body.Close()
	if !strings.Contains(string(page), "provide information from our website, startaconversation.co.uk or the LocalGov Drupal demo site (demo.localgov.example) to search") {
		t.Errorf("the chatbot notice does not name the demo site")
	}
	resp, err := http.Post(base+"/api/v1/chat", "application/json", strings.NewReader(`{"message":"meals on wheels"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "meals-wheels") {
		t.Errorf("chat: %d %s", resp.StatusCode, body)
	}
	srv.terminate(t)

	// Served again without --demo, the demo pages are still there but the
	// policy no longer names their site: serve says so.
	srv = serveInProcess(t, context.Background(), env, nil, "--recrawl-every", "0")
	out2 := srv.out
	if want := "warning: the knowledge base holds pages from sites that are not among the chatbot's sources (systems[chatbot].sources), so the notice does not name them: https://demo.localgov.example"; !strings.Contains(out2.String(), want) {
		t.Errorf("no warning about the demo site:\n%s", out2.String())
	}
	srv.terminate(t)
}

func TestBenchChat(t *testing.T) {
	pages := crawltest.DemoPages(t)
	queries := t.TempDir() + "/queries.jsonl"
	os.WriteFile(queries, []byte(`{"query":"apply for a blue badge","expected":["https://demo.localgov.example/adult-health-and-social-care/travel-passes-and-support/blue-badges/apply-blue-badge"]}
{"query":"meals on wheels","expected":["https://demo.localgov.example/adult-health-and-social-care/support-your-home/meals-wheels"]}
`), 0o600)
	r := run(t, nil, "", "bench", "chat", "--pages", pages, "--queries", queries, "--requests", "40", "--time", "5s", "--clients", "1,4")
	if r.code != 0 {
		t.Fatalf("bench chat: %+v", r)
	}
	for _, want := range []string{"FTS5 bm25", "MRR ratio", "answers/s", "\n1 ", "\n4 "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := run(t, nil, "", "bench", "chat"); r.code != 2 {
		t.Errorf("no files: %+v", r)
	}

	// On PostgreSQL: the answers are stored there, and the database is left as empty as it came.
	dsn := pgtest.DSN(t)
	r = run(t, nil, "", "bench", "chat", "--pages", pages, "--queries", queries, "--requests", "20", "--time", "5s", "--clients", "2", "--postgres", dsn)
	if r.code != 0 || !strings.Contains(r.stdout, "stored to PostgreSQL") || !strings.Contains(r.stdout, "\n2 ") {
		t.Fatalf("bench chat --postgres: %+v", r)
	}
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, table := range []string{"kb_pages", "chat_turns", "chat_daily"} {
		if n, err := db.Q().Count(context.Background(), table); err != nil || n != 0 {
			t.Errorf("bench chat left %d rows of %s in PostgreSQL (%v)", n, table, err)
		}
	}
	// A database that holds chat records is refused, and keeps them.
	if err := db.Q().AddChatDay(context.Background(), store.ChatDay{Day: time.Unix(0, 0).UTC(), ServiceArea: "x"}); err != nil {
		t.Fatal(err)
	}
	r = run(t, nil, "", "bench", "chat", "--pages", pages, "--queries", queries, "--requests", "20", "--clients", "1", "--postgres", dsn)
	if r.code == 0 || !strings.Contains(r.stderr, "needs a database with no knowledge-base pages") {
		t.Errorf("bench chat on a database with chat records: %+v", r)
	}
	if n, err := db.Q().Count(context.Background(), "chat_daily"); err != nil || n != 1 {
		t.Errorf("the refused run changed the database: %d daily rows (%v)", n, err)
	}
}
