package store

import (
	"context"
	"fmt"
	"time"
)

// AuditRow is one stored audit entry with its place in the hash chain. Only
// the audit package uses it; everyone else sees audit.Entry.
type AuditRow struct {
	Seq      int64
	At       time.Time
	Actor    string
	Action   string
	Object   string
	Purpose  string
	Outcome  string
	PrevHash string
	Hash     string
}

// AuditHead is the stored chain head.
type AuditHead struct {
	Seq  int64
	Hash string
	MAC  string
}

// AuditHeadForUpdate reads the head, locking it for the transaction so
// appends are serialised. A zero head means an empty log.
func (q *Q) AuditHeadForUpdate(ctx context.Context) (AuditHead, error) {
	var h AuditHead
	err := q.queryRow(ctx, `SELECT seq, hash, mac FROM audit_head WHERE id = 1`+q.forUpdate()).Scan(&h.Seq, &h.Hash, &h.MAC)
	if err != ErrNotFound {
		return h, err
	}
	// An empty log has no head row to lock, so two first appends would both
	// take seq 1. Create the row (the append replaces it in this
	// transaction); a concurrent first append waits on it, then reads the
	// head that one committed.
	if _, err := q.exec(ctx, `INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, 0, '', '') ON CONFLICT (id) DO NOTHING`); err != nil {
		return h, fmt.Errorf("store: create audit head: %w", err)
	}
	err = q.queryRow(ctx, `SELECT seq, hash, mac FROM audit_head WHERE id = 1`+q.forUpdate()).Scan(&h.Seq, &h.Hash, &h.MAC)
	return h, err
}

// AppendAudit inserts r and moves the head to it. Call inside a transaction
// that read the head with AuditHeadForUpdate.
func (q *Q) AppendAudit(ctx context.Context, r AuditRow, head AuditHead) error {
	return q.AppendAuditRows(ctx, []AuditRow{r}, head)
}

// AppendAuditRows inserts consecutive entries and moves the head to the
// last, in the caller's transaction (which read the head with
// AuditHeadForUpdate): one statement per 500 entries, for bulk actions
// such as a retention sweep.
func (q *Q) AppendAuditRows(ctx context.Context, rows []AuditRow, head AuditHead) error {
	if !q.inTx {
		return fmt.Errorf("store: audit append outside a transaction")
	}
	err := q.insertMany(ctx, `INSERT INTO audit_log (seq, at, actor, action, object, purpose, outcome, prev_hash, hash) VALUES `,
		9, len(rows), 500, func(dst []any, i int) []any {
			r := rows[i]
			return append(dst, r.Seq, toMicros(r.At), r.Actor, r.Action, r.Object, r.Purpose, r.Outcome, r.PrevHash, r.Hash)
		})
	if err != nil {
		return fmt.Errorf("store: append audit: %w", err)
	}
	if _, err := q.exec(ctx, `INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac`,
		head.Seq, head.Hash, head.MAC); err != nil {
		return fmt.Errorf("store: move audit head: %w", err)
	}
	return nil
}

// AuditHead reads the head without locking.
func (q *Q) AuditHead(ctx context.Context) (AuditHead, error) {
	var h AuditHead
	err := q.queryRow(ctx, `SELECT seq, hash, mac FROM audit_head WHERE id = 1`).Scan(&h.Seq, &h.Hash, &h.MAC)
	if err == ErrNotFound {
		return AuditHead{}, nil
	}
	return h, err
}

// EachAudit calls fn for every entry in seq order, streaming, so verifying a
// long log needs constant memory.
func (q *Q) EachAudit(ctx context.Context, fn func(AuditRow) error) error {
	rows, err := q.query(ctx, `SELECT seq, at, actor, action, object, purpose, outcome, prev_hash, hash FROM audit_log ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("store: read audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return mapErr(rows.Err())
}

// AuditFilter selects entries for the console, newest first.
type AuditFilter struct {
	Action    string // exact action or prefix ending in "."
	Actor     string
	BeforeSeq int64 // page before this seq; 0 for the newest
	Limit     int
}

// AuditEntries lists entries matching f, newest first.
func (q *Q) AuditEntries(ctx context.Context, f AuditFilter) ([]AuditRow, error) {
	where, args := "1=1", []any{}
	if f.Action != "" {
		if f.Action[len(f.Action)-1] == '.' {
			where += " AND action LIKE ?"
			args = append(args, f.Action+"%")
		} else {
			where += " AND action = ?"
			args = append(args, f.Action)
		}
	}
	if f.Actor != "" {
		where += " AND actor = ?"
		args = append(args, f.Actor)
	}
	if f.BeforeSeq > 0 {
		where += " AND seq < ?"
		args = append(args, f.BeforeSeq)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	args = append(args, f.Limit)
	rows, err := q.query(ctx, `SELECT seq, at, actor, action, object, purpose, outcome, prev_hash, hash
		FROM audit_log WHERE `+where+` ORDER BY seq DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditRow
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}

func scanAudit(s scanner) (AuditRow, error) {
	var r AuditRow
	var at int64
	if err := s.Scan(&r.Seq, &at, &r.Actor, &r.Action, &r.Object, &r.Purpose, &r.Outcome, &r.PrevHash, &r.Hash); err != nil {
		return AuditRow{}, err
	}
	r.At = fromMicros(at)
	return r, nil
}
