// Package search is the chatbot's retrieval core: an in-memory index of council pages and their
// passages with field-weighted BM25F ranking, UK English stemming, British/American spelling
// normalisation, typo tolerance, run-together word splitting, editable council synonyms, learned
// abbreviations, and phrase and proximity boosts. Results are pages, each with its best passage.
//
// An Index is safe for concurrent use: Search runs under a read lock while Add and Remove (a
// crawl updating pages) take the write lock only to swap in work prepared outside it.
package search

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fairline/fairline/internal/kb/extract"
)

// Doc is one page to index.
type Doc struct {
	URL   string
	Title string
	// Area is the page's service area (extract.Classifier); it is returned with results.
	Area     string
	Passages []extract.Passage
	// Links are the page's outgoing content links (extract.Document.Links). Pages that many
	// others link to rank a little higher, as the site's own main pages for their topics, and
	// the link text is indexed for the target: it is how the site itself names that page.
	Links []extract.Link
	// Published is the page's publication date (zero when unknown) and PublishedSource where it
	// was found; News says why the page is a news item ("" when it is not). Both lower its rank
	// a little (Params.NewsFactor, Params.OldFactor).
	Published       time.Time
	PublishedSource string
	News            string
	// Excluded are the blocks left out of the passages, with why (boiler.go).
	Excluded []Excluded
}

// DocFromHTML extracts a page's passages and builds its Doc. The title from the markup is used
// when title is empty.
func DocFromHTML(pageURL, title, html string, c *extract.Classifier) (Doc, error) {
	d, err := extract.Extract(pageURL, html)
	if err != nil {
		return Doc{}, err
	}
	if strings.TrimSpace(title) != "" {
		d.Title = strings.TrimSpace(title)
	}
	doc := Doc{URL: pageURL, Title: d.Title, Passages: extract.Passages(d)}
	doc.Links = d.Links
	doc.Published, doc.PublishedSource = d.Published.Date, d.Published.Source
	doc.News = NewsReason(pageURL)
	for _, n := range d.Notices {
		doc.Excluded = append(doc.Excluded, Excluded{Text: n, Reason: ReasonNotice})
	}
	for i := range doc.Passages {
		doc.Passages[i].Title = d.Title
	}
	if c != nil {
		doc.Area = c.Classify(d).Area
	}
	return doc, nil
}

// Options configure an Index. The zero value is the tuned default.
type Options struct {
	// Synonyms to use; nil means DefaultSynonyms. Use an empty &Synonyms{} for none.
	Synonyms *Synonyms
	// DisableSpelling turns off typo correction, word splitting and joining (for comparisons).
	DisableSpelling bool
	// Params overrides ranking parameters; nil means DefaultParams.
	Params *Params
	// Now is the clock that decides which pages are old; nil means time.Now.
	Now func() time.Time
}

// Params are the ranking constants. They were tuned on general government content, not on any
// query; see docs/benchmarks.md.
type Params struct {
	K1           float64
	FieldWeight  [nFields]float64 // title, headings, body, keywords, URL path words
	FieldB       [nFields]float64 // length normalisation per field
	PageMix      float64          // share of the page-level score in a result's score; the rest is its best passage
	Proximity    float64          // weight of the phrase/proximity bonus
	SynonymW     float64          // weight of a synonym relative to the word typed
	ChatW        float64          // weight of a word of conversation (chatWords) relative to a topic word
	CorrectionW  [3]float64       // weight of a spelling correction at edit distance 0 (split/join), 1, 2
	AcronymW     float64          // weight of a learned abbreviation expansion
	CoverageExp  float64          // how hard a result is punished for missing query concepts
	TitleCover   float64          // bonus for a page whose whole title the query covers
	TitleW       float64          // weight of the title-match score added to a page's score
	TitleLenNorm float64          // how much each title word beyond two dilutes the title score
	URLTitle     float64          // a word in the URL path counts as this much of a title word
	InlinkW      float64          // weight of log(1 + pages linking here) as a score multiplier
	AnchorW      float64          // weight of the score of link texts pointing at a page
	NewsFactor   float64          // score and confidence multiplier of a news item (0 means 1)
	OldFactor    float64          // score and confidence multiplier of a page published over OldAfterDays ago (0 means 1)
	OldAfterDays int              // age in days after which a dated page counts as old; 0: never
	OldNewsConf  float64          // the highest confidence of a news item that is also old (0: no cap)
	MaxPerSearch int              // pages rescored with the proximity bonus
}

