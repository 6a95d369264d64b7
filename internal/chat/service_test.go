package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/kb"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
	"github.com/fairline/fairline/internal/testutil/fakeclock"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuf) Write(p []byte) (int, error) { w.mu.Lock(); defer w.mu.Unlock(); return w.b.Write(p) }
func (w *syncBuf) String() string              { w.mu.Lock(); defer w.mu.Unlock(); return w.b.String() }

type fixture struct {
	db    *store.DB
	svc   *Service
	audit *audit.Log
	clock *fakeclock.Clock
	logs  *syncBuf
	pol   func() *policy.Policy // the default policy with the demo site as a source
}

// newFixture opens a database with the demo site imported through the
// service's hooks.
func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{db: db, clock: fakeclock.New(time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)), logs: &syncBuf{}}
	log := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.audit = audit.New(db, bytes.Repeat([]byte{7}, 32))
	pol, err := WithDemoSource(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	f.pol = func() *policy.Policy { return pol }
	f.svc = New(db, f.audit, f.pol, Options{Logger: log, Now: f.clock.Now})
	k := kb.New(db, kb.Options{Hooks: f.svc.Hooks(), Logger: log, Policy: f.pol})
	if ok, err := ImportDemo(context.Background(), db, k); err != nil || !ok {
		t.Fatalf("import demo: %v %v", ok, err)
	}
	return f
}

func TestAnswerQuotesThePageWithLink(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		resp, err := f.svc.Ask(ctx, Request{Message: "How do I apply for a blue badge?"})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Handoff != nil || len(resp.Sources) == 0 {
			t.Fatalf("no answer: %+v", resp)
		}
		if !strings.Contains(resp.Sources[0].URL, "/blue-badges/apply-blue-badge") || resp.Sources[0].Title != "Apply for a Blue Badge" {
			t.Errorf("source = %+v", resp.Sources[0])
		}
		if len(resp.Sources) > 3 {
			t.Errorf("%d sources", len(resp.Sources))
		}
		seen := map[string]bool{}
		for _, s := range resp.Sources {
			u, _, _ := strings.Cut(s.URL, "#")
			if seen[u] {
				t.Errorf("duplicate source page %s", u)
			}
			seen[u] = true
		}
		// Extractive: the answer is text of the page.
		d, _ := f.svc.ix.Load().Doc(strings.Split(resp.Sources[0].URL, "#")[0])
		var all strings.Builder
		for _, p := range d.Passages {
			all.WriteString(p.Text + "\n")
		}
		for _, sent := range sentencesOf(resp.Answer) {
			if !strings.Contains(all.String(), sent) {
				t.Errorf("answer sentence %q is not on the page", sent)
			}
		}
		if !validID(resp.ConversationID) || !validID(resp.TurnID) || resp.ServiceArea != "adult-social-care" {
			t.Errorf("ids/area: %+v", resp)
		}
		// The conversation continues under its id; an unknown id is replaced, a malformed one refused.
		r2, err := f.svc.Ask(ctx, Request{Message: "meals on wheels", ConversationID: resp.ConversationID})
		if err != nil || r2.ConversationID != resp.ConversationID || r2.TurnID == resp.TurnID {
			t.Errorf("continue: %+v %v", r2, err)
		}
		r3, err := f.svc.Ask(ctx, Request{Message: "meals on wheels", ConversationID: strings.Repeat("a", 32)})
		if err != nil || r3.ConversationID == strings.Repeat("a", 32) {
			t.Errorf("unknown id kept: %+v %v", r3, err)
		}
		var ie *fail.Error
		if _, err := f.svc.Ask(ctx, Request{Message: "x", ConversationID: "../etc"}); !errors.As(err, &ie) || ie.Kind != fail.Invalid || ie.Field != "conversation_id" {
			t.Errorf("malformed id: %v", err)
		}
		for _, m := range []string{"", "   ", strings.Repeat("é", DefaultMaxMessage+1), "\xff\xfe"} {
			if _, err := f.svc.Ask(ctx, Request{Message: m}); !errors.As(err, &ie) || ie.Kind != fail.Invalid || ie.Field != "message" {
				t.Errorf("message %.10q: %v", m, err)
			}
		}
		if _, err := f.svc.Ask(ctx, Request{Message: strings.Repeat("é", DefaultMaxMessage)}); err != nil {
			t.Errorf("message at the limit: %v", err)
		}
	})
}

