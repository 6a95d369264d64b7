// Package dbtest runs store-backed tests against both dialects: a fresh
// SQLite file and a fresh database on a real PostgreSQL server (pgtest).
package dbtest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/pgtest"
)

// Open returns a migrated database of the given dialect, closed at cleanup.
func Open(tb testing.TB, d store.Dialect) *store.DB {
	tb.Helper()
	dsn := filepath.Join(tb.TempDir(), "fairline.db")
	if d == store.Postgres {
		dsn = pgtest.DSN(tb)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		tb.Fatalf("open %s: %v", d, err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatalf("migrate %s: %v", d, err)
	}
	return db
}

// Each runs fn as a subtest on SQLite and on PostgreSQL.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}
