package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/api"
	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/clientaddr"
	"github.com/fairline/fairline/internal/config"
	"github.com/fairline/fairline/internal/keys"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/ratelimit"
	"github.com/fairline/fairline/internal/testutil/apptest"
	"github.com/fairline/fairline/internal/testutil/browser"
	"github.com/fairline/fairline/internal/web"
)

func TestMain(m *testing.M) { os.Exit(browser.Main(m)) }

// site is a running Fairline web server on a fresh SQLite database.
type site struct {
	t      *testing.T
	app    *app.App
	web    *web.Server
	api    *api.Server
	srv    *httptest.Server
	logs   *syncBuffer
	setup  *web.Setup
	policy *policy.Policy
	mu     sync.Mutex
	// stopJobs stops the job runner of siteOpts.jobs (idempotent).
	stopJobs func()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type siteOpts struct {
	secure bool
	setup  bool
	// jobs runs the app's job runner under Supervise, as serve does, and has
	// /readyz check it; stopJobs stops it.
	jobs bool
	// cfg adjusts the configuration before the app opens.
	cfg func(*config.Config)
	// trustedProxies is the trusted-proxies setting; chatRate the
	// chat-rate one (zero: the default).
	trustedProxies string
	chatRate       ratelimit.Rate
	// app adjusts the app's options (a survey callback token, a Notify sender).
	app app.Options
	// listener is where the site serves (nil: a fresh loopback port), for settings that
	// must name the site's address before it opens (the OpenID Connect redirect URI).
	listener net.Listener
}

func newSite(t *testing.T, o siteOpts) *site {
	t.Helper()
	dir := t.TempDir()
	cfg := apptest.Config(dir)
	cfg.BaseURL = "http://127.0.0.1"
	// The chatbot's knowledge base takes pages only from the policy's
	// sources: declare the sites the tests import (seedChatKB).
	pol, err := policy.Default().WithSources("test policy", "chatbot",
		policy.Source{Name: "the test council site", URL: "https://www.example-council.gov.uk"},
		policy.Source{Name: "the local test site", URL: "http://localhost"},
		policy.Source{Name: "the local test server", URL: "http://127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Policy = filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(cfg.Policy, pol.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a := apptest.Open(t, cfg, apptest.Options{Log: log, App: o.app})
	s := &site{t: t, app: a, logs: logs, policy: a.Policy()}
	if o.setup {
		s.setup = web.NewSetup()
	}
	proxies, err := clientaddr.ParseTrusted(o.trustedProxies)
	if err != nil {
		t.Fatal(err)
	}
	if o.chatRate == (ratelimit.Rate{}) {
		o.chatRate = ratelimit.DefaultChatRate
	}
	// One limiter for the API and /ask, as serve wires them.
	lim := ratelimit.New(o.chatRate, ratelimit.Options{})
	s.api, err = api.New(api.Deps{Auth: a.Auth, Audit: a.Audit, Policy: s.currentPolicy, Logger: log, Recordings: a.Recordings, Chat: a.Chat,
		ChatLimiter: lim, Surveys: a.Surveys})
	if err != nil {
		t.Fatal(err)
	}
	deps := web.Deps{API: s.api, Recordings: a.Recordings, Rights: a.Rights, Surveys: a.Surveys, Quality: a.Quality, Chat: a.Chat, KB: a.KB, Auth: a.Auth, OIDC: a.OIDC, Audit: a.Audit, Policy: s.currentPolicy,
		CSRFKey: a.Keys.Key(keys.PurposeCSRF), SecureCookies: o.secure, Setup: s.setup, Logger: log, Version: "test",
		StoreLocations: a.StoreLocations, ChatLimiter: lim, TrustedProxies: proxies, CheckWrite: a.DB.CheckWrite, PolicyHistory: a.PolicyHistory,
		Check: a.Check}
	if o.jobs {
		deps.Jobs = a.Jobs
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); a.Jobs.Supervise(ctx) }()
		s.stopJobs = func() { cancel(); <-done }
		t.Cleanup(s.stopJobs)
		if err := a.Jobs.WaitAlive(ctx, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	s.web, err = web.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewUnstartedServer(s.web.Handler())
	if o.listener != nil {
		s.srv.Listener.Close()
		s.srv.Listener = o.listener
	}
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	return s
}

func (s *site) currentPolicy() *policy.Policy {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.policy
}

func (s *site) setPolicy(p *policy.Policy) {
	s.mu.Lock()
	s.policy = p
	s.mu.Unlock()
}

const testPassword = "a long enough passphrase"

// addUser creates an account directly through the auth service.
func (s *site) addUser(email string, role auth.Role, areas ...string) {
	s.t.Helper()
	if _, _, err := s.app.Auth.CreateUser(context.Background(), "system", auth.NewUser{Email: email, Role: string(role),
		ServiceAreas: areas, Password: testPassword}); err != nil {
		s.t.Fatal(err)
	}
}

// client is a browser-like HTTP client with cookies that does not follow
// redirects, so tests see them.
func (s *site) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// get fetches path and returns status, body and the page's CSRF token.
func (s *site) get(c *http.Client, path string) (int, string, string) {
	s.t.Helper()
	resp, err := c.Get(s.srv.URL + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	token := ""
	if m := csrfRe.FindSubmatch(body); m != nil {
		token = string(m[1])
	}
	return resp.StatusCode, string(body), token
}

func (s *site) post(c *http.Client, path string, form url.Values) *http.Response {
	s.t.Helper()
	resp, err := c.PostForm(s.srv.URL+path, form)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func readAll(r *http.Response) string {
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

// signIn signs in through the real form and returns the client.
func (s *site) signIn(email string) *http.Client {
	s.t.Helper()
	c := s.client()
	_, _, token := s.get(c, "/sign-in")
	resp := s.post(c, "/sign-in", url.Values{"csrf_token": {token}, "email": {email}, "password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("sign in %s: status %d: %s", email, resp.StatusCode, readAll(resp))
	}
	return c
}
