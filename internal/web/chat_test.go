package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/ratelimit"
)

// seedChatKB imports a few council pages, at base (the test's own server,
// so links can be followed), into the knowledge base and rebuilds the
// chatbot's index.
func seedChatKB(t *testing.T, s *site, base string) {
	t.Helper()
	pages := []struct{ path, title, html string }{
		{"/council/bins", "Bin collections", `<main><h1>Bin collections</h1><p>Your bins are collected every week. Put your wheelie bin out by 7am on your collection day with the lid closed.</p><h2>Missed bins</h2><p>Report a missed bin collection online within two working days.</p></main>`},
		{"/council/libraries", "Libraries", `<main><h1>Libraries</h1><p>Borrow books, e-books and audiobooks for free with a library card. Join any library with proof of your address.</p><h2>Opening hours</h2><p>Most libraries are open from 9am to 5pm, Monday to Saturday.</p></main>`},
		{"/council/recycling-centres", "Recycling and household waste sites", `<main><h1>Recycling and household waste sites</h1><p>Take garden waste, furniture and electrical items to a recycling centre. Sites are open every day from 8am to 6pm in summer.</p></main>`},
		{"/council/contact", "Contact us", `<main><h1>Contact us</h1><p>Phone our customer service centre on 0116 232 3232, Monday to Friday 8am to 6pm.</p></main>`},
	}
	importPages(t, s, base, pages)
}

