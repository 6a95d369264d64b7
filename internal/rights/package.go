package rights

import (
	"archive/zip"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"mime"
	"strings"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
)

// Access and portability: one ZIP with a JSON manifest, the decrypted
// recordings and a printable cover letter, built while it streams to the
// requester (never written to disk in plaintext) through a single-use link
// that expires.

// ReleaseLinkTTL is how long the requester has to download the package.
const ReleaseLinkTTL = 7 * 24 * time.Hour

// ReleaseTokenPrefix marks package link tokens.
const ReleaseTokenPrefix = "fsr_"

// Release prepares an access or portability package of what the search
// finds now and returns its one-time link token. The requester's identity
// must be confirmed (or not in doubt).
func (s *Service) Release(ctx context.Context, p *auth.Principal, id int64) (string, error) {
	if !p.Is(auth.InformationGovernance) {
		return "", ErrForbidden
	}
	r, err := s.db.Q().RightsRequestByID(ctx, id)
	if err != nil {
		return "", err
	}
	switch {
	case r.Kind != "access" && r.Kind != "portability":
		return "", fail.New(fail.Conflict, "only access and portability requests are answered with a package")
	case r.Status != "open":
		return "", fail.New(fail.Conflict, "this request is closed")
	case r.Identity == "pending":
		return "", fail.New(fail.Conflict, "confirm the requester's identity before releasing their data")
	}
	f, err := s.search(ctx, r)
	if err != nil {
		return "", err
	}
	recIDs, _ := json.Marshal(f.RecordingIDs())
	token, hash, err := recording.NewLinkToken(ReleaseTokenPrefix)
	if err != nil {
		return "", err
	}
	now := s.now()
	rel := store.RightsRelease{RequestID: id, RecordingIDs: string(recIDs), LinkHash: hash,
		LinkExpiresAt: now.Add(ReleaseLinkTTL), CreatedBy: p.Actor(), CreatedAt: now}
	err = s.db.Tx(ctx, func(q *store.Q) error {
		if rel.ID, err = q.CreateRightsRelease(ctx, rel); err != nil {
			return err
		}
		ev := []store.RightsEvent{{Detail: fmt.Sprintf("package %d released: %d recordings, %d chatbot turns; link expires %s",
			rel.ID, len(f.Recordings), len(f.ChatTurns), rel.LinkExpiresAt.Format("2 January 2006"))}}
		for _, r := range f.Recordings {
			ev = append(ev, store.RightsEvent{RecordingID: r.ID, Detail: "included in the package"})
		}
		return s.note(ctx, q, p.Actor(), id, "rights.release", ev...)
	})
	return token, err
}

// ErrLinkSpent and ErrLinkBusy are the single-use link's errors, as for
// a disclosure (package links work the same way: recording.Link).
var (
	ErrLinkSpent = recording.ErrLinkSpent
	ErrLinkBusy  = recording.ErrLinkBusy
)

// Package is one transfer of a released package. The link is spent only by
// Complete, after the whole ZIP was written; Abort gives it back.
type Package struct {
	Release store.RightsRelease
	link    *recording.Link
	svc     *Service
	req     store.RightsRequest
	ids     Identifiers
	found   Found
	size    int64
}

// Size is the audio the package carries, for the transfer's time limit.
func (p *Package) Size() int64 { return p.size }

// FileName is the ZIP's download name.
func (p *Package) FileName() string { return fmt.Sprintf("your-data-request-%d.zip", p.req.ID) }

