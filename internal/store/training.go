package store

import (
	"context"
	"fmt"
	"time"
)

// The training library and the evaluation queue (migrations 0016, 0018).
// Both live in this database. Playlists hold no personal data and stay;
// queue items, and clips without their own copy, point into a recording
// and are deleted with it by dropRecordingDerived, in the transaction that
// destroys it. A clip with its own copy (its area sets a training
// retention) is deleted when the copy expires (ExpiredClipCopies, then
// DeleteClips: the row holds the copy's only wrapped key), or with its
// recording when the recording is erased (DropClipCopiesOf).

func init() {
	recordingDerived = append(recordingDerived, derived{"quality_clips", "copy_blob_key = ''"}, derived{"quality_queue", ""})
}

// Playlist is a named training list of one service area.
type Playlist struct {
	ID          int64
	ServiceArea string
	Name        string
	CreatedBy   string
	CreatedAt   time.Time
	Clips       int // filled by Playlists
}

// PlaylistID finds or creates the playlist (area, name).
func (q *Q) PlaylistID(ctx context.Context, area, name, by string, at time.Time) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `SELECT id FROM quality_playlists WHERE service_area = ? AND name = ?`, area, name).Scan(&id)
	if err = mapErr(err); err != ErrNotFound {
		return id, err
	}
	err = q.queryRow(ctx, `INSERT INTO quality_playlists (service_area, name, created_by, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (service_area, name) DO UPDATE SET name = excluded.name RETURNING id`, area, name, by, toMicros(at)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: create playlist: %w", mapErr(err))
	}
	return id, nil
}

// PlaylistByID returns a playlist.
func (q *Q) PlaylistByID(ctx context.Context, id int64) (Playlist, error) {
	var p Playlist
	var at int64
	err := q.queryRow(ctx, `SELECT id, service_area, name, created_by, created_at FROM quality_playlists WHERE id = ?`, id).
		Scan(&p.ID, &p.ServiceArea, &p.Name, &p.CreatedBy, &at)
	p.CreatedAt = fromMicros(at)
	return p, mapErr(err)
}

// Playlists lists the playlists of areas (nil: all) with their clip counts.
func (q *Q) Playlists(ctx context.Context, areas []string) ([]Playlist, error) {
	where, args := inList("p.service_area", areas)
	rows, err := q.query(ctx, `SELECT p.id, p.service_area, p.name, p.created_by, p.created_at,
		(SELECT COUNT(*) FROM quality_clips c WHERE c.playlist_id = p.id) FROM quality_playlists p WHERE `+where+
		` ORDER BY p.service_area, p.name`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list playlists: %w", err)
	}
	return collect(rows, func(s scanner) (Playlist, error) {
		var p Playlist
		var at int64
		err := s.Scan(&p.ID, &p.ServiceArea, &p.Name, &p.CreatedBy, &at, &p.Clips)
		p.CreatedAt = fromMicros(at)
		return p, err
	})
}

// Clip is a recording, or part of one, in a playlist.
type Clip struct {
	ID          int64
	PlaylistID  int64
	RecordingID string
	Start, End  time.Duration // End 0: to the end of the call
	Reason      string
	AddedBy     string
	AddedAt     time.Time
	// The clip's own encrypted copy of its audio, when its area keeps
	// training copies: blob, wrapped data key, media type and expiry.
	CopyBlobKey    string
	CopyWrappedKey string
	CopyMediaType  string
	CopyExpiresAt  time.Time
	// NumberBIdx is the recording's number fingerprint, kept with a copy
	// so a rights request finds it after the recording is gone.
	NumberBIdx   string
	RestrictedAt time.Time
}

// HasCopy reports whether the clip has its own copy of the audio.
func (c Clip) HasCopy() bool { return c.CopyBlobKey != "" }

const clipColumns = `id, playlist_id, recording_id, start_ms, end_ms, reason, added_by, added_at,
	copy_blob_key, copy_wrapped_key, copy_media_type, copy_expires_at, number_bidx, restricted_at`

