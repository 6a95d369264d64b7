package crawl

import (
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestRobotsAllowed(t *testing.T) {
	const txt = `# Scarfolk County Council
User-agent: *
Disallow: /search
Disallow: /admin/
Allow: /admin/public
Disallow: /*.pdf$
Disallow: /private*/notes

User-agent: OtherBot
Disallow: /

Sitemap: https://www.scarfolk.example/sitemap.xml
sitemap: https://www.scarfolk.example/news-sitemap.xml
`
	r := ParseRobots([]byte(txt), Token)
	tests := []struct {
		path string
		want bool
	}{
		{"/", true},
		{"/bins", true},
		{"/search", false},
		{"/search?q=bins", false},
		{"/searching", false}, // prefix match, as the standard says
		{"/admin", true},
		{"/admin/", false},
		{"/admin/users", false},
		{"/admin/public", true}, // longer Allow wins
		{"/admin/public/x", true},
		{"/report.pdf", false},
		{"/report.pdf?x=1", true}, // $ anchors at the end
		{"/report.pdfx", true},
		{"/private-area/notes/1", false},
		{"/private/other", true},
		{"/robots.txt", true},
	}
	for _, tt := range tests {
		if got := r.Allowed(tt.path); got != tt.want {
			t.Errorf("Allowed(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if got := strings.Join(r.Sitemaps(), " "); got != "https://www.scarfolk.example/sitemap.xml https://www.scarfolk.example/news-sitemap.xml" {
		t.Errorf("sitemaps = %q", got)
	}
}

func TestRobotsGroups(t *testing.T) {
	tests := []struct {
		name, txt, path string
		want            bool
		delay           time.Duration
	}{
		{"our group wins over *", "User-agent: *\nDisallow: /\n\nUser-agent: FairlineBot\nDisallow: /private\n", "/bins", true, 0},
		{"our group applies", "User-agent: *\nDisallow: /\n\nUser-agent: FairlineBot\nDisallow: /private\n", "/private/x", false, 0},
		{"case and version ignored", "User-agent: fairlinebot/2.1\nDisallow: /x\n", "/x", false, 0},
		{"other bots only", "User-agent: OtherBot\nDisallow: /\n", "/x", true, 0},
		{"star group", "User-agent: *\nDisallow: /x\nCrawl-delay: 2\n", "/x/y", false, 2 * time.Second},
		{"shared group", "User-agent: OtherBot\nUser-agent: FairlineBot\nDisallow: /shared\nCrawl-delay: 0.5\n", "/shared", false, 500 * time.Millisecond},
		{"merged groups", "User-agent: FairlineBot\nDisallow: /a\n\nUser-agent: FairlineBot\nDisallow: /b\n", "/b", false, 0},
		{"empty disallow allows", "User-agent: *\nDisallow:\n", "/anything", true, 0},
		{"tie: allow wins", "User-agent: *\nDisallow: /page\nAllow: /page\n", "/page", true, 0},
		{"comments and spaces", "  User-Agent :  *   # all\n  DISALLOW :  /tmp # temp\n", "/tmp/1", false, 0},
		{"rules before any group ignored", "Disallow: /\nUser-agent: *\nDisallow: /y\n", "/x", true, 0},
		{"huge delay capped", "User-agent: *\nCrawl-delay: 86400\n", "/", true, MaxCrawlDelay},
		{"bad delay ignored", "User-agent: *\nCrawl-delay: soon\n", "/", true, 0},
		{"byte order mark", "\ufeffUser-agent: *\nDisallow: /x\n", "/x", false, 0},
		{"CRLF", "User-agent: *\r\nDisallow: /x\r\n", "/x", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ParseRobots([]byte(tt.txt), Token)
			if got := r.Allowed(tt.path); got != tt.want {
				t.Errorf("Allowed(%q) = %v, want %v", tt.path, got, tt.want)
			}
			if r.CrawlDelay() != tt.delay {
				t.Errorf("CrawlDelay = %v, want %v", r.CrawlDelay(), tt.delay)
			}
		})
	}
	if DisallowAll().Allowed("/x") || !DisallowAll().Allowed("/robots.txt") || !AllowAll().Allowed("/x") {
		t.Error("AllowAll/DisallowAll wrong")
	}
}

// refMatch is an independent implementation of robots.txt pattern matching
// through a regular expression, for the fuzz test to compare against.
func refMatch(pat, path string) bool {
	var b strings.Builder
	b.WriteString(`^`)
	anchored := strings.HasSuffix(pat, "$")
	if anchored {
		pat = pat[:len(pat)-1]
	}
	for _, part := range strings.Split(pat, "*") {
		b.WriteString(regexp.QuoteMeta(part))
		b.WriteString(`(?s:.*)`)
	}
	re := strings.TrimSuffix(b.String(), `(?s:.*)`)
	if anchored {
		re += `$`
	}
	return regexp.MustCompile(re).MatchString(path)
}

func TestMatchPatternAgainstReference(t *testing.T) {
	for _, tt := range [][2]string{
		{"/a", "/a"}, {"/a", "/ab"}, {"/a$", "/ab"}, {"/a*b", "/axxb"}, {"/a*b$", "/axxbc"}, {"*", ""},
		{"/*/x", "/y/z/x"}, {"/a**b", "/ab"}, {"$", ""}, {"/x$y", "/x$y"}, {"/a*", "/"},
	} {
		if got, want := matchPattern(tt[0], tt[1]), refMatch(tt[0], tt[1]); got != want {
			t.Errorf("matchPattern(%q, %q) = %v, reference says %v", tt[0], tt[1], got, want)
		}
	}
}

func FuzzMatchPattern(f *testing.F) {
	for _, s := range [][2]string{{"/a*b$", "/axb"}, {"/*.pdf$", "/x.pdf"}, {"/", "/"}, {"**$", "x"}, {"/a$b", "/a$b"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pat, path string) {
		// The reference needs valid UTF-8; real paths are percent-encoded ASCII.
		if len(pat) > 64 || len(path) > 64 || !utf8.ValidString(pat) || !utf8.ValidString(path) {
			return
		}
		if got, want := matchPattern(pat, path), refMatch(pat, path); got != want {
			t.Errorf("matchPattern(%q, %q) = %v, reference says %v", pat, path, got, want)
		}
	})
}

func FuzzParseRobots(f *testing.F) {
	f.Add([]byte("User-agent: *\nDisallow: /x\nAllow: /x/y\nCrawl-delay: 1\nSitemap: https://a.example/s.xml\n"), "/x/y/z")
	f.Add([]byte("User-agent: FairlineBot\nUser-agent: *\nDisallow: /*.pdf$\n"), "/a.pdf")
	f.Add([]byte("\ufeff#c\nuser-agent:fairlinebot/1\ndisallow:/\n"), "/")
	f.Add([]byte("User-agent: *\nCrawl-delay: 1e400\n"), "/")
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		r := ParseRobots(data, Token)
		got := r.Allowed(path)
		if !r.Allowed("/robots.txt") {
			t.Fatal("/robots.txt disallowed")
		}
		if d := r.CrawlDelay(); d < 0 || d > MaxCrawlDelay {
			t.Fatalf("crawl delay %v out of range", d)
		}
		// Parsing is deterministic, and a robots.txt is read the same way
		// with Windows line ends.
		if again := ParseRobots(data, Token).Allowed(path); again != got {
			t.Fatal("Allowed is not deterministic")
		}
		if !strings.Contains(string(data), "\r") && len(data) < MaxRobotsBytes/2 {
			crlf := strings.ReplaceAll(string(data), "\n", "\r\n")
			if ParseRobots([]byte(crlf), Token).Allowed(path) != got {
				t.Fatalf("CRLF changes the answer for %q", path)
			}
		}
		// With no rule matching, everything is allowed; with a rule for
		// "/" and nothing else, everything but robots.txt is refused.
		if len(r.rules) == 0 && !got {
			t.Fatal("disallowed without any rule")
		}
	})
}
