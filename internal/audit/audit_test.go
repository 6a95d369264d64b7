package audit_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
	"github.com/fairline/fairline/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var key = []byte("0123456789abcdef0123456789abcdef")

func seed(t *testing.T, db *store.DB, n int) *audit.Log {
	t.Helper()
	l := audit.New(db, key)
	for i := 0; i < n; i++ {
		e := audit.Entry{Actor: "user:1", Action: "auth.sign_in", Object: "session", Purpose: "staff_access", Outcome: audit.Success}
		if err := l.Record(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func TestVerifyIntact(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		l := audit.New(db, key)
		rep, err := l.Verify(context.Background())
		if err != nil || rep.Problem != nil || rep.Entries != 0 {
			t.Fatalf("empty log: %+v, %v", rep, err)
		}
		l = seed(t, db, 5)
		rep, err = l.Verify(context.Background())
		if err != nil || rep.Problem != nil || rep.Entries != 5 || rep.HeadSeq != 5 {
			t.Fatalf("intact log: %+v, %v", rep, err)
		}
	})
}

// Every single-row edit or deletion of the audit table must be reported,
// naming the first entry at fault.
func TestVerifyDetectsTampering(t *testing.T) {
	cases := []struct {
		name    string
		sql     []string
		wantSeq int64
	}{
		{"edit action", []string{`UPDATE audit_log SET action = 'auth.sign_out' WHERE seq = 3`}, 3},
		{"edit actor", []string{`UPDATE audit_log SET actor = 'user:2' WHERE seq = 1`}, 1},
		{"edit time", []string{`UPDATE audit_log SET at = at + 1 WHERE seq = 4`}, 4},
		{"edit outcome of newest", []string{`UPDATE audit_log SET outcome = 'failure' WHERE seq = 5`}, 5},
		{"edit hash", []string{`UPDATE audit_log SET hash = 'ab' WHERE seq = 2`}, 2},
		{"delete middle", []string{`DELETE FROM audit_log WHERE seq = 3`}, 3},
		{"delete first", []string{`DELETE FROM audit_log WHERE seq = 1`}, 1},
		{"delete newest", []string{`DELETE FROM audit_log WHERE seq = 5`}, 5},
		{"reorder", []string{
			`UPDATE audit_log SET seq = 100 WHERE seq = 2`,
			`UPDATE audit_log SET seq = 2 WHERE seq = 3`,
			`UPDATE audit_log SET seq = 3 WHERE seq = 100`}, 2},
		{"rewind head", []string{`UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_log WHERE seq = 4)`}, 4},
		{"delete head", []string{`DELETE FROM audit_head`}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *store.DB) {
				l := seed(t, db, 5)
				for _, s := range tc.sql {
					if _, err := db.RawSQLForTests().Exec(s); err != nil {
						t.Fatalf("%s: %v", s, err)
					}
				}
				rep, err := l.Verify(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if rep.Problem == nil {
					t.Fatal("tampering not detected")
				}
				if tc.wantSeq != 0 && rep.Problem.Seq != tc.wantSeq {
					t.Errorf("problem at %d (%s), want %d", rep.Problem.Seq, rep.Problem.Reason, tc.wantSeq)
				}
			})
		})
	}
}

// A different key cannot verify the chain: the hashes are keyed.
func TestVerifyNeedsKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db, 2)
		other := audit.New(db, []byte("ffffffffffffffffffffffffffffffff"))
		rep, err := other.Verify(context.Background())
		if err != nil || rep.Problem == nil || rep.Problem.Seq != 1 {
			t.Fatalf("verify with wrong key: %+v, %v", rep, err)
		}
	})
}

func TestConcurrentAppendsStayChained(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		l := audit.New(db, key)
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; j < 10; j++ {
					errs <- l.Record(context.Background(), audit.Entry{Actor: "system", Action: "test.append", Outcome: audit.Success})
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		rep, err := l.Verify(context.Background())
		if err != nil || rep.Problem != nil || rep.Entries != 40 {
			t.Fatalf("after concurrent appends: %+v, %v", rep, err)
		}
	})
}

