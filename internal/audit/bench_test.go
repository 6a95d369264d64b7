package audit_test

import (
	"context"
	"testing"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// BenchmarkAppend measures one audited action's own transaction.
func BenchmarkAppend(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			l := audit.New(dbtest.Open(b, d), key)
			e := audit.Entry{Actor: "user:1", Action: "auth.sign_in", Object: "session", Purpose: "staff_access", Outcome: audit.Success}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := l.Record(ctx, e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerify measures verifying a 10,000-entry log; entries/s is the
// figure to compare.
func BenchmarkVerify(b *testing.B) {
	const n = 10000
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			db := dbtest.Open(b, d)
			l := audit.New(db, key)
			ctx := context.Background()
			e := audit.Entry{Actor: "user:1", Action: "auth.sign_in", Object: "session", Purpose: "staff_access", Outcome: audit.Success}
			err := db.Tx(ctx, func(q *store.Q) error {
				for i := 0; i < n; i++ {
					if _, err := l.Append(ctx, q, e); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				rep, err := l.Verify(ctx)
				if err != nil || rep.Problem != nil || rep.Entries != n {
					b.Fatalf("%+v %v", rep, err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}
