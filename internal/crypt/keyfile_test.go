package crypt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func openKeyFile(t *testing.T) (*FileKeyProvider, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kek.json")
	p, err := OpenKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return p, path
}

func TestKeyFileCreate(t *testing.T) {
	t.Parallel()
	p, path := openKeyFile(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	if p.CurrentVersion() != "1" || strings.Join(p.Versions(), ",") != "1" {
		t.Errorf("new file: current %s, versions %v; want 1, [1]", p.CurrentVersion(), p.Versions())
	}
	if DefaultKEKPath("/var/lib/fairline/keys.json") != "/var/lib/fairline/kek.json" {
		t.Error("DefaultKEKPath is not beside the key file")
	}
	// Reopening keeps the keys: a key wrapped before opens after.
	ctx := context.Background()
	dk := mustKey(t)
	wk, err := p.Wrap(ctx, dk)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(wk.Ciphertext, dk) {
		t.Fatal("wrapped key contains the data key")
	}
	again, err := OpenKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := again.Unwrap(ctx, wk)
	if err != nil || !bytes.Equal(got, dk) {
		t.Fatalf("reopened file: Unwrap = %v, equal %v", err, bytes.Equal(got, dk))
	}
	// The file holds no stray temporary files.
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".kek-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestKeyFileRejectsBadFiles(t *testing.T) {
	t.Parallel()
	for name, content := range map[string]string{
		"not JSON":         "{",
		"wrong format":     `{"format":"other","id":"a","current":1,"keys":[{"version":1,"key":"` + strings.Repeat("A", 43) + `="}]}`,
		"no current key":   `{"format":"fairline-kek/v1","id":"a","current":2,"keys":[{"version":1,"key":"` + strings.Repeat("A", 43) + `="}]}`,
		"short key":        `{"format":"fairline-kek/v1","id":"a","current":1,"keys":[{"version":1,"key":"AAAA"}]}`,
		"repeated version": `{"format":"fairline-kek/v1","id":"a","current":1,"keys":[{"version":1,"key":"` + strings.Repeat("A", 43) + `="},{"version":1,"key":"` + strings.Repeat("A", 43) + `="}]}`,
		"missing id":       `{"format":"fairline-kek/v1","current":1,"keys":[{"version":1,"key":"` + strings.Repeat("A", 43) + `="}]}`,
	} {
		path := filepath.Join(t.TempDir(), "kek.json")
		os.WriteFile(path, []byte(content), 0o600)
		if _, err := OpenKeyFile(path); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), strings.Repeat("A", 20)) {
			t.Errorf("%s: error shows key material: %v", name, err)
		}
	}
}

func TestRotateRewrapRetire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, path := openKeyFile(t)
	dk := mustKey(t)
	old, err := p.Wrap(ctx, dk)
	if err != nil {
		t.Fatal(err)
	}
	if NeedsRewrap(p, old) {
		t.Fatal("a key wrapped under the current version needs rewrap")
	}
	v, err := p.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v != "2" || p.CurrentVersion() != "2" {
		t.Fatalf("Rotate = %s, current %s; want 2", v, p.CurrentVersion())
	}
	if !NeedsRewrap(p, old) {
		t.Fatal("a key wrapped under version 1 does not need rewrap after rotation")
	}
	if got, err := p.Unwrap(ctx, old); err != nil || !bytes.Equal(got, dk) {
		t.Fatalf("old wrapped key after rotation: %v", err)
	}
	// Rewrap moves the key, not the ciphertext: the data key is the same, so a stream encrypted
	// before still opens with the re-wrapped key.
	ct := encrypt(t, []byte("recorded before rotation"), dk, testAD, DefaultSegmentSize, 0)
	moved, err := Rewrap(ctx, p, old)
	if err != nil {
		t.Fatal(err)
	}
	if moved.Version != "2" || NeedsRewrap(p, moved) {
		t.Fatalf("rewrapped key has version %s", moved.Version)
	}
	// Another instance sharing the file learns about version 2 when it meets it.
	other, err := OpenKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Rotate(ctx); err != nil { // version 3, unknown to "other" until it reloads
		t.Fatal(err)
	}
	newest, err := p.Wrap(ctx, dk)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := other.Unwrap(ctx, newest); err != nil || !bytes.Equal(got, dk) {
		t.Fatalf("second instance cannot unwrap a key of a version rotated in after it loaded: %v", err)
	}

	if err := p.Retire(ctx, p.CurrentVersion()); err == nil {
		t.Fatal("retired the current version")
	}
	if err := p.Retire(ctx, "1"); err != nil {
		t.Fatal(err)
	}
	if err := p.Retire(ctx, "1"); err == nil {
		t.Fatal("retired version 1 twice")
	}
	if _, err := p.Unwrap(ctx, old); !errors.Is(err, ErrUnknownKEK) {
		t.Fatalf("key wrapped under a retired version: err = %v, want ErrUnknownKEK", err)
	}
	if _, err := other.Unwrap(ctx, old); !errors.Is(err, ErrUnknownKEK) {
		// other still holds version 1 in memory until it reloads; after a reload it must not.
		if err := other.Reload(); err != nil {
			t.Fatal(err)
		}
		if _, err := other.Unwrap(ctx, old); !errors.Is(err, ErrUnknownKEK) {
			t.Fatalf("second instance after reload: err = %v, want ErrUnknownKEK", err)
		}
	}
	got, err := p.Unwrap(ctx, moved)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := decryptAll(ct, got, testAD); err != nil || string(out) != "recorded before rotation" {
		t.Fatalf("ciphertext after rewrap and retire: %q, %v", out, err)
	}
	if strings.Join(p.Versions(), ",") != "2,3" {
		t.Fatalf("versions %v, want [2 3]", p.Versions())
	}
}

func TestUnwrapRejectsAlteredKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, _ := openKeyFile(t)
	q, _ := openKeyFile(t) // another installation
	p.Rotate(ctx)
	wk, err := p.Wrap(ctx, mustKey(t))
	if err != nil {
		t.Fatal(err)
	}
	flipped := wk
	flipped.Ciphertext = bytes.Clone(wk.Ciphertext)
	flipped.Ciphertext[20] ^= 1
	relabelled := wk
	relabelled.Version = "1"
	for _, tc := range []struct {
		name string
		p    *FileKeyProvider
		wk   WrappedKey
		want error
	}{
		{"flipped bit", p, flipped, ErrAuth},
		{"claims another version", p, relabelled, ErrAuth},
		{"short", p, WrappedKey{Provider: "file", KeyID: wk.KeyID, Version: "2", Ciphertext: []byte{1, 2}}, ErrAuth},
		{"other installation", q, wk, ErrUnknownKEK},
		{"other provider", p, WrappedKey{Provider: "aws-kms", KeyID: wk.KeyID, Version: "2", Ciphertext: wk.Ciphertext}, ErrUnknownKEK},
		{"unknown version", p, WrappedKey{Provider: "file", KeyID: wk.KeyID, Version: "9", Ciphertext: wk.Ciphertext}, ErrUnknownKEK},
		{"bad version", p, WrappedKey{Provider: "file", KeyID: wk.KeyID, Version: "x", Ciphertext: wk.Ciphertext}, ErrUnknownKEK},
	} {
		if _, err := tc.p.Unwrap(ctx, tc.wk); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := p.Wrap(ctx, make([]byte, 16)); err == nil {
		t.Error("wrapped a 16-byte data key")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.Wrap(cancelled, mustKey(t)); !errors.Is(err, context.Canceled) {
		t.Errorf("Wrap with a cancelled context: %v", err)
	}
}

func TestConcurrentRotationsKeepEveryVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, path := openKeyFile(t)
	var wg sync.WaitGroup
	for range 3 {
		p, err := OpenKeyFile(path) // separate instances: only the file lock serialises them
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			for range 4 {
				if _, err := p.Rotate(ctx); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	var f kekFile
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Keys) != 13 || f.Current != 13 {
		t.Fatalf("after 12 concurrent rotations: %d keys, current %d; want 13, 13", len(f.Keys), f.Current)
	}
}

func TestWrappedKeyText(t *testing.T) {
	t.Parallel()
	wk := WrappedKey{Provider: "file", KeyID: "0a1b", Version: "3", Ciphertext: []byte{0, 1, 2, 250}}
	text, err := wk.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	if string(text) != "fwk1:file:0a1b:3:AAEC-g" {
		t.Fatalf("MarshalText = %s", text)
	}
	back, err := ParseWrappedKey(string(text))
	if err != nil || back.Provider != wk.Provider || back.KeyID != wk.KeyID || back.Version != wk.Version || !bytes.Equal(back.Ciphertext, wk.Ciphertext) {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	if wk.String() != string(text) {
		t.Fatal("String differs from MarshalText")
	}
	for _, bad := range []string{"", "fwk1", "fwk2:file:a:1:AA", "fwk1:file:a:1", "fwk1:file:a:1:AA:x", "fwk1::a:1:AA",
		"fwk1:file:a:1:", "fwk1:file:a:1:AA==", "fwk1:file:a b:1:AA", "fwk1:file:a:1:!!"} {
		if _, err := ParseWrappedKey(bad); err == nil {
			t.Errorf("ParseWrappedKey(%q) accepted", bad)
		}
	}
	for _, bad := range []WrappedKey{{}, {Provider: "a:b", KeyID: "k", Version: "1", Ciphertext: []byte{1}}, {Provider: "a", KeyID: "k", Version: "1"}} {
		if _, err := bad.MarshalText(); err == nil {
			t.Errorf("MarshalText(%+v) accepted", bad)
		}
	}
}

// FuzzParseWrappedKey: wrapped keys come back from the database, which someone may have edited.
func FuzzParseWrappedKey(f *testing.F) {
	f.Add("fwk1:file:0a1b:3:AAEC-g")
	f.Add("fwk1:aws-kms:arn/x:v1:" + strings.Repeat("A", 80))
	f.Add("fwk1::::")
	f.Fuzz(func(t *testing.T, s string) {
		wk, err := ParseWrappedKey(s)
		if err != nil {
			return
		}
		text, err := wk.MarshalText()
		if err != nil {
			t.Fatalf("parsed %q but cannot marshal it: %v", s, err)
		}
		again, err := ParseWrappedKey(string(text))
		if err != nil || again.Provider != wk.Provider || again.KeyID != wk.KeyID || again.Version != wk.Version || !bytes.Equal(again.Ciphertext, wk.Ciphertext) {
			t.Fatalf("round trip of %q changed it", s)
		}
	})
}
