package chat

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

const (
	demo        = "https://demo.localgov.example"
	alarmsPage  = demo + "/adult-health-and-social-care/support-your-home/home-monitoring-and-personal-alarms"
	therapyPage = demo + "/adult-health-and-social-care/support-your-home/occupational-therapy-and-equipment-helping-you-stay"
	badgeOrgs   = demo + "/adult-health-and-social-care/travel-passes-and-support/blue-badges/blue-badges-organisations"
	applyBadge  = demo + "/adult-health-and-social-care/travel-passes-and-support/blue-badges/apply-blue-badge"
)

// outcomeOf names what the bot did with a question: "answer PAGE",
// "choices PAGE PAGE...", or the handoff reason.
func outcomeOf(r Response) string {
	switch {
	case len(r.Choices) > 0:
		out := "choices"
		for _, c := range r.Choices {
			u, _, _ := strings.Cut(c.URL, "#")
			out += " " + u
		}
		return out
	case len(r.Sources) > 0:
		u, _, _ := strings.Cut(r.Sources[0].URL, "#")
		return "answer " + u
	case r.Handoff != nil:
		return r.Handoff.Reason
	}
	return "nothing"
}

// Hints send questions like theirs to their page: similar questions are
// answered from it (or offered it among choices when another page is as
// likely), unrelated questions are answered as before, and a hint whose
// page leaves the knowledge base goes with it.
func TestHints(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		ask := func(q string) string {
			t.Helper()
			return outcomeOf(mustAsk(t, f.svc, q, false))
		}
		questions := []string{"lifeline pendant for my gran", "where do i get a stairlift", "stairlift for my mum",
			"how do I apply for a blue badge", "meals on wheels", "my boiler is broken", "wedding venue",
			"apply for a blue badge for my dad", "apply for a blue badge for my disabled dad", "pendant necklace lost"}
		before := map[string]string{}
		for _, q := range questions {
			before[q] = ask(q) // and cached
		}
		for _, q := range []string{"lifeline pendant for my gran", "stairlift for my mum"} {
			if before[q] != ReasonNotFound {
				t.Fatalf("%q is %s before any hint: the test proves nothing", q, before[q])
			}
		}

		for _, h := range []struct{ q, page string }{
			{"my gran needs a lifeline pendant", alarmsPage},
			{"where do i get a stairlift", therapyPage},
			{"apply for a blue badge for my dad", badgeOrgs}, // a page the search would not choose
		} {
			if _, err := f.svc.AddHint(ctx, "user:2", h.q, h.page); err != nil {
				t.Fatal(err)
			}
		}
		for _, tt := range []struct {
			q, want string
			prefix  bool // want is how the outcome starts
		}{
			// Like a hint: answered from its page (the cache was emptied).
			{"lifeline pendant for my gran", "answer " + alarmsPage, false},
			{"where do i get a stairlift", "answer " + therapyPage, false},
			{"stairlift for my mum", "answer " + therapyPage, false}, // contains the hint
			// The hint's own question: its page, although the search is sure of another.
			{"apply for a blue badge for my dad", "answer " + badgeOrgs, false},
			// Like it, with another page the search is sure of: choices, the hint's first.
			{"apply for a blue badge for my disabled dad", "choices " + badgeOrgs + " " + demo, true},
			// Unlike any hint: as before.
			{"how do I apply for a blue badge", before["how do I apply for a blue badge"], false},
			{"meals on wheels", before["meals on wheels"], false},
			{"my boiler is broken", before["my boiler is broken"], false},
			{"wedding venue", before["wedding venue"], false},
			{"pendant necklace lost", before["pendant necklace lost"], false},
		} {
			if got := ask(tt.q); got != tt.want && !(tt.prefix && strings.HasPrefix(got, tt.want)) {
				t.Errorf("%q: %s, want %s", tt.q, got, tt.want)
			}
		}

		// The page leaves the knowledge base (a crawl found it gone): its
		// hint goes, and the question is unanswered again.
		if err := db.Q().DeleteKBPage(ctx, therapyPage); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if got := ask("stairlift for my mum"); got != ReasonNotFound {
			t.Errorf("after the page went: %s", got)
		}
		hints, err := f.svc.Hints(ctx)
		if err != nil || len(hints) != 2 {
			t.Errorf("hints after the page went: %+v, %v", hints, err)
		}
	})
}

