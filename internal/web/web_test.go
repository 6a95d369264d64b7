package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/store"
)

func TestCSRFRequired(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("admin@example.gov.uk", auth.Administrator)
	c := s.client()
	s.get(c, "/sign-in")
	for name, form := range map[string]url.Values{
		"missing": {"email": {"admin@example.gov.uk"}, "password": {testPassword}},
		"forged":  {"email": {"admin@example.gov.uk"}, "password": {testPassword}, "csrf_token": {"AAAA"}},
	} {
		resp := s.post(c, "/sign-in", form)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(readAll(resp), "The form has expired") {
			t.Errorf("%s token: sign-in status %d, want 403", name, resp.StatusCode)
		}
	}
	// A token from one signed-in session is refused in another.
	a := s.signIn("admin@example.gov.uk")
	b := s.signIn("admin@example.gov.uk")
	_, _, tokenA := s.get(a, "/console/users/new")
	resp := s.post(b, "/console/users/new", url.Values{"csrf_token": {tokenA}, "email": {"x@example.gov.uk"}, "role": {"agent"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-session token accepted: %d", resp.StatusCode)
	}
	if _, err := s.app.DB.Q().UserByEmail(context.Background(), "x@example.gov.uk"); err == nil {
		t.Error("user created with another session's CSRF token")
	}
	// A cross-site browser POST is refused even with a token.
	_, _, tokenB := s.get(b, "/console/users/new")
	req, _ := http.NewRequest("POST", s.srv.URL+"/console/users/new", strings.NewReader(url.Values{"csrf_token": {tokenB}, "email": {"y@example.gov.uk"}, "role": {"agent"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	cr, err := b.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	cr.Body.Close()
	if cr.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", cr.StatusCode)
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	for _, secure := range []bool{false, true} {
		s := newSite(t, siteOpts{secure: secure})
		s.addUser("a@example.gov.uk", auth.Agent)
		c := s.client()
		_, _, token := s.get(c, "/sign-in")
		resp := s.post(c, "/sign-in", url.Values{"csrf_token": {token}, "email": {"a@example.gov.uk"}, "password": {testPassword}})
		var sess *http.Cookie
		for _, ck := range resp.Cookies() {
			if strings.HasSuffix(ck.Name, "fairline_session") {
				sess = ck
			}
		}
		if sess == nil {
			t.Fatalf("secure=%v: no session cookie", secure)
		}
		if !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Secure != secure || sess.Path != "/" {
			t.Errorf("secure=%v: cookie %+v", secure, sess)
		}
		if secure && sess.Name != "__Host-fairline_session" {
			t.Errorf("secure cookie name %q", sess.Name)
		}
	}
}

func TestSignInErrorsAndLockOut(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("a@example.gov.uk", auth.Agent)
	c := s.client()
	_, _, token := s.get(c, "/sign-in")
	resp := s.post(c, "/sign-in", url.Values{"csrf_token": {token}, "email": {""}, "password": {"x"}})
	if body := readAll(resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#email">Enter your email address`) {
		t.Errorf("empty email: %d", resp.StatusCode)
	}
	var last *http.Response
	for i := 0; i < auth.FreeFailures; i++ {
		last = s.post(c, "/sign-in", url.Values{"csrf_token": {token}, "email": {"a@example.gov.uk"}, "password": {"wrong wrong wrong"}})
	}
	if body := readAll(last); last.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed attempts") ||
		last.Header.Get("Retry-After") != "30" {
		t.Errorf("after %d failures: %d, Retry-After %q", auth.FreeFailures, last.StatusCode, last.Header.Get("Retry-After"))
	}
	resp = s.post(c, "/sign-in", url.Values{"csrf_token": {token}, "email": {"a@example.gov.uk"}, "password": {testPassword}})
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("locked account signed in: %d", resp.StatusCode)
	}
	if strings.Contains(s.logs.String(), "a@example.gov.uk") {
		t.Errorf("logs contain an e-mail address:\n%s", s.logs.String())
	}
}

func TestSetupCreatesFirstAdministratorOnce(t *testing.T) {
	s := newSite(t, siteOpts{setup: true})
	c := s.client()
	if _, body, _ := s.get(c, "/setup?token=wrong"); !strings.Contains(body, "Set-up is closed") {
		t.Error("a wrong token opened set-up")
	}
	_, body, token := s.get(c, "/setup?token="+s.setup.Token())
	if !strings.Contains(body, "Create the first administrator") || !strings.Contains(body, `name="password"`) {
		t.Fatal("set-up form not shown for the right token")
	}
	resp := s.post(c, "/setup", url.Values{"csrf_token": {token}, "token": {s.setup.Token()}, "email": {"boss@example.gov.uk"}, "password": {"short"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("short password: %d", resp.StatusCode)
	}
	resp = s.post(c, "/setup", url.Values{"csrf_token": {token}, "token": {s.setup.Token()}, "email": {"boss@example.gov.uk"}, "password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console" {
		t.Fatalf("set-up: %d %s", resp.StatusCode, readAll(resp))
	}
	if status, body, _ := s.get(c, "/console/users"); status != 200 || !strings.Contains(body, "boss@example.gov.uk") {
		t.Errorf("new administrator cannot see users: %d", status)
	}
	c2 := s.client()
	_, _, token2 := s.get(c2, "/setup?token="+s.setup.Token())
	resp = s.post(c2, "/setup", url.Values{"csrf_token": {token2}, "token": {s.setup.Token()}, "email": {"evil@example.gov.uk"}, "password": {testPassword}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("second set-up: %d", resp.StatusCode)
	}
	if n, _ := s.app.DB.Q().CountUsers(context.Background()); n != 1 {
		t.Errorf("%d users after set-up, want 1", n)
	}
}

func TestAdministratorManagesUsers(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("admin@example.gov.uk", auth.Administrator)
	c := s.signIn("admin@example.gov.uk")
	_, _, token := s.get(c, "/console/users/new")
	resp := s.post(c, "/console/users/new", url.Values{"csrf_token": {token}, "email": {"lead@example.gov.uk"}, "role": {"team_leader"}})
	if body := readAll(resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "at least one service area") {
		t.Errorf("team leader without area: %d", resp.StatusCode)
	}
	resp = s.post(c, "/console/users/new", url.Values{"csrf_token": {token}, "email": {"lead@example.gov.uk"}, "role": {"team_leader"},
		"service_area": {"first-contact-plus"}})
	body := readAll(resp)
	m := regexpPassword.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("create: %d, no one-time password shown", resp.StatusCode)
	}
	// The new user must change the one-time password before anything else.
	lc := s.client()
	_, _, lt := s.get(lc, "/sign-in")
	resp = s.post(lc, "/sign-in", url.Values{"csrf_token": {lt}, "email": {"lead@example.gov.uk"}, "password": {m[1]}})
	if resp.Header.Get("Location") != "/console/account" {
		t.Errorf("first sign-in went to %q, want /console/account", resp.Header.Get("Location"))
	}
	if resp, err := lc.Get(s.srv.URL + "/console"); err != nil || resp.Header.Get("Location") != "/console/account" {
		t.Errorf("console reachable before the password change")
	}
	u, err := s.app.DB.Q().UserByEmail(context.Background(), "lead@example.gov.uk")
	if err != nil || u.Role != "team_leader" || len(u.ServiceAreas) != 1 {
		t.Fatalf("stored user %+v, %v", u, err)
	}
	// Disable the account.
	path := "/console/users/" + itoa(u.ID)
	_, _, token = s.get(c, path)
	resp = s.post(c, path, url.Values{"csrf_token": {token}, "role": {"team_leader"}, "service_area": {"first-contact-plus"}, "disabled": {"yes"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", resp.StatusCode, readAll(resp))
	}
	if resp, _ := lc.Get(s.srv.URL + "/console/account"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("disabled user still has a session: %d", resp.StatusCode)
	}
	entries, _ := s.app.Audit.Entries(context.Background(), store.AuditFilter{Action: "user."})
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, ","); got != "user.disable,user.create,user.create" {
		t.Errorf("audited user actions: %s", got)
	}
}

func TestNoticeFollowsPolicy(t *testing.T) {
	s := newSite(t, siteOpts{})
	c := s.client()
	_, body, _ := s.get(c, "/privacy/call-recording")
	for _, want := range []string{"Adult Social Care", "9 months", "First Contact Plus", "3 months", "Emergency Services", "outside of the UK"} {
		if !strings.Contains(body, want) {
			t.Errorf("call recording notice lacks %q", want)
		}
	}
	yml := strings.Replace(string(policy.DefaultYAML()), "months: 3", "months: 4", 1)
	if yml == string(policy.DefaultYAML()) {
		t.Fatal("test could not find the 3-month period to change")
	}
	p, err := policy.Parse("changed.yaml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	s.setPolicy(p)
	_, body, _ = s.get(c, "/privacy/call-recording")
	if !strings.Contains(body, "4 months") || strings.Contains(body, "3 months") {
		t.Error("notice page did not follow the changed retention period")
	}
	if status, _, _ := s.get(c, "/privacy/nonsense"); status != http.StatusNotFound {
		t.Errorf("unknown notice: %d", status)
	}
}

func TestSecurityHeadersAndOps(t *testing.T) {
	s := newSite(t, siteOpts{})
	resp, err := http.Get(s.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'self'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
	} {
		if !strings.Contains(resp.Header.Get(h), want) {
			t.Errorf("%s = %q", h, resp.Header.Get(h))
		}
	}
	c := s.client()
	if status, body, _ := s.get(c, "/readyz"); status != 200 || !strings.Contains(body, "ready") {
		t.Errorf("readyz: %d", status)
	}
	if status, _, _ := s.get(c, "/static/govuk/assets/fonts/bold-b542beb274-v2.woff2"); status != http.StatusNotFound {
		t.Errorf("GOV.UK typeface served to a council site: %d", status)
	}
	s.get(c, "/privacy/chatbot?email=resident@example.com")
	// Metrics are not on the public site; serve gives them a listener of
	// their own (metrics-listen).
	if status, _, _ := s.get(c, "/metrics"); status != http.StatusNotFound {
		t.Errorf("/metrics on the public site: %d, want 404", status)
	}
	ms := httptest.NewServer(s.web.MetricsHandler())
	defer ms.Close()
	mresp, err := http.Get(ms.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics := readAll(mresp)
	mresp.Body.Close()
	if !strings.Contains(metrics, `fairline_http_requests_total{code="200",route="GET /privacy/{system}"}`) {
		t.Errorf("metrics lack the request counter by route pattern")
	}
	if !strings.Contains(metrics, `fairline_http_requests_total{code="404",route="unrouted"}`) {
		t.Errorf("metrics lack the unrouted counter")
	}
	if mresp, err := http.Post(ms.URL+"/metrics", "text/plain", nil); err != nil || mresp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics: %v %v", mresp.StatusCode, err)
	}
	if strings.Contains(metrics, "resident@") {
		t.Error("metrics contain a query string")
	}
	s.app.DB.Close()
	// The write check is cached for a second.
	deadline := time.Now().Add(5 * time.Second)
	for status, _, _ := s.get(c, "/readyz"); status != http.StatusServiceUnavailable; status, _, _ = s.get(c, "/readyz") {
		if time.Now().After(deadline) {
			t.Fatalf("readyz with the database closed: %d", status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestIssueAndRevokeTokenInConsole(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("admin@example.gov.uk", auth.Administrator)
	c := s.signIn("admin@example.gov.uk")
	_, _, token := s.get(c, "/console/tokens")
	resp := s.post(c, "/console/tokens", url.Values{"csrf_token": {token}, "name": {"Contact centre telephony"}})
	if body := readAll(resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Choose at least one permission") {
		t.Errorf("no scope: %d", resp.StatusCode)
	}
	resp = s.post(c, "/console/tokens", url.Values{"csrf_token": {token}, "name": {"Contact centre telephony"}, "scope": {auth.ScopeRecordingsWrite}})
	m := regexpPassword.FindStringSubmatch(readAll(resp))
	if resp.StatusCode != 200 || m == nil || !strings.HasPrefix(m[1], auth.TokenPrefix) {
		t.Fatalf("issue: %d, secret shown: %v", resp.StatusCode, m)
	}
	if _, body, _ := s.get(c, "/console/tokens"); strings.Contains(body, m[1]) {
		t.Error("the token secret is shown again")
	}
	if _, err := s.app.Auth.AuthenticateToken(context.Background(), m[1]); err != nil {
		t.Fatalf("issued token does not authenticate: %v", err)
	}
	toks, err := s.app.DB.Q().APITokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	resp = s.post(c, "/console/tokens/"+itoa(toks[0].ID)+"/revoke", url.Values{"csrf_token": {token}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if _, err := s.app.Auth.AuthenticateToken(context.Background(), m[1]); err == nil {
		t.Error("revoked token still authenticates")
	}
}

// TestSignInNextStaysOnSite: the page to return to after signing in is
// honoured only when it is a path of this site, however it is disguised.
func TestSignInNextStaysOnSite(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("a@example.gov.uk", auth.Agent)
	for _, tc := range []struct{ name, next, want string }{
		{"a console page", "/console/account", "/console/account"},
		{"with a query", "/console/kb/page?url=https%3A%2F%2Fwww.example-council.gov.uk%2Fbins", "/console/kb/page?url=https%3A%2F%2Fwww.example-council.gov.uk%2Fbins"},
		{"none", "", "/console"},
		{"tab", "/\t/evil.example/phish", "/console"},
		{"newline", "/\n/evil.example/phish", "/console"},
		{"carriage return", "/\r/evil.example", "/console"},
		{"vertical tab", "/\v/evil.example", "/console"},
		{"NUL", "/\x00/evil.example", "/console"},
		{"C1 control", "/\u0085/evil.example", "/console"},
		{"backslash", "/\\evil.example", "/console"},
		{"two backslashes", "\\\\evil.example", "/console"},
		{"backslash then slash", "\\/evil.example", "/console"},
		{"slash backslash slash", "/\\/evil.example", "/console"},
		{"scheme-relative", "//evil.example/phish", "/console"},
		{"absolute", "https://evil.example/phish", "/console"},
		{"javascript", "javascript:alert(1)", "/console"},
		{"relative", "evil.example", "/console"},
		{"encoded slashes", "/%2F%2Fevil.example", "/console"},
		{"encoded slash after slash", "/%2f/evil.example", "/console"},
		{"encoded backslash", "/%5Cevil.example", "/console"},
		{"encoded tab", "/%09/evil.example", "/console"},
		{"user info", "//user@evil.example", "/console"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := s.client()
			_, _, token := s.get(c, "/sign-in?next="+url.QueryEscape(tc.next))
			resp := s.post(c, "/sign-in", url.Values{"csrf_token": {token}, "email": {"a@example.gov.uk"}, "password": {testPassword},
				"next": {tc.next}})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tc.want {
				t.Errorf("next %q: %d to %q, want %q", tc.next, resp.StatusCode, resp.Header.Get("Location"), tc.want)
			}
		})
	}
}

// TestWrongMethodIs405: a path that exists answers another method with 405
// and an Allow header naming the methods it takes, pages and API alike; a
// path that does not exist is 404, in the page's or the API's format.
func TestWrongMethodIs405(t *testing.T) {
	s := newSite(t, siteOpts{})
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
		body         string
	}{
		{"POST", "/privacy", 405, "GET, HEAD", "cannot be used that way"},
		{"DELETE", "/console", 405, "GET, HEAD", "cannot be used that way"},
		{"PUT", "/sign-in", 405, "GET, HEAD, POST", "cannot be used that way"},
		{"GET", "/sign-out", 405, "POST", "cannot be used that way"},
		{"POST", "/healthz", 405, "GET, HEAD", "cannot be used that way"},
		{"POST", "/static/app.css", 405, "GET, HEAD", "cannot be used that way"},
		{"GET", "/console/users/1/reset-password", 405, "POST", "cannot be used that way"},
		{"GET", "/api/v1/chat", 405, "OPTIONS, POST", `"code":"method_not_allowed"`},
		{"DELETE", "/api/v1/me", 405, "GET, HEAD", `"code":"method_not_allowed"`},
		{"GET", "/api/v1/redact", 405, "POST", `"code":"method_not_allowed"`},
		{"GET", "/nowhere", 404, "", "Page not found"},
		{"POST", "/nowhere", 404, "", "Page not found"},
		{"GET", "/api/v1/nothing", 404, "", `"code":"not_found"`},
		{"POST", "/api/v2", 404, "", `"code":"not_found"`},
	} {
		req, _ := http.NewRequest(tc.method, s.srv.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(resp)
		resp.Body.Close()
		if resp.StatusCode != tc.status || resp.Header.Get("Allow") != tc.allow || !strings.Contains(body, tc.body) {
			t.Errorf("%s %s: %d, Allow %q; want %d, Allow %q and a body with %q", tc.method, tc.path, resp.StatusCode,
				resp.Header.Get("Allow"), tc.status, tc.allow, tc.body)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: security headers missing", tc.method, tc.path)
		}
	}
}

// TestAccountPasswordCheckLocks: the current-password check on the account
// page locks after the allowance, like signing in, and says when to retry.
func TestAccountPasswordCheckLocks(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("a@example.gov.uk", auth.Agent)
	c := s.signIn("a@example.gov.uk")
	_, _, token := s.get(c, "/console/account")
	form := url.Values{"csrf_token": {token}, "current_password": {"not my password at all"}, "new_password": {"a brand new passphrase"}}
	for i := 1; i < auth.FreeFailures; i++ {
		if resp := s.post(c, "/console/account", form); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("wrong current password %d: %d", i, resp.StatusCode)
		}
	}
	resp := s.post(c, "/console/account", form)
	if body := readAll(resp); resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many wrong passwords") ||
		resp.Header.Get("Retry-After") == "" {
		t.Errorf("wrong current password %d: %d, Retry-After %q", auth.FreeFailures, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	form.Set("current_password", testPassword)
	if resp := s.post(c, "/console/account", form); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right current password during the lock: %d", resp.StatusCode)
	}
}