// Collect claims a package link for one transfer. limit(size) is the
// longest the transfer may take; the claim lasts a little longer, so a
// transfer from another serve instance cannot start until this one has
// finished, been aborted or run out of time. Call Complete or Abort.
func (s *Service) Collect(ctx context.Context, token string, limit func(size int64) time.Duration) (*Package, error) {
	if !strings.HasPrefix(token, ReleaseTokenPrefix) {
		return nil, ErrLinkSpent
	}
	hash, now := recording.LinkHash(token), s.now()
	q := s.db.Q()
	// Claim for a short while first (nothing is read before the link is
	// ours), then extend the claim to the package's real size.
	claim := recording.NewClaim()
	rel, err := q.ClaimRightsRelease(ctx, hash, claim, now, now.Add(recording.LeaseSlack))
	if err != nil {
		return nil, recording.ClaimError(err)
	}
	pkg := &Package{Release: rel, svc: s}
	pkg.link = s.rec.Hold(recording.LinkClaim{Table: store.RightsReleaseLinks, ID: rel.ID, Claim: claim,
		Name: fmt.Sprintf("rights package %d", rel.ID),
		Entry: func(outcome string) audit.Entry {
			return releaseEntry(rel.ID, "rights.collect", Object(rel.RequestID), outcome)
		},
		// The case's history says the requester has their data.
		OnComplete: func(ctx context.Context, q *store.Q) error {
			return q.AddRightsEvents(ctx, rel.RequestID, []store.RightsEvent{{At: s.now(), Actor: fmt.Sprintf("release:%d", rel.ID),
				Action: "rights.collect", Detail: fmt.Sprintf("package %d downloaded by the requester", rel.ID)}})
		}})
	if err := pkg.load(ctx); err != nil {
		pkg.link.Release(context.WithoutCancel(ctx))
		return nil, err
	}
	// The claim now covers the whole transfer of what the package holds.
	if err := q.ExtendRightsClaim(ctx, rel.ID, claim, s.now().Add(limit(pkg.size)+recording.LeaseSlack)); err != nil {
		pkg.link.Release(context.WithoutCancel(ctx))
		return nil, ErrLinkSpent
	}
	return pkg, nil
}

// load reads what the package holds: the case, its identifiers and the
// recordings fixed at release that still exist.
func (p *Package) load(ctx context.Context) error {
	q := p.svc.db.Q()
	var err error
	if p.req, err = q.RightsRequestByID(ctx, p.Release.RequestID); err != nil {
		return err
	}
	if p.req.IdentifiersCT == "" {
		return ErrLinkSpent
	}
	if p.ids, err = p.svc.openIdentifiers(p.req); err != nil {
		return err
	}
	found, err := p.svc.search(ctx, p.req)
	if err != nil {
		return err
	}
	var fixed []string
	if err := json.Unmarshal([]byte(p.Release.RecordingIDs), &fixed); err != nil {
		return fmt.Errorf("rights: package %d: recording ids: %w", p.Release.ID, err)
	}
	p.found = Found{ChatTurns: found.ChatTurns, Surveys: found.Surveys, TrainingCopies: found.TrainingCopies, Stores: found.Stores}
	for _, r := range found.Recordings {
		for _, id := range fixed {
			if r.ID == id {
				p.found.Recordings = append(p.found.Recordings, r)
				p.size += r.Size
				break
			}
		}
	}
	return nil
}

// Complete spends the link after the whole package was written, and
// audits the collection, in one transaction with the case's history.
func (p *Package) Complete(ctx context.Context) error { return p.link.Complete(ctx) }

// Abort gives the link back after a transfer that did not finish (audited
// as a failure: the requester may have received part of it).
func (p *Package) Abort(ctx context.Context) error { return p.link.Abort(ctx) }

// Manifest is the package's machine-readable description (manifest.json).
type Manifest struct {
	Controller  string             `json:"controller"`
	Request     ManifestRequest    `json:"request"`
	GeneratedAt time.Time          `json:"generated_at"`
	Recordings  []ManifestRecord   `json:"recordings"`
	ChatTurns   []ManifestChatTurn `json:"chatbot_turns"`
	SurveyTexts []ManifestSurvey   `json:"survey_texts_waiting"`
	// TrainingCopies are clips kept for staff training after their call's
	// recording was destroyed; their audio is in the package too.
	TrainingCopies []ManifestTrainingCopy `json:"training_copies"`
	Searched       []StoreResult          `json:"stores_searched"`
}

// ManifestTrainingCopy is a training clip's own copy of part of a call with
// one of the requester's numbers, kept past the call's recording.
type ManifestTrainingCopy struct {
	File         string    `json:"file"`
	AddedAt      time.Time `json:"added_to_training"`
	StartSeconds float64   `json:"start_seconds"`
	EndSeconds   float64   `json:"end_seconds,omitempty"`
	KeptUntil    time.Time `json:"kept_until"`
	Restricted   bool      `json:"restricted"`
}

