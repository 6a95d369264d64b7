package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// APIToken is a machine client's credential.
type APIToken struct {
	ID         int64
	Name       string
	TokenHash  string
	Scopes     []string
	CreatedBy  string
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
}

const tokenColumns = `id, name, token_hash, scopes, created_by, created_at, last_used_at, revoked_at`

func scanToken(s scanner) (APIToken, error) {
	var t APIToken
	var scopes string
	var created, used, revoked int64
	if err := s.Scan(&t.ID, &t.Name, &t.TokenHash, &scopes, &t.CreatedBy, &created, &used, &revoked); err != nil {
		return APIToken{}, err
	}
	t.Scopes = strings.Fields(scopes)
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = fromMicros(created), fromMicros(used), fromMicros(revoked)
	return t, nil
}

// CreateAPIToken stores t and returns its id.
func (q *Q) CreateAPIToken(ctx context.Context, t APIToken) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `INSERT INTO api_tokens (name, token_hash, scopes, created_by, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		t.Name, t.TokenHash, strings.Join(t.Scopes, " "), t.CreatedBy, toMicros(t.CreatedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: create API token: %w", err)
	}
	return id, nil
}

// APITokenByHash finds a token by the hash of its secret.
func (q *Q) APITokenByHash(ctx context.Context, hash string) (APIToken, error) {
	return scanToken(q.queryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE token_hash = ?`, hash))
}

// APITokens lists tokens, newest first.
func (q *Q) APITokens(ctx context.Context) ([]APIToken, error) {
	rows, err := q.query(ctx, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: list API tokens: %w", err)
	}
	return collect(rows, scanToken)
}

// RevokeAPIToken marks a token revoked; revoking twice keeps the first time.
func (q *Q) RevokeAPIToken(ctx context.Context, id int64, at time.Time) error {
	res, err := q.exec(ctx, `UPDATE api_tokens SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END WHERE id = ?`, toMicros(at), id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// TouchAPIToken records use, at most once a minute per token.
func (q *Q) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND last_used_at < ?`,
		toMicros(at), id, toMicros(at.Add(-time.Minute)))
	return err
}
