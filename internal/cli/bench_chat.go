package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fairline/fairline/internal/api"
	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/config"
	"github.com/fairline/fairline/internal/kb"
	"github.com/fairline/fairline/internal/kb/extract"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/ratelimit"
	"github.com/fairline/fairline/internal/search/eval"
	"github.com/fairline/fairline/internal/store"
)

// benchChat measures the chatbot: answer quality against an FTS5 baseline
// (internal/search/eval), then answers per second and latency through the
// real HTTP API (the api handler over a fresh SQLite database holding the
// pages, every answer stored as a resident's would be).
func benchChat(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench chat", "bench chat --pages FILE --queries FILE [--requests N] [--time D] [--clients 1,64]\n\n"+
		"Prints recall@1, recall@3 and MRR for Fairline and for SQLite FTS5 bm25 on the same pages and\n"+
		"queries, clean and with a misspelled copy of the queries; then answers per second with p50/p99\n"+
		"latency through POST /api/v1/chat (httptest server over the real handler, a temporary SQLite\n"+
		"database, rate limit off) at each number of concurrent clients. FILE formats: pages\n"+
		"{\"url\",\"title\",\"html\"}, queries {\"query\",\"expected\":[urls]}, one JSON object a line.")
	cf := config.Register(fs, config.Policy)
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
	// The bench's own throwaway knowledge base takes only declared sources
	// like any other: the corpus's sites are declared in its copy of the
	// policy, and said so.
	srcs, err := benchSources(*pagesFile)
	if err != nil {
		return err
	}
	if pol, err = pol.WithSources(pol.Source+" + the bench pages' sites", chat.System, srcs...); err != nil {
		return err
	}
	w := env.Stdout
	fmt.Fprintf(w, "fairline bench chat: %s, %s\n%s %s/%s, GOMAXPROCS %d\n", *pagesFile, *queriesFile,
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
	var hosts []string
	for _, src := range srcs {
		hosts = append(hosts, src.URL)
	}
	fmt.Fprintf(w, "(the bench's own copy of the policy declares the pages' sites as chatbot sources: %s)\n\n", strings.Join(hosts, ", "))
	rep, err := eval.RunFiles(ctx, *pagesFile, *queriesFile, eval.Options{Seed: *seed,
		Classifier: extract.MustClassifier(extract.DefaultRules())})
	if err != nil {
		return err
	}
	if err := eval.WriteTable(w, rep); err != nil {
		return err
	}
	queries, err := eval.ReadQueries(*queriesFile)
	if err != nil {
		return err
	}
	if len(queries) == 0 {
		return fmt.Errorf("%s: no queries", *queriesFile)
	}
	qs := make([]string, len(queries))
	for i, q := range queries {
		qs[i] = q.Query
	}

	srv, cleanup, err := chatBenchServer(ctx, pol, *pagesFile, *cache, *pg)
	if err != nil {
		return err
	}
	defer cleanup()
	fmt.Fprintf(w, "\nanswering through POST /api/v1/chat (stored to %s, answer cache %s), %d distinct questions, at most %d requests or %s per level\n",
		map[bool]string{true: "PostgreSQL", false: "SQLite"}[*pg != ""], map[bool]string{true: "on", false: "off"}[*cache], len(qs), *requests, *limit)
	fmt.Fprintf(w, "%-8s %10s %12s %10s %10s %10s\n", "clients", "requests", "answers/s", "p50", "p99", "errors")
	if *warm {
		loadChat(ctx, srv.URL, qs, 2, len(qs), *limit)
		fmt.Fprintf(w, "(warmed: each question asked once before measuring)\n")
	}
	for _, c := range levels {
		job := loadJob{URL: srv.URL, Questions: qs, Clients: c, Total: *requests, Limit: *limit}
		var r loadResult
		if *clientProcess {
			if r, err = loadInChild(ctx, job); err != nil {
				return err
			}
		} else {
			r = loadChat(ctx, job.URL, job.Questions, job.Clients, job.Total, job.Limit)
		}
		fmt.Fprintf(w, "%-8d %10d %12.0f %10s %10s %10d\n", c, r.N, r.PerSecond, r.P50.Round(10*time.Microsecond),
			r.P99.Round(10*time.Microsecond), r.Errors)
	}
	return nil
}

