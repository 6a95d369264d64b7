package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Recording is a stored call recording's metadata.
type Recording struct {
	ID             string
	ExternalID     string
	IdempotencyKey string
	Direction      string
	ServiceArea    string
	AgentID        string
	StartedAt      time.Time
	Duration       time.Duration
	Channels       int
	Format         string
	MediaType      string
	Size           int64
	SHA256         string
	BlobKey        string
	WrappedKey     string // empty once destroyed
	NumberCT       string
	NumberBIdx     string
	ExpiresAt      time.Time
	CreatedAt      time.Time
	DeletedAt      time.Time
	OnHold         bool // an unreleased legal hold exists (filled by queries that say so)
}

const recordingColumns = `r.id, r.external_id, r.idempotency_key, r.direction, r.service_area, r.agent_id, r.started_at,
	r.duration_ms, r.channels, r.format, r.media_type, r.size, r.sha256, r.blob_key, COALESCE(r.wrapped_key, ''),
	r.number_ct, r.number_bidx, r.expires_at, r.created_at, r.deleted_at,
	EXISTS (SELECT 1 FROM legal_holds h WHERE h.recording_id = r.id AND h.released_at = 0)`

func scanRecording(s scanner) (Recording, error) {
	var r Recording
	var started, dur, expires, created, deleted int64
	var hold bool
	if err := s.Scan(&r.ID, &r.ExternalID, &r.IdempotencyKey, &r.Direction, &r.ServiceArea, &r.AgentID, &started,
		&dur, &r.Channels, &r.Format, &r.MediaType, &r.Size, &r.SHA256, &r.BlobKey, &r.WrappedKey,
		&r.NumberCT, &r.NumberBIdx, &expires, &created, &deleted, &hold); err != nil {
		return Recording{}, err
	}
	r.StartedAt, r.ExpiresAt, r.CreatedAt, r.DeletedAt = fromMicros(started), fromMicros(expires), fromMicros(created), fromMicros(deleted)
	r.Duration = time.Duration(dur) * time.Millisecond
	r.OnHold = hold
	return r, nil
}

