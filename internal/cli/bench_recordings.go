package cli

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/fairline/fairline/internal/bench"
)

// benchIngest reads the flags of bench ingest and runs bench.Ingest.
func benchIngest(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("fairline bench ingest", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	sizeMB := fs.Int("size-mb", 64, "size of the recording used for the throughput figures")
	uploads := fs.Int("uploads", 200, "number of small uploads through the HTTP API")
	clients := fs.Int("clients", 8, "concurrent API clients")
	rounds := fs.Int("rounds", 10, "copies and ingests of the large recording, alternating; the best of each counts")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "Usage: fairline bench ingest [--size-mb N] [--rounds N] [--uploads N] [--clients N]\n\nEncrypted ingest into the local store against a plain file copy of the same data, and uploads per second through the HTTP API.")
		fs.PrintDefaults()
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if *sizeMB < 1 || *rounds < 1 || *uploads < 1 || *clients < 1 {
		return &UsageError{"--size-mb, --rounds, --uploads and --clients must be positive"}
	}
	return bench.Ingest(ctx, env.Stdout, bench.IngestOptions{SizeMB: *sizeMB, Rounds: *rounds, Uploads: *uploads, Clients: *clients})
}

// benchSweep reads the flags of bench sweep and runs bench.Sweep.
func benchSweep(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("fairline bench sweep", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	n := fs.Int("recordings", 1000000, "recordings stored before the sweep")
	pct := fs.Float64("expired", 1, "percentage of them past their retention period")
	pg := fs.String("postgres", os.Getenv("FAIRLINE_BENCH_POSTGRES"), "PostgreSQL URL of an empty database to measure too (env FAIRLINE_BENCH_POSTGRES)")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "Usage: fairline bench sweep [--recordings N] [--expired PCT] [--postgres URL]\n\nRetention sweep time when PCT% of N recordings expired, and phone-number lookup time, on SQLite and (with --postgres) PostgreSQL.")
		fs.PrintDefaults()
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if *n < 1 || !(*pct > 0 && *pct <= 100) {
		return &UsageError{"--recordings must be positive and --expired a percentage above 0 and at most 100"}
	}
	return bench.Sweep(ctx, env.Stdout, bench.SweepOptions{Recordings: *n, Expired: *pct, Postgres: *pg})
}
