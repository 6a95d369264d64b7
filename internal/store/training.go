package store

import (
	"context"
	"fmt"
	"time"
)

// The training library and the evaluation queue (migration 0016). Both
// live in this database. Playlists hold no personal data and stay;
// clips and queue items point into a recording and are deleted with it
// by dropRecordingDerived, in the transaction that destroys it.

func init() {
	recordingDerived = append(recordingDerived, "quality_clips", "quality_queue")
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
}

// AddClip inserts a clip.
func (q *Q) AddClip(ctx context.Context, c Clip) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `INSERT INTO quality_clips (playlist_id, recording_id, start_ms, end_ms, reason, added_by, added_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.PlaylistID, c.RecordingID, c.Start.Milliseconds(), c.End.Milliseconds(),
		c.Reason, c.AddedBy, toMicros(c.AddedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: add clip: %w", mapErr(err))
	}
	return id, nil
}

// Clips lists a playlist's clips in the order they were added.
func (q *Q) Clips(ctx context.Context, playlistID int64) ([]Clip, error) {
	rows, err := q.query(ctx, `SELECT id, playlist_id, recording_id, start_ms, end_ms, reason, added_by, added_at
		FROM quality_clips WHERE playlist_id = ? ORDER BY id`, playlistID)
	if err != nil {
		return nil, fmt.Errorf("store: list clips: %w", err)
	}
	return collect(rows, func(s scanner) (Clip, error) {
		var c Clip
		var start, end, at int64
		err := s.Scan(&c.ID, &c.PlaylistID, &c.RecordingID, &start, &end, &c.Reason, &c.AddedBy, &at)
		c.Start, c.End, c.AddedAt = time.Duration(start)*time.Millisecond, time.Duration(end)*time.Millisecond, fromMicros(at)
		return c, err
	})
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