// CreateRecording inserts r. A repeated idempotency key gives ErrConflict.
func (q *Q) CreateRecording(ctx context.Context, r Recording) error {
	_, err := q.exec(ctx, `INSERT INTO recordings (id, external_id, idempotency_key, direction, service_area, agent_id,
		started_at, duration_ms, channels, format, media_type, size, sha256, blob_key, wrapped_key, number_ct, number_bidx,
		expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.ExternalID, r.IdempotencyKey, r.Direction, r.ServiceArea, r.AgentID, toMicros(r.StartedAt),
		r.Duration.Milliseconds(), r.Channels, r.Format, r.MediaType, r.Size, r.SHA256, r.BlobKey, r.WrappedKey,
		r.NumberCT, r.NumberBIdx, toMicros(r.ExpiresAt), toMicros(r.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: create recording: %w", err)
	}
	// The reports' call counts move with the row, in its transaction.
	return q.countCalls(ctx, r.ServiceArea, r.Direction, MonthOf(r.StartedAt), 1)
}

// RecordingByID returns a recording, including a destroyed one's tombstone.
func (q *Q) RecordingByID(ctx context.Context, id string) (Recording, error) {
	return scanRecording(q.queryRow(ctx, `SELECT `+recordingColumns+` FROM recordings r WHERE r.id = ?`, id))
}

// LockRecording returns live recording id (ErrNotFound for a missing or
// destroyed one) and, inside a transaction, holds it against every other
// transaction that locks it until this one ends. Deletion (destroy, erasure,
// the retention sweep) and whatever must exist before a deletion reads its
// exemptions (a legal hold, a disclosure, an exemption) lock the row first,
// so the two serialise: either the hold commits before the deletion reads
// the holds, or the hold's transaction finds the recording gone.
//
// On PostgreSQL the lock is its own statement: under READ COMMITTED a
// statement's snapshot is taken before it waits for a lock, so reading the
// holds in the locking statement itself would miss a hold committed while
// it waited. The recording is read afresh after the lock. SQLite's
// transactions begin IMMEDIATE and hold the single write lock already.
func (q *Q) LockRecording(ctx context.Context, id string) (Recording, error) {
	if err := q.lockRecordings(ctx, []string{id}); err != nil {
		return Recording{}, err
	}
	r, err := q.RecordingByID(ctx, id)
	if err == nil && !r.DeletedAt.IsZero() {
		err = ErrNotFound
	}
	return r, err
}

// lockRecordings takes the rows of ids FOR UPDATE on PostgreSQL, in id
// order so two lockers of overlapping sets cannot deadlock.
func (q *Q) lockRecordings(ctx context.Context, ids []string) error {
	if q.forUpdate() == "" || len(ids) == 0 {
		return nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	rows, err := q.query(ctx, `SELECT id FROM recordings WHERE id IN (`+marks+`) ORDER BY id`+q.forUpdate(), args...)
	if err != nil {
		return fmt.Errorf("store: lock recordings: %w", err)
	}
	_, err = collect(rows, func(s scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	})
	return err
}

// RecordingByIdempotencyKey finds the recording an upload key produced.
func (q *Q) RecordingByIdempotencyKey(ctx context.Context, key string) (Recording, error) {
	return scanRecording(q.queryRow(ctx, `SELECT `+recordingColumns+` FROM recordings r WHERE r.idempotency_key = ?`, key))
}

// RecordingFilter selects live recordings for the console. ServiceAreas,
// when non-nil, limits results to those areas (scoped roles); an empty
// non-nil slice matches nothing.
type RecordingFilter struct {
	ServiceAreas []string
	ServiceArea  string
	Direction    string
	AgentID      string
	From, To     time.Time
	MinDuration  time.Duration
	MaxDuration  time.Duration
	NumberBIdx   string
	Limit        int
	Offset       int
}

// Recordings lists live recordings matching f, newest first.
func (q *Q) Recordings(ctx context.Context, f RecordingFilter) ([]Recording, error) {
	where, args := "r.deleted_at = 0", []any{}
	add := func(cond string, v ...any) { where += " AND " + cond; args = append(args, v...) }
	if f.ServiceAreas != nil {
		if len(f.ServiceAreas) == 0 {
			return nil, nil
		}
		marks := ""
		for i, a := range f.ServiceAreas {
			if i > 0 {
				marks += ", "
			}
			marks += "?"
			args = append(args, a)
		}
		where += " AND r.service_area IN (" + marks + ")"
	}
	if f.ServiceArea != "" {
		add("r.service_area = ?", f.ServiceArea)
	}
	if f.Direction != "" {
		add("r.direction = ?", f.Direction)
	}
	if f.AgentID != "" {
		add("r.agent_id = ?", f.AgentID)
	}
	if !f.From.IsZero() {
		add("r.started_at >= ?", toMicros(f.From))
	}
	if !f.To.IsZero() {
		add("r.started_at < ?", toMicros(f.To))
	}
	if f.MinDuration > 0 {
		add("r.duration_ms >= ?", f.MinDuration.Milliseconds())
	}
	if f.MaxDuration > 0 {
		add("r.duration_ms <= ?", f.MaxDuration.Milliseconds())
	}
	if f.NumberBIdx != "" {
		add("r.number_bidx = ?", f.NumberBIdx)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	args = append(args, f.Limit, f.Offset)
	rows, err := q.query(ctx, `SELECT `+recordingColumns+` FROM recordings r WHERE `+where+
		` ORDER BY r.started_at DESC, r.id LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list recordings: %w", err)
	}
	return collectRecordings(rows)
}

func collectRecordings(rows *sql.Rows) ([]Recording, error) { return collect(rows, scanRecording) }

