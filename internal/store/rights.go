package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The rights register's tables (migrations 0013_rights, 0014_rights_more): where each lives
// and how long is said there and in internal/rights.

// RightsRequest is one data-subject request in the register.
type RightsRequest struct {
	ID                     int64
	Kind                   string
	Channel                string
	ReceivedAt             time.Time // the day received (midnight UTC of the UK date)
	Identity               string
	IdentifiersCT          string // sealed identifiers; empty once destroyed
	IdentifiersDestroyedAt time.Time
	ExtensionMonths        int
	ExtensionReason        string
	DueAt                  time.Time
	Status                 string // "open" or "closed"
	Outcome                string
	ClosedAt               time.Time
	DestroyAfter           time.Time
	CreatedBy              string
	CreatedAt              time.Time
}

const rightsColumns = `id, kind, channel, received_at, identity, identifiers_ct, identifiers_destroyed_at, extension_months,
	extension_reason, due_at, status, outcome, closed_at, destroy_after, created_by, created_at`

func scanRightsRequest(s scanner) (RightsRequest, error) {
	var r RightsRequest
	var recv, destroyed, due, closed, destroy, created int64
	if err := s.Scan(&r.ID, &r.Kind, &r.Channel, &recv, &r.Identity, &r.IdentifiersCT, &destroyed, &r.ExtensionMonths,
		&r.ExtensionReason, &due, &r.Status, &r.Outcome, &closed, &destroy, &r.CreatedBy, &created); err != nil {
		return RightsRequest{}, err
	}
	r.ReceivedAt, r.IdentifiersDestroyedAt, r.DueAt = fromMicros(recv), fromMicros(destroyed), fromMicros(due)
	r.ClosedAt, r.DestroyAfter, r.CreatedAt = fromMicros(closed), fromMicros(destroy), fromMicros(created)
	return r, nil
}

// CreateRightsRequest inserts r (its identifiers are set afterwards, sealed
// to the id) and returns its id.
func (q *Q) CreateRightsRequest(ctx context.Context, r RightsRequest) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `INSERT INTO rights_requests (kind, channel, received_at, identity, due_at, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.Kind, r.Channel, toMicros(r.ReceivedAt), r.Identity, toMicros(r.DueAt),
		r.CreatedBy, toMicros(r.CreatedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: record rights request: %w", err)
	}
	return id, nil
}

// SetRightsIdentifiers stores a request's sealed identifiers.
func (q *Q) SetRightsIdentifiers(ctx context.Context, id int64, sealed string) error {
	res, err := q.exec(ctx, `UPDATE rights_requests SET identifiers_ct = ? WHERE id = ? AND identifiers_destroyed_at = 0`, sealed, id)
	if err != nil {
		return fmt.Errorf("store: set rights identifiers: %w", err)
	}
	return mustAffect(res)
}

// RightsRequestByID returns one request; in a transaction on PostgreSQL
// the row stays locked to its end, so two changes to a case serialise.
func (q *Q) RightsRequestByID(ctx context.Context, id int64) (RightsRequest, error) {
	return scanRightsRequest(q.queryRow(ctx, `SELECT `+rightsColumns+` FROM rights_requests WHERE id = ?`+q.forUpdate(), id))
}

// RightsRequests lists the register: open cases first by due date, then
// closed ones newest first; status "" is both.
func (q *Q) RightsRequests(ctx context.Context, status string, limit int) ([]RightsRequest, error) {
	where, args := "1=1", []any{}
	if status != "" {
		where, args = "status = ?", []any{status}
	}
	rows, err := q.query(ctx, `SELECT `+rightsColumns+` FROM rights_requests WHERE `+where+`
		ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, CASE WHEN status = 'open' THEN due_at ELSE -closed_at END, id
		LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: list rights requests: %w", err)
	}
	return collect(rows, scanRightsRequest)
}

// UpdateRightsRequest writes a request's changeable fields.
func (q *Q) UpdateRightsRequest(ctx context.Context, r RightsRequest) error {
	res, err := q.exec(ctx, `UPDATE rights_requests SET identity = ?, extension_months = ?, extension_reason = ?, due_at = ?,
		status = ?, outcome = ?, closed_at = ?, destroy_after = ? WHERE id = ?`, r.Identity, r.ExtensionMonths, r.ExtensionReason,
		toMicros(r.DueAt), r.Status, r.Outcome, toMicros(r.ClosedAt), toMicros(r.DestroyAfter), r.ID)
	if err != nil {
		return fmt.Errorf("store: update rights request: %w", err)
	}
	return mustAffect(res)
}