func scanClip(s scanner) (Clip, error) {
	var c Clip
	var start, end, at, exp, restricted int64
	err := s.Scan(&c.ID, &c.PlaylistID, &c.RecordingID, &start, &end, &c.Reason, &c.AddedBy, &at,
		&c.CopyBlobKey, &c.CopyWrappedKey, &c.CopyMediaType, &exp, &c.NumberBIdx, &restricted)
	c.Start, c.End, c.AddedAt = time.Duration(start)*time.Millisecond, time.Duration(end)*time.Millisecond, fromMicros(at)
	c.CopyExpiresAt, c.RestrictedAt = fromMicros(exp), fromMicros(restricted)
	return c, mapErr(err)
}

// AddClip inserts a clip (with its copy, when it has one).
func (q *Q) AddClip(ctx context.Context, c Clip) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `INSERT INTO quality_clips (playlist_id, recording_id, start_ms, end_ms, reason, added_by, added_at,
		copy_blob_key, copy_wrapped_key, copy_media_type, copy_expires_at, number_bidx, restricted_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.PlaylistID, c.RecordingID, c.Start.Milliseconds(),
		c.End.Milliseconds(), c.Reason, c.AddedBy, toMicros(c.AddedAt), c.CopyBlobKey, c.CopyWrappedKey, c.CopyMediaType,
		toMicros(c.CopyExpiresAt), c.NumberBIdx, toMicros(c.RestrictedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: add clip: %w", mapErr(err))
	}
	return id, nil
}

// Clips lists a playlist's clips in the order they were added.
func (q *Q) Clips(ctx context.Context, playlistID int64) ([]Clip, error) {
	rows, err := q.query(ctx, `SELECT `+clipColumns+` FROM quality_clips WHERE playlist_id = ? ORDER BY id`, playlistID)
	if err != nil {
		return nil, fmt.Errorf("store: list clips: %w", err)
	}
	return collect(rows, scanClip)
}

// ClipByID returns a clip.
func (q *Q) ClipByID(ctx context.Context, id int64) (Clip, error) {
	return scanClip(q.queryRow(ctx, `SELECT `+clipColumns+` FROM quality_clips WHERE id = ?`, id))
}

// clipsWhere lists the clips matching where (SQL with its ORDER BY).
func (q *Q) clipsWhere(ctx context.Context, where string, args ...any) ([]Clip, error) {
	rows, err := q.query(ctx, `SELECT `+clipColumns+` FROM quality_clips WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list clips: %w", err)
	}
	return collect(rows, scanClip)
}

// ExpiredClipCopies lists up to limit clips whose own copy's training
// retention ended, oldest expiry first (the partial index keeps the cost
// to what expired).
func (q *Q) ExpiredClipCopies(ctx context.Context, now time.Time, limit int) ([]Clip, error) {
	return q.clipsWhere(ctx, `copy_blob_key <> '' AND copy_expires_at <= ? ORDER BY copy_expires_at LIMIT ?`, toMicros(now), limit)
}

// ClipCopiesByNumber lists the clips with a copy whose call was with the
// number of fingerprint bidx: what a rights request about that number
// must also act on once the recording itself is gone.
func (q *Q) ClipCopiesByNumber(ctx context.Context, bidx string) ([]Clip, error) {
	if bidx == "" {
		return nil, nil
	}
	return q.clipsWhere(ctx, `number_bidx = ? AND copy_blob_key <> '' ORDER BY id`, bidx)
}

// DropClipCopiesOf deletes the clips with a copy of the given recordings
// (an erasure destroys them with the recording) and returns them, so the
// caller deletes their blobs after commit.
func (q *Q) DropClipCopiesOf(ctx context.Context, recordingIDs []string) ([]Clip, error) {
	where, args := inList("recording_id", recordingIDs)
	clips, err := q.clipsWhere(ctx, `copy_blob_key <> '' AND `+where+` ORDER BY id`, args...)
	if err != nil || len(clips) == 0 {
		return nil, err
	}
	ids := make([]int64, len(clips))
	for i, c := range clips {
		ids[i] = c.ID
	}
	return clips, q.DeleteClips(ctx, ids)
}

