package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/check"
)

// `fairline check` passes on a fresh install (exit 0, the unused processor a warning, the
// rights register not yet checked), fails naming a broken promise (exit 1) instead of refusing
// to start, and --json lists every promise with its result.
func TestCheckCommand(t *testing.T) {
	env := dataEnv(t)
	r := run(t, env, "", "check")
	if r.code != 0 {
		t.Fatalf("fresh install: %+v", r)
	}
	for _, want := range []string{"PROMISE", "RESULT", "COUNT", "NOTICE",
		"No chatbot record kept past its retention", "we will hold it for no longer than 12 months",
		"the Website Chatbot notice names Microsoft, but no integration sends it data", "not yet built",
		"13 promises: 11 ok, 0 broken, 1 warnings, 1 not checked"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}

	// The database declared in France: serve would refuse to start; check reports it.
	env["FAIRLINE_DB_LOCATION"] = "FR"
	r = run(t, env, "", "check", "--json")
	if r.code != 1 || !strings.Contains(r.stderr, "a promise of the notices is broken (1 of 13)") {
		t.Fatalf("database in France: %+v", r)
	}
	var rep check.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, r.stdout)
	}
	got := map[string]check.Result{}
	for _, it := range rep.Items {
		got[it.ID] = it.Result
		if it.Notice == "" || it.Title == "" {
			t.Errorf("%s without its promise or notice sentence", it.ID)
		}
	}
	for _, id := range check.IDs() {
		if _, ok := got[id]; !ok {
			t.Errorf("--json lacks %s", id)
		}
	}
	if got[check.StoreLocations] != check.Broken || got[check.AuditLog] != check.OK {
		t.Errorf("results %v", got)
	}
	if !strings.Contains(r.stdout, "a store of chatbot data is in FR") {
		t.Errorf("detail does not name the store:\n%s", r.stdout)
	}
}
