// Package extract turns a council web page into clean, citable passages: it finds the main content,
// drops the site furniture around it (header, navigation, cookie banners, breadcrumbs, footers,
// "related links" blocks), and splits what is left by headings so that each passage keeps the page
// title, its heading path and an anchor the chatbot can link to.
//
// It works on markup alone (no HTTP, no storage) so the crawler, the importer and tests can share it.
package extract

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Document is the main content of one page, split into sections by headings.
type Document struct {
	URL   string
	Title string
	// Sections in document order. The first has an empty Heading when the page has text before its
	// first heading (the introduction).
	Sections []Section
	// Links are the links in the main content (not navigation or footers), resolved against the
	// page URL, without fragments, first occurrence of each target only. Search uses them as
	// evidence of which pages the site itself treats as the main page for a topic.
	Links []Link
	// Published is the page's publication date, when it gives one.
	Published Published
	// Notices are the information notices left out of the quotable text (see noticeClass),
	// kept so that the knowledge-base console can show what was left out and why.
	Notices []string
}

// Link is one link of the main content.
type Link struct {
	URL  string
	Text string
}

// Section is the text under one heading, up to the next heading of any level.
type Section struct {
	// Anchor is the fragment that links to the section: the heading's id, the id of a <section>
	// the heading opens (GOV.UK guide parts), or a slug generated from the heading text. Empty for
	// the introduction.
	Anchor string
	// Heading is the section's own heading text; Path is every heading above it, outermost
	// first, ending with Heading.
	Heading string
	Path    []string
	Level   int
	// Blocks are the paragraphs, list items (each a sentence) and table rows, cleaned.
	Blocks []string
	// Keywords holds text that helps retrieval but is not shown to residents, such as the
	// expansions of <abbr title="..."> abbreviations.
	Keywords []string
	// Leads maps a block that depends on text before it (a list item) to that lead-in, lines
	// joined by "\n", outermost first (leadin.go). Keyed by text, not position, so it stays
	// right whatever blocks are later dropped.
	Leads map[string]string
}

// Passage is the unit of retrieval and quotation.
type Passage struct {
	URL     string
	Anchor  string
	Title   string
	Heading string // heading path joined with " › "; empty for the introduction
	Text    string // cleaned blocks joined by "\n"; never empty
	// Keywords is index-only text (abbreviation expansions); never quote it.
	Keywords string
	// Leads maps a line of Text to the lead-in a quote of it must carry (a list's "You must
	// not:", a heading such as "If you are refused"), lines joined by "\n", outermost first;
	// nil when no line needs one. See leadin.go.
	Leads map[string]string
	Order int // position of the passage in its page, from 0
}

// Limits that keep a passage quotable: long sections are cut at block boundaries.
const (
	maxPassageWords = 220
	minTailWords    = 40
)

// Extract finds the main content of a page and splits it into sections. It returns an error only
// when the markup yields no text at all; malformed HTML is parsed the way browsers parse it.
func Extract(pageURL, htmlText string) (Document, error) {
	root, err := html.Parse(strings.NewReader(htmlText))
	if err != nil {
		return Document{}, fmt.Errorf("extract %s: %w", pageURL, err)
	}
	gdoc := goquery.NewDocumentFromNode(root)
	doc := Document{URL: pageURL}

	pageTitle := cleanText(gdoc.Find("head title").First().Text())
	ogTitle, _ := gdoc.Find(`meta[property="og:title"]`).First().Attr("content")

	main := mainContent(gdoc)
	doc.Published = findPublished(gdoc, main)
	doc.Notices = markNotices(main)
	removeBoilerplate(main)

	doc.Links = links(pageURL, main)
	w := walker{}
	for _, n := range main.Nodes {
		w.walk(n)
	}
	w.flush()
	w.closeSection()

	// The first h1 is the page title, not a section: GOV.UK and LocalGov pages both open with it.
	secs := w.sections
	for i, s := range secs {
		if s.Level == 1 {
			doc.Title = s.Heading
			// Text under the h1 belongs to the introduction.
			secs[i].Heading, secs[i].Anchor, secs[i].Level, secs[i].Path = "", "", 0, nil
			break
		}
	}
	switch {
	case doc.Title != "":
	case cleanText(ogTitle) != "":
		doc.Title = cleanText(ogTitle)
	default:
		doc.Title = trimSiteName(pageTitle)
	}
	// Drop the h1 from heading paths below it, and merge empty sections away.
	for _, s := range secs {
		if len(s.Path) > 0 && s.Level > 1 {
			p := s.Path[:0:0]
			for _, h := range s.Path {
				if h != doc.Title || len(p) > 0 {
					p = append(p, h)
				}
			}
			s.Path = p
		}
		if len(s.Blocks) == 0 {
			continue
		}
		doc.Sections = append(doc.Sections, s)
	}
	if len(doc.Sections) == 0 && doc.Title == "" {
		return doc, fmt.Errorf("extract %s: no text", pageURL)
	}
	return doc, nil
}

