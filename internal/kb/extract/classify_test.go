package extract

import "testing"

func TestClassify(t *testing.T) {
	c := MustClassifier(DefaultRules())
	tests := []struct {
		url, html, want string
	}{
		{"https://council.example/adult-social-care/paying-for-care",
			`<main><h1>Paying for care</h1><p>A financial assessment works out what you pay.</p></main>`, "adult-social-care"},
		{"https://council.example/news/1",
			`<main><h1>Report a pothole</h1><p>Potholes on highways are repaired within 28 days.</p></main>`, "environment-and-transport"},
		{"https://council.example/business/x",
			`<main><h1>Doorstep crime and scams</h1><p>Trading Standards investigate rogue traders.</p></main>`, "trading-standards"},
		{"https://council.example/schools/admissions",
			`<main><h1>Apply for a school place</h1></main>`, "children-and-family-services"},
		{"https://council.example/libraries",
			`<main><h1>Join the library</h1><p>Borrow books and e-books.</p></main>`, "libraries-and-culture"},
		{"https://council.example/about/councillors",
			`<main><h1>Your councillors</h1><p>Find your councillor.</p></main>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			doc, err := Extract(tt.url, tt.html)
			if err != nil {
				t.Fatal(err)
			}
			got := c.Classify(doc)
			if got.Area != tt.want {
				t.Errorf("area %q (scores %+v), want %q", got.Area, got.Scores, tt.want)
			}
		})
	}
}

func TestNewClassifierRejects(t *testing.T) {
	for name, rules := range map[string][]Rule{
		"empty area":      {{PathPrefixes: []string{"/x"}}},
		"negative weight": {{Area: "a", Terms: []string{"x"}, Weight: -1}},
		"no evidence":     {{Area: "a"}},
	} {
		if _, err := NewClassifier(rules); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	c, err := NewClassifier(nil)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := Extract("https://x.example/bins", "<main><h1>Bins</h1></main>")
	if a := c.Classify(doc).Area; a != "" {
		t.Errorf("no rules: area %q", a)
	}
}

func TestDefaultRulesValid(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range DefaultRules() {
		if seen[r.Area] {
			t.Errorf("area %q has two rules", r.Area)
		}
		seen[r.Area] = true
	}
	if _, err := NewClassifier(DefaultRules()); err != nil {
		t.Fatal(err)
	}
	// The policy's service areas must all be there, so chatbot reports line up with them.
	for _, a := range []string{"adult-social-care", "environment-and-transport", "children-and-family-services",
		"trading-standards", "first-contact-plus"} {
		if !seen[a] {
			t.Errorf("policy area %q has no rule", a)
		}
	}
}
