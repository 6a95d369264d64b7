package cli

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/testutil/pgtest"
	"github.com/fairline/fairline/internal/testutil/s3test"
)

func TestMain(m *testing.M) {
	if os.Getenv("FAIRLINE_TEST_CHILD_SERVE") == "1" {
		childServe()
	}
	if args := os.Getenv(childMainEnv); args != "" {
		// Started by runChild (ops_test.go), perhaps as another user.
		os.Exit(Main(context.Background(), OSEnv(), strings.Fields(args)))
	}
	if os.Getenv(benchLoadChildEnv) == "1" {
		// This test binary was started by bench chat as its load generator.
		env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
		if err := benchChatLoad(context.Background(), env, nil); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := pgtest.Main(m)
	if err := s3test.Stop(); err != nil && code == 0 {
		code = 1
	}
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// run runs the command line with FAIRLINE_* from env and a working folder dir.
func run(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut,
		Getenv:     func(k string) string { return env[k] },
		AppOptions: app.Options{PasswordParams: auth.Params{Memory: 1024, Time: 1, Threads: 1}}}
	code := Main(context.Background(), e, args)
	return result{code, out.String(), errOut.String()}
}

// dataEnv gives a command its own data folder; a serve gets its metrics
// listener on a free port, so tests never fight over the default one.
func dataEnv(t *testing.T) map[string]string {
	return map[string]string{"FAIRLINE_DATA_DIR": t.TempDir(), "FAIRLINE_METRICS_LISTEN": "127.0.0.1:0"}
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, args := range [][]string{{"serve"}, {"migrate"}, {"policy", "validate"}, {"policy", "notice"}, {"policy", "ropa"},
		{"user", "add"}, {"audit", "verify"}, {"version"}} {
		r := run(t, nil, "", append(args, "--help")...)
		if r.code != 0 || !strings.Contains(r.stderr, "Usage: fairline "+args[0]) {
			t.Errorf("%v --help: code %d, stderr %q", args, r.code, r.stderr)
		}
	}
	if r := run(t, nil, "", "frobnicate"); r.code != 2 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %+v", r)
	}
	if r := run(t, nil, "", "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "fairline ") {
		t.Errorf("version: %+v", r)
	}
}

func TestPolicyValidate(t *testing.T) {
	r := run(t, nil, "", "policy", "validate")
	if r.code != 0 || !strings.Contains(r.stdout, "embedded default policy: valid") {
		t.Fatalf("embedded policy: %+v", r)
	}
	bad := filepath.Join(t.TempDir(), "broken.yaml")
	yml := strings.Replace(string(defaultPolicy(t)), "months: 9", "months: -9", 1)
	os.WriteFile(bad, []byte(yml), 0o600)
	line := 1 + strings.Count(yml[:strings.Index(yml, "months: -9")], "\n")
	r = run(t, nil, "", "policy", "validate", bad)
	want := regexp.MustCompile(regexp.QuoteMeta(bad) + `:` + itoa(line) + `: systems\[\d+\]\.service_areas\[\d+\]\.retention\.[a-z_]+\.months: `)
	if r.code != 1 || !want.MatchString(r.stderr) {
		t.Errorf("broken policy: code %d, stderr:\n%s\nwant %s", r.code, r.stderr, want)
	}
	// The configured policy is what validate checks by default.
	r = run(t, map[string]string{"FAIRLINE_POLICY": bad}, "", "policy", "validate")
	if r.code != 1 {
		t.Errorf("configured broken policy passed validation")
	}
}

func TestPolicyNotices(t *testing.T) {
	r := run(t, nil, "", "policy", "notice", "call-recording", "--format", "md")
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	for _, want := range []string{
		"Adult Social Care related call recordings this will be 9 months",
		"Environment and Transport related call recordings this will be 12 months",
		"Children and Family Services related call recordings this will be 12 months",
		"Trading Standards related call recordings this will be 12 months",
		"First Contact Plus related call recordings this will be 3 months",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("call-recording notice lacks %q", want)
		}
	}
	r = run(t, nil, "", "policy", "notice", "--format", "md", "chatbot")
	for _, want := range []string{"12 months", "Microsoft", "EU", "US", "will not store", "informationgovernance@leics.gov.uk"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("chatbot notice lacks %q", want)
		}
	}
	r = run(t, nil, "", "policy", "notice", "chatbot", "--format", "html")
	if r.code != 0 || !strings.Contains(r.stdout, `<html lang="en-GB"`) {
		t.Errorf("html notice: %d %.200s", r.code, r.stdout)
	}
	if r = run(t, nil, "", "policy", "notice", "parking"); r.code != 2 || !strings.Contains(r.stderr, `no system "parking"`) {
		t.Errorf("unknown system: %+v", r)
	}
	r = run(t, nil, "", "policy", "ropa", "--format", "csv")
	if r.code != 0 || !strings.Contains(r.stdout, "First Contact Plus") {
		t.Errorf("ropa csv: %d", r.code)
	}
	if r = run(t, nil, "", "policy", "ropa", "--format", "pdf"); r.code != 2 {
		t.Errorf("bad format: %+v", r)
	}
}

