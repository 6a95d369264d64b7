package recording

import (
	"context"
	"time"

	"github.com/fairline/fairline/internal/blob"
)

// Overdue counts live recordings past their retention and not under a legal
// hold: each one is a recording kept longer than the notice says.
func (s *Service) Overdue(ctx context.Context) (int64, error) {
	return s.db.Q().CountExpiredRecordings(ctx, s.now())
}

// Integrity is what a comparison of the recordings' rows with the blob store
// found. Every count should be zero.
type Integrity struct {
	// BlobsWithoutRow are blobs under recordings/ that no live recording
	// owns, older than the grace period: uploads that crashed, or deletions
	// the sweep has not finished.
	BlobsWithoutRow int
	// RowsWithoutBlob are live recordings whose audio is missing.
	RowsWithoutBlob int
	// KeysWithoutRecording are destroyed recordings that still hold their
	// wrapped key or sealed number.
	KeysWithoutRecording int64
}

// CheckIntegrity matches every recording row with the blob store both ways.
// grace spares what is in flight: an upload's blob exists before its row,
// and a deletion destroys the key before the blob goes (as SweepOrphans).
// It reads the whole list of keys into memory: a few dozen bytes per
// recording.
func (s *Service) CheckIntegrity(ctx context.Context, grace time.Duration) (Integrity, error) {
	var res Integrity
	cutoff := s.now().Add(-grace)
	rows, err := s.db.Q().RecordingBlobs(ctx)
	if err != nil {
		return res, err
	}
	live := make(map[string]bool, len(rows))
	for _, r := range rows {
		// A destroyed recording's blob is owned until the grace period is over.
		live[r.BlobKey] = live[r.BlobKey] || r.DeletedAt.IsZero() || r.DeletedAt.After(cutoff)
	}
	stored := make(map[string]bool, len(rows))
	err = s.blobs.List(ctx, "recordings/", func(info blob.Info) error {
		stored[info.Key] = true
		if !live[info.Key] && info.ModTime.Before(cutoff) {
			res.BlobsWithoutRow++
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	for _, r := range rows {
		if r.DeletedAt.IsZero() && !stored[r.BlobKey] {
			res.RowsWithoutBlob++
		}
	}
	res.KeysWithoutRecording, err = s.db.Q().CountKeysWithoutRecording(ctx)
	return res, err
}
