// Package blobtest is the contract every blob.Store implementation must meet, as a test suite:
//
//	func TestLocalContract(t *testing.T) {
//		blobtest.Run(t, func(t *testing.T) blob.Store { ... a fresh, empty store ... })
//	}
//
// The suite puts an object of LargeSize bytes, so a store with a smaller multipart part size
// exercises its multipart path too.
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/blob"
)

// LargeSize is the size of the suite's large object: above two 5 MiB parts.
const LargeSize = 11<<20 + 12345

// Run runs the contract against stores made by newStore, which must return a fresh, empty store
// for each call (subtests run in parallel).
func Run(t *testing.T, newStore func(t *testing.T) blob.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s blob.Store)
	}{
		{"PutOpenRoundTrip", testRoundTrip},
		{"RangedReads", testRangedReads},
		{"StatAndMissing", testStatAndMissing},
		{"DeleteIsIdempotent", testDelete},
		{"DeleteMany", testDeleteMany},
		{"PutWriting", testPutWriting},
		{"List", testList},
		{"ConcurrentPuts", testConcurrentPuts},
		{"Overwrite", testOverwrite},
		{"FailedPutLeavesNothing", testFailedPut},
		{"InvalidKeys", testInvalidKeys},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
}

// plainStore hides a store's optional methods, so blob.DeleteMany takes its generic path.
type plainStore struct{ blob.Store }

func testDeleteMany(t *testing.T, s blob.Store) {
	// 1,003 keys: more than one S3 DeleteObjects request holds.
	const n = 1003
	keys := make([]string, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				keys[i] = fmt.Sprintf("m/%04d", i)
				if _, err := s.Put(ctx(t), keys[i], strings.NewReader("x")); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if t.Failed() {
		return
	}
	// The store's own batch deletion, with a key that is already gone.
	if err := blob.DeleteMany(ctx(t), s, append(keys[:1001:1001], "m/missing")); err != nil {
		t.Fatalf("DeleteMany: %v", err)
	}
	if got := list(t, s, "m/"); len(got) != 2 || got[keys[1001]] != 1 || got[keys[1002]] != 1 {
		t.Fatalf("after deleting 1,001 of %d keys the store lists %d keys, want %s and %s", n, len(got), keys[1001], keys[1002])
	}
	// The generic path, one Delete per key.
	if err := blob.DeleteMany(ctx(t), plainStore{s}, append(keys[1001:], "m/missing")); err != nil {
		t.Fatalf("DeleteMany without the store's batch method: %v", err)
	}
	if got := list(t, s, "m/"); len(got) != 0 {
		t.Fatalf("after deleting every key the store lists %v", got)
	}
	for _, st := range []blob.Store{s, plainStore{s}} {
		if err := blob.DeleteMany(ctx(t), st, []string{"../etc/passwd"}); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("DeleteMany of an invalid key = %v, want ErrInvalidKey", err)
		}
	}
}

