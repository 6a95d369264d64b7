package quality

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

func TestWeekMonth(t *testing.T) {
	for _, tc := range []struct {
		week string
		want string // "" : not a week
	}{
		{"2026-W48", "2026-11"}, // Monday 23 Nov, Thursday 26 Nov
		{"2026-W49", "2026-12"}, // Monday 30 Nov, Thursday 3 Dec: the Thursday decides
		{"2026-W53", "2026-12"}, // 2026 has 53 weeks: Thursday 31 Dec
		{"2025-W01", "2025-01"}, // Monday 30 Dec 2024, Thursday 2 Jan 2025
		{"2027-W01", "2027-01"},
		{"2026-W00", ""},
		{"2026-W54", ""},
		{"week 48", ""},
	} {
		m, ok := weekMonth(tc.week)
		got := ""
		if ok {
			got = m.Format("2006-01")
		}
		if got != tc.want {
			t.Errorf("weekMonth(%q) = %q, want %q", tc.week, got, tc.want)
		}
	}
}

// The quality report shows the survey's satisfaction of its own area by
// month: the share satisfied (4 or 5) of those who answered, and the mean.
func TestReportSurveySatisfaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		n := 0
		respond := func(area, week string, answers ...int) {
			for _, a := range answers {
				n++
				if err := db.Q().CreateSurveyResponse(ctx, store.SurveyResponse{ID: fmt.Sprintf("r%d", n), ServiceArea: area, Week: week,
					Satisfaction: a}); err != nil {
					t.Fatal(err)
				}
			}
		}
		respond("adult-social-care", "2026-W48", 5, 4, 2, 0) // November: 2 of 3 answers satisfied, one skipped the question
		respond("adult-social-care", "2026-W49", 1)          // December (Thursday 3 Dec)
		respond("adult-social-care", "2026-W40", 5)          // October: before the period
		respond("trading-standards", "2026-W48", 1, 1)       // another area
		from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		rep, err := e.q.Report(ctx, leadASC, "adult-social-care", from, from.AddDate(0, 2, 0))
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Months) != 2 {
			t.Fatalf("months %+v", rep.Months)
		}
		for i, want := range []SurveyRow{
			{Responses: 4, Answered: 3, Satisfied: 2, Average: 11.0 / 3},
			{Responses: 1, Answered: 1, Satisfied: 0, Average: 1},
		} {
			got := rep.Months[i].Survey
			got.sum = 0
			if got != want {
				t.Errorf("%s: %+v, want %+v", rep.Months[i].Label, got, want)
			}
		}
		if s := rep.Months[0].Survey.SatisfiedShare(); s < 66.6 || s > 66.7 {
			t.Errorf("November satisfied share %.2f%%, want 66.67%%", s)
		}
		if rep.Survey.Responses != 5 || rep.Survey.Answered != 4 {
			t.Errorf("period total %+v", rep.Survey)
		}
	})
}
