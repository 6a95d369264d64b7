package pii

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

var (
	showErrors  = flag.Bool("show-errors", false, "print every false positive and false negative of TestQuality")
	finalNames  = flag.Bool("final-names", false, "also score testdata/pii/heldout-names-final.jsonl (run once, at the end of a change)")
	finalNames3 = flag.Bool("final-names-3", false, "also score testdata/pii/heldout-names-3-final.jsonl (run once, at the end of a change)")
	finalNames4 = flag.Bool("final-names-4", false, "also score testdata/pii/heldout-names-4-final.jsonl (run once, at the end of a change)")
)

func loadCorpus(t testing.TB) []labelled { return loadLabelled(t, corpusPath) }

func loadLabelled(t testing.TB, corpusPath string) []labelled {
	return loadJSONL[labelled](t, corpusPath)
}

// loadJSONL reads a labelled set, one JSON object a line, and checks its spans.
func loadJSONL[T interface{ labels() *labelled }](t testing.TB, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var m T
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
		l := m.labels()
		for _, e := range l.Entities {
			if e.Start < 0 || e.End > len(l.Text) || e.Start >= e.End {
				t.Fatalf("%s:%d: bad span %+v", path, line, e)
			}
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (m labelled) labels() *labelled { return &m }

// defaultConfigPath is the configuration the default policy gives the detector (its
// references and public contact points), which the corpus is labelled for. This package may
// not import the policy, so it is kept as a file, and policy's TestDefaultPIIConfigFile keeps
// the file equal to the policy's PIIConfig.
const defaultConfigPath = "../../testdata/pii/default-config.json"

func defaultConfig(t testing.TB) Config {
	t.Helper()
	b, err := os.ReadFile(defaultConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	var cfg Config
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("%s: %v", defaultConfigPath, err)
	}
	if len(cfg.References) == 0 || len(cfg.PublicPhones) == 0 {
		t.Fatalf("%s: no references or public phones", defaultConfigPath)
	}
	return cfg
}

// corpusDetector is the default policy's detector, on the corpus's date.
func corpusDetector(t testing.TB) *Detector {
	cfg := defaultConfig(t)
	cfg.Now = func() time.Time { return corpusNow }
	return New(cfg)
}

type score struct{ tp, fp, fn int }

func (s score) precision() float64 {
	if s.tp+s.fp == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fp)
}

func (s score) recall() float64 {
	if s.tp+s.fn == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fn)
}

// evaluate scores exact matches of (type, start, end).
func evaluate(t testing.TB, d *Detector, corpus []labelled) map[string]*score {
	scores := map[string]*score{}
	for _, m := range corpus {
		want := map[labelSpan]bool{}
		for _, e := range m.Entities {
			want[e] = true
		}
		got := map[labelSpan]bool{}
		for _, e := range d.detect(m.Text) {
			got[labelSpan{string(e.Type), e.Start, e.End}] = true
		}
		tally(t, scores, m.Text, want, got)
	}
	return scores
}

// tally adds one message's true and false positives and false negatives to scores, by type,
// and lists the errors with -show-errors.
func tally(t testing.TB, scores map[string]*score, text string, want, got map[labelSpan]bool) {
	get := func(typ string) *score {
		if scores[typ] == nil {
			scores[typ] = &score{}
		}
		return scores[typ]
	}
	for e := range got {
		if want[e] {
			get(e.Type).tp++
		} else {
			get(e.Type).fp++
			if *showErrors {
				t.Logf("FP %s %q in %q", e.Type, text[e.Start:e.End], text)
			}
		}
	}
	for e := range want {
		if !got[e] {
			get(e.Type).fn++
			if *showErrors {
				t.Logf("FN %s %q in %q", e.Type, text[e.Start:e.End], text)
			}
		}
	}
}

// Thresholds (precision and recall) of issue 4, raised by issue 13: for numbers, checksum
// types and e-mail 0.97, phone 0.95, bank details and the organisation's references 0.90;
// names 0.95 (the gazetteer); other context types 0.85.
var qualityThresholds = map[Type]float64{
	NHSNumber: 0.97, NINO: 0.97, Card: 0.97, Postcode: 0.97, Email: 0.97, Phone: 0.95,
	SortCode: 0.90, AccountNumber: 0.90, RefPrefix + "uprn": 0.90,
	RefPrefix + "council-tax-account": 0.90, RefPrefix + "case-reference": 0.90,
	Name: 0.95, Address: 0.85, DateOfBirth: 0.85,
}

