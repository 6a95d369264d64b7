package surveys

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/notify"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
	"github.com/fairline/fairline/internal/testutil/fakeclock"
	"github.com/fairline/fairline/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// fakeNotify behaves like GOV.UK Notify as the Sender contract describes it: it accepts a
// message and remembers it by reference, or refuses it with the *APIError refuse returns.
// lose makes it accept a message but answer with a transport error, as when the connection
// drops after Notify took the request.
type fakeNotify struct {
	mu        sync.Mutex
	sent      []notify.SMS
	byRef     map[string]notify.Notification
	refuse    func(m notify.SMS) error
	lose      bool
	lookupErr error
}

func newFake() *fakeNotify { return &fakeNotify{byRef: map[string]notify.Notification{}} }

func (f *fakeNotify) SendSMS(_ context.Context, m notify.SMS) (notify.Notification, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refuse != nil {
		if err := f.refuse(m); err != nil {
			return notify.Notification{}, err
		}
	}
	if _, dup := f.byRef[m.Reference]; dup {
		return notify.Notification{}, fmt.Errorf("test: reference %s sent twice", m.Reference)
	}
	n := notify.Notification{ID: fmt.Sprint(len(f.sent) + 1), Reference: m.Reference, Status: "created"}
	f.sent = append(f.sent, m)
	f.byRef[m.Reference] = n
	if f.lose {
		return notify.Notification{}, errors.New("read tcp: connection reset by peer")
	}
	return n, nil
}

func (f *fakeNotify) NotificationByReference(_ context.Context, ref string) (notify.Notification, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lookupErr != nil {
		return notify.Notification{}, false, f.lookupErr
	}
	n, ok := f.byRef[ref]
	return n, ok, nil
}

func (f *fakeNotify) count() int { f.mu.Lock(); defer f.mu.Unlock(); return len(f.sent) }

// Monday 23 November 2026, 10:00 UK time (GMT).
var start = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

const caller = "+447911123456"

type env struct {
	db     *store.DB
	clock  *fakeclock.Clock
	notify *fakeNotify
	svc    *Service
	mu     sync.Mutex
	pol    *policy.Policy
}

func (e *env) policy() *policy.Policy { e.mu.Lock(); defer e.mu.Unlock(); return e.pol }

