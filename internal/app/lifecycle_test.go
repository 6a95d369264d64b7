package app_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/apptest"
	"github.com/fairline/fairline/internal/testutil/pgtest"
)

// Every goroutine the app starts belongs to something that stops it: an
// instance started and stopped again and again, on the same database, with
// its background work running (job runner, knowledge-base watch) and a
// question stored (the chatbot's group-commit writer), leaves no goroutine
// behind, and what it acknowledged was stored before the database closed.
func TestStartCloseLeavesNoGoroutines(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			dir := t.TempDir()
			cfg := apptest.Config(dir)
			if d == store.Postgres {
				cfg.DB = pgtest.DSN(t) // starts the server first: its goroutines are not the app's
			}
			before := goleak.IgnoreCurrent()
			ctx := context.Background()
			var turns []chat.Response
			for i := range 4 {
				a, err := app.Open(ctx, cfg, quiet, app.Options{})
				if err != nil {
					t.Fatal(err)
				}
				// A job still running at Close finishes, database and all.
				started := make(chan struct{})
				var jobErr error
				jobDone := false
				a.Jobs.Handle("test.slow", func(ctx context.Context, _ json.RawMessage) error {
					close(started)
					time.Sleep(50 * time.Millisecond)
					jobErr, jobDone = a.DB.CheckWrite(ctx), true
					return jobErr
				})
				a.Jobs.Poll = 5 * time.Millisecond
				a.Start(5 * time.Millisecond)
				if err := a.Jobs.WaitAlive(ctx, 10*time.Second); err != nil {
					t.Fatal(err)
				}
				r, err := a.Chat.Ask(ctx, chat.Request{Message: "When is my bin collected?"})
				if err != nil {
					t.Fatal(err)
				}
				turns = append(turns, r)
				if err := a.Jobs.Enqueue(ctx, "test.slow", nil, time.Time{}, ""); err != nil {
					t.Fatal(err)
				}
				<-started
				if err := a.Close(); err != nil {
					t.Fatalf("close %d: %v", i, err)
				}
				if !jobDone || jobErr != nil {
					t.Errorf("job running at Close: done %v, err %v", jobDone, jobErr)
				}
				if err := a.Close(); err != nil {
					t.Fatalf("second close %d: %v", i, err)
				}
				if err := goleak.Find(before); err != nil {
					t.Fatalf("after start and close %d: %v", i, err)
				}
			}
			db, err := store.Open(ctx, cfg.DB)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, r := range turns {
				if _, err := db.Q().ChatTurn(ctx, r.ConversationID, r.TurnID); err != nil {
					t.Errorf("turn %s: %v", r.TurnID, err)
				}
			}
		})
	}
}
