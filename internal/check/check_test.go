package check_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/check"
	"github.com/fairline/fairline/internal/rights"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/apptest"
	"github.com/fairline/fairline/internal/testutil/fakeclock"
	"github.com/fairline/fairline/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// openApp opens a fresh app on dialect ("sqlite" or "postgres") with a clock the test moves.
func openApp(t *testing.T, dialect string) (*app.App, *fakeclock.Clock) {
	t.Helper()
	cfg := apptest.Config(t.TempDir())
	if dialect == "postgres" {
		cfg.DB = pgtest.DSN(t)
	}
	clk := fakeclock.New(time.Now())
	return apptest.Open(t, cfg, apptest.Options{App: app.Options{Now: clk.Now}}), clk
}

// run checks and returns the report by promise id; the report must list every promise.
func run(t *testing.T, a *app.App) map[string]check.Item {
	t.Helper()
	rep, err := a.Check.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]check.Item{}
	for _, it := range rep.Items {
		out[it.ID] = it
	}
	for _, id := range check.IDs() {
		if _, ok := out[id]; !ok {
			t.Fatalf("report without promise %s", id)
		}
	}
	if len(out) != len(check.IDs()) {
		t.Fatalf("report has %d promises, IDs() %d", len(out), len(check.IDs()))
	}
	return out
}

// holds fails unless no promise is broken.
func holds(t *testing.T, a *app.App) map[string]check.Item {
	t.Helper()
	items := run(t, a)
	for _, it := range items {
		if it.Result == check.Broken {
			t.Errorf("%s broken: %d %s", it.ID, it.Count, it.Detail)
		}
	}
	return items
}

// breaks fails unless exactly the promise id is broken, with count things.
func breaks(t *testing.T, a *app.App, id string, count int64) check.Item {
	t.Helper()
	items := run(t, a)
	for _, it := range items {
		if it.Result == check.Broken && it.ID != id {
			t.Errorf("%s broken too: %s", it.ID, it.Detail)
		}
	}
	it := items[id]
	if it.Result != check.Broken || it.Count != count {
		t.Fatalf("%s = %s, %d (%s); want broken, %d", id, it.Result, it.Count, it.Detail, count)
	}
	return it
}

func ingest(t *testing.T, a *app.App, ext string, now time.Time) store.Recording {
	t.Helper()
	return apptest.Recording(t, a, "key-"+ext, ext, now.Add(-time.Hour))
}

// A fresh install keeps every promise; the default notices name Microsoft and GOV.UK Notify,
// which nothing sends data to (a warning), and the rights register is not built (skipped, never a pass).
func TestFreshInstall(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			a, _ := openApp(t, dialect)
			items := holds(t, a)
			for id, it := range items {
				want := check.OK
				switch id {
				case check.UnusedProcessor:
					want = check.Warning
				}
				if it.Result != want {
					t.Errorf("%s = %s (%s), want %s", id, it.Result, it.Detail, want)
				}
			}
			if d := items[check.UnusedProcessor].Detail; !strings.Contains(d, "the Website Chatbot notice names Microsoft, but no integration sends it data") ||
				!strings.Contains(d, "the Customer Service Centre Phone Calls notice names GOV.UK Notify, but no integration sends it data") || items[check.UnusedProcessor].Count != 2 {
				t.Errorf("unused processor detail %q", d)
			}
			// Every promise quotes its notice.
			for id, it := range items {
				if !strings.HasPrefix(it.Notice, "“") || !strings.Contains(it.Notice, " notice)") {
					t.Errorf("%s quotes %q", id, it.Notice)
				}
			}
			if n := items[check.ChatRetention].Notice; !strings.Contains(n, "we will hold it for no longer than 12 months") {
				t.Errorf("chat retention quotes %q", n)
			}
		})
	}
}

var igOfficer = &auth.Principal{UserID: 1, Role: auth.InformationGovernance}

