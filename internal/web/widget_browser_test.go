package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/testutil/browser"
)

// councilPage is a council's own page, not GOV.UK-styled, that embeds the
// widget with the one script tag the council is given. It is served with a
// CSP as strict as Fairline's own, so the widget must not need inline
// scripts or styles.
const councilPage = `<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><title>%[1]s – Example Council</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script src="%[2]s/static/widget.js" defer></script>
</head>
<body>
<header><a href="/council/">Example Council</a></header>
<main>
<h1>%[1]s</h1>
<p>%[3]s</p>
<p><a href="/council/contact">Contact us</a></p>
</main>
<footer><p>Example Council</p></footer>
</body>
</html>`

const councilCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'"

// councilSite serves the council's pages under /council/ and Fairline at
// every other path of the same origin, at http://localhost:PORT so that
// the cookie jar is not shared with tests that use 127.0.0.1.
func councilSite(t *testing.T, fairline http.Handler, pages map[string][2]string) string {
	t.Helper()
	var base string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /council/{path...}", func(w http.ResponseWriter, r *http.Request) {
		p, ok := pages["/council/"+r.PathValue("path")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Security-Policy", councilCSP)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, councilPage, p[0], base, p[1])
	})
	// The browser asks the page's origin for an icon; on a real council
	// site that is the council's, not Fairline's (whose error page would
	// set its CSRF cookie).
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.Handle("/", fairline)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	base = strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	return base
}

