package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/notify"
	"github.com/fairline/fairline/internal/notify/notifyfake"
)

const receipt = `{"id":"740e5834-3a29-46b4-9a6f-16142fde533a","reference":"req-9","to":"07700900123",
"status":"delivered","created_at":"2017-05-14T12:15:30.000000Z","completed_at":"2017-05-14T12:15:32.500000Z",
"sent_at":null,"notification_type":"sms","template_id":"f33517ff-2a88-4f6e-b855-c550268ce08a","template_version":1}`

func callbackRequest(auth, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/notify/callback", strings.NewReader(body))
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	return r
}

func TestReadCallback(t *testing.T) {
	cases := []struct {
		name, configured, auth, body string
		want                         error
	}{
		{"valid", "s3cret-token", "Bearer s3cret-token", receipt, nil},
		{"no header", "s3cret-token", "", receipt, notify.ErrCallbackUnauthorized},
		{"wrong token", "s3cret-token", "Bearer s3cret-tokem", receipt, notify.ErrCallbackUnauthorized},
		{"prefix of the token", "s3cret-token", "Bearer s3cret", receipt, notify.ErrCallbackUnauthorized},
		{"basic scheme", "s3cret-token", "Basic s3cret-token", receipt, notify.ErrCallbackUnauthorized},
		{"nothing configured", "", "Bearer ", receipt, notify.ErrCallbackUnauthorized},
		{"not JSON", "t", "Bearer t", "to=07700900123", notify.ErrCallbackInvalid},
		{"unknown status", "t", "Bearer t", strings.Replace(receipt, `"delivered"`, `"lost"`, 1), notify.ErrCallbackInvalid},
		{"id not a uuid", "t", "Bearer t", strings.Replace(receipt, "740e5834-", "07700900123-", 1), notify.ErrCallbackInvalid},
		{"bad time", "t", "Bearer t", strings.Replace(receipt, `"2017-05-14T12:15:30.000000Z"`, `"07700900123"`, 1), notify.ErrCallbackInvalid},
		{"no created_at", "t", "Bearer t", strings.Replace(receipt, `"created_at":"2017-05-14T12:15:30.000000Z",`, "", 1), notify.ErrCallbackInvalid},
		{"letter", "t", "Bearer t", strings.Replace(receipt, `"sms"`, `"letter"`, 1), notify.ErrCallbackInvalid},
		{"too big", "t", "Bearer t", receipt[:len(receipt)-1] + `,"x":"` + strings.Repeat("a", 70<<10) + `"}`, notify.ErrCallbackInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cb, err := notify.ReadCallback(callbackRequest(c.auth, c.body), c.configured)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if s := fmt.Sprintf("%+v %v", cb, err); strings.Contains(s, "900123") {
				t.Errorf("the number got through: %s", s)
			}
			if c.want != nil {
				return
			}
			want := notify.Callback{ID: "740e5834-3a29-46b4-9a6f-16142fde533a", Reference: "req-9", Status: "delivered",
				CreatedAt: time.Date(2017, 5, 14, 12, 15, 30, 0, time.UTC), CompletedAt: time.Date(2017, 5, 14, 12, 15, 32, 5e8, time.UTC)}
			if cb != want {
				t.Errorf("got %+v\nwant %+v", cb, want)
			}
		})
	}
}

// The fake's delivery receipts, read by ReadCallback behind a real HTTP handler.
func TestFakeCallbacks(t *testing.T) {
	var mu sync.Mutex
	var got []notify.Callback
	cbSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cb, err := notify.ReadCallback(r, "cb-token")
		if err != nil {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		got = append(got, cb)
		mu.Unlock()
	}))
	defer cbSrv.Close()
	fake, srv, key := fakeNotify(t, notifyfake.Options{CallbackURL: cbSrv.URL, CallbackToken: "cb-token",
		Status: func(n string) string {
			if n == "447700900456" {
				return "permanent-failure"
			}
			return "delivered"
		}})
	c := newClient(t, srv.URL, key)
	for i, n := range []string{mobile, mobile2} {
		if _, err := c.SendSMS(context.Background(), survey(n, fmt.Sprint("cb-", i))); err != nil {
			t.Fatal(err)
		}
	}
	fake.WaitCallbacks()
	if fake.CallbackErrors() != 0 || len(got) != 2 {
		t.Fatalf("%d callbacks, %d errors", len(got), fake.CallbackErrors())
	}
	status := map[string]string{}
	for _, cb := range got {
		status[cb.Reference] = cb.Status
	}
	if status["cb-0"] != "delivered" || status["cb-1"] != "permanent-failure" {
		t.Errorf("statuses %v", status)
	}
	// A receiver with another token refuses them, and the fake counts the refusals.
	fake2, srv2, key2 := fakeNotify(t, notifyfake.Options{CallbackURL: cbSrv.URL, CallbackToken: "other"})
	if _, err := newClient(t, srv2.URL, key2).SendSMS(context.Background(), survey(mobile, "x")); err != nil {
		t.Fatal(err)
	}
	fake2.WaitCallbacks()
	if fake2.CallbackErrors() != 1 {
		t.Errorf("refused callbacks counted %d", fake2.CallbackErrors())
	}
}

// FuzzParseCallback: any body either parses or is refused with ErrCallbackInvalid, and whatever
// the "to" field holds never comes out.
func FuzzParseCallback(f *testing.F) {
	f.Add([]byte(receipt))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":"740e5834-3a29-46b4-9a6f-16142fde533a","status":"delivered","notification_type":"email","created_at":"2017-05-14T12:15:30Z","to":"a@b.c"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cb, err := notify.ParseCallback(data)
		if err != nil {
			if !errors.Is(err, notify.ErrCallbackInvalid) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if !notify.IsUUID(cb.ID) || cb.Status == "" || cb.CreatedAt.IsZero() {
			t.Fatalf("accepted an incomplete receipt: %+v", cb)
		}
		var raw map[string]any
		if json.Unmarshal(data, &raw) != nil {
			return
		}
		if to, ok := raw["to"].(string); ok && len(to) >= 5 {
			// The reference is the service's own field and may hold anything it sent.
			if s := fmt.Sprintf("%s %s %s", cb.ID, cb.Status, cb.CreatedAt); strings.Contains(s, to) {
				t.Fatalf("the recipient %q came out: %+v", to, cb)
			}
		}
	})
}
