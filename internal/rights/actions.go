package rights

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
)

// Erasure, restriction, objection and rectification act on the recordings
// the case's identifiers find, never on others.

// Kept is a recording an erasure could not destroy, with the reason.
type Kept struct {
	RecordingID string
	Reason      string // recording.ExemptLegalHold, recording.ExemptDisclosure or a recording.ExemptionGrounds id
}

// Erasure is what an erasure did.
type Erasure struct {
	Erased []string
	Kept   []Kept
	// SurveysCancelled counts the survey texts to the requester's numbers
	// cancelled, their numbers destroyed.
	SurveysCancelled int
}

// ExemptionText explains an exemption in the case history and to the
// requester.
func ExemptionText(reason string) string {
	switch reason {
	case recording.ExemptLegalHold:
		return "kept: under a legal hold (needed for legal claims or an investigation)"
	case recording.ExemptDisclosure:
		return "kept: a disclosure is under way (waiting for its approval or to be collected)"
	}
	if g := recording.ExemptionGroundName(reason); g != "" {
		return "kept: exempt from erasure by information governance: " + g
	}
	return "kept: " + reason
}

// actionable loads an open case of one of kinds whose requester's identity
// is settled, and what its identifiers find.
func (s *Service) actionable(ctx context.Context, p *auth.Principal, id int64, kinds ...string) (store.RightsRequest, Found, error) {
	if !p.Is(auth.InformationGovernance) {
		return store.RightsRequest{}, Found{}, ErrForbidden
	}
	r, err := s.db.Q().RightsRequestByID(ctx, id)
	if err != nil {
		return r, Found{}, err
	}
	switch {
	case !slices.Contains(kinds, r.Kind):
		return r, Found{}, fail.New(fail.Conflict, fmt.Sprintf("this is not a request for %s", strings.Join(kinds, " or ")))
	case r.Status != "open":
		return r, Found{}, fail.New(fail.Conflict, "this request is closed")
	case r.Identity == "pending":
		return r, Found{}, fail.New(fail.Conflict, "confirm the requester's identity first")
	}
	f, err := s.search(ctx, r)
	return r, f, err
}

// Erase destroys every recording the case finds through the recordings'
// one deletion path, except those an exemption keeps, and records what
// happened to each in the case history.
func (s *Service) Erase(ctx context.Context, p *auth.Principal, id int64) (Erasure, error) {
	req, f, err := s.actionable(ctx, p, id, "erasure")
	if err != nil {
		return Erasure{}, err
	}
	var res Erasure
	var events []store.RightsEvent
	// Copies kept for training outlive their recording (the area's
	// retention.training): the number's fingerprint finds those whose
	// recording is gone; the others go with their recording below.
	bidxs, err := s.numberIndexes(req)
	if err != nil {
		return res, err
	}
	for _, b := range bidxs {
		n, err := s.rec.EraseTrainingCopies(ctx, p.Actor(), b)
		if err != nil {
			return res, err
		}
		if n > 0 {
			events = append(events, store.RightsEvent{Detail: fmt.Sprintf("%d copies kept for training erased", n)})
		}
	}
	for _, r := range f.Recordings {
		ex, err := s.rec.Erase(ctx, p.Actor(), r.Recording)
		if err != nil {
			return res, err
		}
		if ex != "" {
			res.Kept = append(res.Kept, Kept{RecordingID: r.ID, Reason: ex})
			events = append(events, store.RightsEvent{RecordingID: r.ID, Detail: ExemptionText(ex)})
			continue
		}
		res.Erased = append(res.Erased, r.ID)
		events = append(events, store.RightsEvent{RecordingID: r.ID, Detail: "erased"})
	}
	events = append([]store.RightsEvent{{Detail: fmt.Sprintf("erasure: %d recordings erased, %d kept", len(res.Erased), len(res.Kept))}},
		events...)
	err = s.db.Tx(ctx, func(q *store.Q) error {
		n, err := s.cancelSurveys(ctx, q, f)
		if err != nil {
			return err
		}
		res.SurveysCancelled = n
		return s.note(ctx, q, p.Actor(), id, "rights.erase", append(events, surveyEvent(res.SurveysCancelled)...)...)
	})
	return res, err
}

// cancelSurveys cancels the pending survey texts to the numbers f was
// searched by, destroying each number in the statement that cancels it:
// an erasure, a restriction and an objection all end the one use the
// number is kept for (a restricted number may be stored but not used).
func (s *Service) cancelSurveys(ctx context.Context, q *store.Q, f Found) (int, error) {
	var n int64
	for _, idx := range f.numberIndexes {
		c, err := q.CancelSurveyRequestsOfNumber(ctx, idx, s.now())
		if err != nil {
			return 0, err
		}
		n += c
	}
	return int(n), nil
}

