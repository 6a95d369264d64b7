package store

import (
	"context"
	"fmt"
	"time"
)

// PolicyVersion is a policy that was once active.
type PolicyVersion struct {
	ID          int64
	Hash        string
	Source      string
	Content     string
	ActivatedAt time.Time
}

// LatestPolicy returns the most recently activated policy, ErrNotFound when none.
func (q *Q) LatestPolicy(ctx context.Context) (PolicyVersion, error) {
	var p PolicyVersion
	var at int64
	err := q.queryRow(ctx, `SELECT id, hash, source, content, activated_at FROM policy_versions ORDER BY id DESC LIMIT 1`).
		Scan(&p.ID, &p.Hash, &p.Source, &p.Content, &at)
	if err != nil {
		return PolicyVersion{}, err
	}
	p.ActivatedAt = fromMicros(at)
	return p, nil
}

// AddPolicyVersion records a newly activated policy.
func (q *Q) AddPolicyVersion(ctx context.Context, p PolicyVersion) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `INSERT INTO policy_versions (hash, source, content, activated_at) VALUES (?, ?, ?, ?) RETURNING id`,
		p.Hash, p.Source, p.Content, toMicros(p.ActivatedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: record policy version: %w", err)
	}
	return id, nil
}

// PolicyVersions lists activation history, newest first.
func (q *Q) PolicyVersions(ctx context.Context, limit int) ([]PolicyVersion, error) {
	rows, err := q.query(ctx, `SELECT id, hash, source, activated_at FROM policy_versions ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list policy versions: %w", err)
	}
	defer rows.Close()
	var out []PolicyVersion
	for rows.Next() {
		var p PolicyVersion
		var at int64
		if err := rows.Scan(&p.ID, &p.Hash, &p.Source, &at); err != nil {
			return nil, mapErr(err)
		}
		p.ActivatedAt = fromMicros(at)
		out = append(out, p)
	}
	return out, mapErr(rows.Err())
}
