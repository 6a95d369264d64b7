package notify_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/notify"
	"github.com/fairline/fairline/internal/notify/notifyfake"
)

const (
	template = "f33517ff-2a88-4f6e-b855-c550268ce08a"
	// Numbers in Ofcom's drama range: nobody's.
	mobile  = "07700 900123"
	mobile2 = "+44 7700 900456"
)

// fakeNotify serves a fake Notify knowing one key and one template with a ((link)).
func fakeNotify(t *testing.T, o notifyfake.Options) (*notifyfake.Server, *httptest.Server, notify.APIKey) {
	t.Helper()
	key := notifyfake.NewKey("fairline-test")
	o.Keys = append(o.Keys, key)
	if o.Templates == nil {
		o.Templates = map[string]string{template: "How did we do? ((link))"}
	}
	fake, err := notifyfake.New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(func() { fake.Close(); srv.Close() })
	return fake, srv, key
}

func newClient(t *testing.T, url string, key notify.APIKey, opts ...notify.Option) *notify.Client {
	t.Helper()
	c, err := notify.New(url, key.Name+"-"+key.ServiceID+"-"+key.Secret(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func survey(number, ref string) notify.SMS {
	return notify.SMS{PhoneNumber: number, TemplateID: template, Reference: ref,
		Personalisation: map[string]string{"link": "https://fairline.example/s/abc"}}
}

func TestSendAndLookUp(t *testing.T) {
	fake, srv, key := fakeNotify(t, notifyfake.Options{})
	c := newClient(t, srv.URL, key)
	ctx := context.Background()
	n, err := c.SendSMS(ctx, survey(mobile, "req-1"))
	if err != nil {
		t.Fatal(err)
	}
	if !notify.IsUUID(n.ID) || n.Reference != "req-1" {
		t.Errorf("notification %+v", n)
	}
	got := fake.Received()
	if len(got) != 1 || got[0].PhoneNumber != "447700900123" || got[0].Reference != "req-1" ||
		got[0].Body != "How did we do? https://fairline.example/s/abc" || got[0].ServiceID != key.ServiceID {
		t.Fatalf("received %+v", got)
	}
	if fake.SentTo("+447700900123") != 1 || fake.SentTo(mobile2) != 0 {
		t.Error("SentTo miscounts")
	}
	found, ok, err := c.NotificationByReference(ctx, "req-1")
	if err != nil || !ok || found.ID != n.ID || found.Status != "delivered" || found.CreatedAt.IsZero() {
		t.Fatalf("look-up: %+v %v %v", found, ok, err)
	}
	// Notify's look-up answer carries the number; what the client returns does not.
	if s := fmt.Sprintf("%+v", found); strings.Contains(s, "900123") {
		t.Errorf("look-up result holds the number: %s", s)
	}
	if _, ok, err := c.NotificationByReference(ctx, "req-2"); ok || err != nil {
		t.Errorf("unknown reference found: %v %v", ok, err)
	}
}

// Every refusal is an *APIError classed as Notify means it, and none holds the number.
func TestRefusals(t *testing.T) {
	skewed := func(d time.Duration) notify.Option {
		return notify.WithClock(func() time.Time { return time.Now().Add(d) })
	}
	cases := []struct {
		name      string
		key       func(k notify.APIKey) notify.APIKey
		opts      []notify.Option
		sms       notify.SMS
		status    int
		kind, msg string
		permanent bool
	}{
		{"landline", nil, nil, survey("0116 496 0123", "r"), 400, "ValidationError", "phone_number Not a UK mobile number", true},
		{"too short", nil, nil, survey("07700 90012", "r"), 400, "ValidationError", "phone_number Not enough digits", true},
		{"letters", nil, nil, survey("07700 9OO123", "r"), 400, "ValidationError", "phone_number Must not contain letters or symbols", true},
		{"unknown template", nil, nil, notify.SMS{PhoneNumber: mobile, TemplateID: "0f33517f-2a88-4f6e-b855-c550268ce08a"}, 400, "BadRequestError", "Template not found", true},
		{"no personalisation", nil, nil, notify.SMS{PhoneNumber: mobile, TemplateID: template}, 400, "BadRequestError", "Missing personalisation: link", true},
		{"unknown service", func(k notify.APIKey) notify.APIKey {
			k2, _ := notify.NewAPIKey(k.Name, notifyfake.NewUUID(), k.Secret())
			return k2
		},
			nil, survey(mobile, "r"), 403, "AuthError", "Invalid token: service not found", true},
		{"wrong secret", func(k notify.APIKey) notify.APIKey {
			k2, _ := notify.NewAPIKey(k.Name, k.ServiceID, notifyfake.NewUUID())
			return k2
		},
			nil, survey(mobile, "r"), 403, "AuthError", "Invalid token: API key not found", true},
		{"clock 31 s slow", nil, []notify.Option{skewed(-31 * time.Second)}, survey(mobile, "r"), 403, "AuthError", "Your system clock must be accurate to within 30 seconds", true},
		{"clock 31 s fast", nil, []notify.Option{skewed(31 * time.Second)}, survey(mobile, "r"), 403, "AuthError", "Your system clock must be accurate to within 30 seconds", true},
	}
	fake, srv, key := fakeNotify(t, notifyfake.Options{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := key
			if c.key != nil {
				k = c.key(key)
			}
			_, err := newClient(t, srv.URL, k, c.opts...).SendSMS(context.Background(), c.sms)
			var ae *notify.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an *APIError", err)
			}
			if ae.StatusCode != c.status || len(ae.Errors) != 1 || ae.Errors[0].Error != c.kind || !strings.Contains(ae.Errors[0].Message, c.msg) {
				t.Errorf("got %d %+v, want %d %s %q", ae.StatusCode, ae.Errors, c.status, c.kind, c.msg)
			}
			if ae.Permanent() != c.permanent || ae.Temporary() == c.permanent {
				t.Errorf("permanent = %v", ae.Permanent())
			}
			if s := fmt.Sprintf("%v %+v", err, ae); strings.Contains(s, "900123") || strings.Contains(s, "4960123") {
				t.Errorf("error holds the number: %s", s)
			}
		})
	}
	if n := len(fake.Received()); n != 0 {
		t.Errorf("%d refused messages were kept", n)
	}
}

func TestTemporaryFailures(t *testing.T) {
	now := time.Now()
	fake, srv, key := fakeNotify(t, notifyfake.Options{RateLimit: 2, Now: func() time.Time { return now }})
	c := newClient(t, srv.URL, key, notify.WithClock(func() time.Time { return now }), notify.WithTimeout(300*time.Millisecond))
	ctx := context.Background()

	fake.FailNext(notifyfake.ServerError, 1)
	_, err := c.SendSMS(ctx, survey(mobile, "a"))
	var ae *notify.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 500 || !ae.Temporary() || ae.Errors[0].Error != "Exception" {
		t.Fatalf("500: %v", err)
	}

	for i := range 2 {
		if _, err := c.SendSMS(ctx, survey(mobile, fmt.Sprint("ok", i))); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(20 * time.Second)
	_, err = c.SendSMS(ctx, survey(mobile, "limited"))
	if !errors.As(err, &ae) || ae.StatusCode != 429 || !ae.Temporary() || ae.Errors[0].Error != "RateLimitError" || ae.RetryAfter != 40*time.Second {
		t.Fatalf("429: %v %+v", err, ae)
	}

	now = now.Add(time.Minute)
	fake.FailNext(notifyfake.Hang, 1)
	start := time.Now()
	_, err = c.SendSMS(ctx, survey(mobile, "hung"))
	if err == nil || errors.As(err, &ae) || !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("hang: %v after %v", err, time.Since(start))
	}
	if strings.Contains(err.Error(), "900123") {
		t.Errorf("transport error holds the number: %v", err)
	}

	// Accepted but the answer lost: the sender cannot tell it from a hang, and the look-up by
	// reference is how it finds out the message went.
	fake.FailNext(notifyfake.AcceptThenHang, 1)
	if _, err := c.SendSMS(ctx, survey(mobile, "lost-answer")); err == nil {
		t.Fatal("lost answer: no error")
	}
	if _, ok, err := c.NotificationByReference(ctx, "lost-answer"); !ok || err != nil {
		t.Fatalf("the accepted message is not found: %v %v", ok, err)
	}
	if _, ok, _ := c.NotificationByReference(ctx, "hung"); ok {
		t.Error("a message that never reached Notify was found")
	}
}

// Errors from something that is not Notify (a proxy) and numbers in Notify's own messages.
func TestForeignAnswers(t *testing.T) {
	cases := []struct {
		name        string
		status      int
		header      string
		body        string
		wantKind    string
		wantMessage string
		retry       time.Duration
	}{
		{"proxy page", 502, "", "<html>Bad gateway</html>", "BadGateway", "", 0},
		{"number in message", 400, "", `{"status_code":400,"errors":[{"error":"ValidationError","message":"phone_number 07700 900123 Not a UK mobile number"}]}`,
			"ValidationError", "phone_number [number removed] Not a UK mobile number", 0},
		{"retry after seconds", 429, "7", `{"status_code":429,"errors":[{"error":"RateLimitError","message":"x"}]}`, "RateLimitError", "x", 7 * time.Second},
		{"retry after date", 429, time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat), `{"errors":[{"error":"TooManyRequestsError","message":"x"}]}`, "TooManyRequestsError", "x", 89 * time.Second},
		{"retry after nonsense", 429, "soon", `{"errors":[{"error":"RateLimitError","message":"x"}]}`, "RateLimitError", "x", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c.header != "" {
					w.Header().Set("Retry-After", c.header)
				}
				w.WriteHeader(c.status)
				fmt.Fprint(w, c.body)
			}))
			defer srv.Close()
			_, err := newClient(t, srv.URL, notifyfake.NewKey("k")).SendSMS(context.Background(), survey(mobile, "r"))
			var ae *notify.APIError
			if !errors.As(err, &ae) || ae.StatusCode != c.status || ae.Errors[0].Error != c.wantKind || ae.Errors[0].Message != c.wantMessage {
				t.Fatalf("got %v %+v", err, ae)
			}
			if d := ae.RetryAfter - c.retry; d < 0 || d > 2*time.Second {
				t.Errorf("RetryAfter = %v, want %v", ae.RetryAfter, c.retry)
			}
		})
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	for _, c := range []struct{ url, key, want string }{
		{"ftp://notify", docKey, "absolute http(s) URL"},
		{"/v2", docKey, "absolute http(s) URL"},
		{"https://u:p@notify.example", docKey, "absolute http(s) URL"},
		{"", "nonsense", "too short"},
	} {
		if _, err := notify.New(c.url, c.key); err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), docSecret) {
			t.Errorf("New(%q, key): %v, want %q", c.url, err, c.want)
		}
	}
	c, err := notify.New("", docKey)
	if err != nil || c.ServiceID() != docService {
		t.Errorf("default: %v %v", c, err)
	}
}
