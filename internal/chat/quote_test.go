package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/fairline/fairline/internal/kb"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// A question about the resident's own case on another council's topic gets
// one message, the other council's, never "I can't see your case" and
// "ask your district" run together; a case question on this council's own
// topic still gets the case explanation.
func TestOtherCouncilCaseSaysOneThing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.svc.SetOtherCouncils(DefaultOtherCouncils())
		ctx := context.Background()
		for _, c := range []struct {
			q, reason, want string
		}{
			{"when is my bin collection", ReasonOtherCouncil, "Questions about household bin collections are for your district or borough council"},
			{"my bin wasn't collected yesterday", ReasonOtherCouncil, "Questions about household bin collections are for"},
			{"am I eligible for a council tax single person discount", ReasonOtherCouncil, "Questions about council tax bills and payments are for"},
			{"where is my blue badge application", ReasonCaseSpecific, "I can't see or update your own case"},
		} {
			resp, err := f.svc.Ask(ctx, Request{Message: c.q})
			if err != nil {
				t.Fatal(err)
			}
			h := resp.Handoff
			if h == nil || h.Reason != c.reason {
				t.Errorf("%q: handoff %+v, want reason %s", c.q, h, c.reason)
				continue
			}
			if resp.Answer != h.Message || !strings.HasPrefix(h.Message, c.want) {
				t.Errorf("%q: answer %q / message %q, want it to start %q", c.q, resp.Answer, h.Message, c.want)
			}
			// One message: the other council's text never follows the case explanation.
			if c.reason == ReasonOtherCouncil && (strings.Contains(h.Message, "where it has got to") || strings.Contains(h.Message, "eligible")) {
				t.Errorf("%q: two messages stitched: %q", c.q, h.Message)
			}
			if c.reason == ReasonCaseSpecific && strings.Contains(h.Message, "Questions about") {
				t.Errorf("%q: two messages stitched: %q", c.q, h.Message)
			}
		}
	})
}

// quoteShapes are pages in the shapes councils write lists and conditions
// in; each question's answer quotes an item that means the opposite, or
// something else, without its lead-in.
var quoteShapes = []struct {
	name, page, question, item string
	leads                      []string // must all come before item, in this order
}{
	{"demo blue badge page: You must not:", "", "can someone else use my blue badge",
		"allow someone else to use your blue badge", []string{"You must not:"}},
	{"You must not: (allotments)",
		`<h1>Allotment tenancy rules</h1><p>Allotment holders agree to these rules.</p><p>You must not:</p><ul><li>keep bees on your allotment plot without permission</li><li>sublet your allotment plot</li></ul>`,
		"can I keep bees on my allotment plot", "keep bees on your allotment plot", []string{"You must not:"}},
	{"If you: (lost quokka pass)",
		`<h1>Quokka enclosure season passes</h1><p>A season pass gives free entry for a year.</p><h2>Replacing a pass</h2><p>If you:</p><ul><li>lose your season pass, we charge a £5 replacement fee</li><li>move home, update your address online</li></ul>`,
		"quokka season pass replacement fee", "lose your season pass, we charge a £5 replacement fee", []string{"If you:"}},
	{"You cannot ... if you: (parking permit)",
		`<h1>Resident parking permits</h1><p>Permits cost £40 a year.</p><p>You cannot get a resident parking permit if you:</p><ul><li>live in a new development built after 2015</li><li>have off-street parking</li></ul>`,
		"resident parking permit new development built after 2015", "live in a new development built after 2015",
		[]string{"You cannot get a resident parking permit if you:"}},
	{"Do not: (bonfires)",
		`<h1>Garden bonfires</h1><p>Bonfires are allowed in gardens.</p><p>Do not:</p><ul><li>burn plastic, rubber or painted wood on a bonfire</li><li>leave a bonfire unattended</li></ul>`,
		"can I burn plastic on a garden bonfire", "burn plastic, rubber or painted wood on a bonfire", []string{"Do not:"}},
	{"Unless ..., you must not: (school zigzags)",
		`<h1>Parking outside schools</h1><p>Wardens patrol schools at the start and end of the day.</p><p>Unless you hold a blue zigzag exemption, you must not:</p><ul><li>stop on the yellow zigzag markings outside a school</li></ul>`,
		"stop on yellow zigzag markings outside a school", "stop on the yellow zigzag markings outside a school",
		[]string{"Unless you hold a blue zigzag exemption, you must not:"}},
	{"heading that negates (who cannot hire)",
		`<h1>Hiring the village hall</h1><p>The hall seats 120 people.</p><h2>Who cannot hire the hall</h2><ul><li>groups planning a commercial rave in the village hall</li></ul>`,
		"commercial rave in the village hall", "groups planning a commercial rave in the village hall",
		[]string{"Who cannot hire the hall"}},
	{"heading that conditions a paragraph (if refused)",
		`<h1>Market stall licences</h1><p>A market stall licence lets you trade on the square.</p><h2>If your licence is refused</h2><p>Appeal to the markets team within 21 days of the letter.</p>`,
		"appeal markets team market stall licence within 21 days", "Appeal to the markets team within 21 days of the letter.",
		[]string{"If your licence is refused"}},
	{"nested list: the parent item and its list's lead-in",
		`<h1>Country park rules</h1><p>The park is open from dawn to dusk.</p><p>You must not:</p><ul><li>light fires<ul><li>including disposable barbecues near the quarry lake</li></ul></li><li>fly drones</li></ul>`,
		"disposable barbecues near the quarry lake", "including disposable barbecues near the quarry lake",
		[]string{"You must not:", "light fires"}},
	{"list written as paragraphs after a colon",
		`<h1>Duck pond</h1><p>The duck pond is in the memorial gardens.</p><p>Please do not:</p><p>feed bread to the ducks at the memorial pond</p><p>Ducks eat seeds and peas.</p>`,
		"feed bread to the ducks memorial pond", "feed bread to the ducks at the memorial pond", []string{"Please do not:"}},
}

