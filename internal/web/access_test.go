package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/web"
)

// The access matrix, written out by hand: the route table must agree with
// it, route by route. "anon" is a signed-out visitor; "integration" is a
// machine client holding an API token.
var (
	everyone   = []string{"anon", "integration", "agent", "team_leader", "quality_assessor", "information_governance", "administrator", "auditor"}
	allStaff   = everyone[2:]
	wantAccess = map[string][]string{
		"GET /{$}":                                everyone,
		"GET /privacy":                            everyone,
		"GET /privacy/{system}":                   everyone,
		"GET /static/":                            everyone,
		"GET /healthz":                            everyone,
		"GET /readyz":                             everyone,
		"GET /ask":                                everyone,
		"GET /transparency":                       everyone,
		"POST /ask":                               everyone,
		"POST /ask/feedback":                      everyone,
		"GET /s/{token}":                          everyone,
		"POST /s/{token}":                         everyone,
		"GET /sign-in":                            everyone,
		"POST /sign-in":                           everyone,
		"GET /setup":                              everyone,
		"POST /setup":                             everyone,
		"POST /sign-out":                          allStaff,
		"GET /auth/oidc/start":                    everyone,
		"GET /auth/oidc/callback":                 everyone,
		"GET /console":                            allStaff,
		"GET /console/account":                    allStaff,
		"POST /console/account":                   allStaff,
		"GET /console/users":                      {"administrator"},
		"GET /console/users/new":                  {"administrator"},
		"POST /console/users/new":                 {"administrator"},
		"GET /console/users/{id}":                 {"administrator"},
		"POST /console/users/{id}":                {"administrator"},
		"POST /console/users/{id}/reset-password": {"administrator"},
		"GET /console/recordings":                 {"team_leader", "quality_assessor", "information_governance"},
		"POST /console/recordings/by-number":      {"information_governance"},
		"GET /console/recordings/{id}":            {"team_leader", "quality_assessor", "information_governance"},
		"POST /console/recordings/{id}/open":      {"team_leader", "quality_assessor", "information_governance"},
		"GET /console/recordings/{id}/audio":      {"team_leader", "quality_assessor", "information_governance"},
		"POST /console/recordings/{id}/holds":     {"information_governance"},
		"POST /console/recordings/{id}/holds/{hold}/release":            {"information_governance"},
		"POST /console/recordings/{id}/disclosures":                     {"information_governance"},
		"POST /console/recordings/{id}/legal-disclosures":               {"information_governance"},
		"POST /console/recordings/{id}/exemptions":                      {"information_governance"},
		"POST /console/recordings/{id}/exemptions/{exemption}/withdraw": {"information_governance"},
		"GET /console/disclosures":                                      {"information_governance", "auditor"},
		"GET /console/disclosures/required-by-law":                      {"information_governance", "auditor"},
		"POST /console/disclosures/required-by-law/{id}/{decision}":     {"information_governance"},
		"GET /disclosures/{token}":                                      everyone,
		"POST /disclosures/{token}":                                     everyone,
		"GET /console/rights":                                           {"information_governance", "auditor"},
		"GET /console/rights/new":                                       {"information_governance"},
		"POST /console/rights/new":                                      {"information_governance"},
		"GET /console/rights/{id}":                                      {"information_governance", "auditor"},
		"POST /console/rights/{id}/{action}":                            {"information_governance"},
		"GET /rights/{token}":                                           everyone,
		"POST /rights/{token}":                                          everyone,
		"GET /console/tokens":                                           {"administrator"},
		"POST /console/tokens":                                          {"administrator"},
		"POST /console/tokens/{id}/revoke":                              {"administrator"},
		"GET /console/policy":                                           {"administrator", "information_governance", "auditor"},
		"GET /console/policy/ropa":                                      {"administrator", "information_governance", "auditor"},
		"GET /console/policy/ropa.csv":                                  {"administrator", "information_governance", "auditor"},
		"GET /console/audit":                                            {"auditor", "information_governance"},
		"GET /console/promises":                                         {"auditor", "information_governance"},
		"POST /console/audit/verify":                                    {"auditor", "information_governance"},
		"GET /console/kb":                                               {"administrator", "information_governance"},
		"POST /console/kb/excluded":                                     {"administrator"},
		"POST /console/kb/excluded/delete":                              {"administrator"},
		"GET /console/kb/vocabulary":                                    {"administrator", "information_governance"},
		"GET /console/kb/page":                                          {"administrator", "information_governance"},
		"POST /console/kb/page/area":                                    {"administrator"},
		"POST /console/kb/vocabulary":                                   {"administrator"},
		"POST /console/kb/hints":                                        {"administrator"},
		"GET /console/kb/hints/{id}":                                    {"administrator"},
		"POST /console/kb/hints/{id}":                                   {"administrator"},
		"POST /console/kb/hints/{id}/delete":                            {"administrator"},
		"GET /console/reports":                                          {"administrator", "information_governance", "team_leader"},
		"GET /console/reports.csv":                                      {"administrator", "information_governance", "team_leader"},
		"GET /api/v1/me":                                                allStaff,
		"POST /api/v1/redact":                                           allStaff,
		"POST /api/v1/recordings":                                       {"integration"},
		"POST /api/v1/chat":                                             everyone,
		"POST /api/v1/chat/feedback":                                    everyone,
		"GET /console/surveys":                                          {"administrator", "information_governance", "team_leader"},
		"GET /console/surveys.csv":                                      {"administrator", "information_governance", "team_leader"},
		"POST /api/v1/calls":                                            {"integration"},
		"POST /api/v1/notify/callbacks":                                 everyone,
		"POST /console/recordings/{id}/evaluations":                     {"team_leader", "quality_assessor"},
		"POST /console/recordings/{id}/clips":                           {"team_leader"},
		"POST /console/recordings/{id}/calibrations":                    {"team_leader"},
		"GET /console/quality":                                          {"agent", "team_leader", "quality_assessor"},
		"GET /console/quality/scorecards/new":                           {"team_leader"},
		"POST /console/quality/scorecards/new":                          {"team_leader"},
		"GET /console/quality/scorecards/{id}":                          {"team_leader", "quality_assessor"},
		"POST /console/quality/scorecards/{id}":                         {"team_leader"},
		"GET /console/quality/evaluations/{id}":                         {"agent", "team_leader", "quality_assessor"},
		"POST /console/quality/evaluations/{id}/respond":                {"agent"},
		"POST /console/quality/draw":                                    {"team_leader"},
		"GET /console/quality/playlists/{id}":                           {"team_leader", "quality_assessor"},
		"POST /console/quality/clips/{id}/play":                         {"team_leader", "quality_assessor"},
		"GET /console/quality/clips/{id}/audio":                         {"team_leader", "quality_assessor"},
		"GET /console/quality/calibrations/{id}":                        {"team_leader", "quality_assessor"},
		"GET /console/quality/report":                                   {"team_leader"},
		"GET /console/quality/report.csv":                               {"team_leader"},
		"GET /console/quality/agents":                                   {"administrator"},
		"POST /console/quality/agents":                                  {"administrator"},
	}
)

