package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/notify"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/apptest"
	"github.com/fairline/fairline/internal/testutil/fakeclock"
)

// notifyInbox accepts every message, as GOV.UK Notify does a valid one, and remembers the
// numbers it was given (in memory, outside everything the scan reads).
type notifyInbox struct {
	mu   sync.Mutex
	sent map[string]string // reference -> number
}

func (n *notifyInbox) SendSMS(_ context.Context, m notify.SMS) (notify.Notification, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent[m.Reference] = m.PhoneNumber
	return notify.Notification{ID: m.Reference, Reference: m.Reference}, nil
}

func (n *notifyInbox) NotificationByReference(_ context.Context, ref string) (notify.Notification, bool, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	_, ok := n.sent[ref]
	return notify.Notification{ID: ref, Reference: ref}, ok, nil
}

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
// through the real services; then every file of the database (with its write-ahead log), every
// blob and the whole log output is read, as someone with a copy of the disk could: none of the
// numbers remains in any form the store could hold (national digits, E.164 with and without
// its +), nor any sealed form seen before sending. Only the recordings' blind indexes remain.
func TestSurveyNumbersLeaveNoTrace(t *testing.T) {
	const calls = 1000
	dir := t.TempDir()
	cfg := apptest.Config(dir)
	uk, _ := time.LoadLocation("Europe/London")
	clk := fakeclock.New(time.Date(2026, 11, 23, 10, 0, 0, 0, uk)) // a Monday morning, inside the sending window
	logs := &lockedBuffer{}
	inbox := &notifyInbox{sent: map[string]string{}}
	a := apptest.Open(t, cfg, apptest.Options{Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		App: app.Options{Now: clk.Now, SurveySender: inbox}})
	ctx := context.Background()
	audio, err := os.ReadFile("../../testdata/audio/speech-mulaw.wav")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(audio)
	areas := []string{"adult-social-care", "environment-and-transport", "children-and-family-services", "trading-standards", "first-contact-plus"}
	numbers := make([]string, calls)
	for i := range calls {
		numbers[i] = fmt.Sprintf("07700 900%03d", i) // Ofcom's range for drama: nobody's number
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
	if err != nil || res.Sent != calls || len(inbox.sent) != calls {
		t.Fatalf("sent %+v (%v), Notify has %d; want %d", res, err, len(inbox.sent), calls)
	}
	got := map[string]bool{}
	for _, n := range inbox.sent {
		got[n] = true
	}
	for _, n := range numbers {
		if e164 := "+44" + strings.ReplaceAll(n, " ", "")[1:]; !got[e164] {
			t.Fatalf("Notify never got %s", e164)
		}
	}

	// Everything the store wrote.
	files := map[string][]byte{"log": logs.Bytes()}
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
	if _, ok := files[cfg.DB+"-wal"]; !ok {
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
