package crypt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var testAD = []byte("recording:42")

func mustKey(t testing.TB) []byte {
	t.Helper()
	k, err := NewDataKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func randomBytes(seed uint64, n int) []byte {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	b := make([]byte, n)
	rand.NewChaCha8(s).Read(b)
	return b
}

// encrypt seals pt with segment size seg, writing it in chunks of the given size (0: at once).
func encrypt(t testing.TB, pt, key, ad []byte, seg, chunk int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := newEncryptWriter(&buf, key, ad, seg)
	if err != nil {
		t.Fatal(err)
	}
	if chunk <= 0 {
		chunk = len(pt) + 1
	}
	for p := pt; len(p) > 0; {
		n := min(chunk, len(p))
		if m, err := w.Write(p[:n]); err != nil || m != n {
			t.Fatalf("Write = %d, %v; want %d, nil", m, err, n)
		}
		p = p[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// decryptAll opens ct and reads its whole plaintext, returning the first error.
func decryptAll(ct, key, ad []byte) ([]byte, error) {
	r, err := NewDecryptReaderAt(bytes.NewReader(ct), int64(len(ct)), key, ad)
	if err != nil {
		return nil, err
	}
	out := make([]byte, r.Size())
	n, err := r.ReadAt(out, 0)
	if err != nil && !(errors.Is(err, io.EOF) && n == len(out)) {
		return nil, err
	}
	return out, nil
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	key := mustKey(t)
	const seg = DefaultSegmentSize
	for _, tc := range []struct {
		name  string
		size  int
		seg   int
		chunk int
	}{
		{"empty", 0, seg, 0},
		{"one byte", 1, seg, 0},
		{"segment-1", seg - 1, seg, 0},
		{"segment", seg, seg, 0},
		{"segment+1", seg + 1, seg, 0},
		{"two segments", 2 * seg, seg, 0},
		{"several MB in odd chunks", 5<<20 + 12345, seg, 7777},
		{"several MB byte by byte at the edges", 3*seg + 3, seg, 1},
		{"small segments", 1000, 64, 13},
		{"small segments exact", 640, 64, 0},
		{"batches, in 256 KiB writes", 5*batchBytes + 7, seg, 256 << 10},
		{"batches, exactly", 2 * batchBytes / (seg + TagSize) * seg, seg, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pt := randomBytes(uint64(tc.size), tc.size)
			ct := encrypt(t, pt, key, testAD, tc.seg, tc.chunk)
			if want := encryptedSize(int64(tc.size), tc.seg); int64(len(ct)) != want {
				t.Fatalf("ciphertext is %d bytes, encryptedSize says %d", len(ct), want)
			}
			if tc.size >= 16 && bytes.Contains(ct, pt[:16]) {
				t.Fatal("ciphertext contains plaintext")
			}
			r, err := NewDecryptReaderAt(bytes.NewReader(ct), int64(len(ct)), key, testAD)
			if err != nil {
				t.Fatal(err)
			}
			if r.Size() != int64(tc.size) {
				t.Fatalf("Size() = %d, want %d", r.Size(), tc.size)
			}
			got, err := io.ReadAll(r.ReadSeeker())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, pt) {
				t.Fatalf("plaintext differs (got %d bytes, want %d)", len(got), len(pt))
			}
			got, err = decryptAll(ct, key, testAD)
			if err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("one ReadAt: err %v, equal %v", err, bytes.Equal(got, pt))
			}
		})
	}
	if EncryptedSize(0) != int64(HeaderSize+TagSize) || EncryptedSize(DefaultSegmentSize+1) != int64(HeaderSize+DefaultSegmentSize+1+2*TagSize) {
		t.Error("EncryptedSize disagrees with the format")
	}
}

func TestEncryptWriterLifecycle(t *testing.T) {
	t.Parallel()
	key := mustKey(t)
	var buf bytes.Buffer
	w, err := NewEncryptWriter(&buf, key, testAD)
	if err != nil {
		t.Fatal(err)
	}
	if buf.Len() != HeaderSize {
		t.Fatalf("header not written at once: %d bytes", buf.Len())
	}
	io.WriteString(w, "hello")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close = %v, want nil", err)
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Fatal("Write after Close succeeded")
	}
	if _, err := NewEncryptWriter(&buf, key[:16], testAD); err == nil {
		t.Fatal("accepted a 16-byte data key")
	}
	// Two encryptions of the same plaintext differ (fresh salt and nonce prefix).
	a := encrypt(t, []byte("same"), key, testAD, DefaultSegmentSize, 0)
	b := encrypt(t, []byte("same"), key, testAD, DefaultSegmentSize, 0)
	if bytes.Equal(a, b) {
		t.Fatal("two encryptions are identical")
	}
	// A failing destination is reported and sticks: by the Write that fills the batch after
	// the one whose write failed.
	fw := &failWriter{after: HeaderSize}
	w, err = newEncryptWriter(fw, key, testAD, 64)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(make([]byte, 3*batchBytes)); err == nil {
		t.Fatal("Write did not report the failing destination")
	}
	if err := w.Close(); err == nil {
		t.Fatal("Close after a failed Write returned nil")
	}
}

