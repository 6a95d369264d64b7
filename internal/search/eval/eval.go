// Package eval measures retrieval quality of the chatbot's search index against a baseline of
// SQLite FTS5 bm25 on the same pages and queries, clean and with generated misspellings, and
// times in-process searches. `fairline bench chat` and the quality gate test call it.
package eval

import (
	"bufio"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // FTS5 baseline

	"github.com/fairline/fairline/internal/kb/extract"
	"github.com/fairline/fairline/internal/search"
)

// Page is one line of a pages file: {"url","title","html"}.
type Page struct {
	URL   string `json:"url"`
	Title string `json:"title"`
	HTML  string `json:"html"`
}

// Query is one line of a queries file: {"query","expected":[urls]}. An empty
// expected list means the site has no page that answers the query: it counts
// in the answer-level table (internal/bench), where declining is the right
// outcome, and not in recall or MRR, which need a page to find.
type Query struct {
	Query    string   `json:"query"`
	Expected []string `json:"expected"`
}

// ReadPages reads a pages JSONL file.
func ReadPages(path string) ([]Page, error) { return readJSONL[Page](path) }

// ReadQueries reads a queries JSONL file.
func ReadQueries(path string) ([]Query, error) { return readJSONL[Query](path) }

func readJSONL[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// Metrics are the quality figures of one system on one query set.
type Metrics struct {
	Queries int
	Recall1 float64 // share of queries whose first result is expected
	Recall3 float64 // share with an expected page in the first three (hit@3)
	MRR     float64 // mean reciprocal rank of the first expected page, over the first 10
}

// Latency summarises in-process search times.
type Latency struct {
	P50, P99 time.Duration
	Mean     time.Duration
}

// Report is the outcome of Run.
type Report struct {
	Pages, Passages int
	// Unanswerable counts the queries with no expected page, left out of
	// every Metrics.
	Unanswerable    int
	Fairline        Metrics
	FairlineTypos   Metrics
	FTS5            Metrics
	FTS5Typos       Metrics
	FairlineLatency Latency
	FTS5Latency     Latency
	// FTS5First is FTS5's first result for each clean query, in the queries'
	// order, "" when it returned nothing: the baseline's "answer" in the
	// answer-level table (internal/bench).
	FTS5First []string
	// Misses lists clean queries where Fairline's top result was not expected (for tuning by
	// eye; never feed them back as rules).
	Misses []Miss
}

// Miss is a query Fairline did not answer first.
type Miss struct {
	Query    string
	Expected []string
	Got      []string
	Rank     int // rank of the first expected page, 0 if not in the first 10
}

// Options configure Run.
type Options struct {
	// Seed for the misspelled copy of the queries; the same seed gives the same copy.
	Seed uint64
	// Index options for Fairline.
	Index search.Options
	// Classifier, optional, labels pages with a service area.
	Classifier *extract.Classifier
	// Parallel runs the two systems at the same time (for slow builds such as -race); latency
	// is then not measured.
	Parallel bool
}

// RunFiles reads a pages file and a queries file and calls Run: the body of
// `fairline bench chat --pages FILE --queries FILE`.
func RunFiles(ctx context.Context, pagesPath, queriesPath string, opt Options) (Report, error) {
	pages, err := ReadPages(pagesPath)
	if err != nil {
		return Report{}, err
	}
	queries, err := ReadQueries(queriesPath)
	if err != nil {
		return Report{}, err
	}
	return Run(ctx, pages, queries, opt)
}

// depth is how many results are read per query.
const depth = 10

// Run indexes pages in Fairline's index and in an in-memory SQLite FTS5 table (title and body,
// porter tokenizer, bm25), then runs the queries and their misspelled copy through both.
func Run(ctx context.Context, pages []Page, queries []Query, opt Options) (Report, error) {
	var r Report
	ix := search.New(opt.Index)
	texts := make([]string, 0, len(pages))
	var docs []search.Doc
	for _, p := range pages {
		d, err := search.DocFromHTML(p.URL, p.Title, p.HTML, opt.Classifier)
		if err != nil {
			continue // a page with no text cannot answer anything, in either system
		}
		docs = append(docs, d)
		var b strings.Builder
		for _, ps := range d.Passages {
			b.WriteString(ps.Heading)
			b.WriteString("\n")
			b.WriteString(ps.Text)
			b.WriteString("\n")
		}
		texts = append(texts, b.String())
	}
	ix.Add(docs...)
	r.Pages, r.Passages = ix.Len()

	fts, err := newFTS(ctx, docs, texts)
	if err != nil {
		return r, err
	}
	defer fts.close()

	typos := Misspell(queries, opt.Seed)
	fairline := func(q string) []string { return urls(ix.Search(q, depth)) }
	var ftsErr error
	var ftsMu sync.Mutex
	ftsSearch := func(q string) []string {
		got, err := fts.search(ctx, q, depth)
		if err != nil {
			ftsMu.Lock()
			ftsErr = cmp.Or(ftsErr, err)
			ftsMu.Unlock()
		}
		return got
	}
	var clean, ftsClean []ranked
	if opt.Parallel {
		// The two systems' passes run side by side; quality figures are the same, latency
		// figures would measure the contention, so they are left zero.
		var wg sync.WaitGroup
		wg.Go(func() {
			r.Fairline, _, clean = measure(queries, fairline)
			r.FairlineTypos, _, _ = measure(typos, fairline)
		})
		wg.Go(func() {
			r.FTS5, _, ftsClean = measure(queries, ftsSearch)
			r.FTS5Typos, _, _ = measure(typos, ftsSearch)
		})
		wg.Wait()
	} else {
		var fl, ft []time.Duration
		r.Fairline, fl, clean = measure(queries, fairline)
		r.FairlineTypos, _, _ = measure(typos, fairline)
		r.FTS5, ft, ftsClean = measure(queries, ftsSearch)
		r.FTS5Typos, _, _ = measure(typos, ftsSearch)
		r.FairlineLatency, r.FTS5Latency = summarise(fl), summarise(ft)
	}
	if ftsErr != nil {
		return r, ftsErr
	}
	r.FTS5First = make([]string, len(queries))
	for i, q := range queries {
		if got := ftsClean[i].got; len(got) > 0 {
			r.FTS5First[i] = got[0]
		}
		if len(q.Expected) == 0 {
			r.Unanswerable++
			continue
		}
		if c := clean[i]; c.rank != 1 {
			r.Misses = append(r.Misses, Miss{Query: q.Query, Expected: q.Expected, Got: c.got[:min(3, len(c.got))], Rank: c.rank})
		}
	}
	return r, nil
}

func urls(rs []search.Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.URL
	}
	return out
}

