package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
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
	"github.com/fairline/fairline/internal/kb"
	"github.com/fairline/fairline/internal/kb/extract"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/ratelimit"
	"github.com/fairline/fairline/internal/search/eval"
	"github.com/fairline/fairline/internal/store"
)

// ChatOptions configure Chat.
type ChatOptions struct {
	// Policy is the policy in force; Chat answers under a copy of it that
	// declares the pages' sites as chatbot sources.
	Policy *policy.Policy
	// Pages and Queries are JSONL files: {"url","title","html"} and
	// {"query","expected":[urls]}.
	Pages, Queries string
	// Requests and Time bound each concurrency level; Clients lists the levels.
	Requests int
	Time     time.Duration
	Clients  []int
	// Seed of the misspelled copy of the queries.
	Seed uint64
	// Cache keeps the answer cache on.
	Cache bool
	// Postgres, when set, is the URL of an empty PostgreSQL database to
	// answer from instead of a temporary SQLite file.
	Postgres string
	// ClientProcess runs the clients in a child process (LoadChildEnv).
	ClientProcess bool
	// Warm asks every question once before measuring.
	Warm bool
	// OtherCouncils are the topics the scope guard sends to another
	// council; nil: chat's default (Leicestershire's districts), empty: none,
	// as for a unitary council's site.
	OtherCouncils []chat.OtherCouncil
}

