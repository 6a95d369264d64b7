package search

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const banner = "Our offices are closed on Monday for the bank holiday; online services are available as usual."

// site returns n pages of host, each with its own topic; the first withBanner of them carry the
// banner paragraph inside their main content (where main-content detection cannot tell it apart).
func site(host string, n, withBanner int) []Doc {
	topics := []string{"missed bin collection", "council tax discount", "blue badge parking", "library membership",
		"pothole repair", "carer assessment", "planning application", "school admissions", "parking permit", "noise complaint"}
	var docs []Doc
	for i := range n {
		t := topics[i%len(topics)]
		b := ""
		if i < withBanner {
			b = "<p>" + banner + "</p>"
		}
		html := fmt.Sprintf(`<main><h1>%s</h1>%s<p>How to ask for %s: fill in the %s form and we reply within ten days.</p></main>`, t, b, t, t)
		d, err := DocFromHTML(fmt.Sprintf("https://%s/page-%d", host, i), "", html, nil)
		if err != nil {
			panic(err)
		}
		docs = append(docs, d)
	}
	return docs
}

func TestBoilerplateRepeatedBlocks(t *testing.T) {
	tests := []struct {
		name            string
		docs            []Doc
		removed         bool // the banner is left out of the bannered pages
		otherHostPages  int  // pages of another host without the banner, indexed alongside
		wantRepeatedLen int
	}{
		{"on every page", site("a.example", 6, 6), true, 0, 1},
		{"on 3 of 10 pages (30 %)", site("a.example", 10, 3), true, 0, 1},
		{"on 2 of 10 pages", site("a.example", 10, 2), false, 0, 0},
		{"on 2 of 2 pages (under three)", site("a.example", 2, 2), false, 0, 0},
		// Shares are per site: another council's pages do not dilute this one's banner.
		{"on every page of one site among two", site("a.example", 3, 3), true, 20, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs := append(tt.docs, site("b.example", tt.otherHostPages, 0)...)
			bp := FindBoilerplate(docs)
			if bp.Len() != tt.wantRepeatedLen {
				t.Errorf("%d repeated blocks, want %d", bp.Len(), tt.wantRepeatedLen)
			}
			ix := New(Options{})
			for _, d := range docs {
				ix.Add(bp.Strip(d))
			}
			first := tt.docs[0]
			d, _ := ix.Doc(first.URL)
			var text strings.Builder
			for _, p := range d.Passages {
				text.WriteString(p.Text + "\n")
			}
			if got := strings.Contains(text.String(), "bank holiday"); got == tt.removed {
				t.Errorf("banner in passages = %v, want %v:\n%s", got, !tt.removed, text.String())
			}
			if tt.removed != (len(d.Excluded) == 1 && d.Excluded[0].Text == banner && d.Excluded[0].Reason == ReasonRepeated) {
				t.Errorf("excluded = %+v", d.Excluded)
			}
			// The page's own content is still found and quoted.
			rs := ix.Search(first.Title+" form", 1)
			if len(rs) == 0 || rs[0].URL != first.URL || !strings.Contains(rs[0].Snippet, "fill in the") {
				t.Errorf("own content: %+v", rs)
			}
			// A question in the banner's words never quotes it once it is furniture.
			for _, r := range ix.Search("are your offices closed on the bank holiday", 5) {
				if tt.removed && (strings.Contains(r.Snippet, "bank holiday") || strings.Contains(r.Passage.Text, "bank holiday")) {
					t.Errorf("banner quoted: %+v", r)
				}
			}
		})
	}
}

// A page whose every block is furniture keeps its title, so that it can be found by name.
func TestBoilerplateStripKeepsTitle(t *testing.T) {
	docs := site("a.example", 4, 4)
	only, err := DocFromHTML("https://a.example/closures", "", "<main><h1>Closures</h1><p>"+banner+"</p></main>", nil)
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, only)
	got := FindBoilerplate(docs).Strip(only)
	if len(got.Passages) != 1 || got.Passages[0].Text != "Closures" {
		t.Errorf("passages %+v", got.Passages)
	}
}

