// Package oidc signs staff in through an OpenID Connect provider, made
// for Microsoft Entra ID: the authorization-code flow with PKCE, state and
// nonce; discovery from the issuer URL; ID-token checks (issuer, audience,
// expiry, signature by the provider's JWKS, which go-oidc fetches again
// when a token names a key it does not hold, so key rotation needs no
// restart); Entra's tid checked against the configured tenant; oid as the
// account's stable subject; role and service areas from the groups or
// roles claim through a Mapping. Sessions are auth's (StartSession).
//
// Entra ID receives staff data only (who signs in); it is declared as a
// processor in the policy's staff section and checked at start-up.
package oidc

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
	"golang.org/x/oauth2"
)

// Provider is the value of users.auth_provider for accounts that sign in
// through OpenID Connect.
const Provider = "oidc"

// StateTTL is how long a started sign-in may take to come back.
const StateTTL = 10 * time.Minute

// Why a sign-in is refused; the web layer shows each its own page.
var (
	// ErrState: the state is unknown, used already or expired (a replayed
	// or forged callback, or a sign-in left too long).
	ErrState = fail.New(fail.Invalid, "this sign-in link has expired or has been used already; sign in again")
	// ErrToken: the provider's answer failed a check (audience, issuer,
	// expiry, signature, nonce). Details go to the log, not the page.
	ErrToken = fail.New(fail.Forbidden, "Microsoft's answer could not be checked; sign in again, and tell IT if this keeps happening")
	// ErrTenant: the token is from another organisation's directory.
	ErrTenant = fail.New(fail.Forbidden, "this Microsoft account is not one of the council's")
	// ErrUnmapped: the person is in none of the groups that give access.
	ErrUnmapped = fail.New(fail.Forbidden, "your Microsoft account is not in a group that gives access to Fairline; ask your manager or IT to add you")
	// ErrDenied: the provider reported an error (the person cancelled).
	ErrDenied = fail.New(fail.Forbidden, "sign-in with Microsoft did not complete")
)

// Config is what the app registration gives.
type Config struct {
	Issuer       string // https://login.microsoftonline.com/{tenant}/v2.0
	ClientID     string
	ClientSecret string
	TenantID     string // required tid claim; empty: not checked (non-Entra providers)
	RedirectURL  string // {base-url}/auth/oidc/callback
	Mapping      Mapping
	// HTTPClient reaches the provider (nil: http.DefaultClient).
	HTTPClient *http.Client
	// Now is the clock for token expiry (nil: time.Now).
	Now func() time.Time
}

// Client runs sign-ins against one provider.
type Client struct {
	cfg  Config
	db   *store.DB
	auth *auth.Service

	mu       sync.Mutex // guards the discovered provider below
	provider *gooidc.Provider
	verifier *gooidc.IDTokenVerifier
	oauth    oauth2.Config
	endSess  string
}

// New returns a Client; discovery happens on first use (and again after a
// failure), so start-up does not depend on the provider being reachable.
func New(cfg Config, db *store.DB, a *auth.Service) *Client {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Client{cfg: cfg, db: db, auth: a}
}

func (c *Client) ctx(ctx context.Context) context.Context {
	return gooidc.ClientContext(ctx, c.cfg.HTTPClient)
}

