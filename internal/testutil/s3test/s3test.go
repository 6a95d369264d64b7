// Package s3test gives each test a fresh bucket on a real S3-compatible server.
//
// Use it from a package's tests like this:
//
//	func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		b := s3test.Bucket(t) // endpoint, region, credentials and a new empty bucket
//		...
//	}
//
// If the environment variable FAIRLINE_TEST_S3 holds a URL of the form
//
//	http://ACCESS_KEY:SECRET@127.0.0.1:9000/?region=eu-west-2
//
// (https too; region defaults to us-east-1), that server is used, path-style, and must let the
// credentials create and delete buckets. Otherwise the first call of Bucket starts a private
// versitygw (https://github.com/versity/versitygw, Apache-2.0) with its POSIX backend in a
// temporary directory, on a free port of 127.0.0.1 with region eu-west-2, shared by all tests of
// the test binary and stopped (and its directory removed) when Main returns. The binary is looked
// for on PATH and in $(go env GOPATH)/bin; scripts/test-deps.sh installs it with
// `go install github.com/versity/versitygw/cmd/versitygw@v1.8.0`. When it is missing, Bucket
// skips the test under -short and fails it otherwise.
//
// versitygw keeps object metadata in user extended attributes; where the temporary directory's
// file system has none, it is started with a sidecar metadata directory instead. A watchdog
// process stops the server and removes its directory if the test binary dies without Main
// returning (for example after go test -timeout).
package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/fairline/fairline/internal/testutil/shared"
)

// EnvURL is the environment variable that names an existing server to use instead of a
// private versitygw.
const EnvURL = "FAIRLINE_TEST_S3"

// Region is the region of the private server.
const Region = "eu-west-2"

// Binary is the server program looked for on PATH and in GOPATH/bin.
const Binary = "versitygw"

var errNoBinary = errors.New(Binary + " not found on PATH or in $(go env GOPATH)/bin; run `make test` or scripts/test-deps.sh, which install it (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0), or set " + EnvURL)

// Server is how to reach the S3 server. Address it path-style.
type Server struct {
	Endpoint        string // http://127.0.0.1:PORT
	Region          string
	AccessKeyID     string
	SecretAccessKey string
}

// Target is a server and a bucket created for one test.
type Target struct {
	Server
	Bucket string
}

// Client returns an S3 client for the server (path-style, static credentials).
func (s Server) Client() *s3.Client {
	return s3.New(s3.Options{
		Region:       s.Region,
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKeyID, s.SecretAccessKey, ""),
	})
}

// running is the server in use and, when it is a private one, its process.
type running struct {
	srv  *Server
	proc *process // nil for a server named by EnvURL
}

var (
	srv       = shared.New("s3test", errNoBinary, start, running.stop)
	bucketSeq atomic.Int64
)

// Main runs the tests and then stops the private server, if one was started.
// Use it as: func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }.
func Main(m *testing.M) int { return srv.Main(m) }

// Get returns the shared server, starting it on first use. It skips or fails tb when no server
// can be had.
func Get(tb testing.TB) Server {
	tb.Helper()
	return *srv.Get(tb).srv
}

// Bucket creates a new, empty bucket and returns it with the server. The bucket and everything
// in it are deleted when the test and its subtests have finished.
func Bucket(tb testing.TB) Target {
	tb.Helper()
	s := Get(tb)
	name := bucketName(tb.Name())
	c := s.Client()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name}); err != nil {
		tb.Fatalf("s3test: create bucket %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := emptyAndDelete(ctx, c, name); err != nil {
			tb.Errorf("s3test: delete bucket %s: %v", name, err)
		}
	})
	return Target{Server: s, Bucket: name}
}

func emptyAndDelete(ctx context.Context, c *s3.Client, bucket string) error {
	uploads, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &bucket})
	if err == nil {
		for _, u := range uploads.Uploads {
			c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &bucket, Key: u.Key, UploadId: u.UploadId}) //nolint:errcheck
		}
	}
	pages := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: &bucket})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, o := range page.Contents {
			if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: o.Key}); err != nil {
				return err
			}
		}
	}
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket})
	return err
}

