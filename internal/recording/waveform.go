package recording

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/fairline/fairline/internal/audio"
	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/store"
)

// Waveform returns the peaks of a recording p may see (audio.WaveformPeaks
// values, 0–255), or nil when its format has none (MP3, Opus). Ingest
// stores them; a recording stored before waveforms existed has them
// computed here on first view, from its decrypted audio, once. The audio
// is read by the system, not played to p, so the audit entry names the
// system with the recording service's own purpose.
func (s *Service) Waveform(ctx context.Context, p *auth.Principal, id string) ([]byte, error) {
	r, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	peaks, err := s.db.Q().Waveform(ctx, id)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return peaks, err
	}
	if !strings.HasPrefix(r.Format, "wav/") {
		return nil, nil
	}
	pb, err := s.decrypt(ctx, r)
	if err != nil {
		return nil, err
	}
	defer pb.Close()
	w := audio.NewPeakWriter()
	if _, err := io.Copy(w, pb); err != nil {
		return nil, err
	}
	peaks, ok := w.Peaks()
	if !ok {
		return nil, nil
	}
	err = s.db.Tx(ctx, func(q *store.Q) error {
		if err := q.SaveWaveform(ctx, id, peaks, s.now()); err != nil {
			return err
		}
		_, err := s.audit.Append(ctx, q, audit.Entry{Actor: "system", Action: "recording.waveform", Object: "recording:" + id,
			Purpose: "call_recording", Outcome: audit.Success})
		return err
	})
	return peaks, err
}
