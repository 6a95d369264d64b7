package crypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Format constants of the streaming AEAD (see the package documentation).
const (
	// DefaultSegmentSize is the plaintext size of every segment but the last. 64 KiB keeps the
	// tag overhead at 0.02 % and a random read at most one segment away from its first byte.
	DefaultSegmentSize = 64 << 10

	// DataKeySize is the size of a data key: AES-256.
	DataKeySize = 32

	// HeaderSize is the size of the stream header.
	HeaderSize = len(streamMagic) + 1 + 4 + saltSize + noncePrefixSize

	// TagSize is what each segment adds to its plaintext.
	TagSize = 16

	streamMagic     = "FLSE"
	streamVersion   = 1
	saltSize        = 32
	noncePrefixSize = 7
	nonceSize       = noncePrefixSize + 4 + 1

	// Segment sizes a header may declare. Only DefaultSegmentSize is written outside tests; the
	// bounds keep a hostile header from making the reader allocate much.
	minSegmentSize = 64
	maxSegmentSize = 1 << 20

	streamKeyLabel = "fairline/stream/v1"
)

var (
	// ErrAuth means a ciphertext did not authenticate: the wrong data key, the wrong associated
	// data, or a ciphertext that was altered, truncated, extended, reordered or swapped.
	ErrAuth = errors.New("crypt: ciphertext does not authenticate (wrong key or associated data, or altered or truncated data)")

	// ErrFormat means the bytes are not a stream of a format version this code reads.
	ErrFormat = errors.New("crypt: not a Fairline encrypted stream")
)

// EncryptedSize is the ciphertext size of a plaintext of n bytes with the default segment size.
// Use it for Content-Length or a known-size upload.
func EncryptedSize(n int64) int64 { return encryptedSize(n, DefaultSegmentSize) }

func encryptedSize(n int64, segSize int) int64 {
	segs := (n + int64(segSize) - 1) / int64(segSize)
	if segs == 0 {
		segs = 1
	}
	return int64(HeaderSize) + n + segs*TagSize
}

// NewDataKey returns a fresh random 256-bit data key. Use one per recording.
func NewDataKey() ([]byte, error) {
	k := make([]byte, DataKeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("crypt: generate data key: %w", err)
	}
	return k, nil
}

