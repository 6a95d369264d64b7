package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/search"
	"github.com/fairline/fairline/internal/store"
)

// Hints (issue 12): from a question on the unanswered list, or an answer
// rated not helpful, staff say "send questions like this to page X". The
// search puts X first for questions like it (search/hints.go says how
// "like" is measured), and compose answers from it, or offers it among
// choices when another page is just as likely. A question about the
// resident's own case, or another council's topic, is routed as before:
// hints choose the page, not whether to answer. Hints are kept in kb_hints
// (migration 0012 says why that is not personal data and when a hint is
// deleted); every change is audited with pseudonymous ids only and reaches
// every instance through the knowledge base's change log (CatchUp), which
// also empties the answer cache.

// Hint is one hint as staff see it.
type Hint struct {
	ID        int64
	Question  string // redacted
	PageURL   string
	PageTitle string
	// Active: the page is one the chatbot answers from, so the hint sends
	// questions there (an excluded page's hints wait for it to come back).
	Active    bool
	CreatedBy string
	CreatedAt time.Time
	UpdatedBy string
	UpdatedAt time.Time
}

func hintOf(h store.KBHint) Hint {
	return Hint{ID: h.ID, Question: h.Question, PageURL: h.PageURL, PageTitle: h.PageTitle, Active: h.PageAnswerable,
		CreatedBy: h.CreatedBy, CreatedAt: h.CreatedAt, UpdatedBy: h.UpdatedBy, UpdatedAt: h.UpdatedAt}
}

// hintSure is the similarity from which a hint's page is the answer even
// when the search is confident of another page on its own: the resident
// asked (nearly) the hint's own question, which staff decided. Below it
// such a page is offered beside the hint's as a choice.
const hintSure = 0.9

// Errors of the hint forms, each naming its field.
var (
	errHintQuestion = fail.Field("question", "The question has no words the search can match (only very common ones such as \"how\" or \"the\")")
	errHintPage     = fail.Field("page", "Choose a page the chatbot answers from (in the knowledge base and not excluded)")
	errHintTwice    = fail.Field("page", "This question already goes to that page")
	// ErrUnknownHint: no hint has that id (deleted, or its page left the
	// knowledge base).
	ErrUnknownHint = &fail.Error{Kind: fail.NotFound, Code: "unknown_hint", Msg: "There is no such hint (it was deleted, or its page left the knowledge base)."}
)

// Hints lists every hint, oldest first.
func (s *Service) Hints(ctx context.Context) ([]Hint, error) {
	rows, err := s.db.Q().KBHints(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Hint, len(rows))
	for i, r := range rows {
		out[i] = hintOf(r)
	}
	return out, nil
}

// Hint returns one hint, or ErrUnknownHint.
func (s *Service) Hint(ctx context.Context, id int64) (Hint, error) {
	h, err := s.db.Q().KBHint(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Hint{}, ErrUnknownHint
	}
	return hintOf(h), err
}

// AddHint sends questions like question to the page at pageURL, as actor.
// The question is redacted again, whatever the form sent: a hint is kept
// until deleted, so it must never hold what the redactor can find. A
// question without content words or a page the chatbot does not answer
// from is a fail.Invalid error naming "question" or "page".
func (s *Service) AddHint(ctx context.Context, actor, question, pageURL string) (Hint, error) {
	question, err := s.hintQuestion(ctx, question)
	if err != nil {
		return Hint{}, err
	}
	if pageURL, err = s.hintPage(ctx, pageURL); err != nil {
		return Hint{}, err
	}
	return s.saveHint(ctx, actor, "kb.hint.add", func(q *store.Q) (store.KBHint, error) {
		return q.AddKBHint(ctx, question, pageURL, actor, s.now())
	})
}

// SetHintPage sends hint id's questions to the page at pageURL instead.
func (s *Service) SetHintPage(ctx context.Context, actor string, id int64, pageURL string) (Hint, error) {
	pageURL, err := s.hintPage(ctx, pageURL)
	if err != nil {
		return Hint{}, err
	}
	return s.saveHint(ctx, actor, "kb.hint.update", func(q *store.Q) (store.KBHint, error) {
		_, err := q.KBHint(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return store.KBHint{}, ErrUnknownHint
		} else if err != nil {
			return store.KBHint{}, err
		}
		return q.SetKBHintPage(ctx, id, pageURL, actor, s.now())
	})
}

