package cli

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/config"
	"github.com/fairline/fairline/internal/notify"
	"github.com/fairline/fairline/internal/notify/notifyfake"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/apptest"
	"github.com/fairline/fairline/internal/testutil/pgtest"
	"github.com/fairline/fairline/internal/testutil/shared"
)

// surveyRig is real `fairline serve` processes sending surveys to the fake GOV.UK Notify (in
// this test process, over HTTP, so the test can tell it to fail and count what it got), which
// posts its delivery receipts to the first serve's /api/v1/notify/callbacks.
type surveyRig struct {
	dir     string
	env     map[string]string
	cfg     config.Config // the same settings, for opening the app in this process
	fake    *notifyfake.Server
	hits    atomic.Int64 // requests that reached the fake, answered or not
	shift   time.Duration
	logs    syncWriter // every child's log
	serveAt string     // the first serve's address (the callbacks go there)
}

const rigCallbackToken = "cb-9f2e71d04a"

func newSurveyRig(t *testing.T, dialect string) *surveyRig {
	t.Helper()
	r := &surveyRig{dir: t.TempDir()}
	// Noon UK time today: inside every area's sending window whenever the test runs.
	uk, _ := time.LoadLocation("Europe/London")
	y, m, d := time.Now().In(uk).Date()
	r.shift = time.Until(time.Date(y, m, d, 12, 0, 0, 0, uk))
	port, err := shared.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	r.serveAt = "127.0.0.1:" + strconv.Itoa(port)
	key := notifyfake.NewKey("fairline-test")
	r.fake, err = notifyfake.New(notifyfake.Options{Keys: []notify.APIKey{key},
		Templates:   map[string]string{notifyfake.DemoTemplateID: notifyfake.DemoTemplateBody},
		CallbackURL: "http://" + r.serveAt + "/api/v1/notify/callbacks", CallbackToken: rigCallbackToken})
	if err != nil {
		t.Fatal(err)
	}
	ns := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		r.fake.ServeHTTP(w, req)
	}))
	t.Cleanup(func() { r.fake.Close(); ns.Close() })
	// Surveys due as soon as the call ends, so a call stored before serve starts is sent by its
	// first pass over the outbox.
	polFile := filepath.Join(r.dir, "policy.yaml")
	doc := strings.ReplaceAll(string(policy.DefaultYAML()), "delay_minutes: 60", "delay_minutes: 0")
	if err := os.WriteFile(polFile, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	apiKey := key.Name + "-" + key.ServiceID + "-" + key.Secret()
	r.env = map[string]string{"FAIRLINE_DATA_DIR": r.dir, "FAIRLINE_POLICY": polFile, "FAIRLINE_BASE_URL": "https://fairline.example",
		"FAIRLINE_NOTIFY_URL": ns.URL, "FAIRLINE_NOTIFY_API_KEY": apiKey, "FAIRLINE_NOTIFY_CALLBACK_TOKEN": rigCallbackToken,
		"FAIRLINE_NOTIFY_PROCESSOR": "govuk-notify", "FAIRLINE_NOTIFY_LOCATION": "UK",
		"FAIRLINE_TEST_CLOCK_SHIFT": r.shift.String(), "FAIRLINE_TEST_JOB_LEASE": "2s", "FAIRLINE_TEST_SURVEY_LEASE": "2s"}
	r.cfg = apptest.Config(r.dir)
	r.cfg.Policy, r.cfg.BaseURL = polFile, "https://fairline.example"
	r.cfg.NotifyURL, r.cfg.NotifyAPIKey, r.cfg.NotifyCallbackToken = ns.URL, apiKey, rigCallbackToken
	r.cfg.NotifyProcessor, r.cfg.NotifyLocation = "govuk-notify", "UK"
	if dialect == "postgres" {
		r.env["FAIRLINE_DB"] = pgtest.DSN(t)
		r.cfg.DB = r.env["FAIRLINE_DB"]
	}
	return r
}

func (r *surveyRig) now() time.Time { return time.Now().Add(r.shift) }

// calls stores n reported calls (as POST /api/v1/calls does) from 07700 900000 up, before
// serve starts, and returns their numbers.
func (r *surveyRig) calls(t *testing.T, n int) []string {
	t.Helper()
	a := apptest.Open(t, r.cfg, apptest.Options{App: app.Options{Now: r.now}})
	defer a.Close()
	var numbers []string
	for i := range n {
		number := fmt.Sprintf("07700 900%03d", i) // Ofcom's range for drama: nobody's number
		meta := recording.Metadata{ExternalID: fmt.Sprintf("call-%d", i), Direction: "inbound", ServiceArea: "trading-standards",
			AgentID: "a-1", OtherParty: number, StartedAt: r.now().Add(-5 * time.Minute), DurationSeconds: 60}
		if _, err := a.Recordings.RecordCall(context.Background(), "token:1", fmt.Sprintf("k-%d", i), meta); err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, number)
	}
	return numbers
}

// serve starts a serve process; the first one listens where the callbacks go.
func (r *surveyRig) serve(t *testing.T, first bool) (*exec.Cmd, string) {
	t.Helper()
	env := r.env
	if first {
		env = map[string]string{"FAIRLINE_LISTEN": r.serveAt}
		for k, v := range r.env {
			env[k] = v
		}
	}
	return startServeLogged(t, env, &r.logs)
}

