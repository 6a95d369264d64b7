package quality

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/check"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
)

// Reports per service area read only the monthly aggregates that ingest
// and Evaluate keep (quality_calls, quality_scores), so their cost follows
// the months and agents shown, not the recordings stored.

// StatsRetention is how long per-agent score aggregates are kept: two
// years of monthly figures, enough to compare a year with the one before.
// The policy has no period for staff performance figures yet; this is
// the one place to change when it does. SweepStats applies it.
const StatsRetention = 24 // months

// Report is one service area's figures for whole months [From, To).
type Report struct {
	ServiceArea string
	From, To    time.Time
	Months      []MonthRow
	Agents      []Row
	Criteria    []Row
	Total       Row
	Survey      SurveyRow // the whole period's survey responses
}

// MonthRow is one month's calls, evaluations and survey responses.
type MonthRow struct {
	Month             time.Time
	Inbound, Outbound int64
	Row
	Survey SurveyRow
}

// SurveyRow is the post-call survey's satisfaction (internal/surveys):
// responses, those that answered the five-point question, how many of
// those were satisfied or very satisfied (4 or 5), and the mean answer.
type SurveyRow struct {
	Responses, Answered, Satisfied int64
	Average                        float64 // 1 (very dissatisfied) to 5 (very satisfied)
	sum                            int64
}

// SatisfiedShare is the satisfied share of those who answered, in percent.
func (r SurveyRow) SatisfiedShare() float64 {
	if r.Answered == 0 {
		return 0
	}
	return float64(r.Satisfied) * 100 / float64(r.Answered)
}

func (r *SurveyRow) add(w store.SurveyWeek) {
	r.Responses += int64(w.Responses)
	for answer := 1; answer <= 5; answer++ {
		n := int64(w.Satisfaction[answer])
		r.Answered += n
		r.sum += n * int64(answer)
		if answer >= 4 {
			r.Satisfied += n
		}
	}
	if r.Answered > 0 {
		r.Average = float64(r.sum) / float64(r.Answered)
	}
}

// weekMonth is the month an ISO week ("2026-W48") is counted in: the
// month of its Thursday, as ISO 8601 gives a week to the year of its
// Thursday, so each week falls in exactly one month.
func weekMonth(week string) (time.Time, bool) {
	var year, w int
	if _, err := fmt.Sscanf(week, "%d-W%d", &year, &w); err != nil || w < 1 || w > 53 {
		return time.Time{}, false
	}
	jan4 := time.Date(year, 1, 4, 0, 0, 0, 0, time.UTC)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
	return store.MonthOf(monday.AddDate(0, 0, (w-1)*7+3)), true
}

// Row is a count of evaluations and their average score (percent).
type Row struct {
	Label       string
	Evaluations int64
	Average     float64
	sumBP       int64
}

func (r *Row) add(n, sum int64) {
	r.Evaluations += n
	r.sumBP += sum
	if r.Evaluations > 0 {
		r.Average = float64(r.sumBP) / float64(r.Evaluations) / 100
	}
}