// Passages splits a document into passages: one per section, with long sections cut into
// pieces of about maxPassageWords at block boundaries. A page with a title but no text yields one
// passage holding the title, so that it can still be found.
func Passages(doc Document) []Passage {
	var out []Passage
	for _, s := range doc.Sections {
		heading := strings.Join(s.Path, " › ")
		kw := strings.Join(s.Keywords, " ")
		var cur []string
		words := 0
		emit := func() {
			text := strings.TrimSpace(strings.Join(cur, "\n"))
			if text == "" {
				return
			}
			out = append(out, Passage{URL: doc.URL, Anchor: s.Anchor, Title: doc.Title, Heading: heading,
				Text: text, Keywords: kw, Order: len(out), Leads: passageLeads(s, cur)})
			cur, words = nil, 0
		}
		for i, b := range s.Blocks {
			n := len(strings.Fields(b))
			rest := 0
			for _, r := range s.Blocks[i:] {
				rest += len(strings.Fields(r))
			}
			// Cut before this block when the passage is full, unless what remains is a short tail
			// that reads better attached.
			if words > 0 && words+n > maxPassageWords && rest >= minTailWords {
				emit()
			}
			cur = append(cur, b)
			words += n
		}
		emit()
	}
	if len(out) == 0 && strings.TrimSpace(doc.Title) != "" {
		out = append(out, Passage{URL: doc.URL, Title: doc.Title, Text: doc.Title})
	}
	return out
}

// mainContent picks the element holding the page's own content, in the order sites mark it up.
func mainContent(d *goquery.Document) *goquery.Selection {
	for _, sel := range []string{"main", "[role=main]", "#main-content", "article", "#content", ".main-content"} {
		if s := d.Find(sel).First(); s.Length() > 0 && strings.TrimSpace(s.Text()) != "" {
			return s
		}
	}
	if b := d.Find("body"); b.Length() > 0 {
		return b
	}
	return d.Selection
}

// boilerplateSelector matches elements that are never the answer to a resident's question.
const boilerplateSelector = `script, style, noscript, template, svg, iframe, object, embed, canvas, button,
	select, input, textarea, nav, aside, footer, [role=navigation], [role=banner], [role=contentinfo],
	[role=search], [role=complementary], [hidden], [aria-hidden=true], form[role=search]`

// furniture matches class or id words of site furniture. Whole words only (split on - and _), so
// "related" matches "related-links" but "localgov_accordion_header" is kept: "header" alone is
// only dropped as an element, below.
var furniture = regexp.MustCompile(`(?i)(^|[\s_-])(cookies?|cookie-?banner|consent|gdpr|breadcrumbs?|skip-?link|skip|skiplink|related|share|sharing|social|feedback|pagination|pager|back-to-top|visually-hidden|sr-only|print-link|site-?header|site-?footer|global-?header|global-?footer|sidebar|navbar|menu|mega-?menu|banner--cookie|page-?rating|helpful)($|[\s_-])`)

// relatedHeading matches headings that open boilerplate blocks; their whole section is dropped.
var relatedHeading = regexp.MustCompile(`(?i)^\s*(related (links|content|pages|information|services|guides|topics|articles)|more in this section|explore the topic|share this page|was this page (helpful|useful)\??|is this page useful\??|help us improve( this page| gov\.uk)?|in this section|on this page|contents)\s*$`)

