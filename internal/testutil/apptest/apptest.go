// Package apptest opens a whole Fairline app in a temporary data folder, for the tests of the
// packages above app (web, api, cli, and app's own external tests). The app's internal tests
// (package app) cannot import it: it imports app.
package apptest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/config"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
)

// FastPasswords are argon2id parameters cheap enough for tests that sign in many times
// (1 MiB, one pass); Open uses them unless told otherwise.
var FastPasswords = auth.Params{Memory: 1024, Time: 1, Threads: 1}

// Config is the default configuration with everything the app keeps in dir: the SQLite
// database, the key file and the blob folder.
func Config(dir string) config.Config {
	cfg := config.Defaults()
	cfg.DataDir = dir
	cfg.DB = filepath.Join(dir, "fairline.db")
	cfg.KeyFile = filepath.Join(dir, "keys.json")
	cfg.BlobDir = filepath.Join(dir, "blobs")
	return cfg
}

// Options adjust Open.
type Options struct {
	Log *slog.Logger // nil: logs go nowhere
	App app.Options  // a zero PasswordParams is FastPasswords
}

// Open opens the app on cfg (see Config), failing tb if it does not open.
// It is closed when the test ends (app.App.Close may be called before:
// a second call does nothing).
func Open(tb testing.TB, cfg config.Config, o Options) *app.App {
	tb.Helper()
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.App.PasswordParams == (auth.Params{}) {
		o.App.PasswordParams = FastPasswords
	}
	a, err := app.Open(context.Background(), cfg, o.Log, o.App)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.Close() })
	return a
}

// OpenDir opens the app with everything in dir and the other settings at their defaults.
func OpenDir(tb testing.TB, dir string) *app.App {
	tb.Helper()
	return Open(tb, Config(dir), Options{})
}

// Recording stores a First Contact Plus call (testdata/audio/speech-mulaw.wav, caller
// 07911 123456, started at started) through the recording service, as an upload would, and
// returns its row.
func Recording(tb testing.TB, a *app.App, idemKey, externalID string, started time.Time) store.Recording {
	tb.Helper()
	_, file, _, _ := runtime.Caller(0)
	audio, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "audio", "speech-mulaw.wav"))
	if err != nil {
		tb.Fatal(err)
	}
	sum := sha256.Sum256(audio)
	ing, err := a.Recordings.Ingest(context.Background(), "token:1", idemKey, recording.Metadata{
		ExternalID: externalID, Direction: "inbound", ServiceArea: "first-contact-plus", AgentID: "a9",
		OtherParty: "07911 123456", StartedAt: started, DurationSeconds: 8, SHA256: hex.EncodeToString(sum[:])},
		bytes.NewReader(audio))
	if err != nil {
		tb.Fatal(err)
	}
	r, err := a.DB.Q().RecordingByID(context.Background(), ing.Recording.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}