// ManifestSurvey is a post-call survey text waiting to be sent to one of
// the requester's numbers: the number is held, encrypted, until it is sent
// and destroyed then or at NumberDestroyedBy at the latest.
type ManifestSurvey struct {
	ServiceArea       string    `json:"service_area"`
	DueAt             time.Time `json:"due_at"`
	NumberDestroyedBy time.Time `json:"number_destroyed_by"`
}

// ManifestQualityUse is one use of a recording by quality monitoring or
// training: an evaluation of the call or a clip in a training playlist. The
// assessment itself is about the member of staff, so only the use is listed.
type ManifestQualityUse struct {
	Use  string    `json:"use"`
	Date time.Time `json:"date"`
}

// ManifestRequest describes the request the package answers.
type ManifestRequest struct {
	Reference   string      `json:"reference"`
	Kind        string      `json:"kind"`
	Received    string      `json:"received"`
	Identifiers Identifiers `json:"identifiers_searched"`
}

// ManifestRecord is one recording in the package.
type ManifestRecord struct {
	File            string               `json:"file"`
	ID              string               `json:"id"`
	StartedAt       time.Time            `json:"started_at"`
	DurationSeconds float64              `json:"duration_seconds"`
	Direction       string               `json:"direction"`
	ServiceArea     string               `json:"service_area"`
	OtherParty      string               `json:"other_party_number"`
	MediaType       string               `json:"media_type"`
	SHA256          string               `json:"sha256"`
	KeptUntil       time.Time            `json:"kept_until"`
	LegalHold       bool                 `json:"legal_hold"`
	Restricted      bool                 `json:"restricted"`
	Purposes        []string             `json:"purposes"`
	LawfulBases     []string             `json:"lawful_bases"`
	DisclosedTo     []ManifestDisclosure `json:"disclosed_to"`
	Corrections     []ManifestCorrection `json:"corrections,omitempty"`
	QualityUses     []ManifestQualityUse `json:"quality_and_training_uses"`
}

// ManifestDisclosure is a release of a recording to another organisation.
type ManifestDisclosure struct {
	Recipient   string    `json:"recipient"`
	Date        time.Time `json:"date"`
	LawfulBasis string    `json:"lawful_basis"`
	// RequiredByLaw marks a release the law required to a recipient the
	// notice does not list (approved by a second officer).
	RequiredByLaw bool `json:"required_by_law"`
}

// ManifestCorrection is a rectification of a recording's metadata.
type ManifestCorrection struct {
	Field string    `json:"field"`
	Old   string    `json:"old"`
	New   string    `json:"new"`
	At    time.Time `json:"at"`
}

// ManifestChatTurn is one stored chatbot question (already redacted).
type ManifestChatTurn struct {
	At          time.Time `json:"at"`
	Question    string    `json:"question"`
	ServiceArea string    `json:"service_area"`
	Answered    bool      `json:"answered"`
	KeptUntil   time.Time `json:"kept_until"`
}