// DestroyRightsIdentifiers blanks the sealed identifiers of closed cases
// whose retention ended by now and returns the ids it blanked.
func (q *Q) DestroyRightsIdentifiers(ctx context.Context, now time.Time) ([]int64, error) {
	rows, err := q.query(ctx, `UPDATE rights_requests SET identifiers_ct = '', identifiers_destroyed_at = ?
		WHERE status = 'closed' AND identifiers_ct <> '' AND destroy_after <= ? RETURNING id`, toMicros(now), toMicros(now))
	if err != nil {
		return nil, fmt.Errorf("store: destroy rights identifiers: %w", err)
	}
	return collect(rows, func(s scanner) (int64, error) {
		var id int64
		return id, s.Scan(&id)
	})
}

// OverdueRightsRequests counts open requests whose due day is before
// today, leaving out those whose clock is stopped (their due date moves on
// each day they wait).
func (q *Q) OverdueRightsRequests(ctx context.Context, today time.Time) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM rights_requests r WHERE r.status = 'open' AND r.due_at < ?
		AND NOT EXISTS (SELECT 1 FROM rights_pauses p WHERE p.request_id = r.id AND p.to_day = 0)`, toMicros(today)).Scan(&n)
	return n, err
}

// RightsPause is a time a request's clock stood still.
type RightsPause struct {
	ID       int64
	Reason   string
	From, To time.Time
}

// StartRightsPause stops a request's clock from day from.
func (q *Q) StartRightsPause(ctx context.Context, requestID int64, reason string, from time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO rights_pauses (request_id, reason, from_day) VALUES (?, ?, ?)`, requestID, reason, toMicros(from))
	if err != nil {
		return fmt.Errorf("store: pause rights request: %w", err)
	}
	return nil
}

// EndRightsPause starts the clock again on day to; ErrNotFound when it
// was not stopped.
func (q *Q) EndRightsPause(ctx context.Context, requestID int64, to time.Time) error {
	res, err := q.exec(ctx, `UPDATE rights_pauses SET to_day = ? WHERE request_id = ? AND to_day = 0`, toMicros(to), requestID)
	if err != nil {
		return fmt.Errorf("store: resume rights request: %w", err)
	}
	return mustAffect(res)
}

// RightsPauses lists a request's pauses in order.
func (q *Q) RightsPauses(ctx context.Context, requestID int64) ([]RightsPause, error) {
	rows, err := q.query(ctx, `SELECT id, reason, from_day, to_day FROM rights_pauses WHERE request_id = ? ORDER BY from_day, id`, requestID)
	if err != nil {
		return nil, fmt.Errorf("store: list rights pauses: %w", err)
	}
	return collect(rows, func(s scanner) (RightsPause, error) {
		var p RightsPause
		var from, to int64
		err := s.Scan(&p.ID, &p.Reason, &from, &to)
		p.From, p.To = fromMicros(from), fromMicros(to)
		return p, err
	})
}

// RightsEvent is one line of a case's history.
type RightsEvent struct {
	At          time.Time
	Actor       string
	Action      string
	RecordingID string
	Detail      string
}

// AddRightsEvents appends lines to a case's history.
func (q *Q) AddRightsEvents(ctx context.Context, requestID int64, es []RightsEvent) error {
	err := q.insertMany(ctx, `INSERT INTO rights_events (request_id, at, actor, action, recording_id, detail) VALUES `, 6, len(es), 200,
		func(dst []any, i int) []any {
			e := es[i]
			return append(dst, requestID, toMicros(e.At), e.Actor, e.Action, e.RecordingID, e.Detail)
		})
	if err != nil {
		return fmt.Errorf("store: add rights events: %w", err)
	}
	return nil
}

