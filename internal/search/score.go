package search

import (
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/fairline/fairline/internal/kb/extract"
)

// Result is one page answering a query, with its best passage.
type Result struct {
	URL     string
	Title   string
	Anchor  string // the best passage's anchor; link to URL#Anchor when not empty
	Heading string // the best passage's heading path
	Snippet string // one to three sentences of the best passage, verbatim
	Area    string // the page's service area, "" when unknown
	Score   float64
	// Confidence in [0,1] that this page answers the query; see ConfidenceThreshold.
	Confidence float64
	// Coverage is the share of the query's weight the page matches. Unknown is the share of
	// the query's weight in words the site never uses, and Words the number of the query's
	// topic words (not words of conversation); both are the query's, the same in every result.
	Coverage float64
	Unknown  float64
	Words    int
	Passage  extract.Passage
	// Hint is the ID of the staff hint whose question is like the query and that sent it to
	// this page (hints.go), 0 for none; HintSimilarity is how alike the two questions are. The
	// pages of such hints come first, most similar first, whatever their Score and Confidence.
	Hint           int64
	HintSimilarity float64
}

// ConfidenceThreshold is the confidence below which the chatbot should say it could not find an
// answer. Calibrated on the GOV.UK evaluation set (docs/benchmarks.md): 92 % of the queries whose
// first result is right score at or above it, against 25 % of off-topic questions. Confidence is
// lexical, so a question that shares its words with an unrelated page can still pass.
const ConfidenceThreshold = 0.35

// acc accumulates one unit's score.
type acc struct {
	concept []float64   // best alternative's score per concept
	best    []int8      // index of that alternative, -1 when none matched
	pos     [][][]int32 // per concept, per term of the best alternative: its positions (nil if absent)
}

// accSet holds the accumulators of the units that matched, by unit id.
type accSet struct {
	byID []*acc
	ids  []int32 // matched unit ids in first-match order
	scr  *scratch
}

func (s *accSet) get(id int32) *acc {
	if id >= 0 && int(id) < len(s.byID) {
		return s.byID[id]
	}
	return nil
}

// scratch holds the working memory of scoreColl. Pooled: the per-unit arrays are as long as the
// collection, and the accumulators and position lists of the matched units were most of a
// search's garbage (and so of its CPU, collecting it). The buffers below are handed out in
// order during one search and reused by the next; one that is too short is replaced by a
// larger one, and what was handed out from the old one stays valid until the search ends.
type scratch struct {
	s    []float64
	idx  []int32
	byID []*acc

	accs    buf[acc]
	floats  buf[float64]
	bests   buf[int8]
	posArrs buf[[][]int32]
	pos     buf[[]int32]
}

// buf is a reusable buffer handed out in consecutive, zeroed pieces.
type buf[T any] struct {
	b    []T
	used int
}

// take returns the next n elements, zeroed.
func (b *buf[T]) take(n int) []T {
	if b.used+n > len(b.b) {
		b.b, b.used = make([]T, max(2*len(b.b), n, 256)), 0
	}
	s := b.b[b.used : b.used+n : b.used+n]
	clear(s)
	b.used += n
	return s
}

// reset makes the whole buffer available again, dropping the references it holds.
func (b *buf[T]) reset() {
	clear(b.b[:b.used])
	b.used = 0
}

var scratchPool sync.Pool

func getScratch(n int) *scratch {
	sc, _ := scratchPool.Get().(*scratch)
	if sc == nil || cap(sc.s) < n {
		return &scratch{s: make([]float64, n), idx: make([]int32, n), byID: make([]*acc, n)}
	}
	sc.s, sc.idx, sc.byID = sc.s[:n], sc.idx[:n], sc.byID[:n]
	return sc
}

// release returns the set's arrays to the pool; the set must not be used afterwards.
func (s *accSet) release() {
	if s.scr == nil {
		return
	}
	clear(s.scr.byID)
	s.scr.accs.reset()
	s.scr.floats.reset()
	s.scr.bests.reset()
	s.scr.posArrs.reset()
	s.scr.pos.reset()
	scratchPool.Put(s.scr)
	s.scr, s.byID = nil, nil
}

