package rights

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/audio"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/quality"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// A third caller whose number is a valid UK mobile (callerB's is Ofcom's
// drama range, which no survey could be sent to).
const callerC = "07911 654321"

const scorecard = `20 | yesno | Greeted the caller and gave their name
30 | scale 1-5 | Understood what the caller needed`

// storeResult returns the search result of the named store.
func storeResult(t *testing.T, f Found, name string) StoreResult {
	t.Helper()
	i := slices.IndexFunc(f.Stores, func(s StoreResult) bool { return s.Store == name })
	if i < 0 {
		t.Fatalf("no result for %q in %+v", name, f.Stores)
	}
	return f.Stores[i]
}

// Pending survey texts and quality use are found by the caller's number,
// described in the search, the manifest and the letter; an objection
// cancels the caller's survey texts (destroying the number) and takes the
// recordings out of training playlists and the evaluation queue; an
// erasure cancels survey texts and destroys evaluations and clips with the
// recording.
func TestSurveysAndQualityInRights(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		// environment-and-transport sends surveys to every call (the default policy): each
		// call below seals its caller's number in a survey request with the number's index.
		a1, a2 := e.call(t, callerA, time.Hour), e.call(t, callerA, 2*time.Hour)
		c := e.call(t, callerC, time.Hour)
		qs := quality.New(db, e.rec, e.log, e.pol, e.clock.Now)
		lead := &auth.Principal{UserID: 9, Role: auth.TeamLeader, ServiceAreas: []string{"environment-and-transport"}}
		card, err := qs.SaveScorecard(ctx, lead, 0, "environment-and-transport", "Calls", scorecard)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{a1.ID, c.ID} {
			if _, err := qs.Evaluate(ctx, lead, id, quality.EvaluationInput{ScorecardID: card,
				Answers: map[string]string{"c1": "yes", "c2": "4"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := qs.AddClip(ctx, lead, id, quality.ClipInput{Playlist: "Greetings", Reason: "a good greeting"}); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := qs.Draw(ctx, lead, "environment-and-transport", e.clock.Now(), 5, "random"); err != nil || n != 1 {
			t.Fatalf("draw: %d %v, want a2 queued", n, err)
		}

		access := e.record(t, "access", "verified", Identifiers{Phones: []string{callerA}})
		f, err := e.svc.Search(ctx, ig, access)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Surveys) != 2 {
			t.Fatalf("search found %d survey requests, want A's two", len(f.Surveys))
		}
		for _, tc := range []struct {
			store string
			count int
			says  string
		}{
			{"Post-call survey texts", 2, "destroyed by"},
			{"Post-call survey responses", 0, "none can be linked"},
			{"Quality evaluations", 1, "destroyed with its recording"},
			{"Training library", 1, "takes it out of its playlist"},
		} {
			if r := storeResult(t, f, tc.store); r.Count != tc.count || !strings.Contains(r.Result, tc.says) {
				t.Errorf("%s: %+v, want %d and %q", tc.store, r, tc.count, tc.says)
			}
		}

		files := e.collectPackage(t, access)
		var m Manifest
		if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
			t.Fatal(err)
		}
		if len(m.SurveyTexts) != 2 || m.SurveyTexts[0].NumberDestroyedBy.IsZero() {
			t.Errorf("manifest survey texts: %+v", m.SurveyTexts)
		}
		uses := map[string]int{}
		for _, r := range m.Recordings {
			uses[r.ID] = len(r.QualityUses)
		}
		if uses[a1.ID] != 2 || uses[a2.ID] != 0 {
			t.Errorf("manifest quality uses %v, want 2 for a1 (evaluation, clip) and none for a2", uses)
		}
		for _, want := range []string{"to send you 2 text messages", "used 2 times to check and train our staff",
			"Survey answers are kept without your number"} {
			if !strings.Contains(string(files["letter.html"]), want) {
				t.Errorf("letter lacks %q", want)
			}
		}

		objection := e.record(t, "objection", "verified", Identifiers{Phones: []string{callerA}})
		if n, err := e.svc.Restrict(ctx, ig, objection); err != nil || n != 2 {
			t.Fatalf("restrict: %d %v", n, err)
		}
		reqs, err := db.Q().AllSurveyRequests(ctx)
		if err != nil {
			t.Fatal(err)
		}
		states := map[string]int{}
		for _, r := range reqs {
			states[r.State]++
			if r.State == store.SurveyCancelled && (r.NumberCT != "" || r.NumberBIdx != "") {
				t.Errorf("a cancelled request keeps its number: %+v", r)
			}
		}
		if states[store.SurveyCancelled] != 2 || states[store.SurveyDue] != 1 {
			t.Errorf("survey requests after the objection: %v, want A's two cancelled and C's due", states)
		}
		for id, want := range map[string]int{a1.ID: 0, c.ID: 1} {
			if clips, err := db.Q().ClipsOfRecording(ctx, id); err != nil || len(clips) != want {
				t.Errorf("clips of %s after the objection: %d %v, want %d", id, len(clips), err, want)
			}
		}
		if queue, err := db.Q().Queue(ctx, nil); err != nil || len(queue) != 0 {
			t.Errorf("evaluation queue after the objection: %+v %v, want a2 gone", queue, err)
		}
		if evs, _ := db.Q().Evaluations(ctx, store.EvaluationFilter{RecordingID: a1.ID}); len(evs) != 1 {
			t.Errorf("the objection removed %d evaluations: made ones stay as a record until the recording goes", 1-len(evs))
		}

		erasure := e.record(t, "erasure", "verified", Identifiers{Phones: []string{callerC}})
		res, err := e.svc.Erase(ctx, ig, erasure)
		if err != nil || len(res.Erased) != 1 || res.SurveysCancelled != 1 {
			t.Fatalf("erase: %+v %v, want c erased and its survey cancelled", res, err)
		}
		if left, err := db.Q().PendingSurveyRequestsOfNumber(ctx, f.numberIndexes[0]); err != nil || len(left) != 0 {
			t.Errorf("A's pending survey requests: %d %v", len(left), err)
		}
		if evs, clips, err := db.Q().CountQualityOrphans(ctx); err != nil || evs != 0 || clips != 0 {
			t.Errorf("evaluations %d, clips %d outlive their recording (%v)", evs, clips, err)
		}
		if evs, _ := db.Q().Evaluations(ctx, store.EvaluationFilter{RecordingID: c.ID}); len(evs) != 0 {
			t.Errorf("the erased recording's evaluations remain: %d", len(evs))
		}
		got, _ := e.svc.Get(ctx, ig, erasure)
		if !slices.ContainsFunc(got.Events, func(ev store.RightsEvent) bool { return strings.Contains(ev.Detail, "1 survey texts") }) {
			t.Errorf("the case history does not say the survey text was cancelled: %+v", got.Events)
		}
		e.checkAudit(t, "7911", "123456", "654321")
	})
}

