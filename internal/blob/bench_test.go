package blob_test

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/fairline/fairline/internal/crypt"
)

// BenchmarkLocalPut stores 16 MiB in a local store (temporary file, fsync, rename, fsync of the
// folder), plain and through the encrypting writer, in the same run:
//
//	go test -run '^$' -bench LocalPut -benchtime 20x ./internal/blob/
func BenchmarkLocalPut(b *testing.B) {
	const size = 16 << 20
	data := make([]byte, size)
	rand.NewChaCha8([32]byte{1}).Read(data)
	s, err := newLocalB(b)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	key, _ := crypt.NewDataKey()
	b.Run("plain", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			if _, err := s.Put(ctx, "bench/plain", onlyReader{bytes.NewReader(data)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encrypted", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			pr, pw := io.Pipe()
			go func() {
				w, err := crypt.NewEncryptWriter(pw, key, []byte("recording:1"))
				if err == nil {
					_, err = io.Copy(w, onlyReader{bytes.NewReader(data)})
				}
				if err == nil {
					err = w.Close()
				}
				pw.CloseWithError(err)
			}()
			if _, err := s.Put(ctx, "bench/encrypted", pr); err != nil {
				b.Fatal(err)
			}
		}
	})
}

type onlyReader struct{ io.Reader }
