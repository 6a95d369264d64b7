// Package jobs runs Fairline's background work (retention sweeps of
// recordings and chat, re-crawls of the council website, session clean-up,
// retention recomputed after a policy change) from a queue in the database
// rather than in-memory timers, so work survives restarts and several
// instances sharing one PostgreSQL database neither double up nor miss any:
// a job is claimed with FOR UPDATE SKIP LOCKED, held under a lease the worker
// keeps renewing, and claimed again by anyone if its worker dies.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fairline/fairline/internal/store"
)

// Handler does one job. Its error message is stored on the job and must
// not contain personal data.
type Handler func(ctx context.Context, payload json.RawMessage) error

// Queue enqueues and runs jobs.
type Queue struct {
	db       *store.DB
	log      *slog.Logger
	worker   string
	handlers map[string]Handler
	periodic map[string]time.Duration
	now      func() time.Time

	// Lease is how long a claim lasts without renewal; renewed at Lease/3.
	Lease time.Duration
	// Poll is how often an idle worker looks for due jobs.
	Poll time.Duration
	// Concurrency is the number of jobs run at once by this process.
	Concurrency int
	// Backoff gives the delay before retry n (1-based).
	Backoff func(attempt int) time.Duration
	// RestartMin and RestartMax bound how long Supervise waits before
	// restarting a Run that failed: RestartMin after the first failure,
	// doubling with each failure in a row up to RestartMax.
	RestartMin, RestartMax time.Duration
	// LiveWindow is how long the Run loop may go without coming round (it
	// does every Poll, so keep it well above Poll) before Alive reports it
	// stuck.
	LiveWindow time.Duration

	// beat is when the Run loop last came round, in Unix nanoseconds of the
	// wall clock; 0 while no Run loop is running.
	beat atomic.Int64
}

// New returns a queue over db. Register handlers before Run.
func New(db *store.DB, log *slog.Logger) *Queue {
	b := make([]byte, 6)
	rand.Read(b)
	return &Queue{db: db, log: log, worker: "w-" + hex.EncodeToString(b), handlers: map[string]Handler{},
		periodic: map[string]time.Duration{}, now: time.Now,
		Lease: 5 * time.Minute, Poll: 2 * time.Second, Concurrency: 2,
		Backoff:    func(n int) time.Duration { return min(time.Duration(1<<min(n, 10))*10*time.Second, time.Hour) },
		RestartMin: time.Second, RestartMax: time.Minute, LiveWindow: time.Minute}
}

// SetClock replaces the clock (tests).
func (q *Queue) SetClock(now func() time.Time) { q.now = now }

// Handle registers the handler for kind.
func (q *Queue) Handle(kind string, h Handler) { q.handlers[kind] = h }

// Every registers h as a periodic job.
func (q *Queue) Every(kind string, every time.Duration, h Handler) {
	q.handlers[kind] = h
	q.periodic[kind] = every
}

// Enqueue adds a job to run at runAt (zero: now). A non-empty uniqueKey
// makes it a no-op while a job with that key is pending.
func (q *Queue) Enqueue(ctx context.Context, kind string, payload any, runAt time.Time, uniqueKey string) error {
	return q.db.Tx(ctx, func(tx *store.Q) error { return q.EnqueueTx(ctx, tx, kind, payload, runAt, uniqueKey) })
}

// EnqueueTx enqueues inside the caller's transaction, so a job is queued
// if and only if the change that needs it commits.
func (q *Queue) EnqueueTx(ctx context.Context, tx *store.Q, kind string, payload any, runAt time.Time, uniqueKey string) error {
	data := []byte("{}")
	if payload != nil {
		var err error
		if data, err = json.Marshal(payload); err != nil {
			return fmt.Errorf("jobs: encode %s payload: %w", kind, err)
		}
	}
	now := q.now()
	if runAt.IsZero() {
		runAt = now
	}
	_, err := tx.EnqueueJob(ctx, store.Job{Kind: kind, Payload: string(data), UniqueKey: uniqueKey, RunAt: runAt, CreatedAt: now})
	return err
}

func periodicKey(kind string) string { return "periodic:" + kind }

func (q *Queue) kinds() []string {
	ks := make([]string, 0, len(q.handlers))
	for k := range q.handlers {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// RunOnce claims and runs the jobs due now, waiting for them; it returns
// how many it ran. `fairline sweep` and tests use it.
func (q *Queue) RunOnce(ctx context.Context) (int, error) {
	if err := q.schedulePeriodic(ctx); err != nil {
		return 0, err
	}
	total := 0
	for {
		jobs, err := q.claim(ctx, max(q.Concurrency, 1))
		if err != nil || len(jobs) == 0 {
			return total, err
		}
		var wg sync.WaitGroup
		for _, j := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				q.run(ctx, j)
			}()
		}
		wg.Wait()
		total += len(jobs)
	}
}

