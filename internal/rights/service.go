package rights

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/crypt"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/keys"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
)

// Option is one allowed value of a request field, with its label.
type Option struct{ ID, Name string }

// Kinds are the rights a request may invoke (UK GDPR Articles 15 to 21).
var Kinds = []Option{
	{"access", "Access (a copy of their data)"},
	{"portability", "Portability (their data in a machine-readable form)"},
	{"rectification", "Rectification (correct inaccurate data)"},
	{"erasure", "Erasure (delete their data)"},
	{"restriction", "Restriction (limit how their data is used)"},
	{"objection", "Objection (to the use of their data)"},
}

// Channels are how a request may arrive.
var Channels = []Option{
	{"email", "E-mail"}, {"letter", "Letter"}, {"phone", "Telephone"}, {"in-person", "In person"},
	{"web-form", "Web form"}, {"social-media", "Social media"}, {"other", "Other"},
}

// Identity check states.
var IdentityStates = []Option{
	{"pending", "Waiting for proof of identity"},
	{"verified", "Identity confirmed"},
	{"not-required", "Not required (identity is not in doubt)"},
}

// Outcomes a case closes with.
var Outcomes = []Option{
	{"completed", "Completed"},
	{"partly-completed", "Partly completed (some data exempt)"},
	{"nothing-held", "Nothing held"},
	{"withdrawn", "Withdrawn by the requester"},
	{"refused-unfounded", "Refused: manifestly unfounded or excessive"},
	{"refused-identity", "Refused: identity not confirmed"},
}

func label(opts []Option, id string) string {
	for _, o := range opts {
		if o.ID == id {
			return o.Name
		}
	}
	return id
}

func valid(opts []Option, id string) bool {
	return slices.ContainsFunc(opts, func(o Option) bool { return o.ID == id })
}

// KindLabel, ChannelLabel, IdentityLabel and OutcomeLabel name a value.
func KindLabel(id string) string     { return label(Kinds, id) }
func ChannelLabel(id string) string  { return label(Channels, id) }
func IdentityLabel(id string) string { return label(IdentityStates, id) }
func OutcomeLabel(id string) string  { return label(Outcomes, id) }

// Identifiers are what the requester gave to find their data. They are
// personal data: sealed at rest, never logged or audited.
type Identifiers struct {
	Phones       []string  `json:"phones,omitempty"` // E.164
	CallsFrom    time.Time `json:"calls_from,omitzero"`
	CallsTo      time.Time `json:"calls_to,omitzero"` // inclusive day
	Conversation string    `json:"conversation_id,omitempty"`
	Email        string    `json:"email,omitempty"`
}

// Empty reports whether nothing was given.
func (i Identifiers) Empty() bool {
	return len(i.Phones) == 0 && i.Conversation == "" && i.Email == ""
}

// NewRequest is what information governance records on receipt.
type NewRequest struct {
	Kind, Channel, Identity string
	Received                time.Time
	Identifiers             Identifiers
}

// Service keeps the register.
type Service struct {
	db     *store.DB
	audit  *audit.Log
	rec    *recording.Service
	seal   []byte
	bidx   *crypt.BlindIndex
	cal    *Calendar
	policy func() *policy.Policy
	log    *slog.Logger
	now    func() time.Time
	fixed  CorrectionHook
}

// CorrectionHook is told of each rectification of a recording's metadata
// (before: the recording as it was) in the transaction that makes it:
// internal/quality moves its evaluations, clips and report aggregates.
type CorrectionHook interface {
	RecordingCorrected(ctx context.Context, q *store.Q, before store.Recording, field, value, by string) error
}

// Options configure a Service.
type Options struct {
	Calendar *Calendar // nil: the embedded England and Wales list
	Now      func() time.Time
	// Corrected is told of each rectification (nil: nobody).
	Corrected CorrectionHook
}

