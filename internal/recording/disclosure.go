package recording

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
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

func linkHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Disclose records a disclosure of a recording to a recipient the policy
// allows and returns a single-use download token for the recipient.
// Recipients not in the policy are refused.
func (s *Service) Disclose(ctx context.Context, p *auth.Principal, id string, req DisclosureRequest) (store.Disclosure, string, error) {
	if !p.Is(auth.InformationGovernance) {
		return store.Disclosure{}, "", ErrForbidden
	}
	if !s.policy().RecipientAllowed(System, req.Recipient) {
		return store.Disclosure{}, "", &InvalidError{"recipient", "the policy does not allow disclosure of call recordings to this recipient"}
	}
	if !slices.ContainsFunc(DisclosureBases, func(b LawfulBasis) bool { return b.ID == req.LawfulBasis }) {
		return store.Disclosure{}, "", &InvalidError{"lawful_basis", "choose the lawful basis for the disclosure"}
	}
	req.Reason, req.Reference = strings.TrimSpace(req.Reason), strings.TrimSpace(req.Reference)
	if req.Reason == "" || len(req.Reason) > 1000 {
		return store.Disclosure{}, "", &InvalidError{"reason", "say why the disclosure is necessary (up to 1000 characters)"}
	}
	if req.Reference == "" || len(req.Reference) > 100 {
		return store.Disclosure{}, "", &InvalidError{"reference", "give the requester's reference (up to 100 characters)"}
	}
	r, err := s.Get(ctx, p, id)
	if err != nil {
		return store.Disclosure{}, "", err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return store.Disclosure{}, "", err
	}
	token := DisclosureTokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	now := s.now()
	d := store.Disclosure{RecordingID: r.ID, ServiceArea: r.ServiceArea, Recipient: req.Recipient, LawfulBasis: req.LawfulBasis,
		Reason: req.Reason, Reference: req.Reference, DisclosedBy: p.Actor(), DisclosedAt: now, LinkHash: linkHash(token),
		LinkExpiresAt: now.Add(DisclosureLinkTTL)}
	err = s.db.Tx(ctx, func(q *store.Q) error {
		var err error
		if d.ID, err = q.CreateDisclosure(ctx, d); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, q, audit.Entry{Actor: p.Actor(), Action: "recording.disclose", Object: "recording:" + r.ID,
			Purpose: "disclosure", Outcome: audit.Success})
		return err
	})
	return d, token, err
}

// ErrLinkSpent is returned for a disclosure link that was used, expired
// or never existed (indistinguishably, on purpose).
var ErrLinkSpent = errors.New("this download link has been used or has expired")

// CollectDisclosure spends a disclosure link and returns the decrypted
// recording. It works once.
func (s *Service) CollectDisclosure(ctx context.Context, token string) (*Playback, store.Disclosure, error) {
	if !strings.HasPrefix(token, DisclosureTokenPrefix) {
		return nil, store.Disclosure{}, ErrLinkSpent
	}
	var d store.Disclosure
	err := s.db.Tx(ctx, func(q *store.Q) error {
		var err error
		if d, err = q.UseDisclosureLink(ctx, linkHash(token), s.now()); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, q, audit.Entry{Actor: "disclosure:" + strconv.FormatInt(d.ID, 10), Action: "recording.collect",
			Object: "recording:" + d.RecordingID, Purpose: "disclosure", Outcome: audit.Success})
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, store.Disclosure{}, ErrLinkSpent
	}
	if err != nil {
		return nil, store.Disclosure{}, err
	}
	r, err := s.db.Q().RecordingByID(ctx, d.RecordingID)
	if err != nil || !r.DeletedAt.IsZero() {
		return nil, d, ErrLinkSpent
	}
	pb, err := s.decrypt(ctx, r)
	return pb, d, err
}
