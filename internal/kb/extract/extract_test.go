package extract

import (
	"strings"
	"testing"
)

// councilPage is a typical council page: site furniture around <main>, a cookie banner, a
// breadcrumb, a skip link, a related-links block and a feedback form.
const councilPage = `<!doctype html><html><head><title>Report a missed bin | Example Council</title>
<script>var x = "<h2>not text</h2>";</script><style>.a{}</style></head><body>
<a class="skip-link" href="#main">Skip to main content</a>
<div class="cookie-banner"><p>We use cookies to make this site work.</p><button>Accept</button></div>
<header class="site-header"><a href="/">Example Council</a><nav><a href="/bins">Bins</a></nav></header>
<nav class="breadcrumb"><ol><li><a href="/">Home</a></li><li>Bins</li></ol></nav>
<main id="main">
  <h1>Report a missed bin</h1>
  <p>If your bin was not collected on your collection day, tell us.</p>
  <h2 id="before">Before you report</h2>
  <p>Check your   collection day.</p>
  <ul><li>Bins must be out by 7am</li><li>Lids must be closed.</li></ul>
  <h3>Assisted collections</h3>
  <p>If you cannot move your bin, ask for an <abbr title="assisted bin collection">ABC</abbr>.</p>
  <h2>Related links</h2>
  <ul><li><a href="/recycling">Recycling</a></li></ul>
  <div class="feedback"><p>Was this page helpful?</p></div>
</main>
<footer><p>© Example Council</p></footer></body></html>`

func TestExtractCouncilPage(t *testing.T) {
	doc, err := Extract("https://example.gov.uk/bins/missed", councilPage)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Title != "Report a missed bin" {
		t.Errorf("title %q", doc.Title)
	}
	var all []string
	for _, s := range doc.Sections {
		all = append(all, s.Blocks...)
	}
	text := strings.Join(all, "\n")
	for _, banned := range []string{"cookies", "Skip to", "Home", "©", "Recycling", "helpful", "not text", "Accept"} {
		if strings.Contains(text, banned) {
			t.Errorf("boilerplate %q kept:\n%s", banned, text)
		}
	}
	want := []struct {
		anchor, heading string
		path            []string
		blocks          []string
	}{
		{"", "", nil, []string{"If your bin was not collected on your collection day, tell us."}},
		{"before", "Before you report", []string{"Before you report"},
			[]string{"Check your collection day.", "Bins must be out by 7am.", "Lids must be closed."}},
		{"assisted-collections", "Assisted collections", []string{"Before you report", "Assisted collections"},
			[]string{"If you cannot move your bin, ask for an ABC."}},
	}
	if len(doc.Sections) != len(want) {
		t.Fatalf("%d sections, want %d: %+v", len(doc.Sections), len(want), doc.Sections)
	}
	for i, w := range want {
		s := doc.Sections[i]
		if s.Anchor != w.anchor || s.Heading != w.heading || strings.Join(s.Path, "/") != strings.Join(w.path, "/") ||
			strings.Join(s.Blocks, "|") != strings.Join(w.blocks, "|") {
			t.Errorf("section %d = %+v, want %+v", i, s, w)
		}
	}
	if kw := doc.Sections[2].Keywords; len(kw) != 1 || kw[0] != "assisted bin collection (ABC)" {
		t.Errorf("keywords %q", kw)
	}
	if len(doc.Links) != 0 {
		t.Errorf("links from boilerplate kept: %+v", doc.Links)
	}
}

