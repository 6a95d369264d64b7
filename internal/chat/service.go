package chat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/kb"
	"github.com/fairline/fairline/internal/kb/extract"
	"github.com/fairline/fairline/internal/pii"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/search"
	"github.com/fairline/fairline/internal/store"
)

// System is the chatbot's system id in the policy (the knowledge base's
// too: kb.System); TranscriptKind is the data kind of stored questions,
// whose retention sets every turn's expiry.
const (
	System         = kb.System
	TranscriptKind = "chat_transcript"
)

// Limits.
const (
	DefaultMaxMessage = 1000 // characters of a question
	MaxComment        = 500  // characters of a feedback comment
	sweepBatch        = 500
	topPages          = 10
	topUnanswered     = 20
	searchDepth       = 8
)

// A problem with what the resident sent is a fail.Invalid error naming the
// field ("message", "conversation_id", "turn_id", "comment"); its message is
// safe to show them (it never repeats their text).

// ErrUnknownTurn: feedback named a turn that is not part of the
// conversation (or has been deleted under the retention policy).
var ErrUnknownTurn = &fail.Error{Kind: fail.NotFound, Code: "unknown_turn",
	Msg: "no such answer in this conversation (answers are deleted after the retention period)"}

// Options configure a Service. The zero value is the default.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	// OtherCouncils are topics another council provides; nil:
	// DefaultOtherCouncils (Leicestershire's districts). Use an empty,
	// non-nil slice for a unitary council.
	OtherCouncils []OtherCouncil
	// Threshold is the confidence below which the bot says it could not
	// find an answer; 0: search.ConfidenceThreshold.
	Threshold float64
	// MaxMessage bounds a question in characters; 0: DefaultMaxMessage.
	MaxMessage int
	// MaxSearches bounds searches running at once; 0: GOMAXPROCS. Extra
	// requests wait rather than thrash the CPU.
	MaxSearches int
	// CacheSize is how many composed answers (keyed by the redacted
	// question) are kept until the knowledge base changes; 0: 4096,
	// negative: no cache. Residents ask the same questions often.
	CacheSize int
}

// Service is the chatbot.
type Service struct {
	db         *store.DB
	audit      *audit.Log
	policy     func() *policy.Policy
	log        *slog.Logger
	now        func() time.Time
	classifier atomic.Pointer[extract.Classifier] // of the index being served
	boiler     atomic.Pointer[search.Boilerplate] // the repeated blocks of the last full build
	others     atomic.Pointer[[]OtherCouncil]
	threshold  float64
	maxMessage int
	sem        chan struct{}

	loadMu  sync.Mutex // held while the index is built or catches up
	ix      atomic.Pointer[search.Index]
	version int64 // the knowledge-base change the index reflects (under loadMu)

	writer writer // the group-commit writer of turns (write.go)
	cache  *answerCache
	// detectors holds the personal-data detector of the policy in force, built once per
	// policy rather than once per question.
	detectors policy.DetectorCache
}

// New returns the chatbot over db. The index is built from the knowledge
// base on first use (or by LoadIndex).
func New(db *store.DB, a *audit.Log, pol func() *policy.Policy, o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.OtherCouncils == nil {
		o.OtherCouncils = DefaultOtherCouncils()
	}
	if o.Threshold <= 0 {
		o.Threshold = search.ConfidenceThreshold
	}
	if o.MaxMessage <= 0 {
		o.MaxMessage = DefaultMaxMessage
	}
	if o.MaxSearches <= 0 {
		o.MaxSearches = runtime.GOMAXPROCS(0)
	}
	if o.CacheSize == 0 {
		o.CacheSize = 4096
	}
	svc := &Service{db: db, audit: a, policy: pol, log: o.Logger, now: o.Now,
		threshold: o.Threshold, maxMessage: o.MaxMessage, sem: make(chan struct{}, o.MaxSearches),
		cache: newAnswerCache(o.CacheSize), writer: newWriter()}
	svc.others.Store(&o.OtherCouncils)
	return svc
}

// MaxMessage is the longest question accepted, in characters.
func (s *Service) MaxMessage() int { return s.maxMessage }

// newConversationID is a random 128-bit id in hex. Conversation ids are
// promised to be random, so unlike turn ids they carry no time prefix.
func newConversationID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// newTurnID is a 128-bit id in hex: the millisecond it was made (48 bits)
// then 80 random bits, which no one can guess. Ids that grow with time land
// at the end of the turns' primary-key index, so a commit dirties a page or
// two of it instead of one random page per turn: on SQLite the pages
// written, not the rows, are what a commit costs.
func newTurnID() string {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	rand.Read(b[6:])
	return hex.EncodeToString(b[:])
}

