package extract

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseRules(t *testing.T) {
	got, err := ParseRules(`# comment

adult-social-care: /adult-social-care, /adults | social care, care home
trading-standards: | scam, rogue trader
libraries: /libraries |
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []Rule{
		{Area: "adult-social-care", PathPrefixes: []string{"/adult-social-care", "/adults"}, Terms: []string{"social care", "care home"}},
		{Area: "trading-standards", Terms: []string{"scam", "rogue trader"}},
		{Area: "libraries", PathPrefixes: []string{"/libraries"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseRules = %+v\nwant %+v", got, want)
	}
	// The text form round-trips, defaults included.
	for _, rules := range [][]Rule{want, DefaultRules()} {
		back, err := ParseRules(FormatRules(rules))
		if err != nil || !reflect.DeepEqual(back, rules) {
			t.Errorf("FormatRules does not round-trip: %v\n%s", err, FormatRules(rules))
		}
	}
}

func TestParseRulesErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"adult social care: /x | y", "line 1: start with a service area id"},
		{"# c\n/adults | care", "line 2: start with a service area id"},
		{"a: /x | y\n\na: /z | w", "line 3: a already has a rule on line 1"},
		{"a: adults | care", `line 1: "adults" is not a path`},
		{"a: /my path | care", `line 1: "/my path" is not a path`},
		{"a: /x | ???", `line 1: "???" has no letters or digits`},
		{"a: |", "line 1: a needs at least one path or term"},
		{"a:", "line 1: a needs at least one path or term"},
		{strings.Repeat("a: /x | y\n", 30000), "at most 256 KB"},
	} {
		_, err := ParseRules(tc.text)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseRules(%.40q) = %v, want an error containing %q", tc.text, err, tc.want)
		}
	}
}

func TestCheckAndOnlyAreas(t *testing.T) {
	rules := []Rule{{Area: "a", Terms: []string{"x"}}, {Area: "housing", Terms: []string{"y"}}}
	if err := CheckAreas(rules, []string{"a", "b"}); err == nil || !strings.Contains(err.Error(), "housing is not a service area of the policy (its areas: a, b)") {
		t.Errorf("CheckAreas = %v", err)
	}
	if err := CheckAreas(rules, []string{"a", "housing"}); err != nil {
		t.Errorf("CheckAreas of known areas = %v", err)
	}
	if got := OnlyAreas(rules, []string{"a"}); len(got) != 1 || got[0].Area != "a" {
		t.Errorf("OnlyAreas = %+v", got)
	}
}

// FuzzParseRules: staff text never panics, and whatever parses compiles into a classifier and
// survives a round trip through the text form.
func FuzzParseRules(f *testing.F) {
	f.Add("adult-social-care: /adults | care home")
	f.Add("a: | x\nb: /y |")
	f.Add(FormatRules(DefaultRules()))
	f.Fuzz(func(t *testing.T, text string) {
		rules, err := ParseRules(text)
		if err != nil {
			return
		}
		if _, err := NewClassifier(rules); err != nil {
			t.Fatalf("parsed rules do not compile: %v", err)
		}
		back, err := ParseRules(FormatRules(rules))
		if err != nil || !reflect.DeepEqual(back, rules) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
