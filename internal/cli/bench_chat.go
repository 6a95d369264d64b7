package cli

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/fairline/fairline/internal/bench"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/config"
)

// benchChat reads the flags of bench chat and runs bench.Chat.
func benchChat(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench chat", "bench chat --pages FILE --queries FILE [--requests N] [--time D] [--clients 1,64]\n\n"+
		"Prints recall@1, recall@3 and MRR for Fairline and for SQLite FTS5 bm25 on the same pages and\n"+
		"queries, clean and with a misspelled copy of the queries; then the answer-level table (each\n"+
		"question through the real answer path: answered right or wrong, choices with or without the right\n"+
		"page, declined, handed off; FTS5's top result beside it); then answers per second with p50/p99\n"+
		"latency through POST /api/v1/chat (a loopback server over the real handler, a temporary SQLite\n"+
		"database, rate limit off) at each number of concurrent clients. FILE formats: pages\n"+
		"{\"url\",\"title\",\"html\"}, queries {\"query\",\"expected\":[urls]}, one JSON object a line.")
	cf := config.Register(fs, config.Policy, config.Group{"other-councils"})
	pagesFile := fs.String("pages", "", "pages JSONL file")
	queriesFile := fs.String("queries", "", "queries JSONL file")
	requests := fs.Int("requests", 20000, "requests per concurrency level at most (after 5 uncounted ones per client)")
	limit := fs.Duration("time", 20*time.Second, "time per concurrency level at most")
	clientsFlag := fs.String("clients", "1,64", "concurrency levels, comma-separated")
	seed := fs.Uint64("seed", 1, "seed of the misspelled query copy")
	cache := fs.Bool("cache", true, "keep the answer cache on (off: every request searches)")
	pg := fs.String("postgres", os.Getenv("FAIRLINE_BENCH_POSTGRES"), "answer from this PostgreSQL database (empty of pages and chat records) instead of a temporary SQLite file (env FAIRLINE_BENCH_POSTGRES)")
	clientProcess := fs.Bool("client-process", true, "run the clients in a separate process (false: in this one, beside the server)")
	warm := fs.Bool("warm", false, "ask every question once before measuring (steady state of a busy server's cache)")
	if err := parse(fs, interspersed(args)); err != nil {
		return err
	}
	if *pagesFile == "" || *queriesFile == "" || fs.NArg() > 0 {
		return &UsageError{"bench chat needs --pages FILE and --queries FILE"}
	}
	var levels []int
	for _, f := range strings.Split(*clientsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return &UsageError{"--clients must be positive numbers separated by commas"}
		}
		levels = append(levels, n)
	}
	if *requests < 1 || *limit <= 0 {
		return &UsageError{"--requests and --time must be positive"}
	}
	pol, err := policyFrom(env, cf, "")
	if err != nil {
		return err
	}
	cfg, err := cf.Resolve(env.Getenv)
	if err != nil {
		return err
	}
	// A unitary council's pages are measured with a file holding [] (no
	// topic is another council's), as that council would deploy.
	var others []chat.OtherCouncil
	if cfg.OtherCouncils != "" {
		if others, err = chat.LoadOtherCouncils(cfg.OtherCouncils); err != nil {
			return err
		}
	}
	return bench.Chat(ctx, env.Stdout, bench.ChatOptions{Policy: pol, Pages: *pagesFile, Queries: *queriesFile,
		Requests: *requests, Time: *limit, Clients: levels, Seed: *seed, Cache: *cache, Postgres: *pg,
		ClientProcess: *clientProcess, Warm: *warm, OtherCouncils: others})
}

// benchLoadChildEnv marks a test binary started as the load generator.
const benchLoadChildEnv = bench.LoadChildEnv

// benchChatLoad is the load generator of bench chat: its job as JSON on
// standard input, its result as JSON on standard output.
func benchChatLoad(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 {
		return &UsageError{"bench chat-load takes its job as JSON on standard input (bench chat starts it)"}
	}
	err := bench.ChatLoad(ctx, env.Stdin, env.Stdout)
	if errors.Is(err, bench.ErrBadLoadJob) {
		return &UsageError{err.Error()}
	}
	return err
}