// Report returns area's figures to its team leaders only: average scores
// by agent are staff performance data.
func (s *Service) Report(ctx context.Context, p *auth.Principal, area string, from, to time.Time) (Report, error) {
	if _, ok := s.policy().ServiceArea(recording.System, area); !ok || !leads(p, area) {
		return Report{}, ErrForbidden
	}
	from, to = store.MonthOf(from), store.MonthOf(to)
	rep := Report{ServiceArea: area, From: from, To: to}
	areas := []string{area}
	calls, err := s.db.Q().CallCounts(ctx, areas, from, to)
	if err != nil {
		return rep, err
	}
	stats, err := s.db.Q().ScoreStats(ctx, areas, from, to)
	if err != nil {
		return rep, err
	}
	cards, err := s.db.Q().CurrentScorecards(ctx, areas)
	if err != nil {
		return rep, err
	}
	labels := map[string]string{}
	for _, c := range cards {
		sc, err := decodeScorecard(c)
		if err != nil {
			return rep, err
		}
		for _, it := range sc.Items {
			labels[strconv.FormatInt(c.FamilyID, 10)+"/"+it.Key] = sc.Name + ": " + it.Text
		}
	}
	months := map[time.Time]*MonthRow{}
	month := func(m time.Time) *MonthRow {
		if months[m] == nil {
			months[m] = &MonthRow{Month: m, Row: Row{Label: m.Format("January 2006")}}
		}
		return months[m]
	}
	for m := from; m.Before(to); m = m.AddDate(0, 1, 0) {
		month(m)
	}
	for _, c := range calls {
		if c.Direction == "inbound" {
			month(c.Month).Inbound += c.Calls
		} else {
			month(c.Month).Outbound += c.Calls
		}
	}
	agents, crits := map[string]*Row{}, map[string]*Row{}
	row := func(rows map[string]*Row, key, label string) *Row {
		if rows[key] == nil {
			rows[key] = &Row{Label: label}
		}
		return rows[key]
	}
	for _, st := range stats {
		switch {
		case st.AgentID == "" && st.Criterion == "":
			month(st.Month).add(st.N, st.SumBP)
			rep.Total.add(st.N, st.SumBP)
		case st.AgentID == "":
			label := labels[st.Criterion]
			if label == "" {
				label = "Earlier scorecard, criterion " + st.Criterion[strings.IndexByte(st.Criterion, '/')+1:]
			}
			row(crits, st.Criterion, label).add(st.N, st.SumBP)
		case st.Criterion == "":
			row(agents, st.AgentID, st.AgentID).add(st.N, st.SumBP)
		}
	}
	// Survey responses hold only their area and ISO week (internal/surveys),
	// so satisfaction is counted by the month of each week; one area's
	// weekly counts are a few rows a week, whatever the recordings stored.
	weeks, err := s.db.Q().SurveyWeeks(ctx, areas)
	if err != nil {
		return rep, err
	}
	for _, w := range weeks {
		if m, ok := weekMonth(w.Week); ok && !m.Before(from) && m.Before(to) {
			month(m).Survey.add(w)
			rep.Survey.add(w)
		}
	}
	for _, m := range months {
		rep.Months = append(rep.Months, *m)
	}
	sort.Slice(rep.Months, func(i, j int) bool { return rep.Months[i].Month.Before(rep.Months[j].Month) })
	rep.Agents, rep.Criteria = sorted(agents), sorted(crits)
	return rep, nil
}

func sorted(rows map[string]*Row) []Row {
	out := make([]Row, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}

// ReportAreas lists the service areas whose reports p may read.
func (s *Service) ReportAreas(p *auth.Principal) []string {
	if !p.Is(auth.TeamLeader) {
		return nil
	}
	return append([]string{}, p.ServiceAreas...)
}

// SweepStats deletes score aggregates older than StatsRetention months.
func (s *Service) SweepStats(ctx context.Context) (int64, error) {
	return s.db.Q().DeleteQualityScoresBefore(ctx, store.MonthOf(s.now()).AddDate(0, -StatsRetention, 0))
}

// Check counts evaluations (with their comments and calibrations, which
// go with them) and training clips without their own copy whose recording
// is destroyed or gone, training copies past their own expiry, and
// training/ blobs no clip owns: fairline check's quality-without-recording
// promise. Counts only.
func (s *Service) Check(ctx context.Context, _ time.Time) (check.Outcome, error) {
	evals, clips, err := s.db.Q().CountQualityOrphans(ctx)
	if err != nil {
		return check.Outcome{}, err
	}
	expired, err := s.rec.OverdueTrainingCopies(ctx)
	if err != nil {
		return check.Outcome{}, err
	}
	blobs, err := s.rec.TrainingBlobsWithoutRow(ctx, time.Hour)
	if err != nil {
		return check.Outcome{}, err
	}
	n := evals + clips + expired + int64(blobs)
	if n == 0 {
		return check.Outcome{Result: check.OK}, nil
	}
	return check.Outcome{Result: check.Broken, Count: n,
		Detail: fmt.Sprintf("%d evaluations and %d training clips outlive their recording; %d training copies past their own retention; %d training copies without their clip",
			evals, clips, expired, blobs)}, nil
}