func sentencesOf(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		for _, p := range strings.SplitAfter(line, ". ") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func TestRedactionBeforeStorage(t *testing.T) {
	secrets := []string{"943 476 5919", "9434765919", "LE2 7QP", "07700 900123", "07700900123", "jane.doe@example.com"}
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		questions := []string{
			"My NHS number is 943 476 5919 and I live at LE2 7QP, how do I apply for a blue badge?",
			"where is my application? call me on 07700 900123 or jane.doe@example.com",
			"qwertyuiop zxcvbnm 943 476 5919 LE2 7QP",
		}
		var turns []string
		var conv string
		for _, q := range questions {
			resp, err := f.svc.Ask(ctx, Request{Message: q, ConversationID: conv})
			if err != nil {
				t.Fatal(err)
			}
			conv = resp.ConversationID
			turns = append(turns, resp.TurnID)
			js, _ := json.Marshal(resp)
			for _, s := range secrets {
				if strings.Contains(string(js), s) {
					t.Errorf("response carries %q: %s", s, js)
				}
			}
			if len(resp.Redacted) == 0 {
				t.Errorf("%q: redacted = %v", q, resp.Redacted)
			}
		}
		resp, _ := f.svc.Ask(ctx, Request{Message: questions[0]})
		if strings.Join(resp.Redacted, ",") != "NHS number,postcode" {
			t.Errorf("redacted = %q", resp.Redacted)
		}
		if err := f.svc.Feedback(ctx, Feedback{ConversationID: conv, TurnID: turns[0], Helpful: false,
			Comment: "ring me on 07700 900123"}); err != nil {
			t.Fatal(err)
		}
		stored, err := db.Q().ChatTurns(ctx, conv)
		if err != nil || len(stored) != 3 {
			t.Fatalf("turns: %d %v", len(stored), err)
		}
		var all strings.Builder
		for _, st := range stored {
			all.WriteString(st.Question + "|" + st.Comment + "|" + st.Conversation + "\n")
		}
		rep, err := f.svc.Report(ctx, f.clock.Now().Add(-24*time.Hour), f.clock.Now().Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(rep)
		all.Write(js)
		rows, err := f.audit.Entries(ctx, store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			all.WriteString(r.Actor + r.Action + r.Object + r.Purpose + "\n")
		}
		all.WriteString(f.logs.String())
		if !strings.Contains(all.String(), "[NHS number]") || !strings.Contains(all.String(), "[phone number]") {
			t.Errorf("placeholders missing from the stored text:\n%s", all.String())
		}
		for _, s := range secrets {
			if strings.Contains(all.String(), s) {
				t.Errorf("%q reached storage, the audit log or the logs:\n%s", s, all.String())
			}
		}
	})
}

func TestExpirySweepKeepsAggregates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		start := f.clock.Now()
		for _, q := range []string{"how do I apply for a blue badge", "zzqx flibbertigibbet", "zzqx flibbertigibbets please"} {
			if _, err := f.svc.Ask(ctx, Request{Message: q}); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := db.Q().Count(ctx, "chat_turns"); err != nil || n != 3 {
			t.Fatalf("%d turns (%v)", n, err)
		}
		// The expiry comes from the policy: 12 months for chat transcripts.
		exp, err := db.Q().EarliestChatExpiry(ctx)
		r, _ := policy.Default().Retention(System, TranscriptKind, "")
		if want := r.ExpiresAt(start); err != nil || !exp.Equal(want) {
			t.Errorf("expires_at = %v (%v), want %v", exp, err, want)
		}
		f.clock.Set(start.AddDate(0, 11, 0))
		if got, err := f.svc.Sweep(ctx); err != nil || got != 0 {
			t.Errorf("early sweep: %d %v", got, err)
		}
		f.clock.Set(r.ExpiresAt(start).Add(time.Second))
		if got, err := f.svc.Sweep(ctx); err != nil || got != 3 {
			t.Fatalf("sweep: %d %v", got, err)
		}
		if n, err := db.Q().Count(ctx, "chat_turns"); err != nil || n != 0 {
			t.Errorf("%d turns left (%v)", n, err)
		}
		rep, err := f.svc.Report(ctx, start.AddDate(0, 0, -1), start.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, d := range rep.Days {
			total += d.Questions
		}
		if total != 3 || len(rep.TopPages) != 1 {
			t.Errorf("aggregates after the sweep: %+v", rep)
		}
		if len(rep.Unanswered) != 0 {
			t.Errorf("unanswered examples are question text and must expire too: %+v", rep.Unanswered)
		}
		rows, _ := f.audit.Entries(ctx, store.AuditFilter{})
		found := false
		for _, r := range rows {
			if r.Action == "chat.expire" && r.Object == "chat_turns:3" && r.Actor == "system" {
				found = true
			}
		}
		if !found {
			t.Errorf("no count-only audit entry: %+v", rows)
		}
	})
}

