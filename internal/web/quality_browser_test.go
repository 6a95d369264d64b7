package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/testutil/browser"
	"github.com/fairline/fairline/internal/testutil/scenario"
)

// TestBrowserQualityWalk walks issue 16 in headless Chromium with axe-core
// on every page: a team leader creates a scorecard, an assessor evaluates
// a call with comments on its waveform, the agent acknowledges, the team
// leader adds a clip to a training playlist and reads the report.
func TestBrowserQualityWalk(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("lead@example.gov.uk", auth.TeamLeader, "trading-standards")
	s.addUser("other@example.gov.uk", auth.TeamLeader, "adult-social-care")
	s.addUser("qa@example.gov.uk", auth.QualityAssessor, "trading-standards")
	s.addUser("agent@example.gov.uk", auth.Agent)
	s.addUser("admin@example.gov.uk", auth.Administrator)
	rec := s.addRecording("q1", "trading-standards") // answered by agent-3
	ctx := browser.NewTab(t)

	run := func(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
		browser.AssertNoViolations(t, ctx)
	}
	text := func(sel string) string {
		got, _ := chromedp.Run(ctx, chromedp.Text(sel))
		return got
	}
	signedIn := false
	signIn := func(t *testing.T, email string) {
		t.Helper()
		if signedIn {
			run(t, chromedp.Click(".app-account-bar__form button"), chromedp.WaitVisible("#email"))
		}
		run(t, chromedp.Navigate(s.srv.URL+"/sign-in"), chromedp.WaitVisible("#email"), chromedp.SendKeys("#email", email),
			chromedp.SendKeys("#password", testPassword), chromedp.Click("form button[type=submit]"), chromedp.WaitVisible(".app-account-bar"))
		signedIn = true
	}
	open := func(t *testing.T, path string) {
		t.Helper()
		run(t, chromedp.Navigate(s.srv.URL+path), chromedp.WaitVisible("main h1"))
	}

	scenario.Step(t, "an administrator links the agent to their telephony id", func(t *testing.T) {
		signIn(t, "admin@example.gov.uk")
		open(t, "/console/quality/agents")
		run(t, chromedp.SetValue("#user", "4"), chromedp.SendKeys("#agent_id", "agent-3"),
			chromedp.Click(`form[action="/console/quality/agents"] button`), chromedp.WaitVisible("main table code"))
		if got := text("main table"); !strings.Contains(got, "agent-3") {
			t.Errorf("agents table %q", got)
		}
	})
	scenario.Step(t, "the team leader creates a scorecard", func(t *testing.T) {
		signIn(t, "lead@example.gov.uk")
		open(t, "/console/quality")
		run(t, chromedp.Click(`a[href="/console/quality/scorecards/new"]`), chromedp.WaitVisible("#criteria"),
			chromedp.SendKeys("#name", "Trading standards calls"),
			chromedp.SetValue("#criteria", "20 | yesno | Greeted the caller\n30 | scale 1-5 | Understood the complaint\ncritical | Checked identity"),
			chromedp.Click("main form button[type=submit]"), chromedp.WaitVisible("main table"))
		if h := text("main h1"); h != "Trading standards calls" {
			t.Errorf("scorecard heading %q", h)
		}
	})
	scenario.Step(t, "the assessor opens the call for quality monitoring and evaluates it", func(t *testing.T) {
		signIn(t, "qa@example.gov.uk")
		open(t, "/console/recordings/"+rec.ID)
		run(t, chromedp.Click(`input[name=purpose][value="quality-monitoring"] + label`), chromedp.Click("main form button[type=submit]"),
			chromedp.WaitVisible(`form[action$="/evaluations"]`))
		// The waveform seeks the player.
		moved, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`new Promise((ok) => {
			const a = document.getElementById('player'), w = document.querySelector('.app-waveform__svg');
			const go = () => { const b = w.getBoundingClientRect();
				w.dispatchEvent(new MouseEvent('click', {clientX: b.left + b.width / 2, clientY: b.top + 5, bubbles: true}));
				a.pause(); ok(a.currentTime); };
			if (a.readyState >= 1) go(); else a.addEventListener('loadedmetadata', go);
		})`, chromedp.EvalAwaitPromise))
		if err != nil || moved < 2 || moved > 6 {
			t.Errorf("a click in the middle of the waveform seeks to %v s (%v)", moved, err)
		}
		run(t, chromedp.Click(`input[name=c1][value="yes"] + label`), chromedp.Click(`input[name=c2][value="3"] + label`),
			chromedp.Click(`input[name=c3][value="pass"] + label`), chromedp.SendKeys("#comments", "0:02 Clear greeting\n0:06 Rushed the close"),
			chromedp.Click(`form[action$="/evaluations"] button`), chromedp.WaitVisible(`main a[href^="/console/recordings/"]`))
		if h := text("main h1"); h != "Evaluation: 70%" { // (20 + 30×0.5) / 50
			t.Errorf("evaluation heading %q", h)
		}
		marks, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.app-waveform__svg line:not(.app-waveform__head)').length`))
		if marks != 2 {
			t.Errorf("%d comment marks on the waveform", marks)
		}
	})
	scenario.Step(t, "the agent reads it and acknowledges", func(t *testing.T) {
		signIn(t, "agent@example.gov.uk")
		open(t, "/console/quality")
		run(t, chromedp.Click(`main a[href^="/console/quality/evaluations/"]`), chromedp.WaitVisible(`input[name=answer]`))
		run(t, chromedp.Click(`input[name=answer][value="acknowledge"] + label`), chromedp.Click("main form button[type=submit]"),
			chromedp.WaitNotPresent(`input[name=answer]`), chromedp.WaitVisible("main h1"))
		if got := text("main"); !strings.Contains(got, "Acknowledged") || !strings.Contains(got, "Rushed the close") {
			t.Errorf("after acknowledging: %q", got)
		}
	})
	scenario.Step(t, "the team leader adds a clip to a training playlist and plays it", func(t *testing.T) {
		signIn(t, "lead@example.gov.uk")
		open(t, "/console/recordings/"+rec.ID)
		run(t, chromedp.SendKeys("#playlist", "Good greetings"), chromedp.SendKeys("#clip_start", "0:01"), chromedp.SendKeys("#clip_end", "0:04"),
			chromedp.SendKeys("#clip_reason", "A clear, friendly greeting"), chromedp.Click(`form[action$="/clips"] button`),
			chromedp.WaitVisible(`main a[href^="/console/quality/playlists/"]`))
		run(t, chromedp.Click(`main a[href^="/console/quality/playlists/"]`), chromedp.WaitVisible(".govuk-summary-card"))
		run(t, chromedp.Click(".govuk-summary-card form button"), chromedp.WaitReady("audio"))
		src, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('player').getAttribute('src')`))
		if !strings.Contains(src, "purpose=training") || !strings.HasSuffix(src, "#t=1,4") {
			t.Errorf("training player src %q", src)
		}
	})
	scenario.Step(t, "the team leader draws calls and starts a calibration session", func(t *testing.T) {
		open(t, "/console/quality")
		run(t, chromedp.SetValue("#per_agent", "x"), chromedp.Click(`form[action="/console/quality/draw"] button`),
			chromedp.WaitVisible(".govuk-error-summary"))
		run(t, chromedp.SetValue("#per_agent", "2"), chromedp.Click(`form[action="/console/quality/draw"] button`),
			chromedp.WaitVisible("main .govuk-inset-text"))
		open(t, "/console/recordings/"+rec.ID)
		run(t, chromedp.Click(`form[action$="/calibrations"] button`), chromedp.WaitVisible(`main a[href*="calibration="]`))
		if h := text("main h1"); !strings.HasPrefix(h, "Calibration session") {
			t.Errorf("calibration heading %q", h)
		}
	})
	scenario.Step(t, "the report shows the score", func(t *testing.T) {
		open(t, "/console/quality/report")
		if got := text("main"); !strings.Contains(got, "1 evaluations, average 70%") || !strings.Contains(got, "agent-3") {
			t.Errorf("report: %q", got)
		}
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('main svg rect').length`)); n == 0 {
			t.Error("no bars in the chart")
		}
	})
	scenario.Step(t, "another area's team leader cannot see these scores", func(t *testing.T) {
		other := s.signIn("other@example.gov.uk")
		status, body, _ := s.get(other, "/console/quality/report?service_area=trading-standards")
		if status != http.StatusUnprocessableEntity || strings.Contains(body, "70%") {
			t.Errorf("report for another area: %d", status)
		}
		if status, body, _ := s.get(other, "/console/quality/report.csv?service_area=trading-standards"); strings.Contains(body, "agent-3") {
			t.Errorf("CSV for another area: %d", status)
		}
		if status, _, _ := s.get(other, "/console/quality/evaluations/1"); status != http.StatusNotFound {
			t.Errorf("another area's evaluation: %d", status)
		}
		p := &auth.Principal{UserID: 2, Role: auth.TeamLeader, ServiceAreas: []string{"adult-social-care"}}
		if list, _ := s.app.Quality.Evaluations(context.Background(), p, ""); len(list) != 0 {
			t.Errorf("another area's team leader lists %d evaluations", len(list))
		}
	})
}
