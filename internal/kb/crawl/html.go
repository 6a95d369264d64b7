package crawl

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// pageInfo is what the crawler reads from a page: its title, the links it
// may follow and the page's own robots directives.
type pageInfo struct {
	Title    string
	Links    []string // href values as written
	Base     string   // <base href>, if any
	NoIndex  bool     // <meta name="robots" content="noindex">
	NoFollow bool     // <meta name="robots" content="nofollow">
}

// scanHTML tokenises a page (no DOM is built). The title is the first <h1>
// when there is one (a council page's <title> usually carries the site
// name as well), else <title>.
func scanHTML(body []byte, agent string) pageInfo {
	var info pageInfo
	var title, h1 strings.Builder
	inTitle, inH1, h1Done := false, false, false
	z := html.NewTokenizer(bytes.NewReader(body))
	agent = strings.ToLower(agent)
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			info.Title = clean(h1.String())
			if info.Title == "" {
				info.Title = clean(title.String())
			}
			return info
		case html.TextToken:
			if inTitle && title.Len() < 1000 {
				title.Write(z.Text())
			}
			if inH1 && h1.Len() < 1000 {
				h1.Write(z.Text())
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.Title:
				inTitle = false
			case atom.H1:
				if inH1 {
					inH1, h1Done = false, true
				}
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Title:
				inTitle = tt == html.StartTagToken && title.Len() == 0
			case atom.H1:
				inH1 = tt == html.StartTagToken && !h1Done
			case atom.A, atom.Area, atom.Base, atom.Meta:
				if !hasAttr {
					continue
				}
				attrs := map[string]string{}
				for {
					k, v, more := z.TagAttr()
					attrs[string(k)] = string(v)
					if !more {
						break
					}
				}
				switch a {
				case atom.A, atom.Area:
					href, ok := attrs["href"]
					_, download := attrs["download"]
					if ok && !download && !strings.Contains(" "+strings.ToLower(attrs["rel"])+" ", " nofollow ") {
						info.Links = append(info.Links, href)
					}
				case atom.Base:
					if info.Base == "" {
						info.Base = attrs["href"]
					}
				case atom.Meta:
					n := strings.ToLower(attrs["name"])
					if n == "robots" || (agent != "" && n == agent) {
						c := strings.ToLower(attrs["content"])
						for _, d := range strings.Split(c, ",") {
							switch strings.TrimSpace(d) {
							case "noindex", "none":
								info.NoIndex = true
							}
							switch strings.TrimSpace(d) {
							case "nofollow", "none":
								info.NoFollow = true
							}
						}
					}
				}
			}
		}
	}
}

// clean collapses white space.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

// PageTitle is the title the crawler gives a page: its first <h1>, else
// its <title>.
func PageTitle(html string) string { return scanHTML([]byte(html), "").Title }
