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
		return Disclosure{}, err
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
		return 0, fmt.Errorf("store: record disclosure: %w", err)
	}
	return id, nil
}

// Disclosures lists the register, newest first.
func (q *Q) Disclosures(ctx context.Context, limit int) ([]Disclosure, error) {
	rows, err := q.query(ctx, `SELECT `+disclosureColumns+` FROM disclosures ORDER BY disclosed_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list disclosures: %w", err)
	}
	return collect(rows, scanDisclosure)
}

// DisclosureByLink returns the disclosure a link's hash belongs to while the
// link can still be collected (unused and unexpired); otherwise ErrNotFound.
func (q *Q) DisclosureByLink(ctx context.Context, hash string, now time.Time) (Disclosure, error) {
	return scanDisclosure(q.queryRow(ctx, `SELECT `+disclosureColumns+` FROM disclosures
		WHERE link_hash = ? AND link_used_at = 0 AND link_expires_at > ?`, hash, toMicros(now)))
}

// ClaimDisclosureLink lets one transfer at a time collect a link: it
// records claim until the given time if the link is unused, unexpired and
// not claimed by a transfer still in its lease. One UPDATE decides, so two
// processes sharing the database cannot both hold the claim. It returns
// ErrNotFound for a spent or expired link and ErrConflict while another
// transfer holds it.
func (q *Q) ClaimDisclosureLink(ctx context.Context, hash, claim string, now, until time.Time) (Disclosure, error) {
	return claimLink(ctx, q, "disclosures", disclosureColumns, scanDisclosure, hash, claim, now, until)
}

// SpendDisclosureLink marks a claimed link used, once its transfer has
// written the whole recording. ErrNotFound means the claim is no longer
// this transfer's (or the link was spent).
func (q *Q) SpendDisclosureLink(ctx context.Context, id int64, claim string, now time.Time) error {
	return spendLink(ctx, q, "disclosures", id, claim, now)
}

// ReleaseDisclosureLink gives up a claim after a failed transfer, so the
// link can be used again at once.
func (q *Q) ReleaseDisclosureLink(ctx context.Context, id int64, claim string) error {
	return releaseLink(ctx, q, "disclosures", id, claim)
}