// topicPages are the council test site (councilSite, whose recycling centres page is a
// service page) and a news item or an old page on the same topic, which matches the question a
// little better, so that only its penalty puts the service page first.
func topicPages(t *testing.T, staleURL, staleHead string) (docs []Doc, service string) {
	t.Helper()
	for _, p := range councilSite {
		d, err := DocFromHTML(p.url, "", p.html, nil)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	stale, err := DocFromHTML(staleURL, "", `<html><head>`+staleHead+`</head><body><main><h1>Recycling centres opening hours</h1>
		<p>Household waste recycling centres opening hours change during the lockdown: recycling centres open from 9am to 4pm.</p></main></body></html>`, nil)
	if err != nil {
		t.Fatal(err)
	}
	return append(docs, stale), "https://council.example/recycling-centres"
}

func TestNewsAndOldPagesRankBelowServicePages(t *testing.T) {
	now := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	const oldMeta = `<meta property="article:published_time" content="2021-09-10T09:00:00Z">`
	const freshMeta = `<meta property="article:published_time" content="2026-01-10T09:00:00Z">`
	tests := []struct {
		name, url, head string
		stale           bool // ranked below the service page by the defaults
	}{
		{"news item", "https://council.example/news/recycling-centres-hours", "", true},
		{"old page", "https://council.example/waste/recycling-centres-hours-2021", oldMeta, true},
		{"old news item", "https://council.example/news/2021/recycling-centres-hours", oldMeta, true},
		{"recent page", "https://council.example/waste/recycling-centres-hours-2026", freshMeta, false},
	}
	const q = "recycling centres opening hours"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, service := topicPages(t, tt.url, tt.head)
			first := func(p *Params) string {
				ix := New(Options{Params: p, Now: func() time.Time { return now }})
				ix.Add(docs...)
				rs := ix.Search(q, 2)
				for _, r := range rs {
					t.Logf("%s %.3f", r.URL, r.Score)
				}
				if len(rs) != 2 {
					t.Fatalf("results %+v", rs)
				}
				return rs[0].URL
			}
			// Control: without the penalty the stale page's better match puts it first.
			flat := DefaultParams()
			flat.NewsFactor, flat.OldFactor = 1, 1
			if got := first(&flat); got != tt.url {
				t.Fatalf("control: %s first; the test pages no longer exercise the penalty", got)
			}
			want := tt.url
			if tt.stale {
				want = service
			}
			if got := first(nil); got != want {
				t.Errorf("%s first, want %s", got, want)
			}
		})
	}
}

// An old news item that is the only page on a topic is still found, but not as a confident
// answer: it reported a moment.
func TestOldNewsIsNotAConfidentAnswer(t *testing.T) {
	d, err := DocFromHTML("https://council.example/news/2021/lockdown-update", "", `<main><h1>Update on services during lockdown</h1>
		<h2>Household waste recycling centres</h2><p>Our household waste recycling centres are open, with a booking system at some sites.</p>
		<p class="detail"><strong>Published:</strong> 10 September 2021</p></main>`, nil)
	if err != nil {
		t.Fatal(err)
	}
	conf := func(now time.Time) float64 {
		ix := New(Options{Now: func() time.Time { return now }})
		ix.Add(d)
		rs := ix.Search("when are household waste recycling centres open", 1)
		if len(rs) != 1 || rs[0].URL != d.URL {
			t.Fatalf("not found: %+v", rs)
		}
		return rs[0].Confidence
	}
	then := conf(time.Date(2021, 9, 11, 0, 0, 0, 0, time.UTC))
	later := conf(time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC))
	if later >= ConfidenceThreshold || later >= then {
		t.Errorf("confidence in 2026 %.3f (in 2021 %.3f), want below %.2f", later, then, ConfidenceThreshold)
	}
	ix := New(Options{Now: func() time.Time { return time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC) }})
	f := ix.Freshness(d)
	if f.News != "the address is under /news/" || !f.Old || f.Source != `"Published:" text` ||
		!f.Published.Equal(time.Date(2021, 9, 10, 0, 0, 0, 0, time.UTC)) || f.Factor >= 1 {
		t.Errorf("freshness %+v", f)
	}
}

func TestNewsReason(t *testing.T) {
	for u, want := range map[string]string{
		"https://c.example/news/2021/x":              "the address is under /news/",
		"https://c.example/council/press-releases/a": "the address is under /press-releases/",
		"https://c.example/newsletters":              "",
		"https://c.example/bins/news-of-the-world":   "",
		"://bad": "",
	} {
		if got := NewsReason(u); got != want {
			t.Errorf("NewsReason(%q) = %q, want %q", u, got, want)
		}
	}
}
