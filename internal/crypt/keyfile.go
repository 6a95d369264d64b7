package crypt

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// FileProviderName is WrappedKey.Provider for keys wrapped by a FileKeyProvider.
const FileProviderName = "file"

const (
	kekFileFormat = "fairline-kek/v1"
	kekWrapLabel  = "fairline/kek-wrap/v1"
	kekNonceSize  = 12
)

// DefaultKEKPath is where the KEK file lives by default: kek.json in the folder of the master key
// file (config KeyFile), so the two are backed up together.
func DefaultKEKPath(keyFile string) string {
	return filepath.Join(filepath.Dir(keyFile), "kek.json")
}

// FileKeyProvider is a KeyProvider over a local JSON file of versioned random 256-bit KEKs:
//
//	{"format": "fairline-kek/v1", "id": "<random>", "current": 2,
//	 "keys": [{"version": 1, "created": "...", "key": "<base64>"}, {"version": 2, ...}]}
//
// The file is created with mode 0600 and every change is written to a temporary file, synced and
// renamed over it (then the folder is synced), under an exclusive lock on PATH.lock, so a crash or
// a second process never leaves a half-written or lost key. Several serve instances may share the
// file: Unwrap re-reads it when it meets a version it does not know yet (another instance
// rotated), while Wrap keeps using the version that was current when the file was last read
// until Reload (for example on SIGHUP) — harmless, as a rewrap pass moves such keys later.
// Back it up with the database: losing it loses every recording.
type FileKeyProvider struct {
	path string

	mu      sync.RWMutex
	id      string
	current int
	keys    map[int][]byte
	aeads   map[int]cipher.AEAD
}

type kekFile struct {
	Format  string     `json:"format"`
	ID      string     `json:"id"`
	Current int        `json:"current"`
	Keys    []kekEntry `json:"keys"`
}

type kekEntry struct {
	Version int       `json:"version"`
	Created time.Time `json:"created"`
	Key     string    `json:"key"`
}

var _ KeyProvider = (*FileKeyProvider)(nil)

