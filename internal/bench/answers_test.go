package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/search/eval"
)

func TestClassify(t *testing.T) {
	const a, b, c = "https://council.example/a", "https://council.example/b", "https://council.example/c"
	for _, tc := range []struct {
		name     string
		reply    Reply
		expected []string
		want     Outcome
	}{
		{"answer from the expected page", Reply{Answer: a}, []string{a}, AnsweredRight},
		{"answer from one of two expected pages, trailing slash", Reply{Answer: b + "/"}, []string{a, b}, AnsweredRight},
		{"answer from another page", Reply{Answer: c}, []string{a, b}, AnsweredWrong},
		{"choices with the expected page", Reply{Choices: []string{c, a}}, []string{a}, ChoicesRight},
		{"choices without it", Reply{Choices: []string{b, c}}, []string{a}, ChoicesWrong},
		{"not found", Reply{Handoff: chat.ReasonNotFound}, []string{a}, Declined},
		{"nothing at all (FTS5 returned nothing)", Reply{}, []string{a}, Declined},
		{"scope guard: case-specific", Reply{Handoff: chat.ReasonCaseSpecific}, []string{a}, HandedOff},
		{"scope guard: eligibility", Reply{Handoff: chat.ReasonEligibility}, []string{a}, HandedOff},
		{"another council", Reply{Handoff: chat.ReasonOtherCouncil}, []string{a}, HandedOff},
		{"no expected page matches an empty answer", Reply{}, []string{""}, Declined},
		{"the site cannot answer it: declined", Reply{Handoff: chat.ReasonNotFound}, nil, Declined},
		{"the site cannot answer it: an answer is wrong", Reply{Answer: a}, nil, AnsweredWrong},
		{"the site cannot answer it: choices are wrong", Reply{Choices: []string{a, b}}, nil, ChoicesWrong},
		{"the site cannot answer it: another council", Reply{Handoff: chat.ReasonOtherCouncil}, nil, HandedOff},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.reply, tc.expected); got != tc.want {
				t.Errorf("Classify(%+v, %v) = %s, want %s", tc.reply, tc.expected, got, tc.want)
			}
		})
	}
}