// Chat measures the chatbot: answer quality against an FTS5 baseline
// (internal/search/eval), then answers per second and latency through the
// real HTTP API (the api handler over a fresh database holding the pages,
// every answer stored as a resident's would be), and writes the tables to w.
func Chat(ctx context.Context, w io.Writer, o ChatOptions) (err error) {
	// The bench's own throwaway knowledge base takes only declared sources
	// like any other: the corpus's sites are declared in its copy of the
	// policy, and said so.
	srcs, err := pageSources(o.Pages)
	if err != nil {
		return err
	}
	pol, err := o.Policy.WithSources(o.Policy.Source+" + the bench pages' sites", chat.System, srcs...)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "fairline bench chat: %s, %s\n%s %s/%s, GOMAXPROCS %d\n", o.Pages, o.Queries,
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
	var hosts []string
	for _, src := range srcs {
		hosts = append(hosts, src.URL)
	}
	fmt.Fprintf(w, "(the bench's own copy of the policy declares the pages' sites as chatbot sources: %s)\n\n", strings.Join(hosts, ", "))
	rep, err := eval.RunFiles(ctx, o.Pages, o.Queries, eval.Options{Seed: o.Seed,
		Classifier: extract.MustClassifier(extract.DefaultRules())})
	if err != nil {
		return err
	}
	if err := eval.WriteTable(w, rep); err != nil {
		return err
	}
	queries, err := eval.ReadQueries(o.Queries)
	if err != nil {
		return err
	}
	if len(queries) == 0 {
		return fmt.Errorf("%s: no queries", o.Queries)
	}
	qs := make([]string, len(queries))
	for i, q := range queries {
		qs[i] = q.Query
	}
	if err := answerTable(ctx, w, pol, o.OtherCouncils, o.Pages, o.Queries, queries, rep.FTS5First); err != nil {
		return err
	}

	base, cleanup, err := chatServer(ctx, pol, o.OtherCouncils, o.Pages, o.Cache, o.Postgres)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := cleanup(); err == nil {
			err = cerr
		}
	}()
	fmt.Fprintf(w, "\nanswering through POST /api/v1/chat (stored to %s, answer cache %s), %d distinct questions, at most %d requests or %s per level\n",
		map[bool]string{true: "PostgreSQL", false: "SQLite"}[o.Postgres != ""], map[bool]string{true: "on", false: "off"}[o.Cache], len(qs), o.Requests, o.Time)
	fmt.Fprintf(w, "%-8s %10s %12s %10s %10s %10s\n", "clients", "requests", "answers/s", "p50", "p99", "errors")
	if o.Warm {
		loadChat(ctx, base, qs, 2, len(qs), o.Time)
		fmt.Fprintf(w, "(warmed: each question asked once before measuring)\n")
	}
	for _, c := range o.Clients {
		job := loadJob{URL: base, Questions: qs, Clients: c, Total: o.Requests, Limit: o.Time}
		var r loadResult
		if o.ClientProcess {
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

// answerTable prints the answer-level table of the queries: a service of
// its own over a temporary SQLite database, cache off, so that the load
// measured next starts as it did before the table existed.
func answerTable(ctx context.Context, w io.Writer, pol *policy.Policy, others []chat.OtherCouncil, pages, set string, queries []eval.Query, fts5First []string) (err error) {
	svc, cleanup, err := chatService(ctx, pol, others, pages, false, "")
	if err != nil {
		return err
	}
	defer func() {
		if cerr := cleanup(); err == nil {
			err = cerr
		}
	}()
	fl, ft, err := AnswerLevel(ctx, svc, queries, fts5First)
	if err != nil {
		return err
	}
	return WriteAnswerTable(w, set, fl, ft)
}

// chatTables are what chatServer adds to a PostgreSQL database, in an order
// that empties them (pages before the sources they belong to).
var chatTables = []string{"chat_turns", "chat_daily", "chat_pages", "chat_unanswered", "kb_pages", "kb_sources"}

// chatServer serves the real API handler on a loopback port over a
// temporary SQLite database (or the empty PostgreSQL database pg) holding
// the pages; cleanup stops it and removes what it stored.
func chatServer(ctx context.Context, pol *policy.Policy, others []chat.OtherCouncil, pagesFile string, cache bool, pg string) (base string, cleanup func() error, err error) {
	svc, closeSvc, err := chatService(ctx, pol, others, pagesFile, cache, pg)
	if err != nil {
		return "", nil, err
	}
	log := slog.New(slog.DiscardHandler)
	a, err := api.New(api.Deps{Policy: func() *policy.Policy { return pol }, Logger: log, Chat: svc, ChatLimiter: ratelimit.New(ratelimit.Rate{}, ratelimit.Options{})})
	if err != nil {
		closeSvc()
		return "", nil, err
	}
	mux := http.NewServeMux()
	a.Register(mux)
	base, stop, err := serveLoopback(mux)
	if err != nil {
		closeSvc()
		return "", nil, err
	}
	return base, func() error {
		stop()
		return closeSvc()
	}, nil
}

// chatService is the real chat service over a temporary SQLite database (or
// the empty PostgreSQL database pg) holding the pages; cleanup closes it and
// removes what it stored (the temporary folder and database, or the rows
// this run added to pg's chat and knowledge-base tables).
func chatService(ctx context.Context, pol *policy.Policy, others []chat.OtherCouncil, pagesFile string, cache bool, pg string) (svc *chat.Service, cleanup func() error, err error) {
	dir, err := os.MkdirTemp("", "fairline-bench-chat-")
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*chat.Service, func() error, error) {
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
		n, err := countRows(ctx, db.Q(), "kb_pages", "chat_turns", "chat_daily")
		if err != nil || n > 0 {
			db.Close()
			return fail(fmt.Errorf("bench chat --postgres needs a database with no knowledge-base pages and no chat records (found %d rows, %v)", n, err))
		}
	}
	key := make([]byte, 32)
	rand.Read(key)
	log := slog.New(slog.DiscardHandler)
	opts := chat.Options{Logger: log, OtherCouncils: others}
	if !cache {
		opts.CacheSize = -1
	}
	svc = chat.New(db, audit.New(db, key), func() *policy.Policy { return pol }, opts)
	f, err := os.Open(pagesFile)
	if err != nil {
		svc.Close()
		db.Close()
		return fail(err)
	}
	_, err = kb.New(db, kb.Options{Logger: log, Policy: func() *policy.Policy { return pol }}).Import(ctx, f)
	f.Close()
	if err == nil {
		err = svc.LoadIndex(ctx)
	}
	if err != nil {
		svc.Close()
		db.Close()
		return fail(err)
	}
	return svc, func() error {
		svc.Close() // commits the turns the writer holds before the rows are counted or deleted
		var err error
		if pg != "" {
			// What this run added: the tables were empty.
			err = db.DeleteAllRows(context.WithoutCancel(ctx), chatTables...)
		}
		db.Close()
		os.RemoveAll(dir)
		return err
	}, nil
}

// countRows adds up the rows of tables.
func countRows(ctx context.Context, q *store.Q, tables ...string) (int, error) {
	total := 0
	for _, t := range tables {
		n, err := q.Count(ctx, t)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

type loadResult struct {
	N         int           `json:"n"`
	Errors    int           `json:"errors"`
	PerSecond float64       `json:"per_second"`
	P50       time.Duration `json:"p50"`
	P99       time.Duration `json:"p99"`
}

// loadJob is the work Chat hands to its load-generating process.
type loadJob struct {
	URL       string        `json:"url"`
	Questions []string      `json:"questions"`
	Clients   int           `json:"clients"`
	Total     int           `json:"total"`
	Limit     time.Duration `json:"limit"`
}

// LoadChildEnv is set to "1" in the environment of the load-generating
// process, which Chat starts as this executable with the arguments
// `bench chat-load`: the fairline binary runs ChatLoad for them, and a test
// binary's TestMain must do the same when it sees this variable.
const LoadChildEnv = "FAIRLINE_BENCH_LOAD_CHILD"

// ErrBadLoadJob is wrapped by ChatLoad's error for a job that lacks a field.
var ErrBadLoadJob = errors.New("bench chat-load: the job needs url, questions, clients, total and limit")

// ChatLoad is the load generator of Chat: a job as JSON from in, its result
// as JSON to out.
func ChatLoad(ctx context.Context, in io.Reader, out io.Writer) error {
	var job loadJob
	if err := json.NewDecoder(in).Decode(&job); err != nil {
		return fmt.Errorf("bench chat-load: read the job: %w", err)
	}
	if job.URL == "" || len(job.Questions) == 0 || job.Clients < 1 || job.Total < 1 || job.Limit <= 0 {
		return ErrBadLoadJob
	}
	return json.NewEncoder(out).Encode(loadChat(ctx, job.URL, job.Questions, job.Clients, job.Total, job.Limit))
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
	cmd.Env = append(os.Environ(), LoadChildEnv+"=1")
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

// pageSources lists the sites of a pages file as chatbot sources, for
// the bench's copy of the policy.
func pageSources(pagesFile string) ([]policy.Source, error) {
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