func testPutWriting(t *testing.T, s blob.Store) {
	want := data(6, LargeSize)
	broken := errors.New("encoder failed")
	for _, st := range []blob.Store{s, plainStore{s}} {
		name := fmt.Sprintf("%T", st)
		key := "w/" + strings.NewReplacer("*", "", ".", "-").Replace(name)
		n, err := blob.PutWriting(ctx(t), st, key, func(w io.Writer) error {
			for p := want; len(p) > 0; p = p[min(len(p), 100_000):] {
				if _, err := w.Write(p[:min(len(p), 100_000)]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || n != int64(len(want)) {
			t.Fatalf("%s: PutWriting = %d, %v; want %d, nil", name, n, err, len(want))
		}
		if got := get(t, s, key); !bytes.Equal(got, want) {
			t.Errorf("%s: PutWriting stored %d bytes that differ from those written", name, len(got))
		}
		// A producer that fails after writing most of the object leaves nothing.
		_, err = blob.PutWriting(ctx(t), st, key+"-failed", func(w io.Writer) error {
			if _, err := w.Write(want); err != nil {
				return err
			}
			return broken
		})
		if !errors.Is(err, broken) {
			t.Errorf("%s: PutWriting with a failing producer = %v, want its error", name, err)
		}
		if _, err := s.Stat(ctx(t), key+"-failed"); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("%s: a failed PutWriting left an object: %v", name, err)
		}
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func data(seed uint64, n int) []byte {
	var s [32]byte
	s[0], s[1] = byte(seed), byte(seed>>8)
	s[2] = byte(n)
	b := make([]byte, n)
	rand.NewChaCha8(s).Read(b)
	return b
}

// onlyReader hides bytes.Reader's extra methods, so stores see a plain stream.
type onlyReader struct{ io.Reader }

func put(t *testing.T, s blob.Store, key string, b []byte) {
	t.Helper()
	n, err := s.Put(ctx(t), key, onlyReader{bytes.NewReader(b)})
	if err != nil {
		t.Fatalf("Put(%s): %v", key, err)
	}
	if n != int64(len(b)) {
		t.Fatalf("Put(%s) = %d bytes, want %d", key, n, len(b))
	}
}

func get(t *testing.T, s blob.Store, key string) []byte {
	t.Helper()
	o, err := s.Open(ctx(t), key)
	if err != nil {
		t.Fatalf("Open(%s): %v", key, err)
	}
	defer o.Close()
	b, err := io.ReadAll(io.NewSectionReader(o, 0, o.Size()))
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b
}

func testRoundTrip(t *testing.T, s blob.Store) {
	for i, size := range []int{0, 1, 1000, 1<<20 + 3, LargeSize} {
		key := fmt.Sprintf("recordings/2026/rt-%d", i)
		want := data(uint64(size), size)
		put(t, s, key, want)
		if got := get(t, s, key); !bytes.Equal(got, want) {
			t.Errorf("%d bytes: read back %d bytes that differ", size, len(got))
		}
		info, err := s.Stat(ctx(t), key)
		if err != nil || info.Size != int64(size) || info.Key != key {
			t.Errorf("Stat(%s) = %+v, %v; want size %d", key, info, err, size)
		}
	}
}

func testRangedReads(t *testing.T, s blob.Store) {
	want := data(5, 300_000)
	put(t, s, "r", want)
	o, err := s.Open(ctx(t), "r")
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if o.Size() != int64(len(want)) {
		t.Fatalf("Size() = %d, want %d", o.Size(), len(want))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 40 {
		off := rng.IntN(len(want))
		n := rng.IntN(70_000) + 1
		p := make([]byte, n)
		got, err := o.ReadAt(p, int64(off))
		wantN := min(n, len(want)-off)
		if got != wantN || (wantN < n && !errors.Is(err, io.EOF)) || (wantN == n && err != nil) {
			t.Fatalf("ReadAt(%d at %d) = %d, %v; want %d", n, off, got, err, wantN)
		}
		if !bytes.Equal(p[:got], want[off:off+got]) {
			t.Fatalf("ReadAt(%d at %d) returned wrong bytes", n, off)
		}
	}
	if n, err := o.ReadAt(make([]byte, 10), int64(len(want))); n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("ReadAt at the end = %d, %v; want 0, io.EOF", n, err)
	}
	// Concurrent readers of one object (io.ReaderAt allows parallel calls).
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			p := make([]byte, 1000)
			off := g * 50_000
			if _, err := o.ReadAt(p, int64(off)); err != nil || !bytes.Equal(p, want[off:off+1000]) {
				t.Errorf("concurrent ReadAt at %d: %v", off, err)
			}
		})
	}
	wg.Wait()
}

func testStatAndMissing(t *testing.T, s blob.Store) {
	before := time.Now().Add(-time.Minute)
	put(t, s, "a/stat", []byte("12345"))
	info, err := s.Stat(ctx(t), "a/stat")
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != 5 || info.ModTime.Before(before) || info.ModTime.After(time.Now().Add(time.Minute)) {
		t.Errorf("Stat = %+v", info)
	}
	if _, err := s.Stat(ctx(t), "a/missing"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Stat of a missing key: %v, want ErrNotFound", err)
	}
	if _, err := s.Open(ctx(t), "a/missing"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Open of a missing key: %v, want ErrNotFound", err)
	}
}

func testDelete(t *testing.T, s blob.Store) {
	put(t, s, "d/1", []byte("x"))
	put(t, s, "d/2", []byte("y"))
	for range 2 {
		if err := s.Delete(ctx(t), "d/1"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	if err := s.Delete(ctx(t), "d/never-existed"); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
	if _, err := s.Stat(ctx(t), "d/1"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("deleted object still there: %v", err)
	}
	if got := get(t, s, "d/2"); string(got) != "y" {
		t.Fatalf("Delete removed a neighbour: %q", got)
	}
}

func list(t *testing.T, s blob.Store, prefix string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	err := s.List(ctx(t), prefix, func(i blob.Info) error {
		if _, dup := out[i.Key]; dup {
			t.Errorf("List reported %s twice", i.Key)
		}
		out[i.Key] = i.Size
		return nil
	})
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return out
}

func testList(t *testing.T, s blob.Store) {
	if got := list(t, s, ""); len(got) != 0 {
		t.Fatalf("new store lists %v", got)
	}
	objs := map[string]int64{"rec/a/1": 1, "rec/a/2": 22, "rec/b/1": 333, "other": 4, "rec/a.x": 5}
	for k, n := range objs {
		put(t, s, k, make([]byte, n))
	}
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"", []string{"other", "rec/a.x", "rec/a/1", "rec/a/2", "rec/b/1"}},
		{"rec/", []string{"rec/a.x", "rec/a/1", "rec/a/2", "rec/b/1"}},
		{"rec/a/", []string{"rec/a/1", "rec/a/2"}},
		{"rec/a", []string{"rec/a.x", "rec/a/1", "rec/a/2"}},
		{"nothing", nil},
	} {
		got := list(t, s, tc.prefix)
		keys := make([]string, 0, len(got))
		for k, n := range got {
			keys = append(keys, k)
			if n != objs[k] {
				t.Errorf("List(%q): %s has size %d, want %d", tc.prefix, k, n, objs[k])
			}
		}
		slices.Sort(keys)
		if !slices.Equal(keys, tc.want) {
			t.Errorf("List(%q) = %v, want %v", tc.prefix, keys, tc.want)
		}
	}
	stop := errors.New("stop")
	calls := 0
	err := s.List(ctx(t), "", func(blob.Info) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("List with a failing callback: %v after %d calls, want stop after 1", err, calls)
	}
	s.Delete(ctx(t), "rec/a/1")
	if got := list(t, s, "rec/a/"); len(got) != 1 {
		t.Errorf("after Delete, List(rec/a/) = %v", got)
	}
}

func testConcurrentPuts(t *testing.T, s blob.Store) {
	const n = 8
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			b := data(uint64(i), 100_000+i)
			if _, err := s.Put(ctx(t), fmt.Sprintf("c/%d", i), onlyReader{bytes.NewReader(b)}); err != nil {
				t.Errorf("Put c/%d: %v", i, err)
			}
			// Everyone also writes the same key: the winner's bytes must be whole.
			if _, err := s.Put(ctx(t), "c/same", onlyReader{bytes.NewReader(b)}); err != nil {
				t.Errorf("Put c/same: %v", err)
			}
		})
	}
	wg.Wait()
	for i := range n {
		if got := get(t, s, fmt.Sprintf("c/%d", i)); !bytes.Equal(got, data(uint64(i), 100_000+i)) {
			t.Errorf("c/%d differs after concurrent puts", i)
		}
	}
	got := get(t, s, "c/same")
	i := len(got) - 100_000
	if i < 0 || i >= n || !bytes.Equal(got, data(uint64(i), 100_000+i)) {
		t.Errorf("c/same holds %d bytes that are no single writer's object", len(got))
	}
}

