package crypt

import (
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

const (
	// maxBatch bounds how many segments one underlying ReadAt fetches for a large read: fewer,
	// larger reads suit object storage (each is a ranged GET) without unbounded buffers.
	maxBatch = 16
	// readAhead is how many segments a small or unaligned read decrypts into the cache when it
	// continues where the cache ends, so that sequential 32 KiB reads (io.Copy,
	// http.ServeContent) cost one underlying read per readAhead segments, not one per call. A
	// read elsewhere (a seek) fetches only its own segment.
	readAhead = 4
)

// Reader decrypts a stream written by NewEncryptWriter, at any plaintext offset, reading only
// the segments that hold the requested bytes. It is safe for concurrent use.
type Reader struct {
	r      io.ReaderAt
	aead   cipher.AEAD
	header []byte
	seg    int64 // plaintext segment size
	ctSeg  int64 // ciphertext segment size
	nsegs  int64
	size   int64  // plaintext size, authentic (the last segment was checked at open)
	last   []byte // plaintext of the last segment, authenticated at open

	mu         sync.Mutex
	cacheFirst int64 // index of the first segment in cache; -1 when empty
	cacheN     int64 // number of segments in cache
	cache      []byte
}

// NewDecryptReaderAt opens the stream of size bytes that r holds, encrypted under dataKey with
// associated data ad. It reads the header and authenticates the final segment, so a wrong key,
// wrong associated data, truncation or extension fail here (ErrAuth), and Size is authentic.
// Other segments are authenticated when they are read: ReadAt returns ErrAuth for an altered one
// and never returns its bytes.
func NewDecryptReaderAt(r io.ReaderAt, size int64, dataKey, ad []byte) (*Reader, error) {
	if size < int64(HeaderSize) {
		return nil, fmt.Errorf("%w: %d bytes is shorter than the header", ErrFormat, size)
	}
	header := make([]byte, HeaderSize)
	if err := readFullAt(r, header, 0); err != nil {
		return nil, fmt.Errorf("crypt: read stream header: %w", err)
	}
	if string(header[:4]) != streamMagic {
		return nil, fmt.Errorf("%w: bad magic", ErrFormat)
	}
	if header[4] != streamVersion {
		return nil, fmt.Errorf("%w: unsupported version %d", ErrFormat, header[4])
	}
	seg := int64(binary.BigEndian.Uint32(header[5:9]))
	if seg < minSegmentSize || seg > maxSegmentSize {
		return nil, fmt.Errorf("%w: segment size %d outside %d..%d", ErrFormat, seg, minSegmentSize, maxSegmentSize)
	}
	aead, err := streamAEAD(dataKey, header, ad)
	if err != nil {
		return nil, err
	}
	ctSeg := seg + TagSize
	body := size - int64(HeaderSize)
	nsegs := (body + ctSeg - 1) / ctSeg
	if nsegs == 0 {
		return nil, fmt.Errorf("%w: no segments after the header", ErrAuth)
	}
	if nsegs > 1<<32 {
		return nil, fmt.Errorf("%w: too many segments", ErrFormat)
	}
	lastLen := body - (nsegs-1)*ctSeg
	// The writer never ends with an empty segment after a full one, and a segment is at least a
	// tag: any other size is a truncated or extended stream.
	if lastLen < TagSize || (lastLen == TagSize && nsegs > 1) {
		return nil, fmt.Errorf("%w: ciphertext size does not end on a segment", ErrAuth)
	}
	d := &Reader{
		r: r, aead: aead, header: header, seg: seg, ctSeg: ctSeg, nsegs: nsegs,
		size:       (nsegs-1)*seg + lastLen - TagSize,
		cacheFirst: -1,
	}
	ct := make([]byte, lastLen)
	if err := readFullAt(r, ct, int64(HeaderSize)+(nsegs-1)*ctSeg); err != nil {
		return nil, fmt.Errorf("crypt: read segment %d: %w", nsegs-1, err)
	}
	d.last, err = d.open(nil, ct, nsegs-1)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Size is the plaintext size.
func (d *Reader) Size() int64 { return d.size }

// ReadSeeker returns an independent io.ReadSeeker over the plaintext, for http.ServeContent
// and io.Copy. Each call returns a new one positioned at the start.
func (d *Reader) ReadSeeker() *io.SectionReader { return io.NewSectionReader(d, 0, d.size) }

// ReadAt reads len(p) plaintext bytes from offset off, with the semantics of io.ReaderAt: fewer
// bytes only at the end of the plaintext (with io.EOF) or with an error. On an error the
// contents of p are undefined and must not be used.
func (d *Reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("crypt: negative offset %d", off)
	}
	if off >= d.size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	want := p
	if rest := d.size - off; int64(len(p)) > rest {
		want = p[:rest]
	}
	n := 0
	for n < len(want) {
		pos := off + int64(n)
		idx := pos / d.seg
		in := pos - idx*d.seg
		switch {
		case idx == d.nsegs-1:
			n += copy(want[n:], d.last[in:])
		case in == 0 && int64(len(want)-n) >= d.seg:
			// Whole segments: decrypt straight into p, several per underlying read.
			k := min(int64(len(want)-n)/d.seg, d.nsegs-1-idx, maxBatch)
			if err := d.readDirect(want[n:n+int(k*d.seg)], idx, k); err != nil {
				return n, err
			}
			n += int(k * d.seg)
		default:
			c, err := d.readCached(want[n:], idx, in)
			if err != nil {
				return n, err
			}
			n += c
		}
	}
	if len(want) < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// open authenticates and decrypts ciphertext segment idx, appending the plaintext to dst.
func (d *Reader) open(dst, ct []byte, idx int64) ([]byte, error) {
	var nonce [nonceSize]byte
	segmentNonce(nonce[:], d.header, uint32(idx), idx == d.nsegs-1)
	out, err := d.aead.Open(dst, nonce[:], ct, nil)
	if err != nil {
		return nil, fmt.Errorf("%w (segment %d)", ErrAuth, idx)
	}
	return out, nil
}

// readDirect decrypts the k full segments from idx into dst (k*seg bytes).
func (d *Reader) readDirect(dst []byte, idx, k int64) error {
	bp := getBuf(int(k * d.ctSeg))
	defer bufPool.Put(bp)
	ct := (*bp)[:k*d.ctSeg]
	if err := readFullAt(d.r, ct, int64(HeaderSize)+idx*d.ctSeg); err != nil {
		return fmt.Errorf("crypt: read segments %d..%d: %w", idx, idx+k-1, err)
	}
	for i := range k {
		out, err := d.open(dst[i*d.seg:i*d.seg], ct[i*d.ctSeg:(i+1)*d.ctSeg], idx+i)
		if err != nil {
			return err
		}
		if int64(len(out)) != d.seg {
			return fmt.Errorf("%w (segment %d has the wrong length)", ErrAuth, idx+i)
		}
	}
	return nil
}

// readCached copies plaintext of segment idx from offset in into dst. When the cache does not
// hold idx it refills it: with up to readAhead full segments from idx when idx follows the
// cached ones (a sequential reader), else with segment idx alone.
func (d *Reader) readCached(dst []byte, idx, in int64) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cacheFirst < 0 || idx < d.cacheFirst || idx >= d.cacheFirst+d.cacheN {
		k := int64(1)
		if d.cacheFirst >= 0 && idx == d.cacheFirst+d.cacheN {
			k = min(readAhead, d.nsegs-1-idx)
		}
		d.cacheFirst = -1
		bp := getBuf(int(k * d.ctSeg))
		defer bufPool.Put(bp)
		ct := (*bp)[:k*d.ctSeg]
		if err := readFullAt(d.r, ct, int64(HeaderSize)+idx*d.ctSeg); err != nil {
			return 0, fmt.Errorf("crypt: read segments %d..%d: %w", idx, idx+k-1, err)
		}
		if d.cache == nil {
			d.cache = make([]byte, 0, readAhead*d.seg)
		}
		d.cache = d.cache[:0]
		for i := range k {
			out, err := d.open(d.cache, ct[i*d.ctSeg:(i+1)*d.ctSeg], idx+i)
			if err != nil {
				return 0, err
			}
			d.cache = out
		}
		if int64(len(d.cache)) != k*d.seg {
			return 0, fmt.Errorf("%w (segments %d..%d have the wrong length)", ErrAuth, idx, idx+k-1)
		}
		d.cacheFirst, d.cacheN = idx, k
	}
	start := (idx-d.cacheFirst)*d.seg + in
	return copy(dst, d.cache[start:]), nil
}

// bufPool holds ciphertext buffers shared by all Readers: playback opens a Reader per HTTP
// request, so per-Reader buffers would be garbage after every request.
var bufPool sync.Pool

// getBuf returns a pooled buffer of at least n bytes; put it back with bufPool.Put.
func getBuf(n int) *[]byte {
	if bp, ok := bufPool.Get().(*[]byte); ok && cap(*bp) >= n {
		return bp
	}
	b := make([]byte, max(n, readAhead*(DefaultSegmentSize+TagSize)))
	return &b
}

// readFullAt fills buf from r at off or fails; a short read is io.ErrUnexpectedEOF.
func readFullAt(r io.ReaderAt, buf []byte, off int64) error {
	n, err := r.ReadAt(buf, off)
	if n == len(buf) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return err
}