// TestNamesTargets holds the detector to issue 13's targets for names on the held-out names
// sets it was developed against (heldout-names.jsonl, heldout-names-3.jsonl; the set-aside
// thirds are not read here):
// recall at least 0.90 at precision at least 0.97; and, over every labelled message with no
// personal data in the main and held-out sets, at most 3 % flagged.
func TestNamesTargets(t *testing.T) {
	d := corpusDetector(t)
	for _, path := range []string{heldoutNamesPath, heldoutNames3Path} {
		names := evaluate(t, d, loadLabelled(t, path))[string(Name)]
		if names.precision() < 0.97 || names.recall() < 0.90 {
			t.Errorf("names on %s: precision %.3f recall %.3f, want >= 0.97 and >= 0.90", path, names.precision(), names.recall())
		}
		t.Logf("names on %s: precision %.3f recall %.3f", path, names.precision(), names.recall())
	}
	flagged, clean := 0, 0
	for _, path := range []string{corpusPath, heldoutPath, heldout2Path, heldoutNamesPath, heldoutNames3Path} {
		f, c := falseAlarms(d, loadLabelled(t, path))
		flagged += f
		clean += c
	}
	if clean < 100 || float64(flagged) > 0.03*float64(clean) {
		t.Errorf("look-alike messages flagged: %d of %d, want at most 3 %%", flagged, clean)
	}
	t.Logf("look-alikes flagged %d of %d", flagged, clean)
}

// TestLookalikesAnyCase: residents write in lower case or in capitals as often as not, and a
// name rule that reads case must not take a look-alike for a name then either. Every look-alike
// of the sets TestNamesTargets reads (and of the fourth set's development part), lower-cased and
// upper-cased, at most 3 % with a name found.
func TestLookalikesAnyCase(t *testing.T) {
	d := corpusDetector(t)
	for _, f := range []func(string) string{strings.ToLower, strings.ToUpper} {
		flagged, clean := 0, 0
		for _, path := range []string{corpusPath, heldoutPath, heldout2Path, heldoutNamesPath, heldoutNames3Path, heldoutNames4Path} {
			for _, m := range loadLabelled(t, path) {
				if len(m.Entities) > 0 {
					continue
				}
				clean++
				x := f(m.Text)
				for _, e := range d.detect(x) {
					if e.Type == Name {
						flagged++
						if *showErrors {
							t.Logf("FP %q in %q", x[e.Start:e.End], x)
						}
						break
					}
				}
			}
		}
		if float64(flagged) > 0.03*float64(clean) {
			t.Errorf("%s: %d of %d look-alikes with a name, want at most 3 %%", f("case"), flagged, clean)
		}
		t.Logf("%s: %d of %d look-alikes with a name", f("case"), flagged, clean)
	}
}

// TestQuality measures precision and recall per type over testdata/pii and fails below the
// thresholds. go test -run TestQuality -v prints the table (as in docs/benchmarks.md).
func TestQuality(t *testing.T) {
	corpus := loadCorpus(t)
	if len(corpus) < 300 {
		t.Fatalf("corpus has %d messages; want several hundred", len(corpus))
	}
	scores := evaluate(t, corpusDetector(t), corpus)
	types := scoreTable(t, len(corpus), scores)
	for typ, min := range qualityThresholds {
		s := scores[string(typ)]
		if s == nil || s.tp+s.fn == 0 {
			t.Errorf("%s: no labelled examples in the corpus", typ)
			continue
		}
		if s.precision() < min || s.recall() < min {
			t.Errorf("%s: precision %.3f recall %.3f, want both >= %.2f", typ, s.precision(), s.recall(), min)
		}
	}
	// Every other type must be useful too.
	for _, typ := range types {
		if _, ok := qualityThresholds[Type(typ)]; ok {
			continue
		}
		if s := scores[typ]; s.precision() < 0.8 || s.recall() < 0.8 {
			t.Errorf("%s: precision %.3f recall %.3f, want both >= 0.80", typ, s.precision(), s.recall())
		}
	}
}