// TestBrowserChatWidget embeds the widget in a council page and uses it
// with the keyboard only, as a resident would, then checks the /ask page
// and the reports with axe-core.
func TestBrowserChatWidget(t *testing.T) {
	s := newSite(t, siteOpts{})
	base := councilSite(t, s.web.Handler(), map[string][2]string{
		"/council/":          {"Welcome", "Find out about council services."},
		"/council/libraries": {"Libraries", "Borrow books, e-books and audiobooks for free."},
	})
	seedChatKB(t, s, base)
	ctx := browser.NewTab(t)
	eval := evaluator(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/council/"), chromedp.WaitVisible(".fl-launcher")); err != nil {
		t.Fatal(err)
	}

	// Keyboard only: Tab to the launcher, Enter opens the dialog and puts
	// focus in the question box.
	for i := 0; i < 10 && eval(`document.activeElement.className`) != "fl-launcher"; i++ {
		if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
			t.Fatal(err)
		}
	}
	if got := eval(`document.activeElement.className`); got != "fl-launcher" {
		t.Fatalf("Tab never reached the launcher; focus is on %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\r"), chromedp.WaitVisible(".fl-dialog")); err != nil {
		t.Fatal(err)
	}
	if got := eval(`document.activeElement.closest('dialog[open]') ? document.activeElement.id : 'outside: ' + document.activeElement.tagName`); got != "fl-question" {
		t.Errorf("after opening, focus is on %q, want the question box", got)
	}
	privacy := eval(`document.querySelector('.fl-privacy').textContent`)
	href := eval(`document.querySelector('.fl-privacy a').href`)
	if !strings.Contains(privacy, "Do not include personal details") || href != base+"/privacy/chatbot" {
		t.Errorf("privacy line %q links to %q", privacy, href)
	}
	browser.AssertNoViolations(t, ctx)

	// Ask; the answer arrives in the polite live region.
	if err := chromedp.Do(ctx, chromedp.KeyEvent("library opening hours"), chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(".fl-turn--bot")); err != nil {
		t.Fatal(err)
	}
	live := eval(`(() => { const l = document.querySelector('[aria-live="polite"]'); return l ? l.textContent : '' })()`)
	if !strings.Contains(live, "9am to 5pm") || !strings.Contains(live, "From: Libraries") {
		t.Errorf("live region reads %q, want the passage and its source", live)
	}
	if got := eval(`document.activeElement.id`); got != "fl-question" {
		t.Errorf("after the answer focus is on %q, want the question box", got)
	}
	browser.AssertNoViolations(t, ctx)

	// Only sessionStorage holds the conversation; no localStorage, no cookies.
	conv := eval(`sessionStorage.getItem('fairline-chat-conversation') || ''`)
	if conv == "" {
		t.Error("no conversation id in sessionStorage")
	}
	if n := eval(`String(localStorage.length)`); n != "0" {
		t.Errorf("localStorage has %s items", n)
	}
	cookies, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/", base + "/api/v1/chat"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cookies.Cookies) > 0 || eval(`document.cookie`) != "" {
		var names []string
		for _, c := range cookies.Cookies {
			names = append(names, c.Name+" on "+c.Domain+c.Path)
		}
		t.Errorf("the widget left cookies: %v %q", names, eval(`document.cookie`))
	}

	// Feedback with the keyboard: Shift+Tab from the question box reaches
	// the answer's "No" button.
	if err := chromedp.Do(ctx, chromedp.Focus(".fl-turn--bot .fl-feedback__button:last-of-type"), chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(".fl-thanks")); err != nil {
		t.Fatal(err)
	}

	// Escape closes the dialog and gives focus back to the launcher.
	if err := chromedp.Do(ctx, chromedp.Focus("#fl-question"), chromedp.KeyEvent("\u001b"), chromedp.WaitNotVisible(".fl-dialog")); err != nil {
		t.Fatal(err)
	}
	if got := eval(`document.activeElement.className`); got != "fl-launcher" {
		t.Errorf("after Escape focus is on %q, want the launcher", got)
	}
	if err := chromedp.Do(ctx, chromedp.WaitReady(`.fl-launcher[aria-expanded="false"]`)); err != nil {
		t.Fatal(err)
	}
	if got := eval(`document.querySelector('.fl-launcher').getAttribute('aria-expanded')`); got != "false" {
		t.Errorf("launcher aria-expanded = %s after closing", got)
	}

	// The same conversation continues after reopening; follow the source link.
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\r"), chromedp.WaitVisible(".fl-dialog"),
		chromedp.Focus(".fl-turn--bot .fl-source a"), chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	// Wait for the new page (the old one has a main h1 too).
	for i := 0; i < 300; i++ {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.pathname === '/council/libraries' && document.readyState === 'complete'`)); err == nil && ok {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	h1, _ := chromedp.Run(ctx, chromedp.Text("main h1"))
	if loc, _, _ = strings.Cut(loc, "#"); loc != base+"/council/libraries" || h1 != "Libraries" {
		t.Errorf("source link led to %s (%q)", loc, h1)
	}
	if got := eval(`sessionStorage.getItem('fairline-chat-conversation') || ''`); got != conv {
		t.Errorf("conversation id after navigating: %q, want %q", got, conv)
	}

	// Reflow at 320 CSS pixels: nothing scrolls sideways with the dialog open.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(320, 640), chromedp.Navigate(base+"/council/"), chromedp.WaitVisible(".fl-launcher"),
		chromedp.Focus(".fl-launcher"), chromedp.KeyEvent("\r"), chromedp.WaitVisible(".fl-dialog"),
		chromedp.KeyEvent("where can I take garden waste and old furniture to be recycled"), chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(".fl-turn--bot")); err != nil {
		t.Fatal(err)
	}
	overflow := eval(`(() => {
		const d = document.querySelector('.fl-dialog'), r = d.getBoundingClientRect(), out = [];
		if (document.documentElement.scrollWidth > window.innerWidth) out.push('page ' + document.documentElement.scrollWidth);
		if (r.left < 0 || r.right > window.innerWidth) out.push('dialog ' + r.left + '..' + r.right);
		for (const e of d.querySelectorAll('*')) { if (e.clientWidth > 1 && e.scrollWidth > e.clientWidth + 1) out.push(e.className + ' ' + e.scrollWidth + '>' + e.clientWidth) }
		return out.join('; ');
	})()`)
	if overflow != "" {
		t.Errorf("horizontal overflow at 320 px: %s", overflow)
	}
	// Targets are at least 24 by 24 CSS pixels; the focused box shows it.
	small := eval(`[...document.querySelectorAll('.fl-dialog button, .fl-dialog input, .fl-launcher')]
		.filter((e) => { const r = e.getBoundingClientRect(); return r.width < 24 || r.height < 24 })
		.map((e) => e.className).join(', ')`)
	if small != "" {
		t.Errorf("targets smaller than 24 px: %s", small)
	}
	if got := eval(`getComputedStyle(document.activeElement).outlineStyle + ' ' + getComputedStyle(document.activeElement).outlineColor`); got != "solid rgb(255, 221, 0)" {
		t.Errorf("focused question box outline %q, want the yellow focus indicator", got)
	}
	// With reduced motion asked for, the dialog does not animate.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}}}); err != nil {
		t.Fatal(err)
	}
	if got := eval(`getComputedStyle(document.querySelector('.fl-dialog')).animationName`); got != "none" {
		t.Errorf("dialog animation %q with reduced motion", got)
	}
	browser.AssertNoViolations(t, ctx)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 1024)); err != nil {
		t.Fatal(err)
	}

	// The full page works as a plain form, here with JavaScript on.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/ask"), chromedp.WaitVisible("main h1")); err != nil {
		t.Fatal(err)
	}
	browser.AssertNoViolations(t, ctx)
	if err := chromedp.Do(ctx, chromedp.SendKeys("#question", "library opening hours"), chromedp.Click("main form[action='/ask'] button[type=submit]"),
		chromedp.WaitVisible("#answer-heading")); err != nil {
		t.Fatal(err)
	}
	answer, _ := chromedp.Run(ctx, chromedp.Text("main section"))
	if !strings.Contains(answer, "9am to 5pm") {
		t.Errorf("/ask answer reads %q", answer)
	}
	browser.AssertNoViolations(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Click("form[action='/ask/feedback'] button"), chromedp.WaitVisible(".govuk-notification-banner--success")); err != nil {
		t.Fatal(err)
	}
	browser.AssertNoViolations(t, ctx)

	// The reports, with figures in them.
	s.addUser("ig@example.gov.uk", auth.InformationGovernance)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/sign-in"), chromedp.WaitVisible("#email"),
		chromedp.SendKeys("#email", "ig@example.gov.uk"), chromedp.SendKeys("#password", testPassword),
		chromedp.Click("form button[type=submit]"), chromedp.WaitVisible(".app-account-bar"),
		chromedp.Navigate(base+"/console/reports"), chromedp.WaitVisible("main h1")); err != nil {
		t.Fatal(err)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('main svg[role=img] rect').length`)); n == 0 {
		t.Error("no bars in the report charts")
	}
	browser.AssertNoViolations(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/reports?from=2026-02-30"), chromedp.WaitVisible(".govuk-error-summary")); err != nil {
		t.Fatal(err)
	}
	browser.AssertNoViolations(t, ctx)
}

