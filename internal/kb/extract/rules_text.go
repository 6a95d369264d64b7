package extract

import (
	"bufio"
	"fmt"
	"strings"
)

// The text form of classification rules, which staff edit in the console: one rule per line,
//
//	AREA: /path, /other-path | term, another term
//
// where AREA is a service area id of the policy, the path prefixes come before the bar and the
// terms after it. Either list may be empty, not both. Blank lines and lines starting with # are
// ignored. Paths must start with "/".

// maxRulesText bounds the text a staff member can save: far above any real rule set, far below
// what would slow classification of every page down.
const maxRulesText = 256 << 10

// ParseRules reads the text form. Errors name the line. It does not check the areas against a
// policy: see CheckAreas.
func ParseRules(text string) ([]Rule, error) {
	if len(text) > maxRulesText {
		return nil, fmt.Errorf("the rules are %d KB; at most %d KB", len(text)>>10, maxRulesText>>10)
	}
	var rules []Rule
	seen := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(nil, maxRulesText+1)
	line := 0
	for sc.Scan() {
		line++
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		area, rest, ok := strings.Cut(l, ":")
		area = strings.TrimSpace(area)
		if !ok || !validAreaID(area) {
			return nil, fmt.Errorf("line %d: start with a service area id and a colon, such as \"adult-social-care: /adult-social-care | care home\"", line)
		}
		if prev, dup := seen[area]; dup {
			return nil, fmt.Errorf("line %d: %s already has a rule on line %d; put all its paths and terms on one line", line, area, prev)
		}
		seen[area] = line
		paths, terms, _ := strings.Cut(rest, "|")
		r := Rule{Area: area}
		for _, p := range splitList(paths) {
			if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, " ?#") {
				return nil, fmt.Errorf("line %d: %q is not a path: paths come before the | and start with /, such as /adult-social-care", line, p)
			}
			r.PathPrefixes = append(r.PathPrefixes, p)
		}
		for _, t := range splitList(terms) {
			if len(words(t)) == 0 {
				return nil, fmt.Errorf("line %d: %q has no letters or digits to match", line, t)
			}
			r.Terms = append(r.Terms, t)
		}
		if len(r.PathPrefixes) == 0 && len(r.Terms) == 0 {
			return nil, fmt.Errorf("line %d: %s needs at least one path or term", line, area)
		}
		rules = append(rules, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	return rules, nil
}

// FormatRules writes rules in the text form ParseRules reads.
func FormatRules(rules []Rule) string {
	var b strings.Builder
	for _, r := range rules {
		b.WriteString(r.Area)
		b.WriteString(": ")
		b.WriteString(strings.Join(r.PathPrefixes, ", "))
		b.WriteString(" | ")
		b.WriteString(strings.Join(r.Terms, ", "))
		b.WriteByte('\n')
	}
	return b.String()
}

// CheckAreas returns an error naming the first rule whose area is not in known (the policy's
// service area ids).
func CheckAreas(rules []Rule, known []string) error {
	for _, r := range rules {
		found := false
		for _, k := range known {
			found = found || k == r.Area
		}
		if !found {
			return fmt.Errorf("%s is not a service area of the policy (its areas: %s)", r.Area, strings.Join(known, ", "))
		}
	}
	return nil
}

// OnlyAreas returns the rules whose area is in known, so shipped defaults that name areas a
// council's policy does not have are left out rather than reported under an unknown name.
func OnlyAreas(rules []Rule, known []string) []Rule {
	var out []Rule
	for _, r := range rules {
		if CheckAreas([]Rule{r}, known) == nil {
			out = append(out, r)
		}
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// validAreaID accepts the policy's id shape: lower-case letters, digits and hyphens.
func validAreaID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
