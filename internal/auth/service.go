// Package auth signs staff in and out and decides who they are, and what
// each role may do; machine clients use its API tokens instead.
//
// A sign-in method (password today; an OpenID Connect provider such as
// Microsoft Entra ID later) only has to establish which user is present and
// then call StartSession: sessions, roles, service-area scopes, CSRF and
// lock-out do not depend on how the user proved who they are.
package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
)

// Errors shown to people say no more than needed: an unknown address, a
// wrong password and a disabled account all give ErrBadCredentials.
var (
	ErrBadCredentials = errors.New("the e-mail address or password is not right")
	ErrNoSession      = errors.New("not signed in")
	// ErrBusy means every password-hashing slot stayed taken for the short
	// wait allowed: the caller should answer 429 with Retry-After
	// (BusyRetryAfter) rather than queue the request.
	ErrBusy = &fail.Error{Kind: fail.RateLimited, RetryAfter: BusyRetryAfter,
		Msg: "Too many people are signing in at the moment. Try again in a moment."}
)

// BusyRetryAfter is how long a client refused with ErrBusy should wait.
const BusyRetryAfter = time.Second

// LockedError says sign-in is refused until a time, whatever the password.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return "too many failed sign-in attempts: try again after " + e.Until.Local().Format("15:04")
}

// Lock-out: the first FreeFailures failures are free; then each further
// failure doubles the lock, from LockBase up to LockMax.
const (
	FreeFailures = 5
	LockBase     = 30 * time.Second
	LockMax      = time.Hour
)

var throttlePolicy = store.ThrottlePolicy{Free: FreeFailures, Base: LockBase, Max: LockMax}

// Principal is the signed-in staff member behind a request.
type Principal struct {
	UserID             int64
	TokenID            int64    // set for API token clients (Role Integration)
	Scopes             []string // API token scopes
	Email              string
	Role               Role
	ServiceAreas       []string
	SessionID          string
	MustChangePassword bool
	// Provider is how the account signs in: "password", or "oidc" for an account an identity
	// provider vouches for, which has no password here.
	Provider string
}

// Actor is the pseudonymous id used in audit entries.
func (p *Principal) Actor() string {
	if p.Role == Integration {
		return "token:" + strconv.FormatInt(p.TokenID, 10)
	}
	return "user:" + strconv.FormatInt(p.UserID, 10)
}

// Is reports whether the principal holds one of roles.
func (p *Principal) Is(roles ...Role) bool { return p != nil && slices.Contains(roles, p.Role) }

// SeesServiceArea reports whether the principal may see records of area:
// scoped roles only their own areas, other roles every area.
func (p *Principal) SeesServiceArea(area string) bool {
	if p == nil {
		return false
	}
	if !p.Role.Scoped() {
		return true
	}
	return slices.Contains(p.ServiceAreas, area)
}

// Service manages accounts and sessions.
type Service struct {
	db          *store.DB
	audit       *audit.Log
	throttleKey []byte
	knownArea   func(string) bool
	params      Params
	idle, max   time.Duration
	now         func() time.Time
	dummyHash   string
	// hashSlots bounds concurrent argon2 work: each hash holds Params.Memory
	// (64 MiB by default) while it runs, so unbounded parallel sign-ins
	// would exhaust memory long before the lock-out refuses them.
	hashSlots chan struct{}
	hashWait  time.Duration
	// passwordOff and breakGlass: see Options.
	passwordOff bool
	breakGlass  string
}

// Options configure a Service.
type Options struct {
	ThrottleKey []byte            // keys.PurposeThrottle
	KnownArea   func(string) bool // is this a service area in the policy?
	Params      Params            // zero means DefaultParams
	SessionIdle time.Duration
	SessionMax  time.Duration
	Now         func() time.Time
	// MaxConcurrentHashes bounds argon2 computations running at once (0:
	// the number of usable CPUs, GOMAXPROCS); HashWait is how long a
	// request may wait for a free slot before ErrBusy (0: 250 ms).
	MaxConcurrentHashes int
	HashWait            time.Duration
	// PasswordSignInOff refuses password sign-in (staff sign in through
	// the identity provider) except for BreakGlass, the e-mail address of
	// one administrator kept for when the provider is unreachable.
	PasswordSignInOff bool
	BreakGlass        string
}