// DeleteClips deletes clips; a copy's wrapped key goes with its row, so
// its audio is unreadable from the commit on.
func (q *Q) DeleteClips(ctx context.Context, ids []int64) error {
	for _, id := range ids {
		if _, err := q.exec(ctx, `DELETE FROM quality_clips WHERE id = ?`, id); err != nil {
			return fmt.Errorf("store: delete clip: %w", err)
		}
	}
	return nil
}

// RestrictClipCopies marks the copies with number fingerprint bidx
// restricted (restriction or objection): not to be played for training.
func (q *Q) RestrictClipCopies(ctx context.Context, bidx string, at time.Time) (int64, error) {
	if bidx == "" {
		return 0, nil
	}
	res, err := q.exec(ctx, `UPDATE quality_clips SET restricted_at = ? WHERE number_bidx = ? AND copy_blob_key <> '' AND restricted_at = 0`,
		toMicros(at), bidx)
	if err != nil {
		return 0, fmt.Errorf("store: restrict clip copies: %w", err)
	}
	return res.RowsAffected()
}

// MoveClips moves a recording's clips to the playlists of the same names
// in area (created as needed), when a rectification moves the call there.
func (q *Q) MoveClips(ctx context.Context, recordingID, area, by string, at time.Time) error {
	clips, err := q.clipsWhere(ctx, `recording_id = ? ORDER BY id`, recordingID)
	if err != nil {
		return err
	}
	for _, c := range clips {
		from, err := q.PlaylistByID(ctx, c.PlaylistID)
		if err != nil {
			return err
		}
		to, err := q.PlaylistID(ctx, area, from.Name, by, at)
		if err != nil {
			return err
		}
		if _, err := q.exec(ctx, `UPDATE quality_clips SET playlist_id = ? WHERE id = ?`, to, c.ID); err != nil {
			return fmt.Errorf("store: move clip: %w", err)
		}
	}
	return nil
}

// ClipCopiesOfArea lists the clips with a copy in area's playlists, so a
// policy change can recompute their expiry and a KEK rotation rewrap them.
func (q *Q) ClipCopiesOfArea(ctx context.Context, area string) ([]Clip, error) {
	return q.clipsWhere(ctx, `copy_blob_key <> '' AND playlist_id IN (SELECT id FROM quality_playlists WHERE service_area = ?)
		ORDER BY id`, area)
}

// SetClipCopyExpiry sets a copy's expiry.
func (q *Q) SetClipCopyExpiry(ctx context.Context, id int64, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE quality_clips SET copy_expires_at = ? WHERE id = ? AND copy_blob_key <> ''`, toMicros(at), id)
	return err
}

// RewrapClipKey replaces a copy's wrapped key (KEK rotation).
func (q *Q) RewrapClipKey(ctx context.Context, id int64, oldWrapped, newWrapped string) error {
	res, err := q.exec(ctx, `UPDATE quality_clips SET copy_wrapped_key = ? WHERE id = ? AND copy_wrapped_key = ?`, newWrapped, id, oldWrapped)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// ClipCopyBlobExists reports whether a clip row owns blobKey: the orphan
// sweep deletes training/ blobs no row owns.
func (q *Q) ClipCopyBlobExists(ctx context.Context, blobKey string) (bool, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM quality_clips WHERE copy_blob_key = ?`, blobKey).Scan(&n)
	return n > 0, err
}

// CountExpiredClipCopies counts clips whose copy is past its own expiry:
// what the sweep should already have destroyed.
func (q *Q) CountExpiredClipCopies(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM quality_clips WHERE copy_blob_key <> '' AND copy_expires_at <= ?`, toMicros(now)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count expired clip copies: %w", mapErr(err))
	}
	return n, nil
}

// RecordingClip is a clip of one recording with its playlist's name.
type RecordingClip struct {
	Clip
	Playlist string
}

// ClipsOfRecording lists the training clips cut from recording id, oldest
// first: what a subject-access search reports of training use.
func (q *Q) ClipsOfRecording(ctx context.Context, id string) ([]RecordingClip, error) {
	rows, err := q.query(ctx, `SELECT c.id, c.playlist_id, c.recording_id, c.start_ms, c.end_ms, c.reason, c.added_by, c.added_at, p.name
		FROM quality_clips c JOIN quality_playlists p ON p.id = c.playlist_id WHERE c.recording_id = ? ORDER BY c.id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: list clips of recording: %w", err)
	}
	return collect(rows, func(s scanner) (RecordingClip, error) {
		var c RecordingClip
		var start, end, at int64
		err := s.Scan(&c.ID, &c.PlaylistID, &c.RecordingID, &start, &end, &c.Reason, &c.AddedBy, &at, &c.Playlist)
		c.Start, c.End, c.AddedAt = time.Duration(start)*time.Millisecond, time.Duration(end)*time.Millisecond, fromMicros(at)
		return c, err
	})
}

