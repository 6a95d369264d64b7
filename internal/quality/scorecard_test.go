package quality

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/fail"
)

const card = `20 | yesno | Greeted the caller and gave their name
30 | scale 1-5 | Understood what the caller needed
critical | Checked the caller's identity before discussing their case
10 | yesno | Offered further help`

func TestParseCriteria(t *testing.T) {
	cs, err := ParseCriteria(card)
	if err != nil {
		t.Fatal(err)
	}
	want := []Criterion{{"c1", "Greeted the caller and gave their name", YesNo, 20, 0},
		{"c2", "Understood what the caller needed", Scale, 30, 5},
		{"c3", "Checked the caller's identity before discussing their case", Critical, 0, 0},
		{"c4", "Offered further help", YesNo, 10, 0}}
	if len(cs) != len(want) {
		t.Fatalf("got %d criteria", len(cs))
	}
	for i := range want {
		if cs[i] != want[i] {
			t.Errorf("criterion %d = %+v, want %+v", i, cs[i], want[i])
		}
	}
	again, err := ParseCriteria(FormatCriteria(cs))
	if err != nil || len(again) != len(cs) || again[1] != cs[1] {
		t.Errorf("format then parse: %v", err)
	}

	for _, tc := range []struct{ in, part string }{
		{"critical | Identity checked", "at least one"},
		{"0 | yesno | Zero weight", "line 1: the weight"},
		{"101 | yesno | Too heavy", "the weight"},
		{"10 | scale 1-1 | One step", "a scale runs"},
		{"10 | scale 1-11 | Too many steps", "a scale runs"},
		{"10 | maybe | What", "the type"},
		{"\n\n10 | yesno", "line 3: write WEIGHT"},
		{"10 | yesno | " + strings.Repeat("x", 201), "1 to 200"},
		{strings.Repeat("1 | yesno | q\n", 41), "at most 40"},
	} {
		_, err := ParseCriteria(tc.in)
		if fe, ok := fail.As(err); !ok || fe.Field != "criteria" || !strings.Contains(err.Error(), tc.part) {
			t.Errorf("%q: %v, want a criteria error with %q", tc.in, err, tc.part)
		}
	}
}

func TestScore(t *testing.T) {
	cs, _ := ParseCriteria(card)
	for _, tc := range []struct {
		name    string
		answers map[string]string
		score   float64
		crit    bool
		errKey  string
	}{
		{"all best", map[string]string{"c1": "yes", "c2": "5", "c3": "pass", "c4": "yes"}, 100, false, ""},
		{"all worst", map[string]string{"c1": "no", "c2": "1", "c3": "pass", "c4": "no"}, 0, false, ""},
		// (20×1 + 30×0.5 + 10×0) / 60
		{"mixed", map[string]string{"c1": "yes", "c2": "3", "c3": "pass", "c4": "no"}, 35.0 / 60 * 100, false, ""},
		// n/a leaves c4 out of both sides: (20 + 30×0.75) / 50
		{"n/a", map[string]string{"c1": "yes", "c2": "4", "c3": "pass", "c4": "na"}, 42.5 / 50 * 100, false, ""},
		{"critical fail", map[string]string{"c1": "yes", "c2": "5", "c3": "fail", "c4": "yes"}, 0, true, ""},
		{"missing", map[string]string{"c1": "yes", "c2": "5", "c4": "yes"}, 0, false, "c3"},
		{"out of scale", map[string]string{"c1": "yes", "c2": "6", "c3": "pass", "c4": "yes"}, 0, false, "c2"},
		{"everything n/a", map[string]string{"c1": "na", "c2": "", "c3": "pass", "c4": "na"}, 0, false, "c2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Score(cs, tc.answers)
			if tc.errKey != "" {
				if fe, ok := fail.As(err); !ok || fe.Field != tc.errKey {
					t.Fatalf("error %v, want one for %s", err, tc.errKey)
				}
				return
			}
			if err != nil || math.Abs(res.Score-tc.score) > 1e-9 || res.CriticalFailed != tc.crit {
				t.Errorf("score %v (critical %v), %v; want %v", res.Score, res.CriticalFailed, err, tc.score)
			}
		})
	}
	yesno := []Criterion{{Key: "c1", Type: YesNo, Weight: 1, Text: "q"}}
	if _, err := Score(yesno, map[string]string{"c1": "na"}); err == nil {
		t.Error("a scorecard answered n/a throughout has no score")
	}
}

func TestParseComments(t *testing.T) {
	got, err := ParseComments("0:05 Greeting was warm\n\n1:30   Did not confirm the address", 2*60e9)
	if err != nil || len(got) != 2 || got[1].Offset.Seconds() != 90 || got[1].Body != "Did not confirm the address" {
		t.Fatalf("%+v %v", got, err)
	}
	for _, bad := range []string{"Greeting was warm", "1:75 seconds out of range", "2:02 after the end", "1: missing"} {
		if _, err := ParseComments(bad, 2*60e9); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseCriteria(f *testing.F) {
	f.Add(card)
	f.Add("1|scale 1-10|x\ncritical|y")
	f.Fuzz(func(t *testing.T, src string) {
		cs, err := ParseCriteria(src)
		if err != nil {
			return
		}
		again, err := ParseCriteria(FormatCriteria(cs))
		if err != nil || len(again) != len(cs) {
			t.Fatalf("criteria do not survive a round trip: %v", err)
		}
		best := map[string]string{}
		for _, c := range cs {
			best[c.Key] = map[string]string{YesNo: "yes", Critical: "pass", Scale: strconv.Itoa(c.Max)}[c.Type]
		}
		if res, err := Score(cs, best); err != nil || math.Abs(res.Score-100) > 1e-9 {
			t.Fatalf("best answers score %v, %v", res.Score, err)
		}
	})
}

func FuzzParseComments(f *testing.F) {
	f.Add("0:05 hello\n1:30 bye")
	f.Fuzz(func(t *testing.T, src string) {
		cs, err := ParseComments(src, 1e12)
		if err != nil {
			return
		}
		for _, c := range cs {
			if c.Offset < 0 || c.Body == "" {
				t.Fatalf("comment %+v", c)
			}
		}
	})
}
