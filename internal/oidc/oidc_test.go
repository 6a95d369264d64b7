package oidc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/oidc"
	"github.com/fairline/fairline/internal/oidc/oidctest"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
	"github.com/fairline/fairline/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const (
	tenant   = "11111111-2222-3333-4444-555555555555"
	leaders  = "group-team-leaders-asc"
	agents   = "group-agents"
	admins   = "group-fairline-admins"
	callback = "http://fairline.test/auth/oidc/callback"
)

var mapping = oidc.Mapping{Claim: "groups", Rules: []oidc.Rule{
	{Value: admins, Role: "administrator"},
	{Value: leaders, Role: "team_leader", ServiceAreas: []string{"adult-social-care"}},
	{Value: agents, Role: "agent"},
}}

type env struct {
	p    *oidctest.Provider
	c    *oidc.Client
	a    *auth.Service
	db   *store.DB
	log  *audit.Log
	now  time.Time
	user oidctest.User
	swap *swapper
}

// swapper stands between Fairline and the provider's token endpoint and,
// when armed, replaces the ID token in its answer: how a token issued to
// another application would reach Fairline.
type swapper struct {
	mu      sync.Mutex
	idToken string
}

func (s *swapper) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(r)
	s.mu.Lock()
	tok := s.idToken
	s.mu.Unlock()
	if err != nil || tok == "" || !strings.HasSuffix(r.URL.Path, "/token") {
		return res, err
	}
	var body map[string]any
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		return nil, err
	}
	res.Body.Close()
	body["id_token"] = tok
	b, _ := json.Marshal(body)
	res.Body, res.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	res.Header.Del("Content-Length")
	return res, nil
}

func (s *swapper) set(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.idToken = tok
}

func setup(t *testing.T, db *store.DB) *env {
	p := oidctest.Start(t, callback)
	e := &env{p: p, db: db, now: time.Now(), swap: &swapper{}}
	e.log = audit.New(db, []byte("0123456789abcdef0123456789abcdef"))
	e.a = auth.NewService(db, e.log, auth.Options{ThrottleKey: []byte("throttle"),
		Params:    auth.Params{Memory: 1024, Time: 1, Threads: 1},
		KnownArea: func(a string) bool { return a == "adult-social-care" || a == "trading-standards" }})
	e.c = oidc.New(oidc.Config{Issuer: p.URL, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		TenantID: tenant, RedirectURL: callback, Mapping: mapping, Now: func() time.Time { return e.now },
		HTTPClient: &http.Client{Transport: e.swap}}, db, e.a)
	e.user = oidctest.User{ObjectID: "0f0e0d0c-aaaa-bbbb-cccc-000000000001", TenantID: tenant,
		Email: "ann.leader@example-council.gov.uk", Name: "Ann Leader", Groups: []string{"some-other-group", leaders}}
	p.AddUser(e.user)
	return e
}

// signIn runs the whole flow for oid and returns Finish's answer.
func (e *env) signIn(t *testing.T, oid string) (*oidc.Result, error) {
	t.Helper()
	ctx := context.Background()
	u, err := e.c.Begin(ctx, "/recordings")
	if err != nil {
		t.Fatal(err)
	}
	back, err := e.p.Authorize(u, oid)
	if err != nil {
		t.Fatal(err)
	}
	q := back.Query()
	return e.c.Finish(ctx, q.Get("state"), q.Get("code"), q.Get("error"))
}

func TestSignIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		res, err := e.signIn(t, e.user.ObjectID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Next != "/recordings" || res.Principal.Role != auth.TeamLeader ||
			!slices.Equal(res.Principal.ServiceAreas, []string{"adult-social-care"}) || res.Principal.Email != e.user.Email {
			t.Fatalf("signed in as %+v, next %q", res.Principal, res.Next)
		}
		p, err := e.a.Authenticate(context.Background(), res.Token)
		if err != nil || p.UserID != res.Principal.UserID {
			t.Fatalf("session does not authenticate: %v", err)
		}
		u, _ := e.a.User(context.Background(), p.UserID)
		if u.AuthProvider != oidc.Provider || u.Subject != e.user.ObjectID || u.PasswordHash != "" {
			t.Errorf("account %+v: want provider oidc, subject the oid, no password", u)
		}
		// The same person signs in again: the same account, no new one.
		res2, err := e.signIn(t, e.user.ObjectID)
		if err != nil || res2.Principal.UserID != res.Principal.UserID {
			t.Fatalf("second sign-in: %v, user %v", err, res2)
		}
		if n := countAudit(t, e, "user.create"); n != 1 {
			t.Errorf("%d user.create entries, want 1 (just-in-time provisioning once)", n)
		}
		if e.c.EndSessionURL(context.Background(), "http://fairline.test/") == "" {
			t.Error("no end-session endpoint from discovery")
		}
	})
}

