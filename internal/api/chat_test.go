package api

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/kb"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/ratelimit"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

func chatServer(t *testing.T, db *store.DB, rate ratelimit.Rate) (http.Handler, *bytes.Buffer) {
	t.Helper()
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	pol, err := chat.WithDemoSource(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	svc := chat.New(db, audit.New(db, bytes.Repeat([]byte{1}, 32)), func() *policy.Policy { return pol }, chat.Options{Logger: log})
	if _, err := chat.ImportDemo(context.Background(), db, kb.New(db, kb.Options{Hooks: svc.Hooks(), Policy: func() *policy.Policy { return pol }})); err != nil {
		t.Fatal(err)
	}
	s, err := New(Deps{Policy: func() *policy.Policy { return pol }, Logger: log, Chat: svc, ChatLimiter: ratelimit.New(rate, ratelimit.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Register(mux)
	return mux, logs
}

func post(h http.Handler, path, contentType, body, remote string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	if remote != "" {
		r.RemoteAddr = remote
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func errCode(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("not a JSON error: %s", w.Body)
	}
	return e.Error.Code
}

func TestChatAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		h, logs := chatServer(t, db, ratelimit.DefaultChatRate)
		w := post(h, "/api/v1/chat", "application/json", `{"message":"How do I apply for a Blue Badge? My NHS number is 943 476 5919"}`, "")
		if w.Code != http.StatusOK {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		var resp map[string]any
		json.Unmarshal(w.Body.Bytes(), &resp)
		for _, k := range []string{"conversation_id", "turn_id", "answer", "sources", "service_area", "handoff", "redacted"} {
			if _, ok := resp[k]; !ok {
				t.Errorf("response lacks %q: %s", k, w.Body)
			}
		}
		if !strings.Contains(w.Body.String(), "apply-blue-badge") || strings.Contains(w.Body.String(), "476 5919") || strings.Contains(w.Body.String(), "4765919") {
			t.Errorf("response: %s", w.Body)
		}
		if got := w.Header().Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control %q", got)
		}
		conv, turn := resp["conversation_id"].(string), resp["turn_id"].(string)

		fb, _ := json.Marshal(map[string]any{"conversation_id": conv, "turn_id": turn, "helpful": true, "comment": "thanks"})
		if w := post(h, "/api/v1/chat/feedback", "application/json", string(fb), ""); w.Code != http.StatusOK {
			t.Errorf("feedback: %d %s", w.Code, w.Body)
		}
		unknown, _ := json.Marshal(map[string]any{"conversation_id": conv, "turn_id": strings.Repeat("0", 32), "helpful": false})
		if w := post(h, "/api/v1/chat/feedback", "application/json", string(unknown), ""); w.Code != http.StatusNotFound || errCode(t, w) != "unknown_turn" {
			t.Errorf("feedback for an unknown turn: %d %s", w.Code, w.Body)
		}

		for _, tc := range []struct {
			name, ct, body string
			status         int
			code           string
		}{
			{"too long", "application/json", `{"message":"` + strings.Repeat("a", chat.DefaultMaxMessage+1) + `"}`, 422, "invalid_message"},
			{"empty", "application/json", `{"message":"  "}`, 422, "invalid_message"},
			{"body too large", "application/json", `{"message":"` + strings.Repeat("a", chatBodyLimit) + `"}`, 413, "too_large"},
			{"bad JSON", "application/json", `{"message":`, 400, "bad_json"},
			{"unknown field", "application/json", `{"question":"hi"}`, 400, "bad_json"},
			{"not JSON", "application/x-www-form-urlencoded", `message=hi`, 415, "unsupported_media_type"},
			{"bad conversation id", "application/json", `{"message":"hi","conversation_id":"<script>"}`, 422, "invalid_conversation_id"},
		} {
			w := post(h, "/api/v1/chat", tc.ct, tc.body, "")
			if w.Code != tc.status || errCode(t, w) != tc.code {
				t.Errorf("%s: %d %s; want %d %s", tc.name, w.Code, w.Body, tc.status, tc.code)
			}
		}
		if strings.Contains(logs.String(), "476 5919") || strings.Contains(logs.String(), "4765919") {
			t.Errorf("logs hold personal data: %s", logs)
		}
	})
}

func TestChatRateLimit(t *testing.T) {
	db := dbtest.Open(t, store.SQLite)
	h, _ := chatServer(t, db, ratelimit.Rate{N: 5, Per: time.Minute})
	body := `{"message":"meals on wheels"}`
	for i := range 5 {
		if w := post(h, "/api/v1/chat", "application/json", body, "192.0.2.1:1234"); w.Code != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, w.Code, w.Body)
		}
	}
	w := post(h, "/api/v1/chat", "application/json", body, "192.0.2.1:1234")
	if w.Code != http.StatusTooManyRequests || errCode(t, w) != "rate_limited" || w.Header().Get("Retry-After") == "" {
		t.Fatalf("6th request: %d %v %s", w.Code, w.Header(), w.Body)
	}
	// Another client is not affected.
	if w := post(h, "/api/v1/chat", "application/json", body, "192.0.2.2:1234"); w.Code != http.StatusOK {
		t.Errorf("other client: %d", w.Code)
	}
}
