package recording

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// A hold (or a disclosure, or an exemption) placed at the moment its
// recording is deleted must serialise with the deletion: either it exists
// before the deletion reads the exemptions, and the recording stays, or it
// is refused because the recording has gone. Many pairs run at once on
// each dialect; the invariant is checked for every recording: it is alive
// exactly when the keeper succeeded, and no hold row points at a destroyed
// recording.
func TestKeepersAndDeletionSerialise(t *testing.T) {
	const pairs = 24
	keepers := map[string]func(e *env, id string) error{
		"hold": func(e *env, id string) error {
			_, err := e.svc.PlaceHold(context.Background(), "user:1", id, "Claim ref LC/2026/14", e.clock.Now().AddDate(1, 0, 0))
			return err
		},
		"exemption": func(e *env, id string) error {
			_, err := e.svc.AddExemption(context.Background(), ig, id, "legal_claims", "claim LC/2026/14")
			return err
		},
		"disclosure": func(e *env, id string) error {
			_, _, err := e.svc.Disclose(context.Background(), ig, id, DisclosureRequest{Recipient: "emergency-services",
				LawfulBasis: "9(2)(c)", Reason: "Welfare concern", Reference: "POL-1"})
			return err
		},
	}
	deleters := map[string]func(e *env, r Recording){
		"destroy": func(e *env, r Recording) { _ = e.svc.Destroy(context.Background(), "user:1", r.ID, "erasure_request") },
		"erase":   func(e *env, r Recording) { _, _ = e.svc.Erase(context.Background(), "user:1", r) },
	}
	for _, c := range []struct{ keeper, deleter string }{
		{"hold", "destroy"}, {"hold", "erase"}, {"hold", "sweep"}, {"exemption", "erase"}, {"disclosure", "erase"},
	} {
		t.Run(c.keeper+"+"+c.deleter, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *store.DB) {
				e := newEnv(t, db, Options{})
				ctx := context.Background()
				recs := make([]Recording, pairs)
				for i := range recs {
					m := e.meta("first-contact-plus")
					m.ExternalID = fmt.Sprintf("call-%d", i)
					got, err := e.svc.Ingest(ctx, "token:1", m.ExternalID, m, bytes.NewReader(e.audio))
					if err != nil {
						t.Fatal(err)
					}
					recs[i] = got.Recording
				}
				if c.deleter == "sweep" {
					e.clock.Set(recs[0].ExpiresAt.Add(time.Hour))
				}
				keep := keepers[c.keeper]
				start := make(chan struct{})
				kept := make([]error, pairs)
				var wg sync.WaitGroup
				for i, r := range recs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						kept[i] = keep(e, r.ID)
					}()
					if c.deleter != "sweep" {
						wg.Add(1)
						go func() {
							defer wg.Done()
							<-start
							deleters[c.deleter](e, r)
						}()
					}
				}
				if c.deleter == "sweep" {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						if _, err := e.svc.Sweep(ctx); err != nil {
							t.Errorf("sweep: %v", err)
						}
					}()
				}
				close(start)
				wg.Wait()
				var live, gone int
				for i, r := range recs {
					_, err := db.Q().LockRecording(ctx, r.ID)
					alive := err == nil
					if alive == (kept[i] != nil) {
						t.Errorf("recording %d: alive %v, keeper error %v", i, alive, kept[i])
					}
					if alive {
						live++
					} else {
						gone++
					}
				}
				var orphanHolds int
				if err := db.RawSQLForTests().QueryRowContext(ctx, `SELECT COUNT(*) FROM legal_holds h
					LEFT JOIN recordings r ON r.id = h.recording_id WHERE r.id IS NULL OR r.deleted_at > 0`).Scan(&orphanHolds); err != nil {
					t.Fatal(err)
				}
				if orphanHolds != 0 {
					t.Errorf("%d holds on destroyed recordings", orphanHolds)
				}
				t.Logf("%d kept, %d destroyed", live, gone)
			})
		})
	}
}