// validID reports whether id has the shape of an id this service issues.
func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// outcome is what the bot decided, before storage.
type outcome struct {
	resp     Response
	answered bool
	reason   string
	source   search.Result // when answered
}

// Ask answers one question: validate, redact (before anything else sees
// the text), conversation basics (greetings, thanks, asking for a person),
// scope guard, search, compose, store the redacted turn with
// its expiry from the policy, respond.
func (s *Service) Ask(ctx context.Context, req Request) (Response, error) {
	return s.ask(ctx, req, true)
}

// Try answers like Ask but stores nothing (no turn, no statistics): staff
// use it from `fairline ask` to check the knowledge base, and their test
// questions must not count as residents' questions in the reports.
func (s *Service) Try(ctx context.Context, question string) (Response, error) {
	return s.ask(ctx, Request{Message: question}, false)
}

// RedactText is text with the personal data the policy's detectors find
// replaced by placeholders, as a question is kept: pages that show a
// resident's question back (the /ask page) show this, never what was typed.
func (s *Service) RedactText(text string) string {
	red, _ := s.detectors.For(s.policy()).Redact(text)
	return red
}

func (s *Service) ask(ctx context.Context, req Request, persist bool) (Response, error) {
	msg := strings.TrimSpace(req.Message)
	switch {
	case !utf8.ValidString(msg):
		return Response{}, fail.Field("message", "The question must be text (UTF-8).")
	case msg == "":
		return Response{}, fail.Field("message", "Enter a question.")
	case utf8.RuneCountInString(msg) > s.maxMessage:
		return Response{}, fail.Field("message", fmt.Sprintf("The question must be %d characters or fewer.", s.maxMessage))
	}
	conv := strings.TrimSpace(req.ConversationID)
	if conv != "" && !validID(conv) {
		return Response{}, fail.Field("conversation_id", "conversation_id is not one this service issued; leave it out to start a new conversation.")
	}
	pol := s.policy()
	// Redaction first: from here on only the redacted text is used.
	det := s.detectors.For(pol)
	red, ents := det.Redact(msg)
	msg = ""
	redactedTypes := typesOf(det, ents)
	query, guard := searchText(red, det, ents), blankPlaceholders(red, det, ents)

	now := s.now()
	var expires time.Time
	if persist {
		var err error
		if expires, err = transcriptExpiry(pol, now); err != nil {
			return Response{}, err
		}
	}
	gen := s.cache.generation()
	ix, err := s.index(ctx)
	if err != nil {
		return Response{}, err
	}
	var out outcome
	if kind := smalltalk(red); kind != "" {
		// A greeting, thanks, "are you a robot", a request for a person:
		// a reply of its own, never a search (smalltalk.go).
		out = s.converse(ctx, ix, pol, kind)
	} else {
		query = withoutPoliteness(query)
		var ok bool
		if out, ok = s.cache.get(query, guard, pol); !ok {
			out = s.compose(ctx, ix, pol, query, guard)
			s.cache.put(query, guard, pol, gen, out)
		}
	}
	out.resp.Redacted = redactedTypes

	if persist {
		if conv != "" {
			ok, err := s.db.Q().ChatConversationExists(ctx, conv)
			if err != nil {
				return Response{}, err
			}
			if !ok {
				conv = "" // unknown (or expired): start a new one; ids are never the client's
			}
		}
		if conv == "" {
			conv = newConversationID()
		}
		turn := store.ChatTurn{ID: newTurnID(), Conversation: conv, Question: red, ServiceArea: out.resp.ServiceArea,
			Answered: out.answered, Handoff: out.reason, ExpiresAt: expires, CreatedAt: now}
		if out.answered {
			turn.SourceURL = out.source.URL
		}
		w := pendingTurn{turn: turn, norm: normKey(red)}
		if out.answered {
			w.pageTitle = out.source.Title
		}
		if err := s.store(ctx, w); err != nil {
			return Response{}, err
		}
		out.resp.ConversationID, out.resp.TurnID = conv, turn.ID
	}
	// Only facts without personal data are logged.
	s.log.Debug("chat answered", "area", out.resp.ServiceArea, "answered", out.answered, "handoff", out.reason,
		"redacted", len(ents))
	return out.resp, nil
}