type failWriter struct{ after, n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n+len(p) > f.after {
		return 0, errors.New("disk full")
	}
	f.n += len(p)
	return len(p), nil
}

func TestEveryByteTamperFails(t *testing.T) {
	t.Parallel()
	key := mustKey(t)
	for _, tc := range []struct {
		name string
		seg  int
		size int
		step int // test every step-th byte of the segments (all header bytes always)
	}{
		{"small segments", 64, 200, 1},
		{"empty", 64, 0, 1},
		{"default segments", DefaultSegmentSize, DefaultSegmentSize + 100, 1021},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pt := randomBytes(7, tc.size)
			ct := encrypt(t, pt, key, testAD, tc.seg, 0)
			for i := 0; i < len(ct); i++ {
				if i >= HeaderSize && (i-HeaderSize)%tc.step != 0 && i != len(ct)-1 {
					continue
				}
				for _, mask := range []byte{0x01, 0x80} {
					bad := bytes.Clone(ct)
					bad[i] ^= mask
					if _, err := decryptAll(bad, key, testAD); err == nil {
						t.Fatalf("flipping bit %#x of byte %d went unnoticed", mask, i)
					} else if !errors.Is(err, ErrAuth) && !errors.Is(err, ErrFormat) {
						t.Fatalf("byte %d: error %v is neither ErrAuth nor ErrFormat", i, err)
					}
				}
			}
		})
	}
}

func TestTruncationAndExtensionFail(t *testing.T) {
	t.Parallel()
	key := mustKey(t)
	const seg = 64
	pt := randomBytes(3, 5*seg+10)
	ct := encrypt(t, pt, key, testAD, seg, 0)
	for n := 0; n < len(ct); n++ {
		if _, err := decryptAll(ct[:n], key, testAD); err == nil {
			t.Fatalf("truncation to %d of %d bytes went unnoticed", n, len(ct))
		}
	}
	for name, bad := range map[string][]byte{
		"one byte appended":        append(bytes.Clone(ct), 0),
		"a tag's worth appended":   append(bytes.Clone(ct), make([]byte, TagSize)...),
		"last segment duplicated":  append(bytes.Clone(ct), ct[len(ct)-(10+TagSize):]...),
		"first segment re-added":   append(bytes.Clone(ct), ct[HeaderSize:HeaderSize+seg+TagSize]...),
		"empty stream with a tail": append(encrypt(t, nil, key, testAD, seg, 0), 1, 2, 3),
	} {
		if _, err := decryptAll(bad, key, testAD); err == nil {
			t.Errorf("%s: went unnoticed", name)
		}
	}
	// A full-segment stream cut back to a segment boundary ends on a segment not sealed as last.
	ct2 := encrypt(t, randomBytes(4, 3*seg), key, testAD, seg, 0)
	if _, err := decryptAll(ct2[:HeaderSize+2*(seg+TagSize)], key, testAD); !errors.Is(err, ErrAuth) {
		t.Fatalf("cut at a segment boundary: err = %v, want ErrAuth", err)
	}
}

func TestSegmentSwapsFail(t *testing.T) {
	t.Parallel()
	key := mustKey(t)
	const seg = 64
	cs := seg + TagSize
	segment := func(ct []byte, i int) []byte { return ct[HeaderSize+i*cs : HeaderSize+(i+1)*cs] }
	pt := randomBytes(5, 4*seg+1)
	a := encrypt(t, pt, key, testAD, seg, 0)
	b := encrypt(t, pt, key, testAD, seg, 0) // same key, same AD, same plaintext: only salt differs

	swapped := bytes.Clone(a)
	copy(swapped[HeaderSize:], segment(a, 1))
	copy(swapped[HeaderSize+cs:], segment(a, 0))
	if _, err := decryptAll(swapped, key, testAD); !errors.Is(err, ErrAuth) {
		t.Errorf("segments 0 and 1 swapped: err = %v, want ErrAuth", err)
	}
	dup := bytes.Clone(a)
	copy(dup[HeaderSize+cs:], segment(a, 0))
	if _, err := decryptAll(dup, key, testAD); !errors.Is(err, ErrAuth) {
		t.Errorf("segment 0 duplicated over 1: err = %v, want ErrAuth", err)
	}
	cross := bytes.Clone(a)
	copy(cross[HeaderSize+2*cs:], segment(b, 2))
	if _, err := decryptAll(cross, key, testAD); !errors.Is(err, ErrAuth) {
		t.Errorf("segment 2 taken from another stream: err = %v, want ErrAuth", err)
	}
	header := bytes.Clone(b)
	copy(header, a[:HeaderSize])
	if _, err := decryptAll(header, key, testAD); !errors.Is(err, ErrAuth) {
		t.Errorf("header taken from another stream: err = %v, want ErrAuth", err)
	}
}

