package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/check"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/testutil/s3test"
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
		"the Website Chatbot notice names Microsoft, but no integration sends it data",
		"No subject request past its due date", "No closed request's identifiers kept past their retention",
		"No survey request marked sent still holds a number",
		"16 promises: 15 ok, 0 broken, 1 warnings, 0 not checked"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}

	// The database declared in France: serve would refuse to start; check reports it.
	env["FAIRLINE_DB_LOCATION"] = "FR"
	r = run(t, env, "", "check", "--json")
	if r.code != 1 || !strings.Contains(r.stderr, "a promise of the notices is broken (1 of 16)") {
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

// The processor promises, on a real S3 server: a bucket with no processor named, or with one the
// notice says does not store data, breaks them (check reports it; serve would refuse to start);
// named after a declared, storing processor in its country, the check passes.
func TestCheckProcessors(t *testing.T) {
	b := s3test.Bucket(t)
	env := dataEnv(t)
	env["FAIRLINE_S3_ENDPOINT"], env["FAIRLINE_S3_REGION"], env["FAIRLINE_S3_BUCKET"] = b.Endpoint, b.Region, b.Bucket
	env["FAIRLINE_S3_ACCESS_KEY"], env["FAIRLINE_S3_SECRET_KEY"] = b.AccessKeyID, b.SecretAccessKey
	pol := strings.Replace(string(policy.DefaultYAML()), "    processors:\n      # GOV.UK Notify sends",
		"    processors:\n      - id: storeco\n        name: Store Co\n        role: store the recordings\n"+
			"        receives: Recordings of calls\n        stores: true\n        countries: [UK]\n"+
			"      - id: relayco\n        name: Relay Co\n        role: pass recordings on\n"+
			"        receives: Recordings of calls\n        countries: [UK]\n"+
			"      # GOV.UK Notify sends", 1)
	env["FAIRLINE_POLICY"] = filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(env["FAIRLINE_POLICY"], []byte(pol), 0o600); err != nil {
		t.Fatal(err)
	}
	results := func(r result) map[string]check.Item {
		t.Helper()
		var rep check.Report
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("--json: %v\n%+v", err, r)
		}
		out := map[string]check.Item{}
		for _, it := range rep.Items {
			out[it.ID] = it
		}
		return out
	}
	for _, c := range []struct {
		processor, broken, says string
	}{
		{"", check.UndeclaredProcessor, "no processor is named"},
		{"acme", check.UndeclaredProcessor, `processor "acme" is not declared in systems[1].processors`},
		{"relayco", check.ProcessorCountries, "Relay Co does not store the information"},
	} {
		env["FAIRLINE_S3_PROCESSOR"] = c.processor
		r := run(t, env, "", "check", "--json")
		it := results(r)[c.broken]
		if r.code != 1 || it.Result != check.Broken || !strings.Contains(it.Detail, c.says) {
			t.Errorf("s3-processor %q: exit %d, %s = %+v", c.processor, r.code, c.broken, it)
		}
		if r := run(t, env, "", "migrate"); r.code != 1 || !strings.Contains(r.stderr, "s3-processor: ") {
			t.Errorf("s3-processor %q: migrate started: %+v", c.processor, r)
		}
	}
	env["FAIRLINE_S3_PROCESSOR"] = "storeco"
	r := run(t, env, "", "check", "--json")
	items := results(r)
	if r.code != 0 || items[check.ProcessorCountries].Result != check.OK || items[check.UndeclaredProcessor].Result != check.OK {
		t.Fatalf("declared processor: %+v", r)
	}
	if d := items[check.UnusedProcessor].Detail; !strings.Contains(d, "names Relay Co, but no integration sends it data") || strings.Contains(d, "Store Co") {
		t.Errorf("unused processors: %q", d)
	}
}