// RightsEvents lists a case's history, oldest first.
func (q *Q) RightsEvents(ctx context.Context, requestID int64) ([]RightsEvent, error) {
	rows, err := q.query(ctx, `SELECT at, actor, action, recording_id, detail FROM rights_events WHERE request_id = ? ORDER BY at, id`, requestID)
	if err != nil {
		return nil, fmt.Errorf("store: list rights events: %w", err)
	}
	return collect(rows, func(s scanner) (RightsEvent, error) {
		var e RightsEvent
		var at int64
		err := s.Scan(&at, &e.Actor, &e.Action, &e.RecordingID, &e.Detail)
		e.At = fromMicros(at)
		return e, err
	})
}

// RightsRelease is an access or portability package's single-use link.
type RightsRelease struct {
	ID            int64
	RequestID     int64
	RecordingIDs  string // JSON array
	LinkHash      string
	LinkExpiresAt time.Time
	LinkUsedAt    time.Time
	CreatedBy     string
	CreatedAt     time.Time
}

const releaseColumns = `id, request_id, recording_ids, link_hash, link_expires_at, link_used_at, created_by, created_at`

func scanRelease(s scanner) (RightsRelease, error) {
	var r RightsRelease
	var exp, used, at int64
	err := s.Scan(&r.ID, &r.RequestID, &r.RecordingIDs, &r.LinkHash, &exp, &used, &r.CreatedBy, &at)
	r.LinkExpiresAt, r.LinkUsedAt, r.CreatedAt = fromMicros(exp), fromMicros(used), fromMicros(at)
	return r, err
}

// CreateRightsRelease records a package's link.
func (q *Q) CreateRightsRelease(ctx context.Context, r RightsRelease) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `INSERT INTO rights_releases (request_id, recording_ids, link_hash, link_expires_at, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, r.RequestID, r.RecordingIDs, r.LinkHash, toMicros(r.LinkExpiresAt), r.CreatedBy,
		toMicros(r.CreatedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: record rights release: %w", err)
	}
	return id, nil
}

// RightsReleases lists a case's packages, newest first.
func (q *Q) RightsReleases(ctx context.Context, requestID int64) ([]RightsRelease, error) {
	rows, err := q.query(ctx, `SELECT `+releaseColumns+` FROM rights_releases WHERE request_id = ? ORDER BY created_at DESC, id DESC`, requestID)
	if err != nil {
		return nil, fmt.Errorf("store: list rights releases: %w", err)
	}
	return collect(rows, scanRelease)
}

// ClaimRightsRelease claims a package link for one transfer, as
// ClaimDisclosureLink does for a disclosure (see there).
func (q *Q) ClaimRightsRelease(ctx context.Context, hash, claim string, now, until time.Time) (RightsRelease, error) {
	return claimLink(ctx, q, RightsReleaseLinks, releaseColumns, scanRelease, hash, claim, now, until)
}

// ExtendRightsClaim moves a held claim's end to until.
func (q *Q) ExtendRightsClaim(ctx context.Context, id int64, claim string, until time.Time) error {
	res, err := q.exec(ctx, `UPDATE rights_releases SET link_claimed_until = ? WHERE id = ? AND link_claim = ? AND link_used_at = 0`,
		toMicros(until), id, claim)
	if err != nil {
		return fmt.Errorf("store: extend rights claim: %w", err)
	}
	return mustAffect(res)
}

// LinkTable names a table of single-use links (a disclosure's, a rights
// package's): both are claimed, spent and released the same way.
type LinkTable string

// The tables of single-use links.
const (
	DisclosureLinks    LinkTable = "disclosures"
	RightsReleaseLinks LinkTable = "rights_releases"
)

// claimLink is the one claim on a single-use link (disclosures, rights
// packages): one UPDATE decides, so processes sharing the database cannot
// both hold it. ErrNotFound: spent, expired or unknown; ErrConflict:
// another transfer holds it.
func claimLink[T any](ctx context.Context, q *Q, table LinkTable, columns string, scan func(scanner) (T, error), hash, claim string,
	now, until time.Time) (T, error) {
	var zero T
	v, err := scan(q.queryRow(ctx, `UPDATE `+string(table)+` SET link_claim = ?, link_claimed_until = ?
		WHERE link_hash = ? AND link_used_at = 0 AND link_expires_at > ? AND link_claimed_until <= ? RETURNING `+columns,
		claim, toMicros(until), hash, toMicros(now), toMicros(now)))
	if err == nil || !errors.Is(err, ErrNotFound) {
		return v, err
	}
	var n int
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM `+string(table)+` WHERE link_hash = ? AND link_used_at = 0 AND link_expires_at > ?`,
		hash, toMicros(now)).Scan(&n); err != nil {
		return zero, err
	}
	if n > 0 {
		return zero, ErrConflict
	}
	return zero, ErrNotFound
}