func TestWrongKeyOrAssociatedDataFails(t *testing.T) {
	t.Parallel()
	key := mustKey(t)
	ct := encrypt(t, []byte("call audio"), key, testAD, DefaultSegmentSize, 0)
	other := bytes.Clone(key)
	other[0] ^= 1
	for _, tc := range []struct {
		name    string
		key, ad []byte
	}{
		{"other key", other, testAD},
		{"other recording id", key, []byte("recording:43")},
		{"no associated data", key, nil},
		{"prefix of the associated data", key, testAD[:len(testAD)-1]},
	} {
		if _, err := NewDecryptReaderAt(bytes.NewReader(ct), int64(len(ct)), tc.key, tc.ad); !errors.Is(err, ErrAuth) {
			t.Errorf("%s: err = %v, want ErrAuth", tc.name, err)
		}
	}
	if _, err := NewDecryptReaderAt(bytes.NewReader(ct), int64(len(ct)), key[:31], testAD); err == nil {
		t.Error("accepted a 31-byte key")
	}
	for _, bad := range [][]byte{nil, []byte("FLSE"), append([]byte("XLSE"), ct[4:]...)} {
		if _, err := NewDecryptReaderAt(bytes.NewReader(bad), int64(len(bad)), key, testAD); !errors.Is(err, ErrFormat) {
			t.Errorf("%d bytes of non-stream: err = %v, want ErrFormat", len(bad), err)
		}
	}
}

// checkRange compares ReadAt(off, n) against the plaintext.
func checkRange(t *testing.T, r *Reader, pt []byte, off int64, n int) {
	t.Helper()
	p := make([]byte, n)
	got, err := r.ReadAt(p, off)
	wantN := 0
	if off < int64(len(pt)) {
		wantN = min(n, len(pt)-int(off))
	}
	if got != wantN {
		t.Fatalf("ReadAt(%d bytes at %d) = %d bytes, want %d (err %v)", n, off, got, wantN, err)
	}
	if wantN < n && !errors.Is(err, io.EOF) {
		t.Fatalf("ReadAt(%d bytes at %d) short without io.EOF: %v", n, off, err)
	}
	if wantN == n && err != nil {
		t.Fatalf("ReadAt(%d bytes at %d): %v", n, off, err)
	}
	if got > 0 && !bytes.Equal(p[:got], pt[off:off+int64(got)]) {
		t.Fatalf("ReadAt(%d bytes at %d) returned wrong bytes", n, off)
	}
}

func TestReadAtRanges(t *testing.T) {
	t.Parallel()
	key := mustKey(t)
	const seg = DefaultSegmentSize
	pt := randomBytes(11, 20*seg+333)
	ct := encrypt(t, pt, key, testAD, seg, 0)
	r, err := NewDecryptReaderAt(bytes.NewReader(ct), int64(len(ct)), key, testAD)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		off int64
		n   int
	}{
		{0, 0}, {0, 1}, {0, seg}, {1, seg}, {seg - 1, 2}, {seg, seg}, {seg, 3 * seg},
		{seg + 5, 17*seg + 3}, {0, len(pt)}, {0, len(pt) + 10}, {int64(len(pt)) - 1, 1},
		{int64(len(pt)) - 333, 333}, {int64(len(pt)) - 334, 400}, {19 * seg, seg + 333},
		{5 * seg, 40 * seg},
	} {
		t.Run(fmt.Sprintf("%d+%d", tc.off, tc.n), func(t *testing.T) { checkRange(t, r, pt, tc.off, tc.n) })
	}
	if n, err := r.ReadAt(make([]byte, 4), int64(len(pt))); n != 0 || err != io.EOF {
		t.Errorf("ReadAt at the end = %d, %v; want 0, io.EOF", n, err)
	}
	if _, err := r.ReadAt(make([]byte, 4), -1); err == nil {
		t.Error("negative offset accepted")
	}
}