// importPages imports pages (paths under base) into the knowledge base and
// rebuilds the chatbot's index from it.
func importPages(t *testing.T, s *site, base string, pages []struct{ path, title, html string }) {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	for _, p := range pages {
		if err := enc.Encode(map[string]string{"url": base + p.path, "title": p.title, "html": p.html}); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	if _, err := s.app.KB.Import(ctx, strings.NewReader(b.String())); err != nil {
		t.Fatal(err)
	}
	if err := s.app.Chat.LoadIndex(ctx); err != nil {
		t.Fatal(err)
	}
}

var convRe = regexp.MustCompile(`name="conversation_id" value="([^"]+)"`)
var turnRe = regexp.MustCompile(`name="turn_id" value="([^"]+)"`)

// TestAskPageWithoutJavaScript uses /ask as a browser without JavaScript
// does: form posts only, the conversation carried in a hidden field.
func TestAskPageWithoutJavaScript(t *testing.T) {
	s := newSite(t, siteOpts{})
	seedChatKB(t, s, "https://www.example-council.gov.uk")
	c := s.client()

	status, body, token := s.get(c, "/ask")
	if status != http.StatusOK || token == "" || !strings.Contains(body, `action="/ask"`) ||
		!strings.Contains(body, "Do not include personal details") || !strings.Contains(body, `href="/privacy/chatbot"`) {
		t.Fatalf("GET /ask: %d\n%s", status, body)
	}
	if strings.Contains(body, `name="conversation_id"`) {
		t.Error("a new conversation already has an id")
	}

	// Mistakes are shown in an error summary, and nothing is asked.
	for _, tt := range []struct{ q, want string }{
		{"   ", "Enter your question"},
		{strings.Repeat("a", 1001), "1,000 characters or fewer"},
	} {
		resp := s.post(c, "/ask", url.Values{"csrf_token": {token}, "question": {tt.q}})
		body := readAll(resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#question">`) || !strings.Contains(body, tt.want) {
			t.Errorf("question %.20q: %d, want 422 and %q", tt.q, resp.StatusCode, tt.want)
		}
	}
	if resp := s.post(c, "/ask", url.Values{"question": {"bins"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /ask without the CSRF token: %d", resp.StatusCode)
	}

	resp := s.post(c, "/ask", url.Values{"csrf_token": {token}, "question": {"library opening hours"}})
	body = readAll(resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "9am to 5pm") ||
		!strings.Contains(body, `href="https://www.example-council.gov.uk/council/libraries`) {
		t.Fatalf("answer page: %d\n%s", resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("answer page Cache-Control %q, want no-store", cc)
	}
	for _, ck := range resp.Cookies() {
		if !strings.HasSuffix(ck.Name, "fairline_csrf") {
			t.Errorf("answer set cookie %s", ck.Name)
		}
	}
	m := convRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no conversation id in the next question's form")
	}
	conv := m[1]
	if !strings.Contains(body, `action="/ask/feedback"`) || !strings.Contains(body, "Was this helpful?") {
		t.Error("no feedback forms under the answer")
	}
	turn := turnRe.FindStringSubmatch(body)
	if turn == nil {
		t.Fatal("no turn id in the feedback forms")
	}

	// The next question continues the conversation.
	resp = s.post(c, "/ask", url.Values{"csrf_token": {token}, "conversation_id": {conv}, "question": {"how do I join the library"}})
	body = readAll(resp)
	if m := convRe.FindStringSubmatch(body); m == nil || m[1] != conv || !strings.Contains(body, "library card") {
		t.Errorf("second question: conversation %v, want %s", m, conv)
	}
	// A garbled conversation id is dropped, not passed on.
	resp = s.post(c, "/ask", url.Values{"csrf_token": {token}, "conversation_id": {"<script>"}, "question": {"library opening hours"}})
	if body := readAll(resp); resp.StatusCode != http.StatusOK || strings.Contains(body, "<script>") {
		t.Errorf("garbled conversation id: %d", resp.StatusCode)
	}

	// Feedback.
	resp = s.post(c, "/ask/feedback", url.Values{"csrf_token": {token}, "conversation_id": {conv}, "turn_id": {turn[1]}, "helpful": {"yes"}})
	body = readAll(resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Thank you for your feedback") {
		t.Fatalf("feedback: %d\n%s", resp.StatusCode, body)
	}
	if m := convRe.FindStringSubmatch(body); m == nil || m[1] != conv {
		t.Error("the conversation does not continue after feedback")
	}
	for _, tt := range []struct {
		form   url.Values
		status int
		want   string
	}{
		{url.Values{"conversation_id": {conv}, "turn_id": {turn[1]}}, http.StatusBadRequest, "choose Yes or No"},
		{url.Values{"conversation_id": {conv}, "helpful": {"no"}}, http.StatusBadRequest, "choose Yes or No"},
		{url.Values{"conversation_id": {conv}, "turn_id": {"0123456789abcdef0123456789abcdef"}, "helpful": {"no"}}, http.StatusBadRequest, "no longer kept"},
	} {
		tt.form.Set("csrf_token", token)
		resp := s.post(c, "/ask/feedback", tt.form)
		if body := readAll(resp); resp.StatusCode != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("feedback %v: %d, want %d and %q", tt.form, resp.StatusCode, tt.status, tt.want)
		}
	}
	rep, err := s.app.Chat.Report(context.Background(), time.Now().Add(-48*time.Hour), time.Now().Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	questions, helpful := 0, 0
	for _, d := range rep.Days {
		questions += d.Questions
		helpful += d.Helpful
	}
	if questions != 3 || helpful != 1 {
		t.Errorf("report counts %d questions and %d helpful, want 3 and 1", questions, helpful)
	}
}

// TestAskKeepsPersonalDataOutOfLogs: a question with personal details is
// answered, the resident is told what was removed, and the details are
// in no log line.
func TestAskKeepsPersonalDataOutOfLogs(t *testing.T) {
	s := newSite(t, siteOpts{})
	seedChatKB(t, s, "https://www.example-council.gov.uk")
	c := s.client()
	_, _, token := s.get(c, "/ask")
	q := "I am Jane Smithson of 12 Acacia Avenue LE1 1AA, email jane.smithson@example.com, library opening hours"
	resp := s.post(c, "/ask", url.Values{"csrf_token": {token}, "question": {q}})
	body := readAll(resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "We removed personal details") {
		t.Errorf("answer to a question with personal data: %d\n%s", resp.StatusCode, body)
	}
	for _, pd := range []string{"LE1 1AA", "jane.smithson@example.com", "Acacia"} {
		if strings.Contains(s.logs.String(), pd) {
			t.Errorf("logs contain %q:\n%s", pd, s.logs.String())
		}
	}
}

// The form has a per-client limit too, the JSON API's.
func TestAskIsRateLimited(t *testing.T) {
	s := newSite(t, siteOpts{})
	seedChatKB(t, s, "https://www.example-council.gov.uk")
	c := s.client()
	_, _, token := s.get(c, "/ask")
	n := ratelimit.DefaultChatRate.N
	for i := 0; i <= n; i++ {
		resp := s.post(c, "/ask", url.Values{"csrf_token": {token}, "question": {"library opening hours"}})
		body := readAll(resp)
		if resp.StatusCode == http.StatusTooManyRequests {
			if i < n || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "Wait a minute") {
				t.Errorf("limited after %d questions (Retry-After %q)", i, resp.Header.Get("Retry-After"))
			}
			return
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("question %d: %d", i, resp.StatusCode)
		}
	}
	t.Errorf("%d questions in a row were all answered", n+1)
}

// TestChatLimitPerClientBehindProxy: behind a trusted reverse proxy each
// resident has a bucket of their own, named by X-Forwarded-For; the API and
// the /ask page draw from the same one; what a client writes into the
// header itself changes nothing; and nobody else's headers are believed.
func TestChatLimitPerClientBehindProxy(t *testing.T) {
	rate := ratelimit.Rate{N: 2, Per: time.Minute}
	ask := func(s *site, xff string) int {
		t.Helper()
		req, _ := http.NewRequest("POST", s.srv.URL+"/api/v1/chat", strings.NewReader(`{"message":"library opening hours"}`))
		req.Header.Set("Content-Type", "application/json")
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	askPage := func(s *site, xff string) int {
		t.Helper()
		c := s.client()
		_, _, token := s.get(c, "/ask")
		req, _ := http.NewRequest("POST", s.srv.URL+"/ask", strings.NewReader(url.Values{"csrf_token": {token}, "question": {"library opening hours"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", xff)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	// The test server's peer address is 127.0.0.1: the proxy.
	s := newSite(t, siteOpts{trustedProxies: "127.0.0.0/8, 10.0.0.0/8", chatRate: rate})
	seedChatKB(t, s, "https://www.example-council.gov.uk")
	for i := range rate.N {
		if got := ask(s, "203.0.113.1"); got != http.StatusOK {
			t.Fatalf("resident A's question %d: %d", i, got)
		}
	}
	if got := askPage(s, "203.0.113.1"); got != http.StatusTooManyRequests {
		t.Errorf("resident A on /ask after using the allowance through the API: %d, want 429", got)
	}
	if got := ask(s, "192.0.2.50, 203.0.113.1"); got != http.StatusTooManyRequests {
		t.Errorf("resident A writing another address into the header: %d, want 429", got)
	}
	for _, xff := range []string{"203.0.113.2", "203.0.113.3, 10.0.0.7"} {
		if got := ask(s, xff); got != http.StatusOK {
			t.Errorf("another resident (%s) behind the same proxy: %d, want 200", xff, got)
		}
	}
	if got := askPage(s, "203.0.113.4"); got != http.StatusOK {
		t.Errorf("another resident on /ask: %d, want 200", got)
	}

	// No trusted proxies: the header is anybody's to write, so it is
	// ignored and the peer is the client.
	s = newSite(t, siteOpts{chatRate: rate})
	seedChatKB(t, s, "https://www.example-council.gov.uk")
	for i := range rate.N {
		if got := ask(s, "198.51.100."+strconv.Itoa(i+1)); got != http.StatusOK {
			t.Fatalf("question %d: %d", i, got)
		}
	}
	if got := ask(s, "198.51.100.99"); got != http.StatusTooManyRequests {
		t.Errorf("a spoofed X-Forwarded-For from an untrusted peer escaped the limit: %d", got)
	}
}
