package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/scenario"
)

// seedKB stores a few knowledge-base pages: two good, one under /news,
// one whose last fetch failed.
func seedKB(t *testing.T, s *site) {
	t.Helper()
	ctx := context.Background()
	q := s.app.DB.Q()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	src, err := q.EnsureKBSource(ctx, "https://www.example-council.gov.uk", now)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.FinishKBCrawl(ctx, src, now, "4 fetched: 3 new, 0 updated, 0 unchanged, 0 removed, 1 errors, 0 skipped in 1.2s"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ path, title string }{{"/bins", "Bin collections"}, {"/council-tax", "Council Tax"}, {"/news/bin-strike", "Bin strike"}} {
		if err := q.UpsertKBPage(ctx, store.KBPage{SourceID: src, URL: "https://www.example-council.gov.uk" + p.path, Path: p.path,
			Title: p.title, HTML: "<main><h1>" + p.title + "</h1></main>", Status: 200, ContentHash: p.path, CrawledAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.RecordKBPageError(ctx, store.KBPage{SourceID: src, URL: "https://www.example-council.gov.uk/parking", Path: "/parking",
		Status: 503, Error: "server answered 503 Service Unavailable", CrawledAt: now}); err != nil {
		t.Fatal(err)
	}
}

func TestKnowledgeBaseConsole(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("admin@example.gov.uk", auth.Administrator)
	s.addUser("ig@example.gov.uk", auth.InformationGovernance)
	seedKB(t, s)
	ctx := context.Background()
	const newsPage = "https://www.example-council.gov.uk/news/bin-strike"
	excluded := func(t *testing.T) bool {
		t.Helper()
		p, err := s.app.DB.Q().KBPageByURL(ctx, newsPage)
		if err != nil {
			t.Fatal(err)
		}
		return p.Excluded
	}
	auditedKB := func(t *testing.T) []audit.Entry {
		t.Helper()
		entries, err := s.app.Audit.Entries(ctx, store.AuditFilter{Action: "kb.", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return entries
	}

	scenario.Step(t, "information governance sees the pages but cannot exclude", func(t *testing.T) {
		ig := s.signIn("ig@example.gov.uk")
		status, body, _ := s.get(ig, "/console/kb")
		if status != http.StatusOK || !strings.Contains(body, "Bin collections") || !strings.Contains(body, "server answered 503") ||
			!strings.Contains(body, "https://www.example-council.gov.uk") {
			t.Fatalf("knowledge base page for information governance: %d\n%s", status, body)
		}
		if strings.Contains(body, `action="/console/kb/excluded"`) {
			t.Error("information governance sees the form to exclude paths")
		}
		if _, body, _ := s.get(ig, "/console/kb?errors=1"); strings.Contains(body, "Bin collections") || !strings.Contains(body, "/parking") {
			t.Error("errors-only list shows pages without errors, or misses the failed one")
		}
	})

	admin := s.signIn("admin@example.gov.uk")
	var token string
	var ex []store.KBExcludedPath
	scenario.Step(t, "an administrator excludes a path", func(t *testing.T) {
		var body string
		_, body, token = s.get(admin, "/console/kb")
		if !strings.Contains(body, `action="/console/kb/excluded"`) {
			t.Fatal("administrator has no form to exclude paths")
		}
		for _, tt := range []struct {
			prefix string
			status int
			want   string
		}{
			{"news", http.StatusUnprocessableEntity, "must start with /"},
			{"/", http.StatusUnprocessableEntity, "whole site"},
			{"/news/", http.StatusSeeOther, ""},
			{"/news", http.StatusUnprocessableEntity, "already excluded"},
		} {
			resp := s.post(admin, "/console/kb/excluded", url.Values{"csrf_token": {token}, "prefix": {tt.prefix}})
			body := readAll(resp)
			if resp.StatusCode != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("exclude %q: status %d, want %d and %q", tt.prefix, resp.StatusCode, tt.status, tt.want)
			}
		}
		// Without the CSRF token nothing happens.
		if resp := s.post(admin, "/console/kb/excluded", url.Values{"prefix": {"/jobs"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("exclude without CSRF token: %d", resp.StatusCode)
		}
		var err error
		if ex, err = s.app.DB.Q().KBExcludedPaths(ctx); err != nil {
			t.Fatal(err)
		}
		if len(ex) != 1 || ex[0].Prefix != "/news" || !strings.HasPrefix(ex[0].CreatedBy, "user:") {
			t.Fatalf("excluded paths = %+v", ex)
		}
	})
	scenario.Step(t, "the exclusion marks the pages under it and is audited", func(t *testing.T) {
		if !excluded(t) {
			t.Error("page under /news not marked excluded")
		}
		_, body, _ := s.get(admin, "/console/kb?done=excluded")
		if !strings.Contains(body, "The path has been excluded") || !strings.Contains(body, "<code>/news</code>") {
			t.Error("excluded path not shown after adding it")
		}
		if entries := auditedKB(t); len(entries) != 1 || entries[0].Action != "kb.exclude_path" || entries[0].Object != "kb_excluded_path:"+itoa(ex[0].ID) {
			t.Errorf("audit entries = %+v", entries)
		}
	})
	scenario.Step(t, "removing it includes the pages again and is audited", func(t *testing.T) {
		resp := s.post(admin, "/console/kb/excluded/delete", url.Values{"csrf_token": {token}, "id": {itoa(ex[0].ID)}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("remove: %d", resp.StatusCode)
		}
		if left, err := s.app.DB.Q().KBExcludedPaths(ctx); err != nil || len(left) != 0 {
			t.Errorf("still excluded: %+v, %v", left, err)
		}
		if excluded(t) {
			t.Error("page still excluded after removing /news")
		}
		if resp := s.post(admin, "/console/kb/excluded/delete", url.Values{"csrf_token": {token}, "id": {itoa(ex[0].ID)}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("remove twice: %d, want 404", resp.StatusCode)
		}
		if entries := auditedKB(t); len(entries) != 2 || entries[0].Action != "kb.include_path" {
			t.Errorf("audit entries after removal = %+v", entries)
		}
	})
}

func TestSearchVocabularyConsole(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("admin@example.gov.uk", auth.Administrator)
	s.addUser("ig@example.gov.uk", auth.InformationGovernance)

	ig := s.signIn("ig@example.gov.uk")
	status, body, _ := s.get(ig, "/console/kb/vocabulary")
	if status != http.StatusOK || !strings.Contains(body, "Registration Services") || !strings.Contains(body, "adult-social-care: /adult-social-care") ||
		!strings.Contains(body, "nobody has changed them") {
		t.Fatalf("vocabulary page for information governance: %d\n%s", status, body)
	}
	if strings.Contains(body, `action="/console/kb/vocabulary"`) {
		t.Error("information governance sees the form to change the vocabulary")
	}

	admin := s.signIn("admin@example.gov.uk")
	_, body, token := s.get(admin, "/console/kb/vocabulary")
	if !strings.Contains(body, `action="/console/kb/vocabulary"`) {
		t.Fatal("administrator has no form to change the vocabulary")
	}
	// A rule for an area the policy does not have is refused against its box, with the text kept.
	bad := "housing: /housing | tenancy"
	resp := s.post(admin, "/console/kb/vocabulary", url.Values{"csrf_token": {token}, "area_rules": {bad}, "synonyms": {"bin, refuse"}})
	body = readAll(resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Housing is not a service area of the policy") ||
		!strings.Contains(body, `id="area_rules-error"`) || !strings.Contains(body, bad) {
		t.Fatalf("bad rules: status %d\n%s", resp.StatusCode, body)
	}
	resp = s.post(admin, "/console/kb/vocabulary", url.Values{"csrf_token": {token},
		"area_rules": {"trading-standards: /scams | scam"}, "synonyms": {"bin, refuse\nscam, con"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("good vocabulary: status %d\n%s", resp.StatusCode, readAll(resp))
	}
	_, body, _ = s.get(ig, "/console/kb/vocabulary")
	if !strings.Contains(body, "trading-standards: /scams | scam") || strings.Contains(body, "adult-social-care: /adult") ||
		!strings.Contains(body, "Last changed by admin@example.gov.uk") {
		t.Errorf("saved vocabulary not shown:\n%s", body)
	}
}

func TestKBPageServiceArea(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("admin@example.gov.uk", auth.Administrator)
	s.addUser("ig@example.gov.uk", auth.InformationGovernance)
	seedKB(t, s)
	const pageURL = "https://www.example-council.gov.uk/bins"
	detail := "/console/kb/page?" + url.Values{"url": {pageURL}}.Encode()

	ig := s.signIn("ig@example.gov.uk")
	if _, body, _ := s.get(ig, "/console/kb"); !strings.Contains(body, `href="/console/kb/page?url=https%3a%2f%2fwww.example-council.gov.uk%2fbins"`) {
		t.Errorf("the page list does not link to the page's detail:\n%s", body)
	}
	status, body, _ := s.get(ig, detail)
	if status != http.StatusOK || !strings.Contains(body, "Bin collections") || !strings.Contains(body, "Environment and Transport") ||
		!strings.Contains(body, "None: the rules decide") || strings.Contains(body, `action="/console/kb/page/area"`) {
		t.Fatalf("page detail for information governance: %d\n%s", status, body)
	}
	if status, _, _ := s.get(ig, "/console/kb/page?url=https%3A%2F%2Fnowhere.example%2F"); status != http.StatusNotFound {
		t.Errorf("unknown page: status %d", status)
	}

	admin := s.signIn("admin@example.gov.uk")
	_, _, token := s.get(admin, detail)
	resp := s.post(admin, "/console/kb/page/area", url.Values{"csrf_token": {token}, "url": {pageURL}, "area": {"housing"}})
	if body := readAll(resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Choose one of the service areas listed") {
		t.Errorf("an area outside the policy: %d\n%s", resp.StatusCode, body)
	}
	resp = s.post(admin, "/console/kb/page/area", url.Values{"csrf_token": {token}, "url": {pageURL}, "area": {"trading-standards"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("set area: %d\n%s", resp.StatusCode, readAll(resp))
	}
	if _, body, _ := s.get(ig, detail); !strings.Contains(body, "Service area set by staff</dt>\n    <dd class=\"govuk-summary-list__value\">Trading Standards") {
		t.Errorf("the area set is not shown:\n%s", body)
	}
}

// The page detail shows what the chatbot leaves out of a page and whether it ranks the page
// lower as a news item or an old page, and why.
func TestKBPageShowsExcludedAndStale(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("ig@example.gov.uk", auth.InformationGovernance)
	seedKB(t, s)
	ctx := context.Background()
	q := s.app.DB.Q()
	bins, err := q.KBPageByURL(ctx, "https://www.example-council.gov.uk/bins")
	if err != nil {
		t.Fatal(err)
	}
	const notice = "Collections are running a day late after the storm."
	news := store.KBPage{SourceID: bins.SourceID, URL: "https://www.example-council.gov.uk/news/depot-opens", Path: "/news/depot-opens",
		Title: "Depot opens", Status: 200, ContentHash: "depot", CrawledAt: bins.CrawledAt,
		HTML: `<main><h1>Depot opens</h1><p class="alert alert-info">` + notice + `</p><p>The new depot opens on Monday.</p>
			<p><strong>Published:</strong> 3 March 2020</p></main>`}
	if err := q.UpsertKBPage(ctx, news); err != nil {
		t.Fatal(err)
	}
	ig := s.signIn("ig@example.gov.uk")
	status, body, _ := s.get(ig, "/console/kb/page?"+url.Values{"url": {news.URL}}.Encode())
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	for _, want := range []string{`id="kb-excluded"`, notice, "information notice: searchable, never quoted",
		"3 March 2020", "old, ranked lower", "Yes: the address is under /news/; ranked below service pages"} {
		if !strings.Contains(body, want) {
			t.Errorf("news page detail lacks %q:\n%s", want, body)
		}
	}
	_, body, _ = s.get(ig, "/console/kb/page?"+url.Values{"url": {bins.URL}}.Encode())
	for _, want := range []string{"No date found on the page", "Nothing: no alert, notice or site-wide repeated block"} {
		if !strings.Contains(body, want) {
			t.Errorf("service page detail lacks %q:\n%s", want, body)
		}
	}
}
