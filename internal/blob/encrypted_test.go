package blob_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/blob"
	"github.com/fairline/fairline/internal/crypt"
	"github.com/fairline/fairline/internal/testutil/s3test"
)

// countingObject counts the reads that reach the store.
type countingObject struct {
	blob.Object
	reads, bytes atomic.Int64
}

func (c *countingObject) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.Object.ReadAt(p, off)
	c.reads.Add(1)
	c.bytes.Add(int64(n))
	return n, err
}

// TestEncryptedRecordingThroughStores is the path ingest and playback will take: stream
// plaintext through the encrypting writer into Put (never whole in memory), then serve HTTP
// Range requests from the stored ciphertext, on both stores.
func TestEncryptedRecordingThroughStores(t *testing.T) {
	t.Parallel()
	for name, newStore := range map[string]func(t *testing.T) blob.Store{
		"local": func(t *testing.T) blob.Store { return newLocal(t) },
		"s3":    func(t *testing.T) blob.Store { return newS3(t, s3test.Bucket(t), "") },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			ctx := context.Background()
			audio := make([]byte, 7<<20+321)
			rand.NewChaCha8([32]byte{3}).Read(audio)
			key, _ := crypt.NewDataKey()
			ad := []byte("recording:1")

			pr, pw := io.Pipe()
			go func() {
				w, err := crypt.NewEncryptWriter(pw, key, ad)
				if err == nil {
					_, err = io.Copy(w, bytes.NewReader(audio))
				}
				if err == nil {
					err = w.Close()
				}
				pw.CloseWithError(err)
			}()
			n, err := s.Put(ctx, "recordings/1", pr)
			if err != nil {
				t.Fatal(err)
			}
			if n != crypt.EncryptedSize(int64(len(audio))) {
				t.Fatalf("stored %d bytes, want %d", n, crypt.EncryptedSize(int64(len(audio))))
			}

			// The stored bytes are not the audio.
			obj, err := s.Open(ctx, "recordings/1")
			if err != nil {
				t.Fatal(err)
			}
			defer obj.Close()
			stored := make([]byte, 1<<20)
			obj.ReadAt(stored, 1000)
			if bytes.Contains(stored, audio[100_000:100_064]) || bytes.Contains(stored, audio[1_000_000:1_000_064]) {
				t.Fatal("stored object contains plaintext audio")
			}

			counted := &countingObject{Object: obj}
			dec, err := crypt.NewDecryptReaderAt(counted, obj.Size(), key, ad)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				// With a Content-Type, ServeContent does not read the start to sniff one.
				w.Header().Set("Content-Type", "audio/wav")
				http.ServeContent(w, req, "", time.Time{}, dec.ReadSeeker())
			}))
			defer srv.Close()
			get := func(rng string) []byte {
				req, _ := http.NewRequest("GET", srv.URL, nil)
				req.Header.Set("Range", rng)
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if resp.StatusCode != http.StatusPartialContent {
					t.Fatalf("Range %s: status %d", rng, resp.StatusCode)
				}
				b, _ := io.ReadAll(resp.Body)
				return b
			}
			before := counted.bytes.Load()
			if got := get("bytes=5000000-5000999"); !bytes.Equal(got, audio[5_000_000:5_001_000]) {
				t.Fatal("a range from the middle differs from the audio")
			}
			if read := counted.bytes.Load() - before; read > crypt.DefaultSegmentSize+crypt.TagSize {
				t.Fatalf("a 1000-byte range read %d bytes of ciphertext", read)
			}
			if got := get(fmt.Sprintf("bytes=%d-", len(audio)-100)); !bytes.Equal(got, audio[len(audio)-100:]) {
				t.Fatal("the tail range differs")
			}
			if got := get("bytes=0-"); !bytes.Equal(got, audio) {
				t.Fatal("the whole recording differs")
			}

			// Without the right key it does not open; deleting it leaves nothing.
			other, _ := crypt.NewDataKey()
			if _, err := crypt.NewDecryptReaderAt(obj, obj.Size(), other, ad); !errors.Is(err, crypt.ErrAuth) {
				t.Fatalf("another key: %v", err)
			}
			if err := s.Delete(ctx, "recordings/1"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Stat(ctx, "recordings/1"); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("after Delete: %v", err)
			}
		})
	}
}