// streamAEAD derives the per-stream GCM from the data key and the header.
func streamAEAD(dataKey, header, ad []byte) (cipher.AEAD, error) {
	if len(dataKey) != DataKeySize {
		return nil, fmt.Errorf("crypt: data key must be %d bytes, got %d", DataKeySize, len(dataKey))
	}
	salt := header[9 : 9+saltSize]
	info := make([]byte, 0, len(streamKeyLabel)+9+8+len(ad))
	info = append(info, streamKeyLabel...)
	info = append(info, header[:9]...)
	info = binary.BigEndian.AppendUint64(info, uint64(len(ad)))
	info = append(info, ad...)
	key, err := hkdf.Key(sha256.New, dataKey, salt, string(info), DataKeySize)
	if err != nil {
		return nil, fmt.Errorf("crypt: derive stream key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("crypt: %w", err)
	}
	return cipher.NewGCM(block)
}

// segmentNonce writes the nonce of segment idx into dst (nonceSize bytes).
func segmentNonce(dst, header []byte, idx uint32, last bool) {
	copy(dst, header[9+saltSize:HeaderSize])
	binary.BigEndian.PutUint32(dst[noncePrefixSize:], idx)
	dst[nonceSize-1] = 0
	if last {
		dst[nonceSize-1] = 1
	}
}

// encryptWriter is the io.WriteCloser of NewEncryptWriter.
//
// Sealing and writing overlap: a batch of sealed segments is written to w by a goroutine while
// the next batch is being sealed, so encryption costs little more than the slower of the two on
// a machine with two cores. Batches (up to batchBytes) keep the hand-offs between goroutines and
// the writes to w few, and a whole segment of a caller's slice is sealed straight from it, not
// copied first. At most one write is in flight, and its goroutine ends when w.Write returns, so
// an abandoned writer leaks nothing.
type encryptWriter struct {
	w       io.Writer
	aead    cipher.AEAD
	header  []byte
	nonce   [nonceSize]byte
	buf     []byte    // plaintext of the pending segment, len <= seg
	outs    [2][]byte // batches of sealed segments: one being written, one being filled
	cur     int       // index in outs of the batch being filled
	batch   int       // segments per batch
	written chan error
	pending bool // a write is in flight and will report on written
	seg     int
	idx     uint32
	err     error // sticky: the first failure, or errClosed
}

// batchBytes bounds the sealed bytes handed to w in one Write: 1 MiB, 16 default segments.
const batchBytes = 1 << 20

var errClosed = errors.New("crypt: write to a closed encrypting writer")

// NewEncryptWriter returns a writer that encrypts what is written to it into w, in the streaming
// format with the default segment size, under dataKey (DataKeySize bytes) and bound to
// associatedData (use the recording id). It writes the header to w at once. Close seals the final
// segment and must be called, or the stream is unreadable; it does not close w. Until Close
// returns, w is written from another goroutine (one write at a time, in order), so do not use w
// meanwhile. Memory use is about 2 MiB, whatever the plaintext size. The writer is not
// safe for concurrent use.
func NewEncryptWriter(w io.Writer, dataKey []byte, associatedData []byte) (io.WriteCloser, error) {
	return newEncryptWriter(w, dataKey, associatedData, DefaultSegmentSize)
}

func newEncryptWriter(w io.Writer, dataKey, ad []byte, segSize int) (*encryptWriter, error) {
	return newEncryptWriterRand(w, dataKey, ad, segSize, rand.Reader)
}

// newEncryptWriterRand takes the salt and nonce prefix from random; tests pass a fixed source
// for reproducible ciphertexts.
func newEncryptWriterRand(w io.Writer, dataKey, ad []byte, segSize int, random io.Reader) (*encryptWriter, error) {
	if segSize < minSegmentSize || segSize > maxSegmentSize {
		return nil, fmt.Errorf("crypt: segment size %d outside %d..%d", segSize, minSegmentSize, maxSegmentSize)
	}
	header := make([]byte, HeaderSize)
	copy(header, streamMagic)
	header[4] = streamVersion
	binary.BigEndian.PutUint32(header[5:9], uint32(segSize))
	if _, err := io.ReadFull(random, header[9:]); err != nil {
		return nil, fmt.Errorf("crypt: generate stream salt: %w", err)
	}
	aead, err := streamAEAD(dataKey, header, ad)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(header); err != nil {
		return nil, fmt.Errorf("crypt: write stream header: %w", err)
	}
	return &encryptWriter{
		w:       w,
		aead:    aead,
		header:  header,
		buf:     make([]byte, 0, segSize),
		batch:   max(1, batchBytes/(segSize+TagSize)),
		written: make(chan error, 1),
		seg:     segSize,
	}, nil
}

// Write buffers p and seals every segment that is known not to be the last one. A segment is
// sealed only when more data follows it, because the last flag must be set on the final one.
func (e *encryptWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n := 0
	for len(p) > 0 {
		if len(e.buf) == e.seg {
			if err := e.seal(e.buf, false); err != nil {
				return n, err
			}
			e.buf = e.buf[:0]
		}
		if len(e.buf) == 0 && len(p) > e.seg {
			// A whole segment with more after it: seal it where it is.
			if err := e.seal(p[:e.seg], false); err != nil {
				return n, err
			}
			p, n = p[e.seg:], n+e.seg
			continue
		}
		c := copy(e.buf[len(e.buf):e.seg], p)
		e.buf = e.buf[:len(e.buf)+c]
		p = p[c:]
		n += c
	}
	return n, nil
}

// seal appends the sealed segment pt to the batch being filled and hands the batch to w when it
// is full or pt is the last segment.
func (e *encryptWriter) seal(pt []byte, last bool) error {
	if !last && e.idx == ^uint32(0) {
		e.err = errors.New("crypt: plaintext too long for one stream")
		return e.err
	}
	if e.outs[e.cur] == nil {
		e.outs[e.cur] = make([]byte, 0, e.batch*(e.seg+TagSize))
	}
	segmentNonce(e.nonce[:], e.header, e.idx, last)
	e.outs[e.cur] = e.aead.Seal(e.outs[e.cur], e.nonce[:], pt, nil)
	e.idx++
	if !last && len(e.outs[e.cur]) < e.batch*(e.seg+TagSize) {
		return nil
	}
	if err := e.wait(); err != nil { // the other batch is free once its write is done
		return err
	}
	out := e.outs[e.cur]
	e.pending = true
	go func() {
		_, err := e.w.Write(out)
		e.written <- err
	}()
	e.cur = 1 - e.cur
	if e.outs[e.cur] != nil {
		e.outs[e.cur] = e.outs[e.cur][:0]
	}
	return nil
}

// wait waits for the write in flight, if any, and records its failure.
func (e *encryptWriter) wait() error {
	if !e.pending {
		return nil
	}
	e.pending = false
	if err := <-e.written; err != nil {
		e.err = fmt.Errorf("crypt: write ciphertext: %w", err)
		return e.err
	}
	return nil
}

// Close seals the final segment (possibly empty) and waits until everything is written.
// Calling it again returns nil if the first call succeeded, the first error otherwise.
func (e *encryptWriter) Close() error {
	if e.err == errClosed {
		return nil
	}
	if e.err != nil {
		return e.err
	}
	if err := e.seal(e.buf, true); err != nil {
		return err
	}
	if err := e.wait(); err != nil {
		return err
	}
	e.err = errClosed
	return nil
}
