package search

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/fairline/fairline/internal/kb/extract"
)

// councilSite is a small council knowledge base written for these tests.
var councilSite = []struct{ url, html string }{
	{"https://council.example/council-tax", `<main><h1>Council tax</h1>
		<p>Council tax pays for local services such as libraries and roads.</p>
		<h2 id="bands">Council tax bands</h2><p>Your band depends on the value of your home in 1991.</p>
		<h2 id="pay">Pay your council tax</h2><p>Pay online by direct debit or by card.</p>
		<h2>Discounts</h2><p>A single person discount takes 25% off your bill.</p></main>`},
	{"https://council.example/bins/missed-bin", `<main><h1>Report a missed bin collection</h1>
		<p>If we did not empty your wheelie bin on collection day, report it within two working days.</p>
		<h2>Garden waste</h2><p>Garden waste bins are emptied every two weeks from March to November.</p></main>`},
	{"https://council.example/recycling-centres", `<main><h1>Household waste recycling centres</h1>
		<p>Take bulky items, garden waste and electrical items to a household waste recycling centre.</p>
		<h2>Opening hours</h2><p>Centres open from 8am to 6pm every day except Christmas Day.</p></main>`},
	{"https://council.example/parking/blue-badge", `<main><h1>Apply for a Blue Badge</h1>
		<p>A Blue Badge lets disabled people park closer to where they need to go.</p>
		<h2 id="eligibility">Who can get a badge</h2><p>You can get a badge automatically if you get the higher rate of the mobility component.</p>
		<p>Read about <a href="/council-tax">council tax</a> discounts too.</p></main>`},
	{"https://council.example/libraries/join", `<main><h1>Join the library</h1>
		<p>Library membership is free. Borrow books, e-books and audiobooks, and use the computers.</p>
		<h2>Opening hours</h2><p>Most libraries are open six days a week.</p></main>`},
	{"https://council.example/roads/potholes", `<main><h1>Report a pothole</h1>
		<p>Report potholes, damaged pavements and faulty street lights on roads we look after.</p>
		<p>We inspect a reported pothole within five working days and repair dangerous ones within 24 hours.</p></main>`},
	{"https://council.example/social-care/carers", `<main><h1>Support for carers</h1>
		<p>If you look after someone, a carer's assessment finds out what support you need.</p>
		<h2>Carer's Allowance (CA)</h2><p>You may be able to get Carer's Allowance if you care for someone for 35 hours a week.</p></main>`},
	{"https://council.example/colour-centre", `<main><h1>Neighbourhood centres</h1>
		<p>Our neighbourhood centres organise colourful community events.</p></main>`},
}

func newTestIndex(t testing.TB, opts Options) *Index {
	t.Helper()
	ix := New(opts)
	c := extract.MustClassifier(extract.DefaultRules())
	for _, p := range councilSite {
		d, err := DocFromHTML(p.url, "", p.html, c)
		if err != nil {
			t.Fatal(err)
		}
		ix.Add(d)
	}
	return ix
}

