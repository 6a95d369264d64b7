package notice

import (
	"bytes"
	"encoding/csv"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/policy"
)

func readROPA(t testing.TB, p *policy.Policy) (header []string, rows []map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	if err := ROPACSV(&buf, p); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll() // also checks every row has the header's width
	if err != nil {
		t.Fatalf("ROPA CSV does not parse: %v", err)
	}
	if len(recs) == 0 {
		t.Fatal("empty CSV")
	}
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, v := range rec {
			row[recs[0][i]] = v
		}
		rows = append(rows, row)
	}
	return recs[0], rows
}

func TestROPACSV(t *testing.T) {
	p := policy.Default()
	header, rows := readROPA(t, p)
	if !slices.Equal(header, ROPAColumns) {
		t.Errorf("header = %q", header)
	}
	// One row per system × purpose: 2 chatbot purposes + 3 call recording purposes.
	var activities []string
	for _, r := range rows {
		activities = append(activities, r["System ID"]+"/"+r["Purpose ID"])
	}
	want := []string{
		"chatbot/finding-information", "chatbot/service-reporting",
		"call-recording/quality-monitoring", "call-recording/training", "call-recording/service-improvement",
	}
	if !slices.Equal(activities, want) {
		t.Errorf("rows = %v, want %v", activities, want)
	}
	for _, r := range rows {
		for col, want := range map[string]string{
			"Controller":              "Leicestershire County Council",
			"Data protection officer": "Information Governance Team; informationgovernance@leics.gov.uk",
			"Policy SHA-256":          p.Hash(),
		} {
			if r[col] != want {
				t.Errorf("%s = %q, want %q", col, r[col], want)
			}
		}
		if !strings.Contains(r["Controller contact details"], "0116 232 3232") {
			t.Errorf("controller contact = %q", r["Controller contact details"])
		}
		for _, col := range ROPAColumns {
			if strings.TrimSpace(r[col]) == "" {
				t.Errorf("%s/%s: empty %s", r["System ID"], r["Purpose ID"], col)
			}
		}
		switch r["System ID"] {
		case "call-recording":
			for _, area := range []string{"Adult Social Care: 9 months", "Environment and Transport: 12 months", "Children and Family Services: 12 months", "Trading Standards: 12 months", "First Contact Plus: 3 months"} {
				if !strings.Contains(r["Retention"], "call recordings (recording), "+area) {
					t.Errorf("call recording retention %q lacks %q", r["Retention"], area)
				}
			}
			checkCells(t, r, map[string]string{
				"Lawful basis (Article 6)":               "UK GDPR Article 6(1)(e): our official authority or performance of a public task",
				"Special category condition (Article 9)": "UK GDPR Article 9(2)(h): health or social care requirements",
				"Categories of recipients":               "Emergency Services; Health Professionals; Care Providers; GOV.UK Notify (processor)",
				"Processors":                             "GOV.UK Notify (send our feedback survey text messages; receives: Your telephone number; stores the data; processes in: UK)",
				"International transfers":                "None: not sent outside the UK",
				"Storage locations":                      "UK (the UK)",
			})
			if !strings.Contains(r["Retention"], "files that could not be imported from the drop folder (drop_folder.failed_retention): 7 days") {
				t.Errorf("drop folder retention missing: %q", r["Retention"])
			}
			if !strings.Contains(r["Retention"], "telephone numbers (survey_phone_number): until the survey request is sent") ||
				!strings.Contains(r["Categories of personal data"], "(special category)") {
				t.Errorf("survey number retention or special category missing: %q / %q", r["Retention"], r["Categories of personal data"])
			}
		case "chatbot":
			checkCells(t, r, map[string]string{
				"Retention":                              "chat transcripts (chat_transcript): 12 months; chat statistics (chat_statistics): no personal data",
				"Special category condition (Article 9)": "None",
				"Categories of recipients":               "Microsoft (processor)",
				"Processors":                             "Microsoft (facilitate the application; receives: Details of your questions; does not store the data; processes in: EU, US)",
				"International transfers":                "EU (the EU); US (the US)",
				"Transfer safeguards":                    "UK adequacy regulations (UK GDPR Article 45)",
			})
		}
	}
}

func checkCells(t *testing.T, row map[string]string, want map[string]string) {
	t.Helper()
	for col, w := range want {
		if row[col] != w {
			t.Errorf("%s %s = %q, want %q", row["System ID"], col, row[col], w)
		}
	}
}

func TestROPAFollowsPolicy(t *testing.T) {
	y := strings.Replace(string(policy.DefaultYAML()), "recording: {months: 3}", "recording: {months: 2}", 1)
	_, rows := readROPA(t, loadPolicy(t, y))
	for _, r := range rows {
		if r["System ID"] == "call-recording" && (!strings.Contains(r["Retention"], "First Contact Plus: 2 months") || strings.Contains(r["Retention"], "3 months")) {
			t.Errorf("retention not updated: %q", r["Retention"])
		}
	}
}

func TestROPAHTML(t *testing.T) {
	p := policy.Default()
	frag, err := ROPAHTML(p)
	if err != nil {
		t.Fatal(err)
	}
	h := string(frag)
	checkHTML(t, h, true)
	_, rows := readROPA(t, p)
	if got := strings.Count(h, `<th scope="col" class="govuk-table__header">`); got != len(ROPAColumns) {
		t.Errorf("%d column headers, want %d", got, len(ROPAColumns))
	}
	if got := strings.Count(h, `<th scope="row" class="govuk-table__header">`); got != len(rows) {
		t.Errorf("%d row headers, want %d", got, len(rows))
	}
	if got := strings.Count(h, `<tr class="govuk-table__row">`); got != len(rows)+1 {
		t.Errorf("%d table rows, want %d", got, len(rows)+1)
	}
	for _, want := range []string{`<table class="govuk-table">`, `<caption class="govuk-table__caption govuk-table__caption--m">`, p.Hash()} {
		if !strings.Contains(h, want) {
			t.Errorf("ROPA HTML lacks %s", want)
		}
	}
	// Every CSV cell value is in the table, in its row.
	trs := regexp.MustCompile(`(?s)<tr class="govuk-table__row">(.*?)</tr>`).FindAllStringSubmatch(h, -1)[1:]
	for i, r := range rows {
		text := visibleText(trs[i][1])
		for _, col := range ROPAColumns {
			for _, v := range strings.Split(r[col], "; ") {
				if !strings.Contains(text, v) {
					t.Errorf("row %d: HTML lacks %s value %q", i, col, v)
				}
			}
		}
	}

	var doc bytes.Buffer
	if err := ROPAHTMLDocument(&doc, p); err != nil {
		t.Fatal(err)
	}
	checkHTML(t, doc.String(), false)
	if !strings.Contains(doc.String(), "<title>Record of processing activities - Leicestershire County Council</title>") ||
		!strings.Contains(doc.String(), `<html lang="en-GB"`) || !strings.Contains(doc.String(), h) {
		t.Error("ROPA document")
	}
}
