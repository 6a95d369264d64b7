package eval

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/fairline/fairline/internal/search"
)

var (
	benchOnce    sync.Once
	benchIndex   *search.Index
	benchQueries []Query
)

// benchSetup indexes testdata/govuk once for the benchmarks.
func benchSetup(b *testing.B) (*search.Index, []Query) {
	b.Helper()
	benchOnce.Do(func() {
		dir := filepath.Join("..", "..", "..", "testdata", "govuk")
		pages, err := ReadPages(filepath.Join(dir, "pages.jsonl"))
		if err != nil {
			b.Fatal(err)
		}
		qs, err := ReadQueries(filepath.Join(dir, "queries.jsonl"))
		if err != nil {
			b.Fatal(err)
		}
		benchIndex = search.New(search.Options{})
		for _, p := range pages {
			if d, err := search.DocFromHTML(p.URL, p.Title, p.HTML, nil); err == nil {
				benchIndex.Add(d)
			}
		}
		benchQueries = append(qs, Misspell(qs, 1)...)
	})
	return benchIndex, benchQueries
}

// BenchmarkSearchGOVUK is one Search over the GOV.UK pages, cycling through the clean and
// misspelled queries.
func BenchmarkSearchGOVUK(b *testing.B) {
	ix, qs := benchSetup(b)
	benchSearch(b, ix, qs)
}

// benchSearch searches ix for the queries in turn, reporting CPU time a search beside wall time.
func benchSearch(b *testing.B, ix *search.Index, qs []Query) {
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime(b)
	n := 0
	for ; b.Loop(); n++ {
		ix.Search(qs[n%len(qs)].Query, 3)
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(n), "cpu-ns/op")
}

// BenchmarkSearchGOVUKParallel searches from GOMAXPROCS goroutines at once.
func BenchmarkSearchGOVUKParallel(b *testing.B) {
	ix, qs := benchSetup(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			ix.Search(qs[i%len(qs)].Query, 3)
			i++
		}
	})
}

// BenchmarkSearchGOVUKHints is BenchmarkSearchGOVUK with a hint per page: each page's title sent
// to the next page, far more hints than staff write, every one sharing words with some query.
func BenchmarkSearchGOVUKHints(b *testing.B) {
	ix, qs := benchSetup(b)
	dir := filepath.Join("..", "..", "..", "testdata", "govuk")
	pages, err := ReadPages(filepath.Join(dir, "pages.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	var hs []search.Hint
	for i, p := range pages {
		hs = append(hs, search.Hint{ID: int64(i + 1), Question: p.Title, URL: pages[(i+1)%len(pages)].URL})
	}
	ix.SetHints(ix.PrepareHints(hs))
	defer ix.SetHints(nil)
	benchSearch(b, ix, qs)
}