func TestFeedback(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		a, err := f.svc.Ask(ctx, Request{Message: "how do I apply for a blue badge"})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := f.svc.Ask(ctx, Request{Message: "meals on wheels"})
		if err := f.svc.Feedback(ctx, Feedback{ConversationID: a.ConversationID, TurnID: a.TurnID, Helpful: true}); err != nil {
			t.Fatal(err)
		}
		// A change of mind moves the count.
		if err := f.svc.Feedback(ctx, Feedback{ConversationID: a.ConversationID, TurnID: a.TurnID, Helpful: false, Comment: "not what I needed"}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Feedback(ctx, Feedback{ConversationID: b.ConversationID, TurnID: b.TurnID, Helpful: true}); err != nil {
			t.Fatal(err)
		}
		rep, _ := f.svc.Report(ctx, f.clock.Now().Add(-time.Hour), f.clock.Now().Add(time.Hour))
		h, nh := 0, 0
		for _, d := range rep.Days {
			h += d.Helpful
			nh += d.NotHelpful
		}
		if h != 1 || nh != 1 {
			t.Errorf("helpful %d, not helpful %d: %+v", h, nh, rep.Days)
		}
		// The turn must belong to the conversation.
		if err := f.svc.Feedback(ctx, Feedback{ConversationID: b.ConversationID, TurnID: a.TurnID, Helpful: true}); !errors.Is(err, ErrUnknownTurn) {
			t.Errorf("other conversation's turn: %v", err)
		}
		if err := f.svc.Feedback(ctx, Feedback{ConversationID: a.ConversationID, TurnID: newTurnID(), Helpful: true}); !errors.Is(err, ErrUnknownTurn) {
			t.Errorf("unknown turn: %v", err)
		}
		var ie *fail.Error
		for _, fb := range []Feedback{
			{ConversationID: "", TurnID: a.TurnID},
			{ConversationID: a.ConversationID, TurnID: "x"},
			{ConversationID: a.ConversationID, TurnID: a.TurnID, Comment: strings.Repeat("a", MaxComment+1)},
		} {
			if err := f.svc.Feedback(ctx, fb); !errors.As(err, &ie) || ie.Kind != fail.Invalid {
				t.Errorf("%+v: %v", fb, err)
			}
		}
	})
}

func TestReportGroupsUnanswered(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		for _, q := range []string{
			"Do you sell dragon eggs?", "do you sell dragon eggs", "Dragon eggs for sale?", "do you sell dragons eggs please",
			"flibbertigibbet quango", "Flibbertigibbet quangos?",
			"zorblax",
		} {
			resp, err := f.svc.Ask(ctx, Request{Message: q})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Handoff == nil || resp.Handoff.Reason != ReasonNotFound {
				t.Fatalf("%q was answered: %+v", q, resp)
			}
		}
		f.clock.Set(f.clock.Now().Add(26 * time.Hour))
		f.svc.Ask(ctx, Request{Message: "dragon eggs sale"})
		rep, err := f.svc.Report(ctx, f.clock.Now().AddDate(0, 0, -3), f.clock.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var counts []int
		for _, u := range rep.Unanswered {
			counts = append(counts, u.Count)
		}
		if len(rep.Unanswered) != 3 || counts[0] != 5 || counts[1] != 2 || counts[2] != 1 {
			t.Errorf("groups: %+v", rep.Unanswered)
		}
		if !strings.Contains(strings.ToLower(rep.Unanswered[0].Example), "dragon") || rep.Unanswered[0].Last != f.clock.Now() {
			t.Errorf("first group: %+v", rep.Unanswered[0])
		}
	})
}

func TestGrouping(t *testing.T) {
	items := func(qs ...string) []unansweredItem {
		var out []unansweredItem
		for _, q := range qs {
			out = append(out, unansweredItem{key: normKey(q), tokens: normTokens(q), example: q, count: 1})
		}
		return out
	}
	got := groupUnanswered(items("When does the library open on Sundays?", "library opening sunday", "Is the library open on Sunday",
		"swimming pool prices", "price of the swimming pool"), 0)
	if len(got) != 2 || got[0].Count != 3 || got[1].Count != 2 {
		t.Errorf("groups: %+v", got)
	}
	if j := jaccard(normTokens("bins collected"), normTokens("bin collection")); j != 1 {
		t.Errorf("light stemming: jaccard %v (%v vs %v)", j, normTokens("bins collected"), normTokens("bin collection"))
	}
	if normKey("Where?") != "" || normKey("What is the [postcode]") != "postcode" {
		t.Errorf("keys: %q %q", normKey("Where?"), normKey("What is the [postcode]"))
	}
}

func TestIndexFollowsHooks(t *testing.T) {
	dbtest.Each(t, testIndexFollowsHooks)
}

