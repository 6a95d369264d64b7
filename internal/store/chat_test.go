package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// InsertChatTurns writes 64 rows a statement; 130 turns take three, and every one arrives intact.
func TestInsertChatTurnsAcrossStatements(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		ts := make([]store.ChatTurn, 130)
		for i := range ts {
			ts[i] = store.ChatTurn{ID: fmt.Sprintf("t%03d", i), Conversation: fmt.Sprintf("c%d", i%7), Question: fmt.Sprintf("question %d", i),
				ServiceArea: "registration", Answered: i%2 == 0, Handoff: "", ExpiresAt: at.AddDate(1, 0, 0), CreatedAt: at}
		}
		if err := db.Tx(ctx, func(q *store.Q) error { return q.InsertChatTurns(ctx, ts...) }); err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{0, 63, 64, 127, 128, 129} {
			got, err := db.Q().ChatTurn(ctx, ts[i].Conversation, ts[i].ID)
			if err != nil || got.Question != ts[i].Question || got.Answered != ts[i].Answered || !got.CreatedAt.Equal(at) {
				t.Errorf("turn %d: %+v, %v", i, got, err)
			}
		}
		if n, err := db.Q().Count(ctx, "chat_turns"); err != nil || n != len(ts) {
			t.Errorf("%d turns stored (%v), want %d", n, err, len(ts))
		}
	})
}