// record enters an access request received today in the rights register.
func record(t *testing.T, a *app.App, clk *fakeclock.Clock) int64 {
	t.Helper()
	id, err := a.Rights.Record(context.Background(), igOfficer, rights.NewRequest{Kind: "access", Channel: "email", Identity: "verified",
		Received: clk.Now(), Identifiers: rights.Identifiers{Phones: []string{"07911 123456"}}})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Each promise broken deliberately, on both databases: the check fails naming it (and only
// it); repaired the way Fairline repairs it, the check passes again.
func TestBreakAndRepairEachPromise(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		id    string
		count int64
		says  string
		brk   func(t *testing.T, a *app.App, clk *fakeclock.Clock)
		fix   func(t *testing.T, a *app.App, clk *fakeclock.Clock)
	}{
		{check.RecordingRetention, 1, "past their retention",
			func(t *testing.T, a *app.App, clk *fakeclock.Clock) {
				ingest(t, a, "EXT-1", clk.Now())
				clk.Add(24 * 31 * 4 * time.Hour) // First Contact Plus keeps calls 3 months
			},
			func(t *testing.T, a *app.App, clk *fakeclock.Clock) {
				if res, err := a.Sweep(ctx); err != nil || res.Deleted != 1 {
					t.Fatalf("sweep: %+v %v", res, err)
				}
			}},
		{check.ChatRetention, 2, "past their retention",
			func(t *testing.T, a *app.App, clk *fakeclock.Clock) {
				// Nothing answers it yet: a turn and an unanswered example.
				if _, err := a.Chat.Ask(ctx, chat.Request{Message: "When is the library open?"}); err != nil {
					t.Fatal(err)
				}
				clk.Add(13 * 31 * 24 * time.Hour)
			},
			func(t *testing.T, a *app.App, clk *fakeclock.Clock) {
				if n, err := a.SweepChat(ctx); err != nil || n != 1 {
					t.Fatalf("sweep chat: %d %v", n, err)
				}
			}},
		{check.DropFolderRetention, 3, "failed_retention",
			func(t *testing.T, a *app.App, clk *fakeclock.Clock) {
				drop := t.TempDir()
				audio, _ := os.ReadFile("../../testdata/audio/speech-mulaw.wav")
				os.WriteFile(filepath.Join(drop, "c.wav"), audio, 0o600)
				os.WriteFile(filepath.Join(drop, "c.json"), []byte(`{"external_call_id":"c","direction":"inbound",`+
					`"service_area":"parking","agent_id":"a9","started_at":"2026-01-01T10:00:00Z","duration_seconds":8}`), 0o600)
				if res, err := a.Recordings.Import(ctx, "system", drop, nil); err != nil || res.Failed != 1 {
					t.Fatalf("import: %+v %v", res, err)
				}
				clk.Add(8 * 24 * time.Hour) // the default policy keeps failed imports 7 days
			},
			func(t *testing.T, a *app.App, clk *fakeclock.Clock) {
				if res, err := a.Sweep(ctx); err != nil || res.DropFolderFiles != 3 {
					t.Fatalf("sweep: %+v %v", res, err)
				}
			}},
		{check.ChatPersonalData, 2, "1 question, 1 unanswered",
			func(t *testing.T, a *app.App, clk *fakeclock.Clock) {
				now := clk.Now()
				// Written around the service, as an older release without today's detector might have.
				err := a.DB.Tx(ctx, func(q *store.Q) error {
					if err := q.InsertChatTurns(ctx, store.ChatTurn{ID: strings.Repeat("ab", 16), Conversation: strings.Repeat("cd", 16),
						Question: "call me on 07911 123456 about my bin", ServiceArea: "environment-and-transport",
						ExpiresAt: now.Add(time.Hour), CreatedAt: now}); err != nil {
						return err
					}
					return q.AddChatUnanswered(ctx, store.ChatUnanswered{Day: now.Truncate(24 * time.Hour), Norm: "bin",
						Example: "my email is jo.bloggs@example.com", Count: 1, LastAt: now, ExpiresAt: now.Add(time.Hour)})
				})
				if err != nil {
					t.Fatal(err)
				}
			},
			func(t *testing.T, a *app.App, clk *fakeclock.Clock) {
				clk.Add(2 * time.Hour)
				if _, err := a.SweepChat(ctx); err != nil {
					t.Fatal(err)
				}
			}},
		{check.RowWithoutBlob, 1, "audio is missing",
			func(t *testing.T, a *app.App, clk *fakeclock.Clock) {
				r := ingest(t, a, "EXT-2", clk.Now())
				if err := a.Blobs.Delete(ctx, r.BlobKey); err != nil {
					t.Fatal(err)
				}
			},
			func(t *testing.T, a *app.App, clk *fakeclock.Clock) {
				rs, err := a.DB.Q().Recordings(ctx, store.RecordingFilter{Limit: 10})
				if err != nil || len(rs) != 1 {
					t.Fatalf("recordings: %d %v", len(rs), err)
				}
				if err := a.Recordings.Destroy(ctx, "user:1", rs[0].ID, "integrity"); err != nil {
					t.Fatal(err)
				}
			}},
		{check.BlobWithoutRow, 1, "no live recording owns",
			func(t *testing.T, a *app.App, clk *fakeclock.Clock) {
				if _, err := a.Blobs.Put(ctx, "recordings/zz/crashed-upload", strings.NewReader("ciphertext")); err != nil {
					t.Fatal(err)
				}
				clk.Add(2 * time.Hour) // past the grace an upload in flight gets
			},
			func(t *testing.T, a *app.App, clk *fakeclock.Clock) {
				if res, err := a.Sweep(ctx); err != nil || res.Orphans != 1 {
					t.Fatalf("sweep: %+v %v", res, err)
				}
			}},
		{check.KeyWithoutRecording, 1, "still hold a key",
			func(t *testing.T, a *app.App, clk *fakeclock.Clock) {
				r := ingest(t, a, "EXT-3", clk.Now())
				// A deletion that marked the row but kept its key: what ShredRecording must never leave.
				stmt := `UPDATE recordings SET deleted_at = ? WHERE id = ?`
				if a.DB.Dialect() == store.Postgres {
					stmt = `UPDATE recordings SET deleted_at = $1 WHERE id = $2`
				}
				if _, err := a.DB.RawSQLForTests().Exec(stmt, clk.Now().UnixMicro(), r.ID); err != nil {
					t.Fatal(err)
				}
			},
			func(t *testing.T, a *app.App, clk *fakeclock.Clock) {
				// The sweep finishes deletions: the blob goes, then the row with its key.
				if res, err := a.Sweep(ctx); err != nil || res.Finished != 1 {
					t.Fatalf("sweep: %+v %v", res, err)
				}
			}},
		{check.SubjectRequests, 1, "past their due date",
			func(t *testing.T, a *app.App, clk *fakeclock.Clock) {
				record(t, a, clk)
				clk.Add(40 * 24 * time.Hour) // a month, and any weekend or bank holiday after it, has passed
			},
			func(t *testing.T, a *app.App, clk *fakeclock.Clock) {
				if err := a.Rights.Close(ctx, igOfficer, 1, "nothing-held"); err != nil {
					t.Fatal(err)
				}
			}},
		{check.RequestIdentifiers, 1, "identifier_retention",
			func(t *testing.T, a *app.App, clk *fakeclock.Clock) {
				if err := a.Rights.Close(ctx, igOfficer, record(t, a, clk), "nothing-held"); err != nil {
					t.Fatal(err)
				}
				// The default policy keeps a closed case's identifiers 6 months; no sweep runs.
				clk.Add(7 * 31 * 24 * time.Hour)
			},
			func(t *testing.T, a *app.App, clk *fakeclock.Clock) {
				if res, err := a.Sweep(ctx); err != nil || res.RightsIdentifiers != 1 {
					t.Fatalf("sweep: %+v %v", res, err)
				}
			}},
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		for _, c := range cases {
			t.Run(dialect+"/"+c.id, func(t *testing.T) {
				a, clk := openApp(t, dialect)
				holds(t, a)
				c.brk(t, a, clk)
				it := breaks(t, a, c.id, c.count)
				if !strings.Contains(it.Detail, c.says) {
					t.Errorf("detail %q does not say %q", it.Detail, c.says)
				}
				c.fix(t, a, clk)
				if got := holds(t, a)[c.id]; got.Result != check.OK {
					t.Errorf("after repair %s = %s (%s)", c.id, got.Result, got.Detail)
				}
			})
		}
	}
}

// A recording under legal hold may outlive its retention: the promise says "except under legal
// hold". Released, it breaks the promise until the sweep destroys it.
func TestLegalHoldIsTheException(t *testing.T) {
	ctx := context.Background()
	a, clk := openApp(t, "sqlite")
	r := ingest(t, a, "EXT-H", clk.Now())
	hold, err := a.Recordings.PlaceHold(ctx, "user:1", r.ID, "court case", clk.Now().AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(24 * 31 * 4 * time.Hour)
	if it := holds(t, a)[check.RecordingRetention]; it.Result != check.OK {
		t.Fatalf("held recording: %+v", it)
	}
	if err := a.Recordings.ReleaseHold(ctx, "user:1", hold, r.ID); err != nil {
		t.Fatal(err)
	}
	breaks(t, a, check.RecordingRetention, 1)
}

// The demo (serve --demo: the demo council's policy, the demo site imported, residents asking
// questions) keeps every promise.
func TestDemoData(t *testing.T) {
	ctx := context.Background()
	clk := fakeclock.New(time.Now())
	a := apptest.Open(t, apptest.Config(t.TempDir()), apptest.Options{App: app.Options{Now: clk.Now, Demo: true}})
	if _, err := chat.ImportDemo(ctx, a.DB, a.KB); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"How do I report a pothole?", "When is the bin collected? my number is 07911 123456", "Thanks"} {
		if _, err := a.Chat.Ask(ctx, chat.Request{Message: q}); err != nil {
			t.Fatal(err)
		}
	}
	items := holds(t, a)
	if it := items[check.ChatPersonalData]; it.Result != check.OK {
		t.Errorf("redacted questions counted as personal data: %+v", it)
	}
}

// overdueRequests is what the subject-request register will be to the check: a part that
// answers for its own promise.
type overdueRequests struct{ n int64 }

func (o overdueRequests) Check(context.Context, time.Time) (check.Outcome, error) {
	if o.n == 0 {
		return check.Outcome{Result: check.OK}, nil
	}
	return check.Outcome{Result: check.Broken, Count: o.n, Detail: "requests past their due date"}, nil
}

// The app wires the rights register in (no request, none overdue); without a register its
// promises are skipped, never passed; a register's answer is the promise's.
func TestSubjectRequestsHook(t *testing.T) {
	a, _ := openApp(t, "sqlite")
	if it := run(t, a)[check.SubjectRequests]; it.Result != check.OK {
		t.Fatalf("wired, no request: %+v", it)
	}
	a.Check.SetRequests(nil, nil)
	for _, id := range []string{check.SubjectRequests, check.RequestIdentifiers} {
		if it := run(t, a)[id]; it.Result != check.Skipped || !strings.Contains(it.Detail, "not yet built") {
			t.Fatalf("unwired: %+v", it)
		}
	}
	a.Check.SetRequests(overdueRequests{n: 2}, overdueRequests{})
	breaks(t, a, check.SubjectRequests, 2)
	a.Check.SetRequests(overdueRequests{}, overdueRequests{})
	if it := holds(t, a)[check.SubjectRequests]; it.Result != check.OK {
		t.Fatalf("wired, none overdue: %+v", it)
	}
}

// Latest reuses a report younger than maxAge, so public pages cannot make the checks run more
// often; an older one is run again.
func TestLatestReusesAYoungReport(t *testing.T) {
	ctx := context.Background()
	a, clk := openApp(t, "sqlite")
	first, err := a.Check.Latest(ctx, 10*time.Minute)
	if err != nil || len(first.Broken()) != 0 {
		t.Fatalf("%v %+v", err, first.Broken())
	}
	ingest(t, a, "EXT-L", clk.Now())
	clk.Add(24 * 31 * 4 * time.Hour)
	again, _ := a.Check.Latest(ctx, 24*31*5*time.Hour)
	if !again.At.Equal(first.At) || len(again.Broken()) != 0 {
		t.Errorf("a young report was not reused: %v", again.At)
	}
	fresh, _ := a.Check.Latest(ctx, time.Hour)
	if fresh.At.Equal(first.At) || len(fresh.Broken()) != 1 || fresh.Broken()[0].ID != check.RecordingRetention {
		t.Errorf("an old report was reused: %+v", fresh.Broken())
	}
}

// "Telephone numbers are automatically deleted when the survey requests are sent out": a
// request marked sent that still holds its sealed number breaks it, and so does one left an
// hour past its expiry.
func TestSurveyNumbers(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			a, clk := openApp(t, dialect)
			ctx := context.Background()
			if it := holds(t, a)[check.SurveyNumbers]; it.Result != check.OK || !strings.Contains(it.Notice, "automatically deleted") {
				t.Fatalf("empty outbox: %+v", it)
			}
			now := clk.Now()
			for _, r := range []store.SurveyRequest{
				{Reference: "due", ServiceArea: "trading-standards", DueAt: now, ExpiresAt: now.Add(time.Hour), NumberCT: "c2VhbGVk"},
				{Reference: "sent", ServiceArea: "trading-standards", DueAt: now, ExpiresAt: now.Add(time.Hour), NumberCT: "c2VhbGVk"},
			} {
				if err := a.DB.Q().CreateSurveyRequest(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			// A waiting request may hold its number.
			holds(t, a)
			// Marked sent without the number destroyed: the promise is broken.
			if _, err := a.DB.RawSQLForTests().Exec(`UPDATE survey_requests SET state = 'sent' WHERE reference = 'sent'`); err != nil {
				t.Fatal(err)
			}
			breaks(t, a, check.SurveyNumbers, 1)
			// Two hours on, the waiting one is an hour past its expiry too.
			clk.Add(2 * time.Hour)
			breaks(t, a, check.SurveyNumbers, 2)
		})
	}
}
