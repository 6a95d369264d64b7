package keys

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestLoadOrCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "keys.json")
	r1, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", st.Mode().Perm())
	}
	r2, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r1.Key(PurposeAudit), r2.Key(PurposeAudit)) {
		t.Error("reloading the key file gave a different audit key")
	}
	if bytes.Equal(r1.Key(PurposeAudit), r1.Key(PurposeCSRF)) {
		t.Error("two purposes derived the same key")
	}
	other, err := LoadOrCreate(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(r1.Key(PurposeAudit), other.Key(PurposeAudit)) {
		t.Error("two fresh key files share a secret")
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	for name, content := range map[string]string{
		"not json":    "nope",
		"bad version": `{"version":2,"master":"AAAA"}`,
		"bad base64":  `{"version":1,"master":"***"}`,
		"short":       `{"version":1,"master":"AAAA"}`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keys.json")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := Load(path); err == nil {
				t.Fatal("Load accepted a broken key file")
			}
		})
	}
}
