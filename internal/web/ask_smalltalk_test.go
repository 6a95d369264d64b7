package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Conversation replies (greetings, asking for a person) render on /ask like
// any other reply: their message, the contact routes where a person is
// wanted, and no page quoted.
func TestAskPageConversationReplies(t *testing.T) {
	s := newSite(t, siteOpts{})
	seedChatKB(t, s, "https://www.example-council.gov.uk")
	c := s.client()
	_, _, token := s.get(c, "/ask")
	for _, tt := range []struct {
		q, want string
		tel     bool
	}{
		{"hello", "automated assistant", false},
		{"Thank you!", "You&#39;re welcome", false},
		{"can I phone you?", "can&#39;t put you through to a person", true},
	} {
		resp := s.post(c, "/ask", url.Values{"csrf_token": {token}, "question": {tt.q}})
		body := readAll(resp)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, tt.want) {
			t.Errorf("%q: %d, want %q in\n%s", tt.q, resp.StatusCode, tt.want, body)
		}
		if strings.Contains(body, "From: <a") || strings.Contains(body, "app-quote") {
			t.Errorf("%q: a page was quoted", tt.q)
		}
		if got := strings.Contains(body, `href="tel:&#43;44`); got != tt.tel {
			t.Errorf("%q: phone link shown %v, want %v\n%s", tt.q, got, tt.tel, body)
		}
	}
}
