package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// auditCounts counts entries of action by outcome.
func auditCounts(t *testing.T, l *audit.Log, action string) map[string]int {
	t.Helper()
	rows, err := l.Entries(context.Background(), store.AuditFilter{Action: action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, r := range rows {
		if r.Action == action {
			n[r.Outcome]++
		}
	}
	return n
}

// TestParallelWrongPasswordsStopAtAllowance: 30 simultaneous wrong
// passwords for one account. Every attempt reserves its place before the
// hash is checked, so only the allowance is ever checked (each check is
// audited as a failure); the rest are refused as locked.
func TestParallelWrongPasswordsStopAtAllowance(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		c := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
		l := audit.New(db, []byte("0123456789abcdef0123456789abcdef"))
		l.SetClock(c.now)
		// A hash costly enough that unreserved checks would overlap, and
		// enough slots that none is refused as busy.
		s := NewService(db, l, Options{ThrottleKey: []byte("throttle"), Params: Params{Memory: 4 * 1024, Time: 1, Threads: 1},
			Now: c.now, MaxConcurrentHashes: 30, HashWait: time.Minute})
		ctx := context.Background()
		if _, _, err := s.CreateUser(ctx, "system", NewUser{Email: "a@example.gov.uk", Role: "agent", Password: "a long enough passphrase"}); err != nil {
			t.Fatal(err)
		}
		const n = 30
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, _, errs[i] = s.SignInWithPassword(ctx, "a@example.gov.uk", "wrong wrong wrong")
			}()
		}
		close(start)
		wg.Wait()
		bad, locked := 0, 0
		for _, err := range errs {
			var le *LockedError
			switch {
			case errors.Is(err, ErrBadCredentials):
				bad++
			case errors.As(err, &le):
				locked++
			default:
				t.Errorf("attempt ended with %v", err)
			}
		}
		got := auditCounts(t, l, "auth.sign_in")
		if got[audit.Failure] != FreeFailures || got[audit.Denied] != n-FreeFailures {
			t.Errorf("audited %d failures (passwords checked) and %d refusals; want %d and %d", got[audit.Failure], got[audit.Denied], FreeFailures, n-FreeFailures)
		}
		if bad != FreeFailures-1 || locked != n-FreeFailures+1 {
			t.Errorf("%d wrong-password answers and %d locked; want %d and %d", bad, locked, FreeFailures-1, n-FreeFailures+1)
		}
		// Locked: the right password is refused too, until the lock ends.
		var le *LockedError
		if _, _, err := s.SignInWithPassword(ctx, "a@example.gov.uk", "a long enough passphrase"); !errors.As(err, &le) {
			t.Fatalf("right password during the lock: %v", err)
		}
		c.t = le.Until
		if _, _, err := s.SignInWithPassword(ctx, "a@example.gov.uk", "a long enough passphrase"); err != nil {
			t.Fatalf("right password after the lock: %v", err)
		}
	})
}

// TestHashingIsBounded: with every hashing slot taken, a sign-in is
// refused at once with ErrBusy, without counting an attempt or auditing a
// failure; a slot coming free lets it through.
func TestHashingIsBounded(t *testing.T) {
	db := dbtest.Open(t, store.SQLite)
	c := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	l := audit.New(db, []byte("0123456789abcdef0123456789abcdef"))
	s := NewService(db, l, Options{ThrottleKey: []byte("throttle"), Params: cheap, Now: c.now,
		MaxConcurrentHashes: 2, HashWait: 20 * time.Millisecond})
	ctx := context.Background()
	if _, _, err := s.CreateUser(ctx, "system", NewUser{Email: "a@example.gov.uk", Role: "agent", Password: "a long enough passphrase"}); err != nil {
		t.Fatal(err)
	}
	// Two hashes running elsewhere.
	s.hashSlots <- struct{}{}
	s.hashSlots <- struct{}{}
	began := time.Now()
	if _, _, err := s.SignInWithPassword(ctx, "a@example.gov.uk", "wrong wrong wrong"); !errors.Is(err, ErrBusy) {
		t.Fatalf("sign-in with every slot taken: %v", err)
	}
	if d := time.Since(began); d > time.Second {
		t.Errorf("the busy answer took %v", d)
	}
	var pe *fail.Error
	if err := s.ChangePassword(ctx, &Principal{UserID: 1, Role: Agent}, "wrong wrong wrong", "a brand new passphrase"); !errors.Is(err, ErrBusy) {
		t.Errorf("password change with every slot taken: %v", err)
	}
	if th, _ := db.Q().ThrottleByKey(ctx, s.throttleKeyFor("a@example.gov.uk")); th.Failures != 0 {
		t.Errorf("a refused-as-busy attempt was counted: %+v", th)
	}
	if got := auditCounts(t, l, "auth.sign_in"); got[audit.Failure] != 0 {
		t.Errorf("a refused-as-busy attempt was audited: %v", got)
	}
	<-s.hashSlots
	if _, _, err := s.SignInWithPassword(ctx, "a@example.gov.uk", "wrong wrong wrong"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("with a slot free: %v", err)
	}
	if err := s.ChangePassword(ctx, &Principal{UserID: 1, Role: Agent}, "wrong wrong wrong", "a brand new passphrase"); !errors.As(err, &pe) || pe.Kind != fail.Invalid {
		t.Errorf("password change with a slot free: %v", err)
	}
	if len(s.hashSlots) != 1 {
		t.Errorf("%d slots held after the checks, want the 1 taken by the test", len(s.hashSlots))
	}
}

