package cli

import (
	"context"
	"time"

	"github.com/fairline/fairline/internal/bench"
	"github.com/fairline/fairline/internal/config"
	"github.com/fairline/fairline/internal/pii"
)

// benchCmd groups the benchmarks; each subcommand measures one part of the product in this
// process and prints its figures. Their code is in internal/bench; these commands only read
// the flags.
func benchCmd(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "bench", args, map[string]func(context.Context, *Env, []string) error{
		"redact": benchRedact,
		"chat":   benchChat,
		// chat-load is bench chat's load-generating child process.
		"chat-load": benchChatLoad,
		"ingest":    benchIngest,
		"sweep":     benchSweep,
		"surveys":   benchSurveys,
	})
}

func benchRedact(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench redact", "bench redact [--file FILE] [--size BYTES] [--time DURATION]\n\nMeasures personal-data redaction in MB/s, one goroutine (one core), on chat-sized\nmessages and on a large document, against a baseline of one naive combined regular\nexpression pass in the same process. FILE holds the messages: one per line, or JSON lines\nwith a \"text\" field (such as testdata/pii/messages.jsonl); without it a built-in sample\nis used. The document is the messages repeated to --size bytes.\nMB/s is given per second of wall time and per second of CPU time of the process (the\nsecond is what one core does when the machine is shared).")
	cf := config.Register(fs, config.Policy)
	file := fs.String("file", "", "messages to use (one per line, or JSON lines with a \"text\" field)")
	size := fs.Int("size", 10<<20, "document size in bytes")
	dur := fs.Duration("time", 2*time.Second, "minimum time per measurement")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &UsageError{"bench redact takes no arguments"}
	}
	if *size < 1 || *dur <= 0 {
		return &UsageError{"--size and --time must be positive"}
	}
	p, err := policyFrom(env, cf, "")
	if err != nil {
		return err
	}
	return bench.Redact(ctx, env.Stdout, bench.RedactOptions{Detector: pii.New(p.PIIConfig()), File: *file, Size: *size, Time: *dur})
}

// benchSurveys reads the flags of bench surveys and runs bench.Surveys.
func benchSurveys(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench surveys", "bench surveys [--requests N] [--baseline N] [--destroy N]\n\n"+
		"Survey requests sent per second: N calls' requests queued (each number sealed), then one pass of\n"+
		"the sender through the real Notify client to the fake Notify over loopback, rate limit off, on\n"+
		"SQLite; against a baseline of the same client sending straight to the fake, and the cost of the\n"+
		"destroy step (mark sent and blank the number) timed apart.")
	n := fs.Int("requests", 1000000, "survey requests queued and sent")
	baseline := fs.Int("baseline", 20000, "messages sent straight through the client for the baseline")
	destroy := fs.Int("destroy", 20000, "requests destroyed one by one for the destroy step's cost")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &UsageError{"bench surveys takes no arguments"}
	}
	if *n < 1 || *baseline < 1 || *destroy < 1 {
		return &UsageError{"--requests, --baseline and --destroy must be positive"}
	}
	return bench.Surveys(ctx, env.Stdout, bench.SurveysOptions{Requests: *n, Baseline: *baseline, Destroy: *destroy})
}
