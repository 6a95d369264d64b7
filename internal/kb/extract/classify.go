package extract

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"unicode"
)

// Rule says how to recognise pages of one service area. Staff edit rules (they are plain data);
// the Classifier is rebuilt from them.
type Rule struct {
	// Area is the policy's service area id, e.g. "adult-social-care".
	Area string `json:"area" yaml:"area"`
	// PathPrefixes are URL path prefixes ("/adult-social-care", "/waste"); a match is strong
	// evidence because councils organise their sites by service.
	PathPrefixes []string `json:"path_prefixes,omitempty" yaml:"path_prefixes,omitempty"`
	// Terms are words or phrases (case-insensitive, matched on word boundaries) that suggest the
	// area when they occur in the title, headings or text.
	Terms []string `json:"terms,omitempty" yaml:"terms,omitempty"`
	// Weight scales this rule's evidence; 0 means 1.
	Weight float64 `json:"weight,omitempty" yaml:"weight,omitempty"`
}

// Scores of the evidence kinds. A path prefix outweighs several body mentions; a term in the title
// outweighs a few in the body.
const (
	pathScore     = 6.0
	titleScore    = 3.0
	headingScore  = 1.5
	bodyScore     = 0.5
	maxBodyHits   = 6 // per term: a long page that repeats a word is not more about it
	minClassScore = 2.0
)

// Classifier assigns a page to a service area. It is immutable and safe for concurrent use.
type Classifier struct {
	rules []compiledRule
}

type compiledRule struct {
	area     string
	prefixes []string
	terms    [][]string // each term as lower-case words
	weight   float64
}

// NewClassifier checks and compiles rules. An empty rule set is valid and classifies every page
// as "" (unknown).
func NewClassifier(rules []Rule) (*Classifier, error) {
	c := &Classifier{}
	for i, r := range rules {
		if strings.TrimSpace(r.Area) == "" {
			return nil, fmt.Errorf("rule %d: area is empty", i)
		}
		if r.Weight < 0 {
			return nil, fmt.Errorf("rule %d (%s): weight %v is negative", i, r.Area, r.Weight)
		}
		if len(r.PathPrefixes) == 0 && len(r.Terms) == 0 {
			return nil, fmt.Errorf("rule %d (%s): needs path_prefixes or terms", i, r.Area)
		}
		cr := compiledRule{area: r.Area, weight: r.Weight}
		if cr.weight == 0 {
			cr.weight = 1
		}
		for _, p := range r.PathPrefixes {
			p = strings.ToLower(strings.TrimSpace(p))
			if p == "" {
				continue
			}
			if !strings.HasPrefix(p, "/") {
				p = "/" + p
			}
			cr.prefixes = append(cr.prefixes, strings.TrimRight(p, "/"))
		}
		for _, t := range r.Terms {
			if ws := words(t); len(ws) > 0 {
				cr.terms = append(cr.terms, ws)
			}
		}
		c.rules = append(c.rules, cr)
	}
	return c, nil
}

// MustClassifier is NewClassifier for rules known to be valid (the defaults, tests).
func MustClassifier(rules []Rule) *Classifier {
	c, err := NewClassifier(rules)
	if err != nil {
		panic(err)
	}
	return c
}

// Classification is the outcome for one page.
type Classification struct {
	Area  string // "" when no area has enough evidence
	Score float64
	// Scores holds every area with evidence, best first, for staff to see why.
	Scores []AreaScore
}

// AreaScore is one area's evidence total.
type AreaScore struct {
	Area  string
	Score float64
}

// Classify scores the page against every rule and returns the best area, or "" when the evidence
// is too weak: a wrong area would send a resident to the wrong contact route, an unknown one
// falls back to the general route.
func (c *Classifier) Classify(doc Document) Classification {
	path := "/"
	if u, err := url.Parse(doc.URL); err == nil && u.Path != "" {
		path = strings.ToLower(u.Path)
	}
	title := words(doc.Title)
	var headings, body []string
	for _, s := range doc.Sections {
		headings = append(headings, words(s.Heading)...)
		for _, b := range s.Blocks {
			body = append(body, words(b)...)
		}
	}
	totals := map[string]float64{}
	for _, r := range c.rules {
		score := 0.0
		for _, p := range r.prefixes {
			if path == p || strings.HasPrefix(path, p+"/") || (p == "" && path == "/") {
				score += pathScore
				break
			}
		}
		for _, t := range r.terms {
			if countPhrase(title, t, 1) > 0 {
				score += titleScore
			}
			score += headingScore * float64(countPhrase(headings, t, 3))
			score += bodyScore * float64(countPhrase(body, t, maxBodyHits))
		}
		if score > 0 {
			totals[r.area] += score * r.weight
		}
	}
	var out Classification
	for a, s := range totals {
		out.Scores = append(out.Scores, AreaScore{a, s})
	}
	sort.Slice(out.Scores, func(i, j int) bool {
		if out.Scores[i].Score != out.Scores[j].Score {
			return out.Scores[i].Score > out.Scores[j].Score
		}
		return out.Scores[i].Area < out.Scores[j].Area
	})
	if len(out.Scores) > 0 && out.Scores[0].Score >= minClassScore {
		out.Area, out.Score = out.Scores[0].Area, out.Scores[0].Score
	}
	return out
}

// countPhrase counts occurrences of the word sequence t in ws, up to limit.
func countPhrase(ws, t []string, limit int) int {
	n := 0
	for i := 0; i+len(t) <= len(ws) && n < limit; i++ {
		match := true
		for j := range t {
			if !sameWord(ws[i+j], t[j]) {
				match = false
				break
			}
		}
		if match {
			n++
		}
	}
	return n
}

// sameWord treats a plural as the singular so rules need not list both.
func sameWord(w, t string) bool {
	return w == t || w == t+"s" || w == t+"es"
}

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
