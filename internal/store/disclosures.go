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
	// LegalDisclosureID is the approved request of a disclosure required
	// by law to a recipient outside the policy (0 for the policy's own).
	LegalDisclosureID int64
}

const disclosureColumns = `id, recording_id, service_area, recipient, lawful_basis, reason, reference, disclosed_by, disclosed_at,
	link_hash, link_expires_at, link_used_at, legal_disclosure_id`

func scanDisclosure(s scanner) (Disclosure, error) {
	var d Disclosure
	var at, exp, used int64
	if err := s.Scan(&d.ID, &d.RecordingID, &d.ServiceArea, &d.Recipient, &d.LawfulBasis, &d.Reason, &d.Reference, &d.DisclosedBy,
		&at, &d.LinkHash, &exp, &used, &d.LegalDisclosureID); err != nil {
		return Disclosure{}, err
	}
	d.DisclosedAt, d.LinkExpiresAt, d.LinkUsedAt = fromMicros(at), fromMicros(exp), fromMicros(used)
	return d, nil
}

// CreateDisclosure records a disclosure.
func (q *Q) CreateDisclosure(ctx context.Context, d Disclosure) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `INSERT INTO disclosures (recording_id, service_area, recipient, lawful_basis, reason, reference,
		disclosed_by, disclosed_at, link_hash, link_expires_at, legal_disclosure_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		d.RecordingID, d.ServiceArea, d.Recipient, d.LawfulBasis, d.Reason, d.Reference, d.DisclosedBy, toMicros(d.DisclosedAt),
		d.LinkHash, toMicros(d.LinkExpiresAt), d.LegalDisclosureID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: record disclosure: %w", err)
	}
	return id, nil
}

// Disclosures lists the register of disclosures to the policy's
// recipients, newest first; those required by law are listed apart
// (LegalDisclosures).
func (q *Q) Disclosures(ctx context.Context, limit int) ([]Disclosure, error) {
	rows, err := q.query(ctx, `SELECT `+disclosureColumns+` FROM disclosures WHERE legal_disclosure_id = 0
		ORDER BY disclosed_at DESC, id DESC LIMIT ?`, limit)
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
	return claimLink(ctx, q, DisclosureLinks, disclosureColumns, scanDisclosure, hash, claim, now, until)
}

// LegalDisclosure is a request to disclose a recording because the law
// requires it, to a recipient outside the policy, with its second
// approval (migration 0014_rights_more says where it lives and how long).
type LegalDisclosure struct {
	ID          int64
	RecordingID string
	ServiceArea string
	Recipient   string // the organisation, by name
	LegalBasis  string // the law or order that requires the release
	LawfulBasis string // the UK GDPR article
	Reason      string
	Reference   string
	RequestedBy string
	RequestedAt time.Time
	Decision    string // "" while waiting, "approved" or "refused"
	DecidedBy   string
	DecidedAt   time.Time
	// DisclosureID is the release made on approval; its link's state is
	// read with it.
	DisclosureID  int64
	LinkExpiresAt time.Time
	LinkUsedAt    time.Time
}

const legalDisclosureColumns = `l.id, l.recording_id, l.service_area, l.recipient, l.legal_basis, l.lawful_basis, l.reason, l.reference,
	l.requested_by, l.requested_at, l.decision, l.decided_by, l.decided_at, l.disclosure_id,
	COALESCE(d.link_expires_at, 0), COALESCE(d.link_used_at, 0)`

const legalDisclosureFrom = ` FROM legal_disclosures l LEFT JOIN disclosures d ON d.id = l.disclosure_id`

func scanLegalDisclosure(s scanner) (LegalDisclosure, error) {
	var l LegalDisclosure
	var req, dec, exp, used int64
	err := s.Scan(&l.ID, &l.RecordingID, &l.ServiceArea, &l.Recipient, &l.LegalBasis, &l.LawfulBasis, &l.Reason, &l.Reference,
		&l.RequestedBy, &req, &l.Decision, &l.DecidedBy, &dec, &l.DisclosureID, &exp, &used)
	l.RequestedAt, l.DecidedAt, l.LinkExpiresAt, l.LinkUsedAt = fromMicros(req), fromMicros(dec), fromMicros(exp), fromMicros(used)
	return l, err
}

// CreateLegalDisclosure records a request waiting for its second approval.
func (q *Q) CreateLegalDisclosure(ctx context.Context, l LegalDisclosure) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `INSERT INTO legal_disclosures (recording_id, service_area, recipient, legal_basis, lawful_basis, reason,
		reference, requested_by, requested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, l.RecordingID, l.ServiceArea, l.Recipient,
		l.LegalBasis, l.LawfulBasis, l.Reason, l.Reference, l.RequestedBy, toMicros(l.RequestedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: record legal disclosure: %w", err)
	}
	return id, nil
}

// LegalDisclosureByID returns one request; in a transaction on PostgreSQL
// the row stays locked to its end, so two decisions serialise.
func (q *Q) LegalDisclosureByID(ctx context.Context, id int64) (LegalDisclosure, error) {
	lock := ""
	if q.forUpdate() != "" {
		lock = " FOR UPDATE OF l"
	}
	return scanLegalDisclosure(q.queryRow(ctx, `SELECT `+legalDisclosureColumns+legalDisclosureFrom+` WHERE l.id = ?`+lock, id))
}

// DecideLegalDisclosure records the second officer's decision on a
// waiting request; ErrNotFound when it was already decided.
func (q *Q) DecideLegalDisclosure(ctx context.Context, l LegalDisclosure) error {
	res, err := q.exec(ctx, `UPDATE legal_disclosures SET decision = ?, decided_by = ?, decided_at = ?, disclosure_id = ?
		WHERE id = ? AND decision = ''`, l.Decision, l.DecidedBy, toMicros(l.DecidedAt), l.DisclosureID, l.ID)
	if err != nil {
		return fmt.Errorf("store: decide legal disclosure: %w", err)
	}
	return mustAffect(res)
}

// LegalDisclosures lists the requests: waiting ones first, then the
// decided ones, newest first.
func (q *Q) LegalDisclosures(ctx context.Context, limit int) ([]LegalDisclosure, error) {
	rows, err := q.query(ctx, `SELECT `+legalDisclosureColumns+legalDisclosureFrom+`
		ORDER BY CASE WHEN l.decision = '' THEN 0 ELSE 1 END, l.requested_at DESC, l.id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list legal disclosures: %w", err)
	}
	return collect(rows, scanLegalDisclosure)
}

// PendingLegalDisclosures counts the requests still waiting for approval
// on a recording.
func (q *Q) PendingLegalDisclosures(ctx context.Context, recordingID string) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM legal_disclosures WHERE recording_id = ? AND decision = ''`, recordingID).Scan(&n)
	return n, err
}
