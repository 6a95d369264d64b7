package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/testutil/pgtest"
	"golang.org/x/sys/unix"
)

// childMainEnv makes the test binary run Main with the arguments it holds
// (space-separated) instead of the tests; see TestMain.
const childMainEnv = "FAIRLINE_TEST_CHILD_MAIN"

// `fairline policy notice` says where information is stored only when the
// configured stores (flags, environment, file; the UK by default) are where
// the policy allows, as the pages of a running server do.
func TestPolicyNoticeFollowsConfiguredStores(t *testing.T) {
	const (
		storeUK = "We store your information in the UK."
		notOut  = "We will not send your information outside of the UK."
	)
	s3 := func(region string) map[string]string {
		return map[string]string{"FAIRLINE_S3_BUCKET": "recordings", "FAIRLINE_S3_REGION": region}
	}
	cases := []struct {
		name, system string
		env          map[string]string
		args         []string
		want, never  string
		wantErr      string
	}{
		{"defaults", "chatbot", nil, nil, storeUK, "", ""},
		{"defaults, call recording", "call-recording", nil, nil, notOut, "", ""},
		{"database in France", "chatbot", map[string]string{"FAIRLINE_DB_LOCATION": "FR"}, nil, "", storeUK, ""},
		{"database in France by flag", "call-recording", nil, []string{"--db-location", "FR"}, "", notOut, ""},
		{"blob folder in the US", "call-recording", map[string]string{"FAIRLINE_BLOB_LOCATION": "US"}, nil, "", notOut, ""},
		{"the blob folder holds no chat turns", "chatbot", map[string]string{"FAIRLINE_BLOB_LOCATION": "US"}, nil, storeUK, "", ""},
		{"S3 in London", "call-recording", s3("eu-west-2"), nil, notOut, "", ""},
		{"S3 in Ireland", "call-recording", s3("eu-west-1"), nil, "", notOut, ""},
		{"S3 region of unknown location", "call-recording", s3("garage-1"), nil, "", "", "not a known AWS region"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, format := range []string{"md", "html"} {
				r := run(t, c.env, "", append([]string{"policy", "notice", c.system, "--format", format}, c.args...)...)
				if c.wantErr != "" {
					if r.code == 0 || !strings.Contains(r.stderr, c.wantErr) {
						t.Errorf("%s: %+v, want an error containing %q", format, r, c.wantErr)
					}
					continue
				}
				if r.code != 0 {
					t.Fatalf("%s: %+v", format, r)
				}
				text := strings.ReplaceAll(r.stdout, `\`, "")
				if c.want != "" && !strings.Contains(text, c.want) {
					t.Errorf("%s notice lacks %q", format, c.want)
				}
				if c.never != "" && strings.Contains(text, c.never) {
					t.Errorf("%s notice says %q", format, c.never)
				}
			}
		})
	}
}

// childRunner runs `fairline ARGS` in a copy of the test binary, as the user
// nobody when the tests run as root (file modes do not stop root), so a
// database file or folder the service account may not write stops it.
type childRunner struct {
	bin  string
	data string
	uid  int // -1: this process's user
}

func newChildRunner(t *testing.T, asNobody bool) *childRunner {
	t.Helper()
	base, err := os.MkdirTemp("", "fairline-ops-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	// The go tool's build folders are private to root: give the other user
	// a copy of the test binary it can run.
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(base, "fairline.test")
	src, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, src, 0o755); err != nil {
		t.Fatal(err)
	}
	c := &childRunner{bin: bin, data: filepath.Join(base, "data"), uid: -1}
	if err := os.Mkdir(c.data, 0o700); err != nil {
		t.Fatal(err)
	}
	if asNobody && os.Geteuid() == 0 {
		c.uid = 65534
		if err := os.Chown(c.data, c.uid, c.uid); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func (c *childRunner) run(t *testing.T, args string) (int, string) {
	t.Helper()
	cmd := exec.Command(c.bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), childMainEnv+"="+args, "FAIRLINE_DATA_DIR="+c.data, "HOME="+filepath.Dir(c.data))
	if c.uid >= 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(c.uid), Gid: uint32(c.uid)}}
	}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// A database the service account may not write stops start-up with an error
// that says so, the same error every time, without changing the database
// file's mode or leaving -wal and -shm files behind; once it is writable
// again Fairline starts. (Opening used to chmod the file to 0600 while SQLite
// had opened it read-only and created read-only -wal and -shm files beside
// it: the first start carried on, every later one failed.) Root is not
// stopped by modes: it starts, and the mode is still left alone.
func TestStartOnAnUnwritableDatabase(t *testing.T) {
	cases := []struct {
		name     string
		asNobody bool
		break_   func(t *testing.T, data string)
		repair   func(t *testing.T, data string)
		wantErr  string // "": starts anyway (root)
		keepMode fs.FileMode
	}{
		{
			name: "read-only database file", asNobody: true,
			break_:  func(t *testing.T, data string) { chmod(t, filepath.Join(data, "fairline.db"), 0o444) },
			repair:  func(t *testing.T, data string) { chmod(t, filepath.Join(data, "fairline.db"), 0o600) },
			wantErr: "fairline.db is not writable by this process", keepMode: 0o444,
		},
		{
			name: "read-only database folder", asNobody: true,
			break_:  func(t *testing.T, data string) { chmod(t, data, 0o500) },
			repair:  func(t *testing.T, data string) { chmod(t, data, 0o700) },
			wantErr: "is not writable by this process (permission denied): SQLite creates fairline.db-wal there", keepMode: 0o600,
		},
		{
			name: "read-only database file, as root", asNobody: false,
			break_:   func(t *testing.T, data string) { chmod(t, filepath.Join(data, "fairline.db"), 0o444) },
			repair:   func(t *testing.T, data string) { chmod(t, filepath.Join(data, "fairline.db"), 0o600) },
			keepMode: 0o444,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !c.asNobody && os.Geteuid() != 0 {
				t.Skip("needs root: the case is what root may do")
			}
			r := newChildRunner(t, c.asNobody)
			if code, out := r.run(t, "migrate"); code != 0 {
				t.Fatalf("first start on a fresh data folder: %d\n%s", code, out)
			}
			db := filepath.Join(r.data, "fairline.db")
			c.break_(t, r.data)
			for i := 1; i <= 2; i++ {
				code, out := r.run(t, "migrate")
				if c.wantErr == "" {
					if code != 0 {
						t.Errorf("start %d: %d\n%s", i, code, out)
					}
				} else if code == 0 || !strings.Contains(out, c.wantErr) {
					t.Errorf("start %d: exit %d, output:\n%s\nwant a failure saying %q", i, code, out, c.wantErr)
				}
				if st, err := os.Stat(db); err != nil || st.Mode().Perm() != c.keepMode {
					t.Errorf("after start %d the database file is %v (%v), want %v", i, st.Mode().Perm(), err, c.keepMode)
				}
				for _, side := range []string{db + "-wal", db + "-shm"} {
					if _, err := os.Stat(side); !errors.Is(err, fs.ErrNotExist) {
						t.Errorf("after start %d %s is left behind (%v)", i, filepath.Base(side), err)
					}
				}
			}
			c.repair(t, r.data)
			if code, out := r.run(t, "migrate"); code != 0 {
				t.Errorf("start once writable again: %d\n%s", code, out)
			}
		})
	}
}

func chmod(t *testing.T, path string, mode fs.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// waitReadyz polls base/readyz until it answers want with a body containing
// body.
func waitReadyz(t *testing.T, base string, want int, body string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			last = fmt.Sprintf("%d %q", resp.StatusCode, b)
			if resp.StatusCode == want && strings.Contains(string(b), body) {
				return
			}
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("readyz never answered %d %q; last: %s", want, body, last)
}

// A running server whose database stops taking writes is not ready, and is
// ready again once the database takes them: on PostgreSQL the database is
// made read-only (default_transaction_read_only, for the sessions the server
// reconnects with); on SQLite the server process may no longer write to any
// file (RLIMIT_FSIZE 0, as on a full or read-only disk). Both stop root, as
// which the tests run in CI. A ping, which /readyz used to send, passes
// throughout.
func TestReadyzFollowsDatabaseWritability(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			env := map[string]string{"FAIRLINE_DATA_DIR": t.TempDir()}
			var setReadOnly func(cmd *exec.Cmd, on bool)
			if dialect == "postgres" {
				dsn := pgtest.DSN(t)
				env["FAIRLINE_DB"] = dsn
				db, err := sql.Open("pgx", dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				// One session, opened now, stays writable to undo the change.
				conn, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				var name string
				if err := conn.QueryRowContext(ctx, `SELECT current_database()`).Scan(&name); err != nil {
					t.Fatal(err)
				}
				ident := `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
				setReadOnly = func(_ *exec.Cmd, on bool) {
					stmt := `ALTER DATABASE ` + ident + ` RESET default_transaction_read_only`
					if on {
						stmt = `ALTER DATABASE ` + ident + ` SET default_transaction_read_only = on`
					}
					if _, err := conn.ExecContext(ctx, stmt); err != nil {
						t.Fatal(err)
					}
					// Sessions keep the setting they began with: end the
					// server's, and its pool reconnects under the new one.
					if _, err := conn.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
						WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
						t.Fatal(err)
					}
				}
			} else {
				var saved unix.Rlimit
				setReadOnly = func(cmd *exec.Cmd, on bool) {
					if on {
						if err := unix.Prlimit(cmd.Process.Pid, unix.RLIMIT_FSIZE, nil, &saved); err != nil {
							t.Fatal(err)
						}
						lim := unix.Rlimit{Cur: 0, Max: saved.Max}
						if err := unix.Prlimit(cmd.Process.Pid, unix.RLIMIT_FSIZE, &lim, nil); err != nil {
							t.Fatal(err)
						}
						return
					}
					if err := unix.Prlimit(cmd.Process.Pid, unix.RLIMIT_FSIZE, &saved, nil); err != nil {
						t.Fatal(err)
					}
				}
			}
			cmd, base := startServe(t, env)
			waitReadyz(t, base, http.StatusOK, "ready")
			setReadOnly(cmd, true)
			waitReadyz(t, base, http.StatusServiceUnavailable, "database not writable")
			// Not a blip while connections were replaced: still so after the
			// cached result has expired.
			time.Sleep(1500 * time.Millisecond)
			waitReadyz(t, base, http.StatusServiceUnavailable, "database not writable")
			if resp, err := http.Get(base + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
				t.Errorf("healthz while the database is read-only: %v %v", resp, err)
			} else {
				resp.Body.Close()
			}
			setReadOnly(cmd, false)
			waitReadyz(t, base, http.StatusOK, "ready")
		})
	}
}