// noticeClass matches class words of information notices and banners: Bootstrap's "alert-info"
// (and its -success, -primary, -secondary, -light, -dark siblings), LocalGov's
// "localgov-alert-banner", GOV.UK's "govuk-notification-banner", "site-notice" blocks. Such a
// block announces something about the site or a moment ("services suspended due to the
// Coronavirus pandemic") rather than how a service works, and is often left in place long after
// it stopped being true, so it is never quoted: its text becomes index-only keywords of its
// section (still found, never shown) and is recorded in Document.Notices. Warnings
// ("alert-danger", "alert-warning", "govuk-warning-text") are the page's own content and stay.
var noticeClass = regexp.MustCompile(`(?i)(^|\s)(alert-(info|success|primary|secondary|light|dark)|[a-z_-]*alert-?banner|[a-z_-]*notification-?banner|site-?notice|site-?alert|emergency-?banner|announcement-?banner)($|\s)`)

// noticeAttr marks a notice element for the walker.
const noticeAttr = "data-fairline-notice"

// markNotices marks the information notices of main (see noticeClass) and returns their text.
func markNotices(main *goquery.Selection) []string {
	var out []string
	main.Find("[class]").Each(func(_ int, s *goquery.Selection) {
		cls, _ := s.Attr("class")
		if !noticeClass.MatchString(cls) {
			return
		}
		// Never a wrapper of the content itself (a notice has at most its own title and a few
		// paragraphs), nor a block inside a notice already marked.
		if s.Find("h1").Length() > 0 || s.Find("h2, h3, h4, h5, h6").Length() > 1 || s.Find("p, li").Length() > 5 ||
			s.ParentsFiltered("["+noticeAttr+"]").Length() > 0 {
			return
		}
		if t := cleanText(nodeText(s.Nodes[0])); t != "" && hasWordChar(t) {
			out = append(out, t)
			s.SetAttr(noticeAttr, "")
		}
	})
	return out
}

func removeBoilerplate(main *goquery.Selection) {
	main.Find(boilerplateSelector).Remove()
	// A header inside the main content is site furniture unless it carries the page title.
	main.Find("header").Each(func(_ int, s *goquery.Selection) {
		if s.Find("h1").Length() == 0 {
			s.Remove()
		}
	})
	main.Find("[class], [id]").Each(func(_ int, s *goquery.Selection) {
		cls, _ := s.Attr("class")
		id, _ := s.Attr("id")
		// Never drop an element that holds headings of the content itself: a theme may put
		// "related" or "share" in the class of a wrapper around the whole article.
		if furniture.MatchString(cls) || furniture.MatchString(id) {
			if s.Find("h1, h2").Length() == 0 || s.Find("h1, h2, h3, p").Length() < 3 {
				s.Remove()
			}
		}
	})
	// Skip links ("Skip to main content") that survived without a class.
	main.Find(`a[href^="#"]`).Each(func(_ int, s *goquery.Selection) {
		if strings.HasPrefix(strings.ToLower(cleanText(s.Text())), "skip to") {
			s.Remove()
		}
	})
	// Drop "Related links" style headings with everything up to the next heading of the same or
	// a higher level.
	main.Find("h2, h3, h4").Each(func(_ int, h *goquery.Selection) {
		if !relatedHeading.MatchString(cleanText(h.Text())) {
			return
		}
		level := headingLevel(h.Nodes[0])
		var drop []*html.Node
		for n := h.Nodes[0].NextSibling; n != nil; n = n.NextSibling {
			if l := headingLevel(n); l > 0 && l <= level {
				break
			}
			drop = append(drop, n)
		}
		for _, n := range drop {
			if n.Parent != nil {
				n.Parent.RemoveChild(n)
			}
		}
		// When the heading opens a wrapper of its own (<div class=x><h2>Related</h2><ul>),
		// the siblings above are the block; drop a wrapper that holds nothing else.
		parent := h.Parent()
		h.Remove()
		if parent.Length() > 0 && parent.Nodes[0] != main.Nodes[0] && cleanText(parent.Text()) == "" {
			parent.Remove()
		}
	})
}

func headingLevel(n *html.Node) int {
	if n == nil || n.Type != html.ElementNode {
		return 0
	}
	switch n.DataAtom {
	case atom.H1:
		return 1
	case atom.H2:
		return 2
	case atom.H3:
		return 3
	case atom.H4:
		return 4
	case atom.H5:
		return 5
	case atom.H6:
		return 6
	}
	return 0
}

