package search

import (
	"math"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/fairline/fairline/internal/kb/extract"
)

// Boilerplate and stale content.
//
// Two kinds of text are left out of passages so that they are never quoted as an answer: blocks
// the page marks as an information notice (extract keeps them only as index-only keywords, see
// extract.Document.Notices), and blocks repeated verbatim across many pages of the same site — a site-wide banner, a cookie or
// notice paragraph, a "contact us" footer that the main-content detection let through. The
// repeated set is found over the whole site at once (FindBoilerplate, on every full rebuild of
// the chat index) and applied to each page (Boilerplate.Strip, also to pages changed since).
//
// News items and pages with an old publication date stay searchable but rank a little below
// service pages: their page score, and their confidence, are multiplied by Params.NewsFactor and
// Params.OldFactor (see Doc.News, Doc.Published).

// Excluded is one block of a page left out of its passages, with why.
type Excluded struct {
	Text   string
	Reason string
}

// Reasons for Excluded blocks.
const (
	ReasonNotice   = "marked on the page as an information notice: searchable, never quoted"
	ReasonRepeated = "repeated on many pages of the site (a banner or notice)"
)

// Repeated-block thresholds: a block is site furniture when it is on at least this share of a
// site's pages, and on at least minRepeatPages of them (so that two similar pages of a small
// site do not lose their shared text).
const (
	repeatShare    = 0.3
	minRepeatPages = 3
)

// Boilerplate is the set of blocks repeated across a site's pages, by host.
type Boilerplate struct {
	blocks map[string]map[string]bool // host → normalised block → true
}

// FindBoilerplate finds the blocks (lines of passage text) that repeat, normalised, on at least
// 30 % of the pages of one host and on at least three.
func FindBoilerplate(docs []Doc) *Boilerplate {
	pages := map[string]int{}
	count := map[string]map[string]int{}
	for _, d := range docs {
		h := hostOf(d.URL)
		pages[h]++
		seen := map[string]bool{}
		for _, p := range d.Passages {
			for _, line := range strings.Split(p.Text, "\n") {
				k := blockKey(line)
				if k == "" || seen[k] {
					continue
				}
				seen[k] = true
				if count[h] == nil {
					count[h] = map[string]int{}
				}
				count[h][k]++
			}
		}
	}
	b := &Boilerplate{blocks: map[string]map[string]bool{}}
	for h, m := range count {
		need := max(minRepeatPages, int(math.Ceil(repeatShare*float64(pages[h]))))
		for k, n := range m {
			if n >= need {
				if b.blocks[h] == nil {
					b.blocks[h] = map[string]bool{}
				}
				b.blocks[h][k] = true
			}
		}
	}
	return b
}

// Len is the number of repeated blocks found, over all sites.
func (b *Boilerplate) Len() int {
	if b == nil {
		return 0
	}
	n := 0
	for _, m := range b.blocks {
		n += len(m)
	}
	return n
}

// Strip removes the repeated blocks from d's passages, drops passages left empty and records
// what it removed in d.Excluded. A page left with no text keeps one passage holding its title,
// so that it can still be found by name.
func (b *Boilerplate) Strip(d Doc) Doc {
	set := b.forHost(d.URL)
	if len(set) == 0 {
		return d
	}
	out := make([]extract.Passage, 0, len(d.Passages))
	noted := map[string]bool{}
	for _, p := range d.Passages {
		lines := strings.Split(p.Text, "\n")
		kept := lines[:0:0]
		for _, line := range lines {
			k := blockKey(line)
			if k != "" && set[k] {
				if !noted[k] {
					noted[k] = true
					d.Excluded = append(d.Excluded, Excluded{Text: strings.TrimSpace(line), Reason: ReasonRepeated})
				}
				continue
			}
			kept = append(kept, line)
		}
		p.Text = strings.TrimSpace(strings.Join(kept, "\n"))
		if p.Text != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 && len(d.Passages) > 0 && strings.TrimSpace(d.Title) != "" {
		out = append(out, extract.Passage{URL: d.URL, Title: d.Title, Text: d.Title})
	}
	d.Passages = out
	return d
}

func (b *Boilerplate) forHost(u string) map[string]bool {
	if b == nil {
		return nil
	}
	return b.blocks[hostOf(u)]
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// blockKey normalises a block for comparison: lower case, letters and digits only, single
// spaces. Blocks of fewer than three words are not compared: "Yes." or "Contact us" repeat on
// many pages without being furniture worth removing.
func blockKey(s string) string {
	var b strings.Builder
	words, space := 0, true
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space {
				if b.Len() > 0 {
					b.WriteByte(' ')
				}
				words++
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	if words < 3 {
		return ""
	}
	return b.String()
}

// newsSegments are URL path segments under which sites publish news and press releases.
var newsSegments = map[string]bool{
	"news": true, "news-and-events": true, "latest-news": true, "press": true, "press-releases": true,
	"press-release": true, "media-releases": true, "newsroom": true, "blog": true, "blogs": true,
}

// NewsReason says why a page at u is treated as a news item ("the address is under /news/"), or
// "" when it is not.
func NewsReason(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	for _, seg := range strings.Split(strings.ToLower(p.Path), "/") {
		if newsSegments[seg] {
			return "the address is under /" + seg + "/"
		}
	}
	return ""
}

// Freshness is how a page's date and kind affect its rank, for the knowledge-base console.
type Freshness struct {
	News      string // why it is a news item; "" when it is not
	Published time.Time
	Source    string // where the date was found
	Old       bool   // published more than Params.OldAfterDays before now
	Factor    float64
}

// Freshness describes d as ranked now.
func (ix *Index) Freshness(d Doc) Freshness {
	f := Freshness{News: d.News, Published: d.Published, Source: d.PublishedSource}
	f.Old = ix.isOld(d.Published.Unix(), !d.Published.IsZero(), ix.now())
	f.Factor = ix.staleFactor(d.News != "", f.Old)
	return f
}

func (ix *Index) isOld(published int64, dated bool, now time.Time) bool {
	return dated && ix.params.OldAfterDays > 0 &&
		now.Sub(time.Unix(published, 0)) > time.Duration(ix.params.OldAfterDays)*24*time.Hour
}

func (ix *Index) staleFactor(news, old bool) float64 {
	f := 1.0
	if news && ix.params.NewsFactor > 0 {
		f *= ix.params.NewsFactor
	}
	if old && ix.params.OldFactor > 0 {
		f *= ix.params.OldFactor
	}
	return f
}

func (ix *Index) now() time.Time {
	if ix.clock != nil {
		return ix.clock()
	}
	return time.Now()
}