// IncompleteUploads counts the multipart uploads in progress in a bucket, so tests can check
// that failed uploads were aborted.
func IncompleteUploads(tb testing.TB, t Target) int {
	tb.Helper()
	out, err := t.Client().ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: &t.Bucket})
	if err != nil {
		tb.Fatalf("s3test: list multipart uploads: %v", err)
	}
	return len(out.Uploads)
}

// bucketName makes a unique, valid bucket name (3-63 lower-case letters, digits and '-') that
// hints at the test name.
func bucketName(testName string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(testName) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	hint := strings.Trim(b.String(), "-")
	for strings.Contains(hint, "--") {
		hint = strings.ReplaceAll(hint, "--", "-")
	}
	if len(hint) > 30 {
		hint = strings.TrimRight(hint[:30], "-")
	}
	if hint == "" {
		hint = "test"
	}
	return fmt.Sprintf("t-%s-%d-%d-%s", hint, os.Getpid()%100000, bucketSeq.Add(1), randomHex(3))
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func start() (running, error) {
	if raw := os.Getenv(EnvURL); raw != "" {
		s, err := parseEnvURL(raw)
		return running{srv: s}, err
	}
	bin, err := findBinary()
	if err != nil {
		return running{}, err
	}
	s, p, err := startServer(bin, false)
	return running{s, p}, err
}

// parseEnvURL reads FAIRLINE_TEST_S3; errors never show the secret.
func parseEnvURL(raw string) (*Server, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s must be an http(s)://KEY:SECRET@HOST:PORT/?region=R URL", EnvURL)
	}
	secret, ok := u.User.Password()
	if u.User == nil || u.User.Username() == "" || !ok || secret == "" {
		return nil, fmt.Errorf("%s must carry the access key and secret as user:password (%s)", EnvURL, u.Redacted())
	}
	region := u.Query().Get("region")
	if region == "" {
		region = "us-east-1"
	}
	return &Server{
		Endpoint:        u.Scheme + "://" + u.Host,
		Region:          region,
		AccessKeyID:     u.User.Username(),
		SecretAccessKey: secret,
	}, nil
}

