// Package oidctest runs a real OpenID Connect provider for tests: the
// protocol is zitadel/oidc's op package (discovery, authorization with
// PKCE, token endpoint, JWKS, end session), not a hand-written imitation;
// this package only supplies what op leaves to its user: an in-memory
// store of clients, users, requests and keys, and a login page. Users
// carry Entra ID's claims (tid, oid, groups, roles) so tests exercise what
// Microsoft sends, and knobs make the provider misbehave the ways a real
// one can (wrong audience, expired token, a key it does not publish, key
// rotation).
package oidctest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/oauth2"
)

// User is a person the provider can sign in.
type User struct {
	ObjectID string // oid; also the token's sub
	TenantID string // tid
	Email    string
	Name     string
	Groups   []string
	Roles    []string
}

// Provider is a running provider.
type Provider struct {
	URL          string // issuer
	ClientID     string
	ClientSecret string

	srv *httptest.Server
	op  *op.Provider
	st  *storage
}

// Start runs a provider on a loopback port with one confidential client
// whose redirect URIs are given, and stops it when the test ends.
func Start(t interface {
	Helper()
	Cleanup(func())
	Fatal(...any)
}, redirectURIs ...string) *Provider {
	t.Helper()
	main := &client{id: "fairline-test", secret: "test-secret-" + randomID(), redirects: redirectURIs, lifetime: 5 * time.Minute}
	other := &client{id: OtherClientID, secret: "other-secret-" + randomID(), redirects: redirectURIs, lifetime: 5 * time.Minute}
	st := &storage{requests: map[string]*authRequest{}, codes: map[string]string{}, users: map[string]User{},
		clients: map[string]*client{main.id: main, other.id: other}}
	if err := st.rotate(); err != nil {
		t.Fatal(err)
	}
	p := &Provider{ClientID: main.id, ClientSecret: main.secret, st: st}
	var handler http.Handler
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(p.srv.Close)
	p.URL = p.srv.URL
	var key [32]byte
	rand.Read(key[:])
	o, err := op.NewProvider(&op.Config{CryptoKey: key, CodeMethodS256: true, AuthMethodPost: true,
		DefaultLogoutRedirectURI: "/signed-out"}, st, op.StaticIssuer(p.URL), op.WithAllowInsecure())
	if err != nil {
		t.Fatal(err)
	}
	p.op = o
	mux := http.NewServeMux()
	mux.Handle("/login", op.NewIssuerInterceptor(o.IssuerFromRequest).Handler(http.HandlerFunc(p.login)))
	mux.HandleFunc("/signed-out", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("signed out")) })
	mux.Handle("/", o)
	handler = mux
	return p
}

// AddUser adds or replaces a user (a changed group takes effect at the
// next sign-in, as in Entra).
func (p *Provider) AddUser(u User) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	p.st.users[u.ObjectID] = u
}

// RotateKey makes a new signing key current and publishes only it, as a
// provider does once the old key is retired.
func (p *Provider) RotateKey() error { return p.st.rotate() }

// SignWithUnpublishedKey makes tokens signed by a key the JWKS does not
// contain (a forged or corrupted signature, as far as clients can tell).
func (p *Provider) SignWithUnpublishedKey(on bool) error {
	k, err := newKey()
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	if on {
		p.st.rogue = k
	} else {
		p.st.rogue = nil
	}
	return err
}

// OtherClientID is a second application registered at the provider, whose
// tokens must not be accepted by the first.
const OtherClientID = "other-app"

// IDTokenForOtherApp runs a whole sign-in of user oid for the other
// application and returns the ID token the provider issued to it: a
// genuine token, correctly signed, for the wrong audience.
func (p *Provider) IDTokenForOtherApp(ctx context.Context, redirectURI, oid string) (string, error) {
	p.st.mu.Lock()
	c := p.st.clients[OtherClientID]
	p.st.mu.Unlock()
	cfg := oauth2.Config{ClientID: c.id, ClientSecret: c.secret, RedirectURL: redirectURI, Scopes: []string{"openid", "profile", "email"},
		Endpoint: oauth2.Endpoint{AuthURL: p.op.AuthorizationEndpoint().Absolute(p.URL), TokenURL: p.op.TokenEndpoint().Absolute(p.URL)}}
	back, err := p.Authorize(cfg.AuthCodeURL("state-"+randomID(), oauth2.SetAuthURLParam("nonce", randomID())), oid)
	if err != nil {
		return "", err
	}
	tok, err := cfg.Exchange(ctx, back.Query().Get("code"))
	if err != nil {
		return "", err
	}
	raw, _ := tok.Extra("id_token").(string)
	return raw, nil
}

// SetTokenLifetime sets how long ID tokens last; negative issues tokens
// that have already expired.
func (p *Provider) SetTokenLifetime(d time.Duration) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	for _, c := range p.st.clients {
		c.lifetime = d
	}
}

var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in - test identity provider</title></head>
<body><main><h1>Sign in</h1>
<form method="post" action="/login">
<input type="hidden" name="id" value="{{.ID}}">
<label for="user">Account</label>
<select id="user" name="user">{{range .Users}}<option value="{{.ObjectID}}">{{.Email}}</option>{{end}}</select>
<button type="submit" id="signin">Sign in</button>
</form></main></body></html>`))

// login is the provider's own sign-in page: pick an account (a real
// provider asks for a password and a second factor; the protocol after it
// is the same).
func (p *Provider) login(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		p.st.mu.Lock()
		var users []User
		for _, u := range p.st.users {
			users = append(users, u)
		}
		p.st.mu.Unlock()
		slices.SortFunc(users, func(a, b User) int { return cmpString(a.Email, b.Email) })
		loginPage.Execute(w, struct {
			ID    string
			Users []User
		}{r.URL.Query().Get("authRequestID"), users})
		return
	}
	id, user := r.FormValue("id"), r.FormValue("user")
	if err := p.st.complete(id, user); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, op.AuthCallbackURL(p.op)(r.Context(), id), http.StatusFound)
}

// LoginPath is the provider's sign-in page path, where a browser lands.
const LoginPath = "/login"

// Complete signs user in on the auth request id, as the login form does.
func (p *Provider) Complete(id, user string) error { return p.st.complete(id, user) }

// CallbackURL is where the login form sends the browser for request id.
func (p *Provider) CallbackURL(id string) string {
	return p.URL + "/authorize/callback?id=" + id
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func randomID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

var errNotFound = errors.New("not found")

type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func newKey() (*signingKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return &signingKey{id: randomID(), key: k}, nil
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

type publicKey struct{ *signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

// Authorize plays the browser: it follows authURL (a client's
// authorization request) to the provider's sign-in page, signs in as the
// user with object id oid, and returns the URL the provider redirects back
// to (the client's redirect URI with code and state), without following it.
func (p *Provider) Authorize(authURL, oid string) (*url.URL, error) {
	hc := &http.Client{CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if r.URL.Host != p.srv.Listener.Addr().String() {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	res, err := hc.Get(authURL)
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.Path != LoginPath {
		return nil, fmt.Errorf("oidctest: authorization request ended at %s with %s", res.Request.URL, res.Status)
	}
	id := res.Request.URL.Query().Get("authRequestID")
	res, err = hc.PostForm(p.URL+LoginPath, url.Values{"id": {id}, "user": {oid}})
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	loc, err := res.Location()
	if err != nil {
		return nil, fmt.Errorf("oidctest: sign-in ended with %s, not a redirect to the client", res.Status)
	}
	return loc, nil
}
