package chat

import (
	"os"
	"testing"
)

func TestScopeGuard(t *testing.T) {
	tests := []struct {
		q, want string
	}{
		// Case-specific: the resident's own case, account or request.
		{"Where is my application?", ReasonCaseSpecific},
		{"where's my application", ReasonCaseSpecific},
		{"Where’s my blue badge?", ReasonCaseSpecific},
		{"my bin wasn't collected", ReasonCaseSpecific},
		{"My bins were not collected yesterday", ReasonCaseSpecific},
		{"our recycling hasn't been collected", ReasonCaseSpecific},
		{"What is my council tax balance?", ReasonCaseSpecific},
		{"whats my council tax balance", ReasonCaseSpecific},
		{"check my council tax balance", ReasonCaseSpecific},
		{"Has my payment gone through?", ReasonCaseSpecific},
		{"has my direct debit payment been taken", ReasonCaseSpecific},
		{"When will my blue badge arrive?", ReasonCaseSpecific},
		{"when will my bus pass arrive", ReasonCaseSpecific},
		{"what is the status of my application", ReasonCaseSpecific},
		{"any update on my complaint?", ReasonCaseSpecific},
		{"I applied for a blue badge 6 weeks ago and still haven't heard", ReasonCaseSpecific},
		{"I reported a pothole last month but nothing has happened", ReasonCaseSpecific},
		{"I haven't received my bus pass", ReasonCaseSpecific},
		{"have you received my form?", ReasonCaseSpecific},
		{"how much do I owe", ReasonCaseSpecific},
		{"is my application approved yet", ReasonCaseSpecific},
		{"how long until my assessment", ReasonCaseSpecific},
		{"why was my claim refused", ReasonCaseSpecific},
		// Eligibility: a decision only the service can make.
		{"Am I eligible for a blue badge?", ReasonEligibility},
		{"am i entitled to free school meals", ReasonEligibility},
		{"Will I get a blue badge?", ReasonEligibility},
		{"will I get help with care costs", ReasonEligibility},
		{"Do I qualify for a bus pass?", ReasonEligibility},
		{"do we qualify for free school transport", ReasonEligibility},
		{"Can I get a blue badge if I have diabetes?", ReasonEligibility},
		{"can I get help with the cost of care if I own my home", ReasonEligibility},
		{"is my son eligible for free school meals", ReasonEligibility},
		{"would I be eligible for a personal budget", ReasonEligibility},
		{"could I get a disabled facilities grant", ReasonEligibility},
		{"does my mum qualify for meals on wheels", ReasonEligibility},
		{"how much will I get", ReasonEligibility},
		{"I'm 70, can I get a bus pass?", ReasonEligibility},
		// Information questions stay in scope, including ones about eligibility rules.
		{"How do I apply for a blue badge?", ""},
		{"Who is eligible for a blue badge?", ""},
		{"what are the eligibility criteria for a bus pass", ""},
		{"how do I renew my blue badge", ""},
		{"how do I report a pothole", ""},
		{"Opening times of the recycling centre", ""},
		{"how do I register a birth", ""},
		{"can I get a copy of a birth certificate", ""},
		{"meals on wheels", ""},
		{"what is a personal budget", ""},
		{"how do I change my address", ""},
		{"How can I pay for my care?", ""},
		{"I need help caring for my mum", ""},
		{"where is my nearest library", ""},
		{"what is my local council", ""},
		{"When is my local recycling centre open?", ""},
		{"how do I renew my bus pass", ""},
	}
	for _, tt := range tests {
		if got := scopeReason(tt.q); got != tt.want {
			t.Errorf("scopeReason(%q) = %q, want %q", tt.q, got, tt.want)
		}
	}
}

func TestOtherCouncil(t *testing.T) {
	list := DefaultOtherCouncils()
	tests := []struct {
		q, topic string
	}{
		{"when is my bin day", "household bin collections"},
		{"Missed bin collection", "household bin collections"},
		{"how do I get a new wheelie bin", "household bin collections"},
		{"garden waste collection", "household bin collections"},
		{"how do I pay my council tax", "council tax bills and payments"},
		{"Council Tax single person discount", "council tax bills and payments"},
		{"I'm homeless, who can help", "housing"},
		{"how do I join the housing register", "housing"},
		{"how do I apply for planning permission", "planning applications"},
		{"report fly-tipping", "environmental health and licensing"},
		{"how do I register to vote", "elections and voter registration"},
		// The county's own waste services.
		{"recycling centre opening times", ""},
		{"can I take my bins to the tip", ""},
		{"how do I apply for a blue badge", ""},
		{"school admissions", ""},
	}
	for _, tt := range tests {
		oc, ok := matchOther(list, tt.q)
		if oc.Topic != tt.topic || ok != (tt.topic != "") {
			t.Errorf("matchOther(%q) = %q, %v; want %q", tt.q, oc.Topic, ok, tt.topic)
		}
	}
	if _, ok := matchOther([]OtherCouncil{}, "bin day"); ok {
		t.Error("an empty list matched")
	}
	for _, oc := range list {
		if len(oc.Councils) == 0 || oc.Who == "" {
			t.Errorf("%s: no council to point to", oc.Topic)
		}
	}
}

func TestLoadOtherCouncils(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yaml", `
- topic: parking permits
  who: the city council
  terms: [parking permit, resident parking]
  councils:
    - {name: Example City Council, url: "https://www.example-city.gov.uk"}
`)
	list, err := LoadOtherCouncils(good)
	if err != nil || len(list) != 1 {
		t.Fatalf("%v %v", list, err)
	}
	if oc, ok := matchOther(list, "how do I get a resident parking permit"); !ok || oc.Councils[0].Name != "Example City Council" {
		t.Errorf("match: %+v %v", oc, ok)
	}
	if list, err := LoadOtherCouncils(write("empty.yaml", "")); err != nil || len(list) != 0 {
		t.Errorf("empty file: %v %v", list, err)
	}
	for name, body := range map[string]string{
		"noterms.yaml":  "- {topic: x, who: y, councils: [{name: a, url: 'https://a'}]}",
		"nourl.yaml":    "- {topic: x, who: y, terms: [x], councils: [{name: a, url: 'javascript:x'}]}",
		"unknown.yaml":  "- {topic: x, who: y, terms: [x], councils: [{name: a, url: 'https://a'}], colour: red}",
		"notalist.yaml": "topic: x",
	} {
		if _, err := LoadOtherCouncils(write(name, body)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