// A small crafted set through the real answer path (chat.Service.Try over a
// real SQLite knowledge base): one question answered from its page, one
// answered from a page other than the one the set expects, one about
// nothing on the site (it expects no page), one the scope guard hands off.
func TestAnswerLevel(t *testing.T) {
	ctx := context.Background()
	const site = "https://council.example"
	dir := t.TempDir()
	pages := []eval.Page{
		{URL: site + "/libraries/opening-hours", Title: "Library opening hours",
			HTML: "<main><h1>Library opening hours</h1><p>The central library is open Monday to Saturday from 9am to 5pm. " +
				"On Sundays the library is closed. Library opening hours over bank holidays are shown in the branch.</p></main>"},
		{URL: site + "/parking/pay-a-parking-fine", Title: "Pay a parking fine",
			HTML: "<main><h1>Pay a parking fine</h1><p>Pay a parking fine (a penalty charge notice) online with your card. " +
				"You pay a parking fine at half the rate if you pay within 14 days of the penalty charge notice.</p></main>"},
		{URL: site + "/parking/permits", Title: "Residents' parking permits",
			HTML: "<main><h1>Residents' parking permits</h1><p>Apply for a residents' parking permit if you live in a permit zone. " +
				"A parking permit costs 60 pounds a year for the first car.</p></main>"},
	}
	queries := []eval.Query{
		{Query: "what are the library opening hours on saturday", Expected: []string{site + "/libraries/opening-hours"}},
		{Query: "how do i pay a parking fine", Expected: []string{site + "/parking/permits"}},
		{Query: "xylophone quokka zeppelin"}, // nothing on the site answers it
		{Query: "where is my parking permit application", Expected: []string{site + "/parking/permits"}},
	}
	want := []Outcome{AnsweredRight, AnsweredWrong, Declined, HandedOff}
	pagesFile, queriesFile := filepath.Join(dir, "pages.jsonl"), filepath.Join(dir, "queries.jsonl")
	writeJSONL(t, pagesFile, pages)
	writeJSONL(t, queriesFile, queries)

	pol := pagesPolicy(t, pagesFile)
	svc, cleanup, err := chatService(ctx, pol, nil, pagesFile, false, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cleanup(); err != nil {
			t.Error(err)
		}
	})
	for i, q := range queries {
		resp, err := svc.Try(ctx, q.Query)
		if err != nil {
			t.Fatal(err)
		}
		if got := Classify(replyOf(resp), q.Expected); got != want[i] {
			t.Errorf("%q: %s, want %s (answer %q, handoff %+v, sources %+v)", q.Query, got, want[i], resp.Answer, resp.Handoff, resp.Sources)
		}
	}

	// The tallies: Fairline's one of each; FTS5's from its first results.
	fts5First := []string{site + "/libraries/opening-hours", site + "/parking/pay-a-parking-fine", "", site + "/parking/permits"}
	fl, ft, err := AnswerLevel(ctx, svc, queries, fts5First)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		t    Tally
		want [numOutcomes]int
	}{
		{fl, [numOutcomes]int{AnsweredRight: 1, AnsweredWrong: 1, Declined: 1, HandedOff: 1}},
		{ft, [numOutcomes]int{AnsweredRight: 2, AnsweredWrong: 1, Declined: 1}},
	} {
		if tc.t.N != len(queries) || tc.t.Count != tc.want || tc.t.NoPage != 1 {
			t.Errorf("%s: n %d, counts %v, %d expecting no page; want %d, %v, 1", tc.t.Name, tc.t.N, tc.t.Count, tc.t.NoPage, len(queries), tc.want)
		}
	}
	if _, _, err := AnswerLevel(ctx, svc, queries, fts5First[:1]); err == nil {
		t.Error("FTS5 results not matching the queries: no error")
	}

	// The table in Chat's output, with FTS5's first results from the eval.
	var out bytes.Buffer
	rep, err := eval.RunFiles(ctx, pagesFile, queriesFile, eval.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.FTS5First) != len(queries) || rep.FTS5First[2] != "" {
		t.Fatalf("FTS5First %q: want one per query, empty for the question about nothing", rep.FTS5First)
	}
	if rep.Unanswerable != 1 || rep.Fairline.Queries != 3 {
		t.Errorf("ranking over %d queries with %d unanswerable; want 3 and 1 (a question with no page has no rank)", rep.Fairline.Queries, rep.Unanswerable)
	}
	if err := answerTable(ctx, &out, pol, nil, pagesFile, "crafted", queries, rep.FTS5First); err != nil {
		t.Fatal(err)
	}
	mustContain(t, out.String(), "answer level (crafted;", "(1 of the 4 questions expect no page", "answered right", "choices with right", "handed off",
		"Fairline (chat answer)       4", "1 (25.0%)", "FTS5 bm25 (top result)       4")
}

func writeJSONL[T any](t *testing.T, file string, rows []T) {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(file, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// The bench measures a unitary council's pages with no other-council topics:
// with chat's default (a two-tier county's districts) a bin question is sent
// elsewhere; with an empty list it is answered from the site.
func TestChatServiceOtherCouncils(t *testing.T) {
	ctx := context.Background()
	const site = "https://council.example"
	pagesFile := filepath.Join(t.TempDir(), "pages.jsonl")
	writeJSONL(t, pagesFile, []eval.Page{{URL: site + "/bins/missed-bins", Title: "Report a missed bin",
		HTML: "<main><h1>Report a missed bin</h1><p>If we miss your bin, report the missed bin within 24 hours and we will " +
			"return within one working day to empty the missed bin.</p></main>"}})
	pol := pagesPolicy(t, pagesFile)
	for _, tc := range []struct {
		name   string
		others []chat.OtherCouncil
		want   Outcome
	}{
		{"default: a two-tier county's districts", nil, HandedOff},
		{"unitary: no other council", []chat.OtherCouncil{}, AnsweredRight},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, cleanup, err := chatService(ctx, pol, tc.others, pagesFile, false, "")
			if err != nil {
				t.Fatal(err)
			}
			defer cleanup()
			resp, err := svc.Try(ctx, "how do i report a missed bin")
			if err != nil {
				t.Fatal(err)
			}
			if got := Classify(replyOf(resp), []string{site + "/bins/missed-bins"}); got != tc.want {
				t.Errorf("%s, want %s (answer %q, handoff %+v)", got, tc.want, resp.Answer, resp.Handoff)
			}
		})
	}
}

// pagesPolicy is the default policy with the pages' sites declared as the
// chatbot's sources, as Chat declares them.
func pagesPolicy(t *testing.T, pagesFile string) *policy.Policy {
	t.Helper()
	srcs, err := pageSources(pagesFile)
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policy.Default().WithSources("test", chat.System, srcs...)
	if err != nil {
		t.Fatal(err)
	}
	return pol
}