func TestUserAdd(t *testing.T) {
	env := dataEnv(t)
	r := run(t, env, "", "user", "add", "--email", "lead@example.gov.uk", "--role", "team_leader", "--service-area", "adult-social-care")
	if r.code != 0 || !regexp.MustCompile(`one-time password: \S{20}`).MatchString(r.stdout) {
		t.Fatalf("%+v", r)
	}
	r = run(t, env, "chosen passphrase here\n", "user", "add", "--email", "ig@example.gov.uk", "--role", "information_governance", "--password-stdin")
	if r.code != 0 || strings.Contains(r.stdout, "one-time password") {
		t.Fatalf("%+v", r)
	}
	for _, args := range [][]string{
		{"--email", "x@example.gov.uk", "--role", "pilot"},
		{"--email", "x@example.gov.uk", "--role", "quality_assessor", "--service-area", "parking"},
		{"--email", "lead@example.gov.uk", "--role", "agent"},
	} {
		if r := run(t, env, "", append([]string{"user", "add"}, args...)...); r.code != 1 {
			t.Errorf("%v accepted: %+v", args, r)
		}
	}
	if r := run(t, env, "", "user", "add", "--role", "agent"); r.code != 2 {
		t.Errorf("missing email: %+v", r)
	}
}

// TestAuditVerifyDetectsEdits: the command exits non-zero after any single
// row of the audit table is edited or deleted, on SQLite and PostgreSQL.
func TestAuditVerifyDetectsEdits(t *testing.T) {
	tamper := []string{
		`UPDATE audit_log SET actor = 'user:99' WHERE seq = 2`,
		`UPDATE audit_log SET object = 'user:1' WHERE seq = 1`,
		`DELETE FROM audit_log WHERE seq = 2`,
		`DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)`,
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		for _, stmt := range tamper {
			t.Run(dialect+"/"+stmt, func(t *testing.T) {
				env := dataEnv(t)
				driver, dsn := "sqlite", filepath.Join(env["FAIRLINE_DATA_DIR"], "fairline.db")
				if dialect == "postgres" {
					driver, dsn = "pgx", pgtest.DSN(t)
					env["FAIRLINE_DB"] = dsn
				}
				for _, email := range []string{"a@example.gov.uk", "b@example.gov.uk"} {
					if r := run(t, env, "", "user", "add", "--email", email, "--role", "agent"); r.code != 0 {
						t.Fatalf("user add: %+v", r)
					}
				}
				if r := run(t, env, "", "audit", "verify"); r.code != 0 || !strings.Contains(r.stdout, "OK: 3 entries") {
					t.Fatalf("untouched log: %+v", r)
				}
				db, err := sql.Open(driver, dsn)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.Exec(stmt); err != nil {
					t.Fatal(err)
				}
				db.Close()
				r := run(t, env, "", "audit", "verify")
				if r.code != 1 || !strings.Contains(r.stdout, "FAIL: audit log broken at entry") {
					t.Errorf("after %q: %+v", stmt, r)
				}
			})
		}
	}
}

// TestServeEndToEnd boots serve on each database, uses it, and stops it
// with a real SIGTERM.
func TestServeEndToEnd(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			env := dataEnv(t)
			env["FAIRLINE_LISTEN"] = "127.0.0.1:0"
			if dialect == "postgres" {
				env["FAIRLINE_DB"] = pgtest.DSN(t)
			}
			srv := serveInProcess(t, context.Background(), env, nil)
			base, out, errOut := srv.base, srv.out, srv.err
			if !strings.Contains(out.String(), base+"/setup?token=") {
				t.Errorf("first-run output lacks the set-up link:\n%s", out.String())
			}
			// Metrics are served on their own listener, not the public one.
			m := regexp.MustCompile(`metrics: +(http://127\.0\.0\.1:\d+/metrics)`).FindStringSubmatch(out.String())
			if m == nil {
				t.Fatalf("no metrics address printed:\n%s", out.String())
			}
			pub, err := http.Get(base + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			pub.Body.Close()
			if pub.StatusCode != http.StatusNotFound {
				t.Errorf("/metrics on the public address: %d, want 404", pub.StatusCode)
			}
			if hz, err := http.Get(base + "/healthz"); err == nil {
				hz.Body.Close()
			}
			resp, err := http.Get(m[1])
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), `fairline_http_requests_total{code="200",route="GET /healthz"}`) ||
				!strings.Contains(string(body), "go_goroutines") {
				t.Errorf("metrics listener: %d\n%.500s", resp.StatusCode, body)
			}
			for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/privacy/call-recording": "First Contact Plus"} {
				resp, err := http.Get(base + path)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
					t.Errorf("%s: %d", path, resp.StatusCode)
				}
			}
			srv.terminate(t)
			if !strings.Contains(errOut.String(), "msg=stopped") {
				t.Errorf("no graceful stop logged:\n%s", errOut.String())
			}
		})
	}
}
