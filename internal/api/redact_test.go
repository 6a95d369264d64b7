package api

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/policy"
)

// redactServer is the API with only what the redact route needs, behind a mux as in the web
// server; logs go to the returned buffer.
func redactServer(t *testing.T) (http.Handler, *bytes.Buffer) {
	t.Helper()
	logs := &bytes.Buffer{}
	pol := policy.Default()
	s, err := New(Deps{Policy: func() *policy.Policy { return pol }, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Register(mux)
	return mux, logs
}

func postRedact(h http.Handler, p *auth.Principal, contentType, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/api/v1/redact", strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	if p != nil {
		r = r.WithContext(auth.NewContext(r.Context(), p))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestRedactEndpoint(t *testing.T) {
	h, logs := redactServer(t)
	agent := &auth.Principal{UserID: 7, Role: auth.Agent, ServiceAreas: []string{"trading-standards"}}
	text := "My NHS number is 943 476 5919 and my postcode is LE3 8RA. Call us on 0116 232 3232."
	body, _ := json.Marshal(map[string]string{"text": text})
	w := postRedact(h, agent, "application/json", string(body))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var got struct {
		Redacted string `json:"redacted"`
		Entities []struct {
			Type       string `json:"type"`
			Start, End int
		} `json:"entities"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := "My NHS number is [NHS number] and my postcode is [postcode]. Call us on 0116 232 3232."
	if got.Redacted != want {
		t.Errorf("redacted %q, want %q", got.Redacted, want)
	}
	if len(got.Entities) != 2 || got.Entities[0].Type != "nhs_number" || text[got.Entities[0].Start:got.Entities[0].End] != "943 476 5919" ||
		got.Entities[1].Type != "postcode" || text[got.Entities[1].Start:got.Entities[1].End] != "LE3 8RA" {
		t.Errorf("entities %+v", got.Entities)
	}
	if strings.Contains(logs.String(), "943") || strings.Contains(logs.String(), "LE3") {
		t.Errorf("personal data in the logs: %s", logs)
	}

	// No personal data: entities is an empty list, not null.
	w = postRedact(h, agent, "application/json", `{"text": "When is the tip open?"}`)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"entities":[]`) {
		t.Errorf("status %d: %s", w.Code, w.Body)
	}
}

func TestRedactEndpointRefuses(t *testing.T) {
	h, logs := redactServer(t)
	staff := &auth.Principal{UserID: 1, Role: auth.Administrator}
	for _, tc := range []struct {
		name        string
		p           *auth.Principal
		contentType string
		body        string
		status      int
		code        string
	}{
		{"signed out", nil, "application/json", `{"text": "x"}`, http.StatusUnauthorized, "unauthenticated"},
		{"form post", staff, "application/x-www-form-urlencoded", "text=x", http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{"too large", staff, "application/json", `{"text": "` + strings.Repeat("a", MaxRedactBody) + `"}`, http.StatusRequestEntityTooLarge, "too_large"},
		{"unknown field", staff, "application/json", `{"txt": "my NHS number is 943 476 5919"}`, http.StatusBadRequest, "bad_json"},
		{"not an object", staff, "application/json", `"943 476 5919"`, http.StatusBadRequest, "bad_json"},
		{"bad json", staff, "application/json", `{"text": "943 476 5919`, http.StatusBadRequest, "bad_json"},
	} {
		w := postRedact(h, tc.p, tc.contentType, tc.body)
		if w.Code != tc.status || !strings.Contains(w.Body.String(), `"code":"`+tc.code+`"`) {
			t.Errorf("%s: status %d body %s, want %d %s", tc.name, w.Code, w.Body, tc.status, tc.code)
		}
		if strings.Contains(w.Body.String(), "943") {
			t.Errorf("%s: the error repeats the text: %s", tc.name, w.Body)
		}
	}
	if strings.Contains(logs.String(), "943") {
		t.Errorf("personal data in the logs: %s", logs)
	}
}