// SampleCandidate is a call that may be drawn for evaluation.
type SampleCandidate struct {
	ID, AgentID, Direction string
	Duration               time.Duration
}

// SampleCandidates lists the live, unrestricted calls of area that started
// in [from, to), not yet queued or evaluated. The cost follows one area's
// month of calls.
func (q *Q) SampleCandidates(ctx context.Context, area string, from, to time.Time) ([]SampleCandidate, error) {
	rows, err := q.query(ctx, `SELECT r.id, r.agent_id, r.direction, r.duration_ms FROM recordings r
		WHERE r.service_area = ? AND r.started_at >= ? AND r.started_at < ? AND r.deleted_at = 0 AND r.restricted_at = 0
		AND NOT EXISTS (SELECT 1 FROM quality_queue x WHERE x.recording_id = r.id)
		AND NOT EXISTS (SELECT 1 FROM quality_evaluations e WHERE e.recording_id = r.id)
		ORDER BY r.id`, area, toMicros(from), toMicros(to))
	if err != nil {
		return nil, fmt.Errorf("store: list sample candidates: %w", err)
	}
	return collect(rows, func(s scanner) (SampleCandidate, error) {
		var c SampleCandidate
		var ms int64
		err := s.Scan(&c.ID, &c.AgentID, &c.Direction, &ms)
		c.Duration = time.Duration(ms) * time.Millisecond
		return c, err
	})
}

// QueueItem is a call waiting in a team leader's queue.
type QueueItem struct {
	ID          int64
	ServiceArea string
	Month       time.Time
	RecordingID string
	AgentID     string
	Method      string
	DrawnBy     string
	DrawnAt     time.Time
	DoneAt      time.Time
}

// Enqueue adds drawn calls.
func (q *Q) Enqueue(ctx context.Context, items []QueueItem) error {
	for _, it := range items {
		if _, err := q.exec(ctx, `INSERT INTO quality_queue (service_area, month, recording_id, agent_id, method, drawn_by, drawn_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, it.ServiceArea, toMicros(it.Month), it.RecordingID, it.AgentID, it.Method, it.DrawnBy,
			toMicros(it.DrawnAt)); err != nil {
			return fmt.Errorf("store: enqueue call: %w", mapErr(err))
		}
	}
	return nil
}

// Queue lists the waiting calls of areas (nil: all), by month and agent.
func (q *Q) Queue(ctx context.Context, areas []string) ([]QueueItem, error) {
	where, args := inList("service_area", areas)
	rows, err := q.query(ctx, `SELECT id, service_area, month, recording_id, agent_id, method, drawn_by, drawn_at, done_at
		FROM quality_queue WHERE done_at = 0 AND `+where+` ORDER BY month, agent_id, id LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list queue: %w", err)
	}
	return collect(rows, func(s scanner) (QueueItem, error) {
		var it QueueItem
		var month, drawn, done int64
		err := s.Scan(&it.ID, &it.ServiceArea, &month, &it.RecordingID, &it.AgentID, &it.Method, &it.DrawnBy, &drawn, &done)
		it.Month, it.DrawnAt, it.DoneAt = fromMicros(month), fromMicros(drawn), fromMicros(done)
		return it, err
	})
}

// MarkQueued marks a recording's queue item done (it was evaluated).
func (q *Q) MarkQueued(ctx context.Context, recordingID string, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE quality_queue SET done_at = ? WHERE recording_id = ? AND done_at = 0`, toMicros(at), recordingID)
	return err
}