// Run works the queue until ctx is cancelled, then waits for running jobs
// to finish (their context is not cancelled: shutdown lets them complete).
// It fails only when it cannot start (the periodic jobs cannot be
// scheduled); serve runs it under Supervise, which starts it again.
func (q *Queue) Run(ctx context.Context) error {
	defer q.beat.Store(0)
	if err := q.schedulePeriodic(ctx); err != nil {
		return err
	}
	sem := make(chan struct{}, max(q.Concurrency, 1))
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		q.beat.Store(time.Now().UnixNano())
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		free := cap(sem) - len(sem)
		if free > 0 {
			jobs, err := q.claim(context.WithoutCancel(ctx), free)
			if err != nil {
				q.log.Error("job claim failed", "err", err)
			}
			for _, j := range jobs {
				sem <- struct{}{}
				wg.Add(1)
				go func() {
					defer func() { <-sem; wg.Done() }()
					q.run(context.WithoutCancel(ctx), j)
				}()
			}
			if len(jobs) == free {
				timer.Reset(0)
				continue
			}
		}
		timer.Reset(q.Poll)
	}
}

// Supervise runs Run until ctx is cancelled, starting it again whenever it
// fails or panics, so a database that refuses writes for a while (read-only,
// full, restarting) pauses background work instead of ending it. The wait
// before a restart doubles from RestartMin with each failure in a row, up to
// RestartMax, and starts again from RestartMin after a run that lasted longer
// than RestartMax.
func (q *Queue) Supervise(ctx context.Context) {
	delay := max(q.RestartMin, time.Millisecond)
	for {
		start := time.Now()
		err := q.runRecovered(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("jobs: the job runner returned without being stopped")
		}
		if time.Since(start) > q.RestartMax {
			delay = max(q.RestartMin, time.Millisecond)
		}
		q.log.Error("background jobs stopped; restarting", "err", err, "in", delay)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, max(q.RestartMax, delay))
	}
}

func (q *Queue) runRecovered(ctx context.Context) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("jobs: the job runner panicked: %v", p)
		}
	}()
	return q.Run(ctx)
}

// Alive reports whether a Run loop is working the queue: nil while one runs
// and has come round within LiveWindow. /readyz reports it.
func (q *Queue) Alive() error {
	b := q.beat.Load()
	if b == 0 {
		return errors.New("jobs: the job runner is not running")
	}
	if age := time.Since(time.Unix(0, b)); age > q.LiveWindow {
		return fmt.Errorf("jobs: the job runner's loop has not come round for %s", age.Round(time.Second))
	}
	return nil
}

// WaitAlive waits until Alive passes, for at most timeout; serve calls it
// after starting Supervise so that it is ready when it says it is.
func (q *Queue) WaitAlive(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := q.Alive()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// schedulePeriodic makes sure each periodic job has a pending instance.
func (q *Queue) schedulePeriodic(ctx context.Context) error {
	for kind := range q.periodic {
		if err := q.Enqueue(ctx, kind, nil, time.Time{}, periodicKey(kind)); err != nil {
			return err
		}
	}
	return nil
}

func (q *Queue) claim(ctx context.Context, n int) ([]store.Job, error) {
	now := q.now()
	var jobs []store.Job
	err := q.db.Tx(ctx, func(tx *store.Q) error {
		var err error
		jobs, err = tx.ClaimJobs(ctx, q.kinds(), q.worker, now, now.Add(q.Lease), n)
		return err
	})
	return jobs, err
}

var errLeaseLost = errors.New("jobs: lease lost to another worker")

func (q *Queue) run(ctx context.Context, j store.Job) {
	start := q.now()
	jctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := make(chan struct{})
	go q.renew(jctx, cancel, j.ID, stop)
	err := q.handlers[j.Kind](jctx, json.RawMessage(j.Payload))
	close(stop)
	if cause := context.Cause(jctx); errors.Is(cause, errLeaseLost) {
		q.log.Warn("job lease lost; another worker owns it now", "kind", j.Kind, "job", j.ID)
		return
	}
	ctx = context.WithoutCancel(ctx)
	if err != nil {
		next := q.now().Add(q.Backoff(j.Attempts))
		if rerr := q.db.Q().RetryJob(ctx, j.ID, q.worker, next, err.Error()); rerr != nil {
			q.log.Error("job retry bookkeeping failed", "kind", j.Kind, "job", j.ID, "err", rerr)
		}
		q.log.Warn("job failed", "kind", j.Kind, "job", j.ID, "attempt", j.Attempts, "of", j.MaxAttempts, "err", err)
		return
	}
	err = q.db.Tx(ctx, func(tx *store.Q) error {
		if err := tx.CompleteJob(ctx, j.ID, q.worker); err != nil {
			return err
		}
		if every, ok := q.periodic[j.Kind]; ok && j.UniqueKey == periodicKey(j.Kind) {
			return q.EnqueueTx(ctx, tx, j.Kind, nil, start.Add(every), periodicKey(j.Kind))
		}
		return nil
	})
	if err != nil {
		q.log.Error("job completion failed", "kind", j.Kind, "job", j.ID, "err", err)
		return
	}
	q.log.Debug("job done", "kind", j.Kind, "job", j.ID, "took", q.now().Sub(start))
}

// renew extends the lease until stop closes; if the lease is lost the job's
// context is cancelled so it stops work another worker now owns.
func (q *Queue) renew(ctx context.Context, cancel context.CancelCauseFunc, id int64, stop <-chan struct{}) {
	t := time.NewTicker(max(q.Lease/3, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			err := q.db.Q().ExtendJobLock(ctx, id, q.worker, q.now().Add(q.Lease))
			if errors.Is(err, store.ErrNotFound) {
				cancel(errLeaseLost)
				return
			}
			if err != nil {
				q.log.Warn("job lease renewal failed", "job", id, "err", err)
			}
		}
	}
}
