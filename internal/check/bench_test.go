package check_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/apptest"
)

// BenchmarkRun measures one full check on SQLite with 10,000 recordings (each with its blob in
// the local folder) and 10,000 stored chat turns: the cost that grows with what is stored is
// listing the blobs against the rows and running the detector over every chat text.
func BenchmarkRun(b *testing.B) {
	ctx := context.Background()
	a := apptest.OpenDir(b, b.TempDir())
	now := time.Now()
	const n = 10000
	rs := make([]store.Recording, 0, n)
	turns := make([]store.ChatTurn, 0, n)
	for i := range n {
		id := fmt.Sprintf("%032x", i)
		rs = append(rs, store.Recording{ID: id, ExternalID: id, IdempotencyKey: id, Direction: "inbound", ServiceArea: "trading-standards",
			AgentID: "bench", StartedAt: now.Add(-time.Hour), Duration: time.Minute, Channels: 1, Format: "wav/pcm", MediaType: "audio/wav",
			SHA256: id + id, BlobKey: "recordings/" + id[:2] + "/" + id, WrappedKey: "bench", CreatedAt: now, ExpiresAt: now.AddDate(0, 6, 0)})
		if _, err := a.Blobs.Put(ctx, rs[i].BlobKey, strings.NewReader("x")); err != nil {
			b.Fatal(err)
		}
		turns = append(turns, store.ChatTurn{ID: id, Conversation: id, Question: fmt.Sprintf("when is my bin collected on day %d", i),
			ServiceArea: "environment-and-transport", ExpiresAt: now.AddDate(1, 0, 0), CreatedAt: now})
	}
	if err := a.DB.Tx(ctx, func(q *store.Q) error {
		if err := q.InsertRecordings(ctx, rs); err != nil {
			return err
		}
		return q.InsertChatTurns(ctx, turns...)
	}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		rep, err := a.Check.Run(ctx)
		if err != nil || len(rep.Broken()) > 0 {
			b.Fatalf("%v %+v", err, rep.Broken())
		}
	}
}