// TestChangePasswordLockOut: the current-password check on the account
// page locks like the sign-in, per account, audited, and apart from the
// sign-in's own counter.
func TestChangePasswordLockOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		s, l, c := newService(t, db)
		ctx := context.Background()
		u, _, err := s.CreateUser(ctx, "system", NewUser{Email: "a@example.gov.uk", Role: "agent", Password: "a long enough passphrase"})
		if err != nil {
			t.Fatal(err)
		}
		_, p, err := s.SignInWithPassword(ctx, "a@example.gov.uk", "a long enough passphrase")
		if err != nil {
			t.Fatal(err)
		}
		var ie *fail.Error
		for i := 1; i < FreeFailures; i++ {
			if err := s.ChangePassword(ctx, p, "a wrong old passphrase", "a brand new passphrase"); !errors.As(err, &ie) || ie.Kind != fail.Invalid || ie.Field != "current_password" {
				t.Fatalf("wrong current password %d: %v", i, err)
			}
		}
		var le *LockedError
		if err := s.ChangePassword(ctx, p, "a wrong old passphrase", "a brand new passphrase"); !errors.As(err, &le) || !le.Until.Equal(c.t.Add(LockBase)) {
			t.Fatalf("wrong current password %d: %v, want a lock of %v", FreeFailures, err, LockBase)
		}
		if err := s.ChangePassword(ctx, p, "a long enough passphrase", "a brand new passphrase"); !errors.As(err, &le) {
			t.Fatalf("right current password during the lock: %v", err)
		}
		if stored, _ := db.Q().UserByID(ctx, u.ID); stored.PasswordHash != "" {
			if ok, _ := VerifyPassword("a long enough passphrase", stored.PasswordHash); !ok {
				t.Fatal("the password changed during the lock")
			}
		}
		// Signing in is a separate counter: the account page's lock does
		// not lock the owner out of signing in.
		if _, _, err := s.SignInWithPassword(ctx, "a@example.gov.uk", "a long enough passphrase"); err != nil {
			t.Errorf("sign-in during the password-change lock: %v", err)
		}
		got := auditCounts(t, l, "user.password_change")
		if got[audit.Failure] != FreeFailures || got[audit.Denied] != 1 {
			t.Errorf("password change audit %v; want %d failures and 1 denial", got, FreeFailures)
		}
		c.t = le.Until
		if err := s.ChangePassword(ctx, p, "a long enough passphrase", "a brand new passphrase"); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
		// A success clears the counter.
		for i := 1; i < FreeFailures; i++ {
			if err := s.ChangePassword(ctx, p, "a wrong old passphrase", "another new passphrase"); !errors.As(err, &ie) || ie.Kind != fail.Invalid {
				t.Fatalf("after a success, failure %d: %v", i, err)
			}
		}
	})
}

// TestChangeKeyCannotBeNamedBySignIn: nothing typed as an e-mail address
// maps to an account's password-change key.
func TestChangeKeyCannotBeNamedBySignIn(t *testing.T) {
	s := &Service{throttleKey: []byte("throttle")}
	k := s.changeThrottleKeyFor(7)
	for _, email := range []string{"7", "user:7", "fairline password-change throttle7", ""} {
		if s.throttleKeyFor(email) == k {
			t.Errorf("sign-in address %q names the password-change key", email)
		}
	}
}
