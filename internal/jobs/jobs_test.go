package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
	"github.com/fairline/fairline/internal/testutil/fakeclock"
	"github.com/fairline/fairline/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newQueue(db *store.DB, c *fakeclock.Clock) *Queue {
	q := New(db, quiet)
	q.SetClock(c.Now)
	return q
}

func TestRunsEachJobOnceWithPayload(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		q := newQueue(db, c)
		var got []int
		var mu sync.Mutex
		q.Handle("count", func(ctx context.Context, p json.RawMessage) error {
			var v struct{ N int }
			if err := json.Unmarshal(p, &v); err != nil {
				return err
			}
			mu.Lock()
			got = append(got, v.N)
			mu.Unlock()
			return nil
		})
		for i := 1; i <= 3; i++ {
			if err := q.Enqueue(ctx, "count", map[string]int{"N": i}, time.Time{}, ""); err != nil {
				t.Fatal(err)
			}
		}
		// A future job and a duplicate unique key.
		q.Enqueue(ctx, "count", map[string]int{"N": 9}, c.Now().Add(time.Hour), "later")
		q.Enqueue(ctx, "count", map[string]int{"N": 10}, c.Now().Add(time.Hour), "later")
		n, err := q.RunOnce(ctx)
		if err != nil || n != 3 || len(got) != 3 {
			t.Fatalf("ran %d (%v), got %v", n, err, got)
		}
		c.Add(time.Hour)
		if n, _ := q.RunOnce(ctx); n != 1 || got[3] != 9 {
			t.Fatalf("future job: ran %d, got %v", n, got)
		}
		left, _ := db.Q().Jobs(ctx, store.JobFilter{})
		if len(left) != 0 {
			t.Errorf("%d jobs left after running", len(left))
		}
	})
}

func TestRetryThenFail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		q := newQueue(db, c)
		q.Backoff = func(int) time.Duration { return time.Minute }
		calls := 0
		q.Handle("flaky", func(context.Context, json.RawMessage) error { calls++; return errors.New("upstream said no") })
		db.Tx(ctx, func(tx *store.Q) error {
			_, err := tx.EnqueueJob(ctx, store.Job{Kind: "flaky", UniqueKey: "k", RunAt: c.Now(), MaxAttempts: 2, CreatedAt: c.Now()})
			return err
		})
		q.RunOnce(ctx)
		js, err := db.Q().Jobs(ctx, store.JobFilter{Kind: "flaky"})
		if err != nil {
			t.Fatal(err)
		}
		if calls != 1 || len(js) != 1 || js[0].State != "queued" || !js[0].RunAt.Equal(c.Now().Add(time.Minute)) || js[0].LastError != "upstream said no" {
			t.Fatalf("after one failure: calls %d, %+v", calls, js)
		}
		if n, _ := q.RunOnce(ctx); n != 0 {
			t.Errorf("retried before its back-off")
		}
		c.Add(time.Minute)
		q.RunOnce(ctx)
		js, err = db.Q().Jobs(ctx, store.JobFilter{Kind: "flaky"})
		if err != nil {
			t.Fatal(err)
		}
		if calls != 2 || len(js) != 1 || js[0].State != "failed" {
			t.Fatalf("after max attempts: calls %d, %+v", calls, js)
		}
		// The failed job keeps its record but frees its unique key.
		if err := q.Enqueue(ctx, "flaky", nil, time.Time{}, "k"); err != nil {
			t.Fatal(err)
		}
		if js, _ = db.Q().Jobs(ctx, store.JobFilter{Kind: "flaky", State: "queued"}); len(js) != 1 {
			t.Errorf("unique key not freed by the failure: %+v", js)
		}
	})
}

// A job claimed by a worker that then died is run by another once the
// lease expires, not before.
func TestExpiredLeaseIsReclaimed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		q := newQueue(db, c)
		ran := 0
		q.Handle("work", func(context.Context, json.RawMessage) error { ran++; return nil })
		q.Enqueue(ctx, "work", nil, time.Time{}, "")
		err := db.Tx(ctx, func(tx *store.Q) error {
			js, err := tx.ClaimJobs(ctx, []string{"work"}, "dead-worker", c.Now(), c.Now().Add(5*time.Minute), 10)
			if len(js) != 1 {
				t.Fatalf("dead worker claimed %d", len(js))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := q.RunOnce(ctx); n != 0 {
			t.Fatal("ran a job whose lease is still held")
		}
		c.Add(5 * time.Minute)
		if n, _ := q.RunOnce(ctx); n != 1 || ran != 1 {
			t.Fatalf("expired lease not reclaimed: ran %d", ran)
		}
	})
}