func TestSearch(t *testing.T) {
	ix := newTestIndex(t, Options{})
	tests := []struct {
		query, wantURL, wantAnchor string
	}{
		{"council tax bands", "https://council.example/council-tax", "bands"},
		{"how do I pay my council tax", "https://council.example/council-tax", "pay"},
		{"counciltax", "https://council.example/council-tax", ""},                              // run together
		{"ctax discount", "https://council.example/council-tax", "discounts"},                  // synonym + stem
		{"my bin wasnt emptied", "https://council.example/bins/missed-bin", ""},                // stem of emptied
		{"where is the tip", "https://council.example/recycling-centres", ""},                  // synonym
		{"disabled parking", "https://council.example/parking/blue-badge", ""},                 // synonym
		{"blue bagde", "https://council.example/parking/blue-badge", ""},                       // transposition
		{"libary opening hours", "https://council.example/libraries/join", "opening-hours"},    // dropped letter
		{"neighborhood center", "https://council.example/colour-centre", ""},                   // American spelling
		{"potholles", "https://council.example/roads/potholes", ""},                            // doubled letter
		{"ca for carers", "https://council.example/social-care/carers", "carers-allowance-ca"}, // learned abbreviation
		{"R E P O R T pothole", "https://council.example/roads/potholes", ""},                  // spelled-out letters
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			rs := ix.Search(tt.query, 3)
			if len(rs) == 0 {
				t.Fatal("no results")
			}
			if rs[0].URL != tt.wantURL {
				t.Fatalf("top %s, want %s (all %v)", rs[0].URL, tt.wantURL, resultURLs(rs))
			}
			if tt.wantAnchor != "" && rs[0].Anchor != tt.wantAnchor {
				t.Errorf("anchor %q, want %q", rs[0].Anchor, tt.wantAnchor)
			}
			if rs[0].Snippet == "" || !strings.Contains(rs[0].Passage.Text, rs[0].Snippet[:min(20, len(rs[0].Snippet))]) {
				t.Errorf("snippet %q not quoted from passage %q", rs[0].Snippet, rs[0].Passage.Text)
			}
			for i := 1; i < len(rs); i++ {
				if rs[i].Score > rs[i-1].Score {
					t.Errorf("results out of order: %v", rs)
				}
			}
			if rs[0].Confidence < 0 || rs[0].Confidence > 1 || math.IsNaN(rs[0].Confidence) {
				t.Errorf("confidence %v", rs[0].Confidence)
			}
		})
	}
}

func resultURLs(rs []Result) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s(%.2f)", r.URL, r.Score))
	}
	return out
}

func TestSearchConfidence(t *testing.T) {
	ix := newTestIndex(t, Options{})
	good := ix.Search("report a pothole", 1)
	if len(good) == 0 || good[0].Confidence < ConfidenceThreshold {
		t.Fatalf("clear question below threshold: %+v", good)
	}
	for _, q := range []string{"zebra crossing astronomy", "quantum xylophone"} {
		if rs := ix.Search(q, 1); len(rs) > 0 && rs[0].Confidence >= ConfidenceThreshold {
			t.Errorf("%q: confidence %.2f for %s, want below %.2f", q, rs[0].Confidence, rs[0].URL, ConfidenceThreshold)
		}
	}
}

func TestSearchNothing(t *testing.T) {
	ix := newTestIndex(t, Options{})
	for _, q := range []string{"", "   ", "the and of", "!!!", strings.Repeat("a ", 1000)} {
		if rs := ix.Search(q, 5); len(rs) != 0 {
			t.Errorf("%q: %d results", q, len(rs))
		}
	}
	if rs := ix.Search("council tax", 0); rs != nil {
		t.Errorf("k=0: %v", rs)
	}
	if rs := New(Options{}).Search("council tax", 3); rs != nil {
		t.Errorf("empty index: %v", rs)
	}
}