// scoreTable logs the per-type table and returns the types in order.
func scoreTable(t *testing.T, n int, scores map[string]*score) []string {
	var types []string
	for typ := range scores {
		types = append(types, typ)
	}
	sort.Strings(types)
	var b strings.Builder
	fmt.Fprintf(&b, "%d messages\n| type | labelled | found | precision | recall |\n|---|---:|---:|---:|---:|\n", n)
	var all score
	for _, typ := range types {
		s := scores[typ]
		all.tp += s.tp
		all.fp += s.fp
		all.fn += s.fn
		fmt.Fprintf(&b, "| %s | %d | %d | %.3f | %.3f |\n", typ, s.tp+s.fn, s.tp+s.fp, s.precision(), s.recall())
	}
	fmt.Fprintf(&b, "| **all** | %d | %d | %.3f | %.3f |\n", all.tp+all.fn, all.tp+all.fp, all.precision(), all.recall())
	t.Log("\n" + b.String())
	return types
}

// TestQualityHeldOut reports precision and recall on testdata/pii/heldout.jsonl, messages
// written after the detector was finished and not used to tune it. It does not fail on low
// scores: it is the honest estimate for unseen text that docs/benchmarks.md quotes.
func TestQualityHeldOut(t *testing.T) {
	paths := []string{heldoutPath, heldout2Path, heldoutNamesPath, heldoutNames3Path, heldoutNames4Path}
	if *finalNames {
		paths = append(paths, heldoutNamesFinalPath)
	}
	if *finalNames3 {
		paths = append(paths, heldoutNames3FinalPath)
	}
	if *finalNames4 {
		paths = append(paths, heldoutNames4FinalPath)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			corpus := loadLabelled(t, path)
			d := corpusDetector(t)
			scoreTable(t, len(corpus), evaluate(t, d, corpus))
			flagged, clean := falseAlarms(d, corpus)
			t.Logf("messages with no personal data: %d, flagged: %d (%.1f %%)", clean, flagged, 100*float64(flagged)/float64(max(clean, 1)))
		})
	}
}

// heldout2Path holds 29 messages written on 23 Nov 2026 before the detector's name contexts
// were widened for the misses of heldout.jsonl ("its Maureen", "Thank you, Priti", a name
// before an address), to measure that change on text it was not tuned on.
const heldout2Path = "../../testdata/pii/heldout2.jsonl"

// heldoutNamesPath and heldoutNamesFinalPath were written for issue 13 before the name and
// address rules changed; the final third is scored only with -final-names (see the README there).
const (
	heldoutNamesPath      = "../../testdata/pii/heldout-names.jsonl"
	heldoutNamesFinalPath = "../../testdata/pii/heldout-names-final.jsonl"
)

// heldoutNames3Path and heldoutNames3FinalPath were written on 2 Dec 2026, after the final
// third above had been spent and before the name rules changed again, in new wording and
// with more of the kinds that third missed; the final third is scored only with
// -final-names-3 (see the README there).
const (
	heldoutNames3Path      = "../../testdata/pii/heldout-names-3.jsonl"
	heldoutNames3FinalPath = "../../testdata/pii/heldout-names-3-final.jsonl"
)

// heldoutNames4Path and heldoutNames4FinalPath were written on 2 Dec 2026, after both final
// thirds above had been spent and before the names model changed: messages per council
// service in text-speak, without punctuation, all lower case or all capitals, with names of many
// origins and names that are words; the final third is scored only with -final-names-4.
const (
	heldoutNames4Path      = "../../testdata/pii/heldout-names-4.jsonl"
	heldoutNames4FinalPath = "../../testdata/pii/heldout-names-4-final.jsonl"
)

// falseAlarms counts the messages labelled with no personal data at all (look-alikes) and how
// many of them the detector flags anything in.
func falseAlarms(d *Detector, corpus []labelled) (flagged, clean int) {
	for _, m := range corpus {
		if len(m.Entities) > 0 {
			continue
		}
		clean++
		if len(d.detect(m.Text)) > 0 {
			flagged++
		}
	}
	return flagged, clean
}
