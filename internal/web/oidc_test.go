package web_test

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/config"
	"github.com/fairline/fairline/internal/oidc/oidctest"
	"github.com/fairline/fairline/internal/testutil/browser"
)

const oidcTenant = "11111111-2222-3333-4444-555555555555"

// oidcSite is a site whose staff sign in through a real OpenID provider
// running locally; each role has an Entra-style group "g-ROLE", mapped in
// the configuration's mapping file.
type oidcSite struct {
	*site
	p *oidctest.Provider
}

func newOIDCSite(t *testing.T, adjust func(*config.Config)) *oidcSite {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	redirect := "http://" + ln.Addr().String() + "/auth/oidc/callback"
	p := oidctest.Start(t, redirect)
	var rules strings.Builder
	rules.WriteString("claim: groups\nrules:\n")
	for _, who := range allStaff {
		fmt.Fprintf(&rules, "  - value: g-%s\n    role: %s\n", who, who)
		if auth.Role(who).Scoped() {
			rules.WriteString("    service_areas: [trading-standards]\n")
		}
	}
	mapping := filepath.Join(t.TempDir(), "mapping.yaml")
	if err := os.WriteFile(mapping, []byte(rules.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	s := newSite(t, siteOpts{listener: ln, cfg: func(c *config.Config) {
		c.BaseURL = "http://" + ln.Addr().String()
		c.OIDCIssuer, c.OIDCClientID, c.OIDCClientSecret = p.URL, p.ClientID, p.ClientSecret
		c.OIDCTenantID, c.OIDCRedirectURL, c.OIDCMapping, c.OIDCProcessor = oidcTenant, redirect, mapping, "microsoft-entra"
		if adjust != nil {
			adjust(c)
		}
	}})
	return &oidcSite{site: s, p: p}
}

// addOIDCUser puts a person with the group of role into the provider's directory.
func (s *oidcSite) addOIDCUser(oid, email string, groups ...string) {
	s.p.AddUser(oidctest.User{ObjectID: oid, TenantID: oidcTenant, Email: email, Name: "Test " + oid, Groups: groups})
}

// signInOIDC signs in through the provider as a browser would: Fairline's
// start, the provider's page, back to the callback. It returns the client
// and the callback's response.
func (s *oidcSite) signInOIDC(oid, next string) (*http.Client, *http.Response) {
	s.t.Helper()
	c := s.client()
	res, err := c.Get(s.srv.URL + "/auth/oidc/start?next=" + url.QueryEscape(next))
	if err != nil {
		s.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("start: %s", res.Status)
	}
	back, err := s.p.Authorize(res.Header.Get("Location"), oid)
	if err != nil {
		s.t.Fatal(err)
	}
	res, err = c.Get(back.String())
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { res.Body.Close() })
	return c, res
}

func TestOIDCSignIn(t *testing.T) {
	s := newOIDCSite(t, nil)
	s.addOIDCUser("oid-ann", "ann@example.gov.uk", "g-information_governance")
	_, body, _ := s.get(s.client(), "/sign-in")
	if !strings.Contains(body, "Sign in with Microsoft") || !strings.Contains(body, `id="password"`) {
		t.Fatal("the sign-in page should offer Microsoft and, with password sign-in on, the password form")
	}
	c, res := s.signInOIDC("oid-ann", "/console/audit")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/audit" {
		t.Fatalf("callback: %s to %q: %s", res.Status, res.Header.Get("Location"), readAll(res))
	}
	status, body, token := s.get(c, "/console/audit")
	if status != http.StatusOK || !strings.Contains(body, "auth.sign_in") {
		t.Fatalf("after sign-in /console/audit: %d", status)
	}
	// The account page has no password form: Microsoft manages it.
	_, body, token = s.get(c, "/console/account")
	if !strings.Contains(body, `id="managed-by-provider"`) || strings.Contains(body, `id="current_password"`) {
		t.Error("the account page of a Microsoft account offers a password change")
	}
	res = s.post(c, "/console/account", url.Values{"csrf_token": {token}, "current_password": {""}, "new_password": {"a brand new passphrase"}})
	if b := readAll(res); !strings.Contains(b, "no password here") {
		t.Errorf("a password change for a Microsoft account was not refused: %s", res.Status)
	}
	// Sign-out offers the provider's end-session endpoint.
	res = s.post(c, "/sign-out", url.Values{"csrf_token": {token}})
	loc := res.Header.Get("Location")
	_, body, _ = s.get(c, loc)
	if !strings.Contains(body, "You have signed out of Fairline") || !strings.Contains(body, s.p.URL+"/end_session") {
		t.Errorf("signed-out page (%s) does not offer the provider's end-session endpoint", loc)
	}
	if status, _, _ := s.get(c, "/console"); status != http.StatusSeeOther {
		t.Errorf("after sign-out /console gave %d", status)
	}
	if strings.Contains(s.logs.String(), "ann@example.gov.uk") {
		t.Error("the log names the person who signed in")
	}
}