// DefaultParams returns the tuned ranking constants.
func DefaultParams() Params {
	return Params{
		K1:           1.2,
		FieldWeight:  [nFields]float64{3.0, 1.5, 1.0, 0.6, 1.5},
		FieldB:       [nFields]float64{0.4, 0.5, 0.75, 0.5, 0.3},
		PageMix:      0.5,
		Proximity:    0.7,
		SynonymW:     0.6,
		ChatW:        0.3,
		CorrectionW:  [3]float64{0.95, 0.85, 0.7},
		AcronymW:     0.8,
		CoverageExp:  0.5,
		TitleCover:   0.35,
		TitleW:       1,
		TitleLenNorm: 0.1,
		URLTitle:     0.5,
		InlinkW:      0.1,
		AnchorW:      0.75,
		// A news item or an old page is rarely the best answer to a question about a service
		// today, but it may be the only one: a modest penalty, not a filter.
		NewsFactor:   0.85,
		OldFactor:    0.85,
		OldAfterDays: 730,
		// An old news item reported a moment: shown if nothing else fits, never on its own as
		// a confident answer about today (kept below ConfidenceThreshold).
		OldNewsConf:  0.3,
		MaxPerSearch: 30,
	}
}

const (
	fTitle = iota
	fHeading
	fBody
	fKeywords
	fURL
	nFields
)

// fieldStride separates fields in encoded positions so that words in different fields are never
// "near" each other; gapWords separates passages and headings inside one field likewise.
const (
	fieldStride = 1 << 24
	gapWords    = 50
)

// unit is one indexed item: a page or a passage.
type unit struct {
	url       string
	page      int32 // for a passage: its page's unit id
	flen      [nFields]int32
	terms     []string // distinct terms, for removal
	titleT    []string // distinct title terms (pages only), for the title-cover bonus
	key       string   // linkKey of url (pages only)
	news      bool     // a news item (pages only)
	dated     bool     // published is known (pages only)
	published int64    // publication date, Unix seconds (pages only)
	passage   extract.Passage
}

type posting struct {
	doc int32
	tf  [nFields]uint16
	pos []int32 // field*fieldStride + position, ascending
}

// coll is an inverted index over units of one kind.
type coll struct {
	units  []*unit
	free   []int32
	post   map[string][]posting
	n      int
	sumLen [nFields]float64
}

func newColl() *coll { return &coll{post: map[string][]posting{}} }

// prepared is a unit analysed outside the lock.
type prepared struct {
	u        *unit
	postings map[string]*posting
}

func prepare(u *unit, fields [nFields][]token) prepared {
	p := prepared{u: u, postings: map[string]*posting{}}
	for f, toks := range fields {
		for _, t := range toks {
			u.flen[f]++
			if t.term == "" {
				continue
			}
			ps := p.postings[t.term]
			if ps == nil {
				ps = &posting{}
				p.postings[t.term] = ps
				u.terms = append(u.terms, t.term)
			}
			if ps.tf[f] < 65535 {
				ps.tf[f]++
			}
			ps.pos = append(ps.pos, int32(f*fieldStride+t.pos))
		}
	}
	return p
}

func (c *coll) insert(p prepared) int32 {
	var id int32
	if n := len(c.free); n > 0 {
		id = c.free[n-1]
		c.free = c.free[:n-1]
		c.units[id] = p.u
	} else {
		id = int32(len(c.units))
		c.units = append(c.units, p.u)
	}
	for t, ps := range p.postings {
		ps.doc = id
		c.post[t] = append(c.post[t], *ps)
	}
	c.n++
	for f := range nFields {
		c.sumLen[f] += float64(p.u.flen[f])
	}
	return id
}

func (c *coll) remove(id int32) {
	u := c.units[id]
	if u == nil {
		return
	}
	for _, t := range u.terms {
		ps := c.post[t]
		for i := range ps {
			if ps[i].doc == id {
				ps[i] = ps[len(ps)-1]
				ps = ps[:len(ps)-1]
				break
			}
		}
		if len(ps) == 0 {
			delete(c.post, t)
		} else {
			c.post[t] = ps
		}
	}
	c.units[id] = nil
	c.free = append(c.free, id)
	c.n--
	for f := range nFields {
		c.sumLen[f] -= float64(u.flen[f])
	}
}