// findBinary looks for versitygw on PATH, then in GOPATH/bin (where go install puts it, often
// not on PATH).
func findBinary() (string, error) {
	if p, err := exec.LookPath(Binary); err == nil {
		return p, nil
	}
	var dirs []string
	if gobin := os.Getenv("GOBIN"); gobin != "" {
		dirs = append(dirs, gobin)
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = strings.TrimSpace(string(out))
		}
	}
	if gopath == "" {
		if home, err := os.UserHomeDir(); err == nil {
			gopath = filepath.Join(home, "go")
		}
	}
	for _, p := range filepath.SplitList(gopath) {
		dirs = append(dirs, filepath.Join(p, "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, Binary)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errNoBinary
}

// process is the private server.
type process struct {
	dir      string
	cmd      *exec.Cmd
	done     chan struct{} // closed when cmd has exited
	log      *bytes.Buffer
	logMu    *sync.Mutex
	watchdog *shared.Watchdog
}

// startServer starts versitygw. Its metadata goes to a sidecar directory when sidecar is set
// or when the temporary directory has no user xattrs.
func startServer(bin string, sidecar bool) (*Server, *process, error) {
	dir, err := os.MkdirTemp("", "fairline-s3test-")
	if err != nil {
		return nil, nil, err
	}
	p := &process{dir: dir, log: &bytes.Buffer{}, logMu: &sync.Mutex{}}
	p.startWatchdog()
	fail := func(err error) (*Server, *process, error) {
		p.stopWatchdog()
		os.RemoveAll(dir)
		return nil, nil, err
	}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		return fail(err)
	}
	backend := []string{"posix"}
	if sidecar || !xattrsWork(data) {
		meta := filepath.Join(dir, "meta")
		if err := os.Mkdir(meta, 0o700); err != nil {
			return fail(err)
		}
		backend = append(backend, "--sidecar", meta)
	}
	backend = append(backend, data)

	s := &Server{Region: Region, AccessKeyID: "fairline" + randomHex(4), SecretAccessKey: randomHex(16)}
	// Another process can take the free port before the server binds it: retry a few times.
	var lastErr error
	for range 5 {
		port, err := shared.FreePort()
		if err != nil {
			return fail(err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		args := append([]string{"--port", addr, "--access", s.AccessKeyID, "--secret", s.SecretAccessKey, "--region", Region}, backend...)
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		// The credentials are on the command line of a private, loopback-only test server; the
		// environment is cleared of ROOT_* variables that would override them.
		cmd.Env = filterEnv(os.Environ(), "ROOT_ACCESS_KEY", "ROOT_SECRET_KEY", "ROOT_ACCESS_KEY_ID", "ROOT_SECRET_ACCESS_KEY", "VGW_")
		w := &lockedWriter{buf: p.log, mu: p.logMu}
		cmd.Stdout, cmd.Stderr = w, w
		if err := cmd.Start(); err != nil {
			return fail(fmt.Errorf("start %s: %w", bin, err))
		}
		p.cmd = cmd
		p.done = make(chan struct{})
		go func() { cmd.Wait(); close(p.done) }() //nolint:errcheck // exit status is reported through the log
		p.writePID()
		s.Endpoint = "http://" + addr
		err = waitReady(s.Endpoint, p.done, 30*time.Second)
		if err == nil {
			return s, p, nil
		}
		lastErr = fmt.Errorf("%s did not become ready: %w%s", Binary, err, p.logTail())
		p.kill()
		if !strings.Contains(p.logTail(), "address already in use") {
			break
		}
	}
	return fail(lastErr)
}

// xattrsWork reports whether dir's file system stores user extended attributes.
func xattrsWork(dir string) bool {
	err := syscall.Setxattr(dir, "user.fairline-s3test", []byte("1"), 0)
	if err != nil {
		return false
	}
	syscall.Removexattr(dir, "user.fairline-s3test") //nolint:errcheck
	return true
}

// waitReady polls the endpoint until it answers HTTP (any status: an unsigned request is
// refused with 403, which still proves the server is serving).
func waitReady(endpoint string, done <-chan struct{}, timeout time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-done:
			return errors.New("the server exited")
		default:
		}
		resp, err := client.Get(endpoint + "/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func filterEnv(env []string, drop ...string) []string {
	var out []string
next:
	for _, kv := range env {
		for _, d := range drop {
			if strings.HasPrefix(kv, d) {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}

type lockedWriter struct {
	buf *bytes.Buffer
	mu  *sync.Mutex
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf.Len() > 1<<20 { // keep the tail bounded
		w.buf.Reset()
	}
	return w.buf.Write(p)
}

func (p *process) logTail() string {
	p.logMu.Lock()
	defer p.logMu.Unlock()
	b := p.log.Bytes()
	if len(b) == 0 {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "\nserver log:\n" + string(b)
}

// writePID records the server's pid for the watchdog.
func (p *process) writePID() {
	os.WriteFile(filepath.Join(p.dir, "server.pid"), []byte(strconv.Itoa(p.cmd.Process.Pid)), 0o600) //nolint:errcheck
}

func (p *process) kill() {
	if p.cmd != nil && p.cmd.Process != nil {
		p.cmd.Process.Kill() //nolint:errcheck
		<-p.done
	}
}

// startWatchdog starts a small shell loop that kills the server and removes its directory if
// this test binary dies without calling Main's shutdown. It runs in its own process group, with
// no stdio (go test waits for the test binary's pipes to close).
func (p *process) startWatchdog() {
	p.watchdog = shared.StartWatchdog("s3test-watchdog", p.dir, `pid=$(cat "$2/server.pid" 2>/dev/null) || pid=
[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null`)
}

func (p *process) stopWatchdog() { p.watchdog.Stop() }

// stop stops the private server, if it is one, and removes its directory.
func (r running) stop() error {
	if r.proc != nil {
		return r.proc.stop()
	}
	return nil
}

func (p *process) stop() error {
	p.stopWatchdog()
	if p.cmd.Process != nil {
		p.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			p.kill()
		}
	}
	return os.RemoveAll(p.dir)
}