func testOverwrite(t *testing.T, s blob.Store) {
	v1, v2 := data(1, 200_000), data(2, 150_000)
	put(t, s, "o", v1)
	o, err := s.Open(ctx(t), "o")
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	put(t, s, "o", v2)
	if got := get(t, s, "o"); !bytes.Equal(got, v2) {
		t.Fatal("Put over an existing key did not replace it")
	}
	// The object opened before the overwrite reads the old version or fails; never the new
	// bytes, never a mix.
	p := make([]byte, 100_000)
	if n, err := o.ReadAt(p, 50_000); err == nil {
		if n != len(p) || !bytes.Equal(p, v1[50_000:150_000]) {
			t.Fatal("an object opened before an overwrite returned bytes of another version")
		}
	}
}

// failingReader yields n bytes, then fails.
type failingReader struct {
	r   io.Reader
	n   int
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, f.err
	}
	if len(p) > f.n {
		p = p[:f.n]
	}
	m, err := f.r.Read(p)
	f.n -= m
	return m, err
}

// cancellingReader cancels its context after n bytes and then keeps going, like a client
// connection whose request was cancelled.
type cancellingReader struct {
	r      io.Reader
	n      int
	cancel context.CancelFunc
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	m, err := c.r.Read(p)
	c.n -= m
	if c.n <= 0 {
		c.cancel()
	}
	return m, err
}

