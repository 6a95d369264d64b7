package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/testutil/pgtest"
)

// startServe starts `fairline serve ARGS` as a child process (this test
// binary; see TestMain) with FAIRLINE_* settings from env, and returns it
// with the URL it serves. The child is killed when the test ends.
func startServe(t *testing.T, env map[string]string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	return startServeLogged(t, env, io.Discard, args...)
}

// startServeLogged is startServe with the child's log (its stderr) written to logs.
func startServeLogged(t *testing.T, env map[string]string, logs io.Writer, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FAIRLINE_TEST_CHILD_SERVE=1", "FAIRLINE_LISTEN=127.0.0.1:0", "FAIRLINE_METRICS_LISTEN=off",
		"FAIRLINE_TEST_CHILD_ARGS="+strings.Join(args, "\x1f"))
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	re := regexp.MustCompile(`running at (https?://\S+)/`)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, out)
			return cmd, m[1]
		}
	}
	cmd.Wait()
	t.Fatalf("child server did not start%s", childLog(logs))
	return nil, ""
}

// childLog is ": " and the child's log when the caller keeps it.
func childLog(w io.Writer) string {
	if s, ok := w.(fmt.Stringer); ok {
		return ":\n" + s.String()
	}
	return ""
}

// childAppOptions are the app.Options a child serve runs with: the clock
// shifted by FAIRLINE_TEST_CLOCK_SHIFT (so texts fall inside the sending
// window whatever the hour the test runs) and the leases of
// FAIRLINE_TEST_JOB_LEASE and FAIRLINE_TEST_SURVEY_LEASE (so the claims a
// killed child held lapse in seconds). Unset, it is serve as shipped.
func childAppOptions() app.Options {
	var o app.Options
	if d, err := time.ParseDuration(os.Getenv("FAIRLINE_TEST_CLOCK_SHIFT")); err == nil {
		o.Now = func() time.Time { return time.Now().Add(d) }
	}
	o.JobLease, _ = time.ParseDuration(os.Getenv("FAIRLINE_TEST_JOB_LEASE"))
	o.SurveyLease, _ = time.ParseDuration(os.Getenv("FAIRLINE_TEST_SURVEY_LEASE"))
	return o
}

// childArgs are the serve arguments startServe passed.
func childArgs() []string {
	args := []string{"serve"}
	if a := os.Getenv("FAIRLINE_TEST_CHILD_ARGS"); a != "" {
		args = append(args, strings.Split(a, "\x1f")...)
	}
	return args
}

// TestInstancesFollowKnowledgeBase runs two real serve processes on one
// database and changes the knowledge base from a third (the CLI): both
// answer from the new page within a few of their polling intervals, with no
// restart or SIGHUP.
func TestInstancesFollowKnowledgeBase(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			// The page imported below is on the demo site's host, which the
			// policy must declare (systems[chatbot].sources).
			pol, err := chat.WithDemoSource(policy.Default())
			if err != nil {
				t.Fatal(err)
			}
			polFile := filepath.Join(t.TempDir(), "policy.yaml")
			if err := os.WriteFile(polFile, pol.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"FAIRLINE_DATA_DIR": t.TempDir(), "FAIRLINE_POLICY": polFile}
			if dialect == "postgres" {
				env["FAIRLINE_DB"] = pgtest.DSN(t)
			}
			if r := run(t, env, "", "migrate"); r.code != 0 {
				t.Fatalf("migrate: %+v", r)
			}
			var bases []string
			for range 2 {
				_, base := startServe(t, env, "--kb-poll", "100ms")
				bases = append(bases, base)
			}
			const url = "https://demo.localgov.example/quokka-enclosure"
			const question = "when does the quokka enclosure open"
			for i, base := range bases {
				if got := firstSource(t, base, question); got == url {
					t.Fatalf("instance %d answered from a page that does not exist yet", i)
				}
			}
			file := filepath.Join(t.TempDir(), "pages.jsonl")
			page := `{"url":"` + url + `","title":"Visit the quokka enclosure","html":"<main><h1>Visit the quokka enclosure</h1><p>The quokka enclosure at the country park opens at 10am every day. Entry to the quokka enclosure is free.</p></main>"}`
			if err := os.WriteFile(file, []byte(page+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if r := run(t, env, "", "kb", "import", file); r.code != 0 {
				t.Fatalf("kb import: %+v", r)
			}
			for i, base := range bases {
				var got string
				// The chat rate limit allows a handful of questions: ask a
				// few times, well after the 100 ms poll.
				for try := 0; try < 8 && got != url; try++ {
					time.Sleep(400 * time.Millisecond)
					got = firstSource(t, base, question)
				}
				if got != url {
					t.Errorf("instance %d still answers from %q after the import", i, got)
				}
			}
		})
	}
}

// firstSource asks the chat API at base and returns the first source's URL
// without its fragment ("" when there is none).
func firstSource(t *testing.T, base, question string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"message": question})
	resp, err := http.Post(base+"/api/v1/chat", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusTooManyRequests {
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		time.Sleep(time.Duration(secs) * time.Second)
		return ""
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("chat: %s", resp.Status)
	}
	var out struct {
		Sources []struct {
			URL string `json:"url"`
		} `json:"sources"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if len(out.Sources) == 0 {
		return ""
	}
	u, _, _ := strings.Cut(out.Sources[0].URL, "#")
	return u
}
