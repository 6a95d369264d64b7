package surveys

import (
	"context"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// BenchmarkSend measures the sender on SQLite: b.N due requests (sealed as a call would seal
// them) sent through an in-memory Notify by one Send pass; requests/s is the figure. Each
// request is a claim, a link, Notify's call and the statement that marks it sent and destroys
// the number.
func BenchmarkSend(b *testing.B) {
	db := dbtest.Open(b, store.SQLite)
	e := &env{db: db, notify: newFake(), pol: defaultPolicy(), clock: newClock()}
	e.svc = e.service("w-bench")
	ctx := context.Background()
	err := db.Tx(ctx, func(q *store.Q) error {
		for range b.N {
			if err := e.svc.CallStored(ctx, q, "adult-social-care", caller, start); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	e.clock.Add(time.Hour)
	b.ResetTimer()
	sum, err := e.svc.Send(ctx)
	b.StopTimer()
	if err != nil || sum.Sent != int64(b.N) {
		b.Fatalf("sent %+v, %v; want %d", sum, err, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
}

// BenchmarkDestroy measures the destroy step alone: the one UPDATE that marks a claimed
// request sent and blanks its sealed number.
func BenchmarkDestroy(b *testing.B) {
	db := dbtest.Open(b, store.SQLite)
	ctx := context.Background()
	now := start.Add(time.Hour)
	refs := make([]string, b.N)
	err := db.Tx(ctx, func(q *store.Q) error {
		for i := range refs {
			refs[i] = randomHex(16)
			r := store.SurveyRequest{Reference: refs[i], ServiceArea: "adult-social-care", DueAt: start, ExpiresAt: now.Add(time.Hour),
				NumberCT: "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8w"}
			if err := q.CreateSurveyRequest(ctx, r); err != nil {
				return err
			}
			if ok, err := q.ClaimSurveyRequest(ctx, r, "w", now, now.Add(time.Minute)); !ok || err != nil {
				b.Fatalf("claim: %v %v", ok, err)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for _, ref := range refs {
		if err := db.Q().FinishSurveyRequest(ctx, ref, "w", store.SurveySent, now); err != nil {
			b.Fatal(err)
		}
	}
}
