package chat

import (
	"context"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/kb"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

const quokkaPage = `{"url":"https://demo.localgov.example/quokka-enclosure","title":"Visit the quokka enclosure","html":"<main><h1>Visit the quokka enclosure</h1><p>The quokka enclosure at the country park opens at 10am every day. Entry to the quokka enclosure is free.</p></main>"}`

// answers reports whether svc's first source for question is the page at
// url.
func answers(t *testing.T, svc *Service, question, url string) bool {
	t.Helper()
	resp, err := svc.Try(context.Background(), question)
	if err != nil {
		t.Fatal(err)
	}
	return len(resp.Sources) > 0 && strings.HasPrefix(resp.Sources[0].URL, url)
}

// otherInstance is a second service on f's database with its index built:
// another serve instance.
func (f *fixture) otherInstance(t *testing.T) *Service {
	t.Helper()
	b := New(f.db, f.audit, f.pol, Options{})
	if err := b.LoadIndex(context.Background()); err != nil {
		t.Fatal(err)
	}
	return b
}

// Two services on one database stand for two serve instances: changes made
// through one (pages, exclusions, vocabulary, a page's area) reach the
// other's index when it catches up, and not before.
func TestOtherInstanceCatchesUp(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := newFixture(t, db)
		b := a.otherInstance(t)
		const url = "https://demo.localgov.example/quokka-enclosure"
		const question = "when does the quokka enclosure open"
		if answers(t, b, question, url) {
			t.Fatal("answered from a page that does not exist yet")
		}
		k := kb.New(db, kb.Options{Hooks: a.svc.Hooks(), Audit: a.audit, Policy: a.pol})
		if _, err := k.Import(ctx, strings.NewReader(quokkaPage+"\n")); err != nil {
			t.Fatal(err)
		}
		if !answers(t, a.svc, question, url) {
			t.Error("the instance that imported the page does not answer from it")
		}
		if answers(t, b, question, url) {
			t.Error("the other instance answered from the new page before catching up: the test proves nothing")
		}
		if err := b.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if !answers(t, b, question, url) {
			t.Error("after catching up, the other instance does not answer from the new page")
		}

		// A synonym saved on one instance is used by the other.
		const synonymQuestion = "when does the marsupial paddock open"
		if answers(t, b, synonymQuestion, url) {
			t.Fatal("answered the synonym question before the synonym exists")
		}
		v, err := a.svc.Vocabulary(ctx)
		if err != nil {
			t.Fatal(err)
		}
		v.Synonyms += "\nquokka enclosure, marsupial paddock\n"
		if err := a.svc.UpdateVocabulary(ctx, "user:1", v); err != nil {
			t.Fatal(err)
		}
		if err := b.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if !answers(t, b, synonymQuestion, url) {
			t.Error("the other instance did not pick up the new synonym")
		}

		// A page's area set by hand, then an exclusion.
		if err := a.svc.SetPageArea(ctx, "user:1", url, "libraries-and-culture"); err != nil {
			t.Fatal(err)
		}
		if err := b.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if resp, _ := b.Try(ctx, question); resp.ServiceArea != "libraries-and-culture" {
			t.Errorf("area after catching up = %q, want libraries-and-culture", resp.ServiceArea)
		}
		if _, err := k.ExcludePath(ctx, "user:1", "/quokka-enclosure"); err != nil {
			t.Fatal(err)
		}
		if !answers(t, b, question, url) {
			t.Error("the other instance dropped the page before catching up")
		}
		if err := b.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if answers(t, b, question, url) {
			t.Error("the other instance still answers from an excluded page")
		}
	})
}

// A re-crawl that finds pages unchanged is not a change: instances must not
// rebuild for it. Changes the log no longer holds force a rebuild.
func TestChangeLog(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		q := db.Q()
		before, err := q.KBVersion(ctx)
		if err != nil || before == 0 {
			t.Fatalf("version after the demo import = %d, %v", before, err)
		}
		var p store.KBPage
		if err := q.EachKBPage(ctx, func(kp store.KBPage) error {
			if p.URL == "" {
				p = kp
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := q.TouchKBPage(ctx, p.URL, 304, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := q.UpsertKBPage(ctx, p); err != nil { // same content
			t.Fatal(err)
		}
		if v, _ := q.KBVersion(ctx); v != before {
			t.Errorf("unchanged page moved the version %d -> %d", before, v)
		}
		p.HTML += "<p>Opening hours changed.</p>"
		if err := q.UpsertKBPage(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := q.DeleteKBPage(ctx, p.URL); err != nil {
			t.Fatal(err)
		}
		changes, err := q.KBChangesSince(ctx, before, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) != 2 || changes[0].Version != before+1 || changes[1].Version != before+2 ||
			changes[0].URL != p.URL || changes[1].URL != p.URL {
			t.Errorf("changes = %+v, want two of %s after %d", changes, p.URL, before)
		}

		// An instance further behind than the log reaches rebuilds.
		if _, err := f.svc.index(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteAllRows(ctx, "kb_changes"); err != nil {
			t.Fatal(err)
		}
		k := kb.New(db, kb.Options{Policy: f.pol})
		if _, err := k.Import(ctx, strings.NewReader(quokkaPage+"\n")); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteAllRows(ctx, "kb_changes"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if !answers(t, f.svc, "when does the quokka enclosure open", "https://demo.localgov.example/quokka-enclosure") {
			t.Error("a change the log dropped was not picked up by a rebuild")
		}
		if !strings.Contains(f.logs.String(), "rebuilding the chat index") {
			t.Error("no rebuild logged")
		}
	})
}
