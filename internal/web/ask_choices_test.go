package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// When two pages fit a question equally well, /ask shows them as choices:
// each a link to its page and a button that asks about that page at once,
// which then gets the one answer from it.
func TestAskPageShowsChoices(t *testing.T) {
	s := newSite(t, siteOpts{})
	const base = "https://www.example-council.gov.uk"
	seedRegisterKB(t, s, base)
	c := s.client()
	_, _, token := s.get(c, "/ask")
	resp := s.post(c, "/ask", url.Values{"csrf_token": {token}, "question": {"how do I register"}})
	body := readAll(resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Choose the one that fits best") {
		t.Fatalf("%d, no choices:\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{
		`<a class="govuk-link" href="` + base + `/births/register-a-birth`,
		`<a class="govuk-link" href="` + base + `/deaths/register-a-death`,
		`name="question" value="Register a birth"`,
		`name="question" value="Register a death"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("choices lack %s:\n%s", want, body)
		}
	}
	if strings.Contains(body, "app-quote") || strings.Contains(body, "/council/libraries") {
		t.Errorf("choices page quotes a page or offers an unrelated one:\n%s", body)
	}
	// Choosing one answers from that page.
	conv := convRe.FindStringSubmatch(body)
	if conv == nil {
		t.Fatal("no conversation id")
	}
	resp = s.post(c, "/ask", url.Values{"csrf_token": {token}, "conversation_id": {conv[1]}, "question": {"Register a death"}})
	body = readAll(resp)
	if !strings.Contains(body, `From: <a class="govuk-link" href="`+base+`/deaths/register-a-death`) || strings.Contains(body, "Choose the one") {
		t.Errorf("the choice was not answered from its page:\n%s", body)
	}
}

// seedRegisterKB imports two pages that fit "how do I register" equally
// well and one unrelated page.
func seedRegisterKB(t *testing.T, s *site, base string) {
	t.Helper()
	importPages(t, s, base, registerPages)
}

var registerPages = []struct{ path, title, html string }{
	{"/births/register-a-birth", "Register a birth", `<main><h1>Register a birth</h1><p>You must register a birth within 42 days at the register office. Book an appointment to register.</p></main>`},
	{"/deaths/register-a-death", "Register a death", `<main><h1>Register a death</h1><p>You must register a death within 5 days at the register office. Book an appointment to register.</p></main>`},
	{"/council/libraries", "Libraries", `<main><h1>Libraries</h1><p>Borrow books, e-books and audiobooks for free with a library card.</p></main>`},
}
