package web

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
)

// TestFailAnswersByKind: an error a handler returns is answered with the
// status of its kind from the table the JSON API uses (internal/fail), so
// every service's errors get the same page whatever handler lets them
// through, and only faults are logged.
func TestFailAnswersByKind(t *testing.T) {
	logs := &bytes.Buffer{}
	s, err := New(Deps{Policy: policy.Default, CSRFKey: bytes.Repeat([]byte{7}, 32), Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		err        error
		status     int
		want       string
		retryAfter string
		logged     bool
	}{
		{"page's own not found", errNotFound, 404, "Page not found", "", false},
		{"store not found", fmt.Errorf("load: %w", store.ErrNotFound), 404, "Page not found", "", false},
		{"recording forbidden", recording.ErrForbidden, 403, "You do not have access to this page", "", false},
		{"store conflict", fmt.Errorf("store: add: %w: UNIQUE constraint failed", store.ErrConflict), 409, "Already exists", "", false},
		{"set-up closed", auth.ErrSetupClosed, 409, "Set-up is closed", "", false},
		{"link busy", recording.ErrLinkBusy, 409, "being used by another download", "", false},
		{"invalid field", fail.Field("review_at", "the review date must be in the future"), 422, "The review date must be in the future", "", false},
		{"digest mismatch", recording.ErrDigestMismatch, 422, "does not match its sha256", "", false},
		{"too large", recording.ErrTooLarge.With("512 MB"), 413, "larger than the upload limit (512 MB)", "", false},
		{"unknown turn", chat.ErrUnknownTurn, 404, "Page not found", "", false},
		{"busy", auth.ErrBusy, 429, "Too many people are signing in", "1", false},
		{"unavailable", errNoKB, 503, "The knowledge base is not configured", "", false},
		{"page's own status", &statusError{http.StatusGone, "This download link has been used"}, 410, "This download link has been used", "", false},
		{"fault", errors.New("disk on fire"), 500, "Sorry, there is a problem with the service", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			logs.Reset()
			w := httptest.NewRecorder()
			s.fail(w, httptest.NewRequest(http.MethodGet, "/console/x", nil), tc.err)
			body := w.Body.String()
			if w.Code != tc.status || !strings.Contains(body, tc.want) || w.Header().Get("Retry-After") != tc.retryAfter {
				t.Errorf("status %d, Retry-After %q, want %d %q containing %q:\n%s", w.Code, w.Header().Get("Retry-After"),
					tc.status, tc.retryAfter, tc.want, body)
			}
			if logged := strings.Contains(logs.String(), "request failed"); logged != tc.logged {
				t.Errorf("logged %v, want %v: %s", logged, tc.logged, logs)
			}
			if strings.Contains(body, "UNIQUE") {
				t.Error("a driver's message reached the page")
			}
		})
	}
}