func (p *Package) manifest(ctx context.Context, pol *policy.Policy) (Manifest, error) {
	m := Manifest{Controller: pol.Organisation.Name, GeneratedAt: p.svc.now().UTC(),
		Request: ManifestRequest{Reference: Object(p.req.ID), Kind: p.req.Kind, Received: p.req.ReceivedAt.Format(time.DateOnly),
			Identifiers: p.ids},
		Recordings: []ManifestRecord{}, ChatTurns: []ManifestChatTurn{}, SurveyTexts: []ManifestSurvey{},
		TrainingCopies: []ManifestTrainingCopy{}, Searched: p.found.Stores}
	sys, _ := pol.System(recording.System)
	var purposes, bases []string
	if sys != nil {
		for _, pu := range sys.Purposes {
			purposes = append(purposes, pu.Name)
		}
		for _, b := range sys.LawfulBases {
			bases = append(bases, "UK GDPR Article "+b.Article+": "+b.Text)
		}
	}
	for _, r := range p.found.Recordings {
		mr := ManifestRecord{File: recordingFile(r.Recording), ID: r.ID, StartedAt: r.StartedAt, DurationSeconds: r.Duration.Seconds(),
			Direction: r.Direction, ServiceArea: areaName(pol, r.ServiceArea), OtherParty: r.Number, MediaType: r.MediaType,
			SHA256: r.SHA256, KeptUntil: r.ExpiresAt, Restricted: r.Restricted, Purposes: purposes, LawfulBases: bases,
			DisclosedTo: []ManifestDisclosure{}, QualityUses: []ManifestQualityUse{}}
		for _, e := range r.Evaluations {
			mr.QualityUses = append(mr.QualityUses, ManifestQualityUse{Use: "quality evaluation of the call", Date: e.CreatedAt})
		}
		for _, c := range r.Clips {
			mr.QualityUses = append(mr.QualityUses, ManifestQualityUse{Use: "clip in a staff training playlist", Date: c.AddedAt})
		}
		for _, h := range r.Holds {
			mr.LegalHold = mr.LegalHold || h.ReleasedAt.IsZero()
		}
		for _, d := range r.Disclosures {
			mr.DisclosedTo = append(mr.DisclosedTo, ManifestDisclosure{Recipient: recipientName(pol, d.Recipient), Date: d.DisclosedAt,
				LawfulBasis: d.LawfulBasis, RequiredByLaw: d.LegalDisclosureID != 0})
		}
		cs, err := p.svc.db.Q().RecordingCorrections(ctx, r.ID)
		if err != nil {
			return m, err
		}
		for _, c := range cs {
			mr.Corrections = append(mr.Corrections, ManifestCorrection{Field: c.Field, Old: c.Old, New: c.New, At: c.At})
		}
		m.Recordings = append(m.Recordings, mr)
	}
	for _, sr := range p.found.Surveys {
		m.SurveyTexts = append(m.SurveyTexts, ManifestSurvey{ServiceArea: areaName(pol, sr.ServiceArea), DueAt: sr.DueAt,
			NumberDestroyedBy: sr.ExpiresAt})
	}
	for _, c := range p.found.TrainingCopies {
		m.TrainingCopies = append(m.TrainingCopies, ManifestTrainingCopy{
			File:    fmt.Sprintf("training/%s-clip-%d.wav", c.AddedAt.UTC().Format("2006-01-02T150405Z"), c.ID),
			AddedAt: c.AddedAt, StartSeconds: c.Start.Seconds(), EndSeconds: c.End.Seconds(), KeptUntil: c.CopyExpiresAt,
			Restricted: !c.RestrictedAt.IsZero()})
	}
	for _, t := range p.found.ChatTurns {
		m.ChatTurns = append(m.ChatTurns, ManifestChatTurn{At: t.CreatedAt, Question: t.Question, ServiceArea: t.ServiceArea,
			Answered: t.Answered, KeptUntil: t.ExpiresAt})
	}
	return m, nil
}

func recordingFile(r recording.Recording) string {
	ext := ".audio"
	if exts, _ := mime.ExtensionsByType(r.MediaType); len(exts) > 0 {
		ext = exts[0]
	}
	switch r.MediaType {
	case "audio/wav", "audio/x-wav", "audio/wave":
		ext = ".wav"
	case "audio/mpeg":
		ext = ".mp3"
	case "audio/ogg":
		ext = ".ogg"
	}
	return "recordings/" + r.StartedAt.UTC().Format("2006-01-02T150405Z") + "-" + r.ID[:8] + ext
}

func areaName(pol *policy.Policy, id string) string {
	if a, ok := pol.ServiceArea(recording.System, id); ok {
		return a.Name
	}
	return id
}

func recipientName(pol *policy.Policy, id string) string {
	if sys, ok := pol.System(recording.System); ok {
		for _, r := range sys.Recipients {
			if r.ID == id {
				return r.Name
			}
		}
	}
	return id
}