// SpendLink marks a claimed link used, once its transfer has written the
// whole file. ErrNotFound means the claim is no longer this transfer's (or
// the link was spent).
func (q *Q) SpendLink(ctx context.Context, table LinkTable, id int64, claim string, now time.Time) error {
	res, err := q.exec(ctx, `UPDATE `+string(table)+` SET link_used_at = ?, link_claimed_until = 0
		WHERE id = ? AND link_claim = ? AND link_used_at = 0`, toMicros(now), id, claim)
	if err != nil {
		return fmt.Errorf("store: spend %s link: %w", table, err)
	}
	return mustAffect(res)
}

// ReleaseLink gives up a claim after a failed transfer, so the link can
// be used again at once.
func (q *Q) ReleaseLink(ctx context.Context, table LinkTable, id int64, claim string) error {
	res, err := q.exec(ctx, `UPDATE `+string(table)+` SET link_claim = '', link_claimed_until = 0
		WHERE id = ? AND link_claim = ? AND link_used_at = 0`, id, claim)
	if err != nil {
		return fmt.Errorf("store: release %s link: %w", table, err)
	}
	return mustAffect(res)
}

// SetRecordingRestricted marks (or unmarks, at zero) a live recording as
// restricted: it may not be played for quality monitoring or training.
// Marking it also takes it out of what would play it for those purposes
// later: its training clips leave their playlists and a call waiting in an
// evaluation queue leaves the queue (evaluations already made stay, as a
// record, and go with the recording). Unmarking does not bring them back.
func (q *Q) SetRecordingRestricted(ctx context.Context, id string, at time.Time) error {
	res, err := q.exec(ctx, `UPDATE recordings SET restricted_at = ? WHERE id = ? AND deleted_at = 0`, toMicros(at), id)
	if err != nil {
		return fmt.Errorf("store: restrict recording: %w", err)
	}
	if err := mustAffect(res); err != nil || at.IsZero() {
		return err
	}
	for _, stmt := range []string{`DELETE FROM quality_clips WHERE recording_id = ?`,
		`DELETE FROM quality_queue WHERE recording_id = ? AND done_at = 0`} {
		if _, err := q.exec(ctx, stmt, id); err != nil {
			return fmt.Errorf("store: take a restricted recording out of training and sampling: %w", err)
		}
	}
	return nil
}

// RecordingRestricted reports whether a recording is restricted.
func (q *Q) RecordingRestricted(ctx context.Context, id string) (bool, error) {
	var at int64
	err := q.queryRow(ctx, `SELECT restricted_at FROM recordings WHERE id = ?`, id).Scan(&at)
	return at > 0, err
}

// CorrectableFields are the recording metadata a rectification may change,
// each with its column.
var correctableFields = map[string]string{
	"external_call_id": "external_id",
	"direction":        "direction",
	"service_area":     "service_area",
	"agent_id":         "agent_id",
}

// RecordingCorrection is one rectification of a recording's metadata.
type RecordingCorrection struct {
	RecordingID string
	Field       string
	Old, New    string
	RequestID   int64
	By          string
	At          time.Time
}

// CorrectRecording changes one metadata field of a live recording and
// keeps the old value in its history, in the caller's transaction.
func (q *Q) CorrectRecording(ctx context.Context, c RecordingCorrection) (RecordingCorrection, error) {
	col, ok := correctableFields[c.Field]
	if !ok {
		return c, fmt.Errorf("store: %s cannot be corrected", c.Field)
	}
	if err := q.queryRow(ctx, `SELECT `+col+` FROM recordings WHERE id = ? AND deleted_at = 0`+q.forUpdate(), c.RecordingID).Scan(&c.Old); err != nil {
		return c, err
	}
	if _, err := q.exec(ctx, `UPDATE recordings SET `+col+` = ? WHERE id = ?`, c.New, c.RecordingID); err != nil {
		return c, fmt.Errorf("store: correct recording: %w", err)
	}
	_, err := q.exec(ctx, `INSERT INTO recording_corrections (recording_id, field, old_value, new_value, request_id, corrected_by, corrected_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, c.RecordingID, c.Field, c.Old, c.New, c.RequestID, c.By, toMicros(c.At))
	if err != nil {
		return c, fmt.Errorf("store: record correction: %w", err)
	}
	return c, nil
}

// RecordingCorrections lists a recording's rectification history.
func (q *Q) RecordingCorrections(ctx context.Context, id string) ([]RecordingCorrection, error) {
	rows, err := q.query(ctx, `SELECT recording_id, field, old_value, new_value, request_id, corrected_by, corrected_at
		FROM recording_corrections WHERE recording_id = ? ORDER BY corrected_at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: list corrections: %w", err)
	}
	return collect(rows, func(s scanner) (RecordingCorrection, error) {
		var c RecordingCorrection
		var at int64
		err := s.Scan(&c.RecordingID, &c.Field, &c.Old, &c.New, &c.RequestID, &c.By, &at)
		c.At = fromMicros(at)
		return c, err
	})
}