// TestAccessMatrix walks every route with every role and a signed-out
// client, and checks exactly the expected set gets through.
func TestAccessMatrix(t *testing.T) {
	s := newSite(t, siteOpts{})
	// User 1 is the target of the /console/users/{id} routes.
	s.addUser("target@example.gov.uk", auth.Agent)
	for _, id := range allStaff {
		var areas []string
		if auth.Role(id).Scoped() {
			areas = []string{"trading-standards"}
		}
		s.addUser(id+"@example.gov.uk", auth.Role(id), areas...)
	}
	runAccessMatrix(t, s, func(who string) *http.Client { return s.signIn(who + "@example.gov.uk") })
}

// runAccessMatrix checks every route for every role, signing staff in with
// signIn (role → client); user 1 must exist to be the target of the user routes.
func runAccessMatrix(t *testing.T, s *site, signIn func(who string) *http.Client) {
	// Token 1 is the target of the revoke route; the integration client holds token 2.
	if _, _, err := s.app.Auth.IssueToken(context.Background(), "system", "to revoke", []string{auth.ScopeRecordingsWrite}); err != nil {
		t.Fatal(err)
	}
	_, tokenSecret, err := s.app.Auth.IssueToken(context.Background(), "system", "telephony", []string{auth.ScopeRecordingsWrite})
	if err != nil {
		t.Fatal(err)
	}
	routes := s.web.Routes()
	for _, rt := range s.api.Routes() {
		routes = append(routes, web.RouteInfo{Pattern: rt.Pattern, Sample: rt.Sample})
	}
	var seen []string
	for _, rt := range routes {
		seen = append(seen, rt.Pattern)
		allowed, ok := wantAccess[rt.Pattern]
		if !ok {
			t.Errorf("route %q is not in the access matrix: add it with the roles that may use it", rt.Pattern)
			continue
		}
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if rt.Sample != "" {
			path = rt.Sample
		}
		path = strings.TrimSuffix(path, "{$}")
		for _, who := range everyone {
			t.Run(rt.Pattern+"/"+who, func(t *testing.T) {
				c := s.client()
				switch who {
				case "anon":
				case "integration":
					c.Transport = bearer(tokenSecret)
				default:
					c = signIn(who)
				}
				var status int
				var body, location string
				if method == http.MethodGet {
					resp, err := c.Get(s.srv.URL + path)
					if err != nil {
						t.Fatal(err)
					}
					status, body, location = resp.StatusCode, readAll(resp), resp.Header.Get("Location")
					resp.Body.Close()
				} else {
					// A valid CSRF token for this client, so only access is tested.
					_, _, token := s.get(c, "/sign-in")
					if who != "anon" && who != "integration" {
						_, _, token = s.get(c, "/console/account")
					}
					var resp *http.Response
					if strings.HasPrefix(path, "/api/") {
						r, err := c.Post(s.srv.URL+path, "application/json", strings.NewReader("{}"))
						if err != nil {
							t.Fatal(err)
						}
						resp = r
						defer resp.Body.Close()
					} else {
						resp = s.post(c, path, url.Values{"csrf_token": {token}})
					}
					status, body, location = resp.StatusCode, readAll(resp), resp.Header.Get("Location")
				}
				denied := (status == http.StatusForbidden && strings.Contains(body, "You do not have access")) ||
					(status == http.StatusSeeOther && strings.HasPrefix(location, "/sign-in?next="))
				if strings.HasPrefix(path, "/api/") {
					denied = (status == http.StatusUnauthorized && strings.Contains(body, `"code":"unauthenticated"`)) ||
						(status == http.StatusForbidden && strings.Contains(body, `"code":"forbidden"`))
				}
				want := slices.Contains(allowed, who)
				if want && denied {
					t.Errorf("%s was refused %s %s (status %d)", who, method, path, status)
				}
				if !want && !denied {
					t.Errorf("%s was let through %s %s (status %d, location %q)", who, method, path, status, location)
				}
				if !want && who == "anon" && !strings.HasPrefix(path, "/api/") && status != http.StatusSeeOther {
					t.Errorf("signed-out visitor should be sent to sign in, got %d", status)
				}
			})
		}
	}
	var missing []string
	for p := range wantAccess {
		if !slices.Contains(seen, p) {
			missing = append(missing, p)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("the matrix lists routes the server does not have: %v", missing)
	}
}

// bearer sends an API token with every request.
type bearer string

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(b))
	return http.DefaultTransport.RoundTrip(r)
}
