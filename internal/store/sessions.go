package store

import (
	"context"
	"fmt"
	"time"
)

// Session is a signed-in staff session. ID is the SHA-256 of the cookie
// token, so a copy of the table cannot be replayed as cookies.
type Session struct {
	ID         string
	UserID     int64
	Method     string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// CreateSession stores s.
func (q *Q) CreateSession(ctx context.Context, s Session) error {
	_, err := q.exec(ctx, `INSERT INTO sessions (id, user_id, method, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, s.ID, s.UserID, s.Method, toMicros(s.CreatedAt), toMicros(s.LastSeenAt), toMicros(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SessionByID returns a session whatever its expiry; the caller decides.
func (q *Q) SessionByID(ctx context.Context, id string) (Session, error) {
	var s Session
	var created, seen, expires int64
	err := q.queryRow(ctx, `SELECT id, user_id, method, created_at, last_seen_at, expires_at FROM sessions WHERE id = ?`, id).
		Scan(&s.ID, &s.UserID, &s.Method, &created, &seen, &expires)
	if err != nil {
		return Session{}, err
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = fromMicros(created), fromMicros(seen), fromMicros(expires)
	return s, nil
}

// TouchSession moves last_seen_at forward (idle timeout).
func (q *Q) TouchSession(ctx context.Context, id string, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ?`, toMicros(at), id)
	return err
}

// DeleteSession ends one session.
func (q *Q) DeleteSession(ctx context.Context, id string) error {
	_, err := q.exec(ctx, `DELETE FROM sessions WHERE id = ?`, id)
	return err
}

// DeleteUserSessions ends every session of a user (disable, password change).
func (q *Q) DeleteUserSessions(ctx context.Context, userID int64) error {
	_, err := q.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	return err
}

// DeleteExpiredSessions removes sessions past their absolute expiry.
func (q *Q) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, toMicros(now))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return n, mapErr(err)
}

// Throttle is the failed sign-in state for one throttle key.
type Throttle struct {
	Failures    int
	LockedUntil time.Time
}

// ThrottleByKey returns the state for key, zero when none.
func (q *Q) ThrottleByKey(ctx context.Context, key string) (Throttle, error) {
	var t Throttle
	var until int64
	err := q.queryRow(ctx, `SELECT failures, locked_until FROM login_throttle WHERE key = ?`+q.forUpdate(), key).Scan(&t.Failures, &until)
	if err != nil {
		if err == ErrNotFound {
			return Throttle{}, nil
		}
		return Throttle{}, err
	}
	t.LockedUntil = fromMicros(until)
	return t, nil
}

// SetThrottle writes the state for key.
func (q *Q) SetThrottle(ctx context.Context, key string, t Throttle, now time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO login_throttle (key, failures, locked_until, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until, updated_at = excluded.updated_at`,
		key, t.Failures, toMicros(t.LockedUntil), toMicros(now))
	return err
}

// ThrottlePolicy is the lock-out rule ReserveAttempt applies: the first
// Free attempts are free; attempt Free+n locks for Base<<n, at most Max.
type ThrottlePolicy struct {
	Free      int
	Base, Max time.Duration
}

// ReserveAttempt counts one attempt for key before the password is checked,
// in one statement, so parallel requests and several processes sharing the
// database cannot all slip under the allowance: the counter moves only while
// key is not locked, and the lock the attempt earns (if any) is set in the
// same statement. It returns whether the attempt may go ahead and the state
// after it (on refusal, the lock in force). A success must ClearThrottle.
//
// The attempt is counted as a failure up front; a success clears it, and a
// crash while checking leaves it counted, which errs on the side of the lock.
func (q *Q) ReserveAttempt(ctx context.Context, key string, now time.Time, p ThrottlePolicy) (bool, Throttle, error) {
	// shifts is how many doublings of Base reach Max: from there on the
	// lock is Max (the CASE keeps the shift small on both databases).
	shifts := 0
	for p.Base<<shifts < p.Max && shifts < 40 {
		shifts++
	}
	now64 := toMicros(now)
	first := Throttle{Failures: 1}
	if first.Failures >= p.Free {
		first.LockedUntil = now.Add(min(p.Base, p.Max))
	}
	var t Throttle
	var until int64
	err := q.queryRow(ctx, `INSERT INTO login_throttle (key, failures, locked_until, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET
			failures = login_throttle.failures + 1,
			locked_until = CASE
				WHEN login_throttle.failures + 1 < CAST(? AS BIGINT) THEN 0
				WHEN login_throttle.failures + 1 - CAST(? AS BIGINT) >= CAST(? AS BIGINT) THEN CAST(? AS BIGINT)
				ELSE CAST(? AS BIGINT) + (CAST(? AS BIGINT) << (login_throttle.failures + 1 - CAST(? AS INTEGER)))
			END,
			updated_at = excluded.updated_at
		WHERE login_throttle.locked_until <= CAST(? AS BIGINT)
		RETURNING failures, locked_until`,
		key, first.Failures, toMicros(first.LockedUntil), now64,
		p.Free,
		p.Free, shifts, now64+p.Max.Microseconds(),
		now64, p.Base.Microseconds(), p.Free,
		now64).Scan(&t.Failures, &until)
	if err == ErrNotFound {
		// The row exists and is locked: nothing was updated.
		t, err = q.ThrottleByKey(ctx, key)
		return false, t, err
	}
	if err != nil {
		return false, Throttle{}, fmt.Errorf("store: reserve sign-in attempt: %w", err)
	}
	t.LockedUntil = fromMicros(until)
	return true, t, nil
}

// ClearThrottle forgets failures for key after a successful sign-in.
func (q *Q) ClearThrottle(ctx context.Context, key string) error {
	_, err := q.exec(ctx, `DELETE FROM login_throttle WHERE key = ?`, key)
	return err
}
