package cli

import (
	"bytes"
	"strconv"
	"sync"
	"testing"

	"github.com/fairline/fairline/internal/policy"
)

func defaultPolicy(t *testing.T) []byte { return policy.DefaultYAML() }

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