// OpenKeyFile loads the KEK file at path, creating it with one fresh KEK (version 1) when it
// does not exist.
func OpenKeyFile(path string) (*FileKeyProvider, error) {
	p := &FileKeyProvider{path: path}
	if err := p.Reload(); err == nil || !errors.Is(err, os.ErrNotExist) {
		if err != nil {
			return nil, err
		}
		return p, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("crypt: create KEK folder: %w", err)
	}
	err := p.locked(func(f *kekFile) (*kekFile, error) {
		if f != nil { // another process created it first: share its keys
			return nil, nil
		}
		id := make([]byte, 8)
		if _, err := rand.Read(id); err != nil {
			return nil, fmt.Errorf("crypt: generate KEK file id: %w", err)
		}
		f = &kekFile{Format: kekFileFormat, ID: hex.EncodeToString(id)}
		return f, addKEK(f)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// CurrentVersion is the version Wrap uses ("1", "2", ...).
func (p *FileKeyProvider) CurrentVersion() string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return strconv.Itoa(p.current)
}

// Versions lists the versions held, oldest first.
func (p *FileKeyProvider) Versions() []string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	vs := make([]int, 0, len(p.keys))
	for v := range p.keys {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strconv.Itoa(v)
	}
	return out
}

// Wrap encrypts dataKey with AES-256-GCM under the current KEK; the associated data names the
// file id and version, so a wrapped key cannot be passed off as another version's.
func (p *FileKeyProvider) Wrap(ctx context.Context, dataKey []byte) (WrappedKey, error) {
	if err := ctx.Err(); err != nil {
		return WrappedKey{}, err
	}
	if len(dataKey) != DataKeySize {
		return WrappedKey{}, fmt.Errorf("crypt: data key must be %d bytes, got %d", DataKeySize, len(dataKey))
	}
	p.mu.RLock()
	id, v, aead := p.id, p.current, p.aeads[p.current]
	p.mu.RUnlock()
	out := make([]byte, kekNonceSize, kekNonceSize+len(dataKey)+TagSize)
	if _, err := rand.Read(out); err != nil {
		return WrappedKey{}, fmt.Errorf("crypt: wrap nonce: %w", err)
	}
	out = aead.Seal(out, out, dataKey, wrapAD(id, v))
	return WrappedKey{Provider: FileProviderName, KeyID: id, Version: strconv.Itoa(v), Ciphertext: out}, nil
}

// Unwrap decrypts a key that Wrap produced under any version still in the file.
func (p *FileKeyProvider) Unwrap(ctx context.Context, wk WrappedKey) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.RLock()
	id := p.id
	p.mu.RUnlock()
	if wk.Provider != FileProviderName || wk.KeyID != id {
		return nil, fmt.Errorf("%w (provider %q, key id %q; this file is %q)", ErrUnknownKEK, wk.Provider, wk.KeyID, id)
	}
	v, err := strconv.Atoi(wk.Version)
	if err != nil || v < 1 {
		return nil, fmt.Errorf("%w (version %q is not a positive number)", ErrUnknownKEK, wk.Version)
	}
	aead := p.aead(v)
	if aead == nil {
		// Another instance sharing the file may have rotated since we loaded it.
		if err := p.Reload(); err != nil {
			return nil, err
		}
		if aead = p.aead(v); aead == nil {
			return nil, fmt.Errorf("%w (version %d is not in %s; was it retired?)", ErrUnknownKEK, v, p.path)
		}
	}
	if len(wk.Ciphertext) != kekNonceSize+DataKeySize+TagSize {
		return nil, fmt.Errorf("%w: wrapped key has %d bytes", ErrAuth, len(wk.Ciphertext))
	}
	dk, err := aead.Open(nil, wk.Ciphertext[:kekNonceSize], wk.Ciphertext[kekNonceSize:], wrapAD(id, v))
	if err != nil {
		return nil, fmt.Errorf("%w (wrapped key, KEK version %d)", ErrAuth, v)
	}
	return dk, nil
}

func (p *FileKeyProvider) aead(v int) cipher.AEAD {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.aeads[v]
}

// Rotate adds a fresh KEK and makes it current; it returns the new version. Existing wrapped
// keys keep opening; move them with Rewrap, then Retire the old version.
func (p *FileKeyProvider) Rotate(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	err := p.locked(func(f *kekFile) (*kekFile, error) {
		if f == nil {
			return nil, fmt.Errorf("crypt: KEK file %s disappeared", p.path)
		}
		return f, addKEK(f)
	})
	if err != nil {
		return "", err
	}
	return p.CurrentVersion(), nil
}

// Retire removes a KEK version from the file. Every data key still wrapped under it becomes
// unreadable for good, so call it only after re-wrapping them all. The current version cannot be
// retired.
func (p *FileKeyProvider) Retire(ctx context.Context, version string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	v, err := strconv.Atoi(version)
	if err != nil {
		return fmt.Errorf("crypt: KEK version %q is not a number", version)
	}
	return p.locked(func(f *kekFile) (*kekFile, error) {
		if f == nil {
			return nil, fmt.Errorf("crypt: KEK file %s disappeared", p.path)
		}
		if v == f.Current {
			return nil, fmt.Errorf("crypt: KEK version %d is current; rotate before retiring it", v)
		}
		i := slices.IndexFunc(f.Keys, func(e kekEntry) bool { return e.Version == v })
		if i < 0 {
			return nil, fmt.Errorf("crypt: KEK version %d is not in %s", v, p.path)
		}
		f.Keys = slices.Delete(f.Keys, i, i+1)
		return f, nil
	})
}