// scoreColl scores every unit of c that matches any concept: per concept, the best alternative's
// BM25F score. Dense per-unit arrays replace maps: a query touches a large share of a small
// site's units, and this loop is the heart of every search.
func (ix *Index) scoreColl(c *coll, cs []concept) *accSet {
	p := ix.params
	scr := getScratch(len(c.units))
	out := &accSet{byID: scr.byID, scr: scr}
	if c.n == 0 {
		return out
	}
	var avg [nFields]float64
	for f := range nFields {
		avg[f] = math.Max(c.sumLen[f]/float64(c.n), 1)
	}
	nc := len(cs)
	tmpS, tmpIdx := scr.s, scr.idx // tmpIdx: index+1 into touched, 0 = untouched; both left zeroed
	var touched []int32
	newAcc := func() *acc {
		x := &scr.accs.take(1)[0]
		x.concept, x.best, x.pos = scr.floats.take(nc), scr.bests.take(nc), scr.posArrs.take(nc)
		for i := range x.best {
			x.best[i] = -1
		}
		return x
	}
	for ci, cn := range cs {
		for ai, a := range cn.alts {
			nt := len(a.terms)
			touched = touched[:0]
			// nt entries per touched unit, referred to by the accs that use them. Sized for
			// the worst case (every posting a different unit).
			most := 0
			for _, t := range a.terms {
				most += len(c.post[t])
			}
			posFlat := scr.pos.take(most * nt)[:0]
			for ti, t := range a.terms {
				ps := c.post[t]
				if len(ps) == 0 {
					continue
				}
				idf := c.idf(len(ps))
				for i := range ps {
					pst := &ps[i]
					u := c.units[pst.doc]
					tf := 0.0
					for f := range nFields {
						if pst.tf[f] == 0 {
							continue
						}
						norm := 1 - p.FieldB[f] + p.FieldB[f]*float64(u.flen[f])/avg[f]
						tf += p.FieldWeight[f] * float64(pst.tf[f]) / norm
					}
					k := tmpIdx[pst.doc]
					if k == 0 {
						touched = append(touched, pst.doc)
						k = int32(len(touched))
						tmpIdx[pst.doc] = k
						posFlat = posFlat[:len(posFlat)+nt] // zeroed by take
					}
					tmpS[pst.doc] += idf * tf / (p.K1 + tf)
					posFlat[int(k-1)*nt+ti] = pst.pos
				}
			}
			for k, d := range touched {
				pos := posFlat[k*nt : (k+1)*nt : (k+1)*nt]
				sc := tmpS[d] * a.w
				tmpS[d], tmpIdx[d] = 0, 0
				if a.all && nt > 1 && slices.ContainsFunc(pos, func(p []int32) bool { return p == nil }) {
					continue
				}
				x := out.byID[d]
				if x == nil {
					x = newAcc()
					out.byID[d] = x
					out.ids = append(out.ids, d)
				}
				if sc > x.concept[ci] {
					x.concept[ci] = sc
					x.best[ci] = int8(ai)
					x.pos[ci] = pos
				}
			}
		}
	}
	return out
}

func (c *coll) idf(df int) float64 {
	return math.Log(1 + (float64(c.n)-float64(df)+0.5)/(float64(df)+0.5))
}

