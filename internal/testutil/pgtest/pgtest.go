// Package pgtest gives each test a fresh PostgreSQL database on a real server.
//
// Use it from a package's tests like this:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		dsn := pgtest.DSN(t) // postgres://user:pass@127.0.0.1:PORT/db?sslmode=disable
//		...
//	}
//
// If the environment variable FAIRLINE_TEST_POSTGRES holds a postgres:// URL of
// a role that may create databases (normally a superuser), that server is used.
// Otherwise the first call of DSN starts a private throw-away cluster with the
// PostgreSQL server binaries of this machine (initdb, pg_ctl), shared by all
// tests of the test binary and removed when Main returns. When the binaries are
// missing, DSN skips the test under -short and fails it otherwise.
//
// In the private cluster (UTF-8, C.UTF-8 locale, time zone UTC, fsync off) the
// databases belong to the login role "fairline", which is not a superuser; it
// owns its database and its public schema, so it can create tables and trusted
// extensions such as pgcrypto. With FAIRLINE_TEST_POSTGRES the databases belong
// to the role of that URL. A watchdog process stops the private cluster and
// removes its directory if the test binary dies without Main returning (for
// example after go test -timeout).
package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fairline/fairline/internal/testutil/shared"
)

// EnvURL is the environment variable that names an existing server to use
// instead of a private cluster.
const EnvURL = "FAIRLINE_TEST_POSTGRES"

// errNoBinaries is returned by the start-up when initdb/pg_ctl are missing.
var errNoBinaries = errors.New("PostgreSQL server binaries not found; run `make test`, which installs them, or set " + EnvURL)

// server is the PostgreSQL server that the tests of this binary use.
type server struct {
	admin *pgxpool.Pool // superuser-capable connection to the maintenance database
	base  *url.URL      // URL of the role that owns the test databases; the path is replaced per database
	owner string        // role that owns the test databases ("" = the admin role)
	// createSuffix ends CREATE DATABASE: STRATEGY FILE_COPY is about twice as
	// fast as the default on PostgreSQL 15+ when fsync is off (private cluster).
	createSuffix string

	cluster *cluster // nil when the server comes from EnvURL
}

var (
	srv   = shared.New("pgtest", errNoBinaries, start, (*server).shutdown)
	dbSeq atomic.Int64
)

// Main runs the tests and then stops the private cluster, if one was started.
// Use it as: func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }.
func Main(m *testing.M) int { return srv.Main(m) }

// DSN creates a new, empty database owned by a login role and returns its URL,
// postgres://user:pass@127.0.0.1:PORT/dbname?sslmode=disable. The database is
// dropped (WITH (FORCE), so open connections do not block it) when the test
// and its subtests have finished.
func DSN(tb testing.TB) string {
	tb.Helper()
	s := srv.Get(tb)

	name := dbName(tb.Name())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	stmt := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if s.owner != "" {
		stmt += " OWNER " + pgx.Identifier{s.owner}.Sanitize()
	}
	stmt += s.createSuffix
	if _, err := s.admin.Exec(ctx, stmt); err != nil {
		tb.Fatalf("pgtest: create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := s.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
		if err != nil {
			tb.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})

	u := *s.base
	u.Path = "/" + name
	u.RawPath = ""
	return u.String()
}

func start() (*server, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	if raw := os.Getenv(EnvURL); raw != "" {
		base, err := url.Parse(raw)
		if err != nil || (base.Scheme != "postgres" && base.Scheme != "postgresql") {
			return nil, fmt.Errorf("%s must be a postgres:// URL, got %q", EnvURL, redact(raw))
		}
		pool, err := openAdmin(ctx, raw)
		if err != nil {
			return nil, fmt.Errorf("connect to %s (%s): %w", EnvURL, redact(raw), err)
		}
		return &server{admin: pool, base: base}, nil
	}

	c, err := startCluster(ctx)
	if err != nil {
		return nil, err
	}
	adminURL := (&url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword("postgres", c.superPassword),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/postgres",
		RawQuery: "sslmode=disable",
	}).String()
	pool, err := openAdmin(ctx, adminURL)
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("connect to the private cluster: %w%s", err, c.logTail())
	}
	const role = "fairline"
	password := randomHex(12)
	_, err = pool.Exec(ctx, "CREATE ROLE "+pgx.Identifier{role}.Sanitize()+" LOGIN PASSWORD '"+password+"'")
	if err != nil {
		pool.Close()
		c.stop()
		return nil, fmt.Errorf("create role %s: %w", role, err)
	}
	base := &url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(role, password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		RawQuery: "sslmode=disable",
	}
	s := &server{admin: pool, base: base, owner: role, cluster: c}
	var version int
	if err := pool.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err == nil && version >= 150000 {
		s.createSuffix = " STRATEGY FILE_COPY"
	}
	return s, nil
}