// saveHint stores a hint by write, with its audit entry, in one transaction
// and follows the change. A page gone in the meantime is the form's "page"
// error, as is a question that already goes to that page.
func (s *Service) saveHint(ctx context.Context, actor, action string, write func(q *store.Q) (store.KBHint, error)) (Hint, error) {
	var h store.KBHint
	err := s.db.Tx(ctx, func(q *store.Q) error {
		var err error
		if h, err = write(q); err != nil {
			return err
		}
		return s.auditHint(ctx, q, actor, action, h)
	})
	switch {
	case errors.Is(err, ErrUnknownHint):
		return Hint{}, err
	case errors.Is(err, store.ErrConflict):
		return Hint{}, errHintTwice
	case errors.Is(err, store.ErrNotFound):
		return Hint{}, errHintPage
	case err != nil:
		return Hint{}, fmt.Errorf("save the hint: %w", err)
	}
	return hintOf(h), s.CatchUp(ctx)
}

// DeleteHint removes hint id, as actor.
func (s *Service) DeleteHint(ctx context.Context, actor string, id int64) error {
	err := s.db.Tx(ctx, func(q *store.Q) error {
		h, err := q.DeleteKBHint(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return ErrUnknownHint
		}
		if err != nil {
			return err
		}
		return s.auditHint(ctx, q, actor, "kb.hint.delete", h)
	})
	if err != nil {
		return err
	}
	return s.CatchUp(ctx)
}

// auditHint records a change to hint h: ids only (the hint's and its
// page's), never the question.
func (s *Service) auditHint(ctx context.Context, q *store.Q, actor, action string, h store.KBHint) error {
	_, err := s.audit.Append(ctx, q, audit.Entry{Actor: actor, Action: action,
		Object: fmt.Sprintf("kb_hint:%d-kb_page-%d", h.ID, h.PageID), Purpose: "service_configuration", Outcome: audit.Success})
	return err
}

// hintQuestion is question as a hint keeps it: trimmed, redacted, and with
// words the search can match.
func (s *Service) hintQuestion(ctx context.Context, question string) (string, error) {
	question = strings.TrimSpace(question)
	switch {
	case !utf8.ValidString(question):
		return "", fail.Field("question", "The question must be text (UTF-8)")
	case utf8.RuneCountInString(question) > s.maxMessage:
		return "", fail.Field("question", fmt.Sprintf("The question must be %d characters or fewer", s.maxMessage))
	}
	question = s.RedactText(question)
	ix, err := s.index(ctx)
	if err != nil {
		return "", err
	}
	if ix.PrepareHints([]search.Hint{{Question: question}}).Len() == 0 {
		return "", errHintQuestion
	}
	return question, nil
}

// hintPage is the knowledge-base page pageURL names (a link to a part of
// it counts), when the chatbot answers from it.
func (s *Service) hintPage(ctx context.Context, pageURL string) (string, error) {
	pageURL, _, _ = strings.Cut(strings.TrimSpace(pageURL), "#")
	ix, err := s.index(ctx)
	if err != nil {
		return "", err
	}
	if _, ok := ix.Doc(pageURL); pageURL == "" || !ok {
		return "", errHintPage
	}
	return pageURL, nil
}

// PageRef is a knowledge-base page to choose.
type PageRef struct{ URL, Title string }

// FindPages searches the pages the chatbot answers from, for staff
// choosing a hint's page: up to n, best first.
func (s *Service) FindPages(ctx context.Context, query string, n int) ([]PageRef, error) {
	ix, err := s.index(ctx)
	if err != nil {
		return nil, err
	}
	var out []PageRef
	for _, r := range s.search(ctx, ix, query, n) {
		out = append(out, PageRef{URL: r.URL, Title: r.Title})
	}
	return out, nil
}

