package extract

import (
	"fmt"
	"testing"
)

// TestPassageLeads: which lines of a passage need a lead-in, and which.
func TestPassageLeads(t *testing.T) {
	for _, c := range []struct {
		name, html string
		want       map[string]string
	}{
		{"list after its lead-in paragraph",
			`<p>You must not:</p><ul><li>allow someone else to use your badge</li><li>use a fake badge</li></ul><p>Your badge will be taken away.</p>`,
			map[string]string{"allow someone else to use your badge.": "You must not:", "use a fake badge.": "You must not:"}},
		{"nested list: parent item chained",
			`<p>You must not:</p><ul><li>light fires<ul><li>including barbecues</li></ul></li></ul>`,
			map[string]string{"light fires.": "You must not:", "including barbecues.": "You must not:\nlight fires."}},
		{"a list continuing another keeps its lead-in",
			`<p>If you:</p><ul><li>are over 70</li></ul><ul><li>are blind</li></ul>`,
			map[string]string{"are over 70.": "If you:", "are blind.": "If you:"}},
		{"list opening a section: no lead-in unless its heading conditions",
			`<p>Intro text.</p><h2>Documents</h2><ul><li>a passport</li></ul><h2>Who cannot apply</h2><ul><li>people living elsewhere</li></ul>`,
			map[string]string{"people living elsewhere.": "Who cannot apply"}},
		{"a condition heading and a list's own lead-in",
			`<h2>Unless you have a permit</h2><p>Do not:</p><ul><li>park on the verge</li></ul>`,
			map[string]string{"Do not:": "Unless you have a permit", "park on the verge.": "Unless you have a permit\nDo not:"}},
		{"list written as paragraphs after a colon",
			`<p>Please do not:</p><p>feed the ducks</p><p>swim in the pond</p><p>Ducks eat seeds.</p>`,
			map[string]string{"feed the ducks": "Please do not:", "swim in the pond": "Please do not:"}},
		{"no list, no condition: nothing",
			`<p>Bins are emptied weekly.</p><h2>Opening hours</h2><p>9am to 5pm.</p>`, map[string]string{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := Extract("https://council.example/p", "<main><h1>Page</h1>"+c.html+"</main>")
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, p := range Passages(d) {
				for k, v := range p.Leads {
					got[k] = v
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("leads = %q, want %q", got, c.want)
			}
		})
	}
}

func TestConditionalHeading(t *testing.T) {
	for h, want := range map[string]bool{
		"If you are refused": true, "Unless you have a permit": true, "Who cannot apply": true,
		"Who can't apply": true, "What you must not do": true, "Exceptions": true,
		"Apply for a Blue Badge": false, "Notes for applicants": false, "Opening hours": false, "Documents you need": false,
	} {
		if conditionalHeading(h) != want {
			t.Errorf("conditionalHeading(%q) = %v", h, !want)
		}
	}
}