// New returns a Service.
func New(db *store.DB, log *audit.Log, rec *recording.Service, ring *keys.Ring, bidx *crypt.BlindIndex,
	pol func() *policy.Policy, logger *slog.Logger, o Options) *Service {
	if o.Calendar == nil {
		o.Calendar = DefaultCalendar()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{db: db, audit: log, rec: rec, seal: ring.Key(keys.PurposeRightsIdentifiers), bidx: bidx, cal: o.Calendar,
		policy: pol, log: logger, now: o.Now, fixed: o.Corrected}
}

// SetCalendar replaces the working-day calendar (a council's GOV.UK file);
// call it before the service is used, as serve does at start-up.
func (s *Service) SetCalendar(c *Calendar) { s.cal = c }

// Calendar is the working-day calendar in use.
func (s *Service) Calendar() *Calendar { return s.cal }

// ErrForbidden: only information governance works cases; auditors read.
var ErrForbidden = fail.New(fail.Forbidden, "only information governance may work on data-subject requests")

// Object is a request's pseudonymous id in the audit log.
func Object(id int64) string { return "request:" + strconv.FormatInt(id, 10) }

func identifiersAD(id int64) []byte {
	return []byte("fairline-rights-request:" + strconv.FormatInt(id, 10) + "/identifiers")
}

// normalize checks identifiers and puts them in canonical form; errors name
// the field, never the value.
func normalize(ids Identifiers) (Identifiers, error) {
	var out Identifiers
	for _, p := range ids.Phones {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		e164, err := crypt.NormalizePhone(p)
		if err != nil {
			return out, fail.Field("phones", "a telephone number is not a possible number")
		}
		if !slices.Contains(out.Phones, e164) {
			out.Phones = append(out.Phones, e164)
		}
	}
	if ids.Email = strings.TrimSpace(ids.Email); ids.Email != "" {
		a, err := mail.ParseAddress(ids.Email)
		if err != nil || a.Address != ids.Email || len(ids.Email) > 254 {
			return out, fail.Field("email", "enter an e-mail address like name@example.com")
		}
		out.Email = ids.Email
	}
	if out.Conversation = strings.TrimSpace(ids.Conversation); len(out.Conversation) > 200 {
		return out, fail.Field("conversation_id", "a conversation id is at most 200 characters")
	}
	if !ids.CallsFrom.IsZero() {
		out.CallsFrom = Day(ids.CallsFrom)
	}
	if !ids.CallsTo.IsZero() {
		out.CallsTo = Day(ids.CallsTo)
	}
	if !out.CallsFrom.IsZero() && !out.CallsTo.IsZero() && out.CallsTo.Before(out.CallsFrom) {
		return out, fail.Field("calls_to", "the end of the call date range is before its start")
	}
	if out.Empty() {
		return out, fail.Field("phones", "give at least one identifier to search for: a telephone number, an e-mail address or a chatbot conversation id")
	}
	return out, nil
}

func (s *Service) sealIdentifiers(id int64, ids Identifiers) (string, error) {
	b, err := json.Marshal(ids)
	if err != nil {
		return "", err
	}
	ct, err := crypt.SealString(s.seal, string(b), identifiersAD(id))
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(ct), nil
}

func (s *Service) openIdentifiers(r store.RightsRequest) (Identifiers, error) {
	var ids Identifiers
	if r.IdentifiersCT == "" {
		return ids, nil
	}
	ct, err := base64.StdEncoding.DecodeString(r.IdentifiersCT)
	if err != nil {
		return ids, fmt.Errorf("rights: request %d: identifiers: %w", r.ID, err)
	}
	pt, err := crypt.OpenString(s.seal, ct, identifiersAD(r.ID))
	if err != nil {
		return ids, fmt.Errorf("rights: request %d: identifiers: %w", r.ID, err)
	}
	return ids, json.Unmarshal([]byte(pt), &ids)
}

// Record enters a request in the register. When identity is still to be
// proved the clock stops from the day of receipt (the ICO's month starts
// when proof arrives).
func (s *Service) Record(ctx context.Context, p *auth.Principal, n NewRequest) (int64, error) {
	if !p.Is(auth.InformationGovernance) {
		return 0, ErrForbidden
	}
	switch {
	case !valid(Kinds, n.Kind):
		return 0, fail.Field("kind", "choose the right the request is about")
	case !valid(Channels, n.Channel):
		return 0, fail.Field("channel", "choose how the request arrived")
	case !valid(IdentityStates, n.Identity):
		return 0, fail.Field("identity", "choose the state of the identity check")
	case n.Received.IsZero():
		return 0, fail.Field("received", "enter the date the request was received")
	}
	now := s.now()
	received := Day(n.Received)
	if received.After(Day(now)) {
		return 0, fail.Field("received", "the date received is in the future")
	}
	ids, err := normalize(n.Identifiers)
	if err != nil {
		return 0, err
	}
	r := store.RightsRequest{Kind: n.Kind, Channel: n.Channel, ReceivedAt: received, Identity: n.Identity, Status: "open",
		CreatedBy: p.Actor(), CreatedAt: now}
	var pauses []Pause
	if n.Identity == "pending" {
		pauses = []Pause{{From: received, Reason: PauseIdentity}}
	}
	dl, err := s.cal.Due(Clock{Received: received, Pauses: pauses}, now)
	if err != nil {
		return 0, err
	}
	r.DueAt = dl.Date
	err = s.db.Tx(ctx, func(q *store.Q) error {
		var err error
		if r.ID, err = q.CreateRightsRequest(ctx, r); err != nil {
			return err
		}
		sealed, err := s.sealIdentifiers(r.ID, ids)
		if err != nil {
			return err
		}
		if err := q.SetRightsIdentifiers(ctx, r.ID, sealed); err != nil {
			return err
		}
		if len(pauses) > 0 {
			if err := q.StartRightsPause(ctx, r.ID, PauseIdentity, received); err != nil {
				return err
			}
		}
		return s.note(ctx, q, p.Actor(), r.ID, "rights.record", store.RightsEvent{Detail: KindLabel(n.Kind) + " by " + ChannelLabel(n.Channel)})
	})
	return r.ID, err
}

// note adds a line to the case history and the matching audit entry, in
// the caller's transaction. Neither holds an identifier.
func (s *Service) note(ctx context.Context, q *store.Q, actor string, id int64, action string, es ...store.RightsEvent) error {
	now := s.now()
	if len(es) == 0 {
		es = []store.RightsEvent{{}}
	}
	for i := range es {
		es[i].At, es[i].Actor, es[i].Action = now, actor, action
	}
	if err := q.AddRightsEvents(ctx, id, es); err != nil {
		return err
	}
	_, err := s.audit.Append(ctx, q, audit.Entry{Actor: actor, Action: action, Object: Object(id), Purpose: "subject-request",
		Outcome: audit.Success})
	return err
}

// change runs fn on an open request under its row lock, recomputes the
// due date from what fn left, and records the action.
func (s *Service) change(ctx context.Context, p *auth.Principal, id int64, action string,
	fn func(q *store.Q, r *store.RightsRequest) (store.RightsEvent, error)) error {
	if !p.Is(auth.InformationGovernance) {
		return ErrForbidden
	}
	return s.db.Tx(ctx, func(q *store.Q) error {
		r, err := q.RightsRequestByID(ctx, id)
		if err != nil {
			return err
		}
		if r.Status != "open" {
			return fail.New(fail.Conflict, "this request is closed")
		}
		ev, err := fn(q, &r)
		if err != nil {
			return err
		}
		if r.Status == "open" {
			dl, err := s.deadline(ctx, q, r)
			if err != nil {
				return err
			}
			r.DueAt = dl.Date
		}
		if err := q.UpdateRightsRequest(ctx, r); err != nil {
			return err
		}
		return s.note(ctx, q, p.Actor(), id, action, ev)
	})
}

func (s *Service) deadline(ctx context.Context, q *store.Q, r store.RightsRequest) (Deadline, error) {
	ps, err := q.RightsPauses(ctx, r.ID)
	if err != nil {
		return Deadline{}, err
	}
	cl := Clock{Received: r.ReceivedAt, ExtensionMonths: r.ExtensionMonths}
	for _, p := range ps {
		cl.Pauses = append(cl.Pauses, Pause{From: p.From, To: p.To, Reason: p.Reason})
	}
	return s.cal.Due(cl, s.now())
}

// VerifyIdentity records that the requester proved who they are; a clock
// stopped for identity starts again today.
func (s *Service) VerifyIdentity(ctx context.Context, p *auth.Principal, id int64) error {
	return s.change(ctx, p, id, "rights.identity_verified", func(q *store.Q, r *store.RightsRequest) (store.RightsEvent, error) {
		r.Identity = "verified"
		if err := q.EndRightsPause(ctx, id, Day(s.now())); err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.RightsEvent{}, err
		}
		return store.RightsEvent{Detail: "identity confirmed"}, nil
	})
}