func TestOIDCRefusalPages(t *testing.T) {
	s := newOIDCSite(t, nil)
	s.addOIDCUser("oid-bob", "bob@example.gov.uk", "g-unrelated")
	s.addOIDCUser("oid-cat", "cat@example.gov.uk", "g-agent")
	_, res := s.signInOIDC("oid-bob", "/console")
	body := readAll(res)
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "not in a group that gives access") {
		t.Errorf("unmapped user: %s %q", res.Status, body)
	}
	// Replayed state: the same callback twice.
	c := s.client()
	start, _ := c.Get(s.srv.URL + "/auth/oidc/start")
	start.Body.Close()
	back, err := s.p.Authorize(start.Header.Get("Location"), "oid-cat")
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{http.StatusSeeOther, http.StatusForbidden} {
		res, err := s.client().Get(back.String())
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(res)
		res.Body.Close()
		if res.StatusCode != want || (i == 1 && !strings.Contains(body, "expired or has been used already")) {
			t.Errorf("callback %d: %s, want %d", i+1, res.Status, want)
		}
	}
	if strings.Contains(s.logs.String(), "bob@example.gov.uk") || strings.Contains(s.logs.String(), "cat@example.gov.uk") {
		t.Error("the log names a person")
	}
}

// With password sign-in off, only the break-glass administrator may use a password.
func TestPasswordSignInOff(t *testing.T) {
	s := newOIDCSite(t, func(c *config.Config) { c.PasswordSignIn, c.BreakGlassAdmin = false, "it@example.gov.uk" })
	s.addUser("it@example.gov.uk", auth.Administrator)
	s.addUser("agent@example.gov.uk", auth.Agent)
	_, body, token := s.get(s.client(), "/sign-in")
	if !strings.Contains(body, "Emergency administrator sign-in") || !strings.Contains(body, "<details") {
		t.Error("the password form should be folded away for the break-glass administrator")
	}
	res := s.post(s.client(), "/sign-in", url.Values{"csrf_token": {token}, "email": {"agent@example.gov.uk"}, "password": {testPassword}})
	if res.StatusCode == http.StatusSeeOther {
		t.Error("an agent signed in with a password while password sign-in is off")
	}
	s.signIn("it@example.gov.uk") // fails the test unless it works
}

// TestOIDCAccessMatrix runs the route × role matrix with accounts the
// provider's groups provisioned at their first sign-in.
func TestOIDCAccessMatrix(t *testing.T) {
	s := newOIDCSite(t, nil)
	// User 1 is the target of the /console/users/{id} routes.
	s.addUser("target@example.gov.uk", auth.Agent)
	for _, who := range allStaff {
		s.addOIDCUser("oid-"+who, who+"@example.gov.uk", "g-"+who)
	}
	runAccessMatrix(t, s.site, func(who string) *http.Client {
		c, res := s.signInOIDC("oid-"+who, "/console")
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in %s: %s", who, res.Status)
		}
		return c
	})
}

// TestOIDCBrowserSignIn signs in through the real redirect in headless
// Chromium: Fairline's page, the provider's page, back to the console,
// with axe-core on Fairline's pages.
func TestOIDCBrowserSignIn(t *testing.T) {
	s := newOIDCSite(t, nil)
	s.addOIDCUser("oid-ig", "ig@example.gov.uk", "g-information_governance")
	ctx := browser.NewTab(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/sign-in"), chromedp.WaitVisible("#sign-in-microsoft")); err != nil {
		t.Fatal(err)
	}
	browser.AssertNoViolations(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Click("#sign-in-microsoft"), chromedp.WaitVisible("#signin"),
		chromedp.Click("#signin"), chromedp.WaitVisible(".app-account-bar")); err != nil {
		t.Fatal(err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text("main h1"))
	if err != nil || h1 != "Staff console" {
		t.Fatalf("after sign-in the page heading is %q (%v)", h1, err)
	}
	browser.AssertNoViolations(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Click(".app-account-bar__form button"), chromedp.WaitVisible("#end-session")); err != nil {
		t.Fatal(err)
	}
	browser.AssertNoViolations(t, ctx)
}
