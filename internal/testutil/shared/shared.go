// Package shared holds a server that every test of a test binary uses: started on first use,
// stopped when the tests have run. pgtest (PostgreSQL), s3test (versitygw) and browser
// (Chromium) are built on it.
//
//	var srv = shared.New("pgtest", errNoBinaries, start, stop)
//
//	func Main(m *testing.M) int { return srv.Main(m) }
//	func DSN(tb testing.TB) string { s := srv.Get(tb); ... }
package shared

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
)

// errStopped is what Get reports after Shutdown.
var errStopped = errors.New("the shared server was already stopped")

// Server is a lazily started server of type T.
type Server[T any] struct {
	name    string
	missing error
	start   func() (T, error)
	stop    func(T) error

	mu      sync.Mutex // held while starting, so concurrent tests wait for the one start
	tried   bool
	val     T
	err     error // start's error, or errStopped
	stopped bool
	stopErr error
}

// New returns a server that start starts (on the first Get) and stop stops (in Shutdown, only
// when start succeeded). name prefixes messages. When start's error is missing (errors.Is), the
// software is not installed: Get skips the test under -short and fails it otherwise.
func New[T any](name string, missing error, start func() (T, error), stop func(T) error) *Server[T] {
	return &Server[T]{name: name, missing: missing, start: start, stop: stop}
}

// Get returns the server, starting it on first use. It skips or fails tb when no server can be
// had.
func (s *Server[T]) Get(tb testing.TB) T {
	tb.Helper()
	s.mu.Lock()
	if !s.tried {
		s.tried = true
		s.val, s.err = s.start()
	}
	val, err := s.val, s.err
	s.mu.Unlock()
	if err != nil {
		if s.missing != nil && errors.Is(err, s.missing) && testing.Short() {
			tb.Skipf("%s: %v (skipped because of -short)", s.name, err)
		}
		tb.Fatalf("%s: %v", s.name, err)
	}
	return val
}

// Shutdown stops the server if it was started; a later Get fails. It is safe to call more
// than once.
func (s *Server[T]) Shutdown() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stopped {
		s.stopped = true
		if s.tried && s.err == nil {
			s.stopErr = s.stop(s.val)
		}
		s.tried, s.err = true, errStopped
	}
	return s.stopErr
}

// Main runs the tests and then Shutdown; a server that does not stop cleanly fails the run.
// Use it as: func TestMain(m *testing.M) { os.Exit(srv.Main(m)) }.
func (s *Server[T]) Main(m *testing.M) int {
	code := m.Run()
	if err := s.Shutdown(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", s.name, err)
		if code == 0 {
			code = 1
		}
	}
	return code
}
