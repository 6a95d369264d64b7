package recording

import (
	"context"
	"errors"
	"slices"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
)

// What data-subject rights casework (internal/rights) needs from
// recordings: opening one for the requester's package, knowing whether one
// is exempt from erasure, and honouring restriction and objection.

// RestrictedPurposes are the purposes a restricted recording may not be
// opened for: a resident who restricted processing or objected keeps the
// recording out of quality monitoring and training (any later quality
// feature opens recordings through Authorize, so it honours the mark too).
var RestrictedPurposes = []string{"quality-monitoring", "training"}

// ErrRestricted refuses opening a restricted recording for such a purpose.
var ErrRestricted = fail.Field("purpose",
	"the caller has restricted the use of this recording or objected to it: it may not be opened for quality monitoring or training")

// checkRestriction refuses purpose when recording id is restricted.
func (s *Service) checkRestriction(ctx context.Context, id, purpose string) error {
	if !slices.Contains(RestrictedPurposes, purpose) {
		return nil
	}
	restricted, err := s.db.Q().RecordingRestricted(ctx, id)
	if err != nil {
		return err
	}
	if restricted {
		return ErrRestricted
	}
	return nil
}

// OpenForSubject decrypts a live recording for a data subject's own
// package; actor is the package's pseudonymous id ("release:3"). Audited
// with the subject-request purpose.
func (s *Service) OpenForSubject(ctx context.Context, actor, id string) (*Playback, error) {
	r, err := s.db.Q().RecordingByID(ctx, id)
	if err == nil && !r.DeletedAt.IsZero() {
		err = store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	pb, err := s.decrypt(ctx, r)
	if err != nil {
		return nil, err
	}
	if err := s.audit.Record(ctx, audit.Entry{Actor: actor, Action: "recording.open", Object: "recording:" + id,
		Purpose: "subject-request", Outcome: audit.Success}); err != nil {
		pb.Close()
		return nil, err
	}
	return pb, nil
}

// Exemptions of recordings from erasure.
const (
	ExemptLegalHold  = "legal_hold"
	ExemptDisclosure = "disclosure_under_way"
)

// ErasureExemption says why recording r may not be erased now ("" when it
// may): a legal hold, or a disclosure whose recipient has not yet
// collected it (erasing it would break a release the law required).
func (s *Service) ErasureExemption(ctx context.Context, r Recording) (string, error) {
	if r.OnHold {
		return ExemptLegalHold, nil
	}
	ds, err := s.db.Q().DisclosuresOfRecordings(ctx, []string{r.ID})
	if err != nil {
		return "", err
	}
	now := s.now()
	for _, d := range ds {
		if d.LinkUsedAt.IsZero() && d.LinkExpiresAt.After(now) {
			return ExemptDisclosure, nil
		}
	}
	return "", nil
}

// ErrExempt is returned by Erase for a recording an exemption keeps.
var ErrExempt = errors.New("recording: exempt from erasure")

// Erase destroys a recording for an erasure request through the one
// deletion path (Destroy), unless ErasureExemption keeps it.
func (s *Service) Erase(ctx context.Context, actor string, r Recording) (exemption string, err error) {
	if ex, err := s.ErasureExemption(ctx, r); err != nil || ex != "" {
		return ex, err
	}
	return "", s.Destroy(ctx, actor, r.ID, "erasure_request")
}

// UsableFor returns recording id when p may open it for purpose: p sees
// its service area and, for quality monitoring or training, it is not
// restricted. It neither opens nor audits: internal/quality calls it
// before writing an evaluation or a clip, whose own audit entry names the
// purpose.
func (s *Service) UsableFor(ctx context.Context, p *auth.Principal, id, purpose string) (Recording, error) {
	r, err := s.Get(ctx, p, id)
	if err != nil {
		return store.Recording{}, err
	}
	return r, s.checkRestriction(ctx, id, purpose)
}
