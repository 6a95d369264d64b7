package web_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/testutil/browser"
)

var rightsLinkRe = regexp.MustCompile(`/rights/fsr_[A-Za-z0-9_-]+`)

// TestBrowserRightsRequest walks a subject access request from receipt to
// closure in headless Chromium, with axe-core on every page: the register,
// the form (in error, then filled), the case page through identity,
// search, release and extension, the requester's download, and closure.
func TestBrowserRightsRequest(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("ig@example.gov.uk", auth.InformationGovernance)
	s.addUser("auditor@example.gov.uk", auth.Auditor)
	mine1, mine2 := s.ingestCall("r1", "trading-standards", "07911 123456"), s.ingestCall("r2", "trading-standards", "07911 123456")
	other := s.ingestCall("r3", "trading-standards", "07700 900123")
	w := newWalk(t)
	ctx, do, text := w.ctx, w.do, w.text

	w.signIn(s, "ig@example.gov.uk")
	do("register", chromedp.Navigate(s.srv.URL+"/console/rights"), chromedp.WaitVisible("main h1"))
	do("form", chromedp.Click(`a[href="/console/rights/new"]`), chromedp.WaitVisible("#phones"))
	do("form in error", chromedp.Click("main form button[type=submit]"), chromedp.WaitVisible(".govuk-error-summary"))
	do("receipt",
		chromedp.Click(`label[for="kind"]`), chromedp.Click(`label[for="channel"]`), chromedp.Click(`label[for="identity"]`),
		chromedp.SendKeys("#phones", "+44 7911 123456"), chromedp.Click("main form button[type=submit]"),
		chromedp.WaitVisible("#due"))
	if due := text("#due"); !strings.Contains(due, "stopped") {
		t.Errorf("waiting for identity, the due date says %q", due)
	}
	do("identity confirmed", chromedp.Click(`form[action$="/identity"] button`), chromedp.WaitVisible(`form[action$="/release"]`))
	if due := text("#due"); !strings.Contains(due, "days left") {
		t.Errorf("after identity, the due date says %q", due)
	}
	do("search", chromedp.Click(`form[action$="/search"] button`), chromedp.WaitVisible("#found"))
	found := text("main")
	if !strings.Contains(found, mine1.ID) || !strings.Contains(found, mine2.ID) || strings.Contains(found, other.ID) {
		t.Errorf("search results are not exactly the caller's recordings")
	}
	if !strings.Contains(found, "no name, number or e-mail address links") {
		t.Error("the search does not say why the chatbot holds nothing linkable")
	}
	do("release", chromedp.Click(`form[action$="/release"] button`), chromedp.WaitVisible(".govuk-panel"))
	link := rightsLinkRe.FindString(text(".govuk-panel"))
	if link == "" {
		t.Fatal("no package link on the page")
	}
	do("extend in error", chromedp.Click(`form[action$="/extend"] button`), chromedp.WaitVisible(".govuk-error-summary"))
	do("extend", chromedp.Click(`label[for="months"]`), chromedp.SendKeys("#extension_reason", "many recordings to review"),
		chromedp.Click(`form[action$="/extend"] button`), chromedp.WaitNotPresent(".govuk-error-summary"), chromedp.WaitVisible("#due"))
	if due := text("#due"); !strings.Contains(due, "Extended by 1 months") {
		t.Errorf("after the extension: %q", due)
	}

	// The requester's side: the page in the browser, the download over HTTP.
	do("download page", chromedp.Navigate(s.srv.URL+link), chromedp.WaitVisible("main h1"))
	c := s.client()
	_, _, token := s.get(c, link)
	resp := s.post(c, link, url.Values{"csrf_token": {token}})
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("download: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if len(names) != 4 || names[0] != "manifest.json" || names[1] != "letter.html" {
		t.Errorf("package holds %v, want the manifest, the letter and two recordings", names)
	}
	// The cover letter is a page of its own: accessible as well as printable.
	lf, err := zr.Open("letter.html")
	if err != nil {
		t.Fatal(err)
	}
	letter, err := io.ReadAll(lf)
	if err != nil || !bytes.Contains(letter, []byte("<h1>")) {
		t.Fatalf("letter.html: %d bytes, %v", len(letter), err)
	}
	// It replaces the download page's document (the browser here reaches only the site).
	js, _ := json.Marshal(string(letter))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.open(); document.write(`+string(js)+`); document.close(); true`)); err != nil {
		t.Fatalf("cover letter: %v", err)
	}
	if h := text("h1"); h != "The information we hold about you" {
		t.Errorf("letter heading %q", h)
	}
	browser.AssertNoViolations(t, ctx)
	if again := s.post(c, link, url.Values{"csrf_token": {token}}); again.StatusCode != http.StatusGone {
		t.Errorf("second download: %d, want 410", again.StatusCode)
	}

	do("case after download", chromedp.Navigate(s.srv.URL+"/console/rights/1"), chromedp.WaitVisible("#due"))
	if h := text("main"); !strings.Contains(h, "downloaded by the requester") {
		t.Error("the history does not show the download")
	}
	do("closure", chromedp.Click(`label[for="outcome"]`), chromedp.Click(`form[action$="/close"] button`),
		chromedp.WaitNotPresent(`form[action$="/close"]`), chromedp.WaitVisible(".govuk-summary-list"))
	if st := text(".govuk-summary-list"); !strings.Contains(st, "Closed on") || !strings.Contains(st, "Identifiers kept until") {
		t.Errorf("after closure: %q", st)
	}
	do("register after closure", chromedp.Navigate(s.srv.URL+"/console/rights"), chromedp.WaitVisible("main table"))
	if reg := text("main table"); !strings.Contains(reg, "Closed") {
		t.Errorf("register: %q", reg)
	}

	// An auditor reads the case without the identifiers and cannot act on it.
	aud := s.signIn("auditor@example.gov.uk")
	_, page, _ := s.get(aud, "/console/rights/1")
	if strings.Contains(page, "7911") || strings.Contains(page, "Close the case") || !strings.Contains(page, "Request 1") {
		t.Error("the auditor's case page shows identifiers or actions")
	}
}