func TestAddReplaceRemove(t *testing.T) {
	ix := newTestIndex(t, Options{})
	pages, passages := ix.Len()
	if pages != len(councilSite) || passages < pages {
		t.Fatalf("Len = %d, %d", pages, passages)
	}
	// Replacing a page drops its old words.
	d, err := DocFromHTML("https://council.example/roads/potholes", "", `<main><h1>Road repairs</h1><p>Resurfacing programme.</p></main>`, nil)
	if err != nil {
		t.Fatal(err)
	}
	ix.Add(d)
	if p, _ := ix.Len(); p != pages {
		t.Errorf("replace changed page count to %d", p)
	}
	if rs := ix.Search("resurfacing", 1); len(rs) == 0 || rs[0].URL != d.URL {
		t.Errorf("new text not found: %v", rs)
	}
	for _, r := range ix.Search("dangerous faulty", 5) { // words of the old text only
		if r.URL == d.URL {
			t.Errorf("old text still found: %+v", r)
		}
	}
	if !ix.Remove(d.URL) || ix.Remove(d.URL) {
		t.Error("Remove reported wrongly")
	}
	if rs := ix.Search("resurfacing", 5); len(rs) != 0 {
		t.Errorf("removed page found: %v", rs)
	}
	// The vocabulary forgets words only the removed page used, so they are no longer "known".
	ix.mu.RLock()
	_, known := ix.vocab.df["resurfacing"]
	ix.mu.RUnlock()
	if known {
		t.Error("vocabulary kept a removed page's word")
	}
	// Removing every page leaves an empty index.
	for _, p := range councilSite {
		ix.Remove(p.url)
	}
	if p, s := ix.Len(); p != 0 || s != 0 {
		t.Errorf("after removing all: %d pages, %d passages", p, s)
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if len(ix.passages.post) != 0 || len(ix.vocab.df) != 0 || len(ix.inlinks) != 0 || len(ix.acr) != 0 || ix.anchors.n != 0 {
		t.Errorf("leftovers: %d postings, %d words, %d inlinks, %d abbreviations, %d anchors",
			len(ix.passages.post), len(ix.vocab.df), len(ix.inlinks), len(ix.acr), ix.anchors.n)
	}
}

func TestSynonymsOption(t *testing.T) {
	ix := newTestIndex(t, Options{Synonyms: &Synonyms{}})
	if rs := ix.Search("tip", 1); len(rs) > 0 && rs[0].URL == "https://council.example/recycling-centres" {
		t.Fatalf("found the tip without synonyms: %v", rs)
	}
	s, err := ParseSynonyms("# staff list\ntip, dump, recycling centre\n")
	if err != nil {
		t.Fatal(err)
	}
	ix = newTestIndex(t, Options{Synonyms: s})
	if rs := ix.Search("tip", 1); len(rs) == 0 || rs[0].URL != "https://council.example/recycling-centres" {
		t.Fatalf("synonym not used: %v", rs)
	}
	if got := s.String(); got != "tip, dump, recycling centre\n" {
		t.Errorf("String() = %q", got)
	}
}

func TestParseSynonymsErrors(t *testing.T) {
	for _, in := range []string{"bin\n", "bin, the\n", ", ,\n"} {
		if _, err := ParseSynonyms(in); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
	if s, err := NewSynonyms(DefaultSynonymGroups); err != nil || len(s.Groups()) != len(DefaultSynonymGroups) {
		t.Fatalf("default synonyms: %v", err)
	}
}

func TestBritish(t *testing.T) {
	for in, want := range map[string]string{
		"color": "colour", "organize": "organise", "organizations": "organisations", "analyze": "analyse",
		"center": "centre", "license": "licence", "size": "size", "seize": "seize", "citizen": "citizen",
		"prize": "prize", "recognized": "recognised",
	} {
		if got := british(in); got != want {
			t.Errorf("british(%q) = %q, want %q", in, got, want)
		}
	}
	if termOf("organizing") != termOf("organising") || termOf("colors") != termOf("colours") {
		t.Error("American and British spellings index differently")
	}
}

func TestSurfaceWords(t *testing.T) {
	var got []string
	surfaceWords("Jobseeker’s Allowance (JSA) – don't café fly-tipping Gŵyl 2025", func(w string) { got = append(got, w) })
	want := "jobseekers allowance jsa dont cafe fly tipping gwyl 2025"
	if strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", strings.Join(got, " "), want)
	}
}

func TestCorrections(t *testing.T) {
	v := newVocab()
	for w, n := range map[string]int{"benefit": 50, "benefits": 30, "apprenticeship": 5, "council": 40, "counsel": 1, "bin": 9} {
		for range n {
			v.add(w)
		}
	}
	tests := []struct {
		in, want string
	}{
		{"benifit", "benefit"},             // substitution
		{"benfit", "benefit"},              // dropped
		{"beneffit", "benefit"},            // doubled
		{"bneefit", "benefit"},             // swap
		{"apprnticship", "apprenticeship"}, // two missing letters: the fallback scan
		{"councel", "council"},             // prefers the frequent word at equal distance
		{"bim", "bin"},                     // three letters
	}
	for _, tt := range tests {
		cs := v.corrections(tt.in, 3, 3)
		if len(cs) == 0 || cs[0].word != tt.want {
			t.Errorf("corrections(%q) = %+v, want %q first", tt.in, cs, tt.want)
		}
	}
	if cs := v.corrections("xy", 3, 3); cs != nil {
		t.Errorf("two letters corrected: %v", cs)
	}
	for range 30 {
		v.remove("benefits")
	}
	if cs := v.corrections("benefitz", 3, 3); len(cs) != 1 || cs[0].word != "benefit" {
		t.Errorf("after removal: %+v", cs)
	}
}

func TestDamerau(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"form", "from", 1}, {"kitten", "sitting", 3}, {"", "abc", 3}, {"abc", "abc", 0}, {"ca", "abc", 3},
	} {
		if got := damerau(tt.a, tt.b, 5); got != tt.want {
			t.Errorf("damerau(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	if got := damerau("abcdef", "uvwxyz", 2); got != 3 {
		t.Errorf("limit not applied: %d", got)
	}
}

func TestFindAcronyms(t *testing.T) {
	got := map[string]string{}
	for _, a := range findAcronyms("Claim Jobseeker's Allowance (JSA) or Employment and Support Allowance (ESA) in England (optional) or see (UK) and Council Tax Reduction (CTR).") {
		got[a.short] = a.long
	}
	want := map[string]string{
		"jsa": termOf("jobseekers") + " " + termOf("allowance"),
		"esa": termOf("employment") + " " + termOf("support") + " " + termOf("allowance"),
		"ctr": termOf("council") + " " + termOf("tax") + " " + termOf("reduction"),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestSentences(t *testing.T) {
	got := sentences("First one. Second one? third stays. 4 starts.\nNew line")
	want := []string{"First one.", "Second one? third stays.", "4 starts.", "New line"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q", got)
	}
}

// TestConcurrentSearchAndAdd runs searches while a "crawl" adds and removes pages; run with -race.
func TestConcurrentSearchAndAdd(t *testing.T) {
	ix := newTestIndex(t, Options{})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			qs := []string{"council tax", "bin collection", "libary", "blue badge", "counciltax"}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ix.Search(qs[(i+g)%len(qs)], 3)
			}
		}()
	}
	for i := range 200 {
		url := fmt.Sprintf("https://council.example/news/%d", i%20)
		d, err := DocFromHTML(url, "", fmt.Sprintf("<main><h1>News %d</h1><p>Council tax news item %d about bins.</p></main>", i, i), nil)
		if err != nil {
			t.Fatal(err)
		}
		ix.Add(d)
		if i%3 == 0 {
			ix.Remove(url)
		}
	}
	close(stop)
	wg.Wait()
	if rs := ix.Search("council tax", 1); len(rs) == 0 {
		t.Error("no results after concurrent updates")
	}
}