func (e *env) setPolicy(t *testing.T, edit func(string) string) {
	t.Helper()
	doc := edit(string(policy.DefaultYAML()))
	p, err := policy.Parse("test.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	e.pol = p
	e.mu.Unlock()
}

var sealKey = bytes.Repeat([]byte{7}, 32)

func defaultPolicy() *policy.Policy { return policy.Default() }

func newClock() *fakeclock.Clock { return fakeclock.New(start) }

func newEnv(t *testing.T, db *store.DB) *env {
	e := &env{db: db, clock: newClock(), notify: newFake(), pol: defaultPolicy()}
	e.svc = e.service("w-1")
	return e
}

func (e *env) service(worker string) *Service {
	return New(e.db, e.policy, sealKey, Options{Sender: e.notify, BaseURL: "https://fairline.example", Now: e.clock.Now, Worker: worker})
}

// call stores a call of area that ended at ended, as recording.Ingest does.
func (e *env) call(t *testing.T, area string, ended time.Time) {
	t.Helper()
	if err := e.db.Tx(context.Background(), func(q *store.Q) error {
		return e.svc.CallStored(context.Background(), q, area, caller, ended)
	}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) requests(t *testing.T) []store.SurveyRequest {
	t.Helper()
	rs, err := e.db.Q().AllSurveyRequests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func (e *env) only(t *testing.T) store.SurveyRequest {
	t.Helper()
	rs := e.requests(t)
	if len(rs) != 1 {
		t.Fatalf("%d survey requests, want 1", len(rs))
	}
	return rs[0]
}

func (e *env) send(t *testing.T) Summary {
	t.Helper()
	sum, err := e.svc.Send(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// holdsNumber fails unless the request holds a sealed number exactly when want says.
func holdsNumber(t *testing.T, r store.SurveyRequest, want bool) {
	t.Helper()
	if (r.NumberCT != "") != want {
		t.Errorf("request %s (%s) holds a number: %v, want %v", r.Reference, r.State, r.NumberCT != "", want)
	}
	if strings.Contains(r.NumberCT, "7911123456") {
		t.Errorf("the sealed number shows the digits")
	}
}

func TestSentDestroysNumber(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		e.call(t, "adult-social-care", start)
		r := e.only(t)
		holdsNumber(t, r, true)
		if r.State != store.SurveyDue || !r.DueAt.Equal(start.Add(time.Hour)) || !r.ExpiresAt.Equal(start.Add(72*time.Hour)) {
			t.Errorf("request %+v: want due an hour after the call, expiring 72 hours after it", r)
		}
		if got, err := e.svc.open(r); err != nil || got != caller {
			t.Errorf("sealed number opens to %q, %v", got, err)
		}

		e.clock.Add(30 * time.Minute)
		if sum := e.send(t); sum.Sent != 0 || e.notify.count() != 0 {
			t.Fatalf("sent before the delay: %+v", sum)
		}
		e.clock.Add(30 * time.Minute)
		if sum := e.send(t); sum.Sent != 1 {
			t.Fatalf("summary %+v, want one sent", sum)
		}
		m := e.notify.sent[0]
		if m.PhoneNumber != caller || m.Reference != r.Reference || m.TemplateID != "a3f1c2d4-5b6e-4f70-8a91-b2c3d4e5f607" ||
			!strings.HasPrefix(m.Personalisation["link"], "https://fairline.example/s/") {
			t.Errorf("sent %+v", m)
		}
		r = e.only(t)
		holdsNumber(t, r, false)
		if r.State != store.SurveySent {
			t.Errorf("state %s, want sent", r.State)
		}
		tok, err := db.Q().SurveyToken(ctx, tokenHash(strings.TrimPrefix(m.Personalisation["link"], "https://fairline.example/s/")), e.clock.Now())
		if err != nil || tok.ServiceArea != "adult-social-care" || tok.Week != "2026-W48" {
			t.Errorf("token %+v, %v", tok, err)
		}
		if n, err := db.Q().CountFinishedSurveyRequestsWithNumber(ctx); err != nil || n != 0 {
			t.Errorf("finished requests holding a number: %d, %v", n, err)
		}
		e.clock.Add(time.Hour)
		e.send(t)
		if e.notify.count() != 1 {
			t.Errorf("sent %d messages, want 1", e.notify.count())
		}
		// Finished requests and used-up links go after their retention.
		e.clock.Add(FinishedRetention)
		e.send(t)
		if rs := e.requests(t); len(rs) != 0 {
			t.Errorf("%d requests left after %s", len(rs), FinishedRetention)
		}
		if n, _ := db.Q().Count(ctx, "survey_tokens"); n != 0 {
			t.Errorf("%d links left after they expired", n)
		}
	})
}

// zeros makes sampling pick 0 (always asked); ninety makes it pick 90.
type fixedReader byte

func (b fixedReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

func TestNoNumberStored(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(string) string
		rand  fixedReader
		noNot bool // no Notify configured
		area  string
		ended time.Duration // before now
	}{
		{"sampling skips the call", func(s string) string {
			return strings.Replace(s, "sample_percent: 100", "sample_percent: 50", 1)
		}, 90, false, "adult-social-care", 0},
		{"area without surveys", func(s string) string {
			return strings.Replace(s, "          enabled: true", "          enabled: false", 1)
		}, 0, false, "adult-social-care", 0},
		{"no Notify configured", func(s string) string { return s }, 0, true, "adult-social-care", 0},
		{"reported after its expiry", func(s string) string { return s }, 0, false, "adult-social-care", 72 * time.Hour},
	}
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := newEnv(t, dbtest.Open(t, db.Dialect()))
				e.setPolicy(t, c.edit)
				e.svc.rand = c.rand
				if c.noNot {
					e.svc.sender = nil
				}
				e.call(t, c.area, start.Add(-c.ended))
				if rs := e.requests(t); len(rs) != 0 {
					t.Errorf("%d requests stored", len(rs))
				}
			})
		}
		t.Run("sampling picks the call", func(t *testing.T) {
			e := newEnv(t, dbtest.Open(t, db.Dialect()))
			e.setPolicy(t, func(s string) string { return strings.Replace(s, "sample_percent: 100", "sample_percent: 91", 1) })
			e.svc.rand = fixedReader(90)
			e.call(t, "adult-social-care", start)
			e.only(t)
		})
		t.Run("the call's transaction rolls back", func(t *testing.T) {
			e := newEnv(t, db)
			before := len(e.requests(t))
			err := db.Tx(context.Background(), func(q *store.Q) error {
				if err := e.svc.CallStored(context.Background(), q, "adult-social-care", caller, start); err != nil {
					return err
				}
				return errors.New("the recording did not store")
			})
			if err == nil || len(e.requests(t)) != before {
				t.Errorf("a request outlived its call's rollback")
			}
		})
	})
}

