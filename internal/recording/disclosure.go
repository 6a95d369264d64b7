package recording

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
)

// LawfulBasis is a legal ground for a disclosure.
type LawfulBasis struct{ ID, Name string }

// DisclosureBases are the grounds a disclosure of a call recording can rest
// on. Special category data (health and social care calls) needs an
// Article 9 condition or the DPA 2018 crime exemption as well.
var DisclosureBases = []LawfulBasis{
	{"6(1)(c)", "UK GDPR Article 6(1)(c): legal obligation"},
	{"6(1)(d)", "UK GDPR Article 6(1)(d): vital interests"},
	{"6(1)(e)", "UK GDPR Article 6(1)(e): public task"},
	{"9(2)(c)", "UK GDPR Article 9(2)(c): vital interests (special category)"},
	{"9(2)(f)", "UK GDPR Article 9(2)(f): legal claims (special category)"},
	{"9(2)(h)", "UK GDPR Article 9(2)(h): health or social care (special category)"},
	{"dpa-sch2-p2", "DPA 2018 Schedule 2 paragraph 2: crime and taxation"},
}

// DisclosureLinkTTL is how long a recipient has to collect a recording.
const DisclosureLinkTTL = 7 * 24 * time.Hour

// DisclosureTokenPrefix marks disclosure link tokens.
const DisclosureTokenPrefix = "fld_"

// DisclosureRequest is what information governance records.
type DisclosureRequest struct {
	Recipient   string
	LawfulBasis string
	Reason      string
	Reference   string
}

// Disclose records a disclosure of a recording to a recipient the policy
// allows and returns a single-use download token for the recipient.
// Recipients not in the policy are refused (a disclosure the law requires
// to another recipient goes through RequestLegalDisclosure).
func (s *Service) Disclose(ctx context.Context, p *auth.Principal, id string, req DisclosureRequest) (Disclosure, string, error) {
	if !p.Is(auth.InformationGovernance) {
		return store.Disclosure{}, "", ErrForbidden
	}
	if !s.policy().RecipientAllowed(System, req.Recipient) {
		return store.Disclosure{}, "", fail.Field("recipient", "the policy does not allow disclosure of call recordings to this recipient")
	}
	if err := req.validate(); err != nil {
		return store.Disclosure{}, "", err
	}
	r, err := s.Get(ctx, p, id)
	if err != nil {
		return store.Disclosure{}, "", err
	}
	d := store.Disclosure{RecordingID: r.ID, ServiceArea: r.ServiceArea, Recipient: req.Recipient, LawfulBasis: req.LawfulBasis,
		Reason: strings.TrimSpace(req.Reason), Reference: strings.TrimSpace(req.Reference), DisclosedBy: p.Actor()}
	var token string
	err = s.db.Tx(ctx, func(q *store.Q) error {
		var err error
		d, token, err = s.issue(ctx, q, d)
		return err
	})
	return d, token, err
}

// validate checks what every disclosure names: its lawful basis, why it is
// necessary and the requester's reference.
func (req DisclosureRequest) validate() error {
	if !slices.ContainsFunc(DisclosureBases, func(b LawfulBasis) bool { return b.ID == req.LawfulBasis }) {
		return fail.Field("lawful_basis", "choose the lawful basis for the disclosure")
	}
	if r := strings.TrimSpace(req.Reason); r == "" || len(r) > 1000 {
		return fail.Field("reason", "say why the disclosure is necessary (up to 1000 characters)")
	}
	if r := strings.TrimSpace(req.Reference); r == "" || len(r) > 100 {
		return fail.Field("reference", "give the requester's reference (up to 100 characters)")
	}
	return nil
}

// issue enters d in the register with a fresh single-use link, audited, in
// the caller's transaction, and returns the link's token: the one way a
// recording is released to another organisation.
func (s *Service) issue(ctx context.Context, q *store.Q, d store.Disclosure) (store.Disclosure, string, error) {
	if err := lockToDisclose(ctx, q, d.RecordingID); err != nil {
		return d, "", err
	}
	token, hash, err := NewLinkToken(DisclosureTokenPrefix)
	if err != nil {
		return d, "", err
	}
	now := s.now()
	d.DisclosedAt, d.LinkHash, d.LinkExpiresAt = now, hash, now.Add(DisclosureLinkTTL)
	if d.ID, err = q.CreateDisclosure(ctx, d); err != nil {
		return d, "", err
	}
	_, err = s.audit.Append(ctx, q, audit.Entry{Actor: d.DisclosedBy, Action: "recording.disclose", Object: "recording:" + d.RecordingID,
		Purpose: "disclosure", Outcome: audit.Success})
	return d, token, err
}

// lockToDisclose locks live recording id in q's transaction against a
// deletion under way (see store.LockRecording) before a disclosure or a
// disclosure required by law is entered: either keeps the recording from
// erasure, so either it commits before an erasure reads the exemptions or
// it is refused with ErrRecordingGone.
func lockToDisclose(ctx context.Context, q *store.Q, id string) error {
	_, err := q.LockRecording(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return ErrRecordingGone
	}
	return err
}

// Collection is one transfer of a disclosed recording. The link is spent
// only by Complete, after the whole file was written; Abort gives it back.
type Collection struct {
	*Playback
	*Link
	Disclosure store.Disclosure
}

// CollectDisclosure claims a disclosure link for one transfer and returns
// the decrypted recording. limit(size) is the longest the transfer of size
// bytes may take (the caller enforces it with a write deadline); the claim
// lasts a little longer, so a transfer from another process (several serve
// instances share the database) cannot start until this one has finished,
// been aborted or run out of time. Call Complete or Abort.
func (s *Service) CollectDisclosure(ctx context.Context, token string, limit func(size int64) time.Duration) (*Collection, error) {
	if !strings.HasPrefix(token, DisclosureTokenPrefix) {
		return nil, ErrLinkSpent
	}
	hash, now := LinkHash(token), s.now()
	d, err := s.db.Q().DisclosureByLink(ctx, hash, now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrLinkSpent
	}
	if err != nil {
		return nil, err
	}
	r, err := s.db.Q().RecordingByID(ctx, d.RecordingID)
	if errors.Is(err, store.ErrNotFound) || err == nil && !r.DeletedAt.IsZero() {
		return nil, ErrLinkSpent
	}
	if err != nil {
		return nil, err
	}
	claim := NewClaim()
	if d, err = s.db.Q().ClaimDisclosureLink(ctx, hash, claim, now, now.Add(limit(r.Size)+LeaseSlack)); err != nil {
		return nil, ClaimError(err)
	}
	c := &Collection{Disclosure: d, Link: s.Hold(LinkClaim{Table: store.DisclosureLinks, ID: d.ID, Claim: claim,
		Name: "disclosure " + strconv.FormatInt(d.ID, 10), Entry: func(outcome string) audit.Entry {
			return audit.Entry{Actor: "disclosure:" + strconv.FormatInt(d.ID, 10), Action: "recording.collect",
				Object: "recording:" + d.RecordingID, Purpose: "disclosure", Outcome: outcome}
		}})}
	if c.Playback, err = s.decrypt(ctx, r); err != nil {
		c.Release(context.WithoutCancel(ctx))
		return nil, err
	}
	return c, nil
}