// A training clip's own copy outlives its call's recording (retention.training): an access
// request by the number still finds it, lists it in the manifest and the letter, and puts its
// audio in the package.
func TestTrainingCopyInAccessPackage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		area, _ := e.pol().ServiceArea(recording.System, "environment-and-transport")
		area.Retention[policy.TrainingKey] = policy.Retention{Months: 24}
		call := e.call(t, callerA, time.Hour)
		lead := &auth.Principal{UserID: 9, Role: auth.TeamLeader, ServiceAreas: []string{"environment-and-transport"}}
		clipID, err := e.quality.AddClip(ctx, lead, call.ID, quality.ClipInput{Playlist: "Greetings", Start: time.Second,
			End: 3 * time.Second, Reason: "a good greeting"})
		if err != nil {
			t.Fatal(err)
		}
		// The recording's retention ends; the copy has its own, 24 months from its choice.
		e.clock.Set(call.ExpiresAt.Add(time.Minute))
		if res, err := e.rec.Sweep(ctx); err != nil || res.Deleted != 1 {
			t.Fatalf("sweep: %+v %v, want the recording destroyed", res, err)
		}

		access := e.record(t, "access", "verified", Identifiers{Phones: []string{callerA}})
		f, err := e.svc.Search(ctx, ig, access)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Recordings) != 0 || len(f.TrainingCopies) != 1 || f.TrainingCopies[0].ID != clipID {
			t.Fatalf("search: %d recordings, copies %+v; want none and the clip's copy", len(f.Recordings), f.TrainingCopies)
		}
		if r := storeResult(t, f, "Training copies"); r.Count != 1 {
			t.Errorf("training copies store: %+v", r)
		}
		other := e.record(t, "access", "verified", Identifiers{Phones: []string{callerC}})
		if g, err := e.svc.Search(ctx, ig, other); err != nil || len(g.TrainingCopies) != 0 {
			t.Errorf("another number's search found copies %+v (%v)", g.TrainingCopies, err)
		}

		files := e.collectPackage(t, access)
		var m Manifest
		if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
			t.Fatal(err)
		}
		if len(m.TrainingCopies) != 1 || m.TrainingCopies[0].StartSeconds != 1 || m.TrainingCopies[0].EndSeconds != 3 {
			t.Fatalf("manifest training copies: %+v", m.TrainingCopies)
		}
		wav := files[m.TrainingCopies[0].File]
		l, err := audio.ParseWAVLayout(wav)
		if err != nil {
			t.Fatalf("%s: %v", m.TrainingCopies[0].File, err)
		}
		if l.DataSize != 2*int64(l.SampleRate)*int64(l.Channels*l.Bits/8) {
			t.Errorf("the copy in the package holds %d sample bytes, want 2 s", l.DataSize)
		}
		if !strings.Contains(string(files["letter.html"]), "short part of your calls to train our staff") {
			t.Error("the letter does not mention the training copy")
		}
		e.checkAudit(t, callerA)
	})
}

// collectPackage releases case id's access package, collects it through its link, writes the
// ZIP, completes the transfer and returns the files in it by name.
func (e *env) collectPackage(t *testing.T, id int64) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	token, err := e.svc.Release(ctx, ig, id)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := e.svc.Collect(ctx, token, func(int64) time.Duration { return time.Minute })
	if err != nil {
		t.Fatal(err)
	}
	var zipped bytes.Buffer
	if err := pkg.WriteZIP(ctx, &zipped); err != nil {
		t.Fatal(err)
	}
	if err := pkg.Complete(ctx); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipped.Bytes()), int64(zipped.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[zf.Name] = b
	}
	return files
}
