package auth

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
	"github.com/fairline/fairline/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var cheap = Params{Memory: 1024, Time: 1, Threads: 1}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newService(t *testing.T, db *store.DB) (*Service, *audit.Log, *clock) {
	c := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	l := audit.New(db, []byte("0123456789abcdef0123456789abcdef"))
	l.SetClock(c.now)
	s := NewService(db, l, Options{ThrottleKey: []byte("throttle"), Params: cheap, Now: c.now,
		KnownArea:   func(a string) bool { return a == "trading-standards" || a == "adult-social-care" },
		SessionIdle: 30 * time.Minute, SessionMax: 8 * time.Hour})
	return s, l, c
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Errorf("hash %q is not PHC argon2id", h)
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false} {
		ok, err := VerifyPassword(pw, h)
		if err != nil || ok != want {
			t.Errorf("verify %q = %v, %v; want %v", pw, ok, err, want)
		}
	}
	h2, _ := HashPassword("correct horse battery", cheap)
	if h2 == h {
		t.Error("two hashes of one password are equal: salt missing")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", "$argon2id$v=19$m=1024,t=1,p=1$!!$AA"} {
		if _, err := VerifyPassword("x", bad); err == nil {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}

func TestCreateUserValidation(t *testing.T) {
	db := dbtest.Open(t, store.SQLite)
	s, _, _ := newService(t, db)
	ctx := context.Background()
	cases := []struct {
		n     NewUser
		field string
	}{
		{NewUser{Email: "not-an-email", Role: "agent"}, "email"},
		{NewUser{Email: "a@b", Role: "agent"}, "email"},
		{NewUser{Email: "a@example.gov.uk", Role: "wizard"}, "role"},
		{NewUser{Email: "a@example.gov.uk", Role: "team_leader"}, "service_area"},
		{NewUser{Email: "a@example.gov.uk", Role: "quality_assessor", ServiceAreas: []string{"parks"}}, "service_area"},
		{NewUser{Email: "a@example.gov.uk", Role: "auditor", ServiceAreas: []string{"trading-standards"}}, "service_area"},
		{NewUser{Email: "a@example.gov.uk", Role: "agent", Password: "short"}, "password"},
	}
	for _, tc := range cases {
		_, _, err := s.CreateUser(ctx, "system", tc.n)
		var ie *fail.Error
		if !errors.As(err, &ie) || ie.Kind != fail.Invalid || ie.Field != tc.field {
			t.Errorf("%+v: err = %v, want an invalid %s", tc.n, err, tc.field)
		}
	}
	if n, _ := db.Q().CountUsers(ctx); n != 0 {
		t.Errorf("%d invalid users stored", n)
	}
	u, pw, err := s.CreateUser(ctx, "system", NewUser{Email: "Lead@Example.gov.uk", Role: "team_leader", ServiceAreas: []string{"trading-standards"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pw) < MinPasswordLen || !u.MustChangePassword || u.Email != "lead@example.gov.uk" {
		t.Errorf("created %+v with password length %d", u, len(pw))
	}
	if _, _, err := s.CreateUser(ctx, "system", NewUser{Email: "lead@example.gov.uk", Role: "agent"}); err == nil {
		t.Error("duplicate e-mail accepted")
	}
}

func TestSignInFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		s, l, c := newService(t, db)
		ctx := context.Background()
		u, _, err := s.CreateUser(ctx, "system", NewUser{Email: "ig@example.gov.uk", Role: "information_governance", Password: "a long enough passphrase"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SignInWithPassword(ctx, "ig@example.gov.uk", "wrong password here"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
		if _, _, err := s.SignInWithPassword(ctx, "nobody@example.gov.uk", "a long enough passphrase"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("unknown user: %v", err)
		}
		token, p, err := s.SignInWithPassword(ctx, "IG@example.gov.uk", "a long enough passphrase")
		if err != nil {
			t.Fatal(err)
		}
		if p.UserID != u.ID || p.Role != InformationGovernance {
			t.Errorf("principal %+v", p)
		}
		got, err := s.Authenticate(ctx, token)
		if err != nil || got.UserID != u.ID {
			t.Fatalf("authenticate: %+v %v", got, err)
		}
		if _, err := s.Authenticate(ctx, token+"x"); !errors.Is(err, ErrNoSession) {
			t.Errorf("forged token: %v", err)
		}
		// Idle timeout.
		c.t = c.t.Add(31 * time.Minute)
		if _, err := s.Authenticate(ctx, token); !errors.Is(err, ErrNoSession) {
			t.Errorf("idle session still valid: %v", err)
		}
		token, p, _ = s.SignInWithPassword(ctx, "ig@example.gov.uk", "a long enough passphrase")
		if err := s.SignOut(ctx, p); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, token); !errors.Is(err, ErrNoSession) {
			t.Errorf("signed-out session still valid: %v", err)
		}
		rows, _ := l.Entries(ctx, store.AuditFilter{Action: "auth."})
		var actions []string
		for _, r := range rows {
			actions = append(actions, r.Action+"/"+r.Outcome)
			if strings.Contains(r.Actor+r.Object, "@") {
				t.Errorf("audit entry carries an e-mail address: %+v", r)
			}
		}
		want := "auth.sign_out/success auth.sign_in/success auth.sign_in/success auth.sign_in/failure auth.sign_in/failure"
		if strings.Join(actions, " ") != want {
			t.Errorf("audit actions\n got %v\nwant %v", strings.Join(actions, " "), want)
		}
	})
}

func TestLockOut(t *testing.T) {
	db := dbtest.Open(t, store.SQLite)
	s, _, c := newService(t, db)
	ctx := context.Background()
	s.CreateUser(ctx, "system", NewUser{Email: "a@example.gov.uk", Role: "agent", Password: "a long enough passphrase"})
	for i := 1; i < FreeFailures; i++ {
		if _, _, err := s.SignInWithPassword(ctx, "a@example.gov.uk", "nope nope nope"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	_, _, err := s.SignInWithPassword(ctx, "a@example.gov.uk", "nope nope nope")
	var le *LockedError
	if !errors.As(err, &le) || !le.Until.Equal(c.t.Add(LockBase)) {
		t.Fatalf("failure %d should lock for %v: %v", FreeFailures, LockBase, err)
	}
	// Locked: even the right password is refused.
	if _, _, err := s.SignInWithPassword(ctx, "a@example.gov.uk", "a long enough passphrase"); !errors.As(err, &le) {
		t.Fatalf("locked account accepted the right password: %v", err)
	}
	c.t = c.t.Add(LockBase)
	// The next failure doubles the lock.
	_, _, err = s.SignInWithPassword(ctx, "a@example.gov.uk", "nope nope nope")
	if !errors.As(err, &le) || !le.Until.Equal(c.t.Add(2*LockBase)) {
		t.Fatalf("second lock: %v", err)
	}
	c.t = c.t.Add(2 * LockBase)
	if _, _, err := s.SignInWithPassword(ctx, "a@example.gov.uk", "a long enough passphrase"); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	// Success resets the counter.
	if _, _, err := s.SignInWithPassword(ctx, "a@example.gov.uk", "nope nope nope"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("counter not reset: %v", err)
	}
	// Unknown addresses lock too, so locking reveals nothing.
	for i := 0; i < FreeFailures; i++ {
		_, _, err = s.SignInWithPassword(ctx, "ghost@example.gov.uk", "nope nope nope")
	}
	if !errors.As(err, &le) {
		t.Errorf("unknown address never locked: %v", err)
	}
}

func TestDisableEndsSessions(t *testing.T) {
	db := dbtest.Open(t, store.SQLite)
	s, _, _ := newService(t, db)
	ctx := context.Background()
	u, _, _ := s.CreateUser(ctx, "system", NewUser{Email: "a@example.gov.uk", Role: "agent", Password: "a long enough passphrase"})
	token, _, err := s.SignInWithPassword(ctx, "a@example.gov.uk", "a long enough passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateUser(ctx, "user:999", u.ID, "agent", nil, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, token); !errors.Is(err, ErrNoSession) {
		t.Errorf("disabled user's session valid: %v", err)
	}
	if _, _, err := s.SignInWithPassword(ctx, "a@example.gov.uk", "a long enough passphrase"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("disabled user signed in: %v", err)
	}
	if err := s.UpdateUser(ctx, "user:999", u.ID, "agent", nil, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SignInWithPassword(ctx, "a@example.gov.uk", "a long enough passphrase"); err != nil {
		t.Errorf("re-enabled user: %v", err)
	}
	var ie *fail.Error
	if err := s.UpdateUser(ctx, "user:1", 1, "auditor", nil, false); !errors.As(err, &ie) || ie.Kind != fail.Invalid {
		t.Errorf("user changed own role: %v", err)
	}
}

func TestChangePassword(t *testing.T) {
	db := dbtest.Open(t, store.SQLite)
	s, _, _ := newService(t, db)
	ctx := context.Background()
	s.CreateUser(ctx, "system", NewUser{Email: "a@example.gov.uk", Role: "agent"})
	u, _ := db.Q().UserByEmail(ctx, "a@example.gov.uk")
	pw, err := s.ResetPassword(ctx, "system", u.ID)
	if err != nil {
		t.Fatal(err)
	}
	other, _, _ := s.SignInWithPassword(ctx, "a@example.gov.uk", pw)
	token, p, err := s.SignInWithPassword(ctx, "a@example.gov.uk", pw)
	if err != nil || !p.MustChangePassword {
		t.Fatalf("sign in with reset password: %+v %v", p, err)
	}
	var ie *fail.Error
	if err := s.ChangePassword(ctx, p, "wrong", "a brand new passphrase"); !errors.As(err, &ie) || ie.Kind != fail.Invalid || ie.Field != "current_password" {
		t.Errorf("wrong current: %v", err)
	}
	if err := s.ChangePassword(ctx, p, pw, "short"); !errors.As(err, &ie) || ie.Kind != fail.Invalid || ie.Field != "new_password" {
		t.Errorf("short new: %v", err)
	}
	if err := s.ChangePassword(ctx, p, pw, "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	if p2, err := s.Authenticate(ctx, token); err != nil || p2.MustChangePassword {
		t.Errorf("changing session lost or still must change: %+v %v", p2, err)
	}
	if _, err := s.Authenticate(ctx, other); !errors.Is(err, ErrNoSession) {
		t.Errorf("other session survived a password change: %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