// ranked is one query's outcome.
type ranked struct {
	got  []string
	rank int
}

// measure runs every query once and scores the ranked URLs; queries that
// expect no page are run (and timed) but not scored.
func measure(qs []Query, fn func(string) []string) (Metrics, []time.Duration, []ranked) {
	var m Metrics
	times := make([]time.Duration, 0, len(qs))
	out := make([]ranked, 0, len(qs))
	for _, q := range qs {
		start := time.Now()
		got := fn(q.Query)
		times = append(times, time.Since(start))
		rank := firstHit(got, q.Expected)
		out = append(out, ranked{got, rank})
		if len(q.Expected) == 0 {
			continue
		}
		m.Queries++
		if rank == 1 {
			m.Recall1++
		}
		if rank >= 1 && rank <= 3 {
			m.Recall3++
		}
		if rank > 0 {
			m.MRR += 1 / float64(rank)
		}
	}
	if n := float64(m.Queries); n > 0 {
		m.Recall1 /= n
		m.Recall3 /= n
		m.MRR /= n
	}
	return m, times, out
}

// firstHit returns the 1-based rank of the first expected URL in got (trailing slashes
// ignored), or 0.
func firstHit(got, expected []string) int {
	for i, g := range got {
		for _, e := range expected {
			if strings.TrimRight(g, "/") == strings.TrimRight(e, "/") {
				return i + 1
			}
		}
	}
	return 0
}

