package web

import (
	"html/template"
	"strings"
	"testing"
)

func TestSummaryRows(t *testing.T) {
	for _, c := range []struct {
		name    string
		args    []any
		want    []summaryRow
		wantErr string
	}{
		{"pairs", []any{"Pages", 3, "Fingerprint", codeCell("ab12"), "Agent", "a-7"},
			[]summaryRow{{"Pages", cell{Text: "3"}}, {"Fingerprint", cell{Text: "ab12", Code: true}}, {"Agent", cell{Text: "a-7"}}}, ""},
		{"none", nil, []summaryRow{}, ""},
		{"odd", []any{"Pages", 3, "Agent"}, nil, "3 arguments"},
		{"key not a string", []any{3, "Pages"}, nil, "key 1 is a int"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := summaryRows(c.args...)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil || len(got) != len(c.want) {
				t.Fatalf("%+v, %v", got, err)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("row %d = %+v, want %+v", i, got[i], c.want[i])
				}
			}
		})
	}
}

// The partials render tables and summary lists as GOV.UK markup, escaping the text.
func TestPartials(t *testing.T) {
	tmpl := template.Must(template.New("partials.html").Funcs(funcs(nil)).ParseFS(templateFS, "templates/partials.html"))
	render := func(name string, data any) string {
		t.Helper()
		var b strings.Builder
		if err := tmpl.ExecuteTemplate(&b, name, data); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	for _, c := range []struct {
		name, tmpl string
		data       any
		want, not  []string
	}{
		{"scrolling table", "table", table{ID: "per-day", Caption: "Per day", CaptionClass: "govuk-table__caption--s", Scroll: true,
			Cols: []column{{"Day", false}, {"Questions", true}},
			Rows: [][]cell{{{Text: "Mon <1>", Header: true}, num(4)}}},
			[]string{`<div class="app-scroll" role="region" aria-labelledby="per-day-caption" tabindex="0">`,
				`<caption class="govuk-table__caption govuk-table__caption--s" id="per-day-caption">Per day</caption>`,
				`<th scope="col" class="govuk-table__header">Day</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Questions</th>`,
				`<th scope="row" class="govuk-table__header">Mon &lt;1&gt;</th><td class="govuk-table__cell govuk-table__cell--numeric">4</td>`},
			nil},
		{"plain table with a link", "table", table{Caption: "Pages", CaptionClass: "govuk-visually-hidden",
			Cols: []column{{"Page", false}}, Rows: [][]cell{{{Text: "Bins", Href: "https://council.example/bins?a=1&b=2", External: true}}}},
			[]string{`<caption class="govuk-table__caption govuk-visually-hidden">Pages</caption>`,
				`<td class="govuk-table__cell"><a class="govuk-link" href="https://council.example/bins?a=1&amp;b=2" rel="noreferrer noopener">Bins</a></td>`},
			[]string{"app-scroll", "id=", "<th scope=\"row\""}},
		{"summary list", "summary", []summaryRow{{"Fingerprint", codeCell("ab<12>")}, {"Pages", cell{Text: "3"}}},
			[]string{`<dl class="govuk-summary-list">`,
				`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Fingerprint</dt><dd class="govuk-summary-list__value"><code class="app-code">ab&lt;12&gt;</code></dd></div>`,
				`<dt class="govuk-summary-list__key">Pages</dt><dd class="govuk-summary-list__value">3</dd>`},
			nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := render(c.tmpl, c.data)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("lacks %s\nin:\n%s", w, got)
				}
			}
			for _, w := range c.not {
				if strings.Contains(got, w) {
					t.Errorf("has %s\nin:\n%s", w, got)
				}
			}
		})
	}
}
