package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/api"
	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/keys"
	"github.com/fairline/fairline/internal/testutil/apptest"
	"github.com/fairline/fairline/internal/testutil/scenario"
	"github.com/fairline/fairline/internal/web"
)

func newApp(t *testing.T) (*app.App, *httptest.Server) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	a := apptest.OpenDir(t, t.TempDir())
	apiSrv, err := api.New(api.Deps{Auth: a.Auth, Audit: a.Audit, Policy: a.Policy, Logger: log, Recordings: a.Recordings,
		Chat: a.Chat, WidgetOrigins: []string{"https://www.council.example"}})
	if err != nil {
		t.Fatal(err)
	}
	site, err := web.New(web.Deps{Auth: a.Auth, Audit: a.Audit, Policy: a.Policy, CSRFKey: a.Keys.Key(keys.PurposeCSRF),
		Logger: log, API: apiSrv})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(site.Handler())
	t.Cleanup(srv.Close)
	return a, srv
}

type upload struct {
	key   string
	meta  map[string]any
	audio []byte
	token string
}

func (u upload) do(t *testing.T, srv *httptest.Server) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mp, _ := mw.CreateFormField("metadata")
	json.NewEncoder(mp).Encode(u.meta)
	ap, _ := mw.CreateFormFile("audio", "call.wav")
	ap.Write(u.audio)
	mw.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/recordings", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if u.key != "" {
		req.Header.Set("Idempotency-Key", u.key)
	}
	if u.token != "" {
		req.Header.Set("Authorization", "Bearer "+u.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func errCode(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func errMessage(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

// newUpload is an upload of the µ-law test recording as call callID, with a
// token of its own that may upload.
func newUpload(t *testing.T, a *app.App, callID, direction, area, number string) upload {
	t.Helper()
	_, token, err := a.Auth.IssueToken(context.Background(), "system", "pbx", []string{auth.ScopeRecordingsWrite})
	if err != nil {
		t.Fatal(err)
	}
	audio, err := os.ReadFile("../../testdata/audio/speech-mulaw.wav")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(audio)
	meta := map[string]any{"external_call_id": callID, "direction": direction, "service_area": area,
		"agent_id": "a-12", "other_party_number": number, "started_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
		"duration_seconds": 8.1, "sha256": hex.EncodeToString(sum[:])}
	return upload{key: "pbx-" + callID, meta: meta, audio: audio, token: token}
}

func TestUploadRecording(t *testing.T) {
	a, srv := newApp(t)
	up := newUpload(t, a, "CALL-0001", "outbound", "children-and-family-services", "07911 123456")
	meta, audio := up.meta, up.audio

	var id any
	scenario.Step(t, "an upload is stored", func(t *testing.T) {
		status, out := up.do(t, srv)
		if status != http.StatusCreated || out["format"] != "wav/mulaw" || out["created"] != true {
			t.Fatalf("upload: %d %v", status, out)
		}
		id = out["id"]
	})
	scenario.Step(t, "a retry returns the first", func(t *testing.T) {
		if status, out := up.do(t, srv); status != http.StatusOK || out["id"] != id || out["created"] != false {
			t.Fatalf("retry: %d %v", status, out)
		}
	})
	scenario.Step(t, "refusals", func(t *testing.T) {
		corrupt := up
		corrupt.key = "pbx-CALL-0002"
		corrupt.audio = append([]byte{}, audio...)
		corrupt.audio[1000] ^= 0xFF
		unknown := up
		unknown.key = "pbx-CALL-0003"
		unknown.meta = maps.Clone(meta)
		unknown.meta["service_area"] = "parks-and-gardens"
		noKey := up
		noKey.key = ""
		anon := up
		anon.token = ""
		for _, c := range []struct {
			name       string
			up         upload
			wantStatus int
			wantCode   string // "" when the body is not checked
		}{
			{"corrupt", corrupt, http.StatusUnprocessableEntity, "digest_mismatch"},
			{"unknown area", unknown, http.StatusUnprocessableEntity, "invalid_service_area"},
			// The code is snake_case like every other field's.
			{"no idempotency key", noKey, http.StatusUnprocessableEntity, "invalid_idempotency_key"},
			{"no token", anon, http.StatusUnauthorized, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				status, out := c.up.do(t, srv)
				if status != c.wantStatus || (c.wantCode != "" && errCode(out) != c.wantCode) {
					t.Errorf("%d %v, want %d %s", status, out, c.wantStatus, c.wantCode)
				}
			})
		}
	})
	if n, err := a.DB.Q().Count(context.Background(), "recordings"); err != nil || n != 1 {
		t.Errorf("%d recordings stored (%v), want 1", n, err)
	}
}

// An Idempotency-Key reused with the same metadata returns the first
// recording; reused with any other metadata (another service area here) it
// is a 409 that says so without repeating the values.
func TestUploadKeyReusedWithOtherMetadata(t *testing.T) {
	a, srv := newApp(t)
	up := newUpload(t, a, "CALL-7", "inbound", "trading-standards", "07700 900789")
	meta := up.meta
	status, first := up.do(t, srv)
	if status != http.StatusCreated {
		t.Fatalf("upload: %d %v", status, first)
	}
	if status, out := up.do(t, srv); status != http.StatusOK || out["id"] != first["id"] {
		t.Errorf("same key, same metadata: %d %v", status, out)
	}
	other := up
	other.meta = map[string]any{}
	for k, v := range meta {
		other.meta[k] = v
	}
	other.meta["service_area"] = "adult-social-care"
	status, out := other.do(t, srv)
	msg := errMessage(out)
	if status != http.StatusConflict || errCode(out) != "idempotency_conflict" || !strings.Contains(msg, "different metadata") ||
		!strings.Contains(msg, "service_area") {
		t.Errorf("same key, another service area: %d %v", status, out)
	}
	for _, v := range []string{"adult-social-care", "trading-standards", "07700", "900789", "CALL-7"} {
		if strings.Contains(msg, v) {
			t.Errorf("the conflict message repeats %q: %s", v, msg)
		}
	}
	if n, err := a.DB.Q().Count(context.Background(), "recordings"); err != nil || n != 1 {
		t.Errorf("%d recordings stored (%v), want 1", n, err)
	}
}
