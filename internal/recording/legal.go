package recording

import (
	"context"
	"strconv"
	"strings"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
)

// Disclosures "required by law": a court order, an ICO information notice
// or another legal duty can require a recording to go to a recipient the
// policy does not list. Because that steps outside what the notice tells
// residents, one information-governance officer asks, naming the law or
// order, and a second one approves before anything is released; the
// release is then an ordinary disclosure (same single-use link), listed
// apart from the policy's own in the register.

// LegalDisclosure is a request to disclose because the law requires it.
type LegalDisclosure = store.LegalDisclosure

// LegalDisclosureRequest is what the first officer records.
type LegalDisclosureRequest struct {
	DisclosureRequest
	// LegalBasis names the law or order that requires the release, e.g.
	// "Court order of the County Court at Leicester under CPR 31.17".
	LegalBasis string
}

// Decisions on a legal disclosure.
const (
	Approved = "approved"
	Refused  = "refused"
)

// legalObject names a legal disclosure in the audit log.
func legalObject(id int64) string { return "legal-disclosure:" + strconv.FormatInt(id, 10) }

// RequestLegalDisclosure records a request to disclose recording id to a
// recipient outside the policy because the law requires it. Nothing is
// released: a second information-governance officer decides.
func (s *Service) RequestLegalDisclosure(ctx context.Context, p *auth.Principal, id string, req LegalDisclosureRequest) (int64, error) {
	if !p.Is(auth.InformationGovernance) {
		return 0, ErrForbidden
	}
	req.Recipient, req.LegalBasis = strings.TrimSpace(req.Recipient), strings.TrimSpace(req.LegalBasis)
	switch {
	case req.Recipient == "" || len(req.Recipient) > 200:
		return 0, fail.Field("recipient", "name the organisation that receives the recording (up to 200 characters)")
	case s.policy().RecipientAllowed(System, req.Recipient):
		return 0, fail.Field("recipient", "the policy lists this recipient: record an ordinary disclosure instead")
	case req.LegalBasis == "" || len(req.LegalBasis) > 300:
		return 0, fail.Field("legal_basis", "name the law or order that requires the disclosure (up to 300 characters)")
	}
	if err := req.validate(); err != nil {
		return 0, err
	}
	r, err := s.Get(ctx, p, id)
	if err != nil {
		return 0, err
	}
	l := store.LegalDisclosure{RecordingID: r.ID, ServiceArea: r.ServiceArea, Recipient: req.Recipient, LegalBasis: req.LegalBasis,
		LawfulBasis: req.LawfulBasis, Reason: strings.TrimSpace(req.Reason), Reference: strings.TrimSpace(req.Reference),
		RequestedBy: p.Actor(), RequestedAt: s.now()}
	err = s.db.Tx(ctx, func(q *store.Q) error {
		if err := lockToDisclose(ctx, q, r.ID); err != nil {
			return err
		}
		var err error
		if l.ID, err = q.CreateLegalDisclosure(ctx, l); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, q, audit.Entry{Actor: p.Actor(), Action: "recording.disclose_required_by_law",
			Object: legalObject(l.ID), Purpose: "disclosure", Outcome: audit.Success})
		return err
	})
	return l.ID, err
}

// ErrRecordingGone refuses a disclosure of a recording destroyed meanwhile.
var ErrRecordingGone = fail.New(fail.Conflict, "the recording no longer exists: nothing can be disclosed")

// ErrSameOfficer refuses a decision by the officer who asked.
var ErrSameOfficer = fail.New(fail.Forbidden, "a disclosure required by law needs a second officer: someone other than the one who asked must approve or refuse it")

// DecideLegalDisclosure approves or refuses a waiting request. Only an
// information-governance officer other than the one who asked may decide.
// Approval releases the recording as a disclosure and returns its
// single-use link's token; refusal releases nothing.
func (s *Service) DecideLegalDisclosure(ctx context.Context, p *auth.Principal, id int64, decision string) (string, error) {
	if !p.Is(auth.InformationGovernance) {
		return "", ErrForbidden
	}
	if decision != Approved && decision != Refused {
		return "", fail.Field("decision", "approve or refuse the disclosure")
	}
	var token string
	err := s.db.Tx(ctx, func(q *store.Q) error {
		l, err := q.LegalDisclosureByID(ctx, id)
		if err != nil {
			return err
		}
		switch {
		case l.Decision != "":
			return fail.New(fail.Conflict, "this disclosure has already been "+l.Decision)
		case l.RequestedBy == p.Actor():
			return ErrSameOfficer
		}
		l.Decision, l.DecidedBy, l.DecidedAt = decision, p.Actor(), s.now()
		if decision == Approved {
			var d store.Disclosure
			d, token, err = s.issue(ctx, q, store.Disclosure{RecordingID: l.RecordingID, ServiceArea: l.ServiceArea,
				Recipient: l.Recipient, LawfulBasis: l.LawfulBasis, Reason: l.Reason, Reference: l.Reference,
				DisclosedBy: p.Actor(), LegalDisclosureID: l.ID})
			if err != nil {
				return err
			}
			l.DisclosureID = d.ID
		}
		if err := q.DecideLegalDisclosure(ctx, l); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, q, audit.Entry{Actor: p.Actor(), Action: "recording.disclosure_" + decision,
			Object: legalObject(l.ID), Purpose: "disclosure", Outcome: audit.Success})
		return err
	})
	return token, err
}

// LegalDisclosures lists the disclosures required by law, waiting ones
// first (information governance and auditors).
func (s *Service) LegalDisclosures(ctx context.Context, limit int) ([]LegalDisclosure, error) {
	return s.db.Q().LegalDisclosures(ctx, limit)
}