// NewService returns a Service.
func NewService(db *store.DB, log *audit.Log, o Options) *Service {
	if o.Params == (Params{}) {
		o.Params = DefaultParams
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SessionIdle == 0 {
		o.SessionIdle = 30 * time.Minute
	}
	if o.SessionMax == 0 {
		o.SessionMax = 10 * time.Hour
	}
	if o.MaxConcurrentHashes <= 0 {
		o.MaxConcurrentHashes = runtime.GOMAXPROCS(0)
	}
	if o.HashWait <= 0 {
		o.HashWait = 250 * time.Millisecond
	}
	s := &Service{db: db, audit: log, throttleKey: o.ThrottleKey, knownArea: o.KnownArea, params: o.Params,
		idle: o.SessionIdle, max: o.SessionMax, now: o.Now,
		hashSlots: make(chan struct{}, o.MaxConcurrentHashes), hashWait: o.HashWait,
		passwordOff: o.PasswordSignInOff, breakGlass: strings.ToLower(strings.TrimSpace(o.BreakGlass))}
	// Unknown addresses are checked against a real hash, so a wrong address
	// takes as long as a wrong password.
	s.dummyHash, _ = HashPassword(GeneratePassword(), o.Params)
	return s
}

// NewUser is a request to create an account.
type NewUser struct {
	Email        string
	DisplayName  string
	Role         string
	ServiceAreas []string
	Password     string // empty: generate one (returned by CreateUser)
	// FirstUser makes creation fail with ErrSetupClosed unless there are no
	// accounts yet, checked in the same transaction (first-run set-up).
	FirstUser bool
}

// ErrSetupClosed means first-run set-up was attempted with accounts present.
var ErrSetupClosed = fail.New(fail.Conflict, "set-up is closed: an account already exists")

func normaliseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndex(s, "@"):], ".") {
		return "", fail.Field("email", "enter an e-mail address like name@council.gov.uk")
	}
	return strings.ToLower(s), nil
}

func (s *Service) checkAccess(role string, areas []string) (Role, []string, error) {
	r, err := ParseRole(role)
	if err != nil {
		return "", nil, fail.Field("role", err.Error())
	}
	var clean []string
	for _, a := range areas {
		a = strings.TrimSpace(a)
		if a == "" || slices.Contains(clean, a) {
			continue
		}
		if s.knownArea != nil && !s.knownArea(a) {
			return "", nil, fail.Field("service_area", fmt.Sprintf("%q is not a service area in the policy", a))
		}
		clean = append(clean, a)
	}
	switch {
	case r.Scoped() && len(clean) == 0:
		return "", nil, fail.Field("service_area", r.Label()+" must be given at least one service area")
	case !r.Scoped() && len(clean) > 0:
		return "", nil, fail.Field("service_area", r.Label()+" sees every service area; do not give service areas")
	}
	slices.Sort(clean)
	return r, clean, nil
}

