package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/config"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func testConfig(dir string) config.Config {
	cfg := config.Defaults()
	cfg.DataDir, cfg.DB, cfg.KeyFile, cfg.BlobDir = dir, filepath.Join(dir, "fairline.db"), filepath.Join(dir, "keys.json"), filepath.Join(dir, "blobs")
	return cfg
}

// databaseFiles reads the SQLite database and its -wal and -shm files, as
// someone with a copy of the disk could.
func databaseFiles(t *testing.T, path string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		b, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

// What a retention sweep deletes leaves no bytes in the database's files:
// not in free pages or free space of the database file (secure_delete), not
// in old frames of the write-ahead log (the sweep truncates it). Each case
// stores something distinctive through the real services, lets its
// retention run out and sweeps it the way the background jobs do.
func TestSweptDataLeavesNoBytesInTheDatabaseFiles(t *testing.T) {
	cases := []struct {
		name string
		// store keeps personal data and returns the strings it put in the database.
		store func(t *testing.T, a *app.App, now time.Time) []string
		// after is how long until the data has expired.
		after time.Duration
		sweep func(ctx context.Context, a *app.App) (int64, error)
	}{
		{
			name: "chat turn",
			store: func(t *testing.T, a *app.App, now time.Time) []string {
				q := "Can the quokka-7f3a9c-marmalade bin be collected from my drive?"
				err := a.DB.Tx(context.Background(), func(tx *store.Q) error {
					return tx.InsertChatTurns(context.Background(), store.ChatTurn{ID: strings.Repeat("ab", 16), Conversation: strings.Repeat("cd", 16),
						Question: q, ServiceArea: "environment-and-transport", Handoff: "not_found", ExpiresAt: now.Add(time.Hour), CreatedAt: now})
				})
				if err != nil {
					t.Fatal(err)
				}
				return []string{"quokka-7f3a9c-marmalade"}
			},
			after: 2 * time.Hour,
			sweep: func(ctx context.Context, a *app.App) (int64, error) { return a.SweepChat(ctx) },
		},
		{
			name: "recording's wrapped key and sealed number",
			store: func(t *testing.T, a *app.App, now time.Time) []string {
				audio, err := os.ReadFile("../../testdata/audio/speech-mulaw.wav")
				if err != nil {
					t.Fatal(err)
				}
				sum := sha256.Sum256(audio)
				ing, err := a.Recordings.Ingest(context.Background(), "token:1", "pbx-quokka-1", recording.Metadata{
					ExternalID: "EXT-quokka-93d1", Direction: "inbound", ServiceArea: "first-contact-plus", AgentID: "a9",
					OtherParty: "07911 123456", StartedAt: now.Add(-time.Hour), DurationSeconds: 8, SHA256: hex.EncodeToString(sum[:])},
					bytes.NewReader(audio))
				if err != nil {
					t.Fatal(err)
				}
				var wrapped, sealed, bidx string
				if err := a.DB.SQL().QueryRow(`SELECT wrapped_key, number_ct, number_bidx FROM recordings WHERE id = ?`, ing.Recording.ID).
					Scan(&wrapped, &sealed, &bidx); err != nil {
					t.Fatal(err)
				}
				if wrapped == "" || sealed == "" || bidx == "" {
					t.Fatalf("recording stored without a wrapped key, sealed number or blind index: %q %q %q", wrapped, sealed, bidx)
				}
				return []string{wrapped, sealed, bidx, "EXT-quokka-93d1"}
			},
			after: 24 * 31 * 4 * time.Hour, // First Contact Plus keeps calls for 3 months
			sweep: func(ctx context.Context, a *app.App) (int64, error) {
				res, err := a.Sweep(ctx)
				return int64(res.Deleted), err
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			cfg := testConfig(dir)
			clk := &clock{t: time.Now()}
			a, err := app.Open(ctx, cfg, quiet, app.Options{Now: clk.now})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			secrets := c.store(t, a, clk.now())
			files := databaseFiles(t, cfg.DB)
			for _, s := range secrets {
				found := false
				for _, b := range files {
					found = found || bytes.Contains(b, []byte(s))
				}
				if !found {
					t.Fatalf("%q is not in the database files before the sweep: the test would prove nothing", s)
				}
			}
			clk.add(c.after)
			if n, err := c.sweep(ctx, a); err != nil || n != 1 {
				t.Fatalf("sweep deleted %d, %v; want 1", n, err)
			}
			for name, b := range databaseFiles(t, cfg.DB) {
				for _, s := range secrets {
					if i := bytes.Index(b, []byte(s)); i >= 0 {
						t.Errorf("%s still holds %q at byte %d after the sweep", name, s, i)
					}
				}
			}
		})
	}
}
