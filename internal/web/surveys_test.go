package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/browser"
)

// surveyLink issues a live survey link of area and returns its path.
func (s *site) surveyLink(area string) string {
	s.t.Helper()
	l, err := s.app.Surveys.NewLinkForTests(context.Background(), area)
	if err != nil {
		s.t.Fatal(err)
	}
	u, err := url.Parse(l)
	if err != nil {
		s.t.Fatal(err)
	}
	return u.Path
}

func TestSurveyPage(t *testing.T) {
	s := newSite(t, siteOpts{})
	path := s.surveyLink("trading-standards")
	c := s.client()
	code, body, token := s.get(c, path)
	if code != http.StatusOK || !strings.Contains(body, "Trading Standards") || !strings.Contains(body, "Did we resolve your query?") {
		t.Fatalf("survey page: %d\n%s", code, body)
	}
	// An answer the page refuses comes back with the error beside its question.
	resp := s.post(c, path, url.Values{"csrf_token": {token}})
	if b := readAll(resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b, "Answer at least one question") || !strings.Contains(b, `href="#satisfaction"`) {
		t.Fatalf("empty answer: %d\n%s", resp.StatusCode, b)
	}
	resp = s.post(c, path, url.Values{"csrf_token": {token}, "satisfaction": {"5"}, "resolved": {"yes"}, "comment": {"Thanks"}})
	if b := readAll(resp); resp.StatusCode != http.StatusOK || !strings.Contains(b, "Thank you") {
		t.Fatalf("answer: %d\n%s", resp.StatusCode, b)
	}
	if code, _, _ := s.get(c, path); code != http.StatusGone {
		t.Errorf("a used link answers %d, want 410", code)
	}
	if resp := s.post(c, path, url.Values{"csrf_token": {token}, "satisfaction": {"1"}}); resp.StatusCode != http.StatusGone {
		t.Errorf("a used link took a second answer: %d", resp.StatusCode)
	}
	if code, _, _ := s.get(c, "/s/not-a-token"); code != http.StatusGone {
		t.Errorf("an unknown link answers %d, want 410", code)
	}

	// The results: the team leader of another area sees none of it; information governance all.
	s.addUser("tl@example.gov.uk", auth.TeamLeader, "adult-social-care")
	s.addUser("ig@example.gov.uk", auth.InformationGovernance)
	_, tl, _ := s.get(s.signIn("tl@example.gov.uk"), "/console/surveys")
	if strings.Contains(tl, "Trading Standards") {
		t.Errorf("a team leader of adult social care sees trading standards' results")
	}
	ig := s.signIn("ig@example.gov.uk")
	_, page, _ := s.get(ig, "/console/surveys")
	if !strings.Contains(page, "Trading Standards") || !strings.Contains(page, "<svg") || !strings.Contains(page, "100%") {
		t.Errorf("results page lacks the response:\n%s", page)
	}
	code, csvBody, _ := s.get(ig, "/console/surveys.csv")
	rows, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
	if code != http.StatusOK || err != nil || len(rows) != 2 {
		t.Fatalf("CSV: %d %v %q", code, err, csvBody)
	}
	if got := strings.Join(rows[1][1:], ","); got != "trading-standards,Trading Standards,1,1,0,0,0,0,0,1,0" {
		t.Errorf("CSV row %q", got)
	}
}

// The survey page in headless Chromium with axe-core, with GOV.UK Frontend's JavaScript and
// with JavaScript switched off: the same form works and has no violations either way. axe-core
// itself needs scripts, so without JavaScript each page is loaded and used with scripts off and
// scripts are switched on only to audit it (a page's skipped scripts do not run then).
func TestBrowserSurvey(t *testing.T) {
	s := newSite(t, siteOpts{})
	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "with JavaScript", false: "without JavaScript"}[js]
		t.Run(name, func(t *testing.T) {
			ctx := browser.NewTab(t)
			scripts := func(on bool) {
				t.Helper()
				if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on}); err != nil {
					t.Fatal(err)
				}
			}
			audit := func() {
				t.Helper()
				if !js {
					scripts(true)
					defer scripts(false)
				}
				browser.AssertNoViolations(t, ctx)
			}
			if !js {
				scripts(false)
			}
			path := s.surveyLink("adult-social-care")
			if err := chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+path), chromedp.WaitVisible("main h1")); err != nil {
				t.Fatal(err)
			}
			audit()
			// Submitting nothing shows the error summary, which GOV.UK Frontend focuses when it runs.
			if err := chromedp.Do(ctx, chromedp.Click("main form button[type=submit]"), chromedp.WaitVisible(".govuk-error-summary")); err != nil {
				t.Fatal(err)
			}
			focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.className`))
			if err != nil || strings.Contains(focused, "govuk-error-summary") != js {
				t.Errorf("focused %q (%v): GOV.UK Frontend's JavaScript should run %v", focused, err, js)
			}
			audit()
			if err := chromedp.Do(ctx,
				chromedp.Click(`label[for="satisfaction-4"]`),
				chromedp.Click(`label[for="resolved-no"]`),
				chromedp.SendKeys("#comment", "Hard to get through"),
				chromedp.Click("main form button[type=submit]"),
				chromedp.WaitVisible(".govuk-panel--confirmation")); err != nil {
				t.Fatal(err)
			}
			audit()
		})
	}
}

// Notify's delivery receipts: only with the callback's bearer token, and only the status is
// kept; the number in the receipt goes nowhere.
func TestNotifyCallback(t *testing.T) {
	s := newSite(t, siteOpts{app: app.Options{SurveyCallbackToken: "callback-secret-0123456789"}})
	ctx := context.Background()
	now := time.Now()
	if err := s.app.DB.Q().CreateSurveyRequest(ctx, store.SurveyRequest{Reference: "ref-1", ServiceArea: "trading-standards",
		DueAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	const number = "07700900123"
	receipt := func(ref string) string {
		return `{"id":"740e5834-3a29-46b4-9a6f-16142fde0b0f","reference":"` + ref + `","to":"` + number +
			`","status":"delivered","created_at":"2026-11-23T11:00:00.000000Z","notification_type":"sms"}`
	}
	cases := []struct {
		name, auth, body string
		want             int
	}{
		{"no token", "", receipt("ref-1"), http.StatusUnauthorized},
		{"wrong token", "Bearer not-the-secret", receipt("ref-1"), http.StatusUnauthorized},
		{"not a receipt", "Bearer callback-secret-0123456789", `{"to":"` + number + `"}`, http.StatusBadRequest},
		{"unknown reference", "Bearer callback-secret-0123456789", receipt("gone"), http.StatusNoContent},
		{"delivered", "Bearer callback-secret-0123456789", receipt("ref-1"), http.StatusNoContent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", s.srv.URL+"/api/v1/notify/callbacks", strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/json")
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(resp)
			resp.Body.Close()
			if resp.StatusCode != c.want || strings.Contains(body, number) {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, c.want, body)
			}
		})
	}
	r, err := s.app.DB.Q().SurveyRequest(ctx, "ref-1")
	if err != nil || r.DeliveryStatus != "delivered" {
		t.Errorf("request %+v, %v: want its status delivered", r, err)
	}
	if strings.Contains(s.logs.String(), number) || strings.Contains(s.logs.String(), "900123") {
		t.Errorf("the receipt's number reached the log")
	}
}
