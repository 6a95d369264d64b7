package chat

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// Close stops the group-commit writer: questions answered before it are
// stored, questions racing with it are either stored and acknowledged or
// refused with ErrClosed (never acknowledged and lost), later ones are
// refused, and the writer's goroutine has returned when Close does.
func TestCloseCommitsAndStopsTheWriter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		t.Run("never started", func(t *testing.T) {
			svc := New(db, f.audit, f.pol, Options{Now: f.clock.Now})
			if _, err := svc.Try(ctx, "How do I apply for a blue badge?"); err != nil {
				t.Fatal(err)
			}
			if svc.writer.started {
				t.Error("answering without storing started the writer")
			}
			if err := svc.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Ask(ctx, Request{Message: "How do I apply for a blue badge?"}); !errors.Is(err, ErrClosed) {
				t.Errorf("Ask after Close: %v, want ErrClosed", err)
			}
		})
		t.Run("racing questions", func(t *testing.T) {
			first, err := f.svc.Ask(ctx, Request{Message: "How do I apply for a blue badge?"})
			if err != nil {
				t.Fatal(err)
			}
			const n = 32
			resps := make([]Response, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { resps[i], errs[i] = f.svc.Ask(ctx, Request{Message: "Do you sell dragon eggs?"}) })
			}
			time.Sleep(time.Millisecond) // let some reach the writer first
			if err := f.svc.Close(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-f.svc.writer.done:
			default:
				t.Fatal("the writer goroutine is still running after Close")
			}
			wg.Wait()
			stored := []Response{first}
			for i, err := range errs {
				switch {
				case err == nil:
					stored = append(stored, resps[i])
				case !errors.Is(err, ErrClosed):
					t.Errorf("question %d: %v, want success or ErrClosed", i, err)
				}
			}
			t.Logf("%d of %d racing questions stored before Close", len(stored)-1, n)
			for _, r := range stored {
				if _, err := db.Q().ChatTurn(ctx, r.ConversationID, r.TurnID); err != nil {
					t.Errorf("acknowledged turn %s not stored: %v", r.TurnID, err)
				}
			}
			if _, err := f.svc.Ask(ctx, Request{Message: "How do I apply for a blue badge?"}); !errors.Is(err, ErrClosed) {
				t.Errorf("Ask after Close: %v, want ErrClosed", err)
			}
			if err := f.svc.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		})
	})
}
