package quality

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/blob"
	"github.com/fairline/fairline/internal/check"
	"github.com/fairline/fairline/internal/crypt"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/keys"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
	"github.com/fairline/fairline/internal/testutil/fakeclock"
	"github.com/fairline/fairline/internal/testutil/pgtest"
	"github.com/fairline/fairline/internal/testutil/scenario"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// env is a quality service over a real recording service, database, blob
// folder and audit log.
type env struct {
	q      *Service
	rec    *recording.Service
	db     *store.DB
	clock  *fakeclock.Clock
	pol    *policy.Policy
	log    *audit.Log
	audio  []byte
	n      int
	number string // the other party of the calls stored ("" none)
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{db: db, clock: fakeclock.New(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), pol: policy.Default()}
	blobs, err := blob.NewLocal(filepath.Join(dir, "blobs"), "UK")
	if err != nil {
		t.Fatal(err)
	}
	kek, err := crypt.OpenKeyFile(filepath.Join(dir, "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	ring, err := keys.LoadOrCreate(filepath.Join(dir, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	e.log = audit.New(db, ring.Key(keys.PurposeAudit))
	pol := func() *policy.Policy { return e.pol }
	e.rec, err = recording.New(db, blobs, kek, crypt.NewBlindIndex(ring), e.log, pol, slog.New(slog.NewTextHandler(io.Discard, nil)),
		recording.Options{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.q = New(db, e.rec, e.log, pol, e.clock.Now)
	if e.audio, err = os.ReadFile("../../testdata/audio/speech-mulaw.wav"); err != nil {
		t.Fatal(err)
	}
	return e
}

// call stores the test audio as a call of area answered by agent.
func (e *env) call(t *testing.T, area, agent string) recording.Recording {
	t.Helper()
	e.n++
	sum := sha256.Sum256(e.audio)
	key := "call-" + string(rune('a'+e.n))
	got, err := e.rec.Ingest(context.Background(), "token:1", key, recording.Metadata{ExternalID: key, Direction: "inbound",
		ServiceArea: area, AgentID: agent, StartedAt: e.clock.Now().Add(-time.Hour), DurationSeconds: 8, OtherParty: e.number,
		SHA256: hex.EncodeToString(sum[:])}, bytes.NewReader(e.audio))
	if err != nil {
		t.Fatal(err)
	}
	return got.Recording
}

var (
	leadASC  = &auth.Principal{UserID: 1, Role: auth.TeamLeader, ServiceAreas: []string{"adult-social-care"}}
	leadTS   = &auth.Principal{UserID: 2, Role: auth.TeamLeader, ServiceAreas: []string{"trading-standards"}}
	assessor = &auth.Principal{UserID: 3, Role: auth.QualityAssessor, ServiceAreas: []string{"adult-social-care"}}
	second   = &auth.Principal{UserID: 4, Role: auth.QualityAssessor, ServiceAreas: []string{"adult-social-care"}}
	agent7   = &auth.Principal{UserID: 5, Role: auth.Agent}
	agent8   = &auth.Principal{UserID: 6, Role: auth.Agent}
	admin    = &auth.Principal{UserID: 7, Role: auth.Administrator}
)

func best() map[string]string {
	return map[string]string{"c1": "yes", "c2": "5", "c3": "pass", "c4": "yes"}
}

func TestScorecardsEvaluationsAndResponses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		for _, p := range []*auth.Principal{leadASC, leadTS, assessor, second, agent7, agent8, admin} {
			if _, err := db.Q().CreateUser(ctx, store.User{Email: strings.ToLower(p.Actor()[5:]) + "@example.gov.uk", Role: string(p.Role),
				CreatedAt: e.clock.Now()}); err != nil {
				t.Fatal(err)
			}
		}
		call := e.call(t, "adult-social-care", "agent-7")
		var v1, v2, evID int64

		scenario.Step(t, "only the area's team leaders manage its scorecards", func(t *testing.T) {
			for _, p := range []*auth.Principal{leadTS, assessor, admin} {
				if _, err := e.q.SaveScorecard(ctx, p, 0, "adult-social-care", "Calls", card); !fail.Is(err, fail.Forbidden) {
					t.Errorf("%s made a scorecard for adult social care: %v", p.Role, err)
				}
			}
			var err error
			if v1, err = e.q.SaveScorecard(ctx, leadASC, 0, "adult-social-care", "Calls", card); err != nil {
				t.Fatal(err)
			}
			if _, err := e.q.Scorecard(ctx, leadTS, v1); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("another area's team leader read it: %v", err)
			}
		})
		scenario.Step(t, "a restricted recording cannot be evaluated", func(t *testing.T) {
			restricted := e.call(t, "adult-social-care", "agent-7")
			if err := db.Q().SetRecordingRestricted(ctx, restricted.ID, e.clock.Now()); err != nil {
				t.Fatal(err)
			}
			_, err := e.q.Evaluate(ctx, assessor, restricted.ID, EvaluationInput{ScorecardID: v1, Answers: best()})
			if !errors.Is(err, recording.ErrRestricted) {
				t.Errorf("evaluated a restricted recording: %v", err)
			}
		})
		scenario.Step(t, "an assessor evaluates, with comments on the timeline", func(t *testing.T) {
			if _, err := e.q.Evaluate(ctx, leadTS, call.ID, EvaluationInput{ScorecardID: v1, Answers: best()}); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("another area's team leader evaluated: %v", err)
			}
			in := EvaluationInput{ScorecardID: v1, Answers: map[string]string{"c1": "yes", "c2": "3", "c3": "pass", "c4": "no"},
				Comments: "0:02 Warm greeting\n0:06 No offer of further help"}
			var err error
			if evID, err = e.q.Evaluate(ctx, assessor, call.ID, in); err != nil {
				t.Fatal(err)
			}
			v, err := e.q.Evaluation(ctx, assessor, evID)
			if err != nil || v.ScoreBP != 5833 || len(v.Comments) != 2 || v.Comments[1].Offset != 6*time.Second || v.AgentID != "agent-7" {
				t.Errorf("evaluation %+v, %v", v.Evaluation, err)
			}
		})
		scenario.Step(t, "editing the scorecard makes a version; the evaluation keeps its own", func(t *testing.T) {
			var err error
			if v2, err = e.q.SaveScorecard(ctx, leadASC, v1, "", "Calls", "50 | yesno | Greeted the caller"); err != nil {
				t.Fatal(err)
			}
			if _, err := e.q.SaveScorecard(ctx, leadASC, v1, "", "Calls", card); !fail.Is(err, fail.Conflict) {
				t.Errorf("a second edit of the old version: %v", err)
			}
			cur, _ := e.q.Scorecards(ctx, assessor)
			if len(cur) != 1 || cur[0].ID != v2 || cur[0].Version != 2 || cur[0].FamilyID != v1 {
				t.Errorf("current scorecards %+v", cur)
			}
			v, _ := e.q.Evaluation(ctx, assessor, evID)
			if v.Scorecard.ID != v1 || len(v.Scorecard.Items) != 4 {
				t.Errorf("the evaluation now reads scorecard %d with %d criteria", v.Scorecard.ID, len(v.Scorecard.Items))
			}
			if _, err := e.q.Evaluate(ctx, assessor, call.ID, EvaluationInput{ScorecardID: v1, Answers: best()}); err == nil {
				t.Error("scored with a superseded version")
			}
		})
		scenario.Step(t, "the agent sees their own evaluation and disputes it", func(t *testing.T) {
			if err := e.q.LinkAgent(ctx, leadASC, agent7.UserID, "agent-7"); !fail.Is(err, fail.Forbidden) {
				t.Errorf("a team leader linked an agent: %v", err)
			}
			if err := e.q.LinkAgent(ctx, admin, agent7.UserID, "agent-7"); err != nil {
				t.Fatal(err)
			}
			if err := e.q.LinkAgent(ctx, admin, agent8.UserID, "agent-7"); err == nil {
				t.Error("one agent id linked to two accounts")
			}
			e.q.LinkAgent(ctx, admin, agent8.UserID, "agent-8")
			if list, _ := e.q.Evaluations(ctx, agent8, ""); len(list) != 0 {
				t.Errorf("another agent sees %d evaluations", len(list))
			}
			if _, err := e.q.Evaluation(ctx, agent8, evID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("another agent opened it: %v", err)
			}
			if list, _ := e.q.Evaluations(ctx, agent7, ""); len(list) != 1 || list[0].ID != evID {
				t.Errorf("the agent sees %+v", list)
			}
			if err := e.q.Respond(ctx, assessor, evID, false, ""); !fail.Is(err, fail.Forbidden) {
				t.Errorf("the assessor answered for the agent: %v", err)
			}
			if err := e.q.Respond(ctx, agent7, evID, true, ""); err == nil {
				t.Error("a dispute without a reason")
			}
			if err := e.q.Respond(ctx, agent7, evID, true, "The caller declined further help"); err != nil {
				t.Fatal(err)
			}
			if err := e.q.Respond(ctx, agent7, evID, false, ""); !fail.Is(err, fail.Conflict) {
				t.Errorf("responded twice: %v", err)
			}
			v, _ := e.q.Evaluation(ctx, agent7, evID)
			if v.Status != "disputed" || !v.Own {
				t.Errorf("status %q own %v", v.Status, v.Own)
			}
		})
		scenario.Step(t, "calibration shows the spread once you have scored", func(t *testing.T) {
			if _, err := e.q.StartCalibration(ctx, assessor, call.ID, v2); !fail.Is(err, fail.Forbidden) {
				t.Errorf("an assessor started a session: %v", err)
			}
			cal, err := e.q.StartCalibration(ctx, leadASC, call.ID, v2)
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				p      *auth.Principal
				answer string
			}{{assessor, "yes"}, {second, "no"}} {
				if _, err := e.q.Evaluate(ctx, tc.p, call.ID, EvaluationInput{ScorecardID: v2, CalibrationID: cal,
					Answers: map[string]string{"c1": tc.answer}}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.q.Evaluate(ctx, second, call.ID, EvaluationInput{ScorecardID: v2, CalibrationID: cal,
				Answers: map[string]string{"c1": "yes"}}); !fail.Is(err, fail.Conflict) {
				t.Errorf("scored twice in one session: %v", err)
			}
			sp, err := e.q.Calibration(ctx, second, cal)
			if err != nil || len(sp.Scores) != 2 || sp.Min != 0 || sp.Max != 100 || sp.Mean != 50 || sp.StdDev != 50 || sp.Agreement["c1"] != 0.5 {
				t.Errorf("spread %+v, %v", sp, err)
			}
		})
		scenario.Step(t, "evaluations go with their recording", func(t *testing.T) {
			if err := e.rec.Destroy(ctx, "user:9", call.ID, "erasure_request"); err != nil {
				t.Fatal(err)
			}
			for _, table := range []string{"quality_evaluations", "quality_comments", "quality_calibrations"} {
				if n, _ := db.Q().Count(ctx, table); n != 0 {
					t.Errorf("%d rows of %s outlive their recording", n, table)
				}
			}
			if out, err := e.q.Check(ctx, e.clock.Now()); out.Result != check.OK || err != nil {
				t.Errorf("check %+v, %v", out, err)
			}
			// A recording destroyed some other way leaves its evaluation behind: check says so.
			stray := e.call(t, "adult-social-care", "agent-7")
			if _, err := e.q.Evaluate(ctx, assessor, stray.ID, EvaluationInput{ScorecardID: v2, Answers: map[string]string{"c1": "yes"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.RawSQLForTests().Exec(`UPDATE recordings SET deleted_at = 1 WHERE id = '` + stray.ID + `'`); err != nil {
				t.Fatal(err)
			}
			if out, err := e.q.Check(ctx, e.clock.Now()); out.Result != check.Broken || out.Count != 1 || err != nil {
				t.Errorf("check with an orphan %+v, %v", out, err)
			}
		})
	})
}
