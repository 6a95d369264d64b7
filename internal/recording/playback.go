package recording

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/crypt"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
)

// Purposes for opening a recording beyond those the policy lists for the
// system (quality monitoring, training, improving the service): the
// information-rights reasons a council must be able to act on.
var rightsPurposes = []Purpose{
	{"complaint", "Investigating a complaint"},
	{"subject-request", "Answering a subject access request"},
	{"disclosure", "Disclosure to an allowed recipient"},
}

// Purpose is a reason to open a recording.
type Purpose struct{ ID, Name string }

// Purposes lists the reasons a recording may be opened for.
func (s *Service) Purposes() []Purpose {
	var out []Purpose
	if sys, ok := s.policy().System(System); ok {
		for _, p := range sys.Purposes {
			out = append(out, Purpose{p.ID, p.Name})
		}
	}
	return append(out, rightsPurposes...)
}

// CanOpen reports whether p may open recordings of area at all: team
// leaders and quality assessors for their own service areas, information
// governance for all. Others (agents, administrators, auditors) may not.
func CanOpen(p *auth.Principal, area string) bool {
	switch {
	case p == nil:
		return false
	case p.Is(auth.InformationGovernance):
		return true
	case p.Is(auth.TeamLeader, auth.QualityAssessor):
		return p.SeesServiceArea(area)
	}
	return false
}

// Get returns a live recording's metadata if p may see it.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (Recording, error) {
	r, err := s.db.Q().RecordingByID(ctx, id)
	if err != nil {
		return store.Recording{}, err
	}
	if !r.DeletedAt.IsZero() || !CanOpen(p, r.ServiceArea) {
		// Someone else's recording is as invisible as a missing one.
		return store.Recording{}, store.ErrNotFound
	}
	return r, nil
}

// Playback is a decrypted, seekable view of a recording.
type Playback struct {
	io.ReadSeeker
	Size      int64
	MediaType string
	ModTime   time.Time
	closer    io.Closer
}

// Close releases the underlying object.
func (p *Playback) Close() error { return p.closer.Close() }

// Open decrypts a recording for p, who must say why; the access is audited
// with that purpose. Only the segments a reader asks for are decrypted, so
// HTTP Range requests seek without reading the whole file.
func (s *Service) Open(ctx context.Context, p *auth.Principal, id, purpose string) (*Playback, error) {
	if _, err := s.Authorize(ctx, p, id, purpose); err != nil {
		return nil, err
	}
	return s.Playback(ctx, p, id)
}

// Authorize records that p opens recording id for purpose, after checking
// p may. The web player calls it once, then streams many Range requests
// through Playback under a short-lived grant.
func (s *Service) Authorize(ctx context.Context, p *auth.Principal, id, purpose string) (Recording, error) {
	if !slices.ContainsFunc(s.Purposes(), func(x Purpose) bool { return x.ID == purpose }) {
		return store.Recording{}, fail.Field("purpose", "choose why you are opening this recording")
	}
	r, err := s.Get(ctx, p, id)
	if err != nil {
		return store.Recording{}, err
	}
	if err := s.checkRestriction(ctx, id, purpose); err != nil {
		return store.Recording{}, err
	}
	err = s.audit.Record(ctx, audit.Entry{Actor: p.Actor(), Action: "recording.open", Object: "recording:" + id,
		Purpose: purpose, Outcome: audit.Success})
	return r, err
}

// Playback decrypts a recording p may open. Callers must have called
// Authorize for this access (it is what audits it).
func (s *Service) Playback(ctx context.Context, p *auth.Principal, id string) (*Playback, error) {
	r, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return s.decrypt(ctx, r)
}

// decrypt opens r's blob and unwraps its key.
func (s *Service) decrypt(ctx context.Context, r store.Recording) (*Playback, error) {
	wk, err := crypt.ParseWrappedKey(r.WrappedKey)
	if err != nil {
		return nil, fmt.Errorf("recording %s: %w", r.ID, err)
	}
	key, err := s.keys.Unwrap(ctx, wk)
	if err != nil {
		return nil, fmt.Errorf("recording %s: unwrap key: %w", r.ID, err)
	}
	defer clear(key)
	obj, err := s.blobs.Open(ctx, r.BlobKey)
	if err != nil {
		return nil, fmt.Errorf("recording %s: open blob: %w", r.ID, err)
	}
	dec, err := crypt.NewDecryptReaderAt(obj, obj.Size(), key, associatedData(r.ID))
	if err != nil {
		obj.Close()
		return nil, fmt.Errorf("recording %s: %w", r.ID, err)
	}
	return &Playback{ReadSeeker: dec.ReadSeeker(), Size: dec.Size(), MediaType: r.MediaType, ModTime: r.CreatedAt, closer: obj}, nil
}

// OtherParty decrypts the other party's number for information governance
// (subject access); audited.
func (s *Service) OtherParty(ctx context.Context, p *auth.Principal, id string) (string, error) {
	if !p.Is(auth.InformationGovernance) {
		return "", ErrForbidden
	}
	r, err := s.Get(ctx, p, id)
	if err != nil || r.NumberCT == "" {
		return "", err
	}
	wk, err := crypt.ParseWrappedKey(r.WrappedKey)
	if err != nil {
		return "", err
	}
	key, err := s.keys.Unwrap(ctx, wk)
	if err != nil {
		return "", err
	}
	defer clear(key)
	ct, err := decodeB64(r.NumberCT)
	if err != nil {
		return "", err
	}
	if err := s.audit.Record(ctx, audit.Entry{Actor: p.Actor(), Action: "recording.reveal_number", Object: "recording:" + id,
		Purpose: "subject-request", Outcome: audit.Success}); err != nil {
		return "", err
	}
	return crypt.OpenString(key, ct, numberAD(r.ID))
}

// Search lists recordings p may see. Searching by phone number is for
// information governance only, and the number is turned into its blind
// index here, so it never reaches SQL, logs or audit entries.
func (s *Service) Search(ctx context.Context, p *auth.Principal, f Filter, number string) ([]Recording, error) {
	switch {
	case p.Is(auth.InformationGovernance):
		f.ServiceAreas = nil
	case p.Is(auth.TeamLeader, auth.QualityAssessor):
		f.ServiceAreas = append([]string{}, p.ServiceAreas...)
	default:
		return nil, ErrForbidden
	}
	if number != "" {
		if !p.Is(auth.InformationGovernance) {
			return nil, ErrForbidden
		}
		idx, err := s.bidx.Phone(number)
		if err != nil {
			return nil, invalidField("number", "is not a possible telephone number")
		}
		f.NumberBIdx = fmt.Sprintf("%x", idx)
		if err := s.audit.Record(ctx, audit.Entry{Actor: p.Actor(), Action: "recording.search_number", Purpose: "subject-request",
			Outcome: audit.Success}); err != nil {
			return nil, err
		}
	}
	return s.db.Q().Recordings(ctx, f)
}
