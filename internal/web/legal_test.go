package web_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/fairline/fairline/internal/auth"
)

var disclosureLinkRe = regexp.MustCompile(`/disclosures/fld_[A-Za-z0-9_-]+`)

// TestBrowserLegalDisclosure walks a disclosure required by law in
// headless Chromium, with axe-core on every page: one officer asks on the
// recording's page (in error, then named), sees it wait with nothing
// released, records an exemption from erasure; a second officer approves
// it and gets the link, which the recipient uses; the register lists it
// apart from the policy's disclosures.
func TestBrowserLegalDisclosure(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("ig@example.gov.uk", auth.InformationGovernance)
	s.addUser("ig2@example.gov.uk", auth.InformationGovernance)
	s.addUser("auditor@example.gov.uk", auth.Auditor)
	rec := s.ingestCall("l1", "trading-standards", "07911 123456")
	w := newWalk(t)
	ctx, do, text := w.ctx, w.do, w.text
	form := `form[action$="/legal-disclosures"]`

	w.signIn(s, "ig@example.gov.uk")
	do("recording", chromedp.Navigate(s.srv.URL+"/console/recordings/"+rec.ID), chromedp.WaitVisible(form))
	do("request in error", chromedp.Click(form+" button"), chromedp.WaitVisible(".govuk-error-summary"))
	if e := text(".govuk-error-summary"); !strings.Contains(e, "Name the organisation") {
		t.Errorf("error summary %q", e)
	}
	do("request without the law", chromedp.SendKeys("#law_recipient", "County Court at Leicester"),
		chromedp.SetValue("#law_lawful_basis", "6(1)(c)"), chromedp.SendKeys("#law_reference", "K00LE123"),
		chromedp.SendKeys("#law_reason", "The court ordered the call to be produced"),
		chromedp.Click(form+" button"), chromedp.WaitVisible("#law_legal_basis-error"))
	do("request", chromedp.SendKeys("#law_legal_basis", "Court order of 3 March 2027 under CPR 31.17"),
		chromedp.Click(form+" button"), chromedp.WaitVisible("#waiting"))
	if flash := text("main"); !strings.Contains(flash, "Nothing has been released") || !strings.Contains(flash, "you asked for it") {
		t.Errorf("after asking: %q", flash)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('form[action$="/approve"]').length`)); n != 0 {
		t.Error("the asking officer is offered the approval")
	}
	ds, err := s.app.Recordings.Disclosures(t.Context(), 10)
	if err != nil || len(ds) != 0 {
		t.Fatalf("released before approval: %d %v", len(ds), err)
	}

	ex := `form[action$="/exemptions"]`
	do("exemption in error", chromedp.Navigate(s.srv.URL+"/console/recordings/"+rec.ID), chromedp.WaitVisible(ex),
		chromedp.Click(ex+" button"), chromedp.WaitVisible(".govuk-error-summary"))
	do("exemption", chromedp.Click(`label[for="ground-legal_claims"]`), chromedp.SendKeys("#note", "Claim K00LE123"),
		chromedp.Click(ex+" button"), chromedp.WaitVisible(`form[action$="/withdraw"]`))
	if got := text("#exemptions + p + .govuk-inset-text"); !strings.Contains(got, "Active") || !strings.Contains(got, "legal claims") {
		t.Errorf("exemption shown as %q", got)
	}
	do("sign out", chromedp.Click(".app-account-bar__form button"), chromedp.WaitVisible("#email"))

	w.signIn(s, "ig2@example.gov.uk")
	do("waiting list", chromedp.Navigate(s.srv.URL+"/console/disclosures/required-by-law"), chromedp.WaitVisible(`form[action$="/approve"]`))
	do("approve", chromedp.Click(`form[action$="/approve"] button`), chromedp.WaitVisible(".govuk-panel"))
	link := disclosureLinkRe.FindString(text(".govuk-panel"))
	if link == "" {
		t.Fatal("no link after approval")
	}
	if got := text("#decided"); !strings.Contains(got, "Approved") || !strings.Contains(got, "CPR 31.17") {
		t.Errorf("decided list: %q", got)
	}
	do("register", chromedp.Navigate(s.srv.URL+"/console/disclosures"), chromedp.WaitVisible(`a[href="/console/disclosures/required-by-law"]`))
	if reg := text("main table"); strings.Contains(reg, "Leicester") {
		t.Errorf("the policy's register lists the disclosure required by law: %q", reg)
	}

	// The recipient collects it like any disclosure.
	c := s.client()
	_, _, token := s.get(c, link)
	resp := s.post(c, link, url.Values{"csrf_token": {token}})
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || int64(len(body)) != rec.Size {
		t.Fatalf("collection: %d, %d bytes of %d", resp.StatusCode, len(body), rec.Size)
	}

	// The auditor reads the list but cannot decide.
	aud := s.signIn("auditor@example.gov.uk")
	code, page, _ := s.get(aud, "/console/disclosures/required-by-law")
	if code != http.StatusOK || !strings.Contains(page, "County Court at Leicester") || strings.Contains(page, "/approve") {
		t.Errorf("auditor's page: %d", code)
	}
}
