package quality

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
)

// The training library: team leaders add a call, or a clip of it, to a
// playlist of their area with the reason it is worth hearing. By default a
// clip is a pointer into the recording (start and end), not a copy: it is
// destroyed with its recording when the area's retention ends, and playing
// it opens the recording for the "training" purpose
// (recording.Service.Authorize: audited, refused for a restricted
// recording). When the area sets a training retention, the clip gets its
// own encrypted copy of its segment (recording.Service.TrainingCopy),
// kept for that period from when it was added, and playing it opens the
// copy (OpenClip: audited, refused once restricted).

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
	clip, copied, err := s.rec.TrainingCopy(ctx, rec, in.Start, in.End)
	if err != nil {
		return 0, err
	}
	clip.RecordingID, clip.Start, clip.End, clip.Reason, clip.AddedBy, clip.AddedAt = rec.ID, in.Start, in.End, in.Reason, p.Actor(), s.now()
	var id int64
	err = s.db.Tx(ctx, func(q *store.Q) error {
		var err error
		if clip.PlaylistID, err = q.PlaylistID(ctx, rec.ServiceArea, in.Playlist, p.Actor(), s.now()); err != nil {
			return err
		}
		if id, err = q.AddClip(ctx, clip); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, q, audit.Entry{Actor: p.Actor(), Action: "quality.clip_add", Object: "recording:" + rec.ID,
			Purpose: PurposeTraining, Outcome: audit.Success})
		return err
	})
	if err != nil && copied {
		s.rec.DiscardTrainingCopy(clip.CopyBlobKey)
	}
	return id, err
}

// ErrClipRestricted refuses playing a training copy whose caller restricted
// its use or objected.
var ErrClipRestricted = fail.New(fail.Forbidden,
	"the caller has restricted the use of this call or objected to it: it may not be played for training")

// AuthorizeClip records that p plays a clip's own copy for training,
// after checking p may: a team leader or quality assessor of its
// playlist's area, and the caller has not restricted it. The web player
// calls it once, then streams Range requests through ClipPlayback under a
// short-lived grant. A clip without a copy is played through its recording
// (recording.Service.Authorize).
func (s *Service) AuthorizeClip(ctx context.Context, p *auth.Principal, id int64) (store.Clip, error) {
	c, err := s.clip(ctx, p, id)
	if err != nil {
		return c, err
	}
	if !c.RestrictedAt.IsZero() {
		return store.Clip{}, ErrClipRestricted
	}
	return c, s.audit.Record(ctx, audit.Entry{Actor: p.Actor(), Action: "quality.clip_play", Object: "clip:" + strconv.FormatInt(id, 10),
		Purpose: PurposeTraining, Outcome: audit.Success})
}

// ClipPlayback decrypts a clip's copy that p may play; callers must have
// called AuthorizeClip for this access (it is what audits it).
func (s *Service) ClipPlayback(ctx context.Context, p *auth.Principal, id int64) (*recording.Playback, error) {
	c, err := s.clip(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !c.RestrictedAt.IsZero() {
		return nil, ErrClipRestricted
	}
	return s.rec.OpenTrainingCopy(ctx, c)
}

// clip returns a clip with its own copy whose playlist p may see.
func (s *Service) clip(ctx context.Context, p *auth.Principal, id int64) (store.Clip, error) {
	c, err := s.db.Q().ClipByID(ctx, id)
	if err != nil {
		return c, err
	}
	pl, err := s.db.Q().PlaylistByID(ctx, c.PlaylistID)
	if err != nil {
		return store.Clip{}, err
	}
	if !assesses(p, pl.ServiceArea) || !c.HasCopy() {
		return store.Clip{}, store.ErrNotFound
	}
	return c, nil
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