// Reload re-reads the file, picking up rotations made by other processes.
func (p *FileKeyProvider) Reload() error {
	data, err := os.ReadFile(p.path)
	if err != nil {
		return fmt.Errorf("crypt: read KEK file: %w", err)
	}
	f, err := parseKEKFile(data)
	if err != nil {
		return fmt.Errorf("crypt: KEK file %s: %w", p.path, err)
	}
	return p.install(f)
}

func (p *FileKeyProvider) install(f *kekFile) error {
	keys := make(map[int][]byte, len(f.Keys))
	aeads := make(map[int]cipher.AEAD, len(f.Keys))
	for _, e := range f.Keys {
		k, err := base64.StdEncoding.DecodeString(e.Key)
		if err != nil || len(k) != 32 {
			return fmt.Errorf("crypt: KEK file %s: version %d is not a base64 256-bit key", p.path, e.Version)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return err
		}
		keys[e.Version], aeads[e.Version] = k, aead
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.id, p.current, p.keys, p.aeads = f.ID, f.Current, keys, aeads
	return nil
}

func parseKEKFile(data []byte) (*kekFile, error) {
	var f kekFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if f.Format != kekFileFormat {
		return nil, fmt.Errorf("format is %q, want %q", f.Format, kekFileFormat)
	}
	if f.ID == "" || !printableName(f.ID) {
		return nil, errors.New("missing or invalid id")
	}
	seen := map[int]bool{}
	for _, e := range f.Keys {
		if e.Version < 1 || seen[e.Version] {
			return nil, fmt.Errorf("version %d is invalid or repeated", e.Version)
		}
		seen[e.Version] = true
	}
	if !seen[f.Current] {
		return nil, fmt.Errorf("current version %d has no key", f.Current)
	}
	return &f, nil
}

// addKEK appends a fresh key one version above the highest and makes it current.
func addKEK(f *kekFile) error {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return fmt.Errorf("crypt: generate KEK: %w", err)
	}
	v := 1
	for _, e := range f.Keys {
		v = max(v, e.Version+1)
	}
	f.Keys = append(f.Keys, kekEntry{Version: v, Created: time.Now().UTC().Truncate(time.Second), Key: base64.StdEncoding.EncodeToString(k)})
	f.Current = v
	return nil
}

// locked runs change on the file's current contents (nil when it does not exist) under an
// exclusive lock; when change returns new contents, the file is replaced atomically. Either way
// the provider then reloads the file.
func (p *FileKeyProvider) locked(change func(f *kekFile) (*kekFile, error)) error {
	lock, err := os.OpenFile(p.path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("crypt: open KEK lock file: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("crypt: lock KEK file: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck // closing unlocks too

	var f *kekFile
	data, err := os.ReadFile(p.path)
	switch {
	case err == nil:
		if f, err = parseKEKFile(data); err != nil {
			return fmt.Errorf("crypt: KEK file %s: %w", p.path, err)
		}
	case errors.Is(err, os.ErrNotExist):
	default:
		return fmt.Errorf("crypt: read KEK file: %w", err)
	}
	next, err := change(f)
	if err != nil {
		return err
	}
	if next != nil {
		out, _ := json.MarshalIndent(next, "", "  ")
		if err := writeFileAtomic(p.path, append(out, '\n')); err != nil {
			return err
		}
	}
	return p.Reload()
}

// writeFileAtomic writes data to a 0600 temporary file beside path, syncs it, renames it over
// path and syncs the folder, so path holds either the old or the new contents after a crash.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".kek-*")
	if err != nil {
		return fmt.Errorf("crypt: create KEK file: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("crypt: protect KEK file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("crypt: write KEK file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("crypt: sync KEK file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("crypt: close KEK file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("crypt: install KEK file: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("crypt: sync KEK folder: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("crypt: sync KEK folder: %w", err)
	}
	return nil
}

func wrapAD(id string, version int) []byte {
	return fmt.Appendf(nil, "%s\x00%s\x00%d", kekWrapLabel, id, version)
}