func TestExtractGOVUKGuide(t *testing.T) {
	html := `<main><h1>Blue Badge</h1><p class="lead">Apply for a Blue Badge.</p>
<section id="overview"><h2>Overview</h2><p>A badge helps you park.</p><h3>Costs</h3><p>Up to £10.</p></section>
<section id="apply"><h2>How to apply</h2><p>Apply <a href="/apply-blue-badge#start">online</a>.</p></section></main>`
	doc, err := Extract("https://www.gov.uk/blue-badge", html)
	if err != nil {
		t.Fatal(err)
	}
	ps := Passages(doc)
	got := make([]string, len(ps))
	for i, p := range ps {
		got[i] = p.Anchor + "|" + p.Heading + "|" + p.Text
		if p.Order != i || p.Title != "Blue Badge" || p.URL != "https://www.gov.uk/blue-badge" {
			t.Errorf("passage %d: %+v", i, p)
		}
	}
	want := []string{
		"||Apply for a Blue Badge.",
		"overview|Overview|A badge helps you park.",
		"costs|Overview › Costs|Up to £10.",
		"apply|How to apply|Apply online.",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("passages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(doc.Links) != 1 || doc.Links[0].URL != "https://www.gov.uk/apply-blue-badge" || doc.Links[0].Text != "online" {
		t.Errorf("links %+v", doc.Links)
	}
}

func TestExtractCases(t *testing.T) {
	tests := []struct {
		name      string
		html      string
		wantTitle string
		wantText  string // all passage texts joined by " / "
	}{
		{"title from <title> without site name", `<html><head><title>Council tax bands - Example Council</title></head><body><main><p>Band A.</p></main></body></html>`,
			"Council tax bands", "Band A."},
		{"role=main preferred to body", `<body><div>Menu stuff</div><div role="main"><h1>Libraries</h1><p>Open daily.</p></div></body>`,
			"Libraries", "Open daily."},
		{"article when no main", `<body><nav>Nav</nav><article><h1>Parking</h1><p>Permits.</p></article><aside>Ads</aside></body>`,
			"Parking", "Permits."},
		{"table rows as sentences", `<main><h1>Fees</h1><table><tr><th>Item</th><th>Fee</th></tr><tr><td>Permit</td><td>£50</td></tr></table></main>`,
			"Fees", "Item, Fee.\nPermit, £50."},
		{"nested list items", `<main><h1>T</h1><ul><li>First<ul><li>inner</li></ul></li><li>Second:</li></ul></main>`,
			"T", "First.\ninner.\nSecond:"},
		{"whitespace and nbsp", "<main><h1>T</h1><p>a\u00a0\u00a0b\n\n c</p></main>", "T", "a b c"},
		{"related content heading dropped with its section", `<main><h1>T</h1><p>Keep.</p><h2>Related content</h2><p>Drop.</p><h2>Next</h2><p>Keep too.</p></main>`,
			"T", "Keep. / Keep too."},
		{"header with h1 kept in main", `<main><header><h1>Title here</h1></header><p>Body.</p></main>`, "Title here", "Body."},
		{"title only", `<main><h1>Just a title</h1></main>`, "Just a title", "Just a title"},
		{"duplicate headings get unique slugs", `<main><h1>T</h1><h2>Fees</h2><p>a</p><h2>Fees</h2><p>b</p></main>`, "T", "a / b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Extract("https://example.gov.uk/x", tt.html)
			if err != nil {
				t.Fatal(err)
			}
			if doc.Title != tt.wantTitle {
				t.Errorf("title %q, want %q", doc.Title, tt.wantTitle)
			}
			var texts []string
			for _, p := range Passages(doc) {
				texts = append(texts, p.Text)
			}
			if got := strings.Join(texts, " / "); got != tt.wantText {
				t.Errorf("text %q, want %q", got, tt.wantText)
			}
		})
	}
}

func TestExtractNoText(t *testing.T) {
	if _, err := Extract("https://example.gov.uk/x", `<html><body><script>x</script></body></html>`); err == nil {
		t.Error("page without text: no error")
	}
}

func TestPassagesSplitLongSection(t *testing.T) {
	var b strings.Builder
	b.WriteString("<main><h1>Long</h1><h2 id=s>Section</h2>")
	for range 30 {
		b.WriteString("<p>" + strings.Repeat("word ", 30) + "end.</p>")
	}
	b.WriteString("</main>")
	doc, err := Extract("https://example.gov.uk/long", b.String())
	if err != nil {
		t.Fatal(err)
	}
	ps := Passages(doc)
	if len(ps) < 3 {
		t.Fatalf("%d passages from 930 words, want several", len(ps))
	}
	for i, p := range ps {
		if n := len(strings.Fields(p.Text)); n > maxPassageWords+40 {
			t.Errorf("passage %d has %d words", i, n)
		}
		if p.Anchor != "s" || p.Heading != "Section" || p.Order != i {
			t.Errorf("passage %d: anchor %q heading %q order %d", i, p.Anchor, p.Heading, p.Order)
		}
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"If you’re unhappy with the response": "if-youre-unhappy-with-the-response",
		"  Costs & fees (2025) ":              "costs-fees-2025",
		"Cymraeg: Treth y Cyngor":             "cymraeg-treth-y-cyngor",
		"!!!":                                 "",
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzExtract(f *testing.F) {
	f.Add("https://example.gov.uk/a", councilPage)
	f.Add("https://example.gov.uk/b", `<main><h1>T</h1><section id="x"><h2>H</h2><p>p</p></section></main>`)
	f.Add("::bad url", `<h2><a id=a></a>x</h2><li>y<table><tr><td>z`)
	f.Add("https://x/", "\x00<p>\xff\xfe</p><h1></h1><h3> </h3>")
	f.Fuzz(func(t *testing.T, pageURL, html string) {
		doc, err := Extract(pageURL, html)
		if err != nil {
			return
		}
		for i, p := range Passages(doc) {
			if strings.TrimSpace(p.Text) == "" {
				t.Fatalf("passage %d has no text: %+v", i, p)
			}
			if p.Order != i {
				t.Fatalf("passage %d has order %d", i, p.Order)
			}
		}
		MustClassifier(DefaultRules()).Classify(doc)
	})
}
