// Package recording keeps the call recording promises by construction:
// every recording is validated against the policy (service area, retention),
// encrypted under its own data key while it streams to storage, findable by
// the other party's number only through a keyed hash, opened only by roles
// that may, for a stated purpose, and destroyed when its service area's
// period ends: wrapped key first, so copies become unreadable, then the blob.
// Recordings arrive by the API or a drop folder; legal holds pause their
// deletion, and disclosures hand one to a recipient the policy allows.
package recording

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/fairline/fairline/internal/audio"
	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/blob"
	"github.com/fairline/fairline/internal/crypt"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/store"
	"github.com/prometheus/client_golang/prometheus"
)

// The policy system and data kind this package keeps.
const (
	System   = "call-recording"
	DataKind = "recording"
)

// DefaultMaxSize bounds one upload: two hours of 16-bit stereo 16 kHz PCM.
const DefaultMaxSize = 512 << 20

// Errors callers tell apart; their kinds (internal/fail) choose the answer.
var (
	ErrDigestMismatch = &fail.Error{Kind: fail.Invalid, Code: "digest_mismatch",
		Msg: "the uploaded audio does not match its sha256: it was corrupted in transit"}
	ErrIdempotencyConflict = &fail.Error{Kind: fail.Conflict, Code: "idempotency_conflict",
		Msg: "this Idempotency-Key was already used with different metadata"}
	ErrTooLarge  = fail.New(fail.TooLarge, "the recording is larger than the upload limit")
	ErrForbidden = fail.New(fail.Forbidden, "you may not open this recording")
)

// invalidField is an Invalid error about a metadata field whose message
// starts with the field ("direction: must be inbound or outbound"), as
// upload clients and the drop folder's reason files read it.
func invalidField(field, msg string) *fail.Error { return fail.Field(field, field+": "+msg) }

// Service stores, plays and deletes recordings.
type Service struct {
	db      *store.DB
	blobs   blob.Store
	keys    crypt.KeyProvider
	bidx    *crypt.BlindIndex
	audit   *audit.Log
	policy  func() *policy.Policy
	log     *slog.Logger
	now     func() time.Time
	maxSize int64
	deleted *prometheus.CounterVec
	stored  prometheus.Counter
	// dropFiles counts files deleted from drop folders' failed/.
	dropFiles prometheus.Counter
	calls     CallHook
}

// CallHook is told about every call stored (a recording or a call event without one) inside
// the transaction that stores it, with the caller's number in E.164 ("" when none was given):
// internal/surveys seals the number there when a survey is due, so the number's one lifecycle
// starts and ends in the outbox.
type CallHook interface {
	CallStored(ctx context.Context, q *store.Q, serviceArea, e164 string, ended time.Time) error
}

// Options configure a Service.
type Options struct {
	MaxSize  int64
	Now      func() time.Time
	Registry prometheus.Registerer // nil: no metrics
	// Calls is told about each call stored (nil: nobody).
	Calls CallHook
}