// pageEntry records where a page's units live, for Remove.
type pageEntry struct {
	doc      Doc
	page     int32
	passages []int32
	words    []string // distinct surface words per passage, flattened (vocabulary counts)
	links    []string // distinct link keys, for inlink counts
	acronyms []acronym
}

// Index is the searchable knowledge base.
type Index struct {
	params   Params
	spelling bool
	syn      *Synonyms // fixed for the index's life: new synonyms mean a new index
	clock    func() time.Time
	hints    atomic.Pointer[Hints] // staff's hints (hints.go), replaced whole

	mu       sync.RWMutex
	pages    *coll
	passages *coll
	byURL    map[string]*pageEntry
	vocab    *vocab
	acr      map[string]map[string]int // abbreviation → expansion (terms joined by space) → count
	inlinks  map[string]int            // link key (see linkKeys) → number of pages linking to it
	// Link texts by target key and source page, and the anchors unit built from them.
	anchorText map[string]map[string]string
	anchorUnit map[string]int32
	anchors    *coll
}

// New returns an empty index.
func New(opts Options) *Index {
	ix := &Index{
		params:   DefaultParams(),
		spelling: !opts.DisableSpelling,
		syn:      opts.Synonyms,
		clock:    opts.Now,
		pages:    newColl(),
		passages: newColl(),
		byURL:    map[string]*pageEntry{},
		vocab:    newVocab(),
		acr:      map[string]map[string]int{},
		inlinks:  map[string]int{},

		anchorText: map[string]map[string]string{},
		anchorUnit: map[string]int32{},
		anchors:    newColl(),
	}
	if opts.Params != nil {
		ix.params = *opts.Params
	}
	if ix.syn == nil {
		ix.syn = DefaultSynonyms()
	}
	return ix
}

// ScoreUnit is the weight of a word that only one passage of the site uses: a result's Score in
// these units compares across sites, whose raw scores scale with their size (a rare word weighs
// about ln(2 × passages)).
func (ix *Index) ScoreUnit() float64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.passages.idf(1)
}

// Len returns the number of pages and passages indexed.
func (ix *Index) Len() (pages, passages int) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.pages.n, ix.passages.n
}