// Pause stops the clock from today while the council waits for reason
// (PauseIdentity or PauseClarification).
func (s *Service) Pause(ctx context.Context, p *auth.Principal, id int64, reason string) error {
	if reason != PauseIdentity && reason != PauseClarification {
		return fail.Field("reason", "choose what you are waiting for")
	}
	return s.change(ctx, p, id, "rights.pause", func(q *store.Q, r *store.RightsRequest) (store.RightsEvent, error) {
		ps, err := q.RightsPauses(ctx, id)
		if err != nil {
			return store.RightsEvent{}, err
		}
		if len(ps) > 0 && ps[len(ps)-1].To.IsZero() {
			return store.RightsEvent{}, fail.New(fail.Conflict, "the clock is already stopped")
		}
		if err := q.StartRightsPause(ctx, id, reason, Day(s.now())); err != nil {
			return store.RightsEvent{}, err
		}
		return store.RightsEvent{Detail: "clock stopped: waiting for " + reason}, nil
	})
}

// Resume starts the clock again today.
func (s *Service) Resume(ctx context.Context, p *auth.Principal, id int64) error {
	return s.change(ctx, p, id, "rights.resume", func(q *store.Q, r *store.RightsRequest) (store.RightsEvent, error) {
		if err := q.EndRightsPause(ctx, id, Day(s.now())); errors.Is(err, store.ErrNotFound) {
			return store.RightsEvent{}, fail.New(fail.Conflict, "the clock is not stopped")
		} else if err != nil {
			return store.RightsEvent{}, err
		}
		return store.RightsEvent{Detail: "clock started again"}, nil
	})
}

