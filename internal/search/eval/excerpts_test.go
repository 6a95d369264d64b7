package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// The Falkirk Council set (testdata/falkirk) starts as page text kept by a
// search service (excerpts.txt: "=== URL" then the text, as the service stored
// it); the converter below turns it into the pages.jsonl every evaluation
// reads. It lives in a test so that the committed pages file is proved to be
// exactly what the committed source gives (TestFalkirkPagesFromExcerpts), and
// `go test ./internal/search/eval -run TestFalkirkPagesFromExcerpts -update`
// rewrites it after a change to either.
var update = flag.Bool("update", false, "rewrite generated testdata (testdata/falkirk/pages.jsonl) instead of comparing")

// excerpt is one page of an excerpts file.
type excerpt struct {
	URL  string
	Text string
}

// parseExcerpts reads "=== URL" records: every line up to the next marker is
// the page's text, kept verbatim.
func parseExcerpts(r io.Reader) ([]excerpt, error) {
	var out []excerpt
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var text strings.Builder
	line := 0
	flush := func() {
		if len(out) > 0 {
			out[len(out)-1].Text = text.String()
		}
		text.Reset()
	}
	for sc.Scan() {
		line++
		l := sc.Text()
		if u, ok := strings.CutPrefix(l, "=== "); ok {
			flush()
			out = append(out, excerpt{URL: strings.TrimSpace(u)})
			continue
		}
		if len(out) == 0 {
			if strings.TrimSpace(l) != "" {
				return nil, fmt.Errorf("line %d: text before the first \"=== URL\" line", line)
			}
			continue
		}
		text.WriteString(l)
		text.WriteByte('\n')
	}
	flush()
	return out, sc.Err()
}

// excerptSite says how an excerpts file maps onto one website.
type excerptSite struct {
	Host    string          // canonical host, e.g. www.falkirk.gov.uk
	Aliases map[string]bool // other hosts the same site was stored under
	Keep    map[string]bool // query parameters that name a page (aid=7871); others are tracking and dropped
}