// WriteZIP streams the package to w: manifest.json, letter.html, then each
// recording decrypted segment by segment. Nothing is written to disk.
func (p *Package) WriteZIP(ctx context.Context, w io.Writer) error {
	pol := p.svc.policy()
	m, err := p.manifest(ctx, pol)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	mod := p.svc.now()
	create := func(name string, method uint16) (io.Writer, error) {
		return zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: mod})
	}
	mw, err := create("manifest.json", zip.Deflate)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(mw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return err
	}
	lw, err := create("letter.html", zip.Deflate)
	if err != nil {
		return err
	}
	if err := p.writeLetter(lw, pol, m); err != nil {
		return err
	}
	actor := fmt.Sprintf("release:%d", p.Release.ID)
	for i, r := range p.found.Recordings {
		if err := ctx.Err(); err != nil {
			return err
		}
		pb, err := p.svc.rec.OpenForSubject(ctx, actor, r.ID)
		if err != nil {
			return err
		}
		// Audio is already compressed or too noisy to gain much: stored,
		// so the transfer costs no CPU beyond decryption.
		fw, err := create(m.Recordings[i].File, zip.Store)
		if err == nil {
			_, err = io.Copy(fw, pb)
		}
		pb.Close()
		if err != nil {
			return err
		}
	}
	for i, c := range p.found.TrainingCopies {
		if err := p.writeTrainingCopy(ctx, create, actor, c, m.TrainingCopies[i].File); err != nil {
			return err
		}
	}
	return zw.Close()
}

// writeTrainingCopy adds a training copy's audio to the package, audited as
// the release's access for the subject like the recordings'.
func (p *Package) writeTrainingCopy(ctx context.Context, create func(string, uint16) (io.Writer, error), actor string, c store.Clip, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	pb, err := p.svc.rec.OpenTrainingCopy(ctx, c)
	if err != nil {
		return err
	}
	defer pb.Close()
	if err := p.svc.audit.Record(ctx, audit.Entry{Actor: actor, Action: "training.copy.open",
		Object: fmt.Sprintf("clip:%d", c.ID), Purpose: "subject-request", Outcome: audit.Success}); err != nil {
		return err
	}
	fw, err := create(name, zip.Store)
	if err != nil {
		return err
	}
	_, err = io.Copy(fw, pb)
	return err
}

//go:embed letter.html
var letterHTML string

var letterTmpl = template.Must(template.New("letter").Funcs(template.FuncMap{
	"date":     func(t time.Time) string { return t.In(ukTime).Format("2 January 2006") },
	"datetime": func(t time.Time) string { return t.In(ukTime).Format("2 January 2006 at 15:04") },
	"minutes": func(sec float64) string {
		return fmt.Sprintf("%d min %02d s", int(sec)/60, int(sec)%60)
	},
	"kind": KindLabel,
}).Parse(letterHTML))

type letterData struct {
	Org         policy.Organisation
	M           Manifest
	Kind        string
	Retention   []retentionLine
	Rights      []policy.Right
	Purposes    []policy.Purpose
	LawfulBases []policy.LawfulBasis
	Disclosed   bool
}

type retentionLine struct{ Area, Period string }

func (p *Package) writeLetter(w io.Writer, pol *policy.Policy, m Manifest) error {
	d := letterData{Org: pol.Organisation, M: m, Kind: p.req.Kind, Rights: pol.Rights}
	if sys, ok := pol.System(recording.System); ok {
		d.Purposes, d.LawfulBases = sys.Purposes, sys.LawfulBases
		seen := map[string]bool{}
		for _, r := range p.found.Recordings {
			if seen[r.ServiceArea] {
				continue
			}
			seen[r.ServiceArea] = true
			ret, err := pol.Retention(recording.System, recording.DataKind, r.ServiceArea)
			if err != nil {
				return err
			}
			d.Retention = append(d.Retention, retentionLine{Area: areaName(pol, r.ServiceArea), Period: ret.String()})
		}
	}
	for _, r := range m.Recordings {
		d.Disclosed = d.Disclosed || len(r.DisclosedTo) > 0
	}
	return letterTmpl.Execute(w, d)
}