// Extend extends a complex request by months (1 or 2 in total) for reason.
// The ICO requires the requester to be told within the first month, so an
// extension is refused once the unextended deadline has passed.
func (s *Service) Extend(ctx context.Context, p *auth.Principal, id int64, months int, reason string) error {
	reason = strings.TrimSpace(reason)
	if months < 1 || months > MaxExtensionMonths {
		return fail.Field("months", fmt.Sprintf("an extension is 1 or %d further months in total", MaxExtensionMonths))
	}
	if reason == "" || len(reason) > 1000 {
		return fail.Field("reason", "say why the request is complex (up to 1000 characters)")
	}
	return s.change(ctx, p, id, "rights.extend", func(q *store.Q, r *store.RightsRequest) (store.RightsEvent, error) {
		first := *r
		first.ExtensionMonths = 0
		dl, err := s.deadline(ctx, q, first)
		if err != nil {
			return store.RightsEvent{}, err
		}
		if Day(s.now()).After(dl.Date) {
			return store.RightsEvent{}, fail.Field("months", "the first month has ended: an extension must be decided and told to the requester within it")
		}
		r.ExtensionMonths, r.ExtensionReason = months, reason
		return store.RightsEvent{Detail: fmt.Sprintf("extended by %d months in total", months)}, nil
	})
}

