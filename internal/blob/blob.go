// Package blob stores opaque objects (encrypted recordings) in a local folder or in
// S3-compatible object storage, behind one Store interface.
//
// The store never sees plaintext: callers stream ciphertext from internal/crypt into Put and
// decrypt what Open returns with crypt.NewDecryptReaderAt, which reads only the byte ranges it
// needs (ranged GETs on S3). Each store knows the location code of where it keeps data (Location)
// so that start-up can refuse a store outside the policy's allowed storage locations
// (CheckStoreLocation).
//
// Semantics shared by every implementation (checked by blobtest.Run against each):
//
//   - Put streams: memory use is bounded whatever the object size. The object becomes visible
//     only when Put returns nil; a failed or cancelled Put leaves nothing under the key (and an
//     existing object under the key unchanged).
//   - Put over an existing key replaces it atomically (last writer wins).
//   - An Object returned by Open reads the object as it was when opened, or fails; it never mixes
//     two versions.
//   - Delete of a missing key succeeds, so deletion can be retried after a crash.
//   - Errors wrap ErrNotFound for a missing key and ErrInvalidKey for a malformed one. They name
//     the key: keys must therefore never contain personal data (use row ids or random ids).
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Store keeps objects under string keys.
type Store interface {
	// Put stores what r yields under key and returns the number of bytes stored.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Open returns the object under key for random-access reads. Reads use ctx: cancelling it
	// ends them. Close the object when done.
	Open(ctx context.Context, key string) (Object, error)
	// Stat returns the object's size and modification time.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the object under key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every object whose key starts with prefix, in no particular order,
	// stopping at the first error fn returns (which List returns). Objects put or deleted while
	// List runs may or may not be reported. It is meant for orphan sweeps.
	List(ctx context.Context, prefix string, fn func(Info) error) error
	// Location is the location code (policy vocabulary: "UK", "IE", "EU", ...) where the store
	// keeps data, or "" when it has not been declared.
	Location() string
}

// Object is an open object.
type Object interface {
	io.ReaderAt
	// Size is the object's size in bytes.
	Size() int64
	Close() error
}

// Info describes a stored object.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time
}

var (
	// ErrNotFound means no object is stored under the key.
	ErrNotFound = errors.New("blob: object not found")
	// ErrInvalidKey means a key breaks the rules of ValidKey.
	ErrInvalidKey = errors.New("blob: invalid key")
)

// MaxKeyLen bounds keys so that a key is one file name in a local folder (255 bytes on common
// file systems, with room for the temporary-file prefix) and far below S3's 1024-byte limit.
const MaxKeyLen = 200

// ValidKey checks a key: 1 to MaxKeyLen bytes of ASCII letters, digits, '-', '_', '.' and '/',
// split by '/' into non-empty segments that do not start with '.' (no "..", no hidden or
// temporary names, no absolute paths). The same key is then safe as a file path under a folder
// and as an S3 key.
func ValidKey(key string) error {
	if key == "" || len(key) > MaxKeyLen {
		return fmt.Errorf("%w: must be 1 to %d bytes, got %d", ErrInvalidKey, MaxKeyLen, len(key))
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" {
			return fmt.Errorf("%w %q: empty path segment", ErrInvalidKey, key)
		}
		if seg[0] == '.' {
			return fmt.Errorf("%w %q: a segment starts with '.'", ErrInvalidKey, key)
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
				return fmt.Errorf("%w %q: byte %#x is not allowed", ErrInvalidKey, key, c)
			}
		}
	}
	return nil
}

// WritingPutter is a Store that a producer can also write into directly, saving the goroutine
// hand-off and the copy of a pipe when the producer is itself a writer (an encrypting one).
type WritingPutter interface {
	// PutWriting stores under key what write writes to w, with Put's semantics: the object
	// becomes visible only if write returns nil and the object is then stored. w is valid only
	// during write.
	PutWriting(ctx context.Context, key string, write func(w io.Writer) error) (int64, error)
}

// PutWriting stores under key what write writes: directly when s is a WritingPutter, through a
// pipe into Put otherwise. write has returned by the time PutWriting does.
func PutWriting(ctx context.Context, s Store, key string, write func(w io.Writer) error) (int64, error) {
	if wp, ok := s.(WritingPutter); ok {
		return wp.PutWriting(ctx, key, write)
	}
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(write(pw))
	}()
	n, err := s.Put(ctx, key, pr)
	// Unblock the producer if Put stopped early; Put's error is the one to report.
	pr.CloseWithError(errors.New("blob: put ended before its producer"))
	<-done
	return n, err
}

// ManyDeleter is a Store that deletes a batch of keys more cheaply than one Delete each (one
// file-system sync for the batch; one request per 1,000 keys on S3).
type ManyDeleter interface {
	// DeleteMany deletes every key, missing ones included, or returns an error; after an error
	// some keys may be deleted, so the caller retries the whole batch.
	DeleteMany(ctx context.Context, keys []string) error
}

// DeleteMany deletes keys with s's DeleteMany when it has one and otherwise with up to eight
// Deletes in flight, since object stores are latency-bound.
func DeleteMany(ctx context.Context, s Store, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	if md, ok := s.(ManyDeleter); ok {
		return md.DeleteMany(ctx, keys)
	}
	const workers = 8
	next := make(chan string)
	errs := make(chan error, len(keys))
	var wg sync.WaitGroup
	for range min(workers, len(keys)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for key := range next {
				errs <- s.Delete(ctx, key)
			}
		}()
	}
	for _, key := range keys {
		next <- key
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// ctxReader stops a copy when ctx is cancelled, so a Put from a slow or stalled source ends
// with the request.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
