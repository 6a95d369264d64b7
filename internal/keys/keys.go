// Package keys holds Fairline's local secret material: one master secret kept
// in a key file outside the database, from which purpose-bound subkeys are
// derived with HKDF. Keeping the secret out of the database is what makes the
// audit chain tamper-evident against someone who can only edit tables.
package keys

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Purposes of derived keys. A new purpose gets a new constant: reusing one
// key for two jobs would let one job's outputs be replayed in the other.
const (
	PurposeAudit      = "fairline/audit-chain/v1"
	PurposeCSRF       = "fairline/csrf/v1"
	PurposeThrottle   = "fairline/login-throttle/v1"
	PurposeBlindIndex = "fairline/blind-index/v1"
	// PurposeRightsIdentifiers seals the identifiers of data-subject
	// requests (internal/rights).
	PurposeRightsIdentifiers = "fairline/rights-identifiers/v1"
)

const masterLen = 32

// Ring derives subkeys from the master secret.
type Ring struct {
	master []byte
}

type keyFile struct {
	Version int    `json:"version"`
	Master  string `json:"master"`
}

// New returns a ring over an existing master secret (tests, KMS providers).
func New(master []byte) (*Ring, error) {
	if len(master) != masterLen {
		return nil, fmt.Errorf("keys: master secret must be %d bytes, got %d", masterLen, len(master))
	}
	return &Ring{master: append([]byte(nil), master...)}, nil
}

// LoadOrCreate reads the key file at path, creating it with a fresh random
// secret (mode 0600, written then renamed so a crash never leaves half a key)
// when it does not exist.
func LoadOrCreate(path string) (*Ring, error) {
	r, err := Load(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return r, err
	}
	master := make([]byte, masterLen)
	if _, err := rand.Read(master); err != nil {
		return nil, fmt.Errorf("keys: generate master secret: %w", err)
	}
	data, _ := json.Marshal(keyFile{Version: 1, Master: base64.StdEncoding.EncodeToString(master)})
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("keys: create key folder: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".keys-*")
	if err != nil {
		return nil, fmt.Errorf("keys: create key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("keys: protect key file: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("keys: write key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("keys: sync key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("keys: close key file: %w", err)
	}
	// Link rather than rename: if another process created the file first,
	// keep theirs so both share one secret.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return Load(path)
		}
		return nil, fmt.Errorf("keys: install key file: %w", err)
	}
	return New(master)
}

// Load reads an existing key file.
func Load(path string) (*Ring, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keys: read key file: %w", err)
	}
	var kf keyFile
	if err := json.Unmarshal(data, &kf); err != nil {
		return nil, fmt.Errorf("keys: key file %s is not valid JSON: %w", path, err)
	}
	if kf.Version != 1 {
		return nil, fmt.Errorf("keys: key file %s has unsupported version %d", path, kf.Version)
	}
	master, err := base64.StdEncoding.DecodeString(kf.Master)
	if err != nil {
		return nil, fmt.Errorf("keys: key file %s: master is not base64: %w", path, err)
	}
	r, err := New(master)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return r, nil
}

// Key derives the 32-byte subkey for purpose.
func (r *Ring) Key(purpose string) []byte {
	k, err := hkdf.Key(sha256.New, r.master, nil, purpose, 32)
	if err != nil {
		// Only possible for absurd lengths; 32 bytes of SHA-256 never fails.
		panic(err)
	}
	return k
}
