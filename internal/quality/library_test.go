package quality

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
	"github.com/fairline/fairline/internal/testutil/scenario"
)

func TestTrainingLibrary(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		call := e.call(t, "first-contact-plus", "agent-7") // kept 3 months
		leadFCP := *leadASC
		leadFCP.ServiceAreas = []string{"first-contact-plus"}
		in := ClipInput{Playlist: "Handling complaints", Start: 2 * time.Second, End: 5 * time.Second, Reason: "Calm de-escalation"}

		scenario.Step(t, "refused for another area, bad clips and restricted calls", func(t *testing.T) {
			if _, err := e.q.AddClip(ctx, leadASC, call.ID, in); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("another area's team leader: %v", err)
			}
			for field, bad := range map[string]ClipInput{
				"clip_start":  {Playlist: "p", Reason: "r", Start: 9 * time.Second},
				"clip_end":    {Playlist: "p", Reason: "r", Start: 5 * time.Second, End: 4 * time.Second},
				"clip_reason": {Playlist: "p"},
				"playlist":    {Reason: "r"},
			} {
				if _, err := e.q.AddClip(ctx, &leadFCP, call.ID, bad); !isField(err, field) {
					t.Errorf("%s: %v", field, err)
				}
			}
			objected := e.call(t, "first-contact-plus", "agent-7")
			db.Q().SetRecordingRestricted(ctx, objected.ID, e.clock.Now())
			if _, err := e.q.AddClip(ctx, &leadFCP, objected.ID, in); !errors.Is(err, recording.ErrRestricted) {
				t.Errorf("an objected recording was added: %v", err)
			}
		})
		scenario.Step(t, "a clip joins a playlist, audited for training", func(t *testing.T) {
			if _, err := e.q.AddClip(ctx, &leadFCP, call.ID, in); err != nil {
				t.Fatal(err)
			}
			pls, _ := e.q.Playlists(ctx, &leadFCP)
			if len(pls) != 1 || pls[0].Clips != 1 {
				t.Fatalf("playlists %+v", pls)
			}
			_, clips, err := e.q.Playlist(ctx, &leadFCP, pls[0].ID)
			if err != nil || len(clips) != 1 || ClipFragment(clips[0]) != "#t=2,5" {
				t.Errorf("clips %+v, %v", clips, err)
			}
			if _, _, err := e.q.Playlist(ctx, leadASC, pls[0].ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("another area's playlist opened: %v", err)
			}
		})
		scenario.Step(t, "the clip is destroyed with its recording at retention end", func(t *testing.T) {
			e.clock.Add(100 * 24 * time.Hour)
			res, err := e.rec.Sweep(ctx)
			if err != nil || res.Deleted != 2 { // the clipped call and the objected one
				t.Fatalf("sweep %+v, %v", res, err)
			}
			if n, _ := db.Q().Count(ctx, "quality_clips"); n != 0 {
				t.Errorf("%d clips outlive their recording", n)
			}
			if _, clips, err := db.Q().CountQualityOrphans(ctx); clips != 0 || err != nil {
				t.Errorf("clip orphans %d, %v", clips, err)
			}
		})
	})
}

func isField(err error, field string) bool {
	fe, ok := fail.As(err)
	return ok && fe.Field == field
}

func TestSamplingIsFairPerAgent(t *testing.T) {
	var cands []store.SampleCandidate
	for i, agent := range []string{"a", "a", "a", "a", "a", "b", "b", "c"} {
		dir := "inbound"
		if i%2 == 1 {
			dir = "outbound"
		}
		cands = append(cands, store.SampleCandidate{ID: string(rune('0' + i)), AgentID: agent, Direction: dir, Duration: time.Duration(i) * time.Minute})
	}
	r := rand.New(rand.NewPCG(1, 2))
	count := func(cs []store.SampleCandidate) map[string]int {
		m := map[string]int{}
		for _, c := range cs {
			m[c.AgentID]++
		}
		return m
	}
	if got := count(pick(cands, 2, "random", r)); got["a"] != 2 || got["b"] != 2 || got["c"] != 1 {
		t.Errorf("random: %v", got)
	}
	longest := pick(cands, 1, "longest", r)
	if len(longest) != 3 || longest[0].ID != "4" || longest[1].ID != "6" {
		t.Errorf("longest: %+v", longest)
	}
	for _, c := range pick(cands, 5, "outbound", r) {
		if c.Direction != "outbound" {
			t.Errorf("outbound drew %+v", c)
		}
	}
}