// proximity rewards query words that appear next to each other, in order, in one field: the
// resident's phrase as the page writes it. Consecutive matched terms (across concepts and inside
// multi-word alternatives) are compared; the bonus is the rarer term's idf scaled by closeness.
func (ix *Index) proximity(c *coll, cs []concept, a *acc) float64 {
	type slot struct {
		pos []int32
		idf float64
	}
	var buf [16]slot
	slots := buf[:0]
	for ci, cn := range cs {
		if a.best[ci] < 0 {
			slots = append(slots, slot{}) // a gap: words either side are not adjacent in the query
			continue
		}
		for ti, t := range cn.alts[a.best[ci]].terms {
			slots = append(slots, slot{pos: a.pos[ci][ti], idf: c.idf(len(c.post[t]))})
		}
	}
	bonus := 0.0
	for i := 0; i+1 < len(slots); i++ {
		x, y := slots[i], slots[i+1]
		if len(x.pos) == 0 || len(y.pos) == 0 {
			continue
		}
		d, field := minGap(x.pos, y.pos)
		var f float64
		switch {
		case d == 1:
			f = 1
		case d == 0: // the same term twice ("pay pay"): nothing to reward
			continue
		case d <= 3:
			f = 0.5
		case d <= 6:
			f = 0.2
		default:
			continue
		}
		bonus += f * math.Min(x.idf, y.idf) * ix.params.FieldWeight[field] / ix.params.FieldWeight[fBody]
	}
	return bonus
}

// minGap returns the smallest forward distance (y after x; a backward one counts one more) between
// positions in the same field, and that field.
func minGap(xs, ys []int32) (int, int) {
	best, field := math.MaxInt32, 0
	i, j := 0, 0
	for i < len(xs) && j < len(ys) {
		x, y := xs[i], ys[j]
		if x/fieldStride == y/fieldStride {
			d := int(y - x)
			if d < 0 {
				d = -d + 1
			}
			if d < best {
				best, field = d, int(x/fieldStride)
			}
		}
		if x < y {
			i++
		} else {
			j++
		}
	}
	return best, field
}

