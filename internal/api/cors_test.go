package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// The chat widget on a configured council website may call the chat API
// across origins; other sites may not, and no other route opens up.
func TestWidgetCrossOrigin(t *testing.T) {
	_, srv := newApp(t)
	do := func(method, path, origin, body string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Origin", origin)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	pre := do("OPTIONS", "/api/v1/chat", "https://www.council.example", "")
	if pre.StatusCode != http.StatusNoContent || pre.Header.Get("Access-Control-Allow-Origin") != "https://www.council.example" ||
		!strings.Contains(pre.Header.Get("Access-Control-Allow-Headers"), "Content-Type") {
		t.Errorf("preflight from the council: %d %v", pre.StatusCode, pre.Header)
	}
	if r := do("OPTIONS", "/api/v1/chat", "https://evil.example", ""); r.StatusCode != http.StatusForbidden || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another site: %d", r.StatusCode)
	}
	r := do("POST", "/api/v1/chat", "https://www.council.example", `{"message":"how do I apply for a blue badge"}`)
	if r.StatusCode != http.StatusOK || r.Header.Get("Access-Control-Allow-Origin") != "https://www.council.example" {
		t.Errorf("cross-origin question from the council: %d %v", r.StatusCode, r.Header)
	}
	if r := do("POST", "/api/v1/chat", "https://evil.example", `{"message":"hello"}`); r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("another site may read answers")
	}
	// Other routes still refuse cross-site browser requests.
	if r := do("POST", "/sign-in", "https://www.council.example", "email=a@b.c"); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site sign-in POST: %d", r.StatusCode)
	}
}
