package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// OIDCState is one sign-in started with an OpenID Connect provider: what
// the callback needs to finish it. Retention, location and deletion: see
// migration 0019_oidc.sql (until used, or ten minutes).
type OIDCState struct {
	StateHash    string // SHA-256 of the state parameter, hex
	Nonce        string
	CodeVerifier string
	NextPath     string
	CreatedAt    time.Time
	ExpiresAt    time.Time
}

// CreateOIDCState stores s.
func (q *Q) CreateOIDCState(ctx context.Context, s OIDCState) error {
	_, err := q.exec(ctx, `INSERT INTO oidc_states (state_hash, nonce, code_verifier, next_path, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, s.StateHash, s.Nonce, s.CodeVerifier, s.NextPath, toMicros(s.CreatedAt), toMicros(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("store: create OIDC state: %w", err)
	}
	return nil
}

// TakeOIDCState deletes and returns the unexpired state with hash, so a
// state works once on whichever instance sees it first; ErrNotFound when
// there is none (never issued, used already or expired). Expired states of
// other sign-ins are deleted on the way.
func (q *Q) TakeOIDCState(ctx context.Context, hash string, now time.Time) (OIDCState, error) {
	if _, err := q.exec(ctx, `DELETE FROM oidc_states WHERE expires_at <= ?`, toMicros(now)); err != nil {
		return OIDCState{}, fmt.Errorf("store: sweep OIDC states: %w", err)
	}
	var s OIDCState
	var created, expires int64
	err := q.queryRow(ctx, `DELETE FROM oidc_states WHERE state_hash = ?
		RETURNING state_hash, nonce, code_verifier, next_path, created_at, expires_at`, hash).
		Scan(&s.StateHash, &s.Nonce, &s.CodeVerifier, &s.NextPath, &created, &expires)
	if err != nil {
		return OIDCState{}, err
	}
	s.CreatedAt, s.ExpiresAt = fromMicros(created), fromMicros(expires)
	return s, nil
}

// UserBySubject finds the account an identity provider knows by subject.
func (q *Q) UserBySubject(ctx context.Context, provider, subject string) (User, error) {
	u, err := scanUser(q.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE auth_provider = ? AND subject = ?`, provider, subject))
	if err != nil {
		return User{}, err
	}
	return u, q.loadAreas(ctx, []*User{&u})
}

// SetUserIdentity records the e-mail address and name an identity provider
// gives for an account at sign-in.
func (q *Q) SetUserIdentity(ctx context.Context, id int64, email, displayName string, now time.Time) error {
	res, err := q.exec(ctx, `UPDATE users SET email = ?, display_name = ?, updated_at = ? WHERE id = ?`,
		strings.ToLower(email), displayName, toMicros(now), id)
	if err != nil {
		return fmt.Errorf("store: set user identity: %w", err)
	}
	return mustAffect(res)
}
