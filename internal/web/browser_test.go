package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/testutil/browser"
)

// TestBrowserSignInAndAccessibility signs in through the real page in
// headless Chromium, then checks every console page and both public notices
// with axe-core: zero violations allowed.
func TestBrowserSignInAndAccessibility(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("ig@example.gov.uk", auth.InformationGovernance)
	s.addUser("admin@example.gov.uk", auth.Administrator)
	seedKB(t, s)
	ctx := browser.NewTab(t)

	check := func(path string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+path), chromedp.WaitVisible("main h1")); err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		browser.AssertNoViolations(t, ctx)
	}

	for _, p := range []string{"/", "/privacy", "/privacy/chatbot", "/privacy/call-recording", "/transparency"} {
		check(p)
	}

	// A failed sign-in shows an accessible error summary that takes focus.
	check("/sign-in")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys("#email", "ig@example.gov.uk"),
		chromedp.SendKeys("#password", "not the password"),
		chromedp.Click("form button[type=submit]"),
		chromedp.WaitVisible(".govuk-error-summary"),
	); err != nil {
		t.Fatal(err)
	}
	browser.AssertNoViolations(t, ctx)
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.className`))
	if err != nil || !strings.Contains(focused, "govuk-error-summary") {
		t.Errorf("error summary not focused (GOV.UK Frontend JavaScript not running?): %q %v", focused, err)
	}

	// Sign in for real.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys("#password", testPassword),
		chromedp.Click("form button[type=submit]"),
		chromedp.WaitVisible(".app-account-bar"),
	); err != nil {
		t.Fatal(err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text("main h1"))
	if err != nil || h1 != "Staff console" {
		t.Fatalf("after sign-in the page heading is %q (%v)", h1, err)
	}
	browser.AssertNoViolations(t, ctx)
	nav, _ := chromedp.Run(ctx, chromedp.Text(".govuk-service-navigation__list"))
	if !strings.Contains(nav, "Audit log") || !strings.Contains(nav, "Policy") || strings.Contains(nav, "Users") {
		t.Errorf("information governance navigation = %q", nav)
	}
	for _, p := range []string{"/console/policy", "/console/policy/ropa", "/console/audit", "/console/account", "/console/kb", "/console/kb/vocabulary", "/console/recordings", "/console/reports", "/console/promises", "/ask"} {
		check(p)
	}
	// Open a recording: purpose first, then the player, which plays.
	rec := s.addRecording("b1", "trading-standards")
	check("/console/recordings/" + rec.ID)
	if err := chromedp.Do(ctx, chromedp.Click(`input[name=purpose][value="quality-monitoring"] + label`), chromedp.Click("main form button[type=submit]"),
		chromedp.WaitReady("audio")); err != nil {
		t.Fatal(err)
	}
	browser.AssertNoViolations(t, ctx)
	duration, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`new Promise((ok, fail) => {
		const a = document.querySelector('audio');
		if (a.readyState >= 1) { ok(a.duration); return; }
		a.addEventListener('loadedmetadata', () => ok(a.duration));
		a.addEventListener('error', () => fail(new Error('audio error ' + (a.error && a.error.code))));
	})`, chromedp.EvalAwaitPromise))
	t.Logf("recording duration in the browser: %.1f s", duration)
	if err != nil || duration < 5 || duration > 12 {
		t.Errorf("the browser could not load the decrypted recording: duration %v, %v", duration, err)
	}
	// Verify the audit log from the page.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/console/audit"),
		chromedp.Click(`form[action="/console/audit/verify"] button`), chromedp.WaitVisible(".govuk-inset-text")); err != nil {
		t.Fatal(err)
	}
	verified, _ := chromedp.Run(ctx, chromedp.Text(".govuk-inset-text"))
	if !strings.Contains(verified, "entries are intact") {
		t.Errorf("verification result %q", verified)
	}
	browser.AssertNoViolations(t, ctx)

	// Sign out, then the administrator's pages, including a form in error.
	if err := chromedp.Do(ctx, chromedp.Click(".app-account-bar__form button"), chromedp.WaitVisible("#email"),
		chromedp.SendKeys("#email", "admin@example.gov.uk"), chromedp.SendKeys("#password", testPassword),
		chromedp.Click("form button[type=submit]"), chromedp.WaitVisible(".app-account-bar")); err != nil {
		t.Fatal(err)
	}
	check("/console")
	check("/console/users")
	check("/console/users/new")
	if err := chromedp.Do(ctx, chromedp.SendKeys("#email", "not-an-address"), chromedp.Click("main form button[type=submit]"),
		chromedp.WaitVisible(".govuk-error-summary")); err != nil {
		t.Fatal(err)
	}
	browser.AssertNoViolations(t, ctx)
	check("/console/users/1")
	// Knowledge base: an excluded path in error, then added.
	check("/console/kb")
	if err := chromedp.Do(ctx, chromedp.SendKeys("#prefix", "news"), chromedp.Click(`form[action="/console/kb/excluded"] button`),
		chromedp.WaitVisible(".govuk-error-summary")); err != nil {
		t.Fatal(err)
	}
	browser.AssertNoViolations(t, ctx)
	if err := chromedp.Do(ctx, chromedp.SetValue("#prefix", "/news"), chromedp.Click(`form[action="/console/kb/excluded"] button`),
		chromedp.WaitVisible(".govuk-notification-banner--success")); err != nil {
		t.Fatal(err)
	}
	browser.AssertNoViolations(t, ctx)
	// A page's service area, set by hand: the radios, then the saved page.
	check("/console/kb/page?url=https%3A%2F%2Fwww.example-council.gov.uk%2Fbins")
	if err := chromedp.Do(ctx, chromedp.Click(`input[name=area][value="trading-standards"] + label`),
		chromedp.Click(`form[action="/console/kb/page/area"] button`), chromedp.WaitVisible(".govuk-notification-banner--success")); err != nil {
		t.Fatal(err)
	}
	browser.AssertNoViolations(t, ctx)
	// Search vocabulary: a rule for an area outside the policy is refused against its box.
	check("/console/kb/vocabulary")
	if err := chromedp.Do(ctx, chromedp.SetValue("#area_rules", "housing: /housing | tenancy"),
		chromedp.Click(`form[action="/console/kb/vocabulary"] button`), chromedp.WaitVisible(".govuk-error-summary")); err != nil {
		t.Fatal(err)
	}
	if msg, _ := chromedp.Run(ctx, chromedp.Text("#area_rules-error")); !strings.Contains(msg, "not a service area of the policy") {
		t.Errorf("vocabulary error message %q", msg)
	}
	browser.AssertNoViolations(t, ctx)
	check("/console/tokens")
}

// walk is a browser tab that runs axe-core after every step of a walk
// through the site: zero violations allowed.
type walk struct {
	t   *testing.T
	ctx context.Context
}

func newWalk(t *testing.T) *walk { return &walk{t: t, ctx: browser.NewTab(t)} }

// do runs a step's actions, then axe-core on the page they leave.
func (w *walk) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	if err := chromedp.Do(w.ctx, actions...); err != nil {
		w.t.Fatalf("%s: %v", step, err)
	}
	browser.AssertNoViolations(w.t, w.ctx)
}

// text is the text of the first element sel matches.
func (w *walk) text(sel string) string {
	w.t.Helper()
	v, err := chromedp.Run(w.ctx, chromedp.Text(sel))
	if err != nil {
		w.t.Fatalf("read %s: %v", sel, err)
	}
	return v
}

// signIn signs email in through the sign-in page of s.
func (w *walk) signIn(s *site, email string) {
	w.t.Helper()
	w.do("sign in as "+email, chromedp.Navigate(s.srv.URL+"/sign-in"), chromedp.SendKeys("#email", email),
		chromedp.SendKeys("#password", testPassword), chromedp.Click("form button[type=submit]"), chromedp.WaitVisible(".app-account-bar"))
}
