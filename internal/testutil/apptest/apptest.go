// Package apptest opens a whole Fairline app in a temporary data folder, for the tests of the
// packages above app (web, api, cli, and app's own external tests). The app's internal tests
// (package app) cannot import it: it imports app.
package apptest

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/config"
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
