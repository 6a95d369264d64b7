package quality

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
)

// The training library: team leaders add a call, or a clip of it, to a
// playlist of their area with the reason it is worth hearing. A clip is a
// pointer into the recording (start and end), not a copy: it is destroyed
// with its recording when the area's retention ends, and playing it opens
// the recording for the "training" purpose (recording.Service.Authorize:
// audited, refused for a restricted recording).

// ClipInput is what a team leader submits.
type ClipInput struct {
	Playlist   string
	Start, End time.Duration // End 0: the whole call from Start
	Reason     string
}

// AddClip adds a call or a clip of it to a playlist of its area.
func (s *Service) AddClip(ctx context.Context, p *auth.Principal, recordingID string, in ClipInput) (int64, error) {
	rec, err := s.rec.UsableFor(ctx, p, recordingID, PurposeTraining)
	if err != nil {
		return 0, err
	}
	if !leads(p, rec.ServiceArea) {
		return 0, ErrForbidden
	}
	in.Playlist, in.Reason = strings.TrimSpace(in.Playlist), strings.TrimSpace(in.Reason)
	switch {
	case in.Playlist == "" || len(in.Playlist) > 100:
		return 0, fail.Field("playlist", "enter the playlist's name, up to 100 characters")
	case in.Reason == "" || len(in.Reason) > 500:
		return 0, fail.Field("clip_reason", "say why this call is useful for training, in up to 500 characters")
	case in.Start < 0 || in.Start >= rec.Duration:
		return 0, fail.Field("clip_start", "the clip must start within the call")
	case in.End != 0 && (in.End <= in.Start || in.End > rec.Duration+time.Second):
		return 0, fail.Field("clip_end", "the clip must end after it starts and by the end of the call")
	}
	var id int64
	err = s.db.Tx(ctx, func(q *store.Q) error {
		pl, err := q.PlaylistID(ctx, rec.ServiceArea, in.Playlist, p.Actor(), s.now())
		if err != nil {
			return err
		}
		if id, err = q.AddClip(ctx, store.Clip{PlaylistID: pl, RecordingID: rec.ID, Start: in.Start, End: in.End,
			Reason: in.Reason, AddedBy: p.Actor(), AddedAt: s.now()}); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, q, audit.Entry{Actor: p.Actor(), Action: "quality.clip_add", Object: "recording:" + rec.ID,
			Purpose: PurposeTraining, Outcome: audit.Success})
		return err
	})
	return id, err
}

// Playlists lists the playlists of p's areas.
func (s *Service) Playlists(ctx context.Context, p *auth.Principal) ([]store.Playlist, error) {
	return s.db.Q().Playlists(ctx, areasOf(p))
}

// Playlist returns a playlist of p's areas with its clips.
func (s *Service) Playlist(ctx context.Context, p *auth.Principal, id int64) (store.Playlist, []store.Clip, error) {
	pl, err := s.db.Q().PlaylistByID(ctx, id)
	if err != nil {
		return pl, nil, err
	}
	if !assesses(p, pl.ServiceArea) {
		return store.Playlist{}, nil, store.ErrNotFound
	}
	clips, err := s.db.Q().Clips(ctx, id)
	return pl, clips, err
}

// ClipFragment is the media fragment ("#t=5,12") that makes a player play
// only the clip.
func ClipFragment(c store.Clip) string {
	f := "#t=" + strconv.FormatFloat(c.Start.Seconds(), 'f', -1, 64)
	if c.End > 0 {
		f += "," + strconv.FormatFloat(c.End.Seconds(), 'f', -1, 64)
	}
	return f
}