// canonicalURL puts a stored address on the site's one host over https, so
// that the knowledge base sees one site, as a crawl of it would.
func (s excerptSite) canonicalURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	host := strings.ToLower(u.Hostname())
	if host != s.Host && !s.Aliases[host] {
		return "", fmt.Errorf("%s: host %q is not %s", raw, host, s.Host)
	}
	u.Scheme, u.Host, u.Fragment = "https", s.Host, ""
	q := u.Query()
	for k := range q {
		if !s.Keep[k] {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String(), nil
}

// The store kept about the first 2,000 characters of each page, so a long
// page's last sentence usually stops mid-word.
const excerptLimit = 1800

var (
	bulletRe   = regexp.MustCompile(`^(?:•|-)\s+(.*)$`)
	numberedRe = regexp.MustCompile(`^\d+\.\s+(.*)$`)
	chromeRe   = regexp.MustCompile(`^(?:Table of contents|Published|Latest update|Header image for article \d+|Downloads|-|\|)?$`)
	sentenceRe = regexp.MustCompile(`[.!?:)"”’]\s`)
)

// excerptPage renders one excerpt as the HTML of a page: an h1 title, then
// headings, paragraphs and lists recovered from the text's lines. The stored
// text has no markup, so the shape is inferred: "•" and "-" lines are list
// items, "1." lines numbered items, a short line with no closing punctuation or
// ending in "?" a heading (FAQ questions are headings on these pages), anything
// else a paragraph. Page furniture the store kept as text ("Table of contents",
// "Published", "Header image for article N", "Downloads") is left out, and so
// is the unfinished last sentence of a text cut at the store's limit.
func excerptPage(title, text string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(text) >= excerptLimit {
		lines = dropUnfinished(lines)
	}
	var b strings.Builder
	b.WriteString("<main>\n<h1>" + html.EscapeString(title) + "</h1>\n")
	list := ""
	closeList := func() {
		if list != "" {
			b.WriteString("</" + list + ">\n")
			list = ""
		}
	}
	item := func(kind, s string) {
		if list != kind {
			closeList()
			b.WriteString("<" + kind + ">\n")
			list = kind
		}
		b.WriteString("<li>" + html.EscapeString(s) + "</li>\n")
	}
	for i, raw := range lines {
		l := strings.TrimSpace(strings.ReplaceAll(raw, "↑", ""))
		// A table the store flattened puts each cell on its own line, a
		// line of "|" after it: cells are text, never headings.
		cell := strings.HasSuffix(l, "|") || i+1 < len(lines) && strings.TrimSpace(lines[i+1]) == "|"
		l = strings.TrimSpace(strings.TrimSuffix(l, "|"))
		if l == "" {
			continue
		}
		if m := numberedRe.FindStringSubmatch(l); m != nil {
			l = m[1]
			if chromeRe.MatchString(l) {
				continue
			}
			item("ol", l)
			continue
		}
		if chromeRe.MatchString(l) {
			continue
		}
		if m := bulletRe.FindStringSubmatch(l); m != nil {
			if !chromeRe.MatchString(m[1]) {
				item("ul", m[1])
			}
			continue
		}
		closeList()
		if !cell && isHeading(l) {
			b.WriteString("<h2>" + html.EscapeString(l) + "</h2>\n")
		} else {
			b.WriteString("<p>" + html.EscapeString(l) + "</p>\n")
		}
	}
	closeList()
	b.WriteString("</main>")
	return b.String()
}

// isHeading: a short line that starts with a capital and either asks a
// question or ends without the punctuation a sentence or a list lead-in has.
func isHeading(l string) bool {
	r := []rune(l)
	if len(r) > 120 || !unicode.IsUpper(r[0]) {
		return false
	}
	if strings.HasSuffix(l, "?") {
		return true
	}
	if len(r) > 70 || strings.ContainsAny(l, "|£") {
		return false
	}
	return !strings.ContainsAny(string(r[len(r)-1]), ".,;:!)\"”’")
}

// dropUnfinished removes the cut-off end of a truncated text: the last line is
// kept up to its last complete sentence, or dropped when it has none.
func dropUnfinished(lines []string) []string {
	for len(lines) > 0 {
		last := strings.TrimSpace(lines[len(lines)-1])
		if last == "" {
			lines = lines[:len(lines)-1]
			continue
		}
		if strings.ContainsAny(last[len(last)-1:], ".!?") {
			return lines
		}
		locs := sentenceRe.FindAllStringIndex(last+" ", -1)
		if len(locs) == 0 {
			return lines[:len(lines)-1]
		}
		lines[len(lines)-1] = last[:locs[len(locs)-1][0]+1]
		return lines
	}
	return lines
}

// slugTitle names a page from its address, the one title every stored page
// has: the last path segment in words ("default" and "index" skipped), the
// parent's added for short or generic segments. News
// items and events are named by their first sentence instead, since their
// address is a number.
func slugTitle(u *url.URL, text string) string {
	if strings.HasSuffix(u.Path, "/article.aspx") || strings.HasSuffix(u.Path, "/event.aspx") {
		return firstSentence(text)
	}
	var segs []string
	for _, s := range strings.Split(u.Path, "/") {
		s = strings.TrimSuffix(s, ".aspx")
		if s != "" && s != "default" && s != "index" {
			segs = append(segs, s)
		}
	}
	if len(segs) == 0 {
		return "Home"
	}
	words := func(s string) string { return strings.ReplaceAll(s, "-", " ") }
	last := segs[len(segs)-1]
	t := words(last)
	// A segment of one or two words ("discount", "help-paying") or a generic
	// one names the page only with its section, as a breadcrumb does.
	generic := map[string]bool{"frequently-asked-questions": true, "faqs": true}
	if len(segs) > 1 && (generic[last] || strings.Count(last, "-") < 2) {
		t = words(segs[len(segs)-2]) + ": " + t
	}
	return strings.ToUpper(t[:1]) + t[1:]
}

// firstSentence is the first sentence of the text's first line that is not
// page furniture, cut at a word before 90 characters.
func firstSentence(text string) string {
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || chromeRe.MatchString(l) || strings.HasPrefix(l, "Pictured:") {
			continue
		}
		if i := strings.IndexAny(l, ".!?"); i > 0 {
			l = l[:i]
		}
		if len(l) > 90 {
			if i := strings.LastIndex(l[:90], " "); i > 0 {
				l = l[:i]
			}
		}
		return l
	}
	return "News"
}

