package crypt

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// The benchmarks compare encryption and decryption with a plain copy of the same 16 MiB, in
// memory (CPU cost only) and through a file (what ingest and playback pay). Report with:
//
//	go test -run '^$' -bench . -benchtime 20x ./internal/crypt/
//
// onlyWriter and onlyReader hide ReaderFrom/WriterTo so every copy moves data through the same
// 32 KiB buffer.
const benchSize = 16 << 20

type onlyWriter struct{ io.Writer }
type onlyReader struct{ io.Reader }

func BenchmarkStream(b *testing.B) {
	pt := randomBytes(1, benchSize)
	key := bytes.Repeat([]byte{1}, DataKeySize)
	ct := encrypt(b, pt, key, testAD, DefaultSegmentSize, 0)

	b.Run("memory/copy", func(b *testing.B) {
		b.SetBytes(benchSize)
		for b.Loop() {
			if _, err := io.Copy(onlyWriter{io.Discard}, onlyReader{bytes.NewReader(pt)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("memory/encrypt", func(b *testing.B) {
		b.SetBytes(benchSize)
		for b.Loop() {
			w, err := NewEncryptWriter(io.Discard, key, testAD)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(onlyWriter{w}, onlyReader{bytes.NewReader(pt)}); err != nil {
				b.Fatal(err)
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("memory/decrypt", func(b *testing.B) {
		b.SetBytes(benchSize)
		for b.Loop() {
			r, err := NewDecryptReaderAt(bytes.NewReader(ct), int64(len(ct)), key, testAD)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(onlyWriter{io.Discard}, r.ReadSeeker()); err != nil {
				b.Fatal(err)
			}
		}
	})

	dir := b.TempDir()
	plainFile := filepath.Join(dir, "plain")
	ctFile := filepath.Join(dir, "ct")
	os.WriteFile(plainFile, pt, 0o600)
	os.WriteFile(ctFile, ct, 0o600)
	toFile := func(b *testing.B, encryptIt bool) {
		b.SetBytes(benchSize)
		for b.Loop() {
			in, err := os.Open(plainFile)
			if err != nil {
				b.Fatal(err)
			}
			out, err := os.Create(filepath.Join(dir, "out"))
			if err != nil {
				b.Fatal(err)
			}
			var w io.WriteCloser = out
			if encryptIt {
				if w, err = NewEncryptWriter(out, key, testAD); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := io.Copy(onlyWriter{w}, onlyReader{in}); err != nil {
				b.Fatal(err)
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
			out.Close()
			in.Close()
		}
	}
	b.Run("file/copy", func(b *testing.B) { toFile(b, false) })
	b.Run("file/encrypt", func(b *testing.B) { toFile(b, true) })
	b.Run("file/read", func(b *testing.B) {
		b.SetBytes(benchSize)
		for b.Loop() {
			f, err := os.Open(plainFile)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(onlyWriter{io.Discard}, onlyReader{f}); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
	b.Run("file/decrypt", func(b *testing.B) {
		b.SetBytes(benchSize)
		for b.Loop() {
			f, err := os.Open(ctFile)
			if err != nil {
				b.Fatal(err)
			}
			r, err := NewDecryptReaderAt(f, int64(len(ct)), key, testAD)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(onlyWriter{io.Discard}, r.ReadSeeker()); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
}
