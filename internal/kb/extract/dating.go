package extract

import (
	"regexp"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// Published is when a page says it was published, and where on the page that was found. Search
// ranks old pages and news items a little below service pages (search.Params.OldFactor); the
// knowledge-base console shows the date and its source.
type Published struct {
	Date   time.Time // zero when the page gives no date
	Source string    // e.g. `meta article:published_time`, `<time datetime>`, `"Published:" text`
}

// metaDates are the meta tags that carry a publication date, most specific first.
var metaDates = []string{
	`meta[property="article:published_time"]`,
	`meta[name="article:published_time"]`,
	`meta[name="dcterms.issued"]`,
	`meta[name="DC.date.issued"]`,
	`meta[name="dcterms.date"]`,
	`meta[name="date"]`,
	`meta[itemprop="datePublished"]`,
}

// publishedText matches "Published: 10 September 2021", "Published on 3 Mar 2020",
// "Posted 2021-09-10", "Date published: ..." in the page text.
var publishedText = regexp.MustCompile(`(?i)\b(?:date published|published|posted|first published)(?:\s+on)?\s*:?\s*([0-9]{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9}\.?,?\s+[0-9]{4}|[A-Za-z]{3,9}\.?\s+[0-9]{1,2}(?:st|nd|rd|th)?,?\s+[0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2})`)

// findPublished looks for a publication date: meta tags first (the site's own record), then
// <time datetime> inside the main content, then "Published: <date>" text.
func findPublished(d *goquery.Document, main *goquery.Selection) Published {
	for _, sel := range metaDates {
		if v, ok := d.Find(sel).First().Attr("content"); ok {
			if t, ok := ParseDate(v); ok {
				return Published{Date: t, Source: "meta " + metaName(sel)}
			}
		}
	}
	var out Published
	main.Find("time[datetime]").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		v, _ := s.Attr("datetime")
		if t, ok := ParseDate(v); ok {
			out = Published{Date: t, Source: "<time datetime>"}
			return false
		}
		return true
	})
	if !out.Date.IsZero() {
		return out
	}
	if main.Length() == 0 {
		return Published{}
	}
	if m := publishedText.FindStringSubmatch(cleanText(nodeText(main.Nodes[0]))); m != nil {
		if t, ok := ParseDate(m[1]); ok {
			return Published{Date: t, Source: `"Published:" text`}
		}
	}
	return Published{}
}

func metaName(sel string) string {
	if i := strings.Index(sel, `="`); i >= 0 {
		return strings.TrimSuffix(sel[i+2:], `"]`)
	}
	return sel
}

var ordinal = regexp.MustCompile(`(?i)\b([0-9]{1,2})(st|nd|rd|th)\b`)

// dateLayouts are the forms ParseDate accepts, after ordinals, commas and dots are removed.
var dateLayouts = []string{
	time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02",
	"2 January 2006", "2 Jan 2006", "January 2 2006", "Jan 2 2006", "Monday 2 January 2006",
	"Mon 2 Jan 2006", "02/01/2006",
}

// ParseDate reads a date as pages write it: ISO 8601 (with or without time), "10 September
// 2021", "10th Sep 2021", "September 10, 2021", or the UK numeric "10/09/2021". Years outside
// 1990–2100 are refused as misreadings.
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	s = ordinal.ReplaceAllString(s, "$1")
	s = strings.NewReplacer(",", " ", ".", " ").Replace(s)
	s = strings.Join(strings.Fields(s), " ")
	s = strings.Replace(s, "Sept ", "Sep ", 1) // common in UK writing; Go knows only "Sep"
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			if y := t.Year(); y < 1990 || y > 2100 {
				return time.Time{}, false
			}
			return t.UTC(), true
		}
	}
	// An ISO 8601 timestamp with an unusual tail: keep the date part.
	if len(s) > 10 && s[4] == '-' && s[7] == '-' {
		return ParseDate(s[:10])
	}
	return time.Time{}, false
}
