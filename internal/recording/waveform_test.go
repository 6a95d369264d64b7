package recording

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/fairline/fairline/internal/audio"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

func TestWaveform(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, Options{})
		ctx := context.Background()
		r := e.ingest(t, "adult-social-care")
		stored, err := db.Q().Waveform(ctx, r.ID)
		if err != nil || len(stored) != audio.WaveformPeaks {
			t.Fatalf("ingest stored %d peaks, %v", len(stored), err)
		}
		w := audio.NewPeakWriter()
		w.Write(e.audio)
		want, _ := w.Peaks()
		if !bytes.Equal(stored, want) {
			t.Error("the peaks stored at ingest are not the audio's")
		}

		// A recording from before waveforms: computed on first view, once.
		if _, err := db.RawSQLForTests().Exec(`DELETE FROM recording_waveforms`); err != nil {
			t.Fatal(err)
		}
		other := &auth.Principal{UserID: 9, Role: auth.TeamLeader, ServiceAreas: []string{"trading-standards"}}
		if _, err := e.svc.Waveform(ctx, other, r.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another area's team leader: %v", err)
		}
		got, err := e.svc.Waveform(ctx, ig, r.ID)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("lazy waveform: %d peaks, %v", len(got), err)
		}
		if again, err := db.Q().Waveform(ctx, r.ID); err != nil || !bytes.Equal(again, want) {
			t.Errorf("the lazy waveform was not kept: %v", err)
		}

		// Destroying the recording takes its waveform in the same transaction.
		if err := e.svc.Destroy(ctx, "user:1", r.ID, "erasure_request"); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.Q().Count(ctx, "recording_waveforms"); n != 0 {
			t.Errorf("%d waveforms outlive their recording", n)
		}
	})
}
