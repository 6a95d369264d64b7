package notice

import (
	"bytes"
	"encoding/xml"
	"errors"
	"html"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/policy"
)

type rendered struct {
	md, frag, doc string
	text          string // the fragment's visible text
}

// ukStores is the default configuration's stores: the database and the blob folder, both
// declared to be in the UK.
var ukStores = []string{"UK", "UK"}

// render renders a system's notice for the default configuration (ukStores).
func render(t testing.TB, p *policy.Policy, system string) rendered {
	t.Helper()
	return renderStores(t, p, system, ukStores)
}

func renderStores(t testing.TB, p *policy.Policy, system string, stores []string) rendered {
	t.Helper()
	var md, doc bytes.Buffer
	if err := Markdown(&md, p, system, stores); err != nil {
		t.Fatalf("Markdown(%s): %v", system, err)
	}
	frag, err := HTML(p, system, stores)
	if err != nil {
		t.Fatalf("HTML(%s): %v", system, err)
	}
	if err := HTMLDocument(&doc, p, system, stores); err != nil {
		t.Fatalf("HTMLDocument(%s): %v", system, err)
	}
	return rendered{md: md.String(), frag: string(frag), doc: doc.String(), text: visibleText(string(frag))}
}

var tagRE = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s[^>]*)?)>`)

// visibleText is the text a reader sees: tags removed, entities decoded, spaces collapsed.
func visibleText(h string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tagRE.ReplaceAllString(h, " "))), " ")
}

func loadPolicy(t testing.TB, yaml string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("test policy does not parse:\n%v", err)
	}
	return p
}

func variant(t testing.TB) *policy.Policy {
	t.Helper()
	p, err := policy.Load("testdata/variant.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var (
	voidElements = []string{"meta", "link", "br", "hr", "img", "input"}
	attrRE       = regexp.MustCompile(`\s([a-zA-Z-]+)(?:="([^"]*)")?`)
)

// checkHTML checks markup the way an accessibility review would: tags balanced and nested,
// exactly one h1 first and only h2 after it, no inline styles or scripts, GOV.UK classes only,
// no unescaped angle brackets in text, and (for fragments) well-formed to a strict XML parser.
func checkHTML(t testing.TB, h string, fragment bool) {
	t.Helper()
	var stack, headings []string
	for _, m := range tagRE.FindAllStringSubmatch(h, -1) {
		closing, name, attrs := m[1] == "/", strings.ToLower(m[2]), m[3]
		if name == "script" || name == "style" {
			t.Errorf("<%s> in notice markup", name)
		}
		for _, a := range attrRE.FindAllStringSubmatch(attrs, -1) {
			switch strings.ToLower(a[1]) {
			case "style":
				t.Errorf("inline style: %s", m[0])
			case "class":
				for _, c := range strings.Fields(a[2]) {
					if !strings.HasPrefix(c, "govuk-") {
						t.Errorf("non-GOV.UK class %q in %s", c, m[0])
					}
				}
			}
			if strings.HasPrefix(strings.ToLower(a[1]), "on") {
				t.Errorf("event handler attribute: %s", m[0])
			}
		}
		if len(name) == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6' && !closing {
			headings = append(headings, name)
		}
		switch {
		case slices.Contains(voidElements, name):
		case !closing:
			stack = append(stack, name)
		case len(stack) == 0 || stack[len(stack)-1] != name:
			t.Fatalf("</%s> closes %v", name, stack)
		default:
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Errorf("unclosed elements %v", stack)
	}
	if len(headings) == 0 || headings[0] != "h1" {
		t.Errorf("headings %v: the first must be h1", headings)
	}
	for _, hd := range headings[1:] {
		if hd != "h2" {
			t.Errorf("headings %v: only h2 may follow the h1", headings)
			break
		}
	}
	if fragment {
		if rest := tagRE.ReplaceAllString(h, ""); strings.ContainsAny(rest, "<>") {
			t.Errorf("unescaped angle bracket in text: %q", rest)
		}
		dec := xml.NewDecoder(strings.NewReader("<div>" + h + "</div>"))
		dec.Strict = true
		dec.Entity = xml.HTMLEntity
		for {
			_, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("fragment is not well-formed: %v", err)
			}
		}
	}
}

func readSeed(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/seeds/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// seedSentences splits a seed notice into its sentences (and headings and list items), one per
// line or per full stop followed by a capital letter or digit.
func seedSentences(text string) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.Join(strings.Fields(line), " ")
		start := 0
		for i := 0; i+2 < len(line); i++ {
			if strings.ContainsRune(".?!", rune(line[i])) && line[i+1] == ' ' {
				if c := line[i+2]; c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
					out = append(out, line[start:i+1])
					start = i + 2
				}
			}
		}
		if s := line[start:]; s != "" {
			out = append(out, s)
		}
	}
	return out
}

// normal is how sentences are compared: lower case, single spaces, no final full stop.
func normal(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.Join(strings.Fields(s), " ")), ".")
}
