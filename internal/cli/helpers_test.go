package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/fairline/fairline/internal/policy"
)

func defaultPolicy(t *testing.T) []byte { return policy.DefaultYAML() }

// testSources are the sites the CLI tests crawl and import: the local test
// servers (ports are ignored), the demo corpus and c.example.
var testSources = []string{"http://127.0.0.1", "https://demo.localgov.example", "https://c.example"}

// sourcesPolicy writes the default policy with urls added to the chatbot's
// sources, for FAIRLINE_POLICY.
func sourcesPolicy(t *testing.T, urls ...string) string {
	t.Helper()
	var srcs []policy.Source
	for _, u := range urls {
		srcs = append(srcs, policy.Source{Name: u, URL: u})
	}
	p, err := policy.Default().WithSources("test", "chatbot", srcs...)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(file, p.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func itoa(n int) string { return strconv.Itoa(n) }

type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