// loadHints gives ix the hints stored now. Callers hold loadMu.
func (s *Service) loadHints(ctx context.Context, ix *search.Index) error {
	rows, err := s.db.Q().KBHints(ctx)
	if err != nil {
		return err
	}
	hs := make([]search.Hint, len(rows))
	for i, r := range rows {
		hs[i] = search.Hint{ID: r.ID, Question: r.Question, URL: r.PageURL}
	}
	ix.SetHints(ix.PrepareHints(hs))
	return nil
}

// hinted decides a question that a hint sent to a page (results[0].Hint is
// set): the hint's page is the answer, unless other pages are as likely —
// another hint's page, or a page the search is confident of on its own —
// and the question is not (nearly) the hint's own (hintSure); then those
// pages are the choices, the hint's first. ok is false when no hint
// applies.
func (s *Service) hinted(results []search.Result) (best search.Result, choices []search.Result, ok bool) {
	if len(results) == 0 || results[0].Hint == 0 {
		return search.Result{}, nil, false
	}
	top := results[0]
	sure := top.HintSimilarity >= hintSure
	rivals := []search.Result{top}
	for _, r := range results[1:] {
		switch {
		case r.Hint != 0 && (!sure || r.HintSimilarity >= hintSure):
			rivals = append(rivals, r)
		case r.Hint == 0 && !sure && r.Confidence >= s.threshold:
			rivals = append(rivals, r)
		}
	}
	return top, pickDistinct(rivals, func(search.Result) bool { return true }), true
}

// hintEffectDays is how far back the hints' effect is measured: recent
// enough to say something about the site as it is, and a bounded amount of
// work for the page that shows it.
const hintEffectDays = 90

// Rate counts questions and how many of them were answered.
type Rate struct{ Questions, Answered int }

// AnsweredRate is Answered as a share of Questions, in [0,1]; 0 without
// questions.
func (r Rate) AnsweredRate() float64 {
	if r.Questions == 0 {
		return 0
	}
	return float64(r.Answered) / float64(r.Questions)
}

func (r *Rate) add(answered bool) {
	r.Questions++
	if answered {
		r.Answered++
	}
}

// HintEffect is what a hint changed: questions like it asked before it
// was added and after, and of those after, how many were answered from
// its page.
type HintEffect struct {
	Hint
	Before, After Rate
	ToPage        int
}

// HintEffects are the hints with their effect, and overall: a question
// counts after when some hint like it existed when it was asked, before
// when one was added later. Since is where the measure starts.
type HintEffects struct {
	Hints         []HintEffect
	Before, After Rate
	Since         time.Time
}

// HintEffects measures each hint over the questions of the last
// hintEffectDays still stored (turns expire under the retention policy),
// matching them as the search would now.
func (s *Service) HintEffects(ctx context.Context) (HintEffects, error) {
	out := HintEffects{Since: dayOf(s.now()).AddDate(0, 0, -hintEffectDays)}
	hints, err := s.Hints(ctx)
	if err != nil || len(hints) == 0 {
		return out, err
	}
	ix, err := s.index(ctx)
	if err != nil {
		return out, err
	}
	byID := map[int64]int{}
	sh := make([]search.Hint, len(hints))
	for i, h := range hints {
		out.Hints = append(out.Hints, HintEffect{Hint: h})
		byID[h.ID] = i
		sh[i] = search.Hint{ID: h.ID, Question: h.Question, URL: h.PageURL}
	}
	set := ix.PrepareHints(sh)
	// Residents ask the same questions often: each is matched once.
	matches := map[string][]search.HintMatch{}
	err = s.db.Q().EachChatTurnSince(ctx, out.Since, func(t store.ChatTurn) error {
		ms, ok := matches[t.Question]
		if !ok {
			ms = ix.MatchHints(set, t.Question)
			matches[t.Question] = ms
		}
		after := false
		for _, m := range ms {
			e := &out.Hints[byID[m.ID]]
			if t.CreatedAt.Before(e.CreatedAt) {
				e.Before.add(t.Answered)
				continue
			}
			after = true
			e.After.add(t.Answered)
			if t.Answered && t.SourceURL == e.PageURL {
				e.ToPage++
			}
		}
		switch {
		case after:
			out.After.add(t.Answered)
		case len(ms) > 0:
			out.Before.add(t.Answered)
		}
		return nil
	})
	return out, err
}
