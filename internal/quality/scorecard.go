// Package quality is what a contact centre does with call recordings for
// the purposes the recording notice names, quality monitoring and
// training: scorecards per service area, evaluations of calls by quality
// assessors with time-stamped comments, the agent's acknowledgement or
// dispute, calibration, sampling, a training library, and reports from
// cached aggregates.
//
// Recordings are opened only through recording.Service (purpose
// "quality-monitoring" or "training", audited, refused for a restricted
// recording). Where each table's retention, location and deletion come
// from is said in internal/store/quality.go and migration 0016.
package quality

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
)

// Criterion types.
const (
	YesNo    = "yesno"    // yes (full weight), no (none), n/a (left out)
	Scale    = "scale"    // 1..Max, scored (v-1)/(Max-1) of the weight
	Critical = "critical" // pass or fail; a fail makes the whole score 0
)

// Criterion is one question of a scorecard.
type Criterion struct {
	Key    string `json:"key"` // stable within a scorecard family: c1, c2, …
	Text   string `json:"text"`
	Type   string `json:"type"`
	Weight int    `json:"weight"` // 0 for critical criteria
	Max    int    `json:"max,omitempty"`
}

// Limits on what a team leader may type, so a scorecard stays a page.
const (
	maxCriteria   = 40
	maxCriterion  = 200
	maxWeight     = 100
	maxScaleSteps = 10
)

// ParseCriteria reads the scorecard form's criteria, one a line:
//
//	WEIGHT | yesno | TEXT
//	WEIGHT | scale 1-5 | TEXT
//	critical | TEXT
//
// Keys are given in order (c1, c2, …). The error names the line.
func ParseCriteria(src string) ([]Criterion, error) {
	var out []Criterion
	for n, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		c, err := parseCriterion(line)
		if err != nil {
			return nil, fail.Field("criteria", fmt.Sprintf("line %d: %s", n+1, err))
		}
		c.Key = "c" + strconv.Itoa(len(out)+1)
		out = append(out, c)
		if len(out) > maxCriteria {
			return nil, fail.Field("criteria", fmt.Sprintf("a scorecard may have at most %d criteria", maxCriteria))
		}
	}
	scored := false
	for _, c := range out {
		scored = scored || c.Weight > 0
	}
	if !scored {
		return nil, fail.Field("criteria", "add at least one yes/no or scale criterion with a weight")
	}
	return out, nil
}

func parseCriterion(line string) (Criterion, error) {
	parts := strings.Split(line, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	var c Criterion
	switch {
	case len(parts) == 2 && strings.EqualFold(parts[0], Critical):
		c = Criterion{Type: Critical, Text: parts[1]}
	case len(parts) == 3:
		w, err := strconv.Atoi(parts[0])
		if err != nil || w < 1 || w > maxWeight {
			return c, fmt.Errorf("the weight must be a whole number from 1 to %d", maxWeight)
		}
		c = Criterion{Weight: w, Text: parts[2]}
		kind := strings.ToLower(parts[1])
		switch {
		case kind == YesNo:
			c.Type = YesNo
		case strings.HasPrefix(kind, "scale 1-"):
			m, err := strconv.Atoi(strings.TrimPrefix(kind, "scale 1-"))
			if err != nil || m < 2 || m > maxScaleSteps {
				return c, fmt.Errorf("a scale runs from 1 to between 2 and %d, like \"scale 1-5\"", maxScaleSteps)
			}
			c.Type, c.Max = Scale, m
		default:
			return c, fmt.Errorf("the type must be yesno or scale 1-N")
		}
	default:
		return c, fmt.Errorf("write WEIGHT | yesno | TEXT, WEIGHT | scale 1-5 | TEXT or critical | TEXT")
	}
	if c.Text == "" || len(c.Text) > maxCriterion {
		return c, fmt.Errorf("the question must have 1 to %d characters", maxCriterion)
	}
	return c, nil
}

// FormatCriteria writes criteria back in ParseCriteria's form, for editing.
func FormatCriteria(cs []Criterion) string {
	var b strings.Builder
	for _, c := range cs {
		switch c.Type {
		case Critical:
			fmt.Fprintf(&b, "critical | %s\n", c.Text)
		case Scale:
			fmt.Fprintf(&b, "%d | scale 1-%d | %s\n", c.Weight, c.Max, c.Text)
		default:
			fmt.Fprintf(&b, "%d | yesno | %s\n", c.Weight, c.Text)
		}
	}
	return b.String()
}

// Answer values: "yes", "no", "na" for yes/no; "1".."Max" for a scale;
// "pass", "fail" for a critical criterion.

// Result is an evaluation's score and each criterion's share of it.
type Result struct {
	Score          float64            // 0..100
	CriticalFailed bool               // a critical criterion failed: Score is 0
	Fractions      map[string]float64 // per scored, answered criterion: 0..1
}

// Score checks answers (criterion key → value) against cs and computes the
// weighted score: Σ weight×fraction / Σ weight over the criteria answered
// (n/a is left out of both), as a percentage; a failed critical criterion
// makes it 0. Every criterion must be answered.
func Score(cs []Criterion, answers map[string]string) (Result, error) {
	res := Result{Fractions: map[string]float64{}}
	var got, total float64
	for _, c := range cs {
		v := answers[c.Key]
		bad := func() (Result, error) {
			return Result{}, fail.Field(c.Key, "answer \""+c.Text+"\"")
		}
		switch c.Type {
		case Critical:
			switch v {
			case "pass":
			case "fail":
				res.CriticalFailed = true
			default:
				return bad()
			}
		case YesNo:
			switch v {
			case "yes":
				res.Fractions[c.Key] = 1
			case "no":
				res.Fractions[c.Key] = 0
			case "na":
				continue
			default:
				return bad()
			}
		case Scale:
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > c.Max {
				return bad()
			}
			res.Fractions[c.Key] = float64(n-1) / float64(c.Max-1)
		default:
			return Result{}, fmt.Errorf("quality: criterion %s has unknown type %q", c.Key, c.Type)
		}
		if f, ok := res.Fractions[c.Key]; ok {
			got += f * float64(c.Weight)
			total += float64(c.Weight)
		}
	}
	if total == 0 {
		return Result{}, fail.Field("answers", "answer at least one scored criterion with something other than n/a")
	}
	if !res.CriticalFailed {
		res.Score = 100 * got / total
	}
	return res, nil
}

// The store's records, as the console reads them (it does not import the
// store).
type (
	Evaluation  = store.Evaluation
	QueueItem   = store.QueueItem
	Playlist    = store.Playlist
	Clip        = store.Clip
	Calibration = store.Calibration
)

// MonthOf is the first instant of t's UTC month, the reports' unit.
func MonthOf(t time.Time) time.Time { return store.MonthOf(t) }
