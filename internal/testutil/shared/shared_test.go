package shared

import (
	"errors"
	"flag"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// recorder is a testing.TB that records Fatalf and Skipf instead of ending the test.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Skipf(format string, args ...any) {
	r.skip = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// get calls s.Get on a recorder, in a goroutine of its own as Fatalf and Skipf end it.
func get[T any](s *Server[T]) (T, *recorder) {
	r := &recorder{}
	var v T
	done := make(chan struct{})
	go func() {
		defer close(done)
		v = s.Get(r)
	}()
	<-done
	return v, r
}

func TestStartsOnceStopsOnce(t *testing.T) {
	var starts, stops atomic.Int32
	s := New("fake", nil, func() (int, error) { starts.Add(1); return 42, nil }, func(v int) error {
		if v != 42 {
			t.Errorf("stop got %d", v)
		}
		stops.Add(1)
		return nil
	})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if v, r := get(s); v != 42 || r.fatal != "" {
				t.Errorf("Get = %d, %q", v, r.fatal)
			}
		})
	}
	wg.Wait()
	if err := s.Shutdown(); err != nil {
		t.Fatal(err)
	}
	s.Shutdown()
	if starts.Load() != 1 || stops.Load() != 1 {
		t.Errorf("started %d and stopped %d times, want once each", starts.Load(), stops.Load())
	}
	if _, r := get(s); !strings.Contains(r.fatal, "fake: the shared server was already stopped") {
		t.Errorf("Get after Shutdown: %q", r.fatal)
	}
}

func TestFailuresAndMissingSoftware(t *testing.T) {
	missing := errors.New("not installed")
	for _, c := range []struct {
		name      string
		err       error
		short     bool
		wantFatal string
		wantSkip  string
	}{
		{"start fails", errors.New("port taken"), false, "db: port taken", ""},
		{"start fails under -short", errors.New("port taken"), true, "db: port taken", ""},
		{"missing", fmt.Errorf("look: %w", missing), false, "db: look: not installed", ""},
		{"missing under -short", fmt.Errorf("look: %w", missing), true, "", "db: look: not installed (skipped because of -short)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			short := flag.Lookup("test.short").Value.String()
			flag.Set("test.short", fmt.Sprint(c.short))
			defer flag.Set("test.short", short)
			stopped := false
			s := New("db", missing, func() (string, error) { return "", c.err }, func(string) error { stopped = true; return nil })
			if _, r := get(s); r.fatal != c.wantFatal || r.skip != c.wantSkip {
				t.Errorf("fatal %q, skip %q; want %q, %q", r.fatal, r.skip, c.wantFatal, c.wantSkip)
			}
			if err := s.Shutdown(); err != nil || stopped {
				t.Errorf("Shutdown after a failed start: %v, stop called %v", err, stopped)
			}
		})
	}
}

func TestShutdownWithoutStart(t *testing.T) {
	s := New("idle", nil, func() (int, error) { t.Error("started"); return 0, nil }, func(int) error { t.Error("stopped"); return nil })
	if err := s.Shutdown(); err != nil {
		t.Fatal(err)
	}
}

func TestShutdownReportsStopError(t *testing.T) {
	s := New("x", nil, func() (int, error) { return 1, nil }, func(int) error { return errors.New("pg_ctl stop: failed") })
	get(s)
	if err := s.Shutdown(); err == nil || err.Error() != "pg_ctl stop: failed" {
		t.Errorf("Shutdown = %v", err)
	}
}
