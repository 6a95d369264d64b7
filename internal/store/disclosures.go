package store

import (
	"context"
	"fmt"
	"time"
)

// Disclosure is one entry of the disclosure register.
type Disclosure struct {
	ID            int64
	RecordingID   string
	ServiceArea   string
	Recipient     string
	LawfulBasis   string
	Reason        string
	Reference     string
	DisclosedBy   string
	DisclosedAt   time.Time
	LinkHash      string
	LinkExpiresAt time.Time
	LinkUsedAt    time.Time
}

const disclosureColumns = `id, recording_id, service_area, recipient, lawful_basis, reason, reference, disclosed_by, disclosed_at,
	link_hash, link_expires_at, link_used_at`

func scanDisclosure(s scanner) (Disclosure, error) {
	var d Disclosure
	var at, exp, used int64
	if err := s.Scan(&d.ID, &d.RecordingID, &d.ServiceArea, &d.Recipient, &d.LawfulBasis, &d.Reason, &d.Reference, &d.DisclosedBy,
		&at, &d.LinkHash, &exp, &used); err != nil {
		return Disclosure{}, mapErr(err)
	}
	d.DisclosedAt, d.LinkExpiresAt, d.LinkUsedAt = fromMicros(at), fromMicros(exp), fromMicros(used)
	return d, nil
}

// CreateDisclosure records a disclosure.
func (q *Q) CreateDisclosure(ctx context.Context, d Disclosure) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `INSERT INTO disclosures (recording_id, service_area, recipient, lawful_basis, reason, reference,
		disclosed_by, disclosed_at, link_hash, link_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		d.RecordingID, d.ServiceArea, d.Recipient, d.LawfulBasis, d.Reason, d.Reference, d.DisclosedBy, toMicros(d.DisclosedAt),
		d.LinkHash, toMicros(d.LinkExpiresAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: record disclosure: %w", mapErr(err))
	}
	return id, nil
}

// UseDisclosureLink spends a download link: it succeeds once, before
// expiry, and returns the disclosure; every other call gets ErrNotFound.
func (q *Q) UseDisclosureLink(ctx context.Context, hash string, now time.Time) (Disclosure, error) {
	d, err := scanDisclosure(q.queryRow(ctx, `UPDATE disclosures SET link_used_at = ?
		WHERE link_hash = ? AND link_used_at = 0 AND link_expires_at > ? RETURNING `+disclosureColumns,
		toMicros(now), hash, toMicros(now)))
	return d, err
}

// Disclosures lists the register, newest first.
func (q *Q) Disclosures(ctx context.Context, limit int) ([]Disclosure, error) {
	rows, err := q.query(ctx, `SELECT `+disclosureColumns+` FROM disclosures ORDER BY disclosed_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list disclosures: %w", err)
	}
	return collect(rows, scanDisclosure)
}
