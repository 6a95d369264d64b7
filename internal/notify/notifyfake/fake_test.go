package notifyfake_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/notify"
	"github.com/fairline/fairline/internal/notify/notifyfake"
)

const tmpl = "f33517ff-2a88-4f6e-b855-c550268ce08a"

// jwt builds a token by hand, so the fake's checks are tested apart from the client's signer.
func jwt(header, claims, secret string) string {
	enc := base64.RawURLEncoding
	s := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(s))
	return s + "." + enc.EncodeToString(mac.Sum(nil))
}

type fixture struct {
	fake *notifyfake.Server
	srv  *httptest.Server
	key  notify.APIKey
	now  time.Time
}

func newFixture(t *testing.T, o notifyfake.Options) *fixture {
	t.Helper()
	fx := &fixture{key: notifyfake.NewKey("test"), now: time.Unix(1_800_000_000, 0)}
	o.Keys = append(o.Keys, fx.key)
	o.Templates = map[string]string{tmpl: "Rate us: ((link))"}
	o.Now = func() time.Time { return fx.now }
	fake, err := notifyfake.New(o)
	if err != nil {
		t.Fatal(err)
	}
	fx.fake, fx.srv = fake, httptest.NewServer(fake)
	t.Cleanup(func() { fake.Close(); fx.srv.Close() })
	return fx
}

func (fx *fixture) token() string {
	return jwt(`{"typ":"JWT","alg":"HS256"}`, fmt.Sprintf(`{"iss":%q,"iat":%d}`, fx.key.ServiceID, fx.now.Unix()), fx.key.Secret())
}

// call makes a request with auth as the Authorization header and returns status and body.
func (fx *fixture) call(t *testing.T, method, path, auth, body string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, fx.srv.URL+path, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data), resp.Header
}

const okBody = `{"phone_number":"07700 900123","template_id":"` + tmpl + `","personalisation":{"link":"https://x.example/s/1"},"reference":"r1"}`

