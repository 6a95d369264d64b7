package recording

import (
	"context"
	"slices"
	"strings"

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

// Exemptions of recordings from erasure found automatically.
const (
	ExemptLegalHold  = "legal_hold"
	ExemptDisclosure = "disclosure_under_way"
)

// ExemptionGround is a ground of UK GDPR Article 17(3) on which
// information governance keeps a recording from erasure by hand.
type ExemptionGround struct{ ID, Name string }

// ExemptionGrounds are the grounds an exemption entered by hand may give.
// Their ids are also the exemption reasons Erase returns.
var ExemptionGrounds = []ExemptionGround{
	{"legal_obligation", "A legal obligation requires the council to keep it (Article 17(3)(b))"},
	{"public_task", "It is needed for a task in the public interest or official authority (Article 17(3)(b))"},
	{"public_health", "Public health (Article 17(3)(c))"},
	{"archiving", "Archiving in the public interest, research or statistics (Article 17(3)(d))"},
	{"legal_claims", "The establishment, exercise or defence of legal claims (Article 17(3)(e))"},
}

// ExemptionGroundName names a ground ("" when id is not one).
func ExemptionGroundName(id string) string {
	for _, g := range ExemptionGrounds {
		if g.ID == id {
			return g.Name
		}
	}
	return ""
}

// Exemption is an exemption from erasure entered by hand.
type Exemption = store.ErasureExemption

// Exemptions lists a recording's exemptions from erasure, active first.
// The caller has checked that its user may see them.
func (s *Service) Exemptions(ctx context.Context, id string) ([]Exemption, error) {
	return s.db.Q().ErasureExemptions(ctx, id)
}

// AddExemption records, by hand, that a live recording must be kept from
// erasure on ground; note is a reference (a claim or statute), not a
// resident's details. Audited.
func (s *Service) AddExemption(ctx context.Context, p *auth.Principal, id, ground, note string) (int64, error) {
	if !p.Is(auth.InformationGovernance) {
		return 0, ErrForbidden
	}
	note = strings.TrimSpace(note)
	if ExemptionGroundName(ground) == "" {
		return 0, fail.Field("ground", "choose the ground on which the recording must be kept")
	}
	if note == "" || len(note) > 500 {
		return 0, fail.Field("note", "say what requires it (up to 500 characters), for example the statute or the claim reference")
	}
	var eid int64
	err := s.db.Tx(ctx, func(q *store.Q) error {
		// Locked against an erasure under way: see store.LockRecording.
		if _, err := q.LockRecording(ctx, id); err != nil {
			return err
		}
		var err error
		if eid, err = q.AddErasureExemption(ctx, store.ErasureExemption{RecordingID: id, Ground: ground, Note: note,
			RecordedBy: p.Actor(), RecordedAt: s.now()}); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, q, audit.Entry{Actor: p.Actor(), Action: "recording.exempt", Object: "recording:" + id,
			Purpose: ground, Outcome: audit.Success})
		return err
	})
	return eid, err
}

// WithdrawExemption ends an exemption; an erasure request can then erase
// the recording. Audited.
func (s *Service) WithdrawExemption(ctx context.Context, p *auth.Principal, id string, exemptionID int64) error {
	if !p.Is(auth.InformationGovernance) {
		return ErrForbidden
	}
	return s.db.Tx(ctx, func(q *store.Q) error {
		if err := q.WithdrawErasureExemption(ctx, exemptionID, id, p.Actor(), s.now()); err != nil {
			return err
		}
		_, err := s.audit.Append(ctx, q, audit.Entry{Actor: p.Actor(), Action: "recording.exemption_withdraw", Object: "recording:" + id,
			Purpose: "erasure", Outcome: audit.Success})
		return err
	})
}

// ErasureExemption says why recording r may not be erased now ("" when it
// may): a legal hold; a disclosure whose recipient has not yet collected
// it, or one required by law still waiting for its second approval
// (erasing it would defeat a release the law requires); or an exemption
// information governance entered by hand (its ground's id).
func (s *Service) ErasureExemption(ctx context.Context, r Recording) (string, error) {
	return s.erasureExemption(ctx, s.db.Q(), r)
}

func (s *Service) erasureExemption(ctx context.Context, q *store.Q, r Recording) (string, error) {
	if r.OnHold {
		return ExemptLegalHold, nil
	}
	ds, err := q.DisclosuresOfRecordings(ctx, []string{r.ID})
	if err != nil {
		return "", err
	}
	now := s.now()
	for _, d := range ds {
		if d.LinkUsedAt.IsZero() && d.LinkExpiresAt.After(now) {
			return ExemptDisclosure, nil
		}
	}
	if n, err := q.PendingLegalDisclosures(ctx, r.ID); err != nil {
		return "", err
	} else if n > 0 {
		return ExemptDisclosure, nil
	}
	es, err := q.ErasureExemptions(ctx, r.ID)
	if err != nil {
		return "", err
	}
	for _, e := range es {
		if e.WithdrawnAt.IsZero() {
			return e.Ground, nil
		}
	}
	return "", nil
}

// Erase destroys a recording for an erasure request through the one
// deletion path, unless an exemption keeps it; the exemptions are read in
// the deletion's transaction, so one placed meanwhile is not missed.
func (s *Service) Erase(ctx context.Context, actor string, r Recording) (exemption string, err error) {
	return s.destroy(ctx, actor, r.ID, "erasure_request", func(q *store.Q, rec store.Recording) (string, error) {
		return s.erasureExemption(ctx, q, rec)
	})
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