// DisclosuresOfRecordings lists the register's entries for the given
// recordings, newest first.
func (q *Q) DisclosuresOfRecordings(ctx context.Context, ids []string) ([]Disclosure, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	rows, err := q.query(ctx, `SELECT `+disclosureColumns+` FROM disclosures WHERE recording_id IN (`+marks+`)
		ORDER BY disclosed_at DESC, id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: disclosures of recordings: %w", err)
	}
	return collect(rows, scanDisclosure)
}

// ErasureExemption is a ground, entered by hand, on which a recording is
// kept from erasure (migration 0014_rights_more says where it lives and
// how long).
type ErasureExemption struct {
	ID          int64
	RecordingID string
	Ground      string
	Note        string
	RecordedBy  string
	RecordedAt  time.Time
	WithdrawnBy string
	WithdrawnAt time.Time
}

// AddErasureExemption records an exemption on a live recording.
func (q *Q) AddErasureExemption(ctx context.Context, e ErasureExemption) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `INSERT INTO erasure_exemptions (recording_id, ground, note, recorded_by, recorded_at)
		SELECT id, ?, ?, ?, ? FROM recordings WHERE id = ? AND deleted_at = 0 RETURNING id`,
		e.Ground, e.Note, e.RecordedBy, toMicros(e.RecordedAt), e.RecordingID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: add erasure exemption: %w", err)
	}
	return id, nil
}

// WithdrawErasureExemption ends an active exemption of the recording.
func (q *Q) WithdrawErasureExemption(ctx context.Context, id int64, recordingID, by string, at time.Time) error {
	res, err := q.exec(ctx, `UPDATE erasure_exemptions SET withdrawn_by = ?, withdrawn_at = ?
		WHERE id = ? AND recording_id = ? AND withdrawn_at = 0`, by, toMicros(at), id, recordingID)
	if err != nil {
		return fmt.Errorf("store: withdraw erasure exemption: %w", err)
	}
	return mustAffect(res)
}

// ErasureExemptions lists a recording's exemptions, active first, newest
// first.
func (q *Q) ErasureExemptions(ctx context.Context, recordingID string) ([]ErasureExemption, error) {
	rows, err := q.query(ctx, `SELECT id, recording_id, ground, note, recorded_by, recorded_at, withdrawn_by, withdrawn_at
		FROM erasure_exemptions WHERE recording_id = ? ORDER BY CASE WHEN withdrawn_at = 0 THEN 0 ELSE 1 END, recorded_at DESC, id DESC`,
		recordingID)
	if err != nil {
		return nil, fmt.Errorf("store: list erasure exemptions: %w", err)
	}
	return collect(rows, func(s scanner) (ErasureExemption, error) {
		var e ErasureExemption
		var at, wat int64
		err := s.Scan(&e.ID, &e.RecordingID, &e.Ground, &e.Note, &e.RecordedBy, &at, &e.WithdrawnBy, &wat)
		e.RecordedAt, e.WithdrawnAt = fromMicros(at), fromMicros(wat)
		return e, err
	})
}

// StaleRightsIdentifiers counts closed cases whose identifiers outlived
// their retention (the rights sweep should have destroyed them by now).
func (q *Q) StaleRightsIdentifiers(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM rights_requests WHERE status = 'closed' AND identifiers_ct <> '' AND destroy_after <= ?`,
		toMicros(now)).Scan(&n)
	return n, err
}