// Search returns up to k pages for the query, best first. It never fails: a query with no
// searchable words returns nothing.
//
// The steps: weigh the query's concepts (weigh); score every unit that matches in the three
// collections and group the passages by page (match, groupPassages); score each matching page
// without the costly proximity bonus and keep the best (candidates); rescore those with it
// (rescore); turn them into results with a confidence (results, confidence).
func (ix *Index) Search(query string, k int) []Result {
	if k <= 0 {
		return nil
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	cs := ix.parseQuery(query)
	if len(cs) == 0 || ix.pages.n == 0 {
		return nil
	}
	// The ranking, its weights and its passage map are made here, not by a constructor, so
	// that they stay on this stack frame: made by a constructor they cost four allocations
	// a search.
	r := ranking{ix: ix, q: weighted{cs: cs, weights: make([]float64, len(cs))}, now: ix.now()}
	r.q.weigh(ix.passages)
	r.match()
	defer r.release()
	r.passByPage = make(map[int32][]int32, len(r.pageAcc.ids))
	r.groupPassages()
	cands := r.candidates(k)
	r.rescore(cands)
	out := r.results(cands, k)
	if h := ix.hints.Load(); h.Len() > 0 {
		out = r.hinted(out, cands, ix.matchHints(h, query), k)
	}
	return out
}

// weighted is a parsed query with the importance of each of its concepts.
type weighted struct {
	cs      []concept
	weights []float64 // per concept
	totalW  float64   // sum of weights
	knownW  float64   // sum of the weights of the concepts the site has
	unknown float64   // share of totalW in concepts the site lacks (Result.Unknown)
	words   int       // concepts that are not words of conversation (Result.Words)
}

// weigh gives each concept its importance: its best alternative's idf in passages times the
// alternative's weight. A word the site lacks weighs as much as the rarest possible word: it
// matches nothing, so it does not change the order, but it lowers the confidence.
func (q *weighted) weigh(passages *coll) {
	for i, cn := range q.cs {
		w := 0.0
		for _, a := range cn.alts {
			s := 0.0
			for _, t := range a.terms {
				if df := len(passages.post[t]); df > 0 {
					s = math.Max(s, passages.idf(df))
				}
			}
			w = math.Max(w, s*a.w)
		}
		if !cn.known {
			w = passages.idf(0)
		} else {
			q.knownW += w
		}
		q.weights[i] = w
		q.totalW += w
		if !cn.chat {
			q.words++
		}
	}
	if q.totalW > 0 {
		q.unknown = (q.totalW - q.knownW) / q.totalW
	}
}

// coverage is the share of the known query weight that a matches.
func (q *weighted) coverage(a *acc) float64 {
	m := 0.0
	for i, x := range a.concept {
		if x > 0 && q.cs[i].known {
			m += q.weights[i]
		}
	}
	if q.knownW == 0 {
		return 0
	}
	return m / q.knownW
}

// trustedCoverage is the share of the query's total weight that a matched, weighted by the
// weight of the alternative that matched each concept.
func (q *weighted) trustedCoverage(a *acc) float64 {
	if a == nil || q.totalW <= 0 {
		return 0
	}
	m := 0.0
	for i, x := range a.concept {
		if x > 0 && q.cs[i].known && a.best[i] >= 0 {
			m += q.weights[i] * q.cs[i].alts[a.best[i]].w
		}
	}
	return m / q.totalW
}

// total is the sum of a unit's concept scores.
func (a *acc) total() float64 {
	s := 0.0
	for _, x := range a.concept {
		s += x
	}
	return s
}

// ranking is one search's working state: the weighted query and the units it matched.
type ranking struct {
	ix                          *Index
	q                           weighted
	now                         time.Time // for the age of dated pages
	pageAcc, anchorAcc, passAcc *accSet
	passByPage                  map[int32][]int32 // matching passages grouped by page
}

// pageCand is a page being ranked.
type pageCand struct {
	page     int32
	base     float64 // the page's own BM25F score
	cov      float64 // share of the known query weight the page matches
	bestPass int32   // its best passage's unit id, -1 when none matched
	passS    float64 // that passage's score
	score    float64
}

// match scores the query against pages, anchors and passages; release the ranking when done.
func (r *ranking) match() {
	ix, cs := r.ix, r.q.cs
	r.pageAcc = ix.scoreColl(ix.pages, cs)
	r.anchorAcc = ix.scoreColl(ix.anchors, cs)
	r.passAcc = ix.scoreColl(ix.passages, cs)
}

// groupPassages fills passByPage with the matching passages of each page; score picks the best.
func (r *ranking) groupPassages() {
	for _, id := range r.passAcc.ids {
		pg := r.ix.passages.units[id].page
		r.passByPage[pg] = append(r.passByPage[pg], id)
	}
}

func (r *ranking) release() {
	r.passAcc.release()
	r.anchorAcc.release()
	r.pageAcc.release()
}

// candidates scores every matching page without the proximity bonus (the costly part) and
// keeps the best MaxPerSearch (at least k), best first. The bonus only reorders pages that
// already match well.
func (r *ranking) candidates(k int) []*pageCand {
	cands := make([]*pageCand, 0, len(r.pageAcc.ids))
	for _, id := range r.pageAcc.ids {
		a := r.pageAcc.get(id)
		c := &pageCand{page: id, base: a.total(), cov: r.q.coverage(a)}
		r.score(c, false)
		cands = append(cands, c)
	}
	r.sort(cands)
	if n := max(r.ix.params.MaxPerSearch, k); len(cands) > n {
		cands = cands[:n]
	}
	return cands
}

// rescore scores the candidates again with the proximity bonus and reorders them.
func (r *ranking) rescore(cands []*pageCand) {
	for _, c := range cands {
		r.score(c, true)
	}
	r.sort(cands)
}

// sort orders pages by score, then by URL so that equal scores keep one order.
func (r *ranking) sort(cands []*pageCand) {
	units := r.ix.pages.units
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		return units[cands[i].page].url < units[cands[j].page].url
	})
}

