// Package dbtest runs store-backed tests against both dialects: a fresh
// SQLite file and a fresh database on a real PostgreSQL server (pgtest).
// SetReadOnly makes a database refuse writes, for tests of failure paths.
package dbtest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

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

// SetReadOnly makes db refuse writes (on) or take them again (off), in a
// way that stops root too: the pool is cut to one connection and that
// connection is switched (PostgreSQL default_transaction_read_only, SQLite
// query_only). Reads, pings included, still work.
func SetReadOnly(tb testing.TB, db *store.DB, on bool) {
	tb.Helper()
	db.RawSQLForTests().SetMaxOpenConns(1)
	// Busy connections close as they come back: wait for the one left, so
	// the setting lands on the connection every later query uses.
	for db.RawSQLForTests().Stats().OpenConnections > 1 {
		time.Sleep(time.Millisecond)
	}
	stmt := map[bool]string{true: `PRAGMA query_only = 1`, false: `PRAGMA query_only = 0`}[on]
	if db.Dialect() == store.Postgres {
		stmt = map[bool]string{true: `SET SESSION default_transaction_read_only = on`,
			false: `SET SESSION default_transaction_read_only = off`}[on]
	}
	if _, err := db.RawSQLForTests().Exec(stmt); err != nil {
		tb.Fatalf("read-only %v: %v", on, err)
	}
}