// Several workers on one database run every job exactly once.
func TestWorkersShareWithoutDoubleWork(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		const jobs = 60
		var counts [jobs]atomic.Int32
		var done atomic.Int32
		handler := func(_ context.Context, p json.RawMessage) error {
			var v struct{ N int }
			json.Unmarshal(p, &v)
			counts[v.N].Add(1)
			done.Add(1)
			return nil
		}
		seed := New(db, quiet)
		for i := 0; i < jobs; i++ {
			if err := seed.Enqueue(ctx, "w", map[string]int{"N": i}, time.Time{}, ""); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for w := 0; w < 3; w++ {
			q := New(db, quiet)
			q.Poll = 5 * time.Millisecond
			q.Concurrency = 3
			q.Handle("w", handler)
			wg.Add(1)
			go func() { defer wg.Done(); q.Run(ctx) }()
		}
		deadline := time.After(60 * time.Second)
		for done.Load() < jobs {
			select {
			case <-deadline:
				t.Fatalf("only %d of %d jobs ran", done.Load(), jobs)
			case <-time.After(10 * time.Millisecond):
			}
		}
		cancel()
		wg.Wait()
		for i := range counts {
			if n := counts[i].Load(); n != 1 {
				t.Errorf("job %d ran %d times", i, n)
			}
		}
	})
}

func TestPeriodic(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		ran := 0
		// Two instances registering the same periodic job share one.
		for i := 0; i < 2; i++ {
			q := newQueue(db, c)
			q.Every("tick", time.Hour, func(context.Context, json.RawMessage) error { ran++; return nil })
			q.RunOnce(ctx)
		}
		if ran != 1 {
			t.Fatalf("periodic job ran %d times at start", ran)
		}
		q := newQueue(db, c)
		q.Every("tick", time.Hour, func(context.Context, json.RawMessage) error { ran++; return nil })
		c.Add(59 * time.Minute)
		q.RunOnce(ctx)
		if ran != 1 {
			t.Fatal("periodic job ran early")
		}
		c.Add(time.Minute)
		q.RunOnce(ctx)
		if ran != 2 {
			t.Fatalf("periodic job did not run after its period: %d", ran)
		}
		js, err := db.Q().Jobs(ctx, store.JobFilter{Kind: "tick"})
		if err != nil {
			t.Fatal(err)
		}
		if len(js) != 1 || !js[0].RunAt.Equal(c.Now().Add(time.Hour)) {
			t.Errorf("next run not scheduled once: %+v", js)
		}
	})
}

type lockedBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}

func (l *lockedBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Count(l.b, []byte(s))
}

// A runner that cannot start because the database refuses writes is not
// gone for good: Supervise starts it again with backoff, Alive reports it
// down meanwhile, and once the database takes writes the periodic jobs run.
// The database is made read-only on its pool's only connection (PostgreSQL
// default_transaction_read_only, SQLite query_only), which stops root too.
func TestSuperviseRestartsAFailedRunner(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		dbtest.SetReadOnly(t, db, true)
		logs := &lockedBuffer{}
		q := New(db, slog.New(slog.NewTextHandler(logs, nil)))
		q.Poll, q.RestartMin, q.RestartMax = 10*time.Millisecond, 10*time.Millisecond, 40*time.Millisecond
		ran := make(chan struct{})
		var once sync.Once
		q.Every("tick", time.Hour, func(context.Context, json.RawMessage) error {
			once.Do(func() { close(ran) })
			return nil
		})
		if err := q.Alive(); err == nil {
			t.Error("alive before it was started")
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); q.Supervise(ctx) }()
		defer func() { cancel(); <-done }()

		deadline := time.Now().Add(10 * time.Second)
		for logs.count("restarting") < 3 {
			if time.Now().After(deadline) {
				t.Fatalf("the runner was not restarted three times on a read-only database; logs:\n%s", logs)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err := q.Alive(); err == nil {
			t.Error("alive while it cannot start")
		}
		dbtest.SetReadOnly(t, db, false)
		select {
		case <-ran:
		case <-time.After(10 * time.Second):
			t.Fatal("the periodic job never ran after the database took writes again")
		}
		if err := q.WaitAlive(context.Background(), 5*time.Second); err != nil {
			t.Errorf("not alive after the restart: %v", err)
		}
		cancel()
		<-done
		if err := q.Alive(); err == nil {
			t.Error("alive after it was stopped")
		}
	})
}

// A loop that stops coming round is reported stuck once LiveWindow passes.
func TestAliveReportsAStuckLoop(t *testing.T) {
	db := dbtest.Open(t, store.SQLite)
	q := New(db, quiet)
	q.Poll, q.LiveWindow = time.Hour, 50*time.Millisecond // after its first round the loop sleeps for an hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); q.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if err := q.WaitAlive(ctx, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if err := q.Alive(); err == nil || !strings.Contains(err.Error(), "has not come round") {
		t.Errorf("Alive = %v, want a stuck loop", err)
	}
}