// errorOf decodes Notify's error body.
func errorOf(t *testing.T, body string) (int, string, string) {
	t.Helper()
	var e struct {
		StatusCode int                 `json:"status_code"`
		Errors     []notify.ErrorEntry `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || len(e.Errors) != 1 {
		t.Fatalf("not Notify's error body: %s", body)
	}
	return e.StatusCode, e.Errors[0].Error, e.Errors[0].Message
}

// Every authentication check, with Notify's status and message.
func TestAuthentication(t *testing.T) {
	fx := newFixture(t, notifyfake.Options{})
	other := notifyfake.NewKey("other")
	hdr := `{"typ":"JWT","alg":"HS256"}`
	claims := func(iss string, iat int64) string { return fmt.Sprintf(`{"iss":%q,"iat":%d}`, iss, iat) }
	svc, sec, now := fx.key.ServiceID, fx.key.Secret(), fx.now.Unix()
	cases := []struct {
		name, auth string
		status     int
		msg        string
	}{
		{"valid", "Bearer " + fx.token(), 201, ""},
		{"bearer in lower case", "bearer " + fx.token(), 201, ""},
		{"iat 30 s ago", "Bearer " + jwt(hdr, claims(svc, now-30), sec), 201, ""},
		{"iat 30 s ahead", "Bearer " + jwt(hdr, claims(svc, now+30), sec), 201, ""},
		{"upper-case service id", "Bearer " + jwt(hdr, claims(strings.ToUpper(svc), now), sec), 201, ""},
		{"no header", "", 401, "Unauthorized: authentication token must be provided"},
		{"basic scheme", "Basic " + fx.token(), 401, "Unauthorized: authentication bearer scheme must be used"},
		{"not a JWT", "Bearer abc", 403, "Invalid token: signature, api token is not valid"},
		{"claims not JSON", "Bearer " + jwt(hdr, "iss", sec), 403, "Invalid token: signature, api token is not valid"},
		{"no iss", "Bearer " + jwt(hdr, fmt.Sprintf(`{"iat":%d}`, now), sec), 403, "Invalid token: iss field not provided"},
		{"unknown service", "Bearer " + jwt(hdr, claims(other.ServiceID, now), other.Secret()), 403, "Invalid token: service not found"},
		{"wrong secret", "Bearer " + jwt(hdr, claims(svc, now), other.Secret()), 403, "Invalid token: API key not found"},
		{"signature altered", "Bearer " + fx.token()[:len(fx.token())-2] + "AA", 403, "Invalid token: API key not found"},
		{"alg none", "Bearer " + jwt(`{"typ":"JWT","alg":"none"}`, claims(svc, now), sec), 403, "Invalid token: API key not found"},
		{"no iat", "Bearer " + jwt(hdr, fmt.Sprintf(`{"iss":%q}`, svc), sec), 403, "Invalid token: signature, api token is not valid"},
		{"iat 31 s ago", "Bearer " + jwt(hdr, claims(svc, now-31), sec), 403, "Error: Your system clock must be accurate to within 30 seconds"},
		{"iat 31 s ahead", "Bearer " + jwt(hdr, claims(svc, now+31), sec), 403, "Error: Your system clock must be accurate to within 30 seconds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body, _ := fx.call(t, "POST", "/v2/notifications/sms", c.auth, okBody)
			if status != c.status {
				t.Fatalf("status %d (%s), want %d", status, body, c.status)
			}
			if c.msg == "" {
				return
			}
			code, kind, msg := errorOf(t, body)
			if code != c.status || kind != "AuthError" || msg != c.msg {
				t.Errorf("got %d %s %q, want %q", code, kind, msg, c.msg)
			}
		})
	}
	if n := len(fx.fake.Received()); n != 5 {
		t.Errorf("%d messages kept, want the 5 authenticated", n)
	}
}

// Every check of the request body.
func TestSendChecks(t *testing.T) {
	fx := newFixture(t, notifyfake.Options{})
	body := func(fields string) string { return "{" + fields + "}" }
	tid := `"template_id":"` + tmpl + `"`
	pers := `"personalisation":{"link":"L"}`
	cases := []struct {
		name, body string
		status     int
		kind, msg  string
	}{
		{"valid", okBody, 201, "", ""},
		{"+44 form", body(`"phone_number":"+44 7700 900123",` + tid + "," + pers), 201, "", ""},
		{"44 form with (0)", body(`"phone_number":"44 (0)7700-900123",` + tid + "," + pers), 201, "", ""},
		{"personalisation as number", body(`"phone_number":"07700900123",` + tid + `,"personalisation":{"link":5}`), 201, "", ""},
		{"not JSON", "phone=07700900123", 400, "ValidationError", "Invalid JSON supplied in POST data"},
		{"unknown field", body(`"phone_number":"07700900123",` + tid + `,"email_address":"a@b.c"`), 400, "ValidationError", "Additional properties are not allowed"},
		{"no phone number", body(tid + "," + pers), 400, "ValidationError", "phone_number is a required property"},
		{"no template", body(`"phone_number":"07700900123"`), 400, "ValidationError", "template_id is a required property"},
		{"template not a uuid", body(`"phone_number":"07700900123","template_id":"survey"`), 400, "ValidationError", "template_id is not a valid UUID"},
		{"unknown template", body(`"phone_number":"07700900123","template_id":"` + notifyfake.NewUUID() + `"`), 400, "BadRequestError", "Template not found"},
		{"landline", body(`"phone_number":"0116 496 0000",` + tid + "," + pers), 400, "ValidationError", "phone_number Not a UK mobile number"},
		{"too long", body(`"phone_number":"07700 9001234",` + tid + "," + pers), 400, "ValidationError", "phone_number Too many digits"},
		{"missing personalisation", body(`"phone_number":"07700900123",` + tid), 400, "BadRequestError", "Missing personalisation: link"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, got, _ := fx.call(t, "POST", "/v2/notifications/sms", "Bearer "+fx.token(), c.body)
			if status != c.status {
				t.Fatalf("status %d (%s), want %d", status, got, c.status)
			}
			if c.status == 201 {
				var ok struct {
					ID      string `json:"id"`
					Content struct {
						Body string `json:"body"`
					} `json:"content"`
				}
				if json.Unmarshal([]byte(got), &ok) != nil || !notify.IsUUID(ok.ID) || !strings.HasPrefix(ok.Content.Body, "Rate us: ") {
					t.Errorf("answer %s", got)
				}
				return
			}
			code, kind, msg := errorOf(t, got)
			if code != c.status || kind != c.kind || msg != c.msg {
				t.Errorf("got %d %s %q, want %s %q", code, kind, msg, c.kind, c.msg)
			}
			if strings.Contains(got, "900123") || strings.Contains(got, "4960000") {
				t.Errorf("the error answer repeats the number: %s", got)
			}
		})
	}
	if got := fx.fake.SentTo("07700900123"); got != 4 {
		t.Errorf("SentTo = %d, want the 4 accepted", got)
	}
	fx.fake.Forget()
	if len(fx.fake.Received()) != 0 || fx.fake.SentTo("07700900123") != 0 {
		t.Error("Forget kept messages")
	}
}

func TestUKMobile(t *testing.T) {
	cases := []struct{ in, want, bad string }{
		{"07700900123", "447700900123", ""},
		{"07700 900 123", "447700900123", ""},
		{"+447700900123", "447700900123", ""},
		{"447700900123", "447700900123", ""},
		{"0044 7700 900123", "447700900123", ""},
		{"+44 (0) 7700-900.123", "447700900123", ""},
		{"7700900123", "447700900123", ""},
		{"\t07700\u00a0900123\n", "447700900123", ""},
		{"01164960000", "", "Not a UK mobile number"},
		{"+33 6 12 34 56 78", "", "Not a UK mobile number"},
		{"", "", "Not a UK mobile number"},
		{"0770090012", "", "Not enough digits"},
		{"077009001234", "", "Too many digits"},
		{"07700-900-12x", "", "Must not contain letters or symbols"},
		{"０７７００９００１２３", "", "Must not contain letters or symbols"},
	}
	for _, c := range cases {
		got, bad := notifyfake.UKMobile(c.in)
		if got != c.want || bad != c.bad {
			t.Errorf("UKMobile(%q) = %q, %q; want %q, %q", c.in, got, bad, c.want, c.bad)
		}
	}
}

// 3,000 send requests in any 60 seconds; refused ones count, as in Notify's sliding window.
func TestRateLimit(t *testing.T) {
	fx := newFixture(t, notifyfake.Options{})
	send := func() (int, http.Header) {
		status, _, h := fx.call(t, "POST", "/v2/notifications/sms", "Bearer "+fx.token(), okBody)
		return status, h
	}
	start := fx.now
	for i := range notifyfake.RateLimit {
		fx.now = start.Add(time.Duration(i) * 10 * time.Millisecond) // 3,000 over 30 s
		if s, _ := send(); s != 201 {
			t.Fatalf("request %d refused: %d", i+1, s)
		}
	}
	status, h := send()
	_, body, _ := fx.call(t, "POST", "/v2/notifications/sms", "Bearer "+fx.token(), okBody)
	if status != 429 || h.Get("Retry-After") != "31" {
		t.Fatalf("request 3,001: %d, Retry-After %q", status, h.Get("Retry-After"))
	}
	if code, kind, msg := errorOf(t, body); code != 429 || kind != "RateLimitError" || msg != "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds" {
		t.Errorf("got %d %s %q", code, kind, msg)
	}
	// Look-ups are not sends.
	if s, _, _ := fx.call(t, "GET", "/v2/notifications?reference=r1", "Bearer "+fx.token(), ""); s != 200 {
		t.Errorf("look-up refused while sends are limited: %d", s)
	}
	// 70 s on, the first 1,001 requests (to 10 s, inclusive) have left the window; the other
	// 1,999 accepted and the 2 refused still count, leaving room for 999.
	fx.now = start.Add(time.Minute + 10*time.Second)
	for i := range 999 {
		if s, _ := send(); s != 201 {
			t.Fatalf("after the window moved, request %d refused: %d", i+1, s)
		}
	}
	if s, _ := send(); s != 429 {
		t.Errorf("limit not reached again: %d", s)
	}
	if got := len(fx.fake.Received()); got != notifyfake.RateLimit+999 {
		t.Errorf("%d kept, want %d", got, notifyfake.RateLimit+999)
	}
}

func TestFailures(t *testing.T) {
	fx := newFixture(t, notifyfake.Options{})
	send := func() int {
		s, _, _ := fx.call(t, "POST", "/v2/notifications/sms", "Bearer "+fx.token(), okBody)
		return s
	}
	fx.fake.FailNext(notifyfake.ServerError, 2)
	if a, b, c := send(), send(), send(); a != 500 || b != 500 || c != 201 {
		t.Errorf("next 2 failing: %d %d %d", a, b, c)
	}
	fx.fake.FailNext(notifyfake.ServerError, notifyfake.Forever)
	for range 5 {
		if s := send(); s != 500 {
			t.Fatalf("permanent failure answered %d", s)
		}
	}
	// Even unauthenticated requests: the outage comes first.
	if s, _, _ := fx.call(t, "GET", "/v2/notifications", "", ""); s != 500 {
		t.Errorf("during an outage an unauthenticated request got %d", s)
	}
	fx.fake.Recover()
	if s := send(); s != 201 {
		t.Errorf("after Recover: %d", s)
	}
	if n := len(fx.fake.Received()); n != 2 {
		t.Errorf("%d kept, want the 2 answered 201", n)
	}

	// A hung request is answered by nothing: the client gives up.
	fx.fake.FailNext(notifyfake.Hang, 1)
	c := &http.Client{Timeout: 200 * time.Millisecond}
	req, _ := http.NewRequest("POST", fx.srv.URL+"/v2/notifications/sms", strings.NewReader(okBody))
	req.Header.Set("Authorization", "Bearer "+fx.token())
	if resp, err := c.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("hung request answered %d", resp.StatusCode)
	}
	if n := len(fx.fake.Received()); n != 2 {
		t.Errorf("a hung request was kept")
	}
}

// Look-ups show a service only its own messages, with Notify's fields, the number included.
func TestLookUp(t *testing.T) {
	fx := newFixture(t, notifyfake.Options{})
	other := notifyfake.NewKey("other")
	fake2, err := notifyfake.New(notifyfake.Options{Keys: []notify.APIKey{fx.key, other}, Templates: map[string]string{tmpl: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	srv2 := httptest.NewServer(fake2)
	defer srv2.Close()
	fx.call(t, "POST", "/v2/notifications/sms", "Bearer "+fx.token(), okBody)
	fx.call(t, "POST", "/v2/notifications/sms", "Bearer "+fx.token(), strings.Replace(okBody, `"r1"`, `"r2"`, 1))
	status, body, _ := fx.call(t, "GET", "/v2/notifications?reference=r2&template_type=sms", "Bearer "+fx.token(), "")
	var page struct {
		Notifications []struct {
			ID, Reference, Status, Type string
			PhoneNumber                 string `json:"phone_number"`
			CreatedAt                   string `json:"created_at"`
		} `json:"notifications"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &page) != nil || len(page.Notifications) != 1 {
		t.Fatalf("%d %s", status, body)
	}
	n := page.Notifications[0]
	if n.Reference != "r2" || n.Status != "delivered" || n.Type != "sms" || n.PhoneNumber != "447700900123" || n.CreatedAt != "2027-01-15T08:00:00.000000Z" {
		t.Errorf("notification %+v", n)
	}
	if s, b, _ := fx.call(t, "GET", "/v2/notifications/"+n.ID, "Bearer "+fx.token(), ""); s != 200 || !strings.Contains(b, `"r2"`) {
		t.Errorf("by id: %d %s", s, b)
	}
	for _, c := range []struct {
		path   string
		status int
		kind   string
	}{
		{"/v2/notifications/" + notifyfake.NewUUID(), 404, "NoResultFound"},
		{"/v2/notifications/abc", 400, "ValidationError"},
		{"/v2/notifications?template_type=fax", 400, "ValidationError"},
		{"/v2/nothing", 404, "BadRequestError"},
	} {
		s, b, _ := fx.call(t, "GET", c.path, "Bearer "+fx.token(), "")
		if code, kind, _ := errorOf(t, b); s != c.status || code != c.status || kind != c.kind {
			t.Errorf("%s: %d %s", c.path, s, b)
		}
	}
	if s, b, _ := fx.call(t, "GET", "/v2/notifications?template_type=email", "Bearer "+fx.token(), ""); s != 200 || !strings.Contains(b, `"notifications":[]`) {
		t.Errorf("e-mails: %d %s", s, b)
	}
	// The other service on a server that knows both keys sees nothing of the first's.
	c, _ := notify.New(srv2.URL, other.Name+"-"+other.ServiceID+"-"+other.Secret())
	first, _ := notify.New(srv2.URL, fx.key.Name+"-"+fx.key.ServiceID+"-"+fx.key.Secret())
	if _, err := first.SendSMS(t.Context(), notify.SMS{PhoneNumber: "07700900123", TemplateID: tmpl, Reference: "mine"}); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := c.NotificationByReference(t.Context(), "mine"); ok || err != nil {
		t.Errorf("another service's message found: %v %v", ok, err)
	}
	if _, ok, err := first.NotificationByReference(t.Context(), "mine"); !ok || err != nil {
		t.Errorf("own message not found: %v %v", ok, err)
	}
}
