package crawl

import (
	"bufio"
	"bytes"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxRobotsBytes is how much of a robots.txt is read (RFC 9309 asks
// crawlers to parse at least 500 KiB).
const MaxRobotsBytes = 512 << 10

// MaxCrawlDelay caps a site's Crawl-delay: a larger value would make a
// crawl of a council site take days.
const MaxCrawlDelay = 60 * time.Second

// Robots is a parsed robots.txt, reduced to the group that applies to one
// crawler (RFC 9309, with the common Crawl-delay and Sitemap extensions).
type Robots struct {
	rules      []robotsRule
	crawlDelay time.Duration
	sitemaps   []string
}

type robotsRule struct {
	allow   bool
	pattern string
}

// AllowAll is the robots.txt of a site that has none.
func AllowAll() *Robots { return &Robots{} }

// DisallowAll is what a crawler must assume when robots.txt cannot be read
// because the server fails (RFC 9309 section 2.3.1.4).
func DisallowAll() *Robots { return &Robots{rules: []robotsRule{{allow: false, pattern: "/"}}} }

// ParseRobots parses robots.txt data for the crawler whose product token
// is agent (for example "FairlineBot"): the groups naming the token apply,
// else the "*" groups, else nothing is disallowed. Lines it does not
// understand are ignored, as the standard asks.
func ParseRobots(data []byte, agent string) *Robots {
	if len(data) > MaxRobotsBytes {
		data = data[:MaxRobotsBytes]
	}
	agent = strings.ToLower(agent)
	type group struct {
		agents []string
		rules  []robotsRule
		delay  time.Duration
		hasDel bool
	}
	var groups []*group
	var cur *group
	lastWasAgent := false
	r := &Robots{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), MaxRobotsBytes+1)
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			line = strings.TrimPrefix(line, "\ufeff")
			first = false
		}
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		value = strings.TrimSpace(value)
		switch key {
		case "user-agent", "useragent", "user agent":
			if cur == nil || !lastWasAgent {
				cur = &group{}
				groups = append(groups, cur)
			}
			cur.agents = append(cur.agents, agentToken(value))
			lastWasAgent = true
			continue
		case "allow", "disallow":
			if cur != nil && value != "" {
				cur.rules = append(cur.rules, robotsRule{allow: key == "allow", pattern: value})
			}
		case "crawl-delay", "crawldelay":
			if cur != nil {
				if f, err := strconv.ParseFloat(value, 64); err == nil && f >= 0 && f == f {
					d := MaxCrawlDelay
					if f < MaxCrawlDelay.Seconds() {
						d = time.Duration(f * float64(time.Second))
					}
					cur.delay, cur.hasDel = d, true
				}
			}
		case "sitemap", "site-map":
			if value != "" {
				r.sitemaps = append(r.sitemaps, value)
			}
		}
		lastWasAgent = false
	}
	// The groups naming this crawler win over "*"; several groups for the
	// same crawler are merged.
	pick := func(token string) bool {
		found := false
		for _, g := range groups {
			if slices.Contains(g.agents, token) {
				found = true
				r.rules = append(r.rules, g.rules...)
				if g.hasDel && g.delay > r.crawlDelay {
					r.crawlDelay = g.delay
				}
			}
		}
		return found
	}
	if agent == "" || !pick(agent) {
		pick("*")
	}
	return r
}

// agentToken reduces a User-agent value to its product token, lower case:
// "FairlineBot/1.0" → "fairlinebot".
func agentToken(v string) string {
	if i := strings.IndexAny(v, "/ \t"); i >= 0 {
		v = v[:i]
	}
	return strings.ToLower(v)
}

// Allowed reports whether the crawler may fetch path (the URL's escaped
// path plus any "?query"). The most specific (longest) matching rule
// decides; on a tie Allow wins; no matching rule allows. /robots.txt is
// always allowed.
func (r *Robots) Allowed(path string) bool {
	if path == "" {
		path = "/"
	}
	if path == "/robots.txt" {
		return true
	}
	best, allowed := -1, true
	for _, rule := range r.rules {
		if !matchPattern(rule.pattern, path) {
			continue
		}
		n := len(rule.pattern)
		if n > best || (n == best && rule.allow) {
			best, allowed = n, rule.allow
		}
	}
	return allowed
}

// CrawlDelay is the delay between requests the site asks of this crawler
// (0 when none), at most MaxCrawlDelay.
func (r *Robots) CrawlDelay() time.Duration { return r.crawlDelay }

// Sitemaps lists the Sitemap: URLs, as written.
func (r *Robots) Sitemaps() []string { return r.sitemaps }

// matchPattern reports whether a robots.txt path pattern matches path.
// A pattern matches a prefix of the path; "*" matches any run of
// characters; a final "$" anchors the pattern at the end of the path.
func matchPattern(pat, s string) bool {
	anchored := strings.HasSuffix(pat, "$")
	if anchored {
		pat = pat[:len(pat)-1]
	}
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pat) && pat[p] == '*':
			star, mark = p, i
			p++
		case p < len(pat) && pat[p] == s[i]:
			p++
			i++
		case p == len(pat) && !anchored:
			return true
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pat) && pat[p] == '*' {
		p++
	}
	return p == len(pat)
}
