package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
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
// knowledge base and runs under the demo council's own policy (Scarfolk
// Council, unitary): its notice, its contact routes, no topic sent to
// Leicestershire's districts. Without --demo the Leicestershire policy is
// back in force.
func TestServeDemo(t *testing.T) {
	env := dataEnv(t)
	env["FAIRLINE_LISTEN"] = "127.0.0.1:0"
	srv := serveInProcess(t, context.Background(), env, nil, "--demo", "--recrawl-every", "0")
	base, out := srv.base, srv.out
	if !strings.Contains(out.String(), "Imported the LocalGov Drupal demo site") {
		t.Errorf("no import reported:\n%s", out.String())
	}
	// Start-up says which policy is in force.
	for _, want := range []string{
		"Demo mode (--demo): the embedded demo policy is in force: Scarfolk Council, a single-tier council whose chatbot answers from https://demo.localgov.example only and sends no topic to another council.",
		"policy:   embedded demo policy (Scarfolk Council)\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("start-up output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "warning:") || strings.Contains(out.String(), "Leicestershire") {
		t.Errorf("start-up warns or names Leicestershire:\n%s", out.String())
	}
	page := getBody(t, base+"/privacy/chatbot")
	for _, want := range []string{"Scarfolk Council", "provide information from our website (demo.localgov.example) to search"} {
		if !strings.Contains(page, want) {
			t.Errorf("the chatbot notice lacks %q", want)
		}
	}
	if strings.Contains(page, "Leicestershire") || strings.Contains(page, "startaconversation") {
		t.Error("the demo chatbot notice names Leicestershire or its sources")
	}
	if page := getBody(t, base+"/privacy/call-recording"); !strings.Contains(page, "Scarfolk Council") || strings.Contains(page, "Leicestershire") {
		t.Error("the demo call-recording notice does not name the demo council alone")
	}
	if page := getBody(t, base+"/ask"); strings.Contains(page, "Leicestershire") {
		t.Error("the demo /ask page names Leicestershire")
	}
	if got := demoChat(t, base, "meals on wheels"); got.Handoff != nil || len(got.Sources) == 0 || !strings.Contains(got.Sources[0].URL, "meals-wheels") {
		t.Errorf("meals on wheels: %+v", got)
	}
	// Topics a two-tier county leaves to its districts are the unitary demo
	// council's own: never handed to a Leicestershire district council.
	districts := map[string]bool{}
	for _, c := range chat.LeicestershireDistricts {
		districts[c.URL] = true
	}
	for _, q := range []string{"when is my bin collected", "how do I pay my council tax", "apply for planning permission"} {
		got := demoChat(t, base, q)
		if got.Handoff == nil {
			continue
		}
		if got.Handoff.Reason == chat.ReasonOtherCouncil || strings.Contains(got.Answer, "district") {
			t.Errorf("%q was sent to another council: %+v", q, got.Handoff)
		}
		for _, r := range got.Handoff.Routes {
			if districts[r.URL] {
				t.Errorf("%q: route to a Leicestershire district %s", q, r.URL)
			}
		}
	}
	// A question the site cannot answer offers the demo council's contact
	// routes: its pages and its (fictional) number, never Leicestershire's.
	got := demoChat(t, base, "zorblax quindle frumious")
	if got.Handoff == nil || got.Handoff.Reason != chat.ReasonNotFound || len(got.Handoff.Routes) == 0 {
		t.Fatalf("not found: %+v", got)
	}
	for _, r := range got.Handoff.Routes {
		u, err := url.Parse(r.URL)
		ok := err == nil && u.Scheme == "https" && u.Host == "demo.localgov.example" || r.Kind == "phone" && strings.HasPrefix(r.URL, "tel:")
		if !ok || strings.Contains(r.Label, "0116") || strings.Contains(r.URL, "leicestershire") {
			t.Errorf("not found: route %+v is not the demo council's", r)
		}
		if r.Kind == "phone" && r.Label != "01632 960 000" {
			t.Errorf("not found: phone %q is not the demo council's", r.Label)
		}
	}
	srv.terminate(t)

	// Served again without --demo, the Leicestershire policy is in force: the
	// demo pages are still there but the policy does not name their site.
	srv = serveInProcess(t, context.Background(), env, nil, "--recrawl-every", "0")
	out2 := srv.out.String()
	for _, want := range []string{
		"policy:   embedded default policy\n",
		"warning: the knowledge base holds pages from sites that are not among the chatbot's sources (systems[chatbot].sources), so the notice does not name them: https://demo.localgov.example",
	} {
		if !strings.Contains(out2, want) {
			t.Errorf("without --demo, start-up output lacks %q:\n%s", want, out2)
		}
	}
	if page := getBody(t, srv.base+"/privacy/chatbot"); !strings.Contains(page, "Leicestershire County Council") || strings.Contains(page, "Scarfolk") {
		t.Error("without --demo the chatbot notice is not Leicestershire's")
	}
	srv.terminate(t)
}

// TestServeDemoWithPolicy: --demo with the operator's own policy keeps that
// policy and adds the demo site to its chatbot sources, and says so.
func TestServeDemoWithPolicy(t *testing.T) {
	env := dataEnv(t)
	env["FAIRLINE_LISTEN"] = "127.0.0.1:0"
	file := filepath.Join(t.TempDir(), "policy.yaml")
	if r := run(t, nil, "", "policy", "init", file); r.code != 0 {
		t.Fatalf("policy init: %+v", r)
	}
	env["FAIRLINE_POLICY"] = file
	srv := serveInProcess(t, context.Background(), env, nil, "--demo", "--recrawl-every", "0")
	out := srv.out.String()
	for _, want := range []string{
		"Demo mode (--demo): https://demo.localgov.example is added to the chatbot's sources (systems[chatbot].sources) in the policy in force, and the chatbot notice names it.",
		"policy:   " + file + " + the --demo site\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("start-up output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "warning:") {
		t.Errorf("start-up warns:\n%s", out)
	}
	page := getBody(t, srv.base+"/privacy/chatbot")
	if !strings.Contains(page, "provide information from our website, startaconversation.co.uk or the LocalGov Drupal demo site (demo.localgov.example) to search") ||
		!strings.Contains(page, "Leicestershire County Council") {
		t.Errorf("the chatbot notice is not the operator's policy with the demo site")
	}
	if got := demoChat(t, srv.base, "meals on wheels"); len(got.Sources) == 0 || !strings.Contains(got.Sources[0].URL, "meals-wheels") {
		t.Errorf("meals on wheels: %+v", got)
	}
	srv.terminate(t)
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return string(b)
}

func demoChat(t *testing.T, base, q string) chat.Response {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"message": q})
	resp, err := http.Post(base+"/api/v1/chat", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out chat.Response
	if resp.StatusCode != 200 {
		t.Fatalf("chat %q: %d", q, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
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
	// An other-councils file that is not a valid list stops the bench before it measures.
	bad := t.TempDir() + "/others.yaml"
	os.WriteFile(bad, []byte("- topic: bins\n  who: someone\n"), 0o600)
	if r := run(t, nil, "", "bench", "chat", "--pages", pages, "--queries", queries, "--other-councils", bad); r.code == 0 ||
		!strings.Contains(r.stderr, "no terms") || strings.Contains(r.stdout, "MRR") {
		t.Errorf("invalid --other-councils file: %+v", r)
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