func (c *Client) discover(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.provider != nil {
		return nil
	}
	p, err := gooidc.NewProvider(c.ctx(ctx), c.cfg.Issuer)
	if err != nil {
		return fmt.Errorf("oidc: discovery: %w", err)
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := p.Claims(&extra); err != nil {
		return fmt.Errorf("oidc: discovery: %w", err)
	}
	c.provider, c.endSess = p, extra.EndSession
	c.verifier = p.Verifier(&gooidc.Config{ClientID: c.cfg.ClientID, Now: c.cfg.Now})
	c.oauth = oauth2.Config{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: c.cfg.RedirectURL, Scopes: []string{gooidc.ScopeOpenID, "profile", "email"}}
	return nil
}

func random() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func stateHash(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}

// Begin starts a sign-in: it stores the state, nonce and PKCE verifier and
// returns the provider's authorization URL to redirect to. next is the
// local page to return to afterwards (already checked by the caller).
func (c *Client) Begin(ctx context.Context, next string) (string, error) {
	if err := c.discover(ctx); err != nil {
		return "", err
	}
	state, nonce, verifier := random(), random(), oauth2.GenerateVerifier()
	now := c.cfg.Now()
	if err := c.db.Q().CreateOIDCState(ctx, store.OIDCState{StateHash: stateHash(state), Nonce: nonce,
		CodeVerifier: verifier, NextPath: next, CreatedAt: now, ExpiresAt: now.Add(StateTTL)}); err != nil {
		return "", err
	}
	return c.oauth.AuthCodeURL(state, gooidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// Claims are the ID-token claims Fairline reads. Entra puts the tenant in
// tid, the person's immutable object id in oid, and the group object ids
// (or app-role values) in groups (roles).
type Claims struct {
	Nonce             string   `json:"nonce"`
	AuthorizedParty   string   `json:"azp"`
	TenantID          string   `json:"tid"`
	ObjectID          string   `json:"oid"`
	Email             string   `json:"email"`
	PreferredUsername string   `json:"preferred_username"`
	Name              string   `json:"name"`
	Groups            []string `json:"groups"`
	Roles             []string `json:"roles"`
}

// Result is a finished sign-in.
type Result struct {
	Token     string // session cookie token
	Principal *auth.Principal
	Next      string
}

// Finish completes the callback: it consumes the state (once, on any
// instance), exchanges the code with the PKCE verifier, checks the ID
// token and its nonce and tenant, maps the groups and signs the person in.
// errors.Is tells the refusals (ErrState, ErrToken, ErrTenant,
// ErrUnmapped) from faults.
func (c *Client) Finish(ctx context.Context, state, code, providerError string) (*Result, error) {
	if state == "" {
		return nil, ErrState
	}
	st, err := c.db.Q().TakeOIDCState(ctx, stateHash(state), c.cfg.Now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrState
	}
	if err != nil {
		return nil, err
	}
	if providerError != "" || code == "" {
		return nil, ErrDenied
	}
	if err := c.discover(ctx); err != nil {
		return nil, err
	}
	tok, err := c.oauth.Exchange(c.ctx(ctx), code, oauth2.VerifierOption(st.CodeVerifier))
	if err != nil {
		return nil, fmt.Errorf("%w (code exchange: %v)", ErrToken, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, fmt.Errorf("%w (no id_token)", ErrToken)
	}
	idt, err := c.verifier.Verify(c.ctx(ctx), raw)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrToken, err)
	}
	var cl Claims
	if err := idt.Claims(&cl); err != nil {
		return nil, fmt.Errorf("%w (claims: %v)", ErrToken, err)
	}
	// OpenID Connect Core 3.1.3.7: with several audiences, the token must
	// have been issued to us (azp), not to another of them.
	if len(idt.Audience) > 1 && cl.AuthorizedParty != c.cfg.ClientID {
		return nil, fmt.Errorf("%w (several audiences and azp is not this client)", ErrToken)
	}
	if cl.Nonce != st.Nonce {
		return nil, fmt.Errorf("%w (nonce does not match)", ErrToken)
	}
	if c.cfg.TenantID != "" && !strings.EqualFold(cl.TenantID, c.cfg.TenantID) {
		return nil, ErrTenant
	}
	subject := cl.ObjectID
	if subject == "" && c.cfg.TenantID == "" {
		subject = idt.Subject // a provider other than Entra
	}
	if subject == "" {
		return nil, fmt.Errorf("%w (no oid claim)", ErrToken)
	}
	values := cl.Groups
	if c.cfg.Mapping.Claim == "roles" {
		values = cl.Roles
	}
	role, areas, ok := c.cfg.Mapping.Resolve(values)
	if !ok {
		var id int64
		if u, err := c.db.Q().UserBySubject(ctx, Provider, subject); err == nil {
			id = u.ID
		}
		if err := c.auth.RefuseProviderSignIn(ctx, Provider, id); err != nil {
			return nil, err
		}
		return nil, ErrUnmapped
	}
	email := cl.Email
	if email == "" {
		email = cl.PreferredUsername
	}
	token, p, err := c.auth.SignInWithProvider(ctx, auth.ProviderIdentity{Provider: Provider, Subject: subject,
		Email: email, DisplayName: cl.Name, Role: role, ServiceAreas: areas})
	if err != nil {
		return nil, err
	}
	return &Result{Token: token, Principal: p, Next: st.NextPath}, nil
}

// EndSessionURL is the provider's end-session endpoint, with where to come
// back to; empty when the provider has none (or is not yet discovered).
func (c *Client) EndSessionURL(ctx context.Context, postLogout string) string {
	if c.discover(ctx) != nil || c.endSess == "" {
		return ""
	}
	sep := "?"
	if strings.Contains(c.endSess, "?") {
		sep = "&"
	}
	return c.endSess + sep + "client_id=" + url.QueryEscape(c.cfg.ClientID) + "&post_logout_redirect_uri=" + url.QueryEscape(postLogout)
}
