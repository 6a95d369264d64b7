package extract

import (
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		in   string
		want time.Time // zero: refused
	}{
		{"2021-09-10", day(2021, 9, 10)},
		{"2021-09-10T10:30:00+01:00", time.Date(2021, 9, 10, 9, 30, 0, 0, time.UTC)},
		{"2021-09-10T10:30:00.000Z", day(2021, 9, 10)}, // fractional seconds: the date part
		{"10 September 2021", day(2021, 9, 10)},
		{"10th Sept. 2021", day(2021, 9, 10)},
		{"1st Mar 2020", day(2020, 3, 1)},
		{"September 10, 2021", day(2021, 9, 10)},
		{"Friday 10 September 2021", day(2021, 9, 10)},
		{"10/09/2021", day(2021, 9, 10)}, // UK order
		{"  10  September   2021 ", day(2021, 9, 10)},
		{"", time.Time{}},
		{"yesterday", time.Time{}},
		{"10 Smarch 2021", time.Time{}},
		{"31 February 2021", time.Time{}},
		{"1 January 1066", time.Time{}}, // outside 1990–2100: a misreading
		{strings.Repeat("2021-09-10 ", 10), time.Time{}},
	}
	for _, tt := range tests {
		got, ok := ParseDate(tt.in)
		if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2021-09-10", "10th Sept. 2021", "September 10, 2021", "10/09/2021", "2021-09-10T10:30:00Z", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseDate(s)
		if !ok {
			if !d.IsZero() {
				t.Errorf("refused %q but returned %v", s, d)
			}
			return
		}
		if y := d.Year(); y < 1990 || y > 2100 || d.Location() != time.UTC {
			t.Errorf("ParseDate(%q) = %v", s, d)
		}
	})
}

func TestPublished(t *testing.T) {
	tests := []struct {
		name, html string
		want       string // date as 2006-01-02, "" when none
		source     string
	}{
		{"meta", `<html><head><meta property="article:published_time" content="2020-05-01T08:00:00Z"></head><body><main><h1>A</h1><p>Text <time datetime="2024-01-01">then</time>.</p></main></body></html>`,
			"2020-05-01", "meta article:published_time"},
		{"time element", `<main><h1>A</h1><p>Posted <time datetime="2019-11-05">5 Nov</time></p></main>`, "2019-11-05", "<time datetime>"},
		{"published text", `<main><h1>A</h1><p>News text.</p><div class="details"><p><strong>Published:</strong> 10 September 2021</p></div></main>`,
			"2021-09-10", `"Published:" text`},
		{"bad meta falls through", `<html><head><meta name="date" content="soon"></head><body><main><h1>A</h1><p>Published on 3 March 2020.</p></main></body></html>`,
			"2020-03-03", `"Published:" text`},
		{"none", `<main><h1>Council tax</h1><p>Pay by 1 April 2024.</p></main>`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Extract("https://example.gov.uk/a", tt.html)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if !doc.Published.Date.IsZero() {
				got = doc.Published.Date.Format("2006-01-02")
			}
			if got != tt.want || doc.Published.Source != tt.source {
				t.Errorf("published %q from %q, want %q from %q", got, doc.Published.Source, tt.want, tt.source)
			}
		})
	}
}

// An information notice (alert-info, a notification banner) is searchable but never quoted; a
// warning (alert-danger) is the page's own content and stays.
func TestNoticesAreKeywordsNotText(t *testing.T) {
	page := `<main><h1>Registering a birth</h1>
<p class="alert alert-info">(example Alert Info) Registration services are suspended due to the pandemic.</p>
<p>You must register a birth within 42 days.</p>
<div class="govuk-notification-banner"><h2>Important</h2><p>Offices close at 3pm on Friday.</p></div>
<p class="alert alert-danger">Do not use unofficial sites which charge a fee.</p>
</main>`
	doc, err := Extract("https://example.gov.uk/birth", page)
	if err != nil {
		t.Fatal(err)
	}
	var text, kw []string
	for _, s := range doc.Sections {
		text = append(text, s.Blocks...)
		kw = append(kw, s.Keywords...)
	}
	all, keys := strings.Join(text, "\n"), strings.Join(kw, "\n")
	for _, notice := range []string{"suspended due to the pandemic", "Offices close at 3pm"} {
		if strings.Contains(all, notice) {
			t.Errorf("notice %q is quotable text:\n%s", notice, all)
		}
		if !strings.Contains(keys, notice) {
			t.Errorf("notice %q is not searchable (keywords %q)", notice, keys)
		}
	}
	for _, content := range []string{"within 42 days", "Do not use unofficial sites"} {
		if !strings.Contains(all, content) {
			t.Errorf("content %q lost:\n%s", content, all)
		}
	}
	if len(doc.Notices) != 2 || !strings.HasPrefix(doc.Notices[0], "(example Alert Info)") || !strings.Contains(doc.Notices[1], "Offices close") {
		t.Errorf("notices %q", doc.Notices)
	}
}
