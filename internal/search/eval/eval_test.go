package eval

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/search"
)

// TestGOVUKQuality is the retrieval quality gate of issue 5 on the GOV.UK evaluation set
// (testdata/govuk). It fails when Fairline's MRR is below 0.85 or below 1.5 times the FTS5
// baseline's, when hit@3 is below 0.90, or when misspelled queries lose more than 10 % of the
// clean MRR.
func TestGOVUKQuality(t *testing.T) {
	r := runTestdata(t, "govuk", "queries.jsonl")
	if r.Pages != 157 || r.Fairline.Queries != 485 {
		t.Fatalf("data: %d pages, %d queries; want 157 and 485", r.Pages, r.Fairline.Queries)
	}
	if r.Fairline.MRR < 0.85 {
		t.Errorf("MRR %.3f < 0.85", r.Fairline.MRR)
	}
	if r.Fairline.Recall3 < 0.90 {
		t.Errorf("hit@3 %.3f < 0.90", r.Fairline.Recall3)
	}
	if r.Fairline.MRR < 1.5*r.FTS5.MRR {
		t.Errorf("MRR %.3f < 1.5 × FTS5 %.3f", r.Fairline.MRR, r.FTS5.MRR)
	}
	if r.FairlineTypos.MRR < 0.9*r.Fairline.MRR {
		t.Errorf("misspelled MRR %.3f more than 10%% below clean %.3f", r.FairlineTypos.MRR, r.Fairline.MRR)
	}
	// The baseline must be a real one, not a strawman: the issue measured about 0.56.
	if r.FTS5.MRR < 0.5 {
		t.Errorf("FTS5 baseline MRR %.3f is implausibly low", r.FTS5.MRR)
	}
}

func TestMisspell(t *testing.T) {
	qs := []Query{{Query: "council tax bands"}, {Query: "blue badge"}, {Query: "recycling"}, {Query: "tax"},
		{Query: "report a missed bin collection"}}
	a, b := Misspell(qs, 7), Misspell(qs, 7)
	c := Misspell(qs, 8)
	same := true
	for i := range qs {
		if a[i].Query != b[i].Query {
			t.Errorf("not deterministic: %q vs %q", a[i].Query, b[i].Query)
		}
		if a[i].Query != c[i].Query {
			same = false
		}
		if a[i].Query == qs[i].Query && len(strings.Fields(qs[i].Query)) > 1 {
			t.Errorf("%q unchanged", qs[i].Query)
		}
	}
	if same {
		t.Error("different seeds gave the same copy")
	}
	// A single short word has no mistake a search engine could undo; it stays.
	if a[3].Query != "tax" {
		t.Errorf("short word changed to %q", a[3].Query)
	}
}

func TestMistakeKinds(t *testing.T) {
	// Over many seeds every kind of mistake appears.
	kinds := map[string]bool{}
	for seed := range uint64(200) {
		got := Misspell([]Query{{Query: "council tax"}}, seed)[0].Query
		switch {
		case got == "counciltax":
			kinds["joined"] = true
		case len(got) == len("council tax")-1:
			kinds["dropped"] = true
		case len(got) == len("council tax")+1:
			kinds["doubled"] = true
		case got != "council tax":
			kinds["swapped or neighbour"] = true
		}
	}
	if len(kinds) != 4 {
		t.Errorf("kinds seen: %v", kinds)
	}
}

func TestMeasureAndTable(t *testing.T) {
	qs := []Query{{Query: "a", Expected: []string{"u1"}}, {Query: "b", Expected: []string{"u2/"}}, {Query: "c", Expected: []string{"u9"}}}
	results := map[string][]string{"a": {"u1", "u2"}, "b": {"u1", "u3", "u2"}, "c": {"u1"}}
	m, times, _ := measure(qs, func(q string) []string { return results[q] })
	if len(times) != 3 || m.Queries != 3 {
		t.Fatalf("%+v", m)
	}
	if m.Recall1 != 1.0/3 || m.Recall3 != 2.0/3 || m.MRR != (1+1.0/3)/3 {
		t.Errorf("metrics %+v", m)
	}
	var b bytes.Buffer
	if err := WriteTable(&b, Report{Fairline: m, FTS5: m, FairlineTypos: m, FTS5Typos: m}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Fairline (misspelled)", "FTS5 bm25", "1.00×", "p50", "0.444"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "expect no page") {
		t.Errorf("a set where every query has a page mentions unanswerable ones:\n%s", b.String())
	}

	// A query the site cannot answer is run but not scored: the figures stay
	// those of the three that have a page.
	withNone := append(qs, Query{Query: "d"})
	m2, times2, ranks2 := measure(withNone, func(q string) []string { return results[q] })
	if m2 != m || len(times2) != 4 || len(ranks2) != 4 {
		t.Errorf("with a query expecting no page: %+v (%d timed, %d ranked), want %+v, 4, 4", m2, len(times2), len(ranks2), m)
	}
	b.Reset()
	if err := WriteTable(&b, Report{Fairline: m, Unanswerable: 1}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "1 queries expect no page") {
		t.Errorf("table does not say a query was left out:\n%s", b.String())
	}
}

