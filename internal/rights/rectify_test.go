package rights

import (
	"context"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/quality"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// A rectified service area takes the call's evaluations, clips, queue item
// and its share of the monthly aggregates to the new area, in the
// rectification's transaction: the old area's report no longer counts it.
func TestRectificationMovesQuality(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		from, to := "environment-and-transport", "first-contact-plus"
		lead := &auth.Principal{UserID: 30, Role: auth.TeamLeader, ServiceAreas: []string{from, to}}
		call := e.call(t, callerA, time.Hour)
		sc, err := e.quality.SaveScorecard(ctx, lead, 0, from, "Calls", "50 | yesno | Greeted the caller\n50 | yesno | Confirmed the address")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.quality.Evaluate(ctx, lead, call.ID, quality.EvaluationInput{ScorecardID: sc,
			Answers: map[string]string{"c1": "yes", "c2": "no"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.quality.AddClip(ctx, lead, call.ID, quality.ClipInput{Playlist: "Greetings", Reason: "Warm"}); err != nil {
			t.Fatal(err)
		}
		if err := db.Q().Enqueue(ctx, []store.QueueItem{{ServiceArea: from, Month: store.MonthOf(call.StartedAt), RecordingID: call.ID,
			AgentID: call.AgentID, Method: "random", DrawnBy: lead.Actor(), DrawnAt: e.clock.Now()}}); err != nil {
			t.Fatal(err)
		}
		id := e.record(t, "rectification", "verified", Identifiers{Phones: []string{callerA}})
		if err := e.svc.Rectify(ctx, ig, id, Correction{RecordingID: call.ID, Field: "service_area", Value: to}); err != nil {
			t.Fatal(err)
		}
		month := store.MonthOf(call.StartedAt)
		for _, tc := range []struct {
			area          string
			calls, evals  int64
			average       float64
			evaluations   int
			playlistClips int
			queued        int
		}{
			{area: from},
			{area: to, calls: 1, evals: 1, average: 50, evaluations: 1, playlistClips: 1, queued: 1},
		} {
			rep, err := e.quality.Report(ctx, lead, tc.area, month, month.AddDate(0, 1, 0))
			if err != nil {
				t.Fatal(err)
			}
			if got := rep.Months[0]; got.Inbound != tc.calls || got.Evaluations != tc.evals || got.Average != tc.average {
				t.Errorf("%s report: %d calls, %d evaluations averaging %.1f; want %d, %d, %.1f", tc.area, got.Inbound,
					got.Evaluations, got.Average, tc.calls, tc.evals, tc.average)
			}
			if len(rep.Agents) != int(tc.evals) || len(rep.Criteria) != 2*int(tc.evals) {
				t.Errorf("%s report: agents %+v, criteria %+v", tc.area, rep.Agents, rep.Criteria)
			}
			evals, _ := db.Q().Evaluations(ctx, store.EvaluationFilter{ServiceAreas: []string{tc.area}})
			queue, _ := db.Q().Queue(ctx, []string{tc.area})
			pls, _ := db.Q().Playlists(ctx, []string{tc.area})
			clips := 0
			for _, p := range pls {
				clips += p.Clips
			}
			if len(evals) != tc.evaluations || len(queue) != tc.queued || clips != tc.playlistClips {
				t.Errorf("%s holds %d evaluations, %d queued, %d clips; want %d, %d, %d", tc.area, len(evals), len(queue), clips,
					tc.evaluations, tc.queued, tc.playlistClips)
			}
		}
	})
}