// TestQuotesKeepTheirLeadIn: an answer quoting a list item or a line under a
// condition or negation carries the lead-in first.
func TestQuotesKeepTheirLeadIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		k := kb.New(db, kb.Options{Hooks: f.svc.Hooks(), Policy: f.pol, Audit: f.audit})
		var pages strings.Builder
		enc := json.NewEncoder(&pages)
		for i, c := range quoteShapes {
			if c.page == "" {
				continue
			}
			if err := enc.Encode(map[string]string{"url": fmt.Sprintf("https://demo.localgov.example/shape-%d", i), "html": "<main>" + c.page + "</main>"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := k.Import(ctx, strings.NewReader(pages.String())); err != nil {
			t.Fatal(err)
		}
		for i, c := range quoteShapes {
			t.Run(c.name, func(t *testing.T) {
				resp, err := f.svc.Try(ctx, c.question)
				if err != nil {
					t.Fatal(err)
				}
				want := fmt.Sprintf("/shape-%d", i)
				if c.page == "" {
					want = "/blue-badges/blue-badge-fraud"
				}
				if resp.Handoff != nil || len(resp.Sources) == 0 || !strings.Contains(resp.Sources[0].URL, want) {
					t.Fatalf("%q: not answered from %s: %+v", c.question, want, resp)
				}
				at := strings.Index(resp.Answer, c.item)
				if at < 0 {
					t.Fatalf("%q: answer %q does not quote %q", c.question, resp.Answer, c.item)
				}
				prev := -1
				for _, l := range c.leads {
					j := strings.Index(resp.Answer, l)
					if j < 0 || j >= at || j <= prev {
						t.Errorf("%q: answer %q lacks the lead-in %q before %q", c.question, resp.Answer, l, c.item)
					}
					prev = j
				}
				// The source's snippet is the same quote.
				if resp.Sources[0].Snippet != resp.Answer {
					t.Errorf("snippet %q differs from answer %q", resp.Sources[0].Snippet, resp.Answer)
				}
			})
		}
	})
}

var spaceBeforePunct = regexp.MustCompile(`\s+([,.;:!?])`)

// pageList is a list item of a page and the lead-in its list depends on,
// read straight from the markup (not from extract): the paragraph just
// before the list, or for a nested list the text of its parent item.
type pageList struct{ item, lead string }