func TestAppendRefusesPersonalData(t *testing.T) {
	db := dbtest.Open(t, store.SQLite)
	l := audit.New(db, key)
	bad := []audit.Entry{
		{Actor: "ann@example.gov.uk", Action: "auth.sign_in", Outcome: audit.Success},
		{Actor: "user:1", Action: "recording.play", Object: "phone:07911123456", Outcome: audit.Success},
		{Actor: "user:1", Action: "auth.sign_in", Object: "Mrs Smith", Outcome: audit.Success},
		{Actor: "user:1", Action: "Sign In", Outcome: audit.Success},
		{Actor: "user:1", Action: "auth.sign_in", Purpose: "because she asked", Outcome: audit.Success},
		{Actor: "user:1", Action: "auth.sign_in", Outcome: "maybe"},
	}
	for _, e := range bad {
		if err := l.Record(context.Background(), e); err == nil {
			t.Errorf("accepted %+v", e)
		} else if strings.Contains(err.Error(), "ann@") || strings.Contains(err.Error(), "07911") {
			t.Errorf("error message repeats personal data: %v", err)
		}
	}
	entries, err := l.Entries(context.Background(), store.AuditFilter{})
	if err != nil || len(entries) != 0 {
		t.Errorf("refused entries were stored: %d, %v", len(entries), err)
	}
}

// A random 32-digit id that happens to hold no hex letters is still an id.
func TestAppendAcceptsAllDigitRandomIDs(t *testing.T) {
	db := dbtest.Open(t, store.SQLite)
	l := audit.New(db, key)
	for _, obj := range []string{"recording:00000000000000000000000000000123", "user:123456", "token:7"} {
		if err := l.Record(context.Background(), audit.Entry{Actor: "system", Action: "recording.delete", Object: obj, Outcome: audit.Success}); err != nil {
			t.Errorf("%s refused: %v", obj, err)
		}
	}
	for _, obj := range []string{"recording:4111111111111111", "phone:07911123456", "account:12345678"} {
		if err := l.Record(context.Background(), audit.Entry{Actor: "system", Action: "recording.delete", Object: obj, Outcome: audit.Success}); err == nil {
			t.Errorf("%s accepted", obj)
		}
	}
}

// AppendMany chains exactly like Append: the log verifies, and entries
// appended singly after a batch continue the same chain.
func TestAppendManyChains(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		l := seed(t, db, 2)
		ctx := context.Background()
		var batch []audit.Entry
		for i := 0; i < 1200; i++ {
			batch = append(batch, audit.Entry{Actor: "system", Action: "recording.delete", Object: "recording:r" + strconv.Itoa(i), Purpose: "retention_expired", Outcome: audit.Success})
		}
		if err := db.Tx(ctx, func(q *store.Q) error { return l.AppendMany(ctx, q, batch) }); err != nil {
			t.Fatal(err)
		}
		seed(t, db, 1)
		rep, err := l.Verify(ctx)
		if err != nil || rep.Problem != nil || rep.Entries != 1203 {
			t.Fatalf("after a batch: %+v %v", rep, err)
		}
		bad := append(batch[:1:1], audit.Entry{Actor: "someone@example.com", Action: "x", Outcome: audit.Success})
		if err := db.Tx(ctx, func(q *store.Q) error { return l.AppendMany(ctx, q, bad) }); err == nil {
			t.Error("a batch with personal data was appended")
		}
	})
}

// Entries lists what was appended, newest first, as the Entry values Append returned.
func TestEntriesListWhatWasAppended(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		l := audit.New(db, key)
		ctx := context.Background()
		var appended []audit.Entry
		for _, e := range []audit.Entry{
			{Actor: "user:1", Action: "recording.open", Object: "recording:1", Purpose: "training", Outcome: audit.Success},
			{Actor: "token:2", Action: "recording.store", Object: "recording:2", Purpose: "call_recording", Outcome: audit.Denied},
		} {
			var got audit.Entry
			err := db.Tx(ctx, func(q *store.Q) error {
				var err error
				got, err = l.Append(ctx, q, e)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			appended = append(appended, got)
		}
		entries, err := l.Entries(ctx, store.AuditFilter{Action: "recording."})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 {
			t.Fatalf("%d entries, want 2", len(entries))
		}
		for i, want := range []audit.Entry{appended[1], appended[0]} {
			got := entries[i]
			if got.Seq != want.Seq || !got.At.Equal(want.At) || got.Actor != want.Actor || got.Action != want.Action ||
				got.Object != want.Object || got.Purpose != want.Purpose || got.Outcome != want.Outcome {
				t.Errorf("entry %d = %+v, want %+v", i, got, want)
			}
		}
	})
}