// score sets c's best passage and score, with the proximity bonus when prox is set.
func (r *ranking) score(c *pageCand, prox bool) {
	ix, p, cs := r.ix, r.ix.params, r.q.cs
	a := r.pageAcc.get(c.page)
	pageS := c.base
	if prox {
		pageS += p.Proximity * ix.proximity(ix.pages, cs, a)
	}
	c.bestPass, c.passS = -1, 0
	for _, pid := range r.passByPage[c.page] {
		pa := r.passAcc.get(pid)
		s := pa.total()
		if prox {
			s += p.Proximity * ix.proximity(ix.passages, cs, pa)
		}
		s *= 0.5 + 0.5*r.q.coverage(pa)
		if s > c.passS || c.bestPass < 0 {
			c.passS, c.bestPass = s, pid
		}
	}
	u := ix.pages.units[c.page]
	key := u.key
	// Title evidence outside BM25F saturation: a word in a short title says more about the
	// page than any number of mentions in its body.
	ts := 0.0
	for ci := range cs {
		ts += r.q.weights[ci] * math.Max(fieldShare(a, ci, fTitle), p.URLTitle*fieldShare(a, ci, fURL))
	}
	ts /= 1 + p.TitleLenNorm*math.Max(0, float64(u.flen[fTitle])-2)
	as := 0.0
	if id, ok := ix.anchorUnit[key]; ok {
		if aa := r.anchorAcc.get(id); aa != nil {
			as = aa.total() * r.q.coverage(aa)
		}
	}
	s := p.PageMix*pageS + (1-p.PageMix)*c.passS + p.TitleW*ts + p.AnchorW*as
	s *= math.Pow(c.cov, p.CoverageExp)
	s *= 1 + p.InlinkW*math.Log1p(float64(ix.inlinks[key]))
	// A page whose whole title the query names is what the resident asked for
	// ("child benefit" → "Child Benefit"); a long title only partly named is not.
	if tt := u.titleT; len(tt) > 0 {
		hit := 0
		for _, t := range tt {
			if queryHas(cs, a, t) {
				hit++
			}
		}
		s *= 1 + p.TitleCover*math.Pow(float64(hit)/float64(len(tt)), 2)
	}
	s *= r.stale(u)
	c.score = s
}

// stale is the rank multiplier of page unit u for being news or old (boiler.go).
func (r *ranking) stale(u *unit) float64 {
	return r.ix.staleFactor(u.news, r.ix.isOld(u.published, u.dated, r.now))
}

// results turns the first k candidates with a positive score into results.
func (r *ranking) results(cands []*pageCand, k int) []Result {
	var out []Result
	for _, c := range cands {
		if len(out) == k || c.score <= 0 {
			break
		}
		out = append(out, r.result(c))
	}
	return out
}

// result is candidate c as a result: the page, its best passage and a snippet of it.
func (r *ranking) result(c *pageCand) Result {
	ix, cs := r.ix, r.q.cs
	u := ix.pages.units[c.page]
	e := ix.byURL[u.url]
	res := Result{URL: u.url, Title: e.doc.Title, Area: e.doc.Area, Score: c.score}
	if c.bestPass >= 0 {
		ps := ix.passages.units[c.bestPass].passage
		if lead, ok := leadPassage(e.doc, cs); ok {
			ps = lead
		}
		r.quote(&res, ps)
	}
	res.Confidence = r.confidence(c)
	res.Coverage = r.q.trustedCoverage(r.pageAcc.get(c.page))
	res.Unknown, res.Words = r.q.unknown, r.q.words
	return res
}

// quote makes ps the passage res quotes.
func (r *ranking) quote(res *Result, ps extract.Passage) {
	res.Passage, res.Anchor, res.Heading = ps, ps.Anchor, ps.Heading
	res.Snippet = snippet(ps.Text, ps.Leads, r.q.cs)
}

// hinted puts the pages of the hints matched (ms, most similar first) before the other results,
// one result a page, keeping k. A hinted page the query did not rank is scored here; one the
// query's words miss altogether (the gap the hint closes) quotes its opening passage. A hint to
// a page the index does not hold (removed or excluded since) is ignored.
func (r *ranking) hinted(results []Result, cands []*pageCand, ms []HintMatch, k int) []Result {
	var front []Result
	for _, m := range ms {
		if len(front) == k {
			break
		}
		if slices.ContainsFunc(front, func(x Result) bool { return x.URL == m.URL }) {
			continue // a more similar hint already sent the question there
		}
		var res Result
		if i := slices.IndexFunc(results, func(x Result) bool { return x.URL == m.URL }); i >= 0 {
			res = results[i]
			results = slices.Delete(results, i, i+1)
		} else if res = r.resultFor(m.URL, cands); res.URL == "" {
			continue
		}
		res.Hint, res.HintSimilarity = m.ID, m.Similarity
		front = append(front, res)
	}
	if len(front) == 0 {
		return results
	}
	out := append(front, results...)
	return out[:min(len(out), k)]
}

