package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/testutil/browser"
)

const (
	testCouncil = "https://www.example-council.gov.uk"
	tipPage     = testCouncil + "/council/recycling-centres"
	binsPage    = testCouncil + "/council/bins"
)

// firstSource is the page the chatbot answers question from ("" when it
// does not answer).
func firstSource(t *testing.T, s *site, question string) string {
	t.Helper()
	r, err := s.app.Chat.Ask(context.Background(), chat.Request{Message: question})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Sources) == 0 {
		return ""
	}
	u, _, _ := strings.Cut(r.Sources[0].URL, "#")
	return u
}

var sendFormRe = regexp.MustCompile(`(?s)<form method="post" action="/console/kb/hints" class="app-cell-form" novalidate>(.*?)</form>`)

// The whole round without JavaScript: an unanswered question in the
// reports, "Send to a page", a page found and chosen, the hint listed under
// Search vocabulary with its effect, the question answered from the page;
// then its page changed and the hint deleted. Who sees what.
func TestHintsConsole(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("admin@example.gov.uk", auth.Administrator)
	s.addUser("ig@example.gov.uk", auth.InformationGovernance)
	s.addUser("tl@example.gov.uk", auth.TeamLeader, "trading-standards")
	seedChatKB(t, s, testCouncil)
	const question = "what do I do with an old mattress"
	if got := firstSource(t, s, question); got != "" {
		t.Fatalf("%q is answered from %s before any hint: the test proves nothing", question, got)
	}

	// Team leaders see the unanswered list, without the form.
	tl := s.signIn("tl@example.gov.uk")
	if _, body, _ := s.get(tl, "/console/reports"); !strings.Contains(body, question) || strings.Contains(body, "Send to a page") {
		t.Errorf("team leader's reports: question shown %v, form shown %v", strings.Contains(body, question), strings.Contains(body, "Send to a page"))
	}

	admin := s.signIn("admin@example.gov.uk")
	_, body, _ := s.get(admin, "/console/reports")
	m := sendFormRe.FindStringSubmatch(body)
	if m == nil || !strings.Contains(m[1], `name="question" value="`+question+`"`) || !strings.Contains(m[1], `name="csrf_token"`) {
		t.Fatalf("no \"Send to a page\" form for the unanswered question:\n%s", body)
	}
	token := csrfRe.FindStringSubmatch(m[1])[1]
	if strings.Contains(body, "?question=") {
		t.Error("the question is put in an address")
	}

	// The form: the question, pages found for it, a search, an address field.
	resp := s.post(admin, "/console/kb/hints", url.Values{"csrf_token": {token}, "question": {question}, "action": {"find"}})
	body = readAll(resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, question) || !strings.Contains(body, `name="find"`) ||
		!strings.Contains(body, `name="page_url"`) {
		t.Fatalf("hint form: %d\n%s", resp.StatusCode, body)
	}
	// Searching finds the page by its words.
	resp = s.post(admin, "/console/kb/hints", url.Values{"csrf_token": {token}, "question": {question}, "action": {"find"}, "find": {"household waste sites"}})
	body = readAll(resp)
	if !strings.Contains(body, `name="page" type="radio" value="`+tipPage+`"`) {
		t.Fatalf("search for the page did not offer it:\n%s", body)
	}
	// Saving without a page, or with one the knowledge base lacks, is refused against the field.
	for _, page := range []url.Values{{}, {"page_url": {testCouncil + "/nowhere"}}} {
		form := url.Values{"csrf_token": {token}, "question": {question}, "action": {"save"}}
		for k, v := range page {
			form[k] = v
		}
		resp = s.post(admin, "/console/kb/hints", form)
		body = readAll(resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#page"`) || !strings.Contains(body, `id="page"`) ||
			!strings.Contains(body, "Choose a page the chatbot answers from") {
			t.Errorf("save with %v: %d\n%s", page, resp.StatusCode, body)
		}
	}
	// Without the form's token nothing is saved.
	resp = s.post(admin, "/console/kb/hints", url.Values{"question": {question}, "action": {"save"}, "page": {tipPage}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("save without CSRF token: %d", resp.StatusCode)
	}
	resp = s.post(admin, "/console/kb/hints", url.Values{"csrf_token": {token}, "question": {question}, "action": {"save"}, "page": {tipPage}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/kb/vocabulary?done=hint-added#hints" {
		t.Fatalf("save: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), readAll(resp))
	}
	if got := firstSource(t, s, question); got != tipPage {
		t.Errorf("after the hint %q is answered from %q", question, got)
	}
	if got := firstSource(t, s, "old mattress"); got != tipPage {
		t.Errorf("after the hint, a question like it is answered from %q", got)
	}

	// Listed with its effect: asked once before (unanswered), twice after (answered).
	_, body, token = s.get(admin, "/console/kb/vocabulary?done=hint-added")
	hints, _ := s.app.Chat.Hints(context.Background())
	if len(hints) != 1 {
		t.Fatalf("hints: %+v", hints)
	}
	id := itoa(hints[0].ID)
	for _, want := range []string{"The hint has been saved", question, "Recycling and household waste sites", "admin@example.gov.uk",
		"0% of 1 question", "100% of 2 questions", `href="/console/kb/hints/` + id + `"`, `action="/console/kb/hints/` + id + `/delete"`} {
		if !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("vocabulary page lacks %q", want)
		}
	}
	ig := s.signIn("ig@example.gov.uk")
	if _, body, _ := s.get(ig, "/console/kb/vocabulary"); !strings.Contains(body, question) || strings.Contains(body, "/delete") ||
		strings.Contains(body, "Change page") {
		t.Errorf("information governance: hint shown %v, editing offered %v", strings.Contains(body, question), strings.Contains(body, "/delete"))
	}

	// Change its page, then delete it.
	status, body, token := s.get(admin, "/console/kb/hints/"+id)
	if status != http.StatusOK || !strings.Contains(body, question) || !strings.Contains(body, `value="`+tipPage+`" aria-describedby="page-0-item-hint" checked`) {
		t.Fatalf("edit page: %d\n%s", status, body)
	}
	resp = s.post(admin, "/console/kb/hints/"+id, url.Values{"csrf_token": {token}, "action": {"save"}, "page_url": {binsPage + "#missed-bins"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change page: %d\n%s", resp.StatusCode, readAll(resp))
	}
	if got := firstSource(t, s, question); got != binsPage {
		t.Errorf("after the change %q is answered from %q", question, got)
	}
	resp = s.post(admin, "/console/kb/hints/"+id+"/delete", url.Values{"csrf_token": {token}})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "done=hint-deleted") {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if got := firstSource(t, s, question); got != "" {
		t.Errorf("after the deletion %q is answered from %q", question, got)
	}
	if status, _, _ := s.get(admin, "/console/kb/hints/"+id); status != http.StatusNotFound {
		t.Errorf("deleted hint's page: %d", status)
	}
	if _, body, _ := s.get(admin, "/console/kb/vocabulary"); !strings.Contains(body, "There are no hints yet") {
		t.Error("the deleted hint is still listed")
	}
	// The log names ids only.
	if strings.Contains(s.logs.String(), "mattress") {
		t.Error("the question reached the logs")
	}
}

// TestBrowserHints walks the hint pages in headless Chromium with axe-core:
// "Send to a page" in the reports, the form refused without a page, a
// search for the page, the hint saved and listed under Search vocabulary,
// and a hint's own page.
func TestBrowserHints(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("admin@example.gov.uk", auth.Administrator)
	seedChatKB(t, s, testCouncil)
	if _, err := s.app.Chat.Ask(context.Background(), chat.Request{Message: "what do I do with an old mattress"}); err != nil {
		t.Fatal(err)
	}
	ctx := browser.NewTab(t)
	// step runs actions, then waits for what the page they lead to shows, and checks that page.
	step := func(wait string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(wait)); err != nil {
			t.Fatalf("waiting for %s: %v", wait, err)
		}
		browser.AssertNoViolations(t, ctx)
	}
	step(".app-account-bar", chromedp.Navigate(s.srv.URL+"/sign-in"), chromedp.WaitVisible("#email"),
		chromedp.SendKeys("#email", "admin@example.gov.uk"), chromedp.SendKeys("#password", testPassword),
		chromedp.Click("form button[type=submit]"))
	step("form.app-cell-form button", chromedp.Navigate(s.srv.URL+"/console/reports"))
	step("#find", chromedp.Click(`form.app-cell-form button`))
	step(".govuk-error-summary", chromedp.Click(`button[name=action][value=save]`))
	tip := `input[name=page][value="` + tipPage + `"]`
	step(tip, chromedp.SendKeys("#find", "household waste sites"), chromedp.Click(`button[name=action][value=find]`))
	step(".govuk-notification-banner--success", chromedp.Click(tip+" + label"), chromedp.Click(`button[name=action][value=save]`))
	if body, _ := chromedp.Run(ctx, chromedp.Text("#hints-caption")); body == "" {
		t.Error("no hints table")
	}
	if body, _ := chromedp.Run(ctx, chromedp.Text("main")); !strings.Contains(body, "old mattress") {
		t.Errorf("the hint is not listed:\n%s", body)
	}
	step("#find", chromedp.Navigate(s.srv.URL+"/console/kb/hints/1"))
}
