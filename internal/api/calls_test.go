package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/api"
	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/keys"
	"github.com/fairline/fairline/internal/notify"
	"github.com/fairline/fairline/internal/testutil/apptest"
	"github.com/fairline/fairline/internal/web"
)

// acceptAll stands in for GOV.UK Notify where only the sealing of numbers is under test: it
// accepts every message (nothing here sends).
type acceptAll struct{}

func (acceptAll) SendSMS(_ context.Context, m notify.SMS) (notify.Notification, error) {
	return notify.Notification{ID: "1", Reference: m.Reference}, nil
}

func (acceptAll) NotificationByReference(context.Context, string) (notify.Notification, bool, error) {
	return notify.Notification{}, false, nil
}

func TestReportCall(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	a := apptest.Open(t, apptest.Config(t.TempDir()), apptest.Options{App: app.Options{SurveySender: acceptAll{}}})
	apiSrv, err := api.New(api.Deps{Auth: a.Auth, Audit: a.Audit, Policy: a.Policy, Logger: log, Recordings: a.Recordings, Surveys: a.Surveys})
	if err != nil {
		t.Fatal(err)
	}
	site, err := web.New(web.Deps{Auth: a.Auth, Audit: a.Audit, Policy: a.Policy, CSRFKey: a.Keys.Key(keys.PurposeCSRF), Logger: log, API: apiSrv})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(site.Handler())
	t.Cleanup(srv.Close)
	_, token, err := a.Auth.IssueToken(context.Background(), "system", "pbx", []string{auth.ScopeRecordingsWrite})
	if err != nil {
		t.Fatal(err)
	}
	call := func(over map[string]any) map[string]any {
		m := map[string]any{"external_call_id": "c-1", "direction": "inbound", "service_area": "trading-standards",
			"agent_id": "a-12", "other_party_number": "07911 123456", "started_at": time.Now().Add(-10 * time.Minute).UTC().Format(time.RFC3339),
			"duration_seconds": 95.0}
		for k, v := range over {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name, key, token string
		body             map[string]any
		want             int
		wantCode         string
		wantRequests     int // survey requests after the case
	}{
		{"no token", "k-1", "", call(nil), http.StatusUnauthorized, "", 0},
		{"unknown area", "k-1", token, call(map[string]any{"service_area": "parks"}), http.StatusUnprocessableEntity, "invalid_service_area", 0},
		{"with a digest", "k-1", token, call(map[string]any{"sha256": strings.Repeat("a", 64)}), http.StatusUnprocessableEntity, "invalid_sha256", 0},
		{"not a number", "k-1", token, call(map[string]any{"other_party_number": "call me"}), http.StatusUnprocessableEntity, "invalid_other_party_number", 0},
		{"reported", "k-1", token, call(nil), http.StatusAccepted, "", 1},
		{"retried", "k-1", token, call(nil), http.StatusOK, "", 1},
		{"another call", "k-2", token, call(map[string]any{"external_call_id": "c-2"}), http.StatusAccepted, "", 2},
		{"withheld number", "k-3", token, call(map[string]any{"external_call_id": "c-3", "other_party_number": ""}), http.StatusAccepted, "", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body, _ := json.Marshal(c.body)
			req, _ := http.NewRequest("POST", srv.URL+"/api/v1/calls", strings.NewReader(string(body)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", c.key)
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]any
			json.NewDecoder(resp.Body).Decode(&out)
			if resp.StatusCode != c.want || (c.wantCode != "" && errCode(out) != c.wantCode) {
				t.Errorf("status %d %v, want %d %s", resp.StatusCode, out, c.want, c.wantCode)
			}
			rs, err := a.DB.Q().AllSurveyRequests(context.Background())
			if err != nil || len(rs) != c.wantRequests {
				t.Errorf("%d survey requests (%v), want %d", len(rs), err, c.wantRequests)
			}
		})
	}
	if n, _ := a.DB.Q().Count(context.Background(), "recordings"); n != 0 {
		t.Errorf("a call event stored %d recordings", n)
	}
}
