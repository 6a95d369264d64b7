package recording

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"testing"

	"github.com/fairline/fairline/internal/audio"
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

// BenchmarkHashingSide measures what ingest's hashing goroutine does per
// 64 MB WAV: SHA-256 alone (before waveforms) and SHA-256 with the
// waveform peaks. It must stay below the encrypting side's time, or the
// peaks slow ingest down.
func BenchmarkHashingSide(b *testing.B) {
	const size = 64 << 20
	wav := []byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00")
	data := make([]byte, size)
	copy(data, wav)
	for i := len(wav); i < size; i++ {
		data[i] = byte(i * 7919 >> 3)
	}
	for _, tc := range []struct {
		name  string
		peaks bool
	}{{"sha256", false}, {"sha256+peaks", true}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				var w io.Writer = sha256.New()
				if tc.peaks {
					w = io.MultiWriter(w, audio.NewPeakWriter())
				}
				for off := 0; off < size; off += 256 << 10 {
					w.Write(data[off : off+256<<10])
				}
			}
		})
	}
}