// surveyEvent is the case history line of cancelled survey texts (none
// when there were none).
func surveyEvent(n int) []store.RightsEvent {
	if n == 0 {
		return nil
	}
	return []store.RightsEvent{{Detail: fmt.Sprintf("%d survey texts waiting to be sent cancelled; their number destroyed", n)}}
}

// Restrict marks every recording the case finds so that it cannot be
// opened for quality monitoring or training (restriction or objection),
// takes them out of training playlists and evaluation queues, and cancels
// survey texts waiting to be sent to the numbers given.
func (s *Service) Restrict(ctx context.Context, p *auth.Principal, id int64) (int, error) {
	req, f, err := s.actionable(ctx, p, id, "restriction", "objection")
	if err != nil {
		return 0, err
	}
	bidxs, err := s.numberIndexes(req)
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.db.Tx(ctx, func(q *store.Q) error {
		// Copies kept for training carry the number's fingerprint, so
		// they are refused too, even after their recording is gone.
		for _, b := range bidxs {
			if _, err := q.RestrictClipCopies(ctx, b, s.now()); err != nil {
				return err
			}
		}
		events := []store.RightsEvent{{Detail: fmt.Sprintf("%d recordings restricted: not to be used for quality monitoring or training",
			len(f.Recordings))}}
		for _, r := range f.Recordings {
			if err := q.SetRecordingRestricted(ctx, r.ID, s.now()); err != nil {
				return err
			}
			n++
			events = append(events, store.RightsEvent{RecordingID: r.ID, Detail: "restricted"})
		}
		cancelled, err := s.cancelSurveys(ctx, q, f)
		if err != nil {
			return err
		}
		return s.note(ctx, q, p.Actor(), id, "rights.restrict", append(events, surveyEvent(cancelled)...)...)
	})
	return n, err
}

// Correction is a rectification of one field of a recording's metadata.
type Correction struct {
	RecordingID, Field, Value string
}

// CorrectableFields are the fields a rectification may change.
var CorrectableFields = []Option{
	{"service_area", "Service area"}, {"direction", "Direction"}, {"agent_id", "Agent id"}, {"external_call_id", "Telephony call id"},
}

// Rectify corrects a field of one of the case's recordings, keeping the
// old value in the recording's history. A new service area brings that
// area's retention with it.
func (s *Service) Rectify(ctx context.Context, p *auth.Principal, id int64, c Correction) error {
	_, f, err := s.actionable(ctx, p, id, "rectification")
	if err != nil {
		return err
	}
	i := slices.IndexFunc(f.Recordings, func(r FoundRecording) bool { return r.ID == c.RecordingID })
	if i < 0 {
		return fail.Field("recording", "choose one of the recordings this request found")
	}
	rec := f.Recordings[i]
	c.Value = strings.TrimSpace(c.Value)
	pol := s.policy()
	// The recording's own validation decides what a value may be.
	meta := recording.Metadata{ExternalID: rec.ExternalID, Direction: rec.Direction, ServiceArea: rec.ServiceArea, AgentID: rec.AgentID}
	switch c.Field {
	case "service_area":
		meta.ServiceArea = c.Value
	case "direction":
		meta.Direction = c.Value
	case "agent_id":
		meta.AgentID = c.Value
	case "external_call_id":
		meta.ExternalID = c.Value
	default:
		return fail.Field("field", "choose a field that can be corrected")
	}
	if err := meta.ValidateFields(pol); err != nil {
		return fail.Field("value", err.Error())
	}
	return s.db.Tx(ctx, func(q *store.Q) error {
		done, err := q.CorrectRecording(ctx, store.RecordingCorrection{RecordingID: rec.ID, Field: c.Field, New: c.Value,
			RequestID: id, By: p.Actor(), At: s.now()})
		if err != nil {
			return err
		}
		if s.fixed != nil {
			if err := s.fixed.RecordingCorrected(ctx, q, rec.Recording, c.Field, c.Value, p.Actor()); err != nil {
				return err
			}
		}
		if c.Field == "service_area" {
			ret, err := pol.Retention(recording.System, recording.DataKind, c.Value)
			if err != nil {
				return err
			}
			if err := q.SetRecordingExpiry(ctx, rec.ID, ret.ExpiresAt(rec.StartedAt)); err != nil {
				return err
			}
		}
		return s.note(ctx, q, p.Actor(), id, "rights.rectify", store.RightsEvent{RecordingID: rec.ID,
			Detail: fmt.Sprintf("%s corrected (was %q)", label(CorrectableFields, done.Field), done.Old)})
	})
}
