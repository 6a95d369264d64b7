package quality

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// BenchmarkReport measures a service area's report for a year with
// 1,000,000 recordings stored (a year of calls, 50 agents) and 12,000 of
// them evaluated: the report reads the monthly aggregates only, so its
// cost should not move with the recordings.
func BenchmarkReport(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			db := dbtest.Open(b, d)
			ctx := context.Background()
			q := New(db, nil, nil, policy.Default, nil)
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			const n, agents = 1_000_000, 50
			rs := make([]store.Recording, 0, 5000)
			for i := range n {
				id := fmt.Sprintf("%032x", i)
				dir := "inbound"
				if i%3 == 0 {
					dir = "outbound"
				}
				rs = append(rs, store.Recording{ID: id, ExternalID: id, IdempotencyKey: id, Direction: dir, ServiceArea: "trading-standards",
					AgentID: fmt.Sprintf("agent-%d", i%agents), StartedAt: start.Add(time.Duration(i) * 31 * time.Second), Duration: time.Minute,
					Channels: 1, Format: "wav/pcm", MediaType: "audio/wav", SHA256: id + id, BlobKey: "recordings/" + id, WrappedKey: "bench",
					CreatedAt: start, ExpiresAt: start.AddDate(2, 0, 0)})
				if len(rs) == cap(rs) || i == n-1 {
					if err := db.Tx(ctx, func(q *store.Q) error { return q.InsertRecordings(ctx, rs) }); err != nil {
						b.Fatal(err)
					}
					rs = rs[:0]
				}
			}
			sc := Scorecard{Scorecard: store.Scorecard{FamilyID: 1}}
			for _, c := range []string{"c1", "c2", "c3", "c4", "c5", "c6"} {
				sc.Items = append(sc.Items, Criterion{Key: c})
			}
			// 20 evaluations per agent per month, through the same aggregate update Evaluate makes.
			err := db.Tx(ctx, func(tx *store.Q) error {
				for m := range 12 {
					for a := range agents {
						for k := range 20 {
							res := Result{Score: float64(50 + (a+k)%50), Fractions: map[string]float64{}}
							for _, c := range sc.Items {
								res.Fractions[c.Key] = float64((a+k+m)%5) / 4
							}
							if err := tx.AddScores(ctx, "trading-standards", fmt.Sprintf("agent-%d", a), start.AddDate(0, m, 0),
								aggregateScores(sc, res)); err != nil {
								return err
							}
						}
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			if err := db.Q().Analyze(ctx, "recordings"); err != nil {
				b.Fatal(err)
			}
			p := leadTS
			b.ResetTimer()
			for b.Loop() {
				rep, err := q.Report(ctx, p, "trading-standards", start, start.AddDate(1, 0, 0))
				if err != nil || rep.Total.Evaluations != 12*agents*20 || len(rep.Agents) != agents {
					b.Fatalf("report: %d evaluations, %d agents, %v", rep.Total.Evaluations, len(rep.Agents), err)
				}
				var calls int64
				for _, m := range rep.Months {
					calls += m.Inbound + m.Outbound
				}
				if calls != n {
					b.Fatalf("%d calls counted, want %d", calls, n)
				}
			}
		})
	}
}