func testIndexFollowsHooks(t *testing.T, db *store.DB) {
	f := newFixture(t, db)
	ctx := context.Background()
	if _, err := f.svc.Try(ctx, "blue badge"); err != nil {
		t.Fatal(err)
	}
	k := kb.New(db, kb.Options{Hooks: f.svc.Hooks(), Policy: f.pol, Audit: f.audit})
	page := `{"url":"https://demo.localgov.example/gritting","title":"Gritting routes","html":"<main><h1>Gritting routes</h1><p>We grit the main roads when ice is forecast. Gritters run from October to April.</p></main>"}`
	if _, err := k.Import(ctx, strings.NewReader(page+"\n")); err != nil {
		t.Fatal(err)
	}
	resp, err := f.svc.Try(ctx, "when do you grit the roads")
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Sources) == 0 || !strings.HasPrefix(resp.Sources[0].URL, "https://demo.localgov.example/gritting") {
		t.Errorf("new page not answered: %+v", resp)
	}
	if resp.ConversationID != "" || resp.TurnID != "" {
		t.Errorf("Try stored a turn: %+v", resp)
	}
	if _, err := k.ExcludePath(ctx, "user:1", "/gritting"); err != nil {
		t.Fatal(err)
	}
	resp, err = f.svc.Try(ctx, "when do you grit the roads")
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Sources) > 0 && strings.HasPrefix(resp.Sources[0].URL, "https://demo.localgov.example/gritting") {
		t.Errorf("removed page still answered")
	}
	if n, err := db.Q().Count(ctx, "chat_turns"); err != nil || n != 0 {
		t.Errorf("Try stored %d turns (%v)", n, err)
	}
}

// Questions asked at the same moment are stored by one group commit; every
// turn and every count must still arrive exactly once.
func TestConcurrentQuestionsAreEachCounted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		const answered, unanswered = 40, 24
		var wg sync.WaitGroup
		for i := range answered + unanswered {
			q := "How do I apply for a blue badge?"
			if i >= answered {
				q = "Do you sell dragon eggs?"
			}
			wg.Go(func() {
				if _, err := f.svc.Ask(ctx, Request{Message: q}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		rep, err := f.svc.Report(ctx, f.clock.Now().AddDate(0, 0, -1), f.clock.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var questions, ans, handoffs int
		for _, d := range rep.Days {
			questions, ans, handoffs = questions+d.Questions, ans+d.Answered, handoffs+d.Handoffs
		}
		if questions != answered+unanswered || ans != answered || handoffs != unanswered {
			t.Errorf("days count %d questions, %d answered, %d handed off; want %d, %d, %d",
				questions, ans, handoffs, answered+unanswered, answered, unanswered)
		}
		if len(rep.TopPages) != 1 || rep.TopPages[0].Count != answered || rep.TopPages[0].Title != "Apply for a Blue Badge" {
			t.Errorf("top pages = %+v, want the Blue Badge page %d times", rep.TopPages, answered)
		}
		if len(rep.Unanswered) != 1 || rep.Unanswered[0].Count != unanswered {
			t.Errorf("unanswered = %+v, want one group of %d", rep.Unanswered, unanswered)
		}
		turns, err := db.Q().Count(ctx, "chat_turns")
		if err != nil {
			t.Fatal(err)
		}
		if turns != answered+unanswered {
			t.Errorf("%d turns stored, want %d", turns, answered+unanswered)
		}
	})
}

// The demo site is not a source of the default policy: importing it is
// refused, naming the policy field, until the demo site is declared, and
// then the notice names it.
func TestImportDemoNeedsDeclaredSource(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		def := policy.Default()
		_, err := ImportDemo(ctx, db, kb.New(db, kb.Options{Policy: func() *policy.Policy { return def }}))
		if err == nil || !strings.Contains(err.Error(), "line 1: host demo.localgov.example is not one of the sources the policy declares in systems[chatbot].sources") {
			t.Errorf("import under the default policy: %v", err)
		}
		if c, _ := db.Q().CountKBPages(ctx); c.Pages != 0 {
			t.Errorf("%d pages stored", c.Pages)
		}
		demo, err := WithDemoSource(def)
		if err != nil {
			t.Fatal(err)
		}
		if demo.Source != "default.yaml + the --demo site" {
			t.Errorf("source = %q", demo.Source)
		}
		why, _ := demo.Text(System, "{sources}")
		if why != "our website, startaconversation.co.uk or the LocalGov Drupal demo site (demo.localgov.example)" {
			t.Errorf("{sources} = %q", why)
		}
		if ok, err := ImportDemo(ctx, db, kb.New(db, kb.Options{Policy: func() *policy.Policy { return demo }})); !ok || err != nil {
			t.Errorf("import under the demo policy: %v, %v", ok, err)
		}
	})
}
