package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// Hints: stored against a page, changed, deleted, gone with their page, and
// every change written to the knowledge base's change log as a hints change
// (no URL) so that other instances reload them.
func TestKBHints(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q := db.Q()
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		src, err := q.EnsureKBSource(ctx, "https://www.example-council.gov.uk", now)
		if err != nil {
			t.Fatal(err)
		}
		page := func(path string, html string) string {
			p := store.KBPage{SourceID: src, URL: "https://www.example-council.gov.uk" + path, Path: path, Title: "Page " + path,
				HTML: html, ContentHash: path, CrawledAt: now, ChangedAt: now}
			if err := q.UpsertKBPage(ctx, p); err != nil {
				t.Fatal(err)
			}
			return p.URL
		}
		repairs := page("/repairs", "<main><h1>Repairs</h1></main>")
		heating := page("/heating", "<main><h1>Heating</h1></main>")
		empty := page("/empty", "")

		before, err := q.KBVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		h, err := q.AddKBHint(ctx, "my boiler is broken", repairs, "user:3", now)
		if err != nil {
			t.Fatal(err)
		}
		if h.ID == 0 || h.Question != "my boiler is broken" || h.PageURL != repairs || h.PageTitle != "Page /repairs" ||
			!h.PageAnswerable || h.CreatedBy != "user:3" || h.UpdatedBy != "user:3" || !h.CreatedAt.Equal(now) {
			t.Errorf("added hint = %+v", h)
		}
		changes, err := q.KBChangesSince(ctx, before, 10)
		if err != nil || len(changes) != 1 || !changes[0].Hints || changes[0].URL != "" {
			t.Errorf("change log after adding a hint = %+v, %v; want one hints change", changes, err)
		}
		if _, err := q.AddKBHint(ctx, "my boiler is broken", repairs, "user:3", now); !errors.Is(err, store.ErrConflict) {
			t.Errorf("the same hint twice: %v, want ErrConflict", err)
		}
		if _, err := q.AddKBHint(ctx, "x", "https://www.example-council.gov.uk/nope", "user:3", now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a hint to no page: %v, want ErrNotFound", err)
		}
		// fairline check reads a hint's question with the chatbot's other stored text.
		var texts []string
		if err := q.ChatTexts(ctx, func(kind, text string) error {
			if kind == store.ChatTextHint {
				texts = append(texts, text)
			}
			return nil
		}); err != nil || len(texts) != 1 || texts[0] != "my boiler is broken" {
			t.Errorf("hint texts for the check = %q, %v", texts, err)
		}
		// A page without content can be named, but the hint does nothing there.
		h2, err := q.AddKBHint(ctx, "no heat", empty, "user:4", now)
		if err != nil || h2.PageAnswerable {
			t.Errorf("hint to a page without content = %+v, %v", h2, err)
		}

		later := now.Add(time.Hour)
		moved, err := q.SetKBHintPage(ctx, h.ID, heating, "user:4", later)
		if err != nil || moved.PageURL != heating || moved.UpdatedBy != "user:4" || !moved.UpdatedAt.Equal(later) ||
			moved.CreatedBy != "user:3" || !moved.CreatedAt.Equal(now) {
			t.Errorf("moved hint = %+v, %v", moved, err)
		}
		if _, err := q.SetKBHintPage(ctx, h.ID, "https://www.example-council.gov.uk/nope", "user:4", later); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("move to no page: %v", err)
		}
		if _, err := q.SetKBHintPage(ctx, 9999, heating, "user:4", later); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("move no hint: %v", err)
		}
		all, err := q.KBHints(ctx)
		if err != nil || len(all) != 2 || all[0].ID != h.ID || all[1].ID != h2.ID {
			t.Fatalf("hints = %+v, %v", all, err)
		}

		// The page leaves the knowledge base: its hints go with it, and the log says so.
		v, _ := q.KBVersion(ctx)
		if err := q.DeleteKBPage(ctx, heating); err != nil {
			t.Fatal(err)
		}
		if _, err := q.KBHint(ctx, h.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("hint of a deleted page: %v, want ErrNotFound", err)
		}
		changes, _ = q.KBChangesSince(ctx, v, 10)
		var sawHints, sawPage bool
		for _, c := range changes {
			sawHints = sawHints || c.Hints
			sawPage = sawPage || c.URL == heating
		}
		if !sawHints || !sawPage {
			t.Errorf("change log after deleting the page = %+v; want the page and a hints change", changes)
		}

		got, err := q.DeleteKBHint(ctx, h2.ID)
		if err != nil || got.ID != h2.ID || got.Question != "no heat" {
			t.Errorf("DeleteKBHint = %+v, %v", got, err)
		}
		if _, err := q.DeleteKBHint(ctx, h2.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete twice: %v", err)
		}
		if all, _ := q.KBHints(ctx); len(all) != 0 {
			t.Errorf("hints left: %+v", all)
		}
	})
}

// The turns the hints' effect is measured over, and the answers rated not
// helpful.
func TestChatTurnsForHints(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q := db.Q()
		day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
		var turns []store.ChatTurn
		for i, helpful := range []int{0, -1, 1, -1, 0} {
			turns = append(turns, store.ChatTurn{ID: string(rune('a'+i)) + "0000000000000000000000000000000", Conversation: "c",
				Question: "question " + string(rune('a'+i)), Answered: true, SourceURL: "https://x/p", Helpful: helpful,
				ExpiresAt: day.AddDate(0, 1, 0), CreatedAt: day.Add(time.Duration(i) * time.Hour)})
		}
		if err := q.InsertChatTurns(ctx, turns...); err != nil {
			t.Fatal(err)
		}
		var seen []string
		if err := q.EachChatTurnSince(ctx, day.Add(2*time.Hour), func(c store.ChatTurn) error {
			seen = append(seen, c.Question)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(seen) != 3 || seen[0] != "question c" || seen[2] != "question e" {
			t.Errorf("turns since 2am = %v", seen)
		}
		bad, err := q.ChatNotHelpfulIn(ctx, day, day.AddDate(0, 0, 1), 10)
		if err != nil || len(bad) != 2 || bad[0].Question != "question d" || bad[1].Question != "question b" {
			t.Errorf("not helpful = %+v, %v", bad, err)
		}
		if bad, _ := q.ChatNotHelpfulIn(ctx, day.Add(2*time.Hour), day.AddDate(0, 0, 1), 10); len(bad) != 1 {
			t.Errorf("not helpful from 2am = %+v", bad)
		}
	})
}
