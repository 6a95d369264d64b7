package rights

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

func BenchmarkDue(b *testing.B) {
	cal := DefaultCalendar()
	cl := Clock{Received: date("2026-04-25"), ExtensionMonths: 1,
		Pauses: []Pause{{From: date("2026-04-25"), To: date("2026-04-30")}, {From: date("2026-05-10")}}}
	today := date("2026-05-20")
	for b.Loop() {
		if _, err := cal.Due(cl, today); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPackage streams an access package of a caller's recordings
// (manifest, letter, decrypted audio) and, as its baseline, decrypts the
// same recordings with nothing else: the difference is what the package
// adds (search, ZIP framing, manifest and letter, one audit entry per
// recording).
func BenchmarkPackage(b *testing.B) {
	const calls = 10
	e := newEnv(b, dbtest.Open(b, store.SQLite))
	ctx := context.Background()
	var ids []string
	for i := range calls {
		ids = append(ids, e.call(b, callerA, time.Duration(i+1)*time.Hour).ID)
	}
	id := e.record(b, "access", "verified", Identifiers{Phones: []string{callerA}})
	size := int64(len(e.audio)) * calls
	b.Run("baseline-decrypt", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			for _, rid := range ids {
				pb, err := e.rec.OpenForSubject(ctx, "release:1", rid)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, pb)
				pb.Close()
			}
		}
	})
	b.Run("package", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			token, err := e.svc.Release(ctx, ig, id)
			if err != nil {
				b.Fatal(err)
			}
			pkg, err := e.svc.Collect(ctx, token, recording.DefaultTransferLimits.For)
			if err != nil {
				b.Fatal(err)
			}
			if err := pkg.WriteZIP(ctx, io.Discard); err != nil {
				b.Fatal(err)
			}
			if err := pkg.Complete(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
