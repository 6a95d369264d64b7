package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Local is a Store in a folder of this machine. An object lives in one file,
// DIR/xx/yy/NAME, where xx/yy are the first two bytes of the SHA-256 of the key in hex (so no
// folder grows past a few thousand files at millions of objects) and NAME is the key with '/'
// written as '~'. Put writes a temporary file (".tmp-*") in the same folder, syncs it, renames it
// into place and syncs the folder, so after a crash a key holds the old object or the new one,
// never part of one. Files are 0600 and folders 0700.
type Local struct {
	dir      string
	location string
}

var _ Store = (*Local)(nil)

const tempPrefix = ".tmp-"

// NewLocal opens (creating when missing) a local store in dir. location is the location code of
// the machine's storage, as the operator declares it (the software cannot tell where a disk
// is): pass "UK" for a server in the UK. With "" the store has no declared location and
// CheckStoreLocation refuses it under every policy.
func NewLocal(dir, location string) (*Local, error) {
	if dir == "" {
		return nil, errors.New("blob: local store needs a folder")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob: create local store folder: %w", err)
	}
	return newLocal(dir, location), nil
}

// OpenLocal opens a local store in dir, which must already be a folder. Use it for a folder the
// operator configured: when it is a mount point whose mount failed, creating it would quietly
// fill the disk underneath (often the root file system) with recordings.
func OpenLocal(dir, location string) (*Local, error) {
	if dir == "" {
		return nil, errors.New("blob: local store needs a folder")
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: local store folder %s: %w (it is not created: create or mount it first)", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("blob: local store folder %s is not a folder", dir)
	}
	return newLocal(dir, location), nil
}

func newLocal(dir, location string) *Local {
	return &Local{dir: dir, location: NormalizeLocation(location)}
}

// Dir is the store's folder.
func (l *Local) Dir() string { return l.dir }

// Location is the declared location code ("" when none was declared).
func (l *Local) Location() string { return l.location }

func (l *Local) path(key string) string {
	h := sha256.Sum256([]byte(key))
	x := hex.EncodeToString(h[:2])
	return filepath.Join(l.dir, x[:2], x[2:], strings.ReplaceAll(key, "/", "~"))
}

// Put implements Store.
func (l *Local) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	return l.PutWriting(ctx, key, func(w io.Writer) error {
		_, err := io.CopyBuffer(w, ctxReader{ctx, r}, make([]byte, 256<<10))
		return err
	})
}

// PutWriting implements WritingPutter: write fills the temporary file itself.
func (l *Local) PutWriting(ctx context.Context, key string, write func(io.Writer) error) (n int64, err error) {
	if err := ValidKey(key); err != nil {
		return 0, err
	}
	p := l.path(key)
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	tmp, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	wb := &writeBehind{ctx: ctx, f: tmp}
	defer wb.stop()
	err = write(wb)
	if err == nil {
		err = ctx.Err() // a source that ended because of cancellation must not be stored
	}
	if err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err = wb.Sync(); err != nil {
		return 0, fmt.Errorf("blob: put %s: sync: %w", key, err)
	}
	if err = tmp.Close(); err != nil {
		return 0, fmt.Errorf("blob: put %s: close: %w", key, err)
	}
	if err = os.Rename(tmp.Name(), p); err != nil {
		return 0, fmt.Errorf("blob: put %s: rename: %w", key, err)
	}
	if err = syncDir(dir); err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	return wb.off, nil
}

// writeBehind writes to f and, every writeBehindChunk, has a goroutine flush what is written
// so far to stable storage while the caller goes on producing (encrypting) the rest. The final
// fsync then waits for the tail only. Without it a large put pays for its whole flush after the
// last byte: on this project's virtual disks that is as long again as encrypting the object
// took (docs/benchmarks.md). Objects under one chunk never start the goroutine. It also hides
// (*os.File).ReadFrom, whose fallback would use a small buffer, and stops writing once ctx ends.
type writeBehind struct {
	ctx     context.Context
	f       *os.File
	off     int64         // bytes written
	flushed int64         // bytes written when the flusher was last woken
	kick    chan struct{} // wakes the flusher; nil until the first chunk, and after stop
	done    chan error    // the flusher's first error, once it has ended
}

const writeBehindChunk = 8 << 20

func (w *writeBehind) Write(p []byte) (int, error) {
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := w.f.Write(p)
	w.off += int64(n)
	if err == nil && w.off-w.flushed >= writeBehindChunk {
		if w.kick == nil {
			w.kick, w.done = make(chan struct{}, 1), make(chan error, 1)
			go flush(int(w.f.Fd()), w.kick, w.done)
		}
		select {
		case w.kick <- struct{}{}:
		default: // a flush is already due and will cover these bytes
		}
		w.flushed = w.off
	}
	return n, err
}

// flush syncs fd's data once per kick until kick is closed, then sends its first error on
// done. The file must stay open until then.
func flush(fd int, kick <-chan struct{}, done chan<- error) {
	var first error
	for range kick {
		if err := unix.Fdatasync(fd); err != nil && first == nil {
			first = err
		}
	}
	done <- first
}

