package quality

import (
	"context"
	"encoding/json"
	"math"
	"slices"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
)

// Calibration: several assessors score the same call with the same
// scorecard, each without seeing the others', and the spread shows where
// they read the criteria differently. Calibration scores are kept out of
// the agent's figures (Evaluate).

// StartCalibration opens a session on a call with a current scorecard of
// its area (team leaders of the area).
func (s *Service) StartCalibration(ctx context.Context, p *auth.Principal, recordingID string, scorecardID int64) (int64, error) {
	rec, err := s.rec.UsableFor(ctx, p, recordingID, PurposeQuality)
	if err != nil {
		return 0, err
	}
	if !leads(p, rec.ServiceArea) {
		return 0, ErrForbidden
	}
	sc, err := s.Scorecard(ctx, p, scorecardID)
	if err != nil || sc.ServiceArea != rec.ServiceArea || !sc.SupersededAt.IsZero() {
		return 0, fail.Field("scorecard", "choose a current scorecard of the call's service area")
	}
	var id int64
	err = s.db.Tx(ctx, func(q *store.Q) error {
		var err error
		if id, err = q.CreateCalibration(ctx, store.Calibration{RecordingID: rec.ID, ScorecardID: sc.ID, ServiceArea: rec.ServiceArea,
			CreatedBy: p.Actor(), CreatedAt: s.now()}); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, q, audit.Entry{Actor: p.Actor(), Action: "quality.calibration_start", Object: "recording:" + rec.ID,
			Purpose: PurposeQuality, Outcome: audit.Success})
		return err
	})
	return id, err
}

// checkCalibration lets p score call recordingID in session id once.
func (s *Service) checkCalibration(ctx context.Context, p *auth.Principal, id int64, recordingID string) error {
	c, err := s.db.Q().CalibrationByID(ctx, id)
	if err != nil || c.RecordingID != recordingID || !assesses(p, c.ServiceArea) {
		return fail.Field("calibration", "this calibration session is not for this call")
	}
	done, err := s.db.Q().Evaluations(ctx, store.EvaluationFilter{CalibrationID: id})
	if err != nil {
		return err
	}
	if slices.ContainsFunc(done, func(e store.Evaluation) bool { return e.Assessor == p.Actor() }) {
		return fail.New(fail.Conflict, "you have already scored this call in this session")
	}
	return nil
}

// Spread is a calibration session's result.
type Spread struct {
	Session   store.Calibration
	Scorecard Scorecard
	Scores    []float64 // each assessor's score, in the order they scored
	// Mean, Min, Max and StdDev of Scores (percentages).
	Mean, Min, Max, StdDev float64
	// Agreement per criterion key: the share of assessors who gave the
	// most common answer (1 = everyone agreed).
	Agreement map[string]float64
	// Scored reports whether p has scored (the spread shows only then,
	// so an assessor is not anchored by the others).
	Scored bool
}

// Calibration returns a session's spread to team leaders and quality
// assessors of its area. Until p has scored, only the session is shown.
func (s *Service) Calibration(ctx context.Context, p *auth.Principal, id int64) (Spread, error) {
	c, err := s.db.Q().CalibrationByID(ctx, id)
	if err != nil {
		return Spread{}, err
	}
	if !assesses(p, c.ServiceArea) {
		return Spread{}, store.ErrNotFound
	}
	sp := Spread{Session: c, Agreement: map[string]float64{}}
	if sp.Scorecard, err = s.Scorecard(ctx, p, c.ScorecardID); err != nil {
		return sp, err
	}
	evs, err := s.db.Q().Evaluations(ctx, store.EvaluationFilter{CalibrationID: id})
	if err != nil {
		return sp, err
	}
	slices.Reverse(evs) // oldest first
	counts := map[string]map[string]int{}
	for _, e := range evs {
		sp.Scored = sp.Scored || e.Assessor == p.Actor()
		sp.Scores = append(sp.Scores, float64(e.ScoreBP)/100)
		var answers map[string]string
		if err := json.Unmarshal([]byte(e.Answers), &answers); err != nil {
			return sp, err
		}
		for k, v := range answers {
			if counts[k] == nil {
				counts[k] = map[string]int{}
			}
			counts[k][v]++
		}
	}
	if !sp.Scored && !leads(p, c.ServiceArea) {
		sp.Scores = nil
		return sp, nil
	}
	sp.Mean, sp.Min, sp.Max, sp.StdDev = stats(sp.Scores)
	for k, byAnswer := range counts {
		top := 0
		for _, n := range byAnswer {
			top = max(top, n)
		}
		sp.Agreement[k] = float64(top) / float64(len(evs))
	}
	return sp, nil
}

// stats is the mean, minimum, maximum and population standard deviation.
func stats(xs []float64) (mean, lo, hi, sd float64) {
	if len(xs) == 0 {
		return 0, 0, 0, 0
	}
	lo, hi = xs[0], xs[0]
	for _, x := range xs {
		mean += x
		lo, hi = min(lo, x), max(hi, x)
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		sd += (x - mean) * (x - mean)
	}
	return mean, lo, hi, math.Sqrt(sd / float64(len(xs)))
}

// Calibrations lists the sessions of p's areas.
func (s *Service) Calibrations(ctx context.Context, p *auth.Principal) ([]store.Calibration, error) {
	return s.db.Q().Calibrations(ctx, areasOf(p))
}