func summarise(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	pct := func(p float64) time.Duration {
		i := int(p*float64(len(s))+0.5) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	return Latency{P50: pct(0.50), P99: pct(0.99), Mean: sum / time.Duration(len(s))}
}

// fts is the baseline: one FTS5 row per page, title and body columns, bm25 ranking.
type fts struct {
	db *sql.DB
}

func newFTS(ctx context.Context, docs []search.Doc, texts []string) (*fts, error) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // one connection: an in-memory database is per connection
	f := &fts{db: db}
	if _, err := db.ExecContext(ctx, `CREATE VIRTUAL TABLE pages USING fts5(url UNINDEXED, title, body, tokenize = 'porter unicode61')`); err != nil {
		db.Close()
		return nil, fmt.Errorf("fts5: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		db.Close()
		return nil, err
	}
	for i, d := range docs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO pages(url, title, body) VALUES (?, ?, ?)`, d.URL, d.Title, texts[i]); err != nil {
			tx.Rollback()
			db.Close()
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		db.Close()
		return nil, err
	}
	return f, nil
}

// search ORs the query's words (each quoted, so FTS5 syntax in a query is inert) and ranks by
// bm25 with default weights: the textbook configuration a team would start from.
func (f *fts) search(ctx context.Context, q string, k int) ([]string, error) {
	var terms []string
	for _, w := range strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	}) {
		terms = append(terms, `"`+strings.ReplaceAll(w, `"`, `""`)+`"`)
	}
	if len(terms) == 0 {
		return nil, nil
	}
	rows, err := f.db.QueryContext(ctx, `SELECT url FROM pages WHERE pages MATCH ? ORDER BY bm25(pages) LIMIT ?`,
		strings.Join(terms, " OR "), k)
	if err != nil {
		return nil, fmt.Errorf("fts5 %q: %w", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func (f *fts) close() { f.db.Close() }

// WriteTable prints a report as a plain-text table.
func WriteTable(w io.Writer, r Report) error {
	ratio := func(a, b float64) string {
		if b == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2f×", a/b)
	}
	rows := [][]string{
		{"system", "queries", "recall@1", "recall@3", "MRR"},
		row("Fairline", r.Fairline),
		row("FTS5 bm25", r.FTS5),
		row("Fairline (misspelled)", r.FairlineTypos),
		row("FTS5 bm25 (misspelled)", r.FTS5Typos),
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d pages, %d passages\n", r.Pages, r.Passages)
	if r.Unanswerable > 0 {
		fmt.Fprintf(&b, "%d queries expect no page (the site cannot answer them): not in recall or MRR, only in the answer-level table\n", r.Unanswerable)
	}
	b.WriteByte('\n')
	widths := make([]int, len(rows[0]))
	for _, rw := range rows {
		for i, c := range rw {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	for ri, rw := range rows {
		for i, c := range rw {
			if i == 0 {
				fmt.Fprintf(&b, "%-*s", widths[i], c)
			} else {
				fmt.Fprintf(&b, "  %*s", widths[i], c)
			}
		}
		b.WriteByte('\n')
		if ri == 0 {
			b.WriteString(strings.Repeat("-", sumInts(widths)+2*(len(widths)-1)))
			b.WriteByte('\n')
		}
	}
	fmt.Fprintf(&b, "\nMRR ratio Fairline/FTS5: %s clean, %s misspelled\n",
		ratio(r.Fairline.MRR, r.FTS5.MRR), ratio(r.FairlineTypos.MRR, r.FTS5Typos.MRR))
	if r.Fairline.MRR > 0 {
		fmt.Fprintf(&b, "Fairline misspelled/clean MRR: %.1f%%\n", 100*r.FairlineTypos.MRR/r.Fairline.MRR)
	}
	fmt.Fprintf(&b, "in-process search latency: Fairline p50 %s p99 %s; FTS5 p50 %s p99 %s\n",
		r.FairlineLatency.P50.Round(time.Microsecond), r.FairlineLatency.P99.Round(time.Microsecond),
		r.FTS5Latency.P50.Round(time.Microsecond), r.FTS5Latency.P99.Round(time.Microsecond))
	_, err := io.WriteString(w, b.String())
	return err
}

func row(name string, m Metrics) []string {
	return []string{name, fmt.Sprint(m.Queries), fmt.Sprintf("%.3f", m.Recall1), fmt.Sprintf("%.3f", m.Recall3), fmt.Sprintf("%.3f", m.MRR)}
}

func sumInts(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}