func TestRefusals(t *testing.T) {
	cases := []struct {
		name      string
		refuse    func(n int) error // the nth attempt's answer (0-based)
		steps     []time.Duration   // clock moves, each followed by a Send
		wantState string
		wantSent  int
	}{
		{"invalid number", func(int) error {
			return &notify.APIError{StatusCode: 400, Errors: []notify.ErrorEntry{{Error: "ValidationError", Message: "Not a UK mobile number"}}}
		}, []time.Duration{time.Hour}, store.SurveyFailed, 0},
		{"rate limited, then accepted", func(n int) error {
			if n == 0 {
				return &notify.APIError{StatusCode: 429, RetryAfter: 5 * time.Minute}
			}
			return nil
		}, []time.Duration{time.Hour, time.Minute, 5 * time.Minute}, store.SurveySent, 1},
		{"rate limited until expiry", func(int) error { return &notify.APIError{StatusCode: 429} },
			[]time.Duration{time.Hour, 24 * time.Hour, 24 * time.Hour, 24 * time.Hour}, store.SurveyExpired, 0},
		{"server error, never accepted, then sent", func(n int) error {
			if n == 0 {
				return &notify.APIError{StatusCode: 500}
			}
			return nil
		}, []time.Duration{time.Hour, 3 * time.Minute}, store.SurveySent, 1},
	}
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := newEnv(t, dbtest.Open(t, db.Dialect()))
				attempts := 0
				e.notify.refuse = func(notify.SMS) error { attempts++; return c.refuse(attempts - 1) }
				e.call(t, "adult-social-care", start)
				for _, d := range c.steps {
					e.clock.Add(d)
					e.send(t)
				}
				r := e.only(t)
				if r.State != c.wantState || e.notify.count() != c.wantSent {
					t.Errorf("state %s with %d sent after %d attempts, want %s with %d", r.State, e.notify.count(), attempts, c.wantState, c.wantSent)
				}
				holdsNumber(t, r, false)
			})
		}
	})
}

// A sender that dies between Notify's answer and its commit leaves the request "sending";
// whoever works the outbox after its claim lapses asks Notify by reference and finishes it
// without sending again.
func TestCrashBetweenSendAndCommit(t *testing.T) {
	cases := []struct {
		name     string
		accepted bool // Notify took the message before the crash
		want     string
		wantSent int
	}{
		{"Notify has it", true, store.SurveySent, 1},
		{"Notify never got it", false, store.SurveySent, 1},
	}
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := newEnv(t, dbtest.Open(t, db.Dialect()))
				ctx := context.Background()
				e.call(t, "adult-social-care", start)
				e.clock.Add(time.Hour)
				r := e.only(t)
				dead := e.service("w-dead")
				if ok, err := e.db.Q().ClaimSurveyRequest(ctx, r, "w-dead", e.clock.Now(), e.clock.Now().Add(dead.Lease)); !ok || err != nil {
					t.Fatalf("claim: %v %v", ok, err)
				}
				if c.accepted {
					number, _ := dead.open(r)
					if _, err := e.notify.SendSMS(ctx, notify.SMS{PhoneNumber: number, Reference: r.Reference}); err != nil {
						t.Fatal(err)
					}
				}
				// Before the claim lapses nobody touches it.
				if sum := e.send(t); sum != (Summary{}) || e.only(t).State != store.SurveySending {
					t.Fatalf("a live claim was taken over: %+v", sum)
				}
				e.clock.Add(e.svc.Lease)
				sum := e.send(t)
				r = e.only(t)
				if r.State != c.want || e.notify.count() != c.wantSent || (c.accepted && sum.Resolved != 1) {
					t.Errorf("state %s, %d sent, summary %+v", r.State, e.notify.count(), sum)
				}
				holdsNumber(t, r, false)
			})
		}
		t.Run("connection lost after Notify accepted", func(t *testing.T) {
			e := newEnv(t, dbtest.Open(t, db.Dialect()))
			e.notify.lose = true
			e.call(t, "adult-social-care", start)
			e.clock.Add(time.Hour)
			e.send(t)
			r := e.only(t)
			if r.State != store.SurveySending {
				t.Fatalf("state %s, want sending until resolved", r.State)
			}
			holdsNumber(t, r, true)
			e.notify.lose = false
			e.clock.Add(e.svc.Lease)
			e.send(t)
			if r := e.only(t); r.State != store.SurveySent || e.notify.count() != 1 {
				t.Errorf("state %s with %d sent, want sent once", r.State, e.notify.count())
			}
		})
		t.Run("Notify unreachable until expiry", func(t *testing.T) {
			e := newEnv(t, dbtest.Open(t, db.Dialect()))
			e.notify.lose = true
			e.call(t, "adult-social-care", start)
			e.clock.Add(time.Hour)
			e.send(t)
			e.notify.lookupErr = errors.New("dial tcp: no route to host")
			e.clock.Add(e.svc.Lease)
			e.send(t)
			if r := e.only(t); r.State != store.SurveySending {
				t.Fatalf("state %s, want sending while Notify cannot say", r.State)
			}
			e.clock.Add(72 * time.Hour)
			e.send(t)
			r := e.only(t)
			if r.State != store.SurveyExpired {
				t.Errorf("state %s, want expired", r.State)
			}
			holdsNumber(t, r, false)
		})
	})
}