// TestBrowserWidgetChoices: choices in the widget are page links with a
// button each; the button (keyboard only) asks about that page at once and
// the answer comes from it. The /ask page with choices passes axe too.
func TestBrowserWidgetChoices(t *testing.T) {
	s := newSite(t, siteOpts{})
	pages := map[string][2]string{"/council/": {"Welcome", "Find out about council services."}}
	base := councilSite(t, s.web.Handler(), pages)
	seedRegisterKB(t, s, base)
	ctx := browser.NewTab(t)
	eval := evaluator(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/council/"), chromedp.WaitVisible(".fl-launcher"),
		chromedp.Focus(".fl-launcher"), chromedp.KeyEvent("\r"), chromedp.WaitVisible(".fl-dialog"),
		chromedp.KeyEvent("how do I register"), chromedp.KeyEvent("\r"), chromedp.WaitVisible(".fl-choice")); err != nil {
		t.Fatal(err)
	}
	links := eval(`Array.from(document.querySelectorAll('.fl-choices a')).map(a => a.textContent + ' ' + new URL(a.href).pathname).join('|')`)
	for _, want := range []string{"Register a birth /births/register-a-birth", "Register a death /deaths/register-a-death"} {
		if !strings.Contains(links, want) {
			t.Errorf("choices %q lack %q", links, want)
		}
	}
	browser.AssertNoViolations(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Focus(".fl-choices li:nth-child(2) .fl-choice"), chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(".fl-turn--bot:nth-of-type(4) .fl-source")); err != nil {
		t.Fatal(err)
	}
	if got := eval(`Array.from(document.querySelectorAll('.fl-turn--bot')).pop().querySelector('.fl-source').textContent`); !strings.Contains(got, "Register a") {
		t.Errorf("the choice was answered from %q", got)
	}
	browser.AssertNoViolations(t, ctx)

	// The same on /ask, without JavaScript's help.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/ask"), chromedp.WaitVisible("#question"),
		chromedp.SendKeys("#question", "how do I register"), chromedp.Submit("#question"), chromedp.WaitVisible(".app-choices")); err != nil {
		t.Fatal(err)
	}
	browser.AssertNoViolations(t, ctx)
}

// evaluator returns a function that evaluates a JavaScript expression of
// type string in the tab, failing the test when it cannot.
func evaluator(t *testing.T, ctx context.Context) func(string) string {
	return func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return v
	}
}
