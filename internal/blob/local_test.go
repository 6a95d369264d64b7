package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/blob"
	"github.com/fairline/fairline/internal/blob/blobtest"
)

func newLocalB(b *testing.B) (*blob.Local, error) {
	return blob.NewLocal(filepath.Join(b.TempDir(), "blobs"), "UK")
}

func newLocal(t *testing.T) *blob.Local {
	t.Helper()
	s, err := blob.NewLocal(filepath.Join(t.TempDir(), "blobs"), "UK")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLocalContract(t *testing.T) {
	t.Parallel()
	blobtest.Run(t, func(t *testing.T) blob.Store {
		s := newLocal(t)
		// Failed and cancelled puts must not leave temporary files behind either.
		t.Cleanup(func() {
			filepath.WalkDir(s.Dir(), func(p string, d fs.DirEntry, err error) error {
				if err == nil && strings.HasPrefix(d.Name(), ".tmp-") {
					t.Errorf("temporary file %s left behind", p)
				}
				return nil
			})
		})
		return s
	})
}

func TestLocalLayout(t *testing.T) {
	t.Parallel()
	s := newLocal(t)
	ctx := context.Background()
	if _, err := s.Put(ctx, "recordings/2026/11/r-1", strings.NewReader("ciphertext")); err != nil {
		t.Fatal(err)
	}
	var files []string
	filepath.WalkDir(s.Dir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := d.Info()
		rel, _ := filepath.Rel(s.Dir(), p)
		if d.IsDir() {
			if p != s.Dir() && fi.Mode().Perm() != 0o700 {
				t.Errorf("folder %s has mode %v, want 0700", rel, fi.Mode().Perm())
			}
			return nil
		}
		files = append(files, rel)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("file %s has mode %v, want 0600", rel, fi.Mode().Perm())
		}
		return nil
	})
	// One file, two shard folders deep, named by the key with '/' as '~'.
	if len(files) != 1 || strings.Count(files[0], string(filepath.Separator)) != 2 || filepath.Base(files[0]) != "recordings~2026~11~r-1" {
		t.Fatalf("files on disk: %v", files)
	}
}

func TestLocalSweepTemp(t *testing.T) {
	t.Parallel()
	s := newLocal(t)
	ctx := context.Background()
	if _, err := s.Put(ctx, "k", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	// A crashed Put leaves a temporary file beside where the object would go.
	var shard string
	filepath.WalkDir(s.Dir(), func(p string, d fs.DirEntry, err error) error {
		if !d.IsDir() {
			shard = filepath.Dir(p)
		}
		return nil
	})
	old := filepath.Join(shard, ".tmp-crashed")
	young := filepath.Join(shard, ".tmp-in-progress")
	os.WriteFile(old, []byte("partial"), 0o600)
	os.WriteFile(young, []byte("partial"), 0o600)
	past := time.Now().Add(-48 * time.Hour)
	os.Chtimes(old, past, past)

	keys := 0
	s.List(ctx, "", func(blob.Info) error { keys++; return nil })
	if keys != 1 {
		t.Fatalf("List shows %d objects, want 1 (temporary files are not objects)", keys)
	}
	n, err := s.SweepTemp(ctx, 24*time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("SweepTemp = %d, %v; want 1", n, err)
	}
	if _, err := os.Stat(old); !errors.Is(err, fs.ErrNotExist) {
		t.Error("old temporary file survived")
	}
	if _, err := os.Stat(young); err != nil {
		t.Error("SweepTemp removed a temporary file younger than the age")
	}
}

func TestLocalNeedsFolder(t *testing.T) {
	t.Parallel()
	if _, err := blob.NewLocal("", "UK"); err == nil {
		t.Fatal("NewLocal accepted an empty folder")
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := blob.NewLocal(filepath.Join(file, "blobs"), "UK"); err == nil {
		t.Fatal("NewLocal accepted a folder under a file")
	}
	s, _ := blob.NewLocal(t.TempDir(), "gb")
	if s.Location() != "UK" {
		t.Fatalf("Location() = %q, want UK for gb", s.Location())
	}
	// Keys that would escape the folder never reach the file system.
	if _, err := s.Put(context.Background(), "../../etc/passwd", bytes.NewReader(nil)); !errors.Is(err, blob.ErrInvalidKey) {
		t.Fatalf("path traversal: %v", err)
	}
}

// FuzzValidKey: keys come from callers and, through List, from disk and buckets. A key that
// passes never escapes a folder.
func FuzzValidKey(f *testing.F) {
	for _, s := range []string{"recordings/2026/r-1", "../x", "a//b", ".tmp-1", "a/./b", "a~b", "x/.."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if blob.ValidKey(key) != nil {
			return
		}
		clean := filepath.Clean("/root/" + key)
		if !strings.HasPrefix(clean, "/root/") || clean != "/root/"+key {
			t.Fatalf("valid key %q is not a clean relative path", key)
		}
		if strings.Contains(key, "~") {
			t.Fatalf("valid key %q contains '~', which the local store uses for '/'", key)
		}
	})
}

// OpenLocal, for a folder the operator configured, never creates it: a failed mount must not
// turn into recordings written to the disk underneath.
func TestOpenLocalNeedsAnExistingFolder(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o600)
	cases := []struct {
		name, dir, wantErr string
	}{
		{"existing folder", dir, ""},
		{"missing folder", filepath.Join(dir, "mnt", "recordings"), "not created"},
		{"a file", file, "is not a folder"},
		{"empty", "", "needs a folder"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := blob.OpenLocal(c.dir, "uk")
			if c.wantErr == "" {
				if err != nil || s.Dir() != c.dir || s.Location() != "UK" {
					t.Fatalf("OpenLocal(%q) = %v, %v", c.dir, s, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("OpenLocal(%q) error = %v, want one containing %q", c.dir, err, c.wantErr)
			}
			if c.dir != "" && c.dir != file {
				if _, err := os.Stat(c.dir); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("the missing folder was created (%v)", err)
				}
			}
		})
	}
}