// Add indexes pages, replacing any already indexed at the same URL. Pages without URL or
// passages are skipped: they cannot be linked to or quoted.
func (ix *Index) Add(docs ...Doc) {
	type prep struct {
		doc      Doc
		page     prepared
		passages []prepared
		words    []string
		acronyms []acronym
	}
	var work []prep
	for _, d := range docs {
		if d.URL == "" || len(d.Passages) == 0 {
			continue
		}
		w := prep{doc: d}
		var pageFields [nFields][]token
		pageFields[fTitle] = analyze(d.Title, 0)
		pageFields[fURL] = analyze(urlWords(d.URL), 0)
		seenHead := map[string]bool{}
		hpos, bpos, kpos := 0, 0, 0
		for _, p := range d.Passages {
			if p.Title == "" {
				p.Title = d.Title
			}
			var f [nFields][]token
			f[fTitle] = pageFields[fTitle]
			f[fHeading] = analyze(p.Heading, 0)
			f[fBody] = analyze(p.Text, 0)
			f[fKeywords] = analyze(p.Keywords, 0)
			f[fURL] = pageFields[fURL]
			w.passages = append(w.passages, prepare(&unit{url: d.URL, passage: p}, f))
			if p.Heading != "" && !seenHead[p.Heading] {
				seenHead[p.Heading] = true
				pageFields[fHeading] = append(pageFields[fHeading], analyze(p.Heading, hpos)...)
				hpos += len(f[fHeading]) + gapWords
			}
			pageFields[fBody] = append(pageFields[fBody], analyze(p.Text, bpos)...)
			bpos += len(f[fBody]) + gapWords
			if p.Keywords != "" {
				pageFields[fKeywords] = append(pageFields[fKeywords], analyze(p.Keywords, kpos)...)
				kpos += len(f[fKeywords]) + gapWords
			}
			seen := map[string]bool{}
			for _, fl := range f {
				for _, t := range fl {
					if !seen[t.surface] {
						seen[t.surface] = true
						w.words = append(w.words, t.surface)
					}
				}
			}
			w.acronyms = append(w.acronyms, findAcronyms(p.Title+". "+p.Heading+". "+p.Text+". "+p.Keywords)...)
		}
		pu := &unit{url: d.URL, key: linkKey(d.URL), news: d.News != "", dated: !d.Published.IsZero(),
			published: d.Published.Unix()}
		seenT := map[string]bool{}
		for _, t := range pageFields[fTitle] {
			if t.term != "" && !seenT[t.term] {
				seenT[t.term] = true
				pu.titleT = append(pu.titleT, t.term)
			}
		}
		w.page = prepare(pu, pageFields)
		work = append(work, w)
	}
	if len(work) == 0 {
		return
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	dirty := map[string]bool{}
	defer ix.rebuildAnchors(dirty)
	for _, w := range work {
		ix.removeLocked(w.doc.URL, dirty)
		e := &pageEntry{doc: w.doc, words: w.words, acronyms: w.acronyms, links: linkKeys(w.doc.URL, w.doc.Links)}
		for _, k := range e.links {
			ix.inlinks[k]++
		}
		ix.addAnchors(w.doc.URL, w.doc.Links, dirty)
		e.page = ix.pages.insert(w.page)
		for _, p := range w.passages {
			p.u.page = e.page
			e.passages = append(e.passages, ix.passages.insert(p))
		}
		for _, s := range w.words {
			ix.vocab.add(s)
		}
		for _, a := range w.acronyms {
			m := ix.acr[a.short]
			if m == nil {
				m = map[string]int{}
				ix.acr[a.short] = m
			}
			m[a.long]++
		}
		ix.byURL[w.doc.URL] = e
	}
}

// Remove drops a page; it reports whether the page was indexed.
func (ix *Index) Remove(pageURL string) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	dirty := map[string]bool{}
	defer ix.rebuildAnchors(dirty)
	return ix.removeLocked(pageURL, dirty)
}

func (ix *Index) removeLocked(pageURL string, dirty map[string]bool) bool {
	e := ix.byURL[pageURL]
	if e == nil {
		return false
	}
	ix.pages.remove(e.page)
	for _, id := range e.passages {
		ix.passages.remove(id)
	}
	for _, s := range e.words {
		ix.vocab.remove(s)
	}
	for _, k := range e.links {
		if ix.inlinks[k]--; ix.inlinks[k] <= 0 {
			delete(ix.inlinks, k)
		}
	}
	for _, l := range e.doc.Links {
		k := linkKey(l.URL)
		if m := ix.anchorText[k]; m != nil {
			delete(m, pageURL)
			dirty[k] = true
		}
	}
	for _, a := range e.acronyms {
		if m := ix.acr[a.short]; m != nil {
			if m[a.long]--; m[a.long] <= 0 {
				delete(m, a.long)
			}
			if len(m) == 0 {
				delete(ix.acr, a.short)
			}
		}
	}
	delete(ix.byURL, pageURL)
	return true
}

// Doc returns the indexed page at url.
func (ix *Index) Doc(pageURL string) (Doc, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	e := ix.byURL[pageURL]
	if e == nil {
		return Doc{}, false
	}
	return e.doc, true
}

// acronym is an abbreviation learned from text such as "Jobseeker's Allowance (JSA)" or from
// <abbr title> expansions, which extract writes in the same form.
type acronym struct {
	short string // lower-case surface, e.g. "jsa"
	long  string // index terms of the expansion joined by spaces
}

var acronymRE = regexp.MustCompile(`\(([A-Z][A-Za-z]{1,7})\)`)