// resultFor is the indexed page at url as a result for the query, whether or not it matched;
// the zero Result when the index does not hold it.
func (r *ranking) resultFor(url string, cands []*pageCand) Result {
	ix := r.ix
	e := ix.byURL[url]
	if e == nil {
		return Result{}
	}
	res := Result{URL: url, Title: e.doc.Title, Area: e.doc.Area}
	if i := slices.IndexFunc(cands, func(c *pageCand) bool { return c.page == e.page }); i >= 0 {
		res = r.result(cands[i])
	} else if a := r.pageAcc.get(e.page); a != nil {
		c := &pageCand{page: e.page, base: a.total(), cov: r.q.coverage(a)}
		r.score(c, true)
		res = r.result(c)
	}
	if res.Snippet == "" && len(e.doc.Passages) > 0 {
		r.quote(&res, e.doc.Passages[0])
	}
	return res
}

// confidence is how much of the question the page and its best passage cover, each word
// weighted by how it matched (a far spelling correction or a synonym counts for less, a word
// the site lacks counts against), times how strong the match is relative to the question's
// own weight; in [0,1].
func (r *ranking) confidence(c *pageCand) float64 {
	covAll := 0.5 * r.q.trustedCoverage(r.pageAcc.get(c.page))
	if c.bestPass >= 0 {
		covAll += 0.5 * r.q.trustedCoverage(r.passAcc.get(c.bestPass))
	}
	strength := 1 - math.Exp(-2*c.passS/math.Max(r.q.totalW, 1e-9))
	// A news item or an old page may no longer hold: less sure of it as an answer too.
	u := r.ix.pages.units[c.page]
	conf := math.Max(0, math.Min(1, covAll*covAll*strength*r.stale(u)))
	if p := r.ix.params.OldNewsConf; p > 0 && u.news && r.ix.isOld(u.published, u.dated, r.now) {
		conf = math.Min(conf, p)
	}
	return conf
}

// queryHas reports whether term t is one the page matched through the query's chosen
// alternatives.
func queryHas(cs []concept, a *acc, t string) bool {
	for ci, cn := range cs {
		if a.best[ci] < 0 {
			continue
		}
		if slices.Contains(cn.alts[a.best[ci]].terms, t) {
			return true
		}
	}
	return false
}

// leadPassage returns the page's opening passage (the text before its first heading) when the
// page's title alone says everything the question asks: "how do I apply for a blue badge" asked
// of "Apply for a Blue Badge" is answered by the page's introduction, not by whichever later
// section repeats "Blue Badge" most. It changes what is quoted, not how pages rank.
func leadPassage(d Doc, cs []concept) (extract.Passage, bool) {
	if len(d.Passages) == 0 || d.Passages[0].Anchor != "" || strings.TrimSpace(d.Passages[0].Text) == "" {
		return extract.Passage{}, false
	}
	title := map[string]bool{}
	for _, t := range analyze(d.Title, 0) {
		title[t.term] = true
	}
	for _, c := range cs {
		if !c.known {
			continue // a word the site lacks is answered by no passage
		}
		if !slices.ContainsFunc(c.alts, func(a alt) bool {
			return len(a.terms) > 0 && !slices.ContainsFunc(a.terms, func(t string) bool { return !title[t] })
		}) {
			return extract.Passage{}, false
		}
	}
	return d.Passages[0], true
}