// walker turns the DOM into sections: headings open sections, block elements end blocks.
type walker struct {
	sections []Section
	cur      *Section
	stack    []string // heading texts by level 1..6 (index level-1)
	buf      strings.Builder
	sentence bool // the current block is a list item or cell: end it like a sentence
	slugs    map[string]int
	// Lead-ins (leadin.go): the lead-in of each open list, innermost last; the last list item
	// and its depth; the lead-in of paragraphs continuing a paragraph that ends with ":".
	lists         []string
	lastItem      string
	lastItemDepth int
	colonLead     string
}

func (w *walker) section() *Section {
	if w.cur == nil {
		w.cur = &Section{}
	}
	return w.cur
}

func (w *walker) closeSection() {
	if w.cur != nil {
		w.sections = append(w.sections, *w.cur)
		w.cur = nil
	}
}

// flush ends the current block.
func (w *walker) flush() {
	t := cleanText(w.buf.String())
	w.buf.Reset()
	if t == "" || !hasWordChar(t) {
		w.sentence = false
		return
	}
	if w.sentence && !endsSentence(t) {
		t += "."
	}
	w.sentence = false
	s := w.section()
	s.Blocks = append(s.Blocks, t)
	w.noteBlock(s, t)
}

func (w *walker) walk(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		w.buf.WriteString(n.Data)
		return
	case html.ElementNode:
	case html.DocumentNode:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			w.walk(c)
		}
		return
	default:
		return
	}
	if level := headingLevel(n); level > 0 {
		w.heading(n, level)
		return
	}
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg, atom.Head:
		return
	case atom.Br:
		w.buf.WriteByte(' ')
		return
	case atom.Abbr:
		// Kept as "Expansion (ABBR)", the form search learns abbreviations from.
		if t := cleanText(attr(n, "title")); t != "" {
			if short := cleanText(nodeText(n)); short != "" && short != t {
				t += " (" + short + ")"
			}
			s := w.section()
			s.Keywords = appendUnique(s.Keywords, t)
		}
	case atom.Img:
		return
	}
	if hasAttr(n, noticeAttr) {
		// An information notice: searchable, never quoted (noticeClass).
		w.flush()
		s := w.section()
		s.Keywords = appendUnique(s.Keywords, cleanText(nodeText(n)))
		return
	}
	block := isBlock(n.DataAtom)
	if block {
		w.flush()
	}
	switch n.DataAtom {
	case atom.Li, atom.Dt, atom.Dd:
		w.sentence = true
	case atom.Tr:
		w.walkRow(n)
		return
	case atom.Ul, atom.Ol, atom.Dl:
		w.enterList()
		defer w.leaveList()
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c)
		// A nested block inside a list item ends the item's own text first.
		if n.DataAtom == atom.Li && c.Type == html.ElementNode && isBlock(c.DataAtom) {
			w.sentence = true
		}
	}
	if block {
		if n.DataAtom == atom.Li || n.DataAtom == atom.Dt || n.DataAtom == atom.Dd {
			w.sentence = true
		}
		w.flush()
	}
}

// walkRow writes a table row as one sentence, cells separated by commas, so that a quoted
// passage reads naturally ("Band A, £1,200.").
func (w *walker) walkRow(tr *html.Node) {
	var cells []string
	for c := tr.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || (c.DataAtom != atom.Td && c.DataAtom != atom.Th) {
			continue
		}
		if t := cleanText(nodeText(c)); t != "" {
			cells = append(cells, strings.TrimRight(t, ".,;"))
		}
	}
	if len(cells) == 0 {
		return
	}
	w.buf.WriteString(strings.Join(cells, ", "))
	w.sentence = true
	w.flush()
}

func (w *walker) heading(n *html.Node, level int) {
	w.flush()
	text := cleanText(nodeText(n))
	if text == "" {
		return
	}
	w.closeSection()
	w.lastItem, w.lastItemDepth, w.colonLead = "", 0, ""
	if w.stack == nil {
		w.stack = make([]string, 6)
	}
	w.stack[level-1] = text
	for i := level; i < 6; i++ {
		w.stack[i] = ""
	}
	var path []string
	for _, h := range w.stack[:level] {
		if h != "" {
			path = append(path, h)
		}
	}
	w.cur = &Section{Heading: text, Path: path, Level: level, Anchor: w.anchor(n, text)}
}