// New returns a Service.
func New(db *store.DB, blobs blob.Store, keys crypt.KeyProvider, bidx *crypt.BlindIndex, log *audit.Log,
	pol func() *policy.Policy, logger *slog.Logger, o Options) (*Service, error) {
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Service{db: db, blobs: blobs, keys: keys, bidx: bidx, audit: log, policy: pol, log: logger, now: o.Now, maxSize: o.MaxSize,
		calls: o.Calls,
		deleted: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fairline_recordings_deleted_total",
			Help: "Recordings destroyed, by reason."}, []string{"reason"}),
		stored: prometheus.NewCounter(prometheus.CounterOpts{Name: "fairline_recordings_stored_total",
			Help: "Recordings stored."}),
		dropFiles: prometheus.NewCounter(prometheus.CounterOpts{Name: "fairline_drop_folder_files_deleted_total",
			Help: "Files deleted from drop folders' failed/ after the policy's drop_folder.failed_retention."}),
	}
	if o.Registry != nil {
		for _, c := range []prometheus.Collector{s.deleted, s.stored, s.dropFiles} {
			if err := o.Registry.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// Metadata describes an uploaded call. JSON names are the API's.
type Metadata struct {
	ExternalID      string    `json:"external_call_id"`
	Direction       string    `json:"direction"`
	ServiceArea     string    `json:"service_area"`
	AgentID         string    `json:"agent_id"`
	OtherParty      string    `json:"other_party_number"`
	StartedAt       time.Time `json:"started_at"`
	DurationSeconds float64   `json:"duration_seconds"`
	Channels        int       `json:"channels"`
	SHA256          string    `json:"sha256"`
}

func token(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, c := range s {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// ValidateFields checks the fields a rectification may correct (call id,
// direction, service area, agent); the error names the field.
func (m Metadata) ValidateFields(p *policy.Policy) error {
	switch {
	case !token(m.ExternalID, 128):
		return invalidField("external_call_id", "is required: the telephony system's call id, up to 128 printable characters without spaces")
	case m.Direction != "inbound" && m.Direction != "outbound":
		return invalidField("direction", "must be inbound or outbound")
	case m.ServiceArea == "":
		return invalidField("service_area", "is required")
	}
	if _, ok := p.ServiceArea(System, m.ServiceArea); !ok {
		var ids []string
		if sys, ok := p.System(System); ok {
			for _, a := range sys.ServiceAreas {
				ids = append(ids, a.ID)
			}
		}
		return invalidField("service_area", fmt.Sprintf("is not a call recording service area in the policy (service areas: %s)",
			strings.Join(ids, ", ")))
	}
	if !token(m.AgentID, 64) {
		return invalidField("agent_id", "is required: the agent's id in the telephony system, up to 64 printable characters")
	}
	return nil
}

// Validate checks m against the policy; the error names the field.
func (m Metadata) Validate(p *policy.Policy, now time.Time) error {
	if err := m.validateCall(p, now); err != nil {
		return err
	}
	if b, err := hex.DecodeString(m.SHA256); err != nil || len(b) != sha256.Size {
		return invalidField("sha256", "must be the 64 hex digits of the audio's SHA-256")
	}
	return nil
}

// validateCall checks the fields that describe the call itself (all but the audio's digest).
func (m Metadata) validateCall(p *policy.Policy, now time.Time) error {
	if err := m.ValidateFields(p); err != nil {
		return err
	}
	switch {
	case m.StartedAt.IsZero():
		return invalidField("started_at", "is required (RFC 3339, for example 2026-11-23T09:30:00Z)")
	case m.StartedAt.After(now.Add(5 * time.Minute)):
		return invalidField("started_at", "is in the future")
	case m.DurationSeconds <= 0 || m.DurationSeconds > 24*3600:
		return invalidField("duration_seconds", "must be more than 0 and at most 86400")
	case m.Channels < 0 || m.Channels > 8:
		return invalidField("channels", "must be between 1 and 8")
	}
	if m.OtherParty != "" {
		if _, err := crypt.NormalizePhone(m.OtherParty); err != nil {
			return invalidField("other_party_number", "is not a possible telephone number")
		}
	}
	return nil
}

// Ingested is the outcome of Ingest.
type Ingested struct {
	Recording store.Recording
	Created   bool // false when the idempotency key matched an earlier upload
}

func newID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// associatedData binds a recording's audio ciphertext to its id, and
// numberAD its sealed phone number, so neither can be swapped between
// recordings or for each other.
func associatedData(id string) []byte { return []byte("fairline-recording:" + id) }

func numberAD(id string) []byte { return []byte("fairline-recording:" + id + "/number") }

// Ingest validates meta, streams audio through encryption into the blob
// store, checks its digest, and only then records it, in one transaction
// with its wrapped key, expiry and audit entry. A retried upload with the
// same idempotency key returns the first result; a failure leaves nothing
// behind but, at worst, an orphan blob that SweepOrphans removes.
func (s *Service) Ingest(ctx context.Context, actor, idemKey string, meta Metadata, body io.Reader) (Ingested, error) {
	if !token(idemKey, 200) {
		return Ingested{}, fail.Field("idempotency_key", "Idempotency-Key: is required: a unique key per recording, up to 200 printable characters")
	}
	now := s.now()
	pol := s.policy()
	if err := meta.Validate(pol, now); err != nil {
		return Ingested{}, err
	}
	meta.SHA256 = strings.ToLower(meta.SHA256)
	if prev, err := s.db.Q().RecordingByIdempotencyKey(ctx, idemKey); err == nil {
		return s.replay(prev, meta)
	} else if !errors.Is(err, store.ErrNotFound) {
		return Ingested{}, err
	}
	ret, err := pol.Retention(System, DataKind, meta.ServiceArea)
	if err != nil {
		return Ingested{}, err
	}
	expires := ret.ExpiresAt(meta.StartedAt)
	if !expires.After(now) {
		return Ingested{}, invalidField("started_at", fmt.Sprintf("the call is older than the %s this service area keeps recordings for", ret))
	}

	br := bufio.NewReaderSize(body, audio.SniffLen)
	head, err := br.Peek(audio.SniffLen)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return Ingested{}, fmt.Errorf("read upload: %w", err)
	}
	format, err := audio.Detect(head)
	if err != nil {
		return Ingested{}, invalidField("audio", err.Error())
	}

	id := newID()
	blobKey := "recordings/" + id[:2] + "/" + id
	dataKey, err := crypt.NewDataKey()
	if err != nil {
		return Ingested{}, err
	}
	defer clear(dataKey)
	// Until the row that refers to it is committed, the blob is removed on every way out.
	committed := false
	defer func() {
		if !committed {
			s.removeBlob(blobKey)
		}
	}()
	sum := sha256.New()
	peaks := audio.NewPeakWriter()
	var size int64
	_, err = blob.PutWriting(ctx, s.blobs, blobKey, func(w io.Writer) error {
		enc, err := crypt.NewEncryptWriter(w, dataKey, associatedData(id))
		if err != nil {
			return err
		}
		size, err = copyHashing(enc, io.MultiWriter(sum, peaks), io.LimitReader(br, s.maxSize+1))
		if err == nil && size > s.maxSize {
			err = ErrTooLarge
		}
		// Close waits for the write in flight, so nothing writes to w after this returns.
		if cerr := enc.Close(); err == nil {
			err = cerr
		}
		return err
	})
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return Ingested{}, ErrTooLarge.With(fmt.Sprintf("%d MB", s.maxSize>>20))
		}
		return Ingested{}, fmt.Errorf("store recording: %w", err)
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != meta.SHA256 {
		return Ingested{}, ErrDigestMismatch
	}
	wrapped, err := s.keys.Wrap(ctx, dataKey)
	if err != nil {
		return Ingested{}, fmt.Errorf("wrap data key: %w", err)
	}
	rec := store.Recording{ID: id, ExternalID: meta.ExternalID, IdempotencyKey: idemKey, Direction: meta.Direction,
		ServiceArea: meta.ServiceArea, AgentID: meta.AgentID, StartedAt: meta.StartedAt.UTC(),
		Duration: durationOf(meta), Channels: format.Channels,
		Format: format.Container + "/" + format.Codec, MediaType: format.MIME(), Size: size, SHA256: meta.SHA256,
		BlobKey: blobKey, WrappedKey: wrapped.String(), ExpiresAt: expires, CreatedAt: now}
	var e164 string
	if meta.OtherParty != "" {
		// The recording keeps the number's blind index, which is how a subject access search
		// by number finds it. The number itself stays only where the area's policy says
		// (keep_sealed_number), sealed under the recording's own data key, so destroying the
		// wrapped key destroys it too; otherwise its only copy is a survey request's, if any.
		e164, _ = crypt.NormalizePhone(meta.OtherParty)
		rec.NumberBIdx = s.numberIndex(e164)
		if pol.KeepsSealedNumber(System, meta.ServiceArea) {
			ct, err := crypt.SealString(dataKey, e164, numberAD(id))
			if err != nil {
				return Ingested{}, err
			}
			rec.NumberCT = base64.StdEncoding.EncodeToString(ct)
		}
	}
	err = s.db.Tx(ctx, func(q *store.Q) error {
		if err := q.CreateRecording(ctx, rec); err != nil {
			return err
		}
		if err := s.callStored(ctx, q, meta.ServiceArea, e164, meta.StartedAt.Add(durationOf(meta))); err != nil {
			return err
		}
		if p, ok := peaks.Peaks(); ok {
			if err := q.SaveWaveform(ctx, id, p, now); err != nil {
				return err
			}
		}
		_, err := s.audit.Append(ctx, q, audit.Entry{Actor: actor, Action: "recording.store", Object: "recording:" + id,
			Purpose: "call_recording", Outcome: audit.Success})
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		// A concurrent retry with the same key won the race: keep theirs.
		prev, perr := s.db.Q().RecordingByIdempotencyKey(ctx, idemKey)
		if perr != nil {
			return Ingested{}, perr
		}
		return s.replay(prev, meta)
	}
	if err != nil {
		return Ingested{}, err
	}
	committed = true
	s.stored.Inc()
	return Ingested{Recording: rec, Created: true}, nil
}

// replay answers a repeated idempotency key: the first recording when every
// metadata field matches, otherwise a conflict naming the fields that differ
// (names only: the values may be personal data). Channels is not compared:
// it is validated but the stored value comes from the audio itself.
func (s *Service) replay(prev store.Recording, meta Metadata) (Ingested, error) {
	var diff []string
	check := func(field string, same bool) {
		if !same {
			diff = append(diff, field)
		}
	}
	check("external_call_id", prev.ExternalID == meta.ExternalID)
	check("direction", prev.Direction == meta.Direction)
	check("service_area", prev.ServiceArea == meta.ServiceArea)
	check("agent_id", prev.AgentID == meta.AgentID)
	check("started_at", prev.StartedAt.Equal(meta.StartedAt.UTC().Truncate(time.Microsecond)))
	check("duration_seconds", prev.Duration == durationOf(meta).Truncate(time.Millisecond))
	// A destroyed recording's number is gone with its key: nothing to compare.
	check("other_party_number", !prev.DeletedAt.IsZero() || prev.NumberBIdx == s.numberIndex(meta.OtherParty))
	check("sha256", prev.SHA256 == meta.SHA256)
	if len(diff) > 0 {
		return Ingested{}, ErrIdempotencyConflict.With(strings.Join(diff, ", ") + " differ")
	}
	return Ingested{Recording: prev}, nil
}

func (s *Service) callStored(ctx context.Context, q *store.Q, area, e164 string, ended time.Time) error {
	if s.calls == nil {
		return nil
	}
	return s.calls.CallStored(ctx, q, area, e164, ended)
}

func durationOf(m Metadata) time.Duration {
	return time.Duration(m.DurationSeconds * float64(time.Second))
}

// numberIndex is the stored blind index of a validated number ("" for none).
func (s *Service) numberIndex(number string) string {
	if number == "" {
		return ""
	}
	e164, err := crypt.NormalizePhone(number)
	if err != nil {
		return ""
	}
	idx, _ := s.bidx.Phone(e164)
	return hex.EncodeToString(idx)
}

// removeBlob deletes a blob whose row was never written; failure leaves an
// orphan for SweepOrphans, so it is logged, not returned.
func (s *Service) removeBlob(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.blobs.Delete(ctx, key); err != nil {
		s.log.Warn("could not remove the blob of a failed upload; the orphan sweep will", "err", err)
	}
}

func decodeB64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

// MaxSize is the upload limit in bytes.
func (s *Service) MaxSize() int64 { return s.maxSize }

// copyHashing copies r to w while h digests the same bytes on another
// goroutine (the SHA-256 and the waveform peaks), so that work overlaps
// encryption and writing instead of adding to them: on two cores that is
// most of the difference between encrypted ingest and a plain copy. w must
// not keep the slices it is given (the encrypting writer copies them into
// its segment buffer).
func copyHashing(w io.Writer, h io.Writer, r io.Reader) (int64, error) {
	const bufs, bufSize = 4, 256 << 10
	free := make(chan []byte, bufs)
	for range bufs {
		free <- make([]byte, bufSize)
	}
	full := make(chan []byte, bufs)
	hashed := make(chan struct{})
	go func() {
		for b := range full {
			h.Write(b)
			free <- b[:cap(b)]
		}
		close(hashed)
	}()
	defer func() { close(full); <-hashed }()
	var n int64
	for {
		buf := <-free
		k, rerr := io.ReadFull(r, buf)
		if k > 0 {
			if _, err := w.Write(buf[:k]); err != nil {
				return n, err
			}
			n += int64(k)
			full <- buf[:k]
		} else {
			free <- buf
		}
		switch {
		case rerr == io.EOF || rerr == io.ErrUnexpectedEOF:
			return n, nil
		case rerr != nil:
			return n, rerr
		}
	}
}
