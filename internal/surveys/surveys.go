// Package surveys sends post-call feedback surveys by text message through GOV.UK Notify and
// keeps the notice's two promises about them by construction:
//
//   - "Telephone numbers are automatically deleted when the survey requests are sent out."
//     A caller's number is sealed into one outbox row (store.SurveyRequest) in the transaction
//     that stores the call, and blanked in the same statement that marks the request sent,
//     refused, expired or cancelled. A call that sampling skips never has its number stored.
//   - "The survey responses will not contain any personally identifiable information."
//     The link's token is stored only as a hash with the service area and ISO week; a
//     response keeps the area, the week and its answers (the comment redacted), nothing that
//     leads back to a call, a recording, an agent or a number.
//
// Sending runs on the durable job queue (Send, a periodic job). A request is marked "sending"
// by a conditional UPDATE before Notify is called, so several instances never send it twice;
// one left "sending" by a crash is resolved by asking Notify for its reference before anything
// is sent again.
package surveys

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"time"
	_ "time/tzdata" // the sending window is UK time whatever the host's zone database holds

	"github.com/fairline/fairline/internal/crypt"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/notify"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/store"
)

// System is the policy system whose service areas send surveys.
const System = "call-recording"

// Retention of what this package stores (the numbers' own lifecycle is above):
const (
	// FinishedRetention is how long a finished request (reference, area, times, Notify's
	// delivery status: no number) is kept for delivery callbacks and troubleshooting.
	FinishedRetention = 30 * 24 * time.Hour
	// TokenLife is how long a survey link can be answered; its row is deleted when used or
	// by the sweep after this (rounded up to a whole day, see tokenExpiry).
	TokenLife = 14 * 24 * time.Hour
)

// KeyPurpose derives the key numbers are sealed under in the outbox (keys.Ring.Key): a key
// for this purpose only, so nothing else that holds a derived key can open them.
const KeyPurpose = "survey-number"

// Service seals numbers, sends requests and takes responses.
type Service struct {
	db      *store.DB
	policy  func() *policy.Policy
	seal    []byte
	index   *crypt.BlindIndex
	sender  notify.Sender
	baseURL string
	log     *slog.Logger
	now     func() time.Time
	rand    io.Reader
	worker  string
	detect  policy.DetectorCache
	uk      *time.Location
	// callbackToken is Options.CallbackToken (notify.ReadCallback compares it in constant time).
	callbackToken string

	// Lease is how long a "sending" claim lasts: a sender that has not finished by then is
	// taken for dead, and its request is resolved by reference.
	Lease time.Duration
	// Backoff is the wait before attempt n+1 after a temporary refusal.
	Backoff func(attempt int) time.Duration
	// Batch is how many requests one pass looks at per query.
	Batch int
}

// Options configure a Service.
type Options struct {
	// Sender is GOV.UK Notify; nil means surveys are not sent, and no number is ever sealed.
	Sender notify.Sender
	// BaseURL is the public address survey links start with (config base-url).
	BaseURL string
	Logger  *slog.Logger
	Now     func() time.Time
	// Worker names this instance in claims (default random).
	Worker string
	// Index is the blind index recordings use (crypt.NewBlindIndex of the same ring): a
	// request keeps its number's index beside the sealed number, so a subject-access search
	// by number finds it and an erasure or objection cancels it. Nil stores no index.
	Index *crypt.BlindIndex
	// CallbackToken is the bearer token Notify's delivery-status callbacks must carry (set
	// in Notify's callback settings); empty refuses every callback.
	CallbackToken string
}

// New returns a Service. sealKey is the ring's KeyPurpose key.
func New(db *store.DB, pol func() *policy.Policy, sealKey []byte, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Worker == "" {
		o.Worker = "s-" + randomHex(6)
	}
	uk, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err) // embedded by time/tzdata
	}
	s := &Service{db: db, policy: pol, seal: sealKey, index: o.Index, sender: o.Sender, baseURL: o.BaseURL, log: o.Logger, now: o.Now,
		rand: rand.Reader, worker: o.Worker, uk: uk, callbackToken: o.CallbackToken, Lease: 2 * time.Minute, Batch: 200,
		Backoff: func(n int) time.Duration { return min(time.Duration(1<<min(n, 8))*time.Minute, 6*time.Hour) }}
	return s
}

// ReadReceipt authenticates and reads one of Notify's delivery receipts (notify.ReadCallback
// with Options.CallbackToken): the recipient's number in it is never decoded.
func (s *Service) ReadReceipt(r *http.Request) (notify.Callback, error) {
	return notify.ReadCallback(r, s.callbackToken)
}

