package store_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// CheckWrite fails while the database refuses writes and passes again once it
// takes them. The test runs as root in CI, where file modes stop nothing, so
// the database itself is made read-only: PostgreSQL's
// default_transaction_read_only and SQLite's query_only, on the pool's only
// connection.
func TestCheckWriteFollowsReadOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.CheckWrite(ctx); err != nil {
			t.Fatalf("writable database: %v", err)
		}
		dbtest.SetReadOnly(t, db, true)
		if err := db.CheckWrite(ctx); err == nil {
			t.Error("CheckWrite passed on a read-only database")
		}
		if err := db.Ping(ctx); err != nil {
			t.Errorf("the read-only database should still answer a ping (that is why ping is not enough): %v", err)
		}
		dbtest.SetReadOnly(t, db, false)
		if err := db.CheckWrite(ctx); err != nil {
			t.Errorf("writable again: %v", err)
		}
	})
}

// Opening a SQLite database creates a new file readable by the service
// account only, and never changes the mode of an existing one (which would
// leave -wal and -shm files with the old mode behind).
func TestOpenKeepsFileMode(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		mode fs.FileMode // of an existing file; 0: none
		want fs.FileMode
	}{
		{"new file", 0, 0o600},
		{"existing 0600", 0o600, 0o600},
		{"existing 0640", 0o640, 0o640},
		{"existing 0400 (read-only; root can still write)", 0o400, 0o400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "data", "fairline.db")
			if c.mode != 0 {
				db, err := store.Open(ctx, path)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				db.Close()
				if err := os.Chmod(path, c.mode); err != nil {
					t.Fatal(err)
				}
			}
			db, err := store.Open(ctx, path)
			if os.Geteuid() != 0 && c.mode&0o200 == 0 && c.mode != 0 {
				// Without root a read-only file is refused before SQLite opens it.
				if err == nil {
					db.Close()
					t.Fatal("opened a read-only database file")
				}
			} else if err != nil {
				t.Fatal(err)
			} else {
				if _, err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				for _, side := range []string{path, path + "-wal", path + "-shm"} {
					if st, err := os.Stat(side); err != nil {
						t.Errorf("%s: %v", filepath.Base(side), err)
					} else if st.Mode().Perm() != c.want {
						t.Errorf("%s is %v while open, want %v", filepath.Base(side), st.Mode().Perm(), c.want)
					}
				}
				db.Close()
			}
			if st, err := os.Stat(path); err != nil || st.Mode().Perm() != c.want {
				t.Errorf("after open and close the database file is %v (%v), want %v", st.Mode().Perm(), err, c.want)
			}
		})
	}
}
