package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/testutil/pgtest"
)

// TestQueryRowMapsErrors: a single-row query's Scan gives this package's
// errors, as exec and query do, so no method can forget to map them: no row
// is ErrNotFound (not sql.ErrNoRows), a unique violation ErrConflict, on
// both databases, and both are of the fail kinds the doors answer with.
func TestQueryRowMapsErrors(t *testing.T) {
	for _, d := range []Dialect{SQLite, Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			dsn := filepath.Join(t.TempDir(), "fairline.db")
			if d == Postgres {
				dsn = pgtest.DSN(t)
			}
			db, err := Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			q := db.Q()
			insert := func() error {
				var id int64
				return q.queryRow(ctx, `INSERT INTO kb_excluded_paths (prefix, created_by, created_at) VALUES (?, ?, ?) RETURNING id`,
					"/news", "user:1", toMicros(time.Now())).Scan(&id)
			}
			if err := insert(); err != nil {
				t.Fatal(err)
			}
			var n int64
			cases := []struct {
				name string
				err  error
				want error
				kind fail.Kind
			}{
				{"no row", q.queryRow(ctx, `SELECT id FROM kb_excluded_paths WHERE prefix = ?`, "/none").Scan(&n), ErrNotFound, fail.NotFound},
				{"unique violation", insert(), ErrConflict, fail.Conflict},
			}
			for _, tc := range cases {
				if !errors.Is(tc.err, tc.want) || errors.Is(tc.err, sql.ErrNoRows) || fail.KindOf(tc.err) != tc.kind {
					t.Errorf("%s: %v (kind %v), want %v of kind %v", tc.name, tc.err, fail.KindOf(tc.err), tc.want, tc.kind)
				}
			}
		})
	}
}
