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
	loc := strings.ToUpper(strings.TrimSpace(location))
	if loc == "GB" {
		loc = "UK"
	}
	return &Local{dir: dir, location: loc}, nil
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
func (l *Local) Put(ctx context.Context, key string, r io.Reader) (n int64, err error) {
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
	buf := make([]byte, 256<<10)
	n, err = io.CopyBuffer(onlyWriter{tmp}, ctxReader{ctx, r}, buf)
	if err == nil {
		err = ctx.Err() // a source that ended because of cancellation must not be stored
	}
	if err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err = tmp.Sync(); err != nil {
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
	return n, nil
}

// onlyWriter hides (*os.File).ReadFrom, whose fallback would use a small buffer.
type onlyWriter struct{ io.Writer }

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