func TestReadAtRandomRangesProperty(t *testing.T) {
	t.Parallel()
	key := mustKey(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ seg, size int }{{64, 0}, {64, 1}, {64, 64}, {64, 1000}, {100, 12345}, {DefaultSegmentSize, 3<<20 + 17}} {
		pt := randomBytes(uint64(tc.size)+9, tc.size)
		ct := encrypt(t, pt, key, testAD, tc.seg, 0)
		r, err := NewDecryptReaderAt(bytes.NewReader(ct), int64(len(ct)), key, testAD)
		if err != nil {
			t.Fatal(err)
		}
		for range 300 {
			off := rng.Int64N(int64(tc.size) + 2)
			n := rng.IntN(4*tc.seg + 3)
			checkRange(t, r, pt, off, n)
		}
	}
}

func TestConcurrentReadAt(t *testing.T) {
	t.Parallel()
	key := mustKey(t)
	pt := randomBytes(13, 2<<20+99)
	ct := encrypt(t, pt, key, testAD, DefaultSegmentSize, 0)
	r, err := NewDecryptReaderAt(bytes.NewReader(ct), int64(len(ct)), key, testAD)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for range 60 {
				off := rng.Int64N(int64(len(pt)))
				n := rng.IntN(150_000)
				p := make([]byte, n)
				got, err := r.ReadAt(p, off)
				if err != nil && !errors.Is(err, io.EOF) {
					t.Errorf("ReadAt: %v", err)
					return
				}
				if !bytes.Equal(p[:got], pt[off:off+int64(got)]) {
					t.Errorf("concurrent ReadAt(%d at %d) returned wrong bytes", n, off)
					return
				}
			}
		})
	}
	wg.Wait()
}

// countingReaderAt records the ciphertext bytes read.
type countingReaderAt struct {
	r     io.ReaderAt
	bytes atomic.Int64
	calls atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	c.calls.Add(1)
	n, err := c.r.ReadAt(p, off)
	c.bytes.Add(int64(n))
	return n, err
}

func TestReadsOnlyNeededSegments(t *testing.T) {
	t.Parallel()
	key := mustKey(t)
	const seg = DefaultSegmentSize
	pt := randomBytes(17, 100*seg+5)
	ct := encrypt(t, pt, key, testAD, seg, 0)
	c := &countingReaderAt{r: bytes.NewReader(ct)}
	r, err := NewDecryptReaderAt(c, int64(len(ct)), key, testAD)
	if err != nil {
		t.Fatal(err)
	}
	opened := c.bytes.Load()
	if opened > int64(HeaderSize+5+TagSize) {
		t.Fatalf("open read %d bytes, want the header and the last segment only", opened)
	}
	checkRange(t, r, pt, 50*seg+10, 100)
	if got := c.bytes.Load() - opened; got != seg+TagSize {
		t.Fatalf("reading 100 bytes read %d ciphertext bytes, want one segment (%d)", got, seg+TagSize)
	}
	// Sequential small reads: one underlying read per readAhead segments.
	before := c.calls.Load()
	checkRangeChunks(t, r, pt, 10*seg, 8*seg, 32<<10)
	if calls := c.calls.Load() - before; calls > 8/readAhead+1 || calls < 2 {
		t.Fatalf("8 segments read in 32 KiB chunks took %d underlying reads", calls)
	}
}

func checkRangeChunks(t *testing.T, r *Reader, pt []byte, off int64, n, chunk int) {
	t.Helper()
	for done := 0; done < n; done += chunk {
		checkRange(t, r, pt, off+int64(done), min(chunk, n-done))
	}
}