// transcriptExpiry is when a turn stored now must be gone, by the policy.
func transcriptExpiry(pol *policy.Policy, now time.Time) (time.Time, error) {
	r, err := pol.Retention(System, TranscriptKind, "")
	if err != nil {
		return time.Time{}, fmt.Errorf("chat: cannot store questions: %w", err)
	}
	if r.IsEvent() {
		return time.Time{}, fmt.Errorf("chat: the policy keeps %s until an event; a period is needed", TranscriptKind)
	}
	return r.ExpiresAt(now), nil
}

func dayOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// typesOf names the kinds of personal data removed, once each, in order:
// the placeholder text without brackets ("NHS number", "postcode").
func typesOf(det *pii.Detector, ents []pii.Entity) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, e := range ents {
		n := strings.Trim(det.Placeholder(e.Type), "[]")
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// Feedback records whether an answer helped. The turn must belong to the
// conversation; a second verdict replaces the first (and the daily counts
// follow).
func (s *Service) Feedback(ctx context.Context, f Feedback) error {
	conv, turnID := strings.TrimSpace(f.ConversationID), strings.TrimSpace(f.TurnID)
	if !validID(conv) {
		return fail.Field("conversation_id", "conversation_id is missing or not one this service issued.")
	}
	if !validID(turnID) {
		return fail.Field("turn_id", "turn_id is missing or not one this service issued.")
	}
	comment := strings.TrimSpace(f.Comment)
	if !utf8.ValidString(comment) {
		return fail.Field("comment", "The comment must be text (UTF-8).")
	}
	if utf8.RuneCountInString(comment) > MaxComment {
		return fail.Field("comment", fmt.Sprintf("The comment must be %d characters or fewer.", MaxComment))
	}
	comment, _ = s.detectors.For(s.policy()).Redact(comment)
	verdict := -1
	if f.Helpful {
		verdict = 1
	}
	return s.db.Tx(ctx, func(q *store.Q) error {
		t, err := q.ChatTurn(ctx, conv, turnID)
		if errors.Is(err, store.ErrNotFound) {
			return ErrUnknownTurn
		}
		if err != nil {
			return err
		}
		if err := q.SetChatFeedback(ctx, t.ID, verdict, comment); err != nil {
			return err
		}
		d := store.ChatDay{Day: dayOf(t.CreatedAt), ServiceArea: t.ServiceArea}
		count := func(v, by int) {
			if v == 1 {
				d.Helpful += by
			} else if v == -1 {
				d.NotHelpful += by
			}
		}
		count(t.Helpful, -1)
		count(verdict, 1)
		if d.Helpful == 0 && d.NotHelpful == 0 {
			return nil
		}
		return q.AddChatDay(ctx, d)
	})
}

// Report returns the figures for the days from <= day < to (UTC): daily
// counts per service area, unanswered questions grouped by similarity, and
// the pages answers came from, which come from aggregates and survive the
// deletion of the turns; and the latest answers rated not helpful, which
// come from the turns and go with them.
func (s *Service) Report(ctx context.Context, from, to time.Time) (Report, error) {
	r := Report{From: from, To: to, Days: []DayStat{}, Unanswered: []Unanswered{}, TopPages: []PageUse{}, NotHelpful: []NotHelpful{}}
	from = dayOf(from)
	q := s.db.Q()
	days, err := q.ChatDays(ctx, from, to)
	if err != nil {
		return r, err
	}
	for _, d := range days {
		r.Days = append(r.Days, DayStat(d))
	}
	rows, err := q.ChatUnansweredIn(ctx, from, to)
	if err != nil {
		return r, err
	}
	byKey := map[string]*unansweredItem{}
	var keys []string
	for _, u := range rows {
		it := byKey[u.Norm]
		if it == nil {
			it = &unansweredItem{key: u.Norm, tokens: strings.Fields(u.Norm)}
			byKey[u.Norm] = it
			keys = append(keys, u.Norm)
		}
		it.count += u.Count
		if u.LastAt.After(it.last) {
			it.last, it.example = u.LastAt, u.Example
		}
	}
	sort.Strings(keys)
	items := make([]unansweredItem, 0, len(keys))
	for _, k := range keys {
		items = append(items, *byKey[k])
	}
	r.Unanswered = groupUnanswered(items, topUnanswered)
	pages, err := q.ChatPagesIn(ctx, from, to, topPages)
	if err != nil {
		return r, err
	}
	for _, p := range pages {
		r.TopPages = append(r.TopPages, PageUse{URL: p.URL, Title: p.Title, Count: p.Count})
	}
	bad, err := q.ChatNotHelpfulIn(ctx, from, to, topUnanswered)
	if err != nil {
		return r, err
	}
	ix := s.ix.Load() // titles when the index is built; a report does not build it
	for _, t := range bad {
		n := NotHelpful{Question: t.Question, PageURL: t.SourceURL, At: t.CreatedAt}
		if ix != nil {
			if d, ok := ix.Doc(t.SourceURL); ok {
				n.PageTitle = d.Title
			}
		}
		r.NotHelpful = append(r.NotHelpful, n)
	}
	return r, nil
}

// Sweep deletes turns (and unanswered examples) past their expiry, in
// batches, each batch audited with its count only. It returns how many
// turns went.
func (s *Service) Sweep(ctx context.Context) (int64, error) {
	now := s.now()
	var total int64
	for {
		var n int64
		err := s.db.Tx(ctx, func(q *store.Q) error {
			var err error
			if n, err = q.DeleteExpiredChatTurns(ctx, now, sweepBatch); err != nil || n == 0 {
				return err
			}
			_, err = s.audit.Append(ctx, q, audit.Entry{Actor: "system", Action: "chat.expire",
				Object: fmt.Sprintf("chat_turns:%d", n), Purpose: "retention", Outcome: audit.Success})
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < sweepBatch {
			break
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
	err := s.db.Tx(ctx, func(q *store.Q) error {
		n, err := q.DeleteExpiredChatUnanswered(ctx, now)
		if err != nil || n == 0 {
			return err
		}
		_, err = s.audit.Append(ctx, q, audit.Entry{Actor: "system", Action: "chat.expire",
			Object: fmt.Sprintf("chat_unanswered:%d", n), Purpose: "retention", Outcome: audit.Success})
		return err
	})
	if total > 0 {
		s.log.Info("chat turns past their retention deleted", "count", total)
	}
	return total, err
}

var clauseSep = regexp.MustCompile(`(?i)[.,;:?!\n]+|\s(?:and|but)\s`)

// searchText is what is searched and guarded: the redacted question without
// the clauses that carried personal data ("my NHS number is [NHS number]"),
// whose words would only pull in unrelated pages. When nothing else is
// left, the question with its placeholders blanked is used.
func searchText(red string, det *pii.Detector, ents []pii.Entity) string {
	if len(ents) == 0 {
		return red
	}
	var phs []string
	for _, e := range ents {
		phs = append(phs, det.Placeholder(e.Type))
	}
	has := func(s string) bool {
		for _, p := range phs {
			if strings.Contains(s, p) {
				return true
			}
		}
		return false
	}
	var kept []string
	for _, c := range clauseSep.Split(red, -1) {
		if c = strings.TrimSpace(c); c != "" && !has(c) {
			kept = append(kept, c)
		}
	}
	if out := strings.Join(kept, ". "); strings.TrimSpace(out) != "" {
		return out
	}
	return blankPlaceholders(red, det, ents)
}

// blankPlaceholders is the redacted question with its placeholders blanked:
// what the scope guard reads ("has my payment of [card number] gone
// through" is still about a payment of the resident's own).
func blankPlaceholders(red string, det *pii.Detector, ents []pii.Entity) string {
	for _, e := range ents {
		red = strings.ReplaceAll(red, det.Placeholder(e.Type), " ")
	}
	return red
}

// Overdue counts the stored turns and unanswered examples past the
// policy's retention: what the sweep should already have deleted.
func (s *Service) Overdue(ctx context.Context) (int64, error) {
	turns, unanswered, err := s.db.Q().ChatOverdue(ctx, s.now())
	return turns + unanswered, err
}

// PersonalData counts, by kind (store.ChatTextQuestion, ...), the stored
// pieces of text in which the policy's personal-data detector still finds
// something: everything is redacted before it is stored, so each one is
// text that escaped redaction (stored before a detector improved, or
// written around the service). Only counts leave: never the text.
func (s *Service) PersonalData(ctx context.Context) (map[string]int, error) {
	det := s.detectors.For(s.policy())
	found := map[string]int{}
	err := s.db.Q().ChatTexts(ctx, func(kind, text string) error {
		if _, ents := det.Redact(text); len(ents) > 0 {
			found[kind]++
		}
		return nil
	})
	return found, err
}
