package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/pii"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const demoPages, demoQueries = "../../testdata/localgov-demo/pages.jsonl", "../../testdata/localgov-demo/queries.jsonl"

// mustContain fails t for every want that out lacks.
func mustContain(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func TestRedact(t *testing.T) {
	file := filepath.Join(t.TempDir(), "m.jsonl")
	os.WriteFile(file, []byte(`{"text": "My NHS number is 943 476 5919"}`+"\nplain line 0116 496 0123\n"), 0o600)
	for _, tc := range []struct {
		name, file string
		want       []string
	}{
		{"built-in sample", "", []string{"24 messages from built-in sample"}},
		{"file", file, []string{"2 messages from " + file}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := Redact(context.Background(), &out, RedactOptions{Detector: pii.New(pii.Config{}), File: tc.file, Size: 50000, Time: 5 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			mustContain(t, out.String(), append(tc.want, "document 0.1 MB", "chat messages    detector", "document         naive regexp",
				"document         detector / naive regexp =")...)
		})
	}
	if err := Redact(context.Background(), &bytes.Buffer{}, RedactOptions{File: filepath.Join(t.TempDir(), "none")}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// The chat bench in one process (cli's TestBenchChat runs the clients in a
// child process, as the command does by default).
func TestChat(t *testing.T) {
	var out bytes.Buffer
	err := Chat(context.Background(), &out, ChatOptions{Policy: policy.Default(), Pages: demoPages, Queries: demoQueries,
		Requests: 30, Time: 5 * time.Second, Clients: []int{1, 3}, Seed: 1, Cache: true})
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, out.String(), "102 pages", "FTS5 bm25", "MRR ratio", "stored to SQLite, answer cache on",
		"answer level ("+demoQueries, "Fairline (chat answer)      33", "FTS5 bm25 (top result)      33")
	if a, r := strings.Index(out.String(), "answer level ("), strings.Index(out.String(), "MRR ratio"); a < r {
		t.Errorf("the answer-level table comes after the ranking table:\n%s", out.String())
	}
	// One row per level: clients, requests, answers/s, p50, p99, errors.
	rows := regexp.MustCompile(`(?m)^(\d+) +(\d+) +\d+ +\S+ +\S+ +(\d+)$`).FindAllStringSubmatch(out.String(), -1)
	if len(rows) != 2 || rows[0][1] != "1" || rows[1][1] != "3" {
		t.Fatalf("want rows for 1 and 3 clients:\n%s", out.String())
	}
	for _, r := range rows {
		if r[2] != "30" || r[3] != "0" {
			t.Errorf("%s clients: %s requests, %s errors; want 30 and 0", r[1], r[2], r[3])
		}
	}
}

func TestChatLoadRefusesIncompleteJob(t *testing.T) {
	for _, job := range []string{`{}`, `{"url":"http://127.0.0.1:1","questions":["q"],"clients":1,"total":1}`} {
		if err := ChatLoad(context.Background(), strings.NewReader(job), &bytes.Buffer{}); !errors.Is(err, ErrBadLoadJob) {
			t.Errorf("%s: %v", job, err)
		}
	}
	if err := ChatLoad(context.Background(), strings.NewReader(`{`), &bytes.Buffer{}); err == nil || errors.Is(err, ErrBadLoadJob) {
		t.Errorf("unreadable job: %v", err)
	}
}

func TestIngest(t *testing.T) {
	var out bytes.Buffer
	if err := Ingest(context.Background(), &out, IngestOptions{SizeMB: 1, Rounds: 2, Uploads: 6, Clients: 2}); err != nil {
		t.Fatal(err)
	}
	mustContain(t, out.String(), "recording size        1 MB (best of 2)", "plain file copy", "encrypted ingest", "ratio",
		"uploads/s of 256 KB with 2 clients")
}

// Surveys sends every queued request through the fake Notify (Surveys itself fails when a
// request is not sent or a sent one keeps its number) and prints each figure.
func TestSurveys(t *testing.T) {
	var out bytes.Buffer
	if err := Surveys(context.Background(), &out, SurveysOptions{Requests: 300, Baseline: 50, Destroy: 40}); err != nil {
		t.Fatal(err)
	}
	mustContain(t, out.String(), "300 requests queued", "baseline (client straight to the fake, one at a time, 50 messages):",
		"sends/s,", "of the baseline", "destroy step (one committed UPDATE: sent, number blanked), 40 requests:", "WAL scrub")
}

// Sweep on both databases; the PostgreSQL one is left as empty as it came,
// and one that holds recordings is refused and keeps them.
func TestSweep(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	var out bytes.Buffer
	if err := Sweep(ctx, &out, SweepOptions{Recordings: 2000, Expired: 1, Postgres: dsn}); err != nil {
		t.Fatal(err)
	}
	for _, db := range []string{"SQLite", "PostgreSQL"} {
		name := fmt.Sprintf("%-10s ", db)
		mustContain(t, out.String(), name+"loaded 2000 recordings (20 expired)", name+"sweep of 20 expired:", "number lookup across 2000:")
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := db.Q().Count(ctx, "recordings"); err != nil || n != 0 {
		t.Fatalf("sweep left %d recordings in PostgreSQL (%v)", n, err)
	}

	now := time.Now()
	kept := store.Recording{ID: "kept", ExternalID: "kept", IdempotencyKey: "kept", Direction: "inbound", ServiceArea: "trading-standards",
		AgentID: "a1", StartedAt: now, Channels: 1, Format: "wav/pcm", MediaType: "audio/wav", SHA256: "00", BlobKey: "recordings/kept",
		WrappedKey: "k", CreatedAt: now, ExpiresAt: now.AddDate(1, 0, 0)}
	if err := db.Tx(ctx, func(q *store.Q) error { return q.InsertRecordings(ctx, []store.Recording{kept}) }); err != nil {
		t.Fatal(err)
	}
	if err := Sweep(ctx, &bytes.Buffer{}, SweepOptions{Recordings: 10, Expired: 10, Postgres: dsn}); err == nil || !strings.Contains(err.Error(), "already holds recordings") {
		t.Errorf("a database with recordings: %v", err)
	}
	if n, err := db.Q().Count(ctx, "recordings"); err != nil || n != 1 {
		t.Errorf("the refused run left %d recordings, want the 1 it found (%v)", n, err)
	}

	out.Reset()
	if err := Sweep(ctx, &out, SweepOptions{Recordings: 10, Expired: 10}); err != nil {
		t.Fatal(err)
	}
	mustContain(t, out.String(), "PostgreSQL: not measured")
}
