package cli

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/apptest"
	"github.com/fairline/fairline/internal/testutil/pgtest"
)

// TestSignInLockOutAcrossServeProcesses: two real serve processes share one
// database (SQLite file, then PostgreSQL); 30 wrong passwords for one
// account arrive at once, spread over both. Every password check is audited
// as a failed sign-in, so the audit log counts them: no more than the
// allowance may have been checked, however the requests raced. A client
// told to wait (429 with Retry-After, every hashing slot busy) waits and
// tries again, as an attacker would.
func TestSignInLockOutAcrossServeProcesses(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dir := t.TempDir()
			cfg := apptest.Config(dir)
			if dialect == "postgres" {
				cfg.DB = pgtest.DSN(t)
			}
			// The account's hash costs 8 MiB: checks take long enough to
			// overlap, without the test needing gigabytes if they do.
			a := apptest.Open(t, cfg, apptest.Options{App: app.Options{PasswordParams: auth.Params{Memory: 8 * 1024, Time: 1, Threads: 1}}})
			defer a.Close()
			if _, _, err := a.Auth.CreateUser(context.Background(), "system", auth.NewUser{Email: "victim@example.gov.uk",
				Role: string(auth.Administrator), Password: "a long enough passphrase"}); err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"FAIRLINE_DATA_DIR": dir, "FAIRLINE_DB": cfg.DB}
			_, first := startServe(t, env)
			_, second := startServe(t, env)
			bases := []string{first, second}

			const attempts = 30
			csrf := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
			statuses := make([]int, attempts)
			errs := make([]error, attempts)
			var ready, wg sync.WaitGroup
			start := make(chan struct{})
			for i := range attempts {
				ready.Add(1)
				wg.Add(1)
				go func() {
					defer wg.Done()
					base := bases[i%len(bases)]
					jar, _ := cookiejar.New(nil)
					c := &http.Client{Jar: jar, Timeout: time.Minute,
						CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
					resp, err := c.Get(base + "/sign-in")
					if err != nil {
						errs[i] = err
						ready.Done()
						return
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					m := csrf.FindSubmatch(body)
					ready.Done()
					if m == nil {
						errs[i] = io.ErrUnexpectedEOF
						return
					}
					<-start
					form := url.Values{"csrf_token": {string(m[1])}, "email": {"victim@example.gov.uk"}, "password": {"wrong wrong wrong"}}
					for try := 0; try < 120; try++ {
						resp, err := c.PostForm(base+"/sign-in", form)
						if err != nil {
							errs[i] = err
							return
						}
						body, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						statuses[i] = resp.StatusCode
						if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(body), "Try again in a moment") {
							return
						}
						wait, err := strconv.Atoi(resp.Header.Get("Retry-After"))
						if err != nil || wait < 1 {
							errs[i] = err
							return
						}
						time.Sleep(time.Duration(wait) * time.Second)
					}
				}()
			}
			ready.Wait()
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("attempt %d: %v", i, err)
				}
			}
			var failures, denied int
			entries, err := a.DB.Q().AuditEntries(context.Background(), store.AuditFilter{Action: "auth.sign_in", Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				switch e.Outcome {
				case "failure":
					failures++
				case "denied":
					denied++
				}
			}
			if failures > auth.FreeFailures || failures+denied != attempts {
				t.Errorf("%d passwords checked (failed sign-ins audited) and %d refused of %d attempts; at most %d may be checked (statuses %v)",
					failures, denied, attempts, auth.FreeFailures, statuses)
			}
			for i, st := range statuses {
				if st != http.StatusUnprocessableEntity && st != http.StatusTooManyRequests {
					t.Errorf("attempt %d answered %d", i, st)
				}
			}
		})
	}
}