// Close ends a case with an outcome; its identifiers are destroyed when
// the policy's rights_requests.identifier_retention has passed.
func (s *Service) Close(ctx context.Context, p *auth.Principal, id int64, outcome string) error {
	if !valid(Outcomes, outcome) {
		return fail.Field("outcome", "choose the outcome")
	}
	return s.change(ctx, p, id, "rights.close", func(q *store.Q, r *store.RightsRequest) (store.RightsEvent, error) {
		now := s.now()
		if err := q.EndRightsPause(ctx, id, Day(now)); err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.RightsEvent{}, err
		}
		r.Status, r.Outcome, r.ClosedAt = "closed", outcome, now
		r.DestroyAfter = s.policy().RightsIdentifierRetention().ExpiresAt(now)
		return store.RightsEvent{Detail: "closed: " + OutcomeLabel(outcome)}, nil
	})
}

// Sweep destroys the identifiers of closed cases whose retention ended;
// the retention sweep (app.Sweep) runs it and then scrubs the database
// files of the blanked values (store.DB.Scrub).
func (s *Service) Sweep(ctx context.Context) (int, error) {
	var ids []int64
	err := s.db.Tx(ctx, func(q *store.Q) error {
		var err error
		if ids, err = q.DestroyRightsIdentifiers(ctx, s.now()); err != nil {
			return err
		}
		for _, id := range ids {
			if err := s.note(ctx, q, "system", id, "rights.identifiers_destroyed"); err != nil {
				return err
			}
		}
		return nil
	})
	return len(ids), err
}

// Case is a request with its deadline and history.
type Case struct {
	store.RightsRequest
	Deadline    Deadline
	Pauses      []store.RightsPause
	Events      []store.RightsEvent
	Releases    []store.RightsRelease
	Identifiers Identifiers // only for information governance, and only while kept
	Revealed    bool        // Identifiers were opened for the viewer
}

// Open reports whether the case is open.
func (c Case) Open() bool { return c.Status == "open" }

// Get returns a case. Information governance sees the identifiers (the
// viewing is audited); auditors see the case without them.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (Case, error) {
	if !p.Is(auth.InformationGovernance, auth.Auditor) {
		return Case{}, ErrForbidden
	}
	q := s.db.Q()
	r, err := q.RightsRequestByID(ctx, id)
	if err != nil {
		return Case{}, err
	}
	c := Case{RightsRequest: r}
	if c.Pauses, err = q.RightsPauses(ctx, id); err != nil {
		return Case{}, err
	}
	if c.Events, err = q.RightsEvents(ctx, id); err != nil {
		return Case{}, err
	}
	if c.Releases, err = q.RightsReleases(ctx, id); err != nil {
		return Case{}, err
	}
	if c.Deadline, err = s.deadline(ctx, q, r); err != nil {
		return Case{}, err
	}
	if p.Is(auth.InformationGovernance) && r.IdentifiersCT != "" {
		if c.Identifiers, err = s.openIdentifiers(r); err != nil {
			return Case{}, err
		}
		c.Revealed = true
		if err := s.audit.Record(ctx, audit.Entry{Actor: p.Actor(), Action: "rights.open", Object: Object(id),
			Purpose: "subject-request", Outcome: audit.Success}); err != nil {
			return Case{}, err
		}
	}
	return c, nil
}

// Summary is one line of the register.
type Summary struct {
	store.RightsRequest
	DaysLeft int
	Overdue  bool
	DueSoon  bool // due within ReminderWorkingDays: the dashboard's reminder
	Paused   bool
}

