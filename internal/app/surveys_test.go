package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/api"
	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/notify"
	"github.com/fairline/fairline/internal/notify/notifyfake"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/apptest"
	"github.com/fairline/fairline/internal/testutil/fakeclock"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.b.Bytes())
}

// The notice: "Telephone numbers are automatically deleted when the survey requests are sent
// out." 1,000 calls (half uploaded recordings, half calls reported without one) are surveyed
// through the real services and the real Notify client, over HTTP, to the fake GOV.UK Notify
// (notifyfake), which checks each request as Notify does and posts a delivery receipt for each
// to the site's /api/v1/notify/callbacks with the configured bearer token. Then every file of
// the database (with its write-ahead log), every blob and the whole log output is read, as
// someone with a copy of the disk could: none of the numbers remains in any form the store
// could hold (national digits, E.164 with and without its +), nor any sealed form seen before
// sending. Only the recordings' blind indexes and Notify's delivery statuses remain.
func TestSurveyNumbersLeaveNoTrace(t *testing.T) {
	const calls = 1000
	dir := t.TempDir()
	uk, _ := time.LoadLocation("Europe/London")
	clk := fakeclock.New(time.Date(2026, 11, 23, 10, 0, 0, 0, uk)) // a Monday morning, inside the sending window
	logs := &lockedBuffer{}
	numbers := make([]string, calls)
	for i := range calls {
		numbers[i] = fmt.Sprintf("07700 900%03d", i) // Ofcom's range for drama: nobody's number
	}
	// Every seventh number is one the network reports undeliverable.
	failed := func(n int) bool { return n%7 == 3 }
	st := openSurveyStack(t, dir, clk.Now, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		func(number string) string {
			var i int
			fmt.Sscanf(number[len(number)-3:], "%d", &i)
			if failed(i) {
				return "permanent-failure"
			}
			return "delivered"
		})
	a, fake := st.app, st.fake
	ctx := context.Background()
	audio, err := os.ReadFile("../../testdata/audio/speech-mulaw.wav")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(audio)
	areas := []string{"adult-social-care", "environment-and-transport", "children-and-family-services", "trading-standards", "first-contact-plus"}
	for i := range calls {
		meta := recording.Metadata{ExternalID: fmt.Sprintf("call-%d", i), Direction: "inbound", ServiceArea: areas[i%len(areas)],
			AgentID: "a9", OtherParty: numbers[i], StartedAt: clk.Now().Add(-10 * time.Minute), DurationSeconds: 8,
			SHA256: hex.EncodeToString(sum[:])}
		if i%2 == 0 {
			if _, err := a.Recordings.Ingest(ctx, "token:1", fmt.Sprintf("k-%d", i), meta, bytes.NewReader(audio)); err != nil {
				t.Fatal(err)
			}
		} else if _, err := a.Recordings.RecordCall(ctx, "token:1", fmt.Sprintf("k-%d", i), meta); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := a.DB.Q().AllSurveyRequests(ctx)
	if err != nil || len(rs) != calls {
		t.Fatalf("%d survey requests (%v), want %d", len(rs), err, calls)
	}
	var sealed []string
	for _, r := range rs {
		sealed = append(sealed, r.NumberCT)
	}

	clk.Add(time.Hour) // the default policy asks an hour after the call
	res, err := a.Surveys.Send(ctx)
	if err != nil || res.Sent != calls {
		t.Fatalf("sent %+v (%v); want %d", res, err, calls)
	}
	// Notify accepted each number exactly once, with the request's reference and a link.
	for _, n := range numbers {
		if c := fake.SentTo(n); c != 1 {
			t.Errorf("Notify got %s %d times, want once", n, c)
		}
	}
	refs := map[string]bool{}
	for _, m := range fake.Received() {
		if refs[m.Reference] || !strings.HasPrefix(m.Personalisation["link"], a.Config.BaseURL+"/s/") {
			t.Errorf("message %s: reference seen before or link %q", m.ID, m.Personalisation["link"])
		}
		refs[m.Reference] = true
	}
	// Each receipt reached the site and its status is kept, by reference.
	fake.WaitCallbacks()
	if n := fake.CallbackErrors(); n != 0 {
		t.Fatalf("%d delivery receipts refused", n)
	}
	rs, err = a.DB.Q().AllSurveyRequests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[string]int{}
	for _, r := range rs {
		if !refs[r.Reference] || r.State != store.SurveySent {
			t.Errorf("request %s is %s (sent to Notify: %v)", r.Reference, r.State, refs[r.Reference])
		}
		statuses[r.DeliveryStatus]++
	}
	wantFailed := 0
	for i := range calls {
		if failed(i) {
			wantFailed++
		}
	}
	if statuses["permanent-failure"] != wantFailed || statuses["delivered"] != calls-wantFailed {
		t.Errorf("delivery statuses %v, want %d permanent-failure and the rest delivered", statuses, wantFailed)
	}

	// Everything the store wrote.
	files := map[string][]byte{"log": logs.Bytes()}
	st.closeSite() // the site's own logging is over
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		files[path] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := files[a.Config.DB+"-wal"]; !ok {
		t.Fatal("no write-ahead log to read: the scan would miss what it holds")
	}
	for i, n := range numbers {
		digits := strings.ReplaceAll(n, " ", "")
		forms := []string{n, digits, "+44" + digits[1:], "44" + digits[1:], sealed[i]}
		for name, b := range files {
			for _, f := range forms {
				if bytes.Contains(b, []byte(f)) {
					t.Errorf("%s holds %q (number %d) after the survey was sent", name, f, i)
				}
			}
		}
	}
	if n, err := a.DB.Q().CountFinishedSurveyRequestsWithNumber(ctx); err != nil || n != 0 {
		t.Errorf("%d sent requests hold a number (%v)", n, err)
	}
	// What remains: each recording's blind index, so a subject access search still finds it.
	ig := &auth.Principal{UserID: 1, Role: auth.InformationGovernance}
	found, err := a.Recordings.Search(ctx, ig, store.RecordingFilter{}, numbers[0])
	if err != nil || len(found) != 1 || found[0].ExternalID != "call-0" {
		t.Errorf("search by the first caller's number found %d recordings (%v), want call-0", len(found), err)
	}
}

// surveyStack is an app sending surveys through the fake GOV.UK Notify over HTTP, as serve does
// with notify-url (app.Options.SurveySender unset: the app makes the real client), with serve's
// API routes on a local address to which the fake posts its delivery receipts.
type surveyStack struct {
	app       *app.App
	fake      *notifyfake.Server
	closeSite func()
}

const surveyCallbackToken = "cb-3c1f0a9e7d"

func openSurveyStack(t *testing.T, dir string, now func() time.Time, log *slog.Logger, status func(string) string) surveyStack {
	t.Helper()
	// The site's address must be known before the fake is made, and the site needs the app,
	// which needs the fake's: the handler is filled in once the app is open.
	var handler atomic.Pointer[http.Handler]
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*handler.Load()).ServeHTTP(w, r) }))
	key := notifyfake.NewKey("fairline-test")
	fake, err := notifyfake.New(notifyfake.Options{Keys: []notify.APIKey{key},
		Templates:   map[string]string{notifyfake.DemoTemplateID: notifyfake.DemoTemplateBody},
		Status:      status,
		CallbackURL: site.URL + "/api/v1/notify/callbacks", CallbackToken: surveyCallbackToken})
	if err != nil {
		t.Fatal(err)
	}
	ns := httptest.NewServer(fake)
	t.Cleanup(func() { fake.Close(); ns.Close() })
	cfg := apptest.Config(dir)
	cfg.BaseURL = "https://fairline.example"
	cfg.NotifyURL, cfg.NotifyAPIKey, cfg.NotifyCallbackToken = ns.URL, key.Name+"-"+key.ServiceID+"-"+key.Secret(), surveyCallbackToken
	cfg.NotifyProcessor, cfg.NotifyLocation = "govuk-notify", "UK"
	a := apptest.Open(t, cfg, apptest.Options{Log: log, App: app.Options{Now: now}})
	apiSrv, err := api.New(api.Deps{Auth: a.Auth, Audit: a.Audit, Policy: a.Policy, Logger: log, Recordings: a.Recordings, Surveys: a.Surveys})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	apiSrv.Register(mux) // serve's /api/v1 routes, the callbacks' among them
	var h http.Handler = mux
	handler.Store(&h)
	var once sync.Once
	closeSite := func() { once.Do(func() { fake.WaitCallbacks(); site.Close() }) }
	t.Cleanup(closeSite)
	return surveyStack{app: a, fake: fake, closeSite: closeSite}
}