// stop ends the flusher, if it started, and returns its first error. Calling it again
// returns nil.
func (w *writeBehind) stop() error {
	if w.kick == nil {
		return nil
	}
	close(w.kick)
	w.kick = nil
	return <-w.done
}

// Sync makes everything written durable. A background flush's error is returned here because
// the kernel reports a write-back error to only one fsync of an open file.
func (w *writeBehind) Sync() error {
	if err := w.stop(); err != nil {
		return err
	}
	return w.f.Sync()
}

// Open implements Store. The object keeps reading the file it opened even if the key is
// overwritten or deleted meanwhile.
func (l *Local) Open(ctx context.Context, key string) (Object, error) {
	if err := ValidKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(l.path(key))
	if err != nil {
		return nil, mapLocalErr("open", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob: open %s: %w", key, err)
	}
	return &localObject{f: f, size: fi.Size()}, nil
}

type localObject struct {
	f    *os.File
	size int64
}

func (o *localObject) ReadAt(p []byte, off int64) (int, error) { return o.f.ReadAt(p, off) }
func (o *localObject) Size() int64                             { return o.size }
func (o *localObject) Close() error                            { return o.f.Close() }

// Stat implements Store.
func (l *Local) Stat(ctx context.Context, key string) (Info, error) {
	if err := ValidKey(key); err != nil {
		return Info{}, err
	}
	fi, err := os.Stat(l.path(key))
	if err != nil {
		return Info{}, mapLocalErr("stat", key, err)
	}
	return Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Delete implements Store.
func (l *Local) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	p := l.path(key)
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	// Sync the folder so the deletion survives a crash: a blob whose wrapped key is already
	// gone is harmless, but the sweeper's record that it deleted the blob must be true.
	if err := syncDir(filepath.Dir(p)); err != nil {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// List implements Store. It walks every shard folder: its cost is proportional to the number
// of objects stored, whatever the prefix.
func (l *Local) List(ctx context.Context, prefix string, fn func(Info) error) error {
	return l.walk(ctx, func(dir string, e fs.DirEntry) error {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !e.Type().IsRegular() {
			return nil
		}
		key := strings.ReplaceAll(name, "~", "/")
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted while listing
		}
		if err != nil {
			return fmt.Errorf("blob: list: %w", err)
		}
		return fn(Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()})
	})
}

// SweepTemp removes temporary files older than age that crashed Puts left behind, and returns
// how many it removed. Run it now and then (age well above the longest upload, such as a day);
// a younger temporary file may belong to a Put in progress.
func (l *Local) SweepTemp(ctx context.Context, age time.Duration) (int, error) {
	cutoff := time.Now().Add(-age)
	removed := 0
	err := l.walk(ctx, func(dir string, e fs.DirEntry) error {
		if !strings.HasPrefix(e.Name(), tempPrefix) {
			return nil
		}
		fi, err := e.Info()
		if err != nil || !fi.ModTime().Before(cutoff) {
			return nil
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err == nil {
			removed++
		}
		return nil
	})
	return removed, err
}

// walk calls fn for every entry of every shard folder.
func (l *Local) walk(ctx context.Context, fn func(dir string, e fs.DirEntry) error) error {
	level1, err := os.ReadDir(l.dir)
	if err != nil {
		return fmt.Errorf("blob: list: %w", err)
	}
	for _, a := range level1 {
		if !a.IsDir() || len(a.Name()) != 2 {
			continue
		}
		level2, err := os.ReadDir(filepath.Join(l.dir, a.Name()))
		if err != nil {
			return fmt.Errorf("blob: list: %w", err)
		}
		for _, b := range level2 {
			if !b.IsDir() || len(b.Name()) != 2 {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			dir := filepath.Join(l.dir, a.Name(), b.Name())
			entries, err := os.ReadDir(dir)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				return fmt.Errorf("blob: list: %w", err)
			}
			for _, e := range entries {
				if err := fn(dir, e); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func mapLocalErr(op, key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: %s %s: %w", op, key, ErrNotFound)
	}
	return fmt.Errorf("blob: %s %s: %w", op, key, err)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync folder: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync folder: %w", err)
	}
	return nil
}

// DeleteMany removes several objects and then makes the removals durable
// with one syncfs of the store's file system, rather than a folder sync per
// object: a retention sweep deletes thousands of blobs spread over as many
// shard folders, and the syncs, not the unlinks, are what cost.
func (l *Local) DeleteMany(ctx context.Context, keys []string) error {
	removed := false
	for _, key := range keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := ValidKey(key); err != nil {
			return err
		}
		p := l.path(key)
		if err := os.Remove(p); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return fmt.Errorf("blob: delete %s: %w", key, err)
		}
		removed = true
	}
	if !removed {
		return nil
	}
	root, err := os.Open(l.dir)
	if err != nil {
		return fmt.Errorf("blob: sync store: %w", err)
	}
	defer root.Close()
	if err := unix.Syncfs(int(root.Fd())); err != nil {
		return fmt.Errorf("blob: sync store: %w", err)
	}
	return nil
}