func testFailedPut(t *testing.T, s blob.Store) {
	broken := errors.New("upload connection reset")
	for _, tc := range []struct {
		name string
		size int
		at   int
	}{
		{"small, at once", 1000, 0},
		{"small, midway", 100_000, 50_000},
		{"large, in the second part", LargeSize, 7 << 20},
		{"large, at the end", LargeSize, LargeSize - 1},
	} {
		key := "f/" + strings.ReplaceAll(tc.name, " ", "")
		key = strings.NewReplacer(",", "-").Replace(key)
		_, err := s.Put(ctx(t), key, &failingReader{r: bytes.NewReader(data(3, tc.size)), n: tc.at, err: broken})
		if !errors.Is(err, broken) {
			t.Errorf("%s: Put = %v, want the reader's error", tc.name, err)
		}
		if _, err := s.Stat(ctx(t), key); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("%s: a failed Put left an object: %v", tc.name, err)
		}
	}
	// A failed Put over an existing object leaves the old one.
	put(t, s, "f/existing", []byte("old"))
	s.Put(ctx(t), "f/existing", &failingReader{r: bytes.NewReader(data(4, 100)), n: 50, err: broken})
	if got := get(t, s, "f/existing"); string(got) != "old" {
		t.Errorf("a failed Put changed the existing object to %d bytes", len(got))
	}
	// A Put whose context is cancelled mid-stream stores nothing, even if the source ends.
	for _, size := range []int{100_000, LargeSize} {
		c, cancel := context.WithCancel(ctx(t))
		key := fmt.Sprintf("f/cancelled-%d", size)
		_, err := s.Put(c, key, &cancellingReader{r: bytes.NewReader(data(5, size)), n: size / 2, cancel: cancel})
		cancel()
		if err == nil {
			t.Errorf("cancelled Put of %d bytes succeeded", size)
		}
		if _, err := s.Stat(ctx(t), key); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("cancelled Put of %d bytes left an object: %v", size, err)
		}
	}
	if got := list(t, s, ""); len(got) != 1 {
		t.Errorf("after failed puts the store lists %v, want only f/existing", got)
	}
}

func testInvalidKeys(t *testing.T, s blob.Store) {
	for _, key := range []string{"", "../escape", "a/../../b", "/abs", "a//b", "a/", ".hidden", "a/.tmp-x",
		"a b", "a\\b", "a\x00b", "é", strings.Repeat("k", blob.MaxKeyLen+1)} {
		if _, err := s.Put(ctx(t), key, strings.NewReader("x")); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Put(%q) = %v, want ErrInvalidKey", key, err)
		}
		if _, err := s.Open(ctx(t), key); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Open(%q) = %v, want ErrInvalidKey", key, err)
		}
		if _, err := s.Stat(ctx(t), key); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Stat(%q) = %v, want ErrInvalidKey", key, err)
		}
		if err := s.Delete(ctx(t), key); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Delete(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
	if got := list(t, s, ""); len(got) != 0 {
		t.Errorf("invalid keys stored something: %v", got)
	}
	put(t, s, strings.Repeat("k", blob.MaxKeyLen), []byte("longest key"))
}