// Adding, changing and deleting hints: checked, redacted, audited by ids
// only, and each takes effect at once.
func TestHintChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		field := func(err error) string {
			var fe *fail.Error
			if errors.As(err, &fe) && fe.Kind == fail.Invalid {
				return fe.Field
			}
			return ""
		}
		for _, tt := range []struct{ q, page, field string }{
			{"how do I get the", alarmsPage, "question"},
			{"", alarmsPage, "question"},
			{strings.Repeat("pendant ", 200), alarmsPage, "question"},
			{"lifeline pendant", demo + "/no-such-page", "page"},
			{"lifeline pendant", "", "page"},
		} {
			if _, err := f.svc.AddHint(ctx, "user:2", tt.q, tt.page); field(err) != tt.field {
				t.Errorf("AddHint(%.20q, %q) = %v, want an error on %s", tt.q, tt.page, err, tt.field)
			}
		}
		// Personal data is redacted again, whatever the form sent; a link
		// to a part of a page names the page.
		h, err := f.svc.AddHint(ctx, "user:2", "lifeline pendant for jane.doe@example.com", alarmsPage+"#types-of-telecare-equipment")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(h.Question, "jane.doe") || !strings.Contains(h.Question, "lifeline pendant") || h.PageURL != alarmsPage ||
			!h.Active || h.PageTitle == "" || h.CreatedBy != "user:2" {
			t.Errorf("hint = %+v", h)
		}
		if _, err := f.svc.AddHint(ctx, "user:2", h.Question, alarmsPage); field(err) != "page" {
			t.Errorf("the same hint twice: %v", err)
		}
		if got := outcomeOf(mustAsk(t, f.svc, "lifeline pendant", true)); got != "answer "+alarmsPage {
			t.Errorf("after adding: %s", got)
		}
		moved, err := f.svc.SetHintPage(ctx, "user:5", h.ID, therapyPage)
		if err != nil || moved.PageURL != therapyPage || moved.UpdatedBy != "user:5" || moved.CreatedBy != "user:2" {
			t.Fatalf("SetHintPage = %+v, %v", moved, err)
		}
		if got := outcomeOf(mustAsk(t, f.svc, "lifeline pendant", true)); got != "answer "+therapyPage {
			t.Errorf("after moving: %s", got)
		}
		if _, err := f.svc.SetHintPage(ctx, "user:5", h.ID, demo+"/nope"); field(err) != "page" {
			t.Errorf("move to no page: %v", err)
		}
		if _, err := f.svc.SetHintPage(ctx, "user:5", h.ID+100, alarmsPage); !errors.Is(err, ErrUnknownHint) {
			t.Errorf("move no hint: %v", err)
		}
		if err := f.svc.DeleteHint(ctx, "user:5", h.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DeleteHint(ctx, "user:5", h.ID); !errors.Is(err, ErrUnknownHint) {
			t.Errorf("delete twice: %v", err)
		}
		if got := outcomeOf(mustAsk(t, f.svc, "lifeline pendant", true)); got == "answer "+therapyPage {
			t.Errorf("after deleting: %s", got)
		}

		entries, err := f.audit.Entries(ctx, audit.Filter{Action: "kb.hint.", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
			if !strings.HasPrefix(e.Object, "kb_hint:") || !strings.Contains(e.Object, "-kb_page-") ||
				strings.Contains(e.Object, "pendant") || e.Actor == "" {
				t.Errorf("audit entry %+v", e)
			}
		}
		if strings.Join(actions, " ") != "kb.hint.delete kb.hint.update kb.hint.add" {
			t.Errorf("audited %v", actions)
		}
	})
}

// mustAsk asks svc question q as a resident does (the turn is stored) or,
// with try, as staff trying the chatbot out (nothing is stored).
func mustAsk(t *testing.T, svc *Service, q string, try bool) Response {
	t.Helper()
	ask := func(ctx context.Context, q string) (Response, error) { return svc.Ask(ctx, Request{Message: q}) }
	if try {
		ask = svc.Try
	}
	r, err := ask(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A hint saved on one instance reaches another through the change log,
// without a rebuild; a deletion too.
func TestHintsReachOtherInstances(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := newFixture(t, db)
		b := a.otherInstance(t)
		const q = "stairlift for my mum"
		if got := outcomeOf(mustAsk(t, b, q, true)); got != ReasonNotFound { // and cached on b
			t.Fatalf("before the hint: %s", got)
		}
		h, err := a.svc.AddHint(ctx, "user:2", "where do i get a stairlift", therapyPage)
		if err != nil {
			t.Fatal(err)
		}
		if got := outcomeOf(mustAsk(t, b, q, true)); got != ReasonNotFound {
			t.Fatalf("b used the hint before catching up: %s (the test proves nothing)", got)
		}
		ix := b.ix.Load()
		if err := b.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if b.ix.Load() != ix {
			t.Error("a hint rebuilt the other instance's index")
		}
		if got := outcomeOf(mustAsk(t, b, q, true)); got != "answer "+therapyPage {
			t.Errorf("after catching up: %s", got)
		}
		if err := a.svc.DeleteHint(ctx, "user:2", h.ID); err != nil {
			t.Fatal(err)
		}
		if err := b.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if got := outcomeOf(mustAsk(t, b, q, true)); got != ReasonNotFound {
			t.Errorf("after the deletion reached b: %s", got)
		}
	})
}