// ExpiredRecordings returns up to limit live recordings past expiry and not
// under an active legal hold, oldest expiry first. The partial index on
// expires_at makes the cost follow what expired, not what is stored.
func (q *Q) ExpiredRecordings(ctx context.Context, now time.Time, limit int) ([]Recording, error) {
	rows, err := q.query(ctx, `SELECT `+recordingColumns+` FROM recordings r
		WHERE r.deleted_at = 0 AND r.expires_at <= ?
		AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.recording_id = r.id AND h.released_at = 0)
		ORDER BY r.expires_at LIMIT ?`, toMicros(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: find expired recordings: %w", err)
	}
	return collectRecordings(rows)
}

// ClaimExpiredRecordings returns, locked for deletion in the caller's
// transaction, up to limit live recordings past expiry and not under an
// active legal hold, and how many candidates it looked at (fewer than limit
// means none are left). The candidates are locked (see LockRecording) and
// then read again, so a hold placed while the sweep waited keeps its
// recording, and a recording another sweeper took is skipped.
func (q *Q) ClaimExpiredRecordings(ctx context.Context, now time.Time, limit int) ([]Recording, int, error) {
	cands, err := q.ExpiredRecordings(ctx, now, limit)
	if err != nil || len(cands) == 0 || q.forUpdate() == "" {
		return cands, len(cands), err
	}
	ids := make([]string, len(cands))
	args := []any{toMicros(now)}
	for i, r := range cands {
		ids[i] = r.ID
		args = append(args, r.ID)
	}
	if err := q.lockRecordings(ctx, ids); err != nil {
		return nil, 0, err
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	rows, err := q.query(ctx, `SELECT `+recordingColumns+` FROM recordings r
		WHERE r.deleted_at = 0 AND r.expires_at <= ? AND r.id IN (`+marks+`)
		AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.recording_id = r.id AND h.released_at = 0)
		ORDER BY r.expires_at`, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: claim expired recordings: %w", err)
	}
	batch, err := collectRecordings(rows)
	return batch, len(cands), err
}

// ShredRecording destroys a recording's wrapped key and encrypted number
// and marks it deleted: from here on the audio cannot be decrypted. What
// was derived from the audio (waveform, evaluations, training clips) goes
// in the same statement batch: see recordingDerived.
func (q *Q) ShredRecording(ctx context.Context, id string, at time.Time) error {
	res, err := q.exec(ctx, `UPDATE recordings SET wrapped_key = NULL, number_ct = '', number_bidx = '', deleted_at = ?
		WHERE id = ? AND deleted_at = 0`, toMicros(at), id)
	if err != nil {
		return fmt.Errorf("store: shred recording: %w", err)
	}
	if err := mustAffect(res); err != nil {
		return err
	}
	return q.dropRecordingDerived(ctx, []string{id})
}

// DropRecordingNumbers removes the sealed number (keeping the blind index)
// from every recording of a service area and returns how many held one.
func (q *Q) DropRecordingNumbers(ctx context.Context, area string) (int64, error) {
	res, err := q.exec(ctx, `UPDATE recordings SET number_ct = '' WHERE service_area = ? AND number_ct <> ''`, area)
	if err != nil {
		return 0, fmt.Errorf("store: drop recording numbers: %w", err)
	}
	return res.RowsAffected()
}

// ShredRecordings shreds many live recordings at once (see
// ShredRecording); it fails with ErrNotFound unless every one was live, so
// two sweepers cannot both claim a recording.
func (q *Q) ShredRecordings(ctx context.Context, ids []string, at time.Time) error {
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		args := []any{toMicros(at)}
		for _, id := range part {
			args = append(args, id)
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")
		res, err := q.exec(ctx, `UPDATE recordings SET wrapped_key = NULL, number_ct = '', number_bidx = '', deleted_at = ?
			WHERE deleted_at = 0 AND id IN (`+marks+`)`, args...)
		if err != nil {
			return fmt.Errorf("store: shred recordings: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != int64(len(part)) {
			return fmt.Errorf("store: shred recordings: %d of %d were live: %w", n, len(part), ErrNotFound)
		}
		if err := q.dropRecordingDerived(ctx, part); err != nil {
			return err
		}
	}
	return nil
}

// ShreddedRecordings lists tombstones whose blob may still exist (a crash
// between shredding and blob deletion), oldest first.
func (q *Q) ShreddedRecordings(ctx context.Context, limit int) ([]Recording, error) {
	rows, err := q.query(ctx, `SELECT `+recordingColumns+` FROM recordings r WHERE r.deleted_at > 0 ORDER BY r.deleted_at LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: find shredded recordings: %w", err)
	}
	return collectRecordings(rows)
}

// DeleteRecordingRows removes shredded recordings' rows once their blobs
// are gone.
func (q *Q) DeleteRecordingRows(ctx context.Context, ids []string) error {
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")
		if _, err := q.exec(ctx, `DELETE FROM recordings WHERE deleted_at > 0 AND id IN (`+marks+`)`, args...); err != nil {
			return fmt.Errorf("store: delete recording rows: %w", err)
		}
	}
	return nil
}

// Analyze refreshes the planner's statistics after a bulk load.
func (q *Q) Analyze(ctx context.Context, table string) error {
	_, err := q.exec(ctx, `ANALYZE `+table)
	return err
}

// RecordingBlobKeyExists reports whether any row (live or tombstone) owns
// blobKey: the orphan sweep deletes blobs no row owns.
func (q *Q) RecordingBlobKeyExists(ctx context.Context, blobKey string) (bool, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM recordings WHERE blob_key = ?`, blobKey).Scan(&n)
	return n > 0, err
}

// RecordingsOfArea pages through the live recordings of one service area by
// id, so a policy change can recompute their expiry in batches.
func (q *Q) RecordingsOfArea(ctx context.Context, area string, afterID string, limit int) ([]Recording, error) {
	rows, err := q.query(ctx, `SELECT `+recordingColumns+` FROM recordings r WHERE r.deleted_at = 0 AND r.service_area = ? AND r.id > ?
		ORDER BY r.id LIMIT ?`, area, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list recordings of area: %w", err)
	}
	return collectRecordings(rows)
}

// SetRecordingExpiry sets one recording's expiry.
func (q *Q) SetRecordingExpiry(ctx context.Context, id string, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE recordings SET expires_at = ? WHERE id = ? AND deleted_at = 0`, toMicros(at), id)
	return err
}

// RewrapRecordingKey replaces a live recording's wrapped key (KEK rotation).
func (q *Q) RewrapRecordingKey(ctx context.Context, id, oldWrapped, newWrapped string) error {
	res, err := q.exec(ctx, `UPDATE recordings SET wrapped_key = ? WHERE id = ? AND wrapped_key = ? AND deleted_at = 0`, newWrapped, id, oldWrapped)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// LegalHold suspends deletion of a recording.
type LegalHold struct {
	ID          int64
	RecordingID string
	Reason      string
	ReviewAt    time.Time
	PlacedBy    string
	PlacedAt    time.Time
	ReleasedBy  string
	ReleasedAt  time.Time
}

// PlaceLegalHold adds a hold.
func (q *Q) PlaceLegalHold(ctx context.Context, h LegalHold) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `INSERT INTO legal_holds (recording_id, reason, review_at, placed_by, placed_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		h.RecordingID, h.Reason, toMicros(h.ReviewAt), h.PlacedBy, toMicros(h.PlacedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: place legal hold: %w", err)
	}
	return id, nil
}

// ReleaseLegalHold ends an active hold.
func (q *Q) ReleaseLegalHold(ctx context.Context, id int64, by string, at time.Time) error {
	res, err := q.exec(ctx, `UPDATE legal_holds SET released_by = ?, released_at = ? WHERE id = ? AND released_at = 0`, by, toMicros(at), id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// LegalHolds lists a recording's holds (all recordings when id is empty),
// active first.
func (q *Q) LegalHolds(ctx context.Context, recordingID string) ([]LegalHold, error) {
	where, args := "1=1", []any{}
	if recordingID != "" {
		where, args = "recording_id = ?", []any{recordingID}
	}
	rows, err := q.query(ctx, `SELECT id, recording_id, reason, review_at, placed_by, placed_at, released_by, released_at
		FROM legal_holds WHERE `+where+` ORDER BY released_at, review_at`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list legal holds: %w", err)
	}
	defer rows.Close()
	var out []LegalHold
	for rows.Next() {
		var h LegalHold
		var review, placed, released int64
		if err := rows.Scan(&h.ID, &h.RecordingID, &h.Reason, &review, &h.PlacedBy, &placed, &h.ReleasedBy, &released); err != nil {
			return nil, mapErr(err)
		}
		h.ReviewAt, h.PlacedAt, h.ReleasedAt = fromMicros(review), fromMicros(placed), fromMicros(released)
		out = append(out, h)
	}
	return out, mapErr(rows.Err())
}

// InsertRecordings adds many rows in one statement per chunk: for loading
// benchmark data and migrations from other systems, not for uploads (which
// go through CreateRecording with their audit entry).
func (q *Q) InsertRecordings(ctx context.Context, rs []Recording) error {
	err := q.insertMany(ctx, `INSERT INTO recordings (id, external_id, idempotency_key, direction, service_area, agent_id,
		started_at, duration_ms, channels, format, media_type, size, sha256, blob_key, wrapped_key, number_ct, number_bidx,
		expires_at, created_at) VALUES `, 19, len(rs), 500, func(dst []any, i int) []any {
		r := rs[i]
		return append(dst, r.ID, r.ExternalID, r.IdempotencyKey, r.Direction, r.ServiceArea, r.AgentID, toMicros(r.StartedAt),
			r.Duration.Milliseconds(), r.Channels, r.Format, r.MediaType, r.Size, r.SHA256, r.BlobKey, r.WrappedKey,
			r.NumberCT, r.NumberBIdx, toMicros(r.ExpiresAt), toMicros(r.CreatedAt))
	})
	if err != nil {
		return fmt.Errorf("store: insert recordings: %w", err)
	}
	type key struct {
		area, dir string
		month     time.Time
	}
	counts := map[key]int{}
	for _, r := range rs {
		counts[key{r.ServiceArea, r.Direction, MonthOf(r.StartedAt)}]++
	}
	for k, n := range counts {
		if err := q.countCalls(ctx, k.area, k.dir, k.month, n); err != nil {
			return err
		}
	}
	return nil
}

// RememberDropFolder records that path (absolute) was used as a drop
// folder, so the retention sweep cleans its failed/ items.
func (q *Q) RememberDropFolder(ctx context.Context, path string, now time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO drop_folders (path, first_used_at, last_used_at) VALUES (?, ?, ?)
		ON CONFLICT (path) DO UPDATE SET last_used_at = excluded.last_used_at`, path, toMicros(now), toMicros(now))
	if err != nil {
		return fmt.Errorf("store: remember drop folder: %w", mapErr(err))
	}
	return nil
}

// DropFolders lists the drop folders imports have used.
func (q *Q) DropFolders(ctx context.Context) ([]string, error) {
	rows, err := q.query(ctx, `SELECT path FROM drop_folders ORDER BY path`)
	if err != nil {
		return nil, fmt.Errorf("store: list drop folders: %w", err)
	}
	return collect(rows, func(s scanner) (string, error) {
		var p string
		return p, s.Scan(&p)
	})
}

// CountExpiredRecordings counts live recordings past expiry and not under
// an active legal hold: what the sweep should already have destroyed.
func (q *Q) CountExpiredRecordings(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM recordings r WHERE r.deleted_at = 0 AND r.expires_at <= ?
		AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.recording_id = r.id AND h.released_at = 0)`, toMicros(now)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count expired recordings: %w", mapErr(err))
	}
	return n, nil
}

// CountKeysWithoutRecording counts destroyed recordings that still hold a
// wrapped key or their sealed number, which ShredRecording clears.
func (q *Q) CountKeysWithoutRecording(ctx context.Context) (int64, error) {
	var n int64
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM recordings WHERE deleted_at > 0
		AND (wrapped_key IS NOT NULL OR number_ct <> '' OR number_bidx <> '')`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count keys without recording: %w", mapErr(err))
	}
	return n, nil
}

// RecordingBlob is a recording row's blob key and whether (since when) it
// was destroyed.
type RecordingBlob struct {
	ID        string
	BlobKey   string
	DeletedAt time.Time // zero while the recording is live
}

// RecordingBlobs lists every recording row's blob key, live and destroyed,
// so a check can match rows and blobs both ways.
func (q *Q) RecordingBlobs(ctx context.Context) ([]RecordingBlob, error) {
	rows, err := q.query(ctx, `SELECT id, blob_key, deleted_at FROM recordings ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: list recording blobs: %w", err)
	}
	return collect(rows, func(s scanner) (RecordingBlob, error) {
		var b RecordingBlob
		var del int64
		err := s.Scan(&b.ID, &b.BlobKey, &del)
		b.DeletedAt = fromMicros(del)
		return b, err
	})
}
