package quality

import (
	"context"
	"encoding/json"

	"github.com/fairline/fairline/internal/store"
)

// RecordingCorrected moves what quality monitoring holds about a call when
// a rights rectification corrects its service area, direction or agent, in
// the rectification's transaction q: its evaluations, calibrations, queue
// item and clips follow it to the new area (clips to the playlist of the
// same name there), and the monthly aggregates move with it, so reports
// never count the call, or its scores, under the old values.
// internal/rights calls it (rights.Options.Corrected).
func (s *Service) RecordingCorrected(ctx context.Context, q *store.Q, before store.Recording, field, value, by string) error {
	after := before
	switch field {
	case "service_area":
		after.ServiceArea = value
	case "direction":
		after.Direction = value
	case "agent_id":
		after.AgentID = value
	default:
		return nil
	}
	month := store.MonthOf(before.StartedAt)
	if after.ServiceArea != before.ServiceArea || after.Direction != before.Direction {
		if err := q.MoveCall(ctx, before.ServiceArea, before.Direction, after.ServiceArea, after.Direction, month); err != nil {
			return err
		}
	}
	if after.ServiceArea == before.ServiceArea && after.AgentID == before.AgentID {
		return nil
	}
	evals, err := q.Evaluations(ctx, store.EvaluationFilter{RecordingID: before.ID, Limit: 500})
	if err != nil {
		return err
	}
	for _, e := range evals {
		if e.CalibrationID != 0 { // never in the aggregates (Evaluate)
			continue
		}
		scores, err := s.contribution(ctx, q, e)
		if err != nil {
			return err
		}
		if err := q.RemoveScores(ctx, before.ServiceArea, before.AgentID, month, scores); err != nil {
			return err
		}
		if err := q.AddScores(ctx, after.ServiceArea, after.AgentID, month, scores); err != nil {
			return err
		}
	}
	if err := q.MoveQualityRecording(ctx, before.ID, after.ServiceArea, after.AgentID); err != nil {
		return err
	}
	if after.ServiceArea != before.ServiceArea {
		return q.MoveClips(ctx, before.ID, after.ServiceArea, by, s.now())
	}
	return nil
}

// contribution is what evaluation e added to the aggregates, scored again
// from its answers against the scorecard version it was scored with.
func (s *Service) contribution(ctx context.Context, q *store.Q, e store.Evaluation) (map[string]int, error) {
	c, err := q.ScorecardByID(ctx, e.ScorecardID)
	if err != nil {
		return nil, err
	}
	sc, err := decodeScorecard(c)
	if err != nil {
		return nil, err
	}
	var answers map[string]string
	if err := json.Unmarshal([]byte(e.Answers), &answers); err != nil {
		return nil, err
	}
	res, err := Score(sc.Items, answers)
	if err != nil {
		return nil, err
	}
	return aggregateScores(sc, res), nil
}
