package quality

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/audio"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
	"github.com/fairline/fairline/internal/testutil/scenario"
)

// With retention.training set, a clip keeps its own encrypted copy of its
// segment past its recording's destruction, until its own period ends.
func TestTrainingCopyOutlivesRecording(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		area, _ := e.pol.ServiceArea(recording.System, "first-contact-plus") // recordings kept 3 months
		area.Retention[policy.TrainingKey] = policy.Retention{Months: 12}
		lead := *leadASC
		lead.ServiceAreas = []string{"first-contact-plus"}
		e.number = "01632 960001" // Ofcom's numbers for drama
		call := e.call(t, "first-contact-plus", "agent-7")
		erased := e.call(t, "first-contact-plus", "agent-7")
		in := ClipInput{Playlist: "Complaints", Start: 2 * time.Second, End: 5 * time.Second, Reason: "Calm de-escalation"}
		var clipID int64

		scenario.Step(t, "the clip gets its own copy of its segment, a WAV of its own", func(t *testing.T) {
			var err error
			if clipID, err = e.q.AddClip(ctx, &lead, call.ID, in); err != nil {
				t.Fatal(err)
			}
			c, err := db.Q().ClipByID(ctx, clipID)
			if err != nil || !c.HasCopy() || !c.CopyExpiresAt.Equal(e.clock.Now().AddDate(1, 0, 0)) || c.NumberBIdx != call.NumberBIdx {
				t.Fatalf("clip %+v, %v", c, err)
			}
			if _, err := e.q.AuthorizeClip(ctx, &lead, clipID); err != nil {
				t.Fatal(err)
			}
			if _, err := e.q.AuthorizeClip(ctx, leadASC, clipID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("another area's team leader played it: %v", err)
			}
			pb, err := e.q.ClipPlayback(ctx, &lead, clipID)
			if err != nil {
				t.Fatal(err)
			}
			defer pb.Close()
			wav, err := io.ReadAll(pb)
			if err != nil {
				t.Fatal(err)
			}
			l, err := audio.ParseWAVLayout(wav)
			if err != nil {
				t.Fatal(err)
			}
			frame := int64(l.Channels * l.Bits / 8)
			if want := 3 * int64(l.SampleRate) * frame; l.DataSize != want || int64(len(wav))-l.DataOffset != want {
				t.Errorf("copy holds %d sample bytes (header says %d), want 3 s = %d", int64(len(wav))-l.DataOffset, l.DataSize, want)
			}
			orig, _ := audio.ParseWAVLayout(e.audio)
			from := orig.DataOffset + 2*int64(orig.SampleRate)*frame
			if string(wav[l.DataOffset:l.DataOffset+64]) != string(e.audio[from:from+64]) {
				t.Error("the copy's samples are not the call's from 2 s")
			}
		})
		scenario.Step(t, "erasing a recording takes its copies", func(t *testing.T) {
			id, err := e.q.AddClip(ctx, &lead, erased.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.rec.Destroy(ctx, "user:9", erased.ID, "erasure_request"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Q().ClipByID(ctx, id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the erased call's copy is still there: %v", err)
			}
		})
		scenario.Step(t, "a shorter training period applies to copies already made", func(t *testing.T) {
			area.Retention[policy.TrainingKey] = policy.Retention{Months: 6}
			if _, err := e.rec.ApplyRetention(ctx); err != nil {
				t.Fatal(err)
			}
			c, err := db.Q().ClipByID(ctx, clipID)
			if err != nil || !c.CopyExpiresAt.Equal(c.AddedAt.AddDate(0, 6, 0)) {
				t.Errorf("copy expires %s, want 6 months after %s (%v)", c.CopyExpiresAt, c.AddedAt, err)
			}
		})
		scenario.Step(t, "the recording's sweep keeps the clip and its copy", func(t *testing.T) {
			e.clock.Add(100 * 24 * time.Hour)
			res, err := e.rec.Sweep(ctx)
			if err != nil || res.Deleted != 1 || res.TrainingCopies != 0 {
				t.Fatalf("sweep %+v, %v", res, err)
			}
			if _, err := e.q.ClipPlayback(ctx, &lead, clipID); err != nil {
				t.Errorf("the copy does not play after its recording went: %v", err)
			}
			if out, err := e.q.Check(ctx, e.clock.Now()); err != nil || out.Count != 0 {
				t.Errorf("check %+v, %v", out, err)
			}
		})
		scenario.Step(t, "an objection refuses the copy", func(t *testing.T) {
			if n, err := db.Q().RestrictClipCopies(ctx, call.NumberBIdx, e.clock.Now()); err != nil || n != 1 {
				t.Fatalf("restricted %d, %v", n, err)
			}
			if _, err := e.q.AuthorizeClip(ctx, &lead, clipID); !errors.Is(err, ErrClipRestricted) {
				t.Errorf("a restricted copy was played: %v", err)
			}
		})
		scenario.Step(t, "the copy goes when its own period ends: row, key and blob", func(t *testing.T) {
			e.clock.Add(300 * 24 * time.Hour)
			if out, _ := e.q.Check(ctx, e.clock.Now()); out.Count != 1 {
				t.Errorf("check before the sweep counts %d overdue copies, want 1", out.Count)
			}
			res, err := e.rec.Sweep(ctx)
			if err != nil || res.TrainingCopies != 1 {
				t.Fatalf("sweep %+v, %v", res, err)
			}
			if n, _ := db.Q().Count(ctx, "quality_clips"); n != 0 {
				t.Errorf("%d clips left", n)
			}
			if n, err := e.rec.TrainingBlobsWithoutRow(ctx, 0); err != nil || n != 0 {
				t.Errorf("%d training blobs left, %v", n, err)
			}
			if out, err := e.q.Check(ctx, e.clock.Now()); err != nil || out.Count != 0 {
				t.Errorf("check %+v, %v", out, err)
			}
		})
	})
}