func countAudit(t *testing.T, e *env, action string) int {
	t.Helper()
	es, err := e.log.Entries(context.Background(), audit.Filter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

// Each refusal runs the real flow against a provider made to misbehave.
func TestRefusals(t *testing.T) {
	db := dbtest.Open(t, store.SQLite)
	cases := []struct {
		name    string
		arrange func(e *env) string // returns the oid to sign in as
		undo    func(e *env)
		want    error
		detail  string // what the log line says went wrong
	}{
		{"wrong audience", func(e *env) string {
			tok, err := e.p.IDTokenForOtherApp(context.Background(), callback, e.user.ObjectID)
			if err != nil {
				t.Fatal(err)
			}
			e.swap.set(tok)
			return e.user.ObjectID
		}, func(e *env) { e.swap.set("") }, oidc.ErrToken, "expected audience"},
		{"expired token", func(e *env) string { e.p.SetTokenLifetime(-time.Minute); return e.user.ObjectID },
			func(e *env) { e.p.SetTokenLifetime(5 * time.Minute) }, oidc.ErrToken, "expired"},
		{"token outlived by our clock", func(e *env) string { e.now = time.Now().Add(time.Hour); return e.user.ObjectID },
			func(e *env) { e.now = time.Now() }, oidc.ErrToken, "expired"},
		{"bad signature", func(e *env) string { e.p.SignWithUnpublishedKey(true); return e.user.ObjectID },
			func(e *env) { e.p.SignWithUnpublishedKey(false) }, oidc.ErrToken, "signature"},
		{"wrong tenant", func(e *env) string {
			u := e.user
			u.ObjectID, u.TenantID = "other-tenant-user", "99999999-0000-0000-0000-000000000000"
			e.p.AddUser(u)
			return u.ObjectID
		}, func(*env) {}, oidc.ErrTenant, ""},
		{"unmapped user", func(e *env) string {
			u := e.user
			u.ObjectID, u.Email, u.Groups = "no-group-user", "bob@example-council.gov.uk", []string{"some-other-group"}
			e.p.AddUser(u)
			return u.ObjectID
		}, func(*env) {}, oidc.ErrUnmapped, ""},
	}
	e := setup(t, db)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			oid := tc.arrange(e)
			defer tc.undo(e)
			before := countUsers(t, e)
			_, err := e.signIn(t, oid)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("error %q does not say %q", err, tc.detail)
			}
			if countUsers(t, e) != before {
				t.Error("a refused sign-in created an account")
			}
		})
	}
	// After the refusals the provider behaves again and sign-in works.
	if _, err := e.signIn(t, e.user.ObjectID); err != nil {
		t.Fatalf("sign-in after refusals: %v", err)
	}
}

func countUsers(t *testing.T, e *env) int {
	us, err := e.a.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(us)
}

func TestReplayedState(t *testing.T) {
	e := setup(t, dbtest.Open(t, store.SQLite))
	ctx := context.Background()
	u, err := e.c.Begin(ctx, "/")
	if err != nil {
		t.Fatal(err)
	}
	back, err := e.p.Authorize(u, e.user.ObjectID)
	if err != nil {
		t.Fatal(err)
	}
	q := back.Query()
	if _, err := e.c.Finish(ctx, q.Get("state"), q.Get("code"), ""); err != nil {
		t.Fatal(err)
	}
	// A second client on another instance shares the database: the state
	// is gone for it too.
	other := oidc.New(oidc.Config{Issuer: e.p.URL, ClientID: e.p.ClientID, ClientSecret: e.p.ClientSecret,
		TenantID: tenant, RedirectURL: callback, Mapping: mapping}, e.db, e.a)
	for name, c := range map[string]*oidc.Client{"same instance": e.c, "other instance": other} {
		if _, err := c.Finish(ctx, q.Get("state"), q.Get("code"), ""); !errors.Is(err, oidc.ErrState) {
			t.Errorf("%s: replayed state gave %v, want ErrState", name, err)
		}
	}
	for _, state := range []string{"", "never-issued"} {
		if _, err := e.c.Finish(ctx, state, q.Get("code"), ""); !errors.Is(err, oidc.ErrState) {
			t.Errorf("state %q gave %v, want ErrState", state, err)
		}
	}
	// A state past StateTTL is refused.
	u, _ = e.c.Begin(ctx, "/")
	back, err = e.p.Authorize(u, e.user.ObjectID)
	if err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(oidc.StateTTL + time.Second)
	if _, err := e.c.Finish(ctx, back.Query().Get("state"), back.Query().Get("code"), ""); !errors.Is(err, oidc.ErrState) {
		t.Errorf("expired state gave %v, want ErrState", err)
	}
}

