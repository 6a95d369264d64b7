package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

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

// inProcessServe is `fairline serve` run by Main in this test's process.
type inProcessServe struct {
	base     string
	out, err *syncWriter
	done     chan int // Main's exit code
}

// serveInProcess runs Main(ctx, "serve" ARGS) with FAIRLINE_* from env
// (and timeouts when not nil) and waits until it serves.
func serveInProcess(t *testing.T, ctx context.Context, env map[string]string, timeouts *ServeTimeouts, args ...string) *inProcessServe {
	t.Helper()
	s := &inProcessServe{out: &syncWriter{}, err: &syncWriter{}, done: make(chan int, 1)}
	ready := make(chan string, 1)
	e := &Env{Stdin: strings.NewReader(""), Stdout: s.out, Stderr: s.err, Getenv: func(k string) string { return env[k] },
		Ready: func(u string) { ready <- u }, Timeouts: timeouts}
	go func() { s.done <- Main(ctx, e, append([]string{"serve"}, args...)) }()
	select {
	case s.base = <-ready:
	case code := <-s.done:
		t.Fatalf("serve exited %d: %s", code, s.err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	return s
}

// terminate sends this process SIGTERM, as an operator would, and waits for
// serve to stop cleanly.
func (s *inProcessServe) terminate(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-s.done:
		if code != 0 {
			t.Errorf("serve exited %d after SIGTERM: %s", code, s.err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
}