// CreateUser creates an account and audits it. It returns the account and
// the initial password (generated when none was given); a generated
// password must be changed at first sign-in.
func (s *Service) CreateUser(ctx context.Context, actor string, n NewUser) (User, string, error) {
	email, err := normaliseEmail(n.Email)
	if err != nil {
		return User{}, "", err
	}
	role, areas, err := s.checkAccess(n.Role, n.ServiceAreas)
	if err != nil {
		return User{}, "", err
	}
	pw, generated := n.Password, false
	if pw == "" {
		pw, generated = GeneratePassword(), true
	}
	if err := CheckPasswordRules(pw); err != nil {
		return User{}, "", fail.Field("password", err.Error())
	}
	hash, err := s.hash(ctx, pw)
	if err != nil {
		return User{}, "", err
	}
	u := User{Email: email, DisplayName: strings.TrimSpace(n.DisplayName), Role: string(role), PasswordHash: hash,
		MustChangePassword: generated, AuthProvider: "password", ServiceAreas: areas, CreatedAt: s.now()}
	err = s.db.Tx(ctx, func(q *store.Q) error {
		if n.FirstUser {
			if count, err := q.CountUsers(ctx); err != nil {
				return err
			} else if count > 0 {
				return ErrSetupClosed
			}
		}
		id, err := q.CreateUser(ctx, u)
		if err != nil {
			return err
		}
		u.ID = id
		_, err = s.audit.Append(ctx, q, audit.Entry{Actor: actor, Action: "user.create", Object: userObject(id),
			Purpose: "access_management", Outcome: audit.Success})
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return User{}, "", fail.Field("email", "an account with this e-mail address already exists")
	}
	if err != nil {
		return User{}, "", err
	}
	return u, pw, nil
}

// UpdateUser changes an account's role, areas and enabled state. Disabling
// an account or changing its access ends its sessions.
func (s *Service) UpdateUser(ctx context.Context, actor string, id int64, role string, areas []string, disabled bool) error {
	r, clean, err := s.checkAccess(role, areas)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q *store.Q) error {
		u, err := q.UserByID(ctx, id)
		if err != nil {
			return err
		}
		if actor == userObject(id) && (disabled || r != Role(u.Role)) {
			return fail.Field("role", "you cannot change your own role or disable your own account")
		}
		var at time.Time
		switch {
		case disabled && u.DisabledAt.IsZero():
			at = s.now()
		case disabled:
			at = u.DisabledAt
		}
		if err := q.UpdateUserAccess(ctx, id, string(r), clean, at, s.now()); err != nil {
			return err
		}
		if err := q.DeleteUserSessions(ctx, id); err != nil {
			return err
		}
		action := "user.update"
		if disabled && u.DisabledAt.IsZero() {
			action = "user.disable"
		} else if !disabled && !u.DisabledAt.IsZero() {
			action = "user.enable"
		}
		_, err = s.audit.Append(ctx, q, audit.Entry{Actor: actor, Action: action, Object: userObject(id),
			Purpose: "access_management", Outcome: audit.Success})
		return err
	})
}

// ResetPassword gives an account a new generated password that must be
// changed at next sign-in, ends its sessions and returns the password.
func (s *Service) ResetPassword(ctx context.Context, actor string, id int64) (string, error) {
	pw := GeneratePassword()
	hash, err := s.hash(ctx, pw)
	if err != nil {
		return "", err
	}
	err = s.db.Tx(ctx, func(q *store.Q) error {
		if err := q.SetPassword(ctx, id, hash, true, s.now()); err != nil {
			return err
		}
		if err := q.DeleteUserSessions(ctx, id); err != nil {
			return err
		}
		_, err := s.audit.Append(ctx, q, audit.Entry{Actor: actor, Action: "user.password_reset", Object: userObject(id),
			Purpose: "access_management", Outcome: audit.Success})
		return err
	})
	return pw, err
}

func userObject(id int64) string { return "user:" + strconv.FormatInt(id, 10) }