// anchor is the heading's id, else the id of a <section> or <div> the heading opens (GOV.UK guide
// parts are <section id=slug><h2>), else a unique slug of the heading text.
func (w *walker) anchor(n *html.Node, text string) string {
	if id := strings.TrimSpace(attr(n, "id")); id != "" {
		return id
	}
	if a := firstChildAnchorID(n); a != "" {
		return a
	}
	if p := n.Parent; p != nil && p.Type == html.ElementNode {
		if id := strings.TrimSpace(attr(p, "id")); id != "" && firstElementChild(p) == n {
			return id
		}
	}
	slug := Slug(text)
	if slug == "" {
		return ""
	}
	if w.slugs == nil {
		w.slugs = map[string]int{}
	}
	w.slugs[slug]++
	if k := w.slugs[slug]; k > 1 {
		slug = fmt.Sprintf("%s-%d", slug, k)
	}
	return slug
}

// firstChildAnchorID finds <h2><a id="x"></a>Title</h2>, an older way to mark anchors.
func firstChildAnchorID(n *html.Node) string {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.A {
			if id := attr(c, "id"); id != "" {
				return strings.TrimSpace(id)
			}
			if name := attr(c, "name"); name != "" {
				return strings.TrimSpace(name)
			}
		}
	}
	return ""
}

func firstElementChild(n *html.Node) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			return c
		}
	}
	return nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return true
		}
	}
	return false
}

func nodeText(n *html.Node) string {
	var b strings.Builder
	var f func(*html.Node)
	f = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg:
				return
			}
			if isBlock(n.DataAtom) || n.DataAtom == atom.Br {
				b.WriteByte(' ')
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			f(c)
		}
	}
	f(n)
	return b.String()
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Main, atom.Ul, atom.Ol, atom.Li, atom.Dl,
		atom.Dt, atom.Dd, atom.Table, atom.Thead, atom.Tbody, atom.Tfoot, atom.Tr, atom.Td, atom.Th,
		atom.Caption, atom.Blockquote, atom.Pre, atom.Figure, atom.Figcaption, atom.Address,
		atom.Details, atom.Summary, atom.Fieldset, atom.Legend, atom.Hr, atom.Header, atom.Body,
		atom.Html, atom.Form, atom.Label:
		return true
	}
	return false
}

// cleanText collapses whitespace (including non-breaking spaces) and trims.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u00a0' || r == '\u200b' || r == '\ufeff' {
			space = true
			continue
		}
		if unicode.IsControl(r) {
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

func hasWordChar(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

func endsSentence(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return strings.ContainsRune(".!?:;…", r)
}

func appendUnique(xs []string, x string) []string {
	if x == "" || slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

// trimSiteName removes a " - Site name" or " | Site name" suffix from a <title>.
func trimSiteName(t string) string {
	for _, sep := range []string{" | ", " - ", " – ", " — "} {
		if i := strings.LastIndex(t, sep); i > 0 {
			return strings.TrimSpace(t[:i])
		}
	}
	return t
}

// Slug makes a URL fragment from heading text: lower case letters and digits joined by hyphens.
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		if r == '\'' || r == '’' {
			continue
		}
		dash = true
	}
	out := b.String()
	if len(out) > 80 {
		out = strings.TrimRight(out[:80], "-")
		for !utf8.ValidString(out) {
			out = out[:len(out)-1]
		}
	}
	return out
}

// links collects the http(s) links of the main content.
func links(pageURL string, main *goquery.Selection) []Link {
	base, err := url.Parse(pageURL)
	if err != nil {
		return nil
	}
	var out []Link
	seen := map[string]bool{}
	main.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		u, err := base.Parse(strings.TrimSpace(href))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return
		}
		u.Fragment, u.RawFragment = "", ""
		s := u.String()
		if seen[s] {
			return
		}
		seen[s] = true
		out = append(out, Link{URL: s, Text: cleanText(a.Text())})
	})
	return out
}