// ReminderWorkingDays is how close to its deadline, in working days, an
// open case is flagged on the dashboard, the console home and in the
// daily reminder.
const ReminderWorkingDays = 5

// Dashboard is the register with its figures.
type Dashboard struct {
	Open, Overdue, DueSoon, Paused int
	Cases                          []Summary
}

// count adds a summary to the dashboard's figures.
func (d *Dashboard) count(sm Summary) {
	if sm.Status != "open" {
		return
	}
	d.Open++
	for _, c := range []struct {
		on bool
		n  *int
	}{{sm.Overdue, &d.Overdue}, {sm.DueSoon, &d.DueSoon}, {sm.Paused, &d.Paused}} {
		if c.on {
			*c.n++
		}
	}
}

// summarize computes a register line on day today.
func (s *Service) summarize(ctx context.Context, r store.RightsRequest, today time.Time) (Summary, error) {
	sm := Summary{RightsRequest: r}
	if r.Status != "open" {
		return sm, nil
	}
	dl, err := s.deadline(ctx, s.db.Q(), r)
	if err != nil {
		return sm, err
	}
	sm.DaysLeft, sm.Paused = dl.DaysLeft(today), dl.Paused
	sm.Overdue = sm.DaysLeft < 0 && !sm.Paused
	sm.DueSoon = !sm.Paused && sm.DaysLeft >= 0 && s.cal.WorkingDaysLeft(today, dl.Date) <= ReminderWorkingDays
	return sm, nil
}

// Register lists the register (open cases first, by deadline) for
// information governance and auditors.
func (s *Service) Register(ctx context.Context, p *auth.Principal, limit int) (Dashboard, error) {
	if !p.Is(auth.InformationGovernance, auth.Auditor) {
		return Dashboard{}, ErrForbidden
	}
	return s.dashboard(ctx, "", limit)
}

func (s *Service) dashboard(ctx context.Context, status string, limit int) (Dashboard, error) {
	rs, err := s.db.Q().RightsRequests(ctx, status, limit)
	if err != nil {
		return Dashboard{}, err
	}
	today := Day(s.now())
	var d Dashboard
	for _, r := range rs {
		sm, err := s.summarize(ctx, r, today)
		if err != nil {
			return Dashboard{}, err
		}
		d.count(sm)
		d.Cases = append(d.Cases, sm)
	}
	return d, nil
}

// maxOpen bounds the open cases a reminder reads; a council has tens.
const maxOpen = 10000

// Reminder counts the open cases that need attention (due within
// ReminderWorkingDays, overdue, waiting for the requester), with no
// personal data: the console home shows it to information governance
// and auditors, and the daily reminder job logs it.
func (s *Service) Reminder(ctx context.Context) (Dashboard, error) {
	d, err := s.dashboard(ctx, "open", maxOpen)
	d.Cases = nil
	return d, err
}

// Remind logs the day's reminder when a case is due soon or overdue (the
// app runs it daily), so monitoring that watches the log sees it even when
// nobody opens the console.
func (s *Service) Remind(ctx context.Context) error {
	d, err := s.Reminder(ctx)
	if err != nil || d.DueSoon+d.Overdue == 0 {
		return err
	}
	s.log.Warn("data-subject requests need attention: see the console's Rights requests", "due_within_working_days", ReminderWorkingDays,
		"due_soon", d.DueSoon, "overdue", d.Overdue)
	return nil
}

// Overdue counts open requests past their due date (for `fairline check`).
func (s *Service) Overdue(ctx context.Context) (int, error) {
	return s.db.Q().OverdueRightsRequests(ctx, Day(s.now()))
}

// StaleIdentifiers counts closed cases whose identifiers outlived the
// policy's rights_requests.identifier_retention at now (for `fairline
// check`; the rights sweep destroys them).
func (s *Service) StaleIdentifiers(ctx context.Context, now time.Time) (int, error) {
	return s.db.Q().StaleRightsIdentifiers(ctx, now)
}
