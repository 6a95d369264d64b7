package recording

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// BenchmarkIngest measures encrypted ingest of a 16 MB recording into the
// local store (SQLite); MB/s is the figure. `fairline bench ingest` compares
// it with a plain file copy in the same run.
func BenchmarkIngest(b *testing.B) {
	db := dbtest.Open(b, store.SQLite)
	e := newEnv(&testing.T{}, db, Options{})
	audio := bytes.Repeat(e.audio, 16<<20/len(e.audio))
	sum := sha256.Sum256(audio)
	m := e.meta("trading-standards")
	m.SHA256, m.OtherParty = hex.EncodeToString(sum[:]), ""
	b.SetBytes(int64(len(audio)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		m.ExternalID = fmt.Sprint("b", i)
		if _, err := e.svc.Ingest(context.Background(), "token:1", m.ExternalID, m, bytes.NewReader(audio)); err != nil {
			b.Fatal(err)
		}
	}
}