// snippet picks the passage's sentences that best match the query: the best sentence and up to
// two after it, within about 320 characters. It quotes; it never rewrites. A line that depends on
// a lead-in (leads: a list item's "You must not:", a heading such as "If you are refused") is
// never quoted without it: the lead-in comes first, on a line of its own, unless the quote
// already holds it.
func snippet(text string, leads map[string]string, cs []concept) string {
	sents := lineSentences(text)
	if len(sents) == 0 {
		return ""
	}
	// A sentence scores as the search does: per concept its best alternative, where an expansion
	// the resident did not type (a synonym) counts only if all its words are there.
	best, bestN := 0, -1
	seen := map[string]bool{}
	for i, s := range sents {
		clear(seen)
		for _, t := range analyze(s.text, 0) {
			seen[t.term] = true
		}
		n := 0
		for _, c := range cs {
			most := 0
			for _, a := range c.alts {
				k := 0
				for _, t := range a.terms {
					if seen[t] {
						k++
					}
				}
				if a.all && k < len(a.terms) {
					k = 0
				}
				most = max(most, k)
			}
			n += most
		}
		if n > bestN {
			best, bestN = i, n
		}
	}
	var out strings.Builder
	// pieces are what quoting sentence s adds: the lead-in lines the quote does not hold yet,
	// then s; each piece says whether it must start a line.
	type piece struct {
		text    string
		newline bool
	}
	pieces := func(s lineSentence) []piece {
		var ps []piece
		lead := leads[s.line]
		for _, l := range strings.Split(lead, "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.Contains(out.String(), lastSentence(l)) {
				ps = append(ps, piece{l, true})
			}
		}
		return append(ps, piece{s.text, len(ps) > 0 || (lead != "" && s.first)})
	}
	size := func(ps []piece) int {
		n := 0
		for _, p := range ps {
			n += 1 + utf8.RuneCountInString(p.text)
		}
		return n
	}
	write := func(ps []piece) {
		for _, p := range ps {
			if out.Len() > 0 {
				// A line that does not end a sentence (a link's label, a list item's lead-in)
				// stays on its own line, so the quote never runs two pieces of the page into
				// one made-up sentence.
				prev := out.String()
				if p.newline || !strings.ContainsAny(prev[len(prev)-1:], ".?!:") {
					out.WriteByte('\n')
				} else {
					out.WriteByte(' ')
				}
			}
			out.WriteString(p.text)
		}
	}
	write(pieces(sents[best]))
	for j := best + 1; j < len(sents) && j <= best+2; j++ {
		ps := pieces(sents[j])
		if utf8.RuneCountInString(out.String())+size(ps) > 320 {
			break
		}
		write(ps)
	}
	return out.String()
}

// lastSentence is the last sentence of a line: what shows that a lead-in is already quoted.
func lastSentence(line string) string {
	ss := sentences(line)
	if len(ss) == 0 {
		return line
	}
	return ss[len(ss)-1]
}

// lineSentence is one sentence of a passage with the line it is on.
type lineSentence struct {
	text, line string
	first      bool // the sentence opens its line
}

// sentences splits text at line breaks and at ". ", "? ", "! " followed by a capital or digit.
func sentences(text string) []string {
	var out []string
	for _, s := range lineSentences(text) {
		out = append(out, s.text)
	}
	return out
}

// lineSentences is sentences with each sentence's line.
func lineSentences(text string) []lineSentence {
	var out []lineSentence
	for _, line := range strings.Split(text, "\n") {
		start, first := 0, true
		emit := func(s string) {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, lineSentence{text: s, line: strings.TrimSpace(line), first: first})
				first = false
			}
		}
		for i := 0; i+2 < len(line); i++ {
			if (line[i] == '.' || line[i] == '?' || line[i] == '!') && line[i+1] == ' ' {
				n := line[i+2]
				if n >= 'A' && n <= 'Z' || n >= '0' && n <= '9' {
					emit(line[start : i+1])
					start = i + 2
				}
			}
		}
		emit(line[start:])
	}
	return out
}

// fieldShare is the share of concept ci's best-alternative terms that occur in field f.
func fieldShare(a *acc, ci int, f int32) float64 {
	if a.best[ci] < 0 || len(a.pos[ci]) == 0 {
		return 0
	}
	n := 0
	for _, ps := range a.pos[ci] {
		if slices.ContainsFunc(ps, func(p int32) bool { return p/fieldStride == f }) {
			n++
		}
	}
	return float64(n) / float64(len(a.pos[ci]))
}