// findAcronyms finds "Long Form Words (LFW)" where the capitals of the abbreviation are the
// initials of the words before it, allowing small words ("and", "of") to be skipped. Matching the
// initials keeps "(England)" or "(optional)" from being learned.
func findAcronyms(text string) []acronym {
	var out []acronym
	for _, m := range acronymRE.FindAllStringSubmatchIndex(text, -1) {
		abbr := text[m[2]:m[3]]
		letters := strings.ToLower(strings.Map(func(r rune) rune {
			if r >= 'A' && r <= 'Z' {
				return r
			}
			return -1
		}, abbr))
		if len(letters) < 2 || len(letters) > 6 {
			continue
		}
		var words []string
		surfaceWords(text[max(0, m[0]-120):m[0]], func(w string) { words = append(words, w) })
		// Walk back from the bracket matching initials right to left. A compound word may
		// supply several letters ("Jobseeker's" gives J and S of JSA) when its initial is the
		// first of them and the others occur later in it, in order.
		li := len(letters) - 1
		start := -1
		for wi := len(words) - 1; wi >= 0 && li >= 0; wi-- {
			w := words[wi]
			k := 0
			for kk := 1; kk <= li+1; kk++ {
				if letters[li-kk+1] == w[0] && isSubsequence(letters[li-kk+2:li+1], w[1:]) {
					k = kk
					break
				}
			}
			if k > 0 {
				li -= k
				start = wi
				continue
			}
			// Small words may sit inside an expansion, not right before the bracket.
			if (w == "and" || w == "of" || w == "for" || w == "the") && li < len(letters)-1 {
				continue
			}
			break
		}
		if li != -1 || start < 0 {
			continue
		}
		terms := phraseTerms(strings.Join(words[start:], " "))
		if len(terms) < 2 {
			continue
		}
		out = append(out, acronym{short: strings.ToLower(abbr), long: strings.Join(terms, " ")})
	}
	return out
}

// isSubsequence reports whether the bytes of a occur in b in order.
func isSubsequence(a, b string) bool {
	for i := 0; i < len(b) && len(a) > 0; i++ {
		if b[i] == a[0] {
			a = a[1:]
		}
	}
	return len(a) == 0
}

// linkKeys returns the distinct pages a page links to, as keys of Index.inlinks: each target, and
// its parent path too, since links to a part of a guide or a child page ("/blue-badge/apply")
// also vouch for the topic's main page ("/blue-badge"). Links to the page itself do not count.
func linkKeys(self string, links []extract.Link) []string {
	selfKey := linkKey(self)
	seen := map[string]bool{}
	var out []string
	add := func(k string) {
		if k != "" && k != selfKey && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, l := range links {
		k := linkKey(l.URL)
		add(k)
		if i := strings.LastIndexByte(k, '/'); i > 0 && strings.Count(k, "/") > 1 {
			add(k[:i])
		}
	}
	return out
}

// linkKey normalises a URL for link counting: host and path, lower case, no trailing slash, no
// query or fragment.
func linkKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Host) + strings.TrimRight(strings.ToLower(u.Path), "/")
}

// urlWords returns the words of a URL's path: council sites name pages for their topic
// ("/bins-and-recycling/report-a-missed-bin"), which is evidence like a title's.
func urlWords(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Path
}

// addAnchors records the link texts of page src for their targets.
func (ix *Index) addAnchors(src string, links []extract.Link, dirty map[string]bool) {
	self := linkKey(src)
	for _, l := range links {
		k := linkKey(l.URL)
		if k == "" || k == self || strings.TrimSpace(l.Text) == "" {
			continue
		}
		m := ix.anchorText[k]
		if m == nil {
			m = map[string]string{}
			ix.anchorText[k] = m
		}
		if m[src] != "" {
			m[src] += " . " + l.Text
		} else {
			m[src] = l.Text
		}
		dirty[k] = true
	}
}

// rebuildAnchors re-indexes the link texts of changed targets. Link texts are short, so
// rebuilding a target's unit is cheaper than tracking its postings.
func (ix *Index) rebuildAnchors(dirty map[string]bool) {
	for k := range dirty {
		if id, ok := ix.anchorUnit[k]; ok {
			ix.anchors.remove(id)
			delete(ix.anchorUnit, k)
		}
		m := ix.anchorText[k]
		if len(m) == 0 {
			delete(ix.anchorText, k)
			continue
		}
		srcs := make([]string, 0, len(m))
		for src := range m {
			srcs = append(srcs, src)
		}
		sort.Strings(srcs)
		var f [nFields][]token
		pos := 0
		for _, src := range srcs {
			toks := analyze(m[src], pos)
			f[fBody] = append(f[fBody], toks...)
			pos += len(toks) + gapWords
		}
		ix.anchorUnit[k] = ix.anchors.insert(prepare(&unit{url: k}, f))
	}
}