// convertExcerpts is the whole conversion: one pages.jsonl line per excerpt,
// in the file's order, refusing a page stored twice under one address.
func convertExcerpts(site excerptSite, pages []excerpt) ([]byte, error) {
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	seen := map[string]bool{}
	for _, p := range pages {
		canon, err := site.canonicalURL(p.URL)
		if err != nil {
			return nil, err
		}
		if seen[canon] {
			return nil, fmt.Errorf("%s stored twice (as %s)", canon, p.URL)
		}
		seen[canon] = true
		u, _ := url.Parse(canon)
		title := slugTitle(u, p.Text)
		if err := enc.Encode(Page{URL: canon, Title: title, HTML: excerptPage(title, p.Text)}); err != nil {
			return nil, err
		}
	}
	return out.Bytes(), nil
}

var falkirkSite = excerptSite{
	Host:    "www.falkirk.gov.uk",
	Aliases: map[string]bool{"falkirk.gov.uk": true, "beta.falkirk.gov.uk": true, "falkirk-council.gov.uk": true},
	Keep:    map[string]bool{"aid": true, "eid": true},
}

// TestFalkirkPagesFromExcerpts proves testdata/falkirk/pages.jsonl is the
// conversion of testdata/falkirk/excerpts.txt (or rewrites it with -update).
func TestFalkirkPagesFromExcerpts(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "testdata", "falkirk")
	f, err := os.Open(filepath.Join(dir, "excerpts.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pages, err := parseExcerpts(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := convertExcerpts(falkirkSite, pages)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "pages.jsonl")
	if *update {
		if err := os.WriteFile(out, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is not the conversion of excerpts.txt; run this test with -update", out)
	}
}

func TestParseExcerpts(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []excerpt
		err      bool
	}{
		{"two pages", "=== https://a.example/x\nline 1\n\nline 2\n=== https://a.example/y\nonly\n",
			[]excerpt{{"https://a.example/x", "line 1\n\nline 2\n"}, {"https://a.example/y", "only\n"}}, false},
		{"blank lines before the first marker", "\n\n=== https://a.example/x\nt\n", []excerpt{{"https://a.example/x", "t\n"}}, false},
		{"a page with no text", "=== https://a.example/x\n", []excerpt{{"https://a.example/x", ""}}, false},
		{"text before any marker", "stray\n=== https://a.example/x\n", nil, true},
		{"empty", "", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseExcerpts(strings.NewReader(tc.in))
			if (err != nil) != tc.err {
				t.Fatalf("err %v, want error %v", err, tc.err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCanonicalURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://falkirk.gov.uk/services/council-tax/", "https://www.falkirk.gov.uk/services/council-tax/"},
		{"https://beta.falkirk.gov.uk/places/recycling-centres/", "https://www.falkirk.gov.uk/places/recycling-centres/"},
		{"http://falkirk-council.gov.uk/a.aspx", "https://www.falkirk.gov.uk/a.aspx"},
		{"https://falkirk.gov.uk/brown-bin/?fbclid=IwAR2", "https://www.falkirk.gov.uk/brown-bin/"},
		{"https://www.falkirk.gov.uk/news/article.aspx?aid=6825&r=5859", "https://www.falkirk.gov.uk/news/article.aspx?aid=6825"},
		{"https://falkirk.gov.uk/gritting#faq", "https://www.falkirk.gov.uk/gritting"},
		{"https://stirling.gov.uk/x", ""},
	} {
		got, err := falkirkSite.canonicalURL(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%s: %s, want an error for another site", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %s (%v), want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestExcerptPage(t *testing.T) {
	long := strings.Repeat("Filler sentence for length. ", 70)
	for _, tc := range []struct {
		name, text string
		want       []string // substrings, in order
		not        []string
	}{
		{"headings, paragraphs and a bulleted list with its lead-in",
			"Who can apply?\n\nYou can apply if you:\n\n  • live in the area\n  • are 16 or over\n\nHow to apply\nApply online.\n",
			[]string{"<h2>Who can apply?</h2>", "<p>You can apply if you:</p>", "<ul>\n<li>live in the area</li>\n<li>are 16 or over</li>\n</ul>", "<h2>How to apply</h2>", "<p>Apply online.</p>"}, nil},
		{"numbered list and dash list", "Steps:\n  1. Collect\n  2. Place\n- first\n- second\n",
			[]string{"<ol>\n<li>Collect</li>\n<li>Place</li>\n</ol>\n<ul>\n<li>first</li>"}, nil},
		{"page furniture is left out", "1. Table of contents\nPublished\nHeader image for article 7871\n- Downloads\n-\nReal text.\n",
			[]string{"<p>Real text.</p>"}, []string{"Table of contents", "Published", "Header image", "Downloads", "<li>"}},
		{"arrows of the newer site are dropped", "Already signed up↑\n", []string{"<h2>Already signed up</h2>"}, []string{"↑"}},
		{"a table row is not a heading", "Monday 8am to 6pm | CLOSED\nBand | £849.73\n", []string{"<p>Monday 8am to 6pm | CLOSED</p>"}, []string{"<h2>"}},
		{"flattened table cells are not headings", "Detail\n|\nFee\n|\nTotal |\n£90\n", []string{"<p>Detail</p>\n<p>Fee</p>\n<p>Total</p>\n<p>£90</p>"}, []string{"<h2>", "|"}},
		{"a lower-case line is not a heading", "or a 25% Discount\n", []string{"<p>or a 25% Discount</p>"}, nil},
		{"markup in the text is escaped", "Use <b> & co.\n", []string{"<p>Use &lt;b&gt; &amp; co.</p>"}, nil},
		{"cut-off last sentence of a long page is dropped", long + "\nThe last words stop in the mid",
			[]string{"Filler sentence for length.</p>"}, []string{"stop in the mid"}},
		{"cut-off line keeps its complete sentences", long + "\nKept here. Lost he",
			[]string{"<p>Kept here.</p>"}, []string{"Lost he"}},
		{"a short page keeps its last line", "Only line without a stop\nand this", []string{"<p>and this</p>"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := excerptPage("T", tc.text)
			if !strings.HasPrefix(got, "<main>\n<h1>T</h1>\n") || !strings.HasSuffix(got, "</main>") {
				t.Fatalf("not a main with an h1:\n%s", got)
			}
			at := 0
			for _, w := range tc.want {
				i := strings.Index(got[at:], w)
				if i < 0 {
					t.Fatalf("lacks %q after offset %d:\n%s", w, at, got)
				}
				at += i + len(w)
			}
			for _, n := range tc.not {
				if strings.Contains(got, n) {
					t.Errorf("has %q:\n%s", n, got)
				}
			}
		})
	}
}

func TestSlugTitle(t *testing.T) {
	for _, tc := range []struct{ url, text, want string }{
		{"https://www.falkirk.gov.uk/services/council-tax/help-paying/", "", "Council tax: help paying"},
		{"https://www.falkirk.gov.uk/services/council-tax/discount.aspx", "", "Council tax: discount"},
		{"https://www.falkirk.gov.uk/services/social-care/carers/default.aspx", "", "Social care: carers"},
		{"https://www.falkirk.gov.uk/services/homes-property/council-housing/rent/help-paying-your-rent.aspx", "", "Help paying your rent"},
		{"https://www.falkirk.gov.uk/gritting", "", "Gritting"},
		{"https://www.falkirk.gov.uk/contact-us/complaints/frequently-asked-questions.aspx", "", "Complaints: frequently asked questions"},
		{"https://www.falkirk.gov.uk/employees/news/article.aspx?aid=1", "Published\nHeader image for article 1\nCouncillors will consider a proposal. More.\n",
			"Councillors will consider a proposal"},
		{"https://www.falkirk.gov.uk/", "", "Home"},
	} {
		u, _ := url.Parse(tc.url)
		if got := slugTitle(u, tc.text); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.url, got, tc.want)
		}
	}
}

// FuzzExcerpts: any text parses without a panic and converts to a page whose
// markup is balanced and whose text is escaped.
func FuzzExcerpts(f *testing.F) {
	f.Add("=== https://www.falkirk.gov.uk/x\nWho?\n  • a\n  1. b\n<script>\n")
	f.Add("=== https://falkirk.gov.uk/a.aspx?aid=1\n" + strings.Repeat("word ", 400) + "cut")
	f.Add("=== ::not a url\n\n")
	f.Fuzz(func(t *testing.T, in string) {
		pages, err := parseExcerpts(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, p := range pages {
			page := excerptPage("title", p.Text)
			for _, tag := range []string{"ul", "ol", "main"} {
				if strings.Count(page, "<"+tag+">") != strings.Count(page, "</"+tag+">") {
					t.Fatalf("unbalanced <%s> in %q", tag, page)
				}
			}
			if strings.Contains(strings.TrimSuffix(strings.TrimPrefix(page, "<main>"), "</main>"), "<script") {
				t.Fatalf("unescaped markup in %q", page)
			}
			convertExcerpts(falkirkSite, []excerpt{p}) // errors are fine; panics are not
		}
	})
}