func TestDrawQueueAndReport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		calls := map[string][]recording.Recording{}
		for _, agent := range []string{"agent-7", "agent-7", "agent-7", "agent-8"} {
			calls[agent] = append(calls[agent], e.call(t, "adult-social-care", agent))
		}
		e.call(t, "trading-standards", "agent-9")
		sc, err := e.q.SaveScorecard(ctx, leadASC, 0, "adult-social-care", "Calls", card)
		if err != nil {
			t.Fatal(err)
		}
		scenario.Step(t, "a draw gives every agent the same number", func(t *testing.T) {
			if _, err := e.q.Draw(ctx, leadTS, "adult-social-care", e.clock.Now(), 2, "random"); !fail.Is(err, fail.Forbidden) {
				t.Errorf("another area's team leader drew: %v", err)
			}
			n, err := e.q.Draw(ctx, leadASC, "adult-social-care", e.clock.Now(), 2, "random")
			if err != nil || n != 3 {
				t.Fatalf("drew %d, %v", n, err)
			}
			if n, _ := e.q.Draw(ctx, leadASC, "adult-social-care", e.clock.Now(), 2, "random"); n != 1 {
				t.Errorf("a second draw took %d calls; only one was left", n)
			}
			queue, _ := e.q.Queue(ctx, leadASC)
			if len(queue) != 4 {
				t.Errorf("queue of %d", len(queue))
			}
			if q, _ := e.q.Queue(ctx, leadTS); len(q) != 0 {
				t.Errorf("another area's team leader sees %d queued calls", len(q))
			}
		})
		scenario.Step(t, "evaluating takes a call off the queue and into the report", func(t *testing.T) {
			for agent, answer := range map[string]string{"agent-7": "5", "agent-8": "1"} {
				if _, err := e.q.Evaluate(ctx, assessor, calls[agent][0].ID, EvaluationInput{ScorecardID: sc,
					Answers: map[string]string{"c1": "yes", "c2": answer, "c3": "pass", "c4": "yes"}}); err != nil {
					t.Fatal(err)
				}
			}
			if queue, _ := e.q.Queue(ctx, leadASC); len(queue) != 2 {
				t.Errorf("queue of %d after two evaluations", len(queue))
			}
			if _, err := e.q.Report(ctx, leadTS, "adult-social-care", e.clock.Now(), e.clock.Now().AddDate(0, 1, 0)); !fail.Is(err, fail.Forbidden) {
				t.Errorf("another area's team leader read the scores: %v", err)
			}
			if _, err := e.q.Report(ctx, assessor, "adult-social-care", e.clock.Now(), e.clock.Now().AddDate(0, 1, 0)); !fail.Is(err, fail.Forbidden) {
				t.Errorf("an assessor read the report: %v", err)
			}
			rep, err := e.q.Report(ctx, leadASC, "adult-social-care", e.clock.Now(), e.clock.Now().AddDate(0, 1, 0))
			if err != nil {
				t.Fatal(err)
			}
			// agent-7: 100; agent-8: (20 + 0 + 10) / 60 = 50.
			if len(rep.Months) != 1 || rep.Months[0].Inbound != 4 || rep.Total.Evaluations != 2 || rep.Total.Average != 75 {
				t.Errorf("totals %+v %+v", rep.Months, rep.Total)
			}
			if len(rep.Agents) != 2 || rep.Agents[0].Label != "agent-7" || rep.Agents[0].Average != 100 || rep.Agents[1].Average != 50 {
				t.Errorf("agents %+v", rep.Agents)
			}
			if len(rep.Criteria) != 3 || rep.Criteria[2].Label != "Calls: Understood what the caller needed" || math.Abs(rep.Criteria[2].Average-50) > 1e-9 {
				t.Errorf("criteria %+v", rep.Criteria)
			}
		})
	})
}