// Delivered keeps Notify's delivery status of a request (from its callback, which also carries
// the number: the caller passes only the reference and status, and nothing else is kept).
// An unknown reference (a request already deleted after FinishedRetention) is not an error.
func (s *Service) Delivered(ctx context.Context, reference, status string) error {
	if len(status) > 40 || len(reference) > 100 {
		return fail.Field("status", "not a Notify delivery status")
	}
	err := s.db.Q().SetSurveyDeliveryStatus(ctx, reference, status)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// Enabled reports whether surveys can be sent at all (a Notify sender is configured).
func (s *Service) Enabled() bool { return s.sender != nil }

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func numberAD(ref string) []byte { return []byte("fairline-survey-request:" + ref + "/number") }

// CallStored is told, inside the transaction that stores a call (a recording or a call event),
// about the call's service area, the caller's number (E.164, or empty) and when the call ended.
// When the area sends surveys and sampling picks the call, the number is sealed into a due
// request in that transaction; otherwise it is not stored by this package at all.
func (s *Service) CallStored(ctx context.Context, q *store.Q, area, e164 string, ended time.Time) error {
	if s.sender == nil || e164 == "" {
		return nil
	}
	a, ok := s.policy().AreaSurvey(System, area)
	if !ok {
		return nil
	}
	due, expires := ended.Add(a.Delay()), ended.Add(a.Expiry())
	if !expires.After(s.now()) {
		return nil // reported too late to ask about
	}
	if pick, err := rand.Int(s.rand, big.NewInt(100)); err != nil {
		return err
	} else if pick.Int64() >= int64(a.SamplePercent) {
		return nil
	}
	ref := randomHex(16)
	ct, err := crypt.SealString(s.seal, e164, numberAD(ref))
	if err != nil {
		return err
	}
	var bidx string
	if s.index != nil {
		idx, err := s.index.Phone(e164)
		if err != nil {
			return err
		}
		bidx = hex.EncodeToString(idx)
	}
	return q.CreateSurveyRequest(ctx, store.SurveyRequest{Reference: ref, ServiceArea: area, DueAt: due, ExpiresAt: expires,
		NumberCT: base64.StdEncoding.EncodeToString(ct), NumberBIdx: bidx})
}

// NumbersHeld counts the requests that break the notice's promise: finished (sent, refused,
// expired or cancelled) but still holding a number, and unfinished but holding one more than
// grace after their expiry (the sender should have destroyed it by then). fairline check reads it.
func (s *Service) NumbersHeld(ctx context.Context, now time.Time, grace time.Duration) (finished, pastExpiry int64, err error) {
	if finished, err = s.db.Q().CountFinishedSurveyRequestsWithNumber(ctx); err != nil {
		return 0, 0, err
	}
	pastExpiry, err = s.db.Q().CountSurveyRequestsPastExpiry(ctx, now, grace)
	return finished, pastExpiry, err
}

// Summary counts what one Send pass did.
type Summary struct {
	Sent, Failed, Expired, Cancelled, Retried, Resolved int64
}

// Send works the outbox once: ends expired and cancelled requests, sends every due one inside
// its area's window, resolves those a dead sender left "sending", deletes finished requests
// and links past their retention, then scrubs the database files of the destroyed numbers.
func (s *Service) Send(ctx context.Context) (Summary, error) {
	var sum Summary
	now := s.now()
	var enabled []string
	if sys, ok := s.policy().System(System); ok {
		for _, a := range sys.ServiceAreas {
			if a.Survey != nil && a.Survey.Enabled {
				enabled = append(enabled, a.ID)
			}
		}
	}
	n, err := s.db.Q().CancelSurveyRequests(ctx, enabled, now)
	if err != nil {
		return sum, err
	}
	sum.Cancelled += n
	if n, err = s.db.Q().ExpireSurveyRequests(ctx, now); err != nil {
		return sum, err
	}
	sum.Expired += n
	if s.sender != nil {
		seen := map[string]bool{}
		for {
			rs, err := s.db.Q().SurveyRequestsToWork(ctx, s.now(), s.Batch)
			if err != nil {
				return sum, err
			}
			progressed := false
			for _, r := range rs {
				if seen[r.Reference] {
					continue
				}
				seen[r.Reference] = true
				progressed = true
				if err := s.work(ctx, r, &sum); err != nil {
					return sum, err
				}
			}
			if !progressed {
				break
			}
		}
	}
	if _, err := s.db.Q().DeleteFinishedSurveyRequests(ctx, now.Add(-FinishedRetention)); err != nil {
		return sum, err
	}
	if _, err := s.db.Q().DeleteExpiredSurveyTokens(ctx, now); err != nil {
		return sum, err
	}
	return sum, s.db.Scrub(ctx)
}

// work takes one request to its next state. Errors returned are the database's; Notify's
// answers are outcomes.
func (s *Service) work(ctx context.Context, r store.SurveyRequest, sum *Summary) error {
	now := s.now()
	ok, err := s.db.Q().ClaimSurveyRequest(ctx, r, s.worker, now, now.Add(s.Lease))
	if err != nil || !ok {
		return err // another instance has it
	}
	finish := func(state string, n *int64) error {
		err := s.db.Q().FinishSurveyRequest(ctx, r.Reference, s.worker, state, s.now())
		if errors.Is(err, store.ErrNotFound) {
			return nil // the claim lapsed and another instance owns the outcome
		}
		if err == nil {
			*n++
		}
		return err
	}
	if r.State == store.SurveySending {
		// A sender died between asking Notify and recording the answer: Notify knows.
		n, found, err := s.sender.NotificationByReference(ctx, r.Reference)
		switch {
		case err != nil && !now.Before(r.ExpiresAt):
			return finish(store.SurveyExpired, &sum.Expired)
		case err != nil:
			s.log.Warn("survey request left sending could not be resolved yet", "reference", r.Reference, "err", err)
			return nil // the claim lapses and a later pass asks again
		case found:
			sum.Resolved++
			state, count := store.SurveySent, &sum.Sent
			if n.Status == "permanent-failure" {
				state, count = store.SurveyFailed, &sum.Failed
			}
			return finish(state, count)
		}
		// Notify never got it: send it now, as if it had just fallen due.
	}
	a, ok := s.policy().AreaSurvey(System, r.ServiceArea)
	if !ok {
		return finish(store.SurveyCancelled, &sum.Cancelled)
	}
	if !now.Before(r.ExpiresAt) {
		return finish(store.SurveyExpired, &sum.Expired)
	}
	if next := s.nextOpen(a, now); !next.Equal(now) {
		if !next.Before(r.ExpiresAt) {
			return finish(store.SurveyExpired, &sum.Expired)
		}
		return s.retry(ctx, r.Reference, next, nil)
	}
	number, err := s.open(r)
	if err != nil {
		// A number that cannot be opened can never be sent: destroy it.
		s.log.Error("survey request's number does not open; destroying it", "reference", r.Reference, "err", err)
		return finish(store.SurveyFailed, &sum.Failed)
	}
	link, err := s.newLink(ctx, r.ServiceArea, now)
	if err != nil {
		return err
	}
	_, err = s.sender.SendSMS(ctx, notify.SMS{PhoneNumber: number, TemplateID: a.TemplateID,
		Personalisation: map[string]string{"link": link}, Reference: r.Reference})
	var apiErr *notify.APIError
	switch {
	case err == nil:
		return finish(store.SurveySent, &sum.Sent)
	case errors.As(err, &apiErr) && apiErr.Permanent():
		s.log.Warn("Notify refused a survey request for good; its number is destroyed", "reference", r.Reference, "err", apiErr)
		return finish(store.SurveyFailed, &sum.Failed)
	case errors.As(err, &apiErr) && apiErr.StatusCode == 429:
		// Refused before anything was sent: due again after the backoff, unless that is too late.
		wait := max(s.Backoff(r.Attempts+1), apiErr.RetryAfter)
		if next := now.Add(wait); next.Before(r.ExpiresAt) {
			sum.Retried++
			return s.retry(ctx, r.Reference, next, err)
		}
		return finish(store.SurveyExpired, &sum.Expired)
	default:
		// A transport error or a 5xx: Notify may have accepted the message. Leave the request
		// "sending" until its claim lapses; then it is resolved by reference, never resent blind.
		s.log.Warn("survey request's outcome unknown; it will be looked up by reference", "reference", r.Reference, "err", err)
		sum.Retried++
		return nil
	}
}

func (s *Service) retry(ctx context.Context, ref string, next time.Time, cause error) error {
	err := s.db.Q().RetrySurveyRequest(ctx, ref, s.worker, next)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if cause != nil && err == nil {
		s.log.Info("survey request will be tried again", "reference", ref, "at", next, "err", cause)
	}
	return err
}

func (s *Service) open(r store.SurveyRequest) (string, error) {
	ct, err := base64.StdEncoding.DecodeString(r.NumberCT)
	if err != nil {
		return "", fmt.Errorf("surveys: sealed number: %w", err)
	}
	return crypt.OpenString(s.seal, ct, numberAD(r.Reference))
}

// nextOpen is now when now is inside the area's sending window (UK time), else the window's
// next opening.
func (s *Service) nextOpen(a *policy.AreaSurvey, now time.Time) time.Time {
	from, to := a.SendWindow()
	local := now.In(s.uk)
	y, m, d := local.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, s.uk)
	open := time.Date(y, m, d, int(from/time.Hour), int(from%time.Hour/time.Minute), 0, 0, s.uk)
	shut := time.Date(y, m, d, int(to/time.Hour), int(to%time.Hour/time.Minute), 0, 0, s.uk)
	switch {
	case now.Before(open):
		return open
	case now.Before(shut):
		return now
	}
	ny, nm, nd := midnight.AddDate(0, 0, 1).Date()
	return time.Date(ny, nm, nd, int(from/time.Hour), int(from%time.Hour/time.Minute), 0, 0, s.uk)
}

// newLink stores a fresh single-use token's hash with the area and week, and returns the
// survey page's address holding the token.
func (s *Service) newLink(ctx context.Context, area string, now time.Time) (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	err := s.db.Q().CreateSurveyToken(ctx, store.SurveyToken{Hash: tokenHash(token), ServiceArea: area,
		Week: isoWeek(now.In(s.uk)), ExpiresAt: tokenExpiry(now)})
	return s.baseURL + "/s/" + token, err
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// tokenExpiry is TokenLife after now, rounded up to the next midnight UTC, so the expiry does
// not tell to the second when the link was sent.
func tokenExpiry(now time.Time) time.Time {
	return now.Add(TokenLife).UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
}

func isoWeek(t time.Time) string {
	y, w := t.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}