// chatBenchServer serves the real API handler over a temporary SQLite
// database holding the pages.
func chatBenchServer(ctx context.Context, pol *policy.Policy, pagesFile string, cache bool, pg string) (*httptest.Server, func(), error) {
	dir, err := os.MkdirTemp("", "fairline-bench-chat-")
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*httptest.Server, func(), error) {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	dsn := filepath.Join(dir, "bench.db")
	if pg != "" {
		dsn = pg
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return fail(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return fail(err)
	}
	if pg != "" {
		// Only an empty database, so that removing what the bench added
		// afterwards removes nothing else.
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM kb_pages) + (SELECT COUNT(*) FROM chat_turns) + (SELECT COUNT(*) FROM chat_daily)`).Scan(&n); err != nil || n > 0 {
			db.Close()
			return fail(fmt.Errorf("bench chat --postgres needs a database with no knowledge-base pages and no chat records (found %d rows, %v)", n, err))
		}
	}
	key := make([]byte, 32)
	rand.Read(key)
	log := slog.New(slog.DiscardHandler)
	opts := chat.Options{Logger: log}
	if !cache {
		opts.CacheSize = -1
	}
	svc := chat.New(db, audit.New(db, key), func() *policy.Policy { return pol }, opts)
	f, err := os.Open(pagesFile)
	if err != nil {
		db.Close()
		return fail(err)
	}
	_, err = kb.New(db, kb.Options{Logger: log, Policy: func() *policy.Policy { return pol }}).Import(ctx, f)
	f.Close()
	if err == nil {
		err = svc.LoadIndex(ctx)
	}
	if err != nil {
		db.Close()
		return fail(err)
	}
	a, err := api.New(api.Deps{DB: db, Policy: func() *policy.Policy { return pol }, Logger: log, Chat: svc, ChatLimiter: ratelimit.New(ratelimit.Rate{}, ratelimit.Options{})})
	if err != nil {
		db.Close()
		return fail(err)
	}
	mux := http.NewServeMux()
	a.Register(mux)
	srv := httptest.NewServer(mux)
	return srv, func() {
		srv.Close()
		if pg != "" {
			for _, table := range []string{"chat_turns", "chat_daily", "chat_pages", "chat_unanswered", "kb_pages", "kb_sources"} {
				db.SQL().Exec(`DELETE FROM ` + table) // what this run added: the tables were empty
			}
		}
		db.Close()
		os.RemoveAll(dir)
	}, nil
}

type loadResult struct {
	N         int           `json:"n"`
	Errors    int           `json:"errors"`
	PerSecond float64       `json:"per_second"`
	P50       time.Duration `json:"p50"`
	P99       time.Duration `json:"p99"`
}

// loadJob is the work bench chat hands to its load-generating process.
type loadJob struct {
	URL       string        `json:"url"`
	Questions []string      `json:"questions"`
	Clients   int           `json:"clients"`
	Total     int           `json:"total"`
	Limit     time.Duration `json:"limit"`
}

// benchLoadChildEnv marks a test binary started as the load generator.
const benchLoadChildEnv = "FAIRLINE_BENCH_LOAD_CHILD"

// benchChatLoad is the load generator of bench chat: a loadJob as JSON on
// standard input, its loadResult as JSON on standard output.
func benchChatLoad(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 {
		return &UsageError{"bench chat-load takes its job as JSON on standard input (bench chat starts it)"}
	}
	var job loadJob
	if err := json.NewDecoder(env.Stdin).Decode(&job); err != nil {
		return fmt.Errorf("bench chat-load: read the job: %w", err)
	}
	if job.URL == "" || len(job.Questions) == 0 || job.Clients < 1 || job.Total < 1 || job.Limit <= 0 {
		return &UsageError{"bench chat-load: the job needs url, questions, clients, total and limit"}
	}
	return json.NewEncoder(env.Stdout).Encode(loadChat(ctx, job.URL, job.Questions, job.Clients, job.Total, job.Limit))
}

// loadInChild runs job in a child process of this executable. The clients
// still share the machine's cores with the server, but their allocations and
// garbage collections no longer land on the server's heap, as they would not
// in a deployment, where residents' browsers are elsewhere.
func loadInChild(ctx context.Context, job loadJob) (loadResult, error) {
	exe, err := os.Executable()
	if err != nil {
		return loadResult{}, fmt.Errorf("find this executable to start the load generator: %w", err)
	}
	in, err := json.Marshal(job)
	if err != nil {
		return loadResult{}, err
	}
	cmd := exec.CommandContext(ctx, exe, "bench", "chat-load")
	cmd.Env = append(os.Environ(), benchLoadChildEnv+"=1")
	cmd.Stdin = bytes.NewReader(in)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return loadResult{}, fmt.Errorf("load generator: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var r loadResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return loadResult{}, fmt.Errorf("load generator: unreadable result: %w", err)
	}
	return r, nil
}

// loadChat sends up to total questions from clients goroutines, for at
// most limit, and measures each request's latency. Each client first opens
// its connection and sends warmUp requests that are not counted, and the
// clock starts when all have: the figures are the steady state, not 64
// connections being accepted at once.
func loadChat(ctx context.Context, base string, qs []string, clients, total int, limit time.Duration) loadResult {
	const warmUp = 5
	tr := &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ask := func(q string) error {
		body := `{"message":` + strconv.Quote(q) + `}`
		resp, err := hc.Post(base+"/api/v1/chat", "application/json", strings.NewReader(body))
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	var next, errs atomic.Int64
	lat := make([][]time.Duration, clients)
	var warm, wg sync.WaitGroup
	warm.Add(clients)
	begin := make(chan struct{})
	for c := range clients {
		wg.Go(func() {
			for i := range warmUp {
				if ask(qs[(c*warmUp+i)%len(qs)]) != nil {
					errs.Add(1)
				}
			}
			warm.Done()
			<-begin
			deadline := time.Now().Add(limit)
			for ctx.Err() == nil && time.Now().Before(deadline) {
				i := int(next.Add(1)) - 1
				if i >= total {
					return
				}
				t0 := time.Now()
				if err := ask(qs[i%len(qs)]); err != nil {
					errs.Add(1)
					continue
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		})
	}
	warm.Wait()
	start := time.Now()
	close(begin)
	wg.Wait()
	el := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	r := loadResult{N: len(all), Errors: int(errs.Load())}
	if len(all) > 0 {
		r.PerSecond = float64(len(all)) / el.Seconds()
		r.P50 = all[len(all)/2]
		r.P99 = all[min(len(all)-1, len(all)*99/100)]
	}
	return r
}

// benchSources lists the sites of a pages file as chatbot sources, for
// the bench's copy of the policy.
func benchSources(pagesFile string) ([]policy.Source, error) {
	f, err := os.Open(pagesFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	seen := map[string]bool{}
	var out []policy.Source
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), kb.MaxImportLine)
	for sc.Scan() {
		var l struct{ URL string }
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue // Import names the bad line
		}
		u, err := url.Parse(l.URL)
		if err != nil || u.Host == "" || seen[u.Host] {
			continue
		}
		seen[u.Host] = true
		site := u.Scheme + "://" + u.Host
		out = append(out, policy.Source{Name: "the bench pages at " + u.Host, URL: site})
	}
	return out, sc.Err()
}
