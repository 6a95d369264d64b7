package crawl

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func gz(t testing.TB, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestParseSitemap(t *testing.T) {
	const urlset = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url><loc> https://c.example/bins </loc><lastmod>2024-09-05</lastmod><image:image><image:loc>https://c.example/i.png</image:loc></image:image></url>
  <url><loc>https://c.example/a?x=1&amp;y=2</loc></url>
  <url><lastmod>2024-01-01</lastmod></url>
  <url><loc><![CDATA[https://c.example/cdata]]></loc></url>
</urlset>`
	want := []SiteLink{{"https://c.example/bins", "2024-09-05"}, {"https://c.example/a?x=1&y=2", ""}, {"https://c.example/cdata", ""}}
	for _, tt := range []struct {
		name string
		data []byte
	}{{"plain", []byte(urlset)}, {"gzip", gz(t, urlset)}} {
		t.Run(tt.name, func(t *testing.T) {
			sm, err := ParseSitemap(bytes.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if sm.Index || !reflect.DeepEqual(sm.URLs, want) {
				t.Errorf("got %+v, want %+v", sm, want)
			}
		})
	}

	idx, err := ParseSitemap(strings.NewReader(`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
	<sitemap><loc>https://c.example/s1.xml.gz</loc></sitemap><sitemap><loc>https://c.example/s2.xml</loc></sitemap></sitemapindex>`))
	if err != nil || !idx.Index || len(idx.URLs) != 2 || idx.URLs[1].Loc != "https://c.example/s2.xml" {
		t.Errorf("index = %+v, %v", idx, err)
	}

	for _, bad := range []struct{ name, data, want string }{
		{"html page", "<!DOCTYPE html><html><body>Not found</body></html>", "root element is <html>"},
		{"empty", "", "no <urlset>"},
		{"truncated gzip", string(gz(t, urlset)[:20]), "sitemap"},
		{"latin-1", `<?xml version="1.0" encoding="ISO-8859-1"?><urlset></urlset>`, "unsupported encoding"},
	} {
		if _, err := ParseSitemap(strings.NewReader(bad.data)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: err = %v, want it to mention %q", bad.name, err, bad.want)
		}
	}
}

func TestParseSitemapLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("<urlset>")
	for i := 0; i < MaxSitemapURLs+10; i++ {
		fmt.Fprintf(&b, "<url><loc>https://c.example/p%d</loc></url>", i)
	}
	b.WriteString("</urlset>")
	sm, err := ParseSitemap(strings.NewReader(b.String()))
	if err != nil || len(sm.URLs) != MaxSitemapURLs {
		t.Errorf("got %d URLs, %v; want %d", len(sm.URLs), err, MaxSitemapURLs)
	}
}

// encodeSitemap writes sm back as XML, for the round-trip property.
func encodeSitemap(sm Sitemap) string {
	var b strings.Builder
	root, item := "urlset", "url"
	if sm.Index {
		root, item = "sitemapindex", "sitemap"
	}
	b.WriteString("<" + root + ">")
	for _, u := range sm.URLs {
		b.WriteString("<" + item + "><loc>")
		xml.EscapeText(&b, []byte(u.Loc))
		b.WriteString("</loc>")
		if u.LastMod != "" {
			b.WriteString("<lastmod>")
			xml.EscapeText(&b, []byte(u.LastMod))
			b.WriteString("</lastmod>")
		}
		b.WriteString("</" + item + ">")
	}
	b.WriteString("</" + root + ">")
	return b.String()
}

func FuzzParseSitemap(f *testing.F) {
	f.Add([]byte(`<urlset><url><loc>https://c.example/a</loc><lastmod>2024-01-01</lastmod></url></urlset>`))
	f.Add([]byte(`<sitemapindex><sitemap><loc>https://c.example/s.xml</loc></sitemap></sitemapindex>`))
	f.Add([]byte(`<?xml version="1.0"?><urlset><url><loc><![CDATA[x]]></loc></url><url><loc></loc></url></urlset>`))
	f.Add([]byte{0x1f, 0x8b, 0x08, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		sm, err := ParseSitemap(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, u := range sm.URLs {
			if u.Loc == "" || u.Loc != strings.TrimSpace(u.Loc) || u.LastMod != strings.TrimSpace(u.LastMod) {
				t.Fatalf("entry not trimmed or empty: %+v", u)
			}
		}
		// What was read is what a writer of the same entries means: encode
		// and parse again, also gzip-compressed.
		enc := encodeSitemap(sm)
		for _, in := range [][]byte{[]byte(enc), gz(t, enc)} {
			again, err := ParseSitemap(bytes.NewReader(in))
			if err != nil {
				t.Fatalf("re-encoded sitemap does not parse: %v\n%s", err, enc)
			}
			if again.Index != sm.Index || len(again.URLs) != len(sm.URLs) {
				t.Fatalf("round trip changed the sitemap: %+v vs %+v", again, sm)
			}
			for i := range sm.URLs {
				if again.URLs[i] != sm.URLs[i] {
					t.Fatalf("round trip changed entry %d: %+v vs %+v", i, again.URLs[i], sm.URLs[i])
				}
			}
		}
	})
}
