package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
)

func TestDecodeErrorsNameTheProblem(t *testing.T) {
	type body struct {
		Message string `json:"message"`
	}
	cases := []struct {
		in, code, msg string
	}{
		{`{"message": "hi"}`, "", ""},
		{`{"message": "` + strings.Repeat("x", 100) + `"}`, "too_large", "larger than 64 bytes"},
		{`{"message": `, "bad_json", "request body"},
		{`{"message": 3}`, "bad_json", `field "message" must be string`},
		{`{"mesage": "hi"}`, "bad_json", `unknown field "mesage"`},
		{`{"message": "a"} {"message": "b"}`, "bad_json", "one JSON object"},
		{`nonsense`, "bad_json", "not valid JSON"},
	}
	for _, tc := range cases {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.in))
		var b body
		err := decode(r, 64, &b)
		if tc.code == "" {
			if err != nil || b.Message != "hi" {
				t.Errorf("%q: %v %+v", tc.in, err, b)
			}
			continue
		}
		var ae *Error
		if !errors.As(err, &ae) || ae.Code != tc.code || !strings.Contains(ae.Message, tc.msg) {
			t.Errorf("%q: got %v, want %s containing %q", tc.in, err, tc.code, tc.msg)
		}
	}
}

// TestServiceErrorsAnswerByKind: the services' errors answer with the status
// and code of their kind (internal/fail) whichever route lets them through,
// with their own code where they have one; a driver's message or any other
// fault never reaches the client.
func TestServiceErrorsAnswerByKind(t *testing.T) {
	cases := []struct {
		name       string
		err        error
		status     int
		code, msg  string
		retryAfter string
	}{
		{"service field", fail.Field("email", "enter an e-mail address like name@council.gov.uk"), 422, "invalid_email", "enter an e-mail address", ""},
		{"recording field", fmt.Errorf("ingest: %w", fail.Field("service_area", "service_area: is required")), 422, "invalid_service_area", "service_area: is required", ""},
		{"chat field", fail.Field("message", "Enter a question."), 422, "invalid_message", "Enter a question.", ""},
		{"digest mismatch", recording.ErrDigestMismatch, 422, "digest_mismatch", "does not match its sha256", ""},
		{"idempotency conflict", recording.ErrIdempotencyConflict.With("sha256 differ"), 409, "idempotency_conflict", "different metadata (sha256 differ)", ""},
		{"too large", recording.ErrTooLarge.With("512 MB"), 413, "too_large", "upload limit (512 MB)", ""},
		{"forbidden", recording.ErrForbidden, 403, "forbidden", "you may not open this recording", ""},
		{"unknown turn", chat.ErrUnknownTurn, 404, "unknown_turn", "answers are deleted after the retention period", ""},
		{"store not found", fmt.Errorf("store: find: %w", store.ErrNotFound), 404, "not_found", "not found", ""},
		{"store conflict", fmt.Errorf("store: add: %w: UNIQUE constraint failed", store.ErrConflict), 409, "conflict", "already exists", ""},
		{"busy", auth.ErrBusy, 429, "rate_limited", "Too many people", "1"},
		{"unavailable", fail.New(fail.Unavailable, "later"), 503, "unavailable", "later", ""},
		{"the API's own", Errorf(http.StatusBadRequest, "bad_json", "request body is not valid JSON"), 400, "bad_json", "not valid JSON", ""},
		{"fault", errors.New("open /var/lib/fairline/x: disk on fire"), 500, "internal", "internal error", ""},
	}
	s := &Server{Deps: Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			s.writeError(w, httptest.NewRequest(http.MethodPost, "/api/v1/x", nil), tc.err)
			var out struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
				t.Fatalf("%v: %s", err, w.Body)
			}
			if w.Code != tc.status || out.Error.Code != tc.code || !strings.Contains(out.Error.Message, tc.msg) ||
				w.Header().Get("Retry-After") != tc.retryAfter {
				t.Errorf("%d %q %q Retry-After %q; want %d %q containing %q, Retry-After %q", w.Code, out.Error.Code, out.Error.Message,
					w.Header().Get("Retry-After"), tc.status, tc.code, tc.msg, tc.retryAfter)
			}
			if strings.Contains(w.Body.String(), "UNIQUE") || strings.Contains(w.Body.String(), "/var/lib") {
				t.Errorf("internals reached the client: %s", w.Body)
			}
		})
	}
}
