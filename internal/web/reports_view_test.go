package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/chat"
)

// TestBuildReportView checks the reports page's view model, built from a report without a
// server: service areas busiest first and named, per-day and per-week rows, totals and the
// charts' text alternatives.
func TestBuildReportView(t *testing.T) {
	day := func(d string) time.Time {
		t, err := time.Parse(dateLayout, d)
		if err != nil {
			panic(err)
		}
		return t
	}
	stat := func(d, area string, q, answered, helpful, notHelpful int) chat.DayStat {
		return chat.DayStat{Day: day(d), ServiceArea: area, Questions: q, Answered: answered, Helpful: helpful, NotHelpful: notHelpful}
	}
	names := map[string]string{"libraries": "Libraries", "waste": "Bins and recycling"}
	// rows renders table rows as their cells' texts, the row header first and marked "label:".
	rows := func(rs [][]cell) []string {
		var out []string
		for _, r := range rs {
			var b strings.Builder
			for i, c := range r {
				if c.Header != (i == 0) {
					fmt.Fprintf(&b, "(header %v) ", c.Header)
				}
				b.WriteString(c.Text)
				if i == 0 {
					b.WriteString(":")
				}
				b.WriteString(" ")
			}
			out = append(out, strings.TrimSpace(b.String()))
		}
		return out
	}
	areas := func(as []areaRow) []string {
		var out []string
		for _, a := range as {
			out = append(out, fmt.Sprintf("%s=%s %d", a.ID, a.Name, a.Questions))
		}
		return out
	}
	for _, tt := range []struct {
		name         string
		from, to     string
		days         []chat.DayStat
		wantAreas    []string
		wantTotals   figures
		wantDays     []string
		wantWeeks    []string
		wantAreaRows []string
		wantSummary  []string // key=value
		wantDayDesc  string   // empty when the chart must be empty
		wantAreaDesc string
	}{
		{
			name: "no questions", from: "2026-11-21", to: "2026-11-23",
			wantDays: []string{
				"Sat 21 Nov 2026: 0 – –",
				"Sun 22 Nov 2026: 0 – –",
				"Mon 23 Nov 2026: 0 – –",
			},
			wantWeeks:   []string{"Week of 16 Nov 2026: 0 – –", "Week of 23 Nov 2026: 0 – –"},
			wantSummary: []string{"Questions=0", "Answered=– (0)", "Passed to a contact route=0", "Rated helpful=– (0 yes, 0 no)"},
		},
		{
			name: "areas busiest first, weeks from Monday", from: "2026-11-21", to: "2026-11-24",
			days: []chat.DayStat{
				stat("2026-11-21", "libraries", 2, 1, 1, 0),
				stat("2026-11-23", "waste", 5, 4, 1, 1),
				stat("2026-11-24", "libraries", 1, 1, 0, 1),
				stat("2026-11-24", "arts-and-culture", 1, 0, 0, 0), // no longer in the policy
				stat("2026-11-24", "", 1, 0, 0, 0),                 // not classified
			},
			// Equal counts are ordered by id: "" < "arts-and-culture".
			wantAreas:  []string{"waste=Bins and recycling 5", "libraries=Libraries 3", "=Not classified 1", "arts-and-culture=Arts and culture 1"},
			wantTotals: figures{Questions: 10, Answered: 6, Helpful: 2, NotHelpful: 2},
			wantDays: []string{
				"Sat 21 Nov 2026: 0 2 0 0 2 50% 100%",
				"Sun 22 Nov 2026: 0 0 0 0 0 – –",
				"Mon 23 Nov 2026: 5 0 0 0 5 80% 50%",
				"Tue 24 Nov 2026: 0 1 1 1 3 33% 0%",
			},
			wantWeeks: []string{
				"Week of 16 Nov 2026: 0 2 0 0 2 50% 100%",
				"Week of 23 Nov 2026: 5 1 1 1 8 63% 33%",
			},
			wantAreaRows: []string{
				"Bins and recycling: 5 80% 0 50%",
				"Libraries: 3 67% 0 50%",
				"Not classified: 1 0% 0 –",
				"Arts and culture: 1 0% 0 –",
			},
			wantSummary:  []string{"Questions=10", "Answered=60% (6)", "Passed to a contact route=0", "Rated helpful=50% (2 yes, 2 no)"},
			wantDayDesc:  "Bar chart of questions per day from 21 November 2026 to 24 November 2026: 10 questions in all; the busiest day was Mon 23 Nov 2026 with 5. The figures are in the table below.",
			wantAreaDesc: "Bar chart of questions by service area, busiest first; Bins and recycling 5; Libraries 3; Not classified 1; Arts and culture 1. The figures are in the table below.",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rr := reportRange{From: day(tt.from), To: day(tt.to)}
			last := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
			v := buildReportView(rr, chat.Report{Days: tt.days,
				Unanswered: []chat.Unanswered{{Example: "xyzzy <b>", Count: 2, Last: last}},
				TopPages: []chat.PageUse{{URL: "https://council.example/bins", Title: "Bins", Count: 3},
					{URL: "https://council.example/untitled", Count: 1}}}, names, nil)
			if !v.Available || v.From != tt.from || v.To != tt.to || v.CSV != "/console/reports.csv?from="+tt.from+"&to="+tt.to {
				t.Errorf("period: available %v, %s to %s, CSV %q", v.Available, v.From, v.To, v.CSV)
			}
			var summary []string
			for _, r := range v.Summary {
				summary = append(summary, r.Key+"="+r.Value.Text)
			}
			if got := strings.Join(summary, "\n"); got != strings.Join(tt.wantSummary, "\n") {
				t.Errorf("summary:\n%s\nwant:\n%s", got, strings.Join(tt.wantSummary, "\n"))
			}
			if got := strings.Join(rows(v.AreaTable.Rows), "\n"); got != strings.Join(tt.wantAreaRows, "\n") {
				t.Errorf("area table:\n%s\nwant:\n%s", got, strings.Join(tt.wantAreaRows, "\n"))
			}
			// The text is left for the template to escape.
			if got := rows(v.UnansweredTable.Rows); len(got) != 1 || got[0] != "(header false) xyzzy <b>: 2 "+dayText(last) {
				t.Errorf("unanswered rows %q", got)
			}
			if tp := v.TopPagesTable.Rows; len(tp) != 2 || tp[0][0] != (cell{Text: "Bins", Href: "https://council.example/bins", External: true}) ||
				tp[1][0].Text != "https://council.example/untitled" || tp[1][1] != num(1) {
				t.Errorf("top pages rows %+v", tp)
			}
			if got := strings.Join(areas(v.Areas), "\n"); got != strings.Join(tt.wantAreas, "\n") {
				t.Errorf("areas:\n%s\nwant:\n%s", got, strings.Join(tt.wantAreas, "\n"))
			}
			if v.Totals != tt.wantTotals {
				t.Errorf("totals %+v, want %+v", v.Totals, tt.wantTotals)
			}
			for _, pt := range []table{v.DayTable, v.WeekTable} {
				// The period, one column per area, then all questions, answered and helpful.
				if len(pt.Cols) != len(v.Areas)+4 {
					t.Fatalf("%s: columns %v for %d areas", pt.ID, pt.Cols, len(v.Areas))
				}
				for i, a := range v.Areas {
					if c := pt.Cols[i+1]; c != (column{a.Name, true}) {
						t.Errorf("%s: column %d is %+v, want %q", pt.ID, i+1, c, a.Name)
					}
				}
			}
			if got := strings.Join(rows(v.DayTable.Rows), "\n"); got != strings.Join(tt.wantDays, "\n") {
				t.Errorf("days:\n%s\nwant:\n%s", got, strings.Join(tt.wantDays, "\n"))
			}
			if got := strings.Join(rows(v.WeekTable.Rows), "\n"); got != strings.Join(tt.wantWeeks, "\n") {
				t.Errorf("weeks:\n%s\nwant:\n%s", got, strings.Join(tt.wantWeeks, "\n"))
			}
			for _, c := range []struct {
				chart barChart
				want  string
				bars  int
			}{{v.DayChart, tt.wantDayDesc, len(tt.wantDays)}, {v.AreaChart, tt.wantAreaDesc, len(tt.wantAreas)}} {
				if c.want == "" {
					if !c.chart.Empty {
						t.Errorf("%s: not empty: %+v", c.chart.ID, c.chart)
					}
					continue
				}
				if c.chart.Empty || c.chart.Desc != c.want || len(c.chart.Bars) != c.bars {
					t.Errorf("%s: empty %v, %d bars, desc\n%s\nwant %d bars, desc\n%s", c.chart.ID, c.chart.Empty, len(c.chart.Bars), c.chart.Desc, c.bars, c.want)
				}
			}
		})
	}
}
