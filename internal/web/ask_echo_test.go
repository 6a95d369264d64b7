package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAskNeverEchoesPersonalData: a phone or NHS number typed into /ask
// never comes back in the page, neither in "You asked" above an answer nor
// in a question refilled for correction; the redacted question does.
func TestAskNeverEchoesPersonalData(t *testing.T) {
	s := newSite(t, siteOpts{})
	seedChatKB(t, s, "https://www.example-council.gov.uk")
	c := s.client()
	_, _, token := s.get(c, "/ask")
	for _, tt := range []struct {
		q, placeholder string
		secrets        []string
		status         int
	}{
		{"my NHS number is 943 476 5919, when are libraries open", "[NHS number]", []string{"943 476 5919", "9434765919"}, http.StatusOK},
		{"ring me on 07700 900123 about library opening hours", "[phone number]", []string{"07700 900123", "07700900123"}, http.StatusOK},
		{"my NHS number is 9434765919 and I need the library opening hours", "[NHS number]", []string{"9434765919"}, http.StatusOK},
		// Too long: sent back for correction, refilled redacted.
		{"ring me on 07700 900123 " + strings.Repeat("library ", 130), "[phone number]", []string{"07700 900123", "07700900123"}, http.StatusUnprocessableEntity},
	} {
		resp := s.post(c, "/ask", url.Values{"csrf_token": {token}, "question": {tt.q}})
		body := readAll(resp)
		if resp.StatusCode != tt.status {
			t.Errorf("%.40q: status %d, want %d", tt.q, resp.StatusCode, tt.status)
		}
		for _, sec := range tt.secrets {
			if strings.Contains(body, sec) {
				t.Errorf("%.40q: the page shows %q", tt.q, sec)
			}
		}
		if !strings.Contains(body, tt.placeholder) {
			t.Errorf("%.40q: the redacted question (with %s) is not shown", tt.q, tt.placeholder)
		}
	}
}