func TestGroupChangeBetweenSignIns(t *testing.T) {
	e := setup(t, dbtest.Open(t, store.SQLite))
	first, err := e.signIn(t, e.user.ObjectID)
	if err != nil {
		t.Fatal(err)
	}
	// IT moves Ann from team leaders to agents in Entra.
	u := e.user
	u.Groups = []string{agents}
	e.p.AddUser(u)
	second, err := e.signIn(t, u.ObjectID)
	if err != nil {
		t.Fatal(err)
	}
	if second.Principal.UserID != first.Principal.UserID || second.Principal.Role != auth.Agent || len(second.Principal.ServiceAreas) != 0 {
		t.Fatalf("after the group change: %+v", second.Principal)
	}
	if _, err := e.a.Authenticate(context.Background(), first.Token); err == nil {
		t.Error("the session from before the role change still works")
	}
	if n := countAudit(t, e, "user.update"); n != 1 {
		t.Errorf("%d user.update entries, want 1", n)
	}
	// Removed from every group: refused, and the refusal is audited.
	u.Groups = nil
	e.p.AddUser(u)
	if _, err := e.signIn(t, u.ObjectID); !errors.Is(err, oidc.ErrUnmapped) {
		t.Fatalf("user in no group: %v", err)
	}
}

func TestKeyRotation(t *testing.T) {
	e := setup(t, dbtest.Open(t, store.SQLite))
	if _, err := e.signIn(t, e.user.ObjectID); err != nil {
		t.Fatal(err)
	}
	// The provider retires its key: the client holds the old one cached
	// and must fetch the new JWKS when a token names an unknown key.
	if err := e.p.RotateKey(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.signIn(t, e.user.ObjectID); err != nil {
		t.Fatalf("sign-in after key rotation: %v", err)
	}
}

func TestDisabledAccountRefused(t *testing.T) {
	e := setup(t, dbtest.Open(t, store.SQLite))
	res, err := e.signIn(t, e.user.ObjectID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.a.UpdateUser(context.Background(), "user:999", res.Principal.UserID, "team_leader", []string{"adult-social-care"}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.signIn(t, e.user.ObjectID); !errors.Is(err, auth.ErrAccountDisabled) {
		t.Fatalf("disabled account: %v", err)
	}
}

func TestMapping(t *testing.T) {
	cases := []struct {
		name   string
		values []string
		role   string
		areas  []string
		ok     bool
	}{
		{"none", nil, "", nil, false},
		{"unknown group", []string{"x"}, "", nil, false},
		{"first rule wins", []string{agents, admins}, "administrator", nil, true},
		{"areas gathered", []string{"ts", leaders}, "team_leader", []string{"adult-social-care", "trading-standards"}, true},
	}
	m := mapping
	m.Rules = append(m.Rules, oidc.Rule{Value: "ts", Role: "team_leader", ServiceAreas: []string{"trading-standards"}})
	for _, tc := range cases {
		role, areas, ok := m.Resolve(tc.values)
		if role != tc.role || !slices.Equal(areas, tc.areas) || ok != tc.ok {
			t.Errorf("%s: got %q %v %v", tc.name, role, areas, ok)
		}
	}
	for _, bad := range []string{"", "claim: upn\nrules: [{value: a, role: agent}]", "rules: [{value: a}]", "rulez: []"} {
		if _, err := oidc.ParseMapping([]byte(bad)); err == nil {
			t.Errorf("mapping %q accepted", bad)
		}
	}
	if m, err := oidc.ParseMapping([]byte("rules: [{value: a, role: agent}]")); err != nil || m.Claim != "groups" {
		t.Errorf("minimal mapping: %v %+v", err, m)
	}
}

// An address that belongs to a password account is not taken over by a
// provider identity: the administrator decides.
func TestPasswordAccountNotTakenOver(t *testing.T) {
	e := setup(t, dbtest.Open(t, store.SQLite))
	if _, _, err := e.a.CreateUser(context.Background(), "system", auth.NewUser{Email: e.user.Email, Role: "administrator",
		Password: "a long enough passphrase"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.signIn(t, e.user.ObjectID); !errors.Is(err, auth.ErrProviderAccount) {
		t.Fatalf("got %v, want ErrProviderAccount", err)
	}
}

// BenchmarkSignIn is one whole sign-in against the local provider: Begin
// (state row), the provider's authorization and login, the code exchange,
// ID-token verification (RS256) and the session. The provider's share
// (its page, RSA signing) is in the figure; Fairline's is the rest.
func BenchmarkSignIn(b *testing.B) {
	db := dbtest.Open(b, store.SQLite)
	p := oidctest.Start(b, callback)
	l := audit.New(db, []byte("0123456789abcdef0123456789abcdef"))
	a := auth.NewService(db, l, auth.Options{ThrottleKey: []byte("throttle"), Params: auth.Params{Memory: 1024, Time: 1, Threads: 1},
		KnownArea: func(string) bool { return true }})
	c := oidc.New(oidc.Config{Issuer: p.URL, ClientID: p.ClientID, ClientSecret: p.ClientSecret, TenantID: tenant,
		RedirectURL: callback, Mapping: mapping}, db, a)
	p.AddUser(oidctest.User{ObjectID: "oid-bench", TenantID: tenant, Email: "bench@example-council.gov.uk", Groups: []string{agents}})
	ctx := context.Background()
	for b.Loop() {
		u, err := c.Begin(ctx, "/")
		if err != nil {
			b.Fatal(err)
		}
		back, err := p.Authorize(u, "oid-bench")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Finish(ctx, back.Query().Get("state"), back.Query().Get("code"), ""); err != nil {
			b.Fatal(err)
		}
	}
}