// The hints' effect: questions like a hint asked before it and after, and
// how many were answered (from its page); the report's not-helpful list.
func TestHintEffectsAndNotHelpful(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		if e, err := f.svc.HintEffects(ctx); err != nil || len(e.Hints) != 0 || e.Before.Questions+e.After.Questions != 0 {
			t.Errorf("effects without hints: %+v, %v", e, err)
		}
		mustAsk(t, f.svc, "stairlift for my mum", false)
		mustAsk(t, f.svc, "where do i get a stairlift", false)
		mustAsk(t, f.svc, "how do I apply for a blue badge", false) // like no hint
		f.clock.Add(time.Hour)
		if _, err := f.svc.AddHint(ctx, "user:2", "where do i get a stairlift", therapyPage); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(time.Hour)
		r := mustAsk(t, f.svc, "stairlift for my mum", false)
		if err := f.svc.Feedback(ctx, Feedback{ConversationID: r.ConversationID, TurnID: r.TurnID, Helpful: false}); err != nil {
			t.Fatal(err)
		}
		mustAsk(t, f.svc, "meals on wheels", false)

		e, err := f.svc.HintEffects(ctx)
		if err != nil || len(e.Hints) != 1 {
			t.Fatalf("effects = %+v, %v", e, err)
		}
		h := e.Hints[0]
		if h.Before != (Rate{Questions: 2, Answered: 0}) || h.After != (Rate{Questions: 1, Answered: 1}) || h.ToPage != 1 {
			t.Errorf("hint effect = before %+v after %+v to page %d", h.Before, h.After, h.ToPage)
		}
		if e.Before != h.Before || e.After != h.After || e.After.AnsweredRate() != 1 || e.Before.AnsweredRate() != 0 {
			t.Errorf("overall = before %+v after %+v", e.Before, e.After)
		}

		day := dayOf(f.clock.Now())
		rep, err := f.svc.Report(ctx, day, day.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.NotHelpful) != 1 || rep.NotHelpful[0].Question != "stairlift for my mum" ||
			rep.NotHelpful[0].PageURL != therapyPage || rep.NotHelpful[0].PageTitle == "" {
			t.Errorf("not helpful = %+v", rep.NotHelpful)
		}
	})
}

// BenchmarkHintEffects measures the hints' effect as the Search vocabulary
// page does: 20 hints over 20,000 stored turns (2,000 distinct questions,
// each asked ten times) on SQLite.
func BenchmarkHintEffects(b *testing.B) {
	f := newFixture(b, dbtest.Open(b, store.SQLite))
	ctx := context.Background()
	words := []string{"stairlift", "pendant", "badge", "wedding", "boiler", "bins", "library", "register", "birth", "fostering"}
	for i := range 20 {
		q := words[i%len(words)] + " " + words[(i/len(words)+i*3+1)%len(words)] + " help"
		if _, err := f.svc.AddHint(ctx, "user:1", q, therapyPage); err != nil {
			b.Fatal(err)
		}
	}
	now := f.clock.Now()
	var turns []store.ChatTurn
	for i := range 20000 {
		d := i % 2000
		q := "how do I get a " + words[d%10] + " for my " + words[(d/10)%10] + " " + words[(d/100)%10] + " " + strconv.Itoa(d)
		turns = append(turns, store.ChatTurn{ID: fmt.Sprintf("%032x", i+1), Conversation: fmt.Sprintf("%032x", i/5+1), Question: q,
			Answered: i%3 == 0, SourceURL: therapyPage, ExpiresAt: now.AddDate(1, 0, 0), CreatedAt: now.Add(-time.Duration(i) * time.Minute)})
	}
	for i := 0; i < len(turns); i += 500 {
		if err := f.db.Q().InsertChatTurns(ctx, turns[i:min(i+500, len(turns))]...); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		e, err := f.svc.HintEffects(ctx)
		if err != nil || e.Before.Questions+e.After.Questions == 0 {
			b.Fatalf("%+v %v", e, err)
		}
	}
}
