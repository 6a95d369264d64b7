package crawl

import (
	"bufio"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Sitemap limits from sitemaps.org: 50,000 URLs and 50 MB (uncompressed)
// per file.
const (
	MaxSitemapURLs  = 50000
	MaxSitemapBytes = 50 << 20
)

// Sitemap is a parsed sitemap file: a urlset lists pages, a sitemap index
// lists further sitemaps.
type Sitemap struct {
	Index bool       // a <sitemapindex>
	URLs  []SiteLink // <url> entries, or <sitemap> entries of an index
}

// SiteLink is one <url> or <sitemap> entry.
type SiteLink struct {
	Loc     string
	LastMod string
}

// ParseSitemap reads a sitemap or sitemap index, gzip-compressed or not
// (recognised by its magic bytes, whatever the file is called). Entries
// without a <loc> are skipped; at most MaxSitemapURLs are returned.
func ParseSitemap(r io.Reader) (Sitemap, error) {
	br := bufio.NewReader(io.LimitReader(r, MaxSitemapBytes+1))
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return Sitemap{}, fmt.Errorf("sitemap: bad gzip data: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReader(io.LimitReader(zr, MaxSitemapBytes+1))
	}
	counted := &countingReader{r: br}
	dec := xml.NewDecoder(counted)
	dec.Strict = false
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return in, nil
		}
		return nil, fmt.Errorf("sitemap: unsupported encoding %q (use UTF-8)", label)
	}
	var sm Sitemap
	var root string
	var entry *SiteLink // inside <url> or <sitemap>
	var field string    // "loc" or "lastmod" while inside one
	var text strings.Builder
	depth, entryDepth := 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if counted.n > MaxSitemapBytes {
				return Sitemap{}, fmt.Errorf("sitemap: larger than %d bytes", MaxSitemapBytes)
			}
			return Sitemap{}, fmt.Errorf("sitemap: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			name := strings.ToLower(t.Name.Local)
			switch {
			case root == "":
				if name != "urlset" && name != "sitemapindex" {
					return Sitemap{}, fmt.Errorf("sitemap: root element is <%s>, want <urlset> or <sitemapindex>", t.Name.Local)
				}
				root = name
				sm.Index = name == "sitemapindex"
			case entry == nil && depth == 2 && ((root == "urlset" && name == "url") || (root == "sitemapindex" && name == "sitemap")):
				entry, entryDepth = &SiteLink{}, depth
			case entry != nil && field == "" && depth == entryDepth+1 && (name == "loc" || name == "lastmod"):
				field = name
				text.Reset()
			}
		case xml.CharData:
			if field != "" && text.Len() < 8192 {
				text.Write(t)
			}
		case xml.EndElement:
			depth--
			name := strings.ToLower(t.Name.Local)
			switch {
			case field != "" && name == field && depth == entryDepth:
				v := strings.TrimSpace(text.String())
				if field == "loc" {
					entry.Loc = v
				} else {
					entry.LastMod = v
				}
				field = ""
			case entry != nil && depth == entryDepth-1:
				if entry.Loc != "" {
					sm.URLs = append(sm.URLs, *entry)
					if len(sm.URLs) >= MaxSitemapURLs {
						return sm, nil
					}
				}
				entry = nil
			}
		}
	}
	if root == "" {
		return Sitemap{}, errors.New("sitemap: no <urlset> or <sitemapindex> element")
	}
	return sm, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
