package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// Waveform peaks of recordings (table recording_waveforms, migration 0016):
// kept in this database for exactly as long as the recording's audio can
// be decrypted, because dropRecordingDerived deletes them in the same
// transaction that shreds the recording.

// SaveWaveform stores a recording's peaks (once: a second save of the same
// recording, from two first views at once, keeps the first).
func (q *Q) SaveWaveform(ctx context.Context, recordingID string, peaks []byte, at time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO recording_waveforms (recording_id, peaks, created_at) VALUES (?, ?, ?)
		ON CONFLICT (recording_id) DO NOTHING`, recordingID, base64.StdEncoding.EncodeToString(peaks), toMicros(at))
	if err != nil {
		return fmt.Errorf("store: save waveform: %w", mapErr(err))
	}
	return nil
}

// Waveform returns a recording's peaks, or ErrNotFound.
func (q *Q) Waveform(ctx context.Context, recordingID string) ([]byte, error) {
	var s string
	if err := q.queryRow(ctx, `SELECT peaks FROM recording_waveforms WHERE recording_id = ?`, recordingID).Scan(&s); err != nil {
		return nil, mapErr(err)
	}
	return base64.StdEncoding.DecodeString(s)
}

// recordingDerived lists the tables holding data derived from a recording
// that must go when its audio goes: each is deleted by recording id (and
// its condition, when it has one) in the transaction that shreds it. Later
// tables of issue 16 add themselves here, so there is one place that says
// what a recording takes with it.
var recordingDerived = []derived{{"recording_waveforms", ""}}

// derived is a table of recordingDerived; rows matching where (SQL, ""
// for all) go with the recording.
type derived struct{ table, where string }

// dropRecordingDerived deletes the derived rows of the given recordings.
func (q *Q) dropRecordingDerived(ctx context.Context, ids []string) error {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	for _, d := range recordingDerived {
		where := "recording_id IN (" + marks + ")"
		if d.where != "" {
			where += " AND " + d.where
		}
		if _, err := q.exec(ctx, `DELETE FROM `+d.table+` WHERE `+where, args...); err != nil {
			return fmt.Errorf("store: delete %s of destroyed recordings: %w", d.table, err)
		}
	}
	return nil
}