func openAdmin(ctx context.Context, connString string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = 4
	cfg.MinConns = 0
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// shutdown closes the admin pool and stops and removes the private cluster.
func (s *server) shutdown() error {
	s.admin.Close()
	if s.cluster != nil {
		return s.cluster.stop()
	}
	return nil
}

// dbName makes a unique, valid database name that hints at the test name.
func dbName(testName string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(testName) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	hint := strings.Trim(b.String(), "_")
	if len(hint) > 32 {
		hint = hint[:32]
	}
	// 63 bytes is the identifier limit: "t_" + 32 + "_" + pid + "_" + seq + "_" + 6 hex.
	return fmt.Sprintf("t_%s_%d_%d_%s", hint, os.Getpid(), dbSeq.Add(1), randomHex(3))
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// redact hides the password of a URL for error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// cluster is a private PostgreSQL cluster in a temporary directory.
type cluster struct {
	dir           string // temporary directory: data/, the socket, pg.log
	binDir        string
	port          int
	superPassword string
	cred          *syscall.Credential // non-nil when the commands run as the postgres user
	watchdog      *shared.Watchdog
}

// findBinDir returns the directory that holds initdb and pg_ctl: the highest
// /usr/lib/postgresql/N/bin, else the directory of initdb on PATH.
func findBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) > pgVersion(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		d := filepath.Dir(p)
		if isExec(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			return d, nil
		}
	}
	return "", errNoBinaries
}

// pgVersion reads N from /usr/lib/postgresql/N/bin ("9.6" sorts as 9.6).
func pgVersion(binDir string) float64 {
	v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	if err != nil {
		return -1
	}
	return v
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

func startCluster(ctx context.Context) (*cluster, error) {
	binDir, err := findBinDir()
	if err != nil {
		return nil, err
	}
	c := &cluster{binDir: binDir, superPassword: randomHex(12)}

	// initdb and postgres refuse to run as root: use the postgres system user.
	var uid, gid int = -1, -1
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, and initdb refuses root, but there is no postgres system user to run it as: %w", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}

	// The socket path must stay short (about 100 bytes), so use /tmp-like dirs.
	c.dir, err = os.MkdirTemp("", "fairline-pgtest-")
	if err != nil {
		return nil, err
	}
	// From here on, the directory (and a server in it) goes away even if this
	// process is killed; fail undoes everything at once.
	c.startWatchdog()
	fail := func(err error) (*cluster, error) {
		c.stopWatchdog()
		os.RemoveAll(c.dir)
		return nil, err
	}
	if c.cred != nil {
		if err := os.Chown(c.dir, uid, gid); err != nil {
			return fail(err)
		}
	}
	pwfile := filepath.Join(c.dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(c.superPassword+"\n"), 0o600); err == nil && c.cred != nil {
		err = os.Chown(pwfile, uid, gid)
	}
	if err != nil {
		return fail(err)
	}

	data := filepath.Join(c.dir, "data")
	out, err := c.run(ctx, "initdb", "-D", data, "-U", "postgres", "--pwfile="+pwfile,
		"--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
	os.Remove(pwfile)
	if err != nil {
		return fail(fmt.Errorf("initdb (%s): %w\n%s", binDir, err, out))
	}

	// Pick a free port; another process can take it before postgres binds, so retry.
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		c.port, err = shared.FreePort()
		if err != nil {
			return fail(err)
		}
		opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB -c max_connections=200", c.port, c.dir)
		out, err = c.run(ctx, "pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(c.dir, "pg.log"), "-w", "-t", "60", "start")
		if err == nil {
			return c, nil
		}
		lastErr = fmt.Errorf("pg_ctl start: %w\n%s%s", err, out, c.logTail())
		if !strings.Contains(c.logTail(), "could not bind") && !strings.Contains(c.logTail(), "in use") {
			break
		}
	}
	return fail(lastErr)
}

// run runs a PostgreSQL program from binDir, as the postgres user when needed.
func (c *cluster) run(ctx context.Context, prog string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, prog), args...)
	cmd.Dir = c.dir // the postgres user must be able to read the working directory
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "TZ=UTC")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	err := cmd.Run()
	return buf.Bytes(), err
}

// startWatchdog starts a small shell loop that stops the cluster (SIGQUIT to
// the postmaster is an immediate shutdown) and removes its directory if this
// test binary dies without calling Main's shutdown, for example when go test
// kills it after -timeout. It runs as the current user, who can signal both
// this process and the postmaster. It is best effort.
func (c *cluster) startWatchdog() {
	c.watchdog = shared.StartWatchdog("pgtest-watchdog", c.dir, `pid=$(head -n 1 "$2/data/postmaster.pid" 2>/dev/null) || pid=
if [ -n "$pid" ]; then
	kill -QUIT "$pid" 2>/dev/null
	i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
fi`)
}

// stopWatchdog ends the watchdog without cleanup.
func (c *cluster) stopWatchdog() { c.watchdog.Stop() }

// stop stops the cluster at once and removes its directory.
func (c *cluster) stop() error {
	c.stopWatchdog()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := c.run(ctx, "pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "-w", "stop")
	if err != nil {
		err = fmt.Errorf("pg_ctl stop: %w\n%s", err, out)
	}
	if rerr := os.RemoveAll(c.dir); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

// logTail returns the end of the server log, for error messages.
func (c *cluster) logTail() string {
	b, err := os.ReadFile(filepath.Join(c.dir, "pg.log"))
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "\nserver log:\n" + string(b)
}
