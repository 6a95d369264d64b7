package bench

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/search/eval"
)

// Outcome is what a resident got for one question, judged against the
// pages the question set expects (issue 12's answer-level evaluation).
// Ranking alone (recall, MRR) does not say this: a right page ranked first
// can still be declined by the answer gate, and a wrong page answered
// confidently misleads where a decline would not.
type Outcome int

const (
	AnsweredRight Outcome = iota // one answer, from an expected page
	AnsweredWrong                // one answer, from another page
	ChoicesRight                 // choices offered, an expected page among them
	ChoicesWrong                 // choices offered, no expected page among them
	Declined                     // not found: no answer and no choices
	HandedOff                    // scope guard or another council: sent elsewhere
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"answered right", "answered wrong", "choices with right", "choices without",
	"declined", "handed off"}

func (o Outcome) String() string {
	if o < 0 || o >= numOutcomes {
		return fmt.Sprintf("Outcome(%d)", int(o))
	}
	return outcomeNames[o]
}

// Reply is what the resident was shown, reduced to what Classify reads.
type Reply struct {
	Answer  string   // URL of the page answered from, "" when none
	Choices []string // URLs of the pages offered as choices, without the passage anchor
	Handoff string   // the handoff reason ("not_found", "case_specific", ...), "" when none
}

// replyOf reduces the chatbot's response. The answer's page is its first
// source and the choices are its choices' pages, without the passage anchor.
func replyOf(r chat.Response) Reply {
	var out Reply
	if r.Handoff != nil {
		out.Handoff = r.Handoff.Reason
		return out
	}
	for _, c := range r.Choices {
		u, _, _ := strings.Cut(c.URL, "#")
		out.Choices = append(out.Choices, u)
	}
	if len(r.Sources) > 0 {
		out.Answer, _, _ = strings.Cut(r.Sources[0].URL, "#")
	}
	return out
}

// Classify judges one reply against the expected URLs (trailing slashes
// ignored). Choices come first: a reply that offers them is judged by them
// whatever else it says. A reply with neither an answer nor choices nor a
// handoff to someone else counts as declined. A question that expects no page
// (the site cannot answer it) has no right answer or choice: declining is its
// right outcome, and the same classes say what happened.
func Classify(r Reply, expected []string) Outcome {
	hit := func(u string) bool {
		for _, e := range expected {
			if u != "" && strings.TrimRight(u, "/") == strings.TrimRight(e, "/") {
				return true
			}
		}
		return false
	}
	switch {
	case len(r.Choices) > 0:
		for _, c := range r.Choices {
			if hit(c) {
				return ChoicesRight
			}
		}
		return ChoicesWrong
	case r.Handoff == chat.ReasonNotFound:
		return Declined
	case r.Handoff != "":
		return HandedOff
	case r.Answer == "":
		return Declined
	case hit(r.Answer):
		return AnsweredRight
	default:
		return AnsweredWrong
	}
}

// Tally counts outcomes over a question set.
type Tally struct {
	Name  string
	N     int
	Count [numOutcomes]int
	// NoPage counts the questions that expect no page, for which declined
	// is the right outcome.
	NoPage int
}

func (t *Tally) add(o Outcome, expected []string) {
	t.N++
	t.Count[o]++
	if len(expected) == 0 {
		t.NoPage++
	}
}

// Share is the fraction of questions with outcome o.
func (t Tally) Share(o Outcome) float64 {
	if t.N == 0 {
		return 0
	}
	return float64(t.Count[o]) / float64(t.N)
}

// AnswerLevel asks every query through svc.Try (the real answer path:
// redaction, scope guard, search, answer gate; nothing stored) and tallies
// the outcomes; fts5First is the baseline's first result per query in the
// same order ("" when it returned nothing), tallied as its answer.
func AnswerLevel(ctx context.Context, svc *chat.Service, queries []eval.Query, fts5First []string) (fairline, fts5 Tally, err error) {
	if len(fts5First) != len(queries) {
		return fairline, fts5, fmt.Errorf("answer-level table: %d FTS5 results for %d queries", len(fts5First), len(queries))
	}
	fairline.Name, fts5.Name = "Fairline (chat answer)", "FTS5 bm25 (top result)"
	for i, q := range queries {
		resp, err := svc.Try(ctx, q.Query)
		if err != nil {
			return fairline, fts5, fmt.Errorf("answer-level table, query %d: %w", i+1, err)
		}
		fairline.add(Classify(replyOf(resp), q.Expected), q.Expected)
		fts5.add(Classify(Reply{Answer: fts5First[i]}, q.Expected), q.Expected)
	}
	return fairline, fts5, nil
}

// WriteAnswerTable prints the tallies as a table: one row per system, a
// column per outcome as count and percentage of the set.
func WriteAnswerTable(w io.Writer, set string, rows ...Tally) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\nanswer level (%s; through chat.Service.Try; FTS5's answer is its top result, declined when it returns nothing)\n", set)
	if len(rows) > 0 && rows[0].NoPage > 0 {
		fmt.Fprintf(&b, "(%d of the %d questions expect no page: the site cannot answer them, so for those declined is right and any answer or choice is wrong)\n",
			rows[0].NoPage, rows[0].N)
	}
	fmt.Fprintf(&b, "%-24s %5s", "system", "n")
	for o := range numOutcomes {
		fmt.Fprintf(&b, " %19s", o)
	}
	b.WriteString("\n")
	for _, t := range rows {
		fmt.Fprintf(&b, "%-24s %5d", t.Name, t.N)
		for o := range numOutcomes {
			fmt.Fprintf(&b, " %19s", fmt.Sprintf("%d (%.1f%%)", t.Count[o], 100*t.Share(o)))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