func TestServeContentRanges(t *testing.T) {
	t.Parallel()
	key := mustKey(t)
	pt := randomBytes(19, 3*DefaultSegmentSize+1234)
	ct := encrypt(t, pt, key, testAD, DefaultSegmentSize, 0)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r, err := NewDecryptReaderAt(bytes.NewReader(ct), int64(len(ct)), key, testAD)
		if err != nil {
			http.Error(w, "unreadable", 500)
			return
		}
		w.Header().Set("Content-Type", "audio/wav")
		http.ServeContent(w, req, "", time.Time{}, r.ReadSeeker())
	}))
	t.Cleanup(srv.Close)
	size := len(pt)
	for _, tc := range []struct {
		rng    string
		status int
		body   []byte
	}{
		{"", 200, pt},
		{"bytes=0-99", 206, pt[:100]},
		{"bytes=65530-65545", 206, pt[65530:65546]},
		{fmt.Sprintf("bytes=%d-", size-10), 206, pt[size-10:]},
		{"bytes=-700", 206, pt[size-700:]},
		{"bytes=100000-", 206, pt[100000:]},
		{fmt.Sprintf("bytes=%d-", size), 416, nil},
	} {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		if tc.rng != "" {
			req.Header.Set("Range", tc.rng)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("Range %q: status %d, want %d", tc.rng, resp.StatusCode, tc.status)
			continue
		}
		if tc.body != nil && !bytes.Equal(body, tc.body) {
			t.Errorf("Range %q: body of %d bytes differs from the plaintext range (%d bytes)", tc.rng, len(body), len(tc.body))
		}
		if tc.status == 206 && !strings.HasSuffix(resp.Header.Get("Content-Range"), fmt.Sprintf("/%d", size)) {
			t.Errorf("Range %q: Content-Range %q does not give the plaintext size", tc.rng, resp.Header.Get("Content-Range"))
		}
	}
	// Several ranges come back as multipart/byteranges.
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Range", "bytes=0-9,70000-70009")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 206 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "multipart/byteranges") ||
		!bytes.Contains(body, pt[:10]) || !bytes.Contains(body, pt[70000:70010]) {
		t.Errorf("multi-range: status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// FuzzDecrypt feeds arbitrary bytes to the decryptor as a stream under a fixed key: it must
// never panic, and it must return plaintext only for the one valid ciphertext in the corpus.
func FuzzDecrypt(f *testing.F) {
	key := bytes.Repeat([]byte{7}, DataKeySize)
	// Fixed salts: the fuzzing workers must compute the same valid ciphertexts as the seeds.
	fixed := func(pt []byte, salt byte) []byte {
		var buf bytes.Buffer
		w, err := newEncryptWriterRand(&buf, key, testAD, 64, bytes.NewReader(bytes.Repeat([]byte{salt}, HeaderSize)))
		if err != nil {
			f.Fatal(err)
		}
		w.Write(pt)
		if err := w.Close(); err != nil {
			f.Fatal(err)
		}
		return buf.Bytes()
	}
	valid := fixed([]byte("the only valid plaintext, over two segments of sixty-four bytes each......."), 1)
	empty := fixed(nil, 2)
	f.Add(valid)
	f.Add(empty)
	f.Add(valid[:HeaderSize])
	f.Add(append(bytes.Clone(valid), 0))
	f.Add([]byte("FLSE\x01\x00\x00\x00\x40"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := decryptAll(data, key, testAD)
		if err == nil && !bytes.Equal(data, valid) && !bytes.Equal(data, empty) {
			t.Fatalf("decrypted %d bytes of plaintext from %d bytes that are not a valid ciphertext", len(out), len(data))
		}
		if r, err := NewDecryptReaderAt(bytes.NewReader(data), int64(len(data)), key, testAD); err == nil {
			checkFuzzRanges(t, r)
		}
	})
}

func checkFuzzRanges(t *testing.T, r *Reader) {
	for _, off := range []int64{0, 1, 63, 64, 65, r.Size() - 1, r.Size()} {
		if off < 0 {
			continue
		}
		if _, err := r.ReadAt(make([]byte, 70), off); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, ErrAuth) {
			t.Fatalf("ReadAt at %d: unexpected error %v", off, err)
		}
	}
}

// The stream format does not depend on how the plaintext was cut into writes: the
// sealed-in-place and the buffered paths, and batch boundaries, produce the same bytes.
func TestChunkingDoesNotChangeCiphertext(t *testing.T) {
	t.Parallel()
	key := mustKey(t)
	seal := func(pt []byte, seg, chunk int) []byte {
		var buf bytes.Buffer
		w, err := newEncryptWriterRand(&buf, key, testAD, seg, bytes.NewReader(bytes.Repeat([]byte{7}, HeaderSize)))
		if err != nil {
			t.Fatal(err)
		}
		for p := pt; len(p) > 0; p = p[min(chunk, len(p)):] {
			if _, err := w.Write(p[:min(chunk, len(p))]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	for _, tc := range []struct {
		size, seg int
		chunks    []int
	}{
		{3*batchBytes + 123, DefaultSegmentSize, []int{DefaultSegmentSize, DefaultSegmentSize + 1, 7777, 256 << 10, 3 << 20}},
		{10_000, 64, []int{1, 63, 64, 65, 129}},
	} {
		pt := randomBytes(uint64(tc.size), tc.size)
		want := seal(pt, tc.seg, len(pt))
		for _, chunk := range tc.chunks {
			if got := seal(pt, tc.seg, chunk); !bytes.Equal(got, want) {
				t.Errorf("%d bytes in segments of %d: writes of %d give a different ciphertext", tc.size, tc.seg, chunk)
			}
		}
	}
}
