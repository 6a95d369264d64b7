package pii

import (
	"flag"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// heldoutNumbersPath holds the numbers held-out set of issue 13 (see testdata/pii/README.md):
// messages written before the detector's number rules were changed, a third of them marked
// "final" and kept for one run at the end of the work.
const heldoutNumbersPath = "../../testdata/pii/heldout-numbers.jsonl"

var finalHeldout = flag.Bool("final-heldout", false, "score the final third of heldout-numbers.jsonl (run once, at the end)")

type numbersCase struct {
	labelled
	Category string `json:"category"`
	Final    bool   `json:"final"`
}

func loadNumbersSet(t testing.TB, final bool) []numbersCase {
	var out []numbersCase
	for _, c := range loadJSONL[numbersCase](t, heldoutNumbersPath) {
		if c.Final == final {
			out = append(out, c)
		}
	}
	return out
}

// numberFamily groups the types a resident's number can be read as. Within the reference
// family the exact type is a guess the placeholder barely shows ("my acc is 61555197" is a
// bank or a council account), so a reference is right when its span is.
func numberFamily(typ string) string {
	switch {
	case typ == string(ReferenceNumber), typ == string(AccountNumber), typ == string(SortCode), strings.HasPrefix(typ, string(RefPrefix)):
		return "references"
	}
	return typ
}

// scoreNumbers scores exact spans per family. Names and street addresses are left out: the
// set is written for numbers and has none labelled.
func scoreNumbers(t *testing.T, d *Detector, set []numbersCase) (scores map[string]*score, lookalikes, alarms int) {
	scores = map[string]*score{}
	for _, c := range set {
		want := map[labelSpan]bool{}
		for _, e := range c.Entities {
			want[labelSpan{numberFamily(e.Type), e.Start, e.End}] = true
		}
		got := map[labelSpan]bool{}
		for _, e := range d.detect(c.Text) {
			if e.Type != Name && e.Type != Address {
				got[labelSpan{numberFamily(string(e.Type)), e.Start, e.End}] = true
			}
		}
		if c.Category == "lookalike" {
			lookalikes++
			if len(got) > 0 {
				alarms++
			}
		}
		tally(t, scores, c.Text, want, got)
	}
	return scores, lookalikes, alarms
}

func (s score) f1() float64 {
	p, r := s.precision(), s.recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// numbersTargets are issue 13's targets: F1 for phones, precision and recall for the rest.
var numbersTargets = map[string]float64{
	string(Phone): 0.95, "references": 0.90, string(NHSNumber): 0.97, string(Card): 0.97, string(NINO): 0.97,
	string(Postcode): 0.97, string(Email): 0.97,
}

// maxFalseAlarms is the share of look-alike messages (prices, times, dates, road and bus
// numbers) allowed any detection at all.
const maxFalseAlarms = 0.03

// TestQualityHeldOutNumbers reports the numbers held-out set per family: the development
// two-thirds by default, the final third with -final-heldout (the figures go to
// docs/benchmarks.md). The detector was tuned on the development part, so there it is a
// regression guard and fails below issue 13's targets; the final third only reports.
func TestQualityHeldOutNumbers(t *testing.T) {
	set := loadNumbersSet(t, *finalHeldout)
	scores, lookalikes, alarms := scoreNumbers(t, corpusDetector(t), set)
	var fams []string
	for f := range scores {
		fams = append(fams, f)
	}
	sort.Strings(fams)
	var b strings.Builder
	part := "development two-thirds"
	if *finalHeldout {
		part = "final third"
	}
	fmt.Fprintf(&b, "%s: %d messages\n| family | labelled | found | precision | recall | F1 |\n|---|---:|---:|---:|---:|---:|\n", part, len(set))
	for _, f := range fams {
		s := scores[f]
		fmt.Fprintf(&b, "| %s | %d | %d | %.3f | %.3f | %.3f |\n", f, s.tp+s.fn, s.tp+s.fp, s.precision(), s.recall(), s.f1())
	}
	rate := float64(alarms) / float64(max(lookalikes, 1))
	fmt.Fprintf(&b, "look-alike messages with a false alarm: %d of %d (%.1f %%)\n", alarms, lookalikes, 100*rate)
	t.Log("\n" + b.String())
	if *finalHeldout {
		return
	}
	for f, min := range numbersTargets {
		s := scores[f]
		switch {
		case s == nil:
			t.Errorf("%s: no labelled examples", f)
		case f == string(Phone) && s.f1() < min:
			t.Errorf("%s: F1 %.3f, want >= %.2f", f, s.f1(), min)
		case f != string(Phone) && (s.precision() < min || s.recall() < min):
			t.Errorf("%s: precision %.3f recall %.3f, want both >= %.2f", f, s.precision(), s.recall(), min)
		}
	}
	if rate > maxFalseAlarms {
		t.Errorf("false alarms on %.1f %% of look-alike messages, want <= %.0f %%", 100*rate, 100*maxFalseAlarms)
	}
}
