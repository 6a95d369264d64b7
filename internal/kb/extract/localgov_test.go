package extract

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestClassifyLocalGovDemo checks the default rules against the LocalGov Drupal demo site, whose
// pages record the services landing page they sit under (testdata/localgov-demo, field "service").
func TestClassifyLocalGovDemo(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "..", "testdata", "localgov-demo", "pages.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{
		"Adult health and social care":              "adult-social-care",
		"Births, deaths, marriages and citizenship": "registration",
		"Libraries, leisure and culture":            "libraries-and-culture",
	}
	c := MustClassifier(DefaultRules())
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	total, right := 0, 0
	for sc.Scan() {
		var p struct{ URL, HTML, Service string }
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		area, ok := want[p.Service]
		if !ok {
			continue
		}
		doc, err := Extract(p.URL, p.HTML)
		if err != nil {
			t.Fatal(err)
		}
		total++
		if got := c.Classify(doc).Area; got == area {
			right++
		} else {
			t.Logf("%s: %q, want %q", p.URL, got, area)
		}
	}
	if total != 49 {
		t.Fatalf("%d pages with a service, want 49", total)
	}
	// These pages sit under paths named for their service, so this mostly tests the path
	// prefixes; with the paths hidden, the terms alone classify about half of them.
	if right < 45 {
		t.Errorf("%d of %d pages classified as their service", right, total)
	}
}