func FuzzSearch(f *testing.F) {
	ix := newTestIndex(f, Options{})
	for _, s := range []string{"council tax", "counciltax", "e s a", "blue bagde", "ca", "’’'", "a\u0301b", "\xff\xfe",
		strings.Repeat("x", 100), "(JSA)", "tip tip tip tip", "0 1 2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		rs := ix.Search(q, 5)
		if len(rs) > 5 {
			t.Fatalf("%d results", len(rs))
		}
		seen := map[string]bool{}
		for i, r := range rs {
			if seen[r.URL] {
				t.Fatalf("page %s twice", r.URL)
			}
			seen[r.URL] = true
			if r.Confidence < 0 || r.Confidence > 1 || math.IsNaN(r.Score) || math.IsInf(r.Score, 0) || r.Score <= 0 {
				t.Fatalf("result %d: score %v confidence %v", i, r.Score, r.Confidence)
			}
			if i > 0 && r.Score > rs[i-1].Score {
				t.Fatalf("out of order")
			}
		}
	})
}

func BenchmarkSearch(b *testing.B) {
	ix := newTestIndex(b, Options{})
	qs := []string{"council tax bands", "my bin was not emptied", "libary opening hours", "disabled parking permit", "counciltax discount"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ix.Search(qs[i%len(qs)], 3)
	}
}
