package chat

import (
	"strings"

	"github.com/fairline/fairline/internal/search"
)

// Choices when unsure (issue 12). Questions in residents' own words rarely
// reach the answer threshold (a story around the question dilutes lexical
// confidence: on testdata/govuk/residents-words.jsonl the top page's
// confidence was 0.01–0.3 while it was the right page about half the time
// and the right page was among the first four about 70 % of the time), and
// a short keyword query can match two pages equally well. Declining the
// first or answering the second with one page misleads; offering the few
// best pages as labelled choices lets the resident pick.
//
// The constants were calibrated on testdata/govuk (queries.jsonl and both
// residents'-words sets), testdata/localgov-demo/queries.jsonl and the two
// sites' unanswerable.jsonl (questions neither site answers: other
// services, off-topic, nonsense); testdata/localgov-demo/residents-words.jsonl
// and the third public set were kept for the unseen check. Calibration and
// results: docs/benchmarks.md.
const (
	// maxChoices bounds the pages offered.
	maxChoices = 4
	// choiceMinUnits is the top page's score, in the site's score units
	// (search.Index.ScoreUnit: the weight of a word one passage uses),
	// below which nothing on the site is relevant enough to offer. A raw
	// score floor does not carry from one site to another: scores grow
	// with the size of the site (4.0 on GOV.UK's 2,300 passages is 2.8 on
	// the LocalGov demo's 270).
	choiceMinUnits = 0.5
	// shortQuestion and unknownOutweighs: in a question of at most
	// shortQuestion topic words, a word the site never uses is what the
	// question is about ("report a pothole" on a site without potholes): the
	// pages matching the rest are offered only if they match at least
	// unknownOutweighs times the weight of the unknown words. In a longer
	// question, unknown words are more often the story around it ("my
	// grandad ...") and do not decide.
	shortQuestion    = 2
	unknownOutweighs = 0.75
	// choiceMinConfidence is a floor on the top page's confidence for the
	// same reason, low because confidence punishes long questions.
	choiceMinConfidence = 0.01
	// choiceScoreShare keeps, for an unsure question, the pages after the
	// first two that score at least this share of the top page's score.
	choiceScoreShare = 0.3
	// closeScoreShare is how near the second page's score must be to a
	// confident first page's for the two to be a close call.
	closeScoreShare = 0.85
)

// msgChoices introduces the choices; like every text the bot adds, it is
// fixed wording, never composed from the question.
const msgChoices = "I found a few pages that might answer your question. Choose the one that fits best:"

// choices are the pages to offer instead of one answer or a decline: a
// close call among confident pages, or the relevant pages when the top one
// is below the answer threshold; none (nil) means there is no choice to
// offer, as two pages at least make one.
// unit is the index's ScoreUnit.
func (s *Service) choices(results []search.Result, unit float64) []search.Result {
	if len(results) > 0 && results[0].Confidence >= s.threshold {
		return s.closeCall(results)
	}
	if len(results) < 2 {
		return nil
	}
	top := results[0]
	if top.Confidence < choiceMinConfidence || top.Score < choiceMinUnits*unit ||
		top.Words <= shortQuestion && top.Coverage < unknownOutweighs*top.Unknown {
		return nil
	}
	// The first two pages always, then those scoring near them: a top page
	// far ahead on score is still not a confident answer here, so the next
	// page is offered beside it rather than one guess.
	second := results[1].URL
	return pickDistinct(results, func(r search.Result) bool {
		return r.URL == top.URL || r.URL == second || r.Score >= choiceScoreShare*top.Score
	})
}

// closeCall are the pages to offer when the top page passes the answer
// threshold but the next ones score almost as well and are relevant in
// their own right: one answer would be a coin toss between them.
func (s *Service) closeCall(results []search.Result) []search.Result {
	if len(results) < 2 || results[1].Score < closeScoreShare*results[0].Score {
		return nil
	}
	picks := pickDistinct(results, func(r search.Result) bool {
		return r.Score >= closeScoreShare*results[0].Score && r.Confidence >= s.threshold/2
	})
	// A section's hub page close behind one of its own pages is not a
	// different answer: the more specific page is (a hub matches the
	// topic's words everywhere), so the hub is dropped from the call.
	var out []search.Result
	for _, p := range picks {
		hub := false
		for _, q := range picks {
			hub = hub || (q.URL != p.URL && strings.HasPrefix(q.URL, strings.TrimRight(p.URL, "/")+"/"))
		}
		if !hub {
			out = append(out, p)
		}
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

// pickDistinct keeps up to maxChoices results that pass keep, one per page.
func pickDistinct(results []search.Result, keep func(search.Result) bool) []search.Result {
	var out []search.Result
	seen := map[string]bool{}
	for _, r := range results {
		if len(out) == maxChoices {
			break
		}
		if seen[r.URL] || !keep(r) {
			continue
		}
		seen[r.URL] = true
		out = append(out, r)
	}
	if len(out) < 2 {
		return nil
	}
	return out
}