// runTestdata evaluates testdata/NAME's pages and its queries file and logs the table.
func runTestdata(t *testing.T, name, queries string) Report {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "testdata", name)
	r, err := RunFiles(context.Background(), filepath.Join(dir, "pages.jsonl"), filepath.Join(dir, queries), Options{Seed: 1, Parallel: raceEnabled})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteTable(&b, r); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", b.String())
	return r
}

// TestHeldOutQueries measures, on council sites the ranking was never tuned on, question sets
// written from the pages before any of their results were seen (see each testdata README). Each
// floor sits below the set's first run (in the comments): a regression guard for unseen council
// content, not a target. beatFTS5 is set where the first run beat the baseline; on the Falkirk
// keyword queries FTS5 came first (0.935 against 0.922) and the guard records that honestly.
func TestHeldOutQueries(t *testing.T) {
	for _, tc := range []struct {
		dir, file      string
		pages, n, none int     // pages, queries with an expected page, queries without one
		hit3, mrr      float64 // floors
		beatFTS5       bool
	}{
		// 23 Nov 2026: hit@3 0.879, MRR 0.793; FTS5 0.848 and 0.736.
		{"localgov-demo", "queries.jsonl", 102, 33, 0, 0.8, 0.75, true},
		// 2 Dec 2026 (issue 12): hit@3 0.972, MRR 0.922; FTS5 0.986 and 0.935.
		{"falkirk", "queries.jsonl", 81, 71, 0, 0.9, 0.85, false},
		// 2 Dec 2026: hit@3 0.886, MRR 0.822; FTS5 0.818 and 0.749.
		{"falkirk", "residents-words.jsonl", 81, 44, 0, 0.8, 0.75, true},
		// Questions the site cannot answer have no rank; the answer-level table measures them.
		{"falkirk", "unanswerable.jsonl", 81, 0, 10, 0, 0, false},
	} {
		t.Run(tc.dir+"/"+tc.file, func(t *testing.T) {
			r := runTestdata(t, tc.dir, tc.file)
			if r.Pages != tc.pages || r.Fairline.Queries != tc.n || r.Unanswerable != tc.none {
				t.Fatalf("data: %d pages, %d queries with a page, %d without; want %d, %d, %d",
					r.Pages, r.Fairline.Queries, r.Unanswerable, tc.pages, tc.n, tc.none)
			}
			if tc.n == 0 {
				return
			}
			if r.Fairline.Recall3 < tc.hit3 || r.Fairline.MRR < tc.mrr || tc.beatFTS5 && r.Fairline.MRR < r.FTS5.MRR ||
				r.FairlineTypos.MRR < 0.9*r.Fairline.MRR {
				t.Errorf("unseen council questions: hit@3 %.3f (floor %.2f), MRR %.3f (floor %.2f; FTS5's %.3f, must beat it: %v), misspelled MRR %.3f (floor 90%% of clean)",
					r.Fairline.Recall3, tc.hit3, r.Fairline.MRR, tc.mrr, r.FTS5.MRR, tc.beatFTS5, r.FairlineTypos.MRR)
			}
		})
	}
}

// TestLocalGovSanity checks, on a council site the ranking was never tuned on (the LocalGov
// Drupal demo in testdata/localgov-demo), that residents' questions written for this test find
// the page that answers them.
func TestLocalGovSanity(t *testing.T) {
	pages, err := ReadPages(filepath.Join("..", "..", "..", "testdata", "localgov-demo", "pages.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	ix := search.New(search.Options{})
	for _, p := range pages {
		if d, err := search.DocFromHTML(p.URL, p.Title, p.HTML, nil); err == nil {
			ix.Add(d)
		}
	}
	const site = "https://demo.localgov.example"
	tests := []struct{ query, want string }{
		{"how do i register a birth", "/births-deaths-marriages-and-citizenship/registering-birth"},
		{"apply for a blue badge", "/adult-health-and-social-care/travel-passes-and-support/blue-badges/apply-blue-badge"},
		{"am i eligible for a disabled parking badge", "/adult-health-and-social-care/travel-passes-and-support/blue-badges/who-eligible-blue-badge"},
		{"lost my blue badge", "/adult-health-and-social-care/travel-passes-and-support/blue-badges/report-changes-lost-or-stolen"},
		{"meals on wheels", "/adult-health-and-social-care/support-your-home/meals-wheels"},
		{"personal alarm for my mum", "/adult-health-and-social-care/support-your-home/home-monitoring-and-personal-alarms"},
		{"copy of a birth certificate", "/order-copy-certificate"},
		{"how to become a foster carer", "/fostering/fostering-process"},
		{"compost bins", "/news/2021/discounted-compost-bins-can-help-transform-your-garden-over-winter"},
		{"how do I start a petition", "/publications/publications-cover-page-demo-content/petitions-scheme-publications-demo-content/how"},
	}
	hits := 0
	for _, tt := range tests {
		rs := ix.Search(tt.query, 3)
		var got []string
		for _, r := range rs {
			got = append(got, strings.TrimPrefix(r.URL, site))
		}
		if firstHit(got, []string{tt.want}) == 0 {
			t.Logf("%q: %v, want %s in the first three", tt.query, got, tt.want)
			continue
		}
		hits++
	}
	// A floor, not a perfection test: these are hand-written questions on an unseen site.
	if hits < 8 {
		t.Errorf("%d of %d questions answered in the first three", hits, len(tests))
	}
}