func (s *Service) throttleKeyFor(email string) string {
	m := hmac.New(sha256.New, s.throttleKey)
	m.Write([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(m.Sum(nil))
}

// changeThrottleKeyFor is the lock-out key of the current-password check
// on the account page. It is an HMAC under a subkey of its own, so no
// string typed into the sign-in form can name (and lock) it.
func (s *Service) changeThrottleKeyFor(userID int64) string {
	sub := hmac.New(sha256.New, s.throttleKey)
	sub.Write([]byte("fairline password-change throttle"))
	m := hmac.New(sha256.New, sub.Sum(nil))
	m.Write([]byte(strconv.FormatInt(userID, 10)))
	return hex.EncodeToString(m.Sum(nil))
}

// hashSlot takes one of the slots that bound concurrent argon2 work,
// waiting at most hashWait; release gives it back.
func (s *Service) hashSlot(ctx context.Context) (release func(), err error) {
	release = func() { <-s.hashSlots }
	select {
	case s.hashSlots <- struct{}{}:
		return release, nil
	default:
	}
	t := time.NewTimer(s.hashWait)
	defer t.Stop()
	select {
	case s.hashSlots <- struct{}{}:
		return release, nil
	case <-t.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// hash computes a password hash in a hashing slot.
func (s *Service) hash(ctx context.Context, pw string) (string, error) {
	release, err := s.hashSlot(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return HashPassword(pw, s.params)
}

// attempt is how a throttled password check ended.
type attempt int

const (
	attemptRight   attempt = iota // checked and right; the throttle is cleared
	attemptWrong                  // checked and wrong (counted)
	attemptRefused                // locked: not checked at all
)

// throttledCheck runs check (which verifies a password) under the lock-out
// of key: the attempt is reserved in the database first, atomically, so
// however many requests arrive at once, on however many instances, at most
// the allowance reaches check; and check runs in a hashing slot. It returns
// the outcome and the lock in force afterwards (zero when none).
func (s *Service) throttledCheck(ctx context.Context, key string, check func() (bool, error)) (attempt, time.Time, error) {
	now := s.now()
	// A key already locked is refused without taking a slot.
	th, err := s.db.Q().ThrottleByKey(ctx, key)
	if err != nil {
		return 0, time.Time{}, err
	}
	if now.Before(th.LockedUntil) {
		return attemptRefused, th.LockedUntil, nil
	}
	release, err := s.hashSlot(ctx)
	if err != nil {
		return 0, time.Time{}, err
	}
	defer release()
	ok, th, err := s.db.Q().ReserveAttempt(ctx, key, now, throttlePolicy)
	if err != nil {
		return 0, time.Time{}, err
	}
	if !ok {
		// Another attempt locked the key a moment ago (or a success has
		// just cleared it: still refuse this one, it raced the lock).
		if th.LockedUntil.Before(now) {
			th.LockedUntil = now
		}
		return attemptRefused, th.LockedUntil, nil
	}
	right, err := check()
	if err != nil {
		return 0, time.Time{}, err
	}
	if !right {
		if now.Before(th.LockedUntil) {
			return attemptWrong, th.LockedUntil, nil
		}
		return attemptWrong, time.Time{}, nil
	}
	return attemptRight, time.Time{}, s.db.Q().ClearThrottle(ctx, key)
}

// PasswordSignIn reports whether password sign-in is open to everyone
// (false: only the break-glass administrator).
func (s *Service) PasswordSignIn() bool { return !s.passwordOff }

// SignInWithPassword checks credentials with lock-out and starts a session.
// It returns the session cookie token. Failed attempts are counted per
// keyed hash of the address (unknown addresses too, so the lock-out
// reveals nothing); ErrBusy means the password could not be checked now.
func (s *Service) SignInWithPassword(ctx context.Context, email, password string) (string, *Principal, error) {
	var u User
	var known bool
	outcome, until, err := s.throttledCheck(ctx, s.throttleKeyFor(email), func() (bool, error) {
		var err error
		u, err = s.db.Q().UserByEmail(ctx, email)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return false, err
		}
		known = err == nil
		// Unknown addresses are checked against a real hash, so a wrong
		// address takes as long as a wrong password.
		hash := s.dummyHash
		if known && u.PasswordHash != "" {
			hash = u.PasswordHash
		}
		ok, verr := VerifyPassword(password, hash)
		// With password sign-in off, every account but the break-glass
		// one is refused after the same hash work, so the refusal does not
		// tell which address is the break-glass one.
		allowed := !s.passwordOff || (s.breakGlass != "" && u.Email == s.breakGlass)
		return ok && verr == nil && known && allowed && u.DisabledAt.IsZero() && u.AuthProvider == "password", nil
	})
	if err != nil {
		return "", nil, err
	}
	switch outcome {
	case attemptRefused:
		if err := s.audit.Record(ctx, audit.Entry{Actor: "anonymous", Action: "auth.sign_in", Purpose: "staff_access", Outcome: audit.Denied}); err != nil {
			return "", nil, err
		}
		return "", nil, &LockedError{Until: until}
	case attemptWrong:
		obj := ""
		if known {
			obj = userObject(u.ID)
		}
		if err := s.audit.Record(ctx, audit.Entry{Actor: "anonymous", Action: "auth.sign_in", Object: obj,
			Purpose: "staff_access", Outcome: audit.Failure}); err != nil {
			return "", nil, err
		}
		if !until.IsZero() {
			return "", nil, &LockedError{Until: until}
		}
		return "", nil, ErrBadCredentials
	}
	return s.StartSession(ctx, u, "password")
}

// StartSession opens a session for u, signed in by method ("password",
// later "oidc"), audits it and returns the cookie token.
func (s *Service) StartSession(ctx context.Context, u User, method string) (string, *Principal, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := s.now()
	sess := store.Session{ID: sessionID(token), UserID: u.ID, Method: method, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.max)}
	err := s.db.Tx(ctx, func(q *store.Q) error {
		if err := q.CreateSession(ctx, sess); err != nil {
			return err
		}
		if err := q.TouchSignIn(ctx, u.ID, now); err != nil {
			return err
		}
		_, err := s.audit.Append(ctx, q, audit.Entry{Actor: userObject(u.ID), Action: "auth.sign_in", Object: "session",
			Purpose: "staff_access", Outcome: audit.Success})
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return token, principal(u, sess.ID), nil
}

func principal(u User, sessionID string) *Principal {
	return &Principal{UserID: u.ID, Email: u.Email, Role: Role(u.Role), ServiceAreas: u.ServiceAreas,
		SessionID: sessionID, MustChangePassword: u.MustChangePassword, Provider: u.AuthProvider}
}

func sessionID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Authenticate resolves a cookie token to a principal, enforcing idle and
// absolute expiry and the account's current state.
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, error) {
	if token == "" {
		return nil, ErrNoSession
	}
	id := sessionID(token)
	q := s.db.Q()
	sess, err := q.SessionByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= s.idle {
		q.DeleteSession(ctx, id)
		return nil, ErrNoSession
	}
	u, err := q.UserByID(ctx, sess.UserID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrNoSession
		}
		return nil, err
	}
	if !u.DisabledAt.IsZero() {
		return nil, ErrNoSession
	}
	// Write at most once a minute per session, not on every request.
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if err := q.TouchSession(ctx, id, now); err != nil {
			return nil, err
		}
	}
	return principal(u, id), nil
}

// SignOut ends the session behind p.
func (s *Service) SignOut(ctx context.Context, p *Principal) error {
	return s.db.Tx(ctx, func(q *store.Q) error {
		if err := q.DeleteSession(ctx, p.SessionID); err != nil {
			return err
		}
		_, err := s.audit.Append(ctx, q, audit.Entry{Actor: p.Actor(), Action: "auth.sign_out", Object: "session",
			Purpose: "staff_access", Outcome: audit.Success})
		return err
	})
}

// ChangePassword sets a new password after checking the current one, and
// ends the user's other sessions.
//
// The current-password check has the sign-in's lock-out (keyed by account)
// and hashing bound: a stolen session must not become a way to guess the
// password, nor to run argon2 without limit. A locked check gives
// *LockedError.
func (s *Service) ChangePassword(ctx context.Context, p *Principal, current, next string) error {
	if p.Provider != "" && p.Provider != "password" {
		// Nothing to check against, and a password set here would not be used.
		return fail.Field("current_password", "you sign in with your Microsoft account, which has no password here; change it with Microsoft")
	}
	if err := CheckPasswordRules(next); err != nil {
		return fail.Field("new_password", err.Error())
	}
	if next == current {
		return fail.Field("new_password", "choose a password different from the current one")
	}
	outcome, until, err := s.throttledCheck(ctx, s.changeThrottleKeyFor(p.UserID), func() (bool, error) {
		u, err := s.db.Q().UserByID(ctx, p.UserID)
		if err != nil {
			return false, err
		}
		ok, _ := VerifyPassword(current, u.PasswordHash)
		return ok, nil
	})
	if err != nil {
		return err
	}
	if outcome != attemptRight {
		result := audit.Failure
		if outcome == attemptRefused {
			result = audit.Denied
		}
		if err := s.audit.Record(ctx, audit.Entry{Actor: p.Actor(), Action: "user.password_change", Object: p.Actor(),
			Purpose: "access_management", Outcome: result}); err != nil {
			return err
		}
		if !until.IsZero() {
			return &LockedError{Until: until}
		}
		return fail.Field("current_password", "your current password is not right")
	}
	hash, err := s.hash(ctx, next)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q *store.Q) error {
		if err := q.SetPassword(ctx, p.UserID, hash, false, s.now()); err != nil {
			return err
		}
		if err := q.DeleteUserSessions(ctx, p.UserID); err != nil {
			return err
		}
		// Keep the session that made the change.
		now := s.now()
		if err := q.CreateSession(ctx, store.Session{ID: p.SessionID, UserID: p.UserID, Method: "password",
			CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.max)}); err != nil {
			return err
		}
		_, err := s.audit.Append(ctx, q, audit.Entry{Actor: p.Actor(), Action: "user.password_change", Object: p.Actor(),
			Purpose: "access_management", Outcome: audit.Success})
		return err
	})
}