// requests reads the outbox from this process.
func (r *surveyRig) requests(t *testing.T) []store.SurveyRequest {
	t.Helper()
	db, err := store.Open(context.Background(), r.cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rs, err := db.Q().AllSurveyRequests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// waitFor polls cond for up to d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
	}
}

// noTrace fails if a number shows in the child logs or, on SQLite, anywhere under the data
// folder (database, write-ahead log, blobs), in any form the store or Notify uses.
func (r *surveyRig) noTrace(t *testing.T, numbers []string) {
	t.Helper()
	files := map[string][]byte{"serve's log": []byte(r.logs.String())}
	filepath.WalkDir(r.dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files[path], _ = os.ReadFile(path)
		}
		return nil
	})
	for _, n := range numbers {
		digits := strings.ReplaceAll(n, " ", "")
		for name, b := range files {
			for _, f := range []string{n, digits, "+44" + digits[1:], "44" + digits[1:]} {
				if bytes.Contains(b, []byte(f)) {
					t.Errorf("%s holds %q", name, f)
				}
			}
		}
	}
}

// A serve process is SIGKILLed while Notify holds its request: after Notify took the message
// (its answer never came back) or before it did. Restarted, serve finds the request "sending"
// once the dead claim lapses, asks Notify for it by reference, and finishes it: sent exactly
// once either way, its number destroyed.
func TestSurveySendSurvivesKill(t *testing.T) {
	cases := []struct {
		name     string
		fail     notifyfake.Failure
		resolved bool // found by reference rather than sent again
	}{
		{"Notify accepted, then never answered", notifyfake.AcceptThenHang, true},
		{"Notify never answered", notifyfake.Hang, false},
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		for _, c := range cases {
			t.Run(dialect+"/"+c.name, func(t *testing.T) {
				r := newSurveyRig(t, dialect)
				numbers := r.calls(t, 1)
				r.fake.FailNext(c.fail, 1)
				cmd, _ := r.serve(t, true)
				waitFor(t, 30*time.Second, "the request never reached Notify", func() bool {
					return r.hits.Load() > 0 && (!c.resolved || r.fake.SentTo(numbers[0]) == 1)
				})
				cmd.Process.Kill()
				cmd.Wait()
				rs := r.requests(t)
				if len(rs) != 1 || rs[0].State != store.SurveySending || rs[0].NumberCT == "" {
					t.Fatalf("after the kill: %+v, want one request sending with its number", rs)
				}
				if got, want := r.fake.SentTo(numbers[0]), map[bool]int{true: 1, false: 0}[c.resolved]; got != want {
					t.Fatalf("Notify has %d messages before the restart, want %d", got, want)
				}

				cmd, _ = r.serve(t, true)
				waitFor(t, 60*time.Second, "the request was not finished after the restart", func() bool {
					rs := r.requests(t)
					return len(rs) == 1 && rs[0].State != store.SurveySending
				})
				rs = r.requests(t)
				if rs[0].State != store.SurveySent || rs[0].NumberCT != "" || rs[0].Attempts != 2 {
					t.Errorf("after the restart: state %s, holds a number %v, %d attempts; want sent, none, 2", rs[0].State, rs[0].NumberCT != "", rs[0].Attempts)
				}
				if n := r.fake.SentTo(numbers[0]); n != 1 {
					t.Errorf("Notify got the number %d times, want once", n)
				}
				if want := fmt.Sprintf("resolved=%d", map[bool]int{true: 1, false: 0}[c.resolved]); !strings.Contains(r.logs.String(), want) {
					t.Errorf("serve's log does not say %s:\n%s", want, r.logs.String())
				}
				r.noTrace(t, numbers)
			})
		}
	}
}

// Two serve processes work one PostgreSQL outbox: every request is sent exactly once, and each
// delivery receipt, posted to serve's callback address with the bearer token, leaves its status
// and nothing else.
func TestSurveyInstancesSendOnce(t *testing.T) {
	const calls = 60
	r := newSurveyRig(t, "postgres")
	// Short leases let the instances take the send job from each other between passes.
	r.env["FAIRLINE_TEST_JOB_LEASE"] = "300ms"
	numbers := r.calls(t, calls)
	r.serve(t, true)
	r.serve(t, false)
	waitFor(t, 60*time.Second, "not every request was sent", func() bool {
		for _, q := range r.requests(t) {
			if q.State != store.SurveySent {
				return false
			}
		}
		return true
	})
	for _, n := range numbers {
		if c := r.fake.SentTo(n); c != 1 {
			t.Errorf("Notify got %s %d times, want once", n, c)
		}
	}
	r.fake.WaitCallbacks()
	if n := r.fake.CallbackErrors(); n != 0 {
		t.Errorf("serve refused %d delivery receipts", n)
	}
	for _, q := range r.requests(t) {
		if q.NumberCT != "" || q.DeliveryStatus != "delivered" {
			t.Errorf("request %s holds a number %v, delivery status %q", q.Reference, q.NumberCT != "", q.DeliveryStatus)
		}
	}
	r.noTrace(t, numbers)
}
