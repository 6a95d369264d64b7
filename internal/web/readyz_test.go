package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// /readyz is 503 while the database refuses writes, though it still answers
// a ping: chat, sign-in and uploads would all fail. The database is made
// read-only with SQLite's query_only on the pool's only connection, which
// stops root too (tests run as root in CI, where file modes stop nothing).
func TestReadyzNeedsAWritableDatabase(t *testing.T) {
	s := newSite(t, siteOpts{})
	c := s.client()
	if status, body, _ := s.get(c, "/readyz"); status != http.StatusOK || !strings.Contains(body, "ready") {
		t.Fatalf("readyz on a writable database: %d %q", status, body)
	}
	dbtest.SetReadOnly(t, s.app.DB, true)
	if err := s.app.DB.Ping(context.Background()); err != nil {
		t.Fatalf("the read-only database should still answer a ping: %v", err)
	}
	status, body := waitReadyz(t, s, http.StatusServiceUnavailable)
	if !strings.Contains(body, "database not writable") {
		t.Errorf("readyz on a read-only database: %d %q", status, body)
	}
	if status, _, _ := s.get(c, "/healthz"); status != http.StatusOK {
		t.Errorf("healthz: %d (the process is up)", status)
	}
	dbtest.SetReadOnly(t, s.app.DB, false)
	waitReadyz(t, s, http.StatusOK)
}

// The write check is cached: polling /readyz as fast as possible rewrites
// the heartbeat row about once a second, not once a request.
func TestReadyzWritesAtMostOncePerSecond(t *testing.T) {
	s := newSite(t, siteOpts{})
	c := s.client()
	seen := map[time.Time]bool{}
	start := time.Now()
	for time.Since(start) < 500*time.Millisecond {
		if status, _, _ := s.get(c, "/readyz"); status != http.StatusOK {
			t.Fatalf("readyz: %d", status)
		}
		at, err := s.app.DB.LastWriteCheck(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		seen[at] = true
	}
	if len(seen) > 2 {
		t.Errorf("the heartbeat was written %d times in half a second", len(seen))
	}
}

// /readyz is 503 once the background job runner is gone.
func TestReadyzNeedsTheJobRunner(t *testing.T) {
	s := newSite(t, siteOpts{jobs: true})
	c := s.client()
	if status, body, _ := s.get(c, "/readyz"); status != http.StatusOK {
		t.Fatalf("readyz with the runner running: %d %q", status, body)
	}
	s.stopJobs()
	status, body, _ := s.get(c, "/readyz")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "background jobs not running") || strings.Contains(body, "database") {
		t.Errorf("readyz with the runner stopped: %d %q", status, body)
	}
}

// waitReadyz polls /readyz until it answers want (the write check is cached
// for a second) and returns the answer.
func waitReadyz(t *testing.T, s *site, want int) (int, string) {
	t.Helper()
	c := s.client()
	deadline := time.Now().Add(5 * time.Second)
	for {
		status, body, _ := s.get(c, "/readyz")
		if status == want {
			return status, body
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz: %d %q, want %d", status, body, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
