// Package notice renders a policy's fair processing notices (Markdown, HTML) and its UK GDPR
// Article 30 record of processing activities (CSV, HTML).
//
// Nothing here states a fact of its own: every period, recipient, processor, location and lawful
// basis comes from the policy, so changing the policy changes the notice. The fixed wording
// around them follows the council's published notices.
package notice

import (
	"bytes"
	"embed"
	htmltemplate "html/template"
	"io"
	"strings"
	texttemplate "text/template"

	"github.com/fairline/fairline/internal/policy"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var (
	htmlTemplates = htmltemplate.Must(htmltemplate.New("").ParseFS(templateFS, "templates/*.html.tmpl"))
	mdTemplates   = texttemplate.Must(texttemplate.New("").Funcs(texttemplate.FuncMap{
		"md":      mdEscape,
		"mdspans": mdSpans,
	}).ParseFS(templateFS, "templates/*.md.tmpl"))
)

// Every notice function takes stores: the location code of every store that keeps the system's
// data as this installation is configured (app.StoreLocations: the database, and for call
// recording the blob store). The notice says where information is stored, or that it never
// leaves the UK, only when the policy allows every one of them: with none given, or one outside
// the policy's storage.locations, it says nothing about storage rather than something untrue.

// Markdown writes the notice for a system as Markdown.
func Markdown(w io.Writer, p *policy.Policy, system string, stores []string) error {
	d, err := build(p, system, stores)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := mdTemplates.ExecuteTemplate(&buf, "notice.md.tmpl", d); err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// HTML renders the notice for a system as an HTML fragment for the site layout: an h1 and h2
// sections with GOV.UK Frontend classes, no inline styles, all policy text escaped.
func HTML(p *policy.Policy, system string, stores []string) (htmltemplate.HTML, error) {
	d, err := build(p, system, stores)
	if err != nil {
		return "", err
	}
	return executeHTML("notice", d)
}

// HTMLDocument writes the notice for a system as a complete, standalone HTML5 page.
func HTMLDocument(w io.Writer, p *policy.Policy, system string, stores []string) error {
	d, err := build(p, system, stores)
	if err != nil {
		return err
	}
	body, err := executeHTML("notice", d)
	if err != nil {
		return err
	}
	return writeDocument(w, d.DocTitle, body)
}

func executeHTML(name string, data any) (htmltemplate.HTML, error) {
	var buf bytes.Buffer
	if err := htmlTemplates.ExecuteTemplate(&buf, name, data); err != nil {
		return "", err
	}
	// The template escaped every value, so the result is safe HTML.
	return htmltemplate.HTML(buf.String()), nil
}

func writeDocument(w io.Writer, title string, body htmltemplate.HTML) error {
	var buf bytes.Buffer
	err := htmlTemplates.ExecuteTemplate(&buf, "document", struct {
		Title string
		Body  htmltemplate.HTML
	}{title, body})
	if err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// mdEscaper backslash-escapes the characters Markdown (CommonMark) would treat as syntax or raw
// HTML inside a line.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", `\<`, ">", `\>`, "#", `\#`, "|", `\|`, "~", `\~`, "&", `\&`,
)

func mdEscape(s string) string { return mdEscaper.Replace(s) }

// mdURLEscaper keeps a link destination in one piece.
var mdURLEscaper = strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E")

// mdSpans renders a line of text and links; a line that would start a list, heading, quote or
// ordered list is escaped.
func mdSpans(spans []span) string {
	var b strings.Builder
	for _, s := range spans {
		if s.Href != "" {
			b.WriteString("[" + mdEscape(s.Text) + "](" + mdURLEscaper.Replace(s.Href) + ")")
		} else {
			b.WriteString(mdEscape(s.Text))
		}
	}
	line := b.String()
	if line != "" && strings.ContainsAny(line[:1], "-+=") {
		line = `\` + line
	}
	if i := strings.IndexFunc(line, func(r rune) bool { return r < '0' || r > '9' }); i > 0 && (line[i] == '.' || line[i] == ')') {
		line = line[:i] + `\` + line[i:]
	}
	return line
}
