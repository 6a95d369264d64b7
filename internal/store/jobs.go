package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Job is a unit of durable background work.
type Job struct {
	ID          int64
	Kind        string
	Payload     string // JSON
	UniqueKey   string
	State       string
	RunAt       time.Time
	Attempts    int
	MaxAttempts int
	LockedBy    string
	LockedUntil time.Time
	LastError   string
	CreatedAt   time.Time
}

const jobColumns = `id, kind, payload, COALESCE(unique_key, ''), state, run_at, attempts, max_attempts, locked_by, locked_until, last_error, created_at`

func scanJob(s scanner) (Job, error) {
	var j Job
	var runAt, lockedUntil, created int64
	if err := s.Scan(&j.ID, &j.Kind, &j.Payload, &j.UniqueKey, &j.State, &runAt, &j.Attempts, &j.MaxAttempts,
		&j.LockedBy, &lockedUntil, &j.LastError, &created); err != nil {
		return Job{}, err
	}
	j.RunAt, j.LockedUntil, j.CreatedAt = fromMicros(runAt), fromMicros(lockedUntil), fromMicros(created)
	return j, nil
}

// EnqueueJob adds j. With a UniqueKey, a job with the same key that is
// still queued or running makes this a no-op (returns 0, nil).
func (q *Q) EnqueueJob(ctx context.Context, j Job) (int64, error) {
	var key any
	if j.UniqueKey != "" {
		key = j.UniqueKey
	}
	if j.Payload == "" {
		j.Payload = "{}"
	}
	if j.MaxAttempts <= 0 {
		j.MaxAttempts = 5
	}
	var id int64
	err := q.queryRow(ctx, `INSERT INTO jobs (kind, payload, unique_key, run_at, max_attempts, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (unique_key) DO NOTHING RETURNING id`,
		j.Kind, j.Payload, key, toMicros(j.RunAt), j.MaxAttempts, toMicros(j.CreatedAt)).Scan(&id)
	if err == ErrNotFound {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: enqueue %s: %w", j.Kind, err)
	}
	return id, nil
}

// ClaimJobs locks up to limit due jobs of the given kinds for worker until
// lockUntil and returns them. Jobs whose previous lock expired (a crashed
// worker) are due again. On PostgreSQL, SKIP LOCKED lets several instances
// claim at once without blocking or double-claiming; on SQLite the
// transaction's write lock serialises claimers.
func (q *Q) ClaimJobs(ctx context.Context, kinds []string, worker string, now, lockUntil time.Time, limit int) ([]Job, error) {
	if len(kinds) == 0 || limit <= 0 {
		return nil, nil
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(kinds)), ", ")
	args := []any{worker, toMicros(lockUntil)}
	inner := `SELECT id FROM jobs WHERE kind IN (` + marks + `) AND run_at <= ?
		AND (state = 'queued' OR (state = 'running' AND locked_until <= ?)) ORDER BY run_at, id LIMIT ?`
	for _, k := range kinds {
		args = append(args, k)
	}
	args = append(args, toMicros(now), toMicros(now), limit)
	if q.dialect == Postgres {
		inner += ` FOR UPDATE SKIP LOCKED`
	}
	rows, err := q.query(ctx, `UPDATE jobs SET state = 'running', locked_by = ?, locked_until = ?, attempts = attempts + 1
		WHERE id IN (`+inner+`) RETURNING `+jobColumns, args...)
	if err != nil {
		return nil, fmt.Errorf("store: claim jobs: %w", err)
	}
	return collect(rows, scanJob)
}

// ExtendJobLock keeps a long job's claim alive. It fails with ErrNotFound
// when the worker no longer holds the job.
func (q *Q) ExtendJobLock(ctx context.Context, id int64, worker string, until time.Time) error {
	res, err := q.exec(ctx, `UPDATE jobs SET locked_until = ? WHERE id = ? AND locked_by = ? AND state = 'running'`,
		toMicros(until), id, worker)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// CompleteJob removes a finished job held by worker.
func (q *Q) CompleteJob(ctx context.Context, id int64, worker string) error {
	_, err := q.exec(ctx, `DELETE FROM jobs WHERE id = ? AND locked_by = ?`, id, worker)
	return err
}

// RetryJob releases a failed attempt to run again at runAt, or marks the
// job failed for good when it has used its attempts (freeing its unique key,
// so a periodic job is scheduled afresh while the failure stays on record).
func (q *Q) RetryJob(ctx context.Context, id int64, worker string, runAt time.Time, lastError string) error {
	_, err := q.exec(ctx, `UPDATE jobs SET
		state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
		unique_key = CASE WHEN attempts >= max_attempts THEN NULL ELSE unique_key END,
		run_at = ?, locked_by = '', locked_until = 0, last_error = ?
		WHERE id = ? AND locked_by = ?`, toMicros(runAt), lastError, id, worker)
	return err
}

// JobFilter selects jobs for the console and tests.
type JobFilter struct {
	Kind  string
	State string
}

// Jobs lists jobs, oldest due first.
func (q *Q) Jobs(ctx context.Context, f JobFilter) ([]Job, error) {
	where, args := "1=1", []any{}
	if f.Kind != "" {
		where += " AND kind = ?"
		args = append(args, f.Kind)
	}
	if f.State != "" {
		where += " AND state = ?"
		args = append(args, f.State)
	}
	rows, err := q.query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE `+where+` ORDER BY run_at, id LIMIT 1000`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list jobs: %w", err)
	}
	return collect(rows, scanJob)
}
