package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/policy"
)

// `policy init FILE` writes the embedded policy for a council to edit: the
// file validates and equals the embedded default; an existing file is
// left alone unless --force; nothing half-written or temporary is left.
func TestPolicyInit(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "policy.yaml")
	r := run(t, nil, "", "policy", "init", file)
	if r.code != 0 || !strings.Contains(r.stdout, "wrote the embedded default policy to "+file) {
		t.Fatalf("init: %+v", r)
	}
	got, err := os.ReadFile(file)
	if err != nil || !bytes.Equal(got, policy.DefaultYAML()) {
		t.Fatalf("written file differs from the embedded default (%v)", err)
	}
	if p, err := policy.Load(file); err != nil || p.Hash() != policy.Default().Hash() {
		t.Errorf("written file: %v", err)
	}
	if r := run(t, nil, "", "policy", "validate", file); r.code != 0 || !strings.Contains(r.stdout, file+": valid") {
		t.Errorf("validate: %+v", r)
	}

	// A council's edited file is not overwritten without --force.
	os.WriteFile(file, []byte("# our own policy\n"), 0o644)
	r = run(t, nil, "", "policy", "init", file)
	if r.code != 1 || !strings.Contains(r.stderr, file+" already exists; use --force to overwrite it") {
		t.Errorf("init over an existing file: %+v", r)
	}
	if b, _ := os.ReadFile(file); string(b) != "# our own policy\n" {
		t.Errorf("existing file changed to %q", b)
	}
	if r := run(t, nil, "", "policy", "init", "--force", file); r.code != 0 {
		t.Errorf("init --force: %+v", r)
	}
	if b, _ := os.ReadFile(file); !bytes.Equal(b, policy.DefaultYAML()) {
		t.Error("--force did not write the embedded default")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left in the folder: %v", entries)
	}
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"policy", "init"}, 2, "needs exactly one FILE"},
		{[]string{"policy", "init", "a.yaml", "b.yaml"}, 2, "needs exactly one FILE"},
		{[]string{"policy", "init", filepath.Join(dir, "missing", "p.yaml")}, 1, "no such file or directory"},
	} {
		if r := run(t, nil, "", tt.args...); r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: %+v", tt.args, r)
		}
	}
}

// `policy init --demo-council FILE` writes the embedded demo council's policy, which
// validates and is the one serve --demo runs under.
func TestPolicyInitDemo(t *testing.T) {
	file := filepath.Join(t.TempDir(), "demo.yaml")
	r := run(t, nil, "", "policy", "init", "--demo-council", file)
	if r.code != 0 || !strings.Contains(r.stdout, "wrote the embedded demo policy to "+file) {
		t.Fatalf("init --demo: %+v", r)
	}
	p, err := policy.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(file); !bytes.Equal(b, policy.DemoYAML()) || p.Organisation.Name != "Scarfolk Council" {
		t.Errorf("written file is not the embedded demo policy (organisation %q)", p.Organisation.Name)
	}
	if r := run(t, nil, "", "policy", "validate", file); r.code != 0 || !strings.Contains(r.stdout, file+": valid") {
		t.Errorf("validate: %+v", r)
	}
}
