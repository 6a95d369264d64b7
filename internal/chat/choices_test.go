package chat

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/search"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// When the best pages are relevant but none is clearly the answer, the bot
// offers them as 2–4 labelled choices instead of declining; a confident
// question still gets one answer, and an off-topic one is still declined.
func TestChoicesWhenUnsure(t *testing.T) {
	const site = "https://demo.localgov.example"
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		tests := []struct {
			q          string
			choices    bool
			wantChoice string // a page among the choices
			wantAnswer string // the single answer's page
			declined   bool
		}{
			// A story in a resident's words: the top page's confidence is
			// far below the threshold, yet the pages are relevant.
			{q: "my nan needs a bit of help around the house and with her meals", choices: true,
				wantChoice: site + "/adult-health-and-social-care/support-your-home/meals-wheels"},
			{q: "How do I apply for a blue badge?",
				wantAnswer: site + "/adult-health-and-social-care/travel-passes-and-support/blue-badges/apply-blue-badge"},
			{q: "capital of France", declined: true},
			{q: "zxqv blorp snargle", declined: true},
		}
		for _, tt := range tests {
			resp, err := f.svc.Ask(ctx, Request{Message: tt.q})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Choices == nil {
				t.Errorf("%q: choices is nil, want an empty list at least", tt.q)
			}
			switch {
			case tt.choices:
				if resp.Handoff != nil || len(resp.Sources) != 0 || resp.Answer != msgChoices {
					t.Errorf("%q: not a choices reply: %+v", tt.q, resp)
				}
				if n := len(resp.Choices); n < 2 || n > maxChoices {
					t.Errorf("%q: %d choices, want 2–%d", tt.q, n, maxChoices)
				}
				seen := map[string]bool{}
				found := false
				for _, c := range resp.Choices {
					u, _, _ := strings.Cut(c.URL, "#")
					if seen[u] {
						t.Errorf("%q: page %s offered twice", tt.q, u)
					}
					seen[u] = true
					if c.Title == "" {
						t.Errorf("%q: choice %s has no label", tt.q, u)
					}
					found = found || u == tt.wantChoice
				}
				if !found {
					t.Errorf("%q: choices %+v lack %s", tt.q, resp.Choices, tt.wantChoice)
				}
			case tt.declined:
				if resp.Handoff == nil || resp.Handoff.Reason != ReasonNotFound || len(resp.Choices) != 0 {
					t.Errorf("%q: not declined: %+v", tt.q, resp)
				}
			default:
				if resp.Handoff != nil || len(resp.Choices) != 0 || len(resp.Sources) == 0 {
					t.Fatalf("%q: not one answer: %+v", tt.q, resp)
				}
				if u, _, _ := strings.Cut(resp.Sources[0].URL, "#"); u != tt.wantAnswer {
					t.Errorf("%q: answered from %s, want %s", tt.q, u, tt.wantAnswer)
				}
			}
		}
	})
}

// The API's response always carries "choices" as a list, each choice a page
// with url, title and snippet, so clients need no null check.
func TestChoicesResponseShape(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, q := range []string{"my nan needs a bit of help around the house and with her meals", "hello", "capital of France"} {
			resp, err := f.svc.Ask(context.Background(), Request{Message: q})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(resp)
			var m map[string]json.RawMessage
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			var cs []map[string]any
			if err := json.Unmarshal(m["choices"], &cs); err != nil || cs == nil {
				t.Errorf("%q: choices = %s (%v), want a list", q, m["choices"], err)
			}
			for _, c := range cs {
				for _, k := range []string{"url", "title", "snippet"} {
					if _, ok := c[k]; !ok {
						t.Errorf("%q: choice %v lacks %q", q, c, k)
					}
				}
			}
		}
	})
}

// A confident page with another as close behind is a close call, offered as
// choices; a section's hub close behind one of its own pages is not.
func TestCloseCall(t *testing.T) {
	s := &Service{threshold: 0.35}
	r := func(u string, conf, score float64) search.Result {
		return search.Result{URL: u, Title: u, Confidence: conf, Score: score, Words: 3}
	}
	const unit = 7 // GOV.UK's: a floor of 3.5
	tests := []struct {
		name    string
		results []search.Result
		want    []string
	}{
		{"clearly ahead", []search.Result{r("/a", 0.9, 10), r("/b", 0.9, 5)}, nil},
		{"close and different", []search.Result{r("/a", 0.9, 10), r("/b", 0.8, 9), r("/c", 0.8, 2)}, []string{"/a", "/b"}},
		{"close but barely relevant", []search.Result{r("/a", 0.9, 10), r("/b", 0.1, 9.5)}, nil},
		{"hub behind its page", []search.Result{r("/x/apply", 0.9, 10), r("/x", 0.9, 9.5)}, nil},
		{"unsure, relevant", []search.Result{r("/a", 0.1, 8), r("/b", 0.05, 6), r("/c", 0.02, 1)}, []string{"/a", "/b"}},
		{"unsure, weak", []search.Result{r("/a", 0.1, 3), r("/b", 0.05, 2.9)}, nil},
		{"short, its subject unknown", []search.Result{{URL: "/a", Confidence: 0.1, Score: 8, Words: 2, Coverage: 0.38, Unknown: 0.62}, {URL: "/b", Score: 6}}, nil},
		{"short, its subject known", []search.Result{{URL: "/a", Confidence: 0.1, Score: 8, Words: 2, Coverage: 0.5, Unknown: 0.2}, {URL: "/b", Score: 6}}, []string{"/a", "/b"}},
		{"one page only", []search.Result{r("/a", 0.1, 8)}, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, c := range s.choices(tt.results, unit) {
			got = append(got, c.URL)
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%s: choices %v, want %v", tt.name, got, tt.want)
		}
	}
}

// An eligibility question told as a story is handed off without a decision,
// but with the pages the answer gate found for it: the published information
// the message promises, even when no page is confident enough to quote.
func TestEligibilityHandoffOffersTheRelevantPages(t *testing.T) {
	const want = "https://demo.localgov.example/adult-health-and-social-care/support-your-home/meals-wheels"
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		q := "my grandad lives on his own and can't really cook any more, would he get meals on wheels"
		resp, err := f.svc.Ask(context.Background(), Request{Message: q})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Handoff == nil || resp.Handoff.Reason != ReasonEligibility {
			t.Fatalf("%q: %+v, want an eligibility handoff", q, resp)
		}
		var urls []string
		for _, r := range resp.Handoff.Routes {
			urls = append(urls, r.URL)
		}
		if !slices.Contains(urls, want) {
			t.Errorf("%q: routes %v, want %s among them", q, urls, want)
		}
	})
}