func listLeads(t *testing.T, markup string) []pageList {
	t.Helper()
	root, err := html.Parse(strings.NewReader(markup))
	if err != nil {
		t.Fatal(err)
	}
	norm := func(s string) string {
		s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\u00a0", " ")), " ")
		return spaceBeforePunct.ReplaceAllString(s, "$1")
	}
	// own is an item's text without its nested lists.
	var own func(n *html.Node, b *strings.Builder)
	own = func(n *html.Node, b *strings.Builder) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				b.WriteString(c.Data + " ")
			case c.Type == html.ElementNode && c.DataAtom != atom.Ul && c.DataAtom != atom.Ol:
				own(c, b)
			}
		}
	}
	text := func(n *html.Node) string { var b strings.Builder; own(n, &b); return norm(b.String()) }
	var out []pageList
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.DataAtom == atom.Ul || n.DataAtom == atom.Ol) {
			lead := ""
			if p := n.Parent; p != nil && p.DataAtom == atom.Li {
				lead = text(p)
			} else {
				prev := n.PrevSibling
				for prev != nil && prev.Type != html.ElementNode {
					prev = prev.PrevSibling
				}
				if prev != nil && prev.DataAtom == atom.P {
					lead = text(prev)
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.DataAtom == atom.Li && lead != "" {
					if it := text(c); len(it) >= 15 {
						out = append(out, pageList{it, lead})
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return out
}

// TestNoListItemWithoutItsLeadIn is the property: over every demo page and
// questions made from its title, headings and list items, no answer quotes
// a list item of its page without its list's lead-in before it.
func TestNoListItemWithoutItsLeadIn(t *testing.T) {
	type demoPage struct{ URL, Title, HTML string }
	var pages []demoPage
	dec := json.NewDecoder(bytes.NewReader(demoPages))
	for dec.More() {
		var p demoPage
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p)
	}
	headingRE := regexp.MustCompile(`(?s)<h[1-4][^>]*>(.*?)</h[1-4]>`)
	tagRE := regexp.MustCompile(`<[^>]+>`)
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		checked, asked := 0, 0
		for _, p := range pages {
			lists := listLeads(t, p.HTML)
			questions := []string{p.Title}
			for _, m := range headingRE.FindAllStringSubmatch(p.HTML, -1) {
				questions = append(questions, html.UnescapeString(tagRE.ReplaceAllString(m[1], " ")))
			}
			for _, l := range lists {
				questions = append(questions, l.item)
			}
			for _, q := range questions {
				if strings.TrimSpace(q) == "" {
					continue
				}
				asked++
				resp, err := f.svc.Try(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if resp.Handoff != nil || len(resp.Sources) == 0 {
					continue
				}
				src, _, _ := strings.Cut(resp.Sources[0].URL, "#")
				if src != p.URL {
					// Quoted from another page: check against that page's lists.
					continue
				}
				// An item is quoted when a line of the answer starts with it; it is
				// then preceded by its list's lead-in (at least the lead-in's last
				// sentence, which is what introduces the list). An item text in
				// several lists of the page may come with any of their lead-ins.
				leads := map[string][]string{}
				for _, l := range lists {
					leads[l.item] = append(leads[l.item], lastSentenceOf(l.lead))
				}
				lines := strings.Split(resp.Answer, "\n")
				for item, want := range leads {
					for i, line := range lines {
						rest, ok := strings.CutPrefix(line, item)
						if !ok || (rest != "" && !strings.ContainsAny(rest[:1], ".:;!?")) {
							continue // not this item, maybe a longer one that starts with its words
						}
						checked++
						before := strings.Join(lines[:i], "\n")
						if !slices.ContainsFunc(want, func(l string) bool { return strings.Contains(before, l) }) {
							t.Errorf("%s, asked %q: answer %q quotes %q without its lead-in %q", p.URL, q, resp.Answer, item, want)
						}
					}
				}
			}
		}
		// The property was really exercised: answers quoted list items.
		if checked < 10 {
			t.Errorf("only %d quoted list items checked over %d questions", checked, asked)
		}
		t.Logf("%d quoted list items checked over %d questions", checked, asked)
	})
}

// lastSentenceOf is the text after a paragraph's last ". " followed by a capital.
func lastSentenceOf(p string) string {
	for i := len(p) - 3; i >= 0; i-- {
		if (p[i] == '.' || p[i] == '?' || p[i] == '!') && p[i+1] == ' ' && p[i+2] >= 'A' && p[i+2] <= 'Z' {
			return p[i+2:]
		}
	}
	return p
}
