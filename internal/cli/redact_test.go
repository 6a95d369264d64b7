package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRedactCommand(t *testing.T) {
	r := run(t, nil, "My NHS number is 943 476 5919 and my postcode is LE3 8RA\n", "redact")
	if r.code != 0 || r.stdout != "My NHS number is [NHS number] and my postcode is [postcode]\n" {
		t.Errorf("code %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	// The council's own number, declared in the policy, is kept.
	r = run(t, nil, "Call us on 0116 232 3232\n", "redact")
	if r.code != 0 || r.stdout != "Call us on 0116 232 3232\n" {
		t.Errorf("code %d stdout %q", r.code, r.stdout)
	}
	in := "Zoë: ring 07911 123456"
	r = run(t, nil, in, "redact", "--json")
	var out struct {
		Redacted string `json:"redacted"`
		Entities []struct {
			Type       string
			Start, End int
		} `json:"entities"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
		t.Fatalf("code %d %q: %v", r.code, r.stdout, err)
	}
	if out.Redacted != "Zoë: ring [phone number]" || len(out.Entities) != 1 || out.Entities[0].Type != "phone" ||
		in[out.Entities[0].Start:out.Entities[0].End] != "07911 123456" {
		t.Errorf("%+v", out)
	}
	if r := run(t, nil, "", "redact", "extra"); r.code != 2 {
		t.Errorf("extra argument: code %d", r.code)
	}
}

func TestRedactUsesConfiguredPolicy(t *testing.T) {
	dir := t.TempDir()
	pol := strings.Replace(string(defaultPolicy(t)), `      - "0116 232 3232"`, `      - "0116 232 3232"
      - "0116 496 0123"`, 1)
	path := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(path, []byte(pol), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, map[string]string{"FAIRLINE_POLICY": path}, "ring 0116 496 0123", "redact")
	if r.code != 0 || r.stdout != "ring 0116 496 0123" {
		t.Errorf("code %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := run(t, nil, "ring 0116 496 0123", "redact"); r.stdout != "ring [phone number]" {
		t.Errorf("default policy: %q", r.stdout)
	}
}

func TestBenchRedact(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "m.jsonl")
	os.WriteFile(file, []byte(`{"text": "My NHS number is 943 476 5919"}`+"\nplain line 0116 496 0123\n"), 0o600)
	r := run(t, nil, "", "bench", "redact", "--file", file, "--size", "100000", "--time", "10ms")
	if r.code != 0 {
		t.Fatalf("code %d stderr %s", r.code, r.stderr)
	}
	for _, want := range []string{"2 messages", "chat messages", "document", "naive regexp", "detector / naive regexp ="} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := run(t, nil, "", "bench"); r.code != 2 {
		t.Errorf("bench without subcommand: code %d", r.code)
	}
	if r := run(t, nil, "", "bench", "nonsense"); r.code != 2 {
		t.Errorf("unknown bench: code %d", r.code)
	}
}