func TestSendingWindow(t *testing.T) {
	uk, _ := time.LoadLocation("Europe/London")
	cases := []struct {
		name   string
		ended  time.Time
		expiry string
		want   []time.Time // when it may be sent; none: it expires unsent
	}{
		{"due inside the window", time.Date(2026, 11, 23, 10, 0, 0, 0, uk), "72", []time.Time{time.Date(2026, 11, 23, 11, 0, 0, 0, uk)}},
		{"due after closing waits for the morning", time.Date(2026, 11, 23, 19, 30, 0, 0, uk), "72", []time.Time{time.Date(2026, 11, 24, 9, 0, 0, 0, uk)}},
		{"due before opening", time.Date(2026, 11, 24, 6, 0, 0, 0, uk), "72", []time.Time{time.Date(2026, 11, 24, 9, 0, 0, 0, uk)}},
		{"summer time", time.Date(2026, 7, 1, 7, 30, 0, 0, uk), "72", []time.Time{time.Date(2026, 7, 1, 9, 0, 0, 0, uk)}},
		{"expires before the window opens", time.Date(2026, 11, 23, 19, 30, 0, 0, uk), "12", nil},
	}
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := newEnv(t, dbtest.Open(t, db.Dialect()))
				e.setPolicy(t, func(s string) string { return strings.Replace(s, "expiry_hours: 72", "expiry_hours: "+c.expiry, 1) })
				e.clock.Set(c.ended)
				e.call(t, "adult-social-care", c.ended)
				// Walk the clock a quarter of an hour at a time for two days.
				var sentAt time.Time
				for range 2 * 24 * 4 {
					e.clock.Add(15 * time.Minute)
					if e.send(t).Sent > 0 {
						sentAt = e.clock.Now()
					}
				}
				switch r := e.only(t); {
				case c.want == nil && (r.State != store.SurveyExpired || !sentAt.IsZero()):
					t.Errorf("state %s, sent at %v: want expired unsent", r.State, sentAt)
				case c.want != nil && !sentAt.Equal(c.want[0]):
					t.Errorf("sent at %v, want %v", sentAt.In(uk), c.want[0])
				}
			})
		}
	})
}

func TestCancelledWhenTheAreaStops(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.call(t, "adult-social-care", start)
		e.setPolicy(t, func(s string) string {
			return strings.Replace(s, "          enabled: true", "          enabled: false", 1)
		})
		if sum := e.send(t); sum.Cancelled != 1 {
			t.Errorf("summary %+v", sum)
		}
		r := e.only(t)
		if r.State != store.SurveyCancelled {
			t.Errorf("state %s", r.State)
		}
		holdsNumber(t, r, false)
	})
}

// Several instances working one outbox send each request exactly once.
func TestInstancesNeverSendTwice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		const calls = 40
		for range calls {
			e.call(t, "adult-social-care", start)
		}
		e.clock.Add(time.Hour)
		var wg sync.WaitGroup
		errs := make(chan error, 3)
		for i := range 3 {
			svc := e.service(fmt.Sprintf("w-%d", i))
			svc.Batch = 7
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := svc.Send(context.Background())
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		e.send(t) // whatever a racing pass left for the next one
		if e.notify.count() != calls {
			t.Errorf("sent %d messages for %d requests", e.notify.count(), calls)
		}
		for _, r := range e.requests(t) {
			if r.State != store.SurveySent {
				t.Errorf("request %s is %s", r.Reference, r.State)
			}
			holdsNumber(t, r, false)
		}
	})
}
