package store_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
	"github.com/fairline/fairline/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestMigrateIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		applied, err := db.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Errorf("second migrate applied %v, want nothing", applied)
		}
		cur, known, err := db.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cur != known || cur < 1 {
			t.Errorf("schema version %d, binary knows %d", cur, known)
		}
	})
}

func TestUsers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		q := db.Q()
		id, err := q.CreateUser(ctx, store.User{Email: "Ann.Lead@Example.gov.uk", Role: "team_leader",
			PasswordHash: "h", AuthProvider: "password", ServiceAreas: []string{"trading-standards", "adult-social-care"}, CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		u, err := q.UserByEmail(ctx, "ann.lead@example.GOV.uk")
		if err != nil {
			t.Fatal(err)
		}
		if u.ID != id || u.Email != "ann.lead@example.gov.uk" || u.Role != "team_leader" || !u.CreatedAt.Equal(now) {
			t.Errorf("got %+v", u)
		}
		if len(u.ServiceAreas) != 2 || u.ServiceAreas[0] != "adult-social-care" {
			t.Errorf("service areas %v", u.ServiceAreas)
		}
		_, err = q.CreateUser(ctx, store.User{Email: "ann.lead@example.gov.uk", Role: "agent", AuthProvider: "password", CreatedAt: now})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate e-mail: err = %v, want ErrConflict", err)
		}
		if _, err := q.UserByID(ctx, id+100); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing user: err = %v, want ErrNotFound", err)
		}
		if err := q.UpdateUserAccess(ctx, id, "agent", nil, now, now); err != nil {
			t.Fatal(err)
		}
		u, _ = q.UserByID(ctx, id)
		if u.Role != "agent" || len(u.ServiceAreas) != 0 || u.DisabledAt.IsZero() {
			t.Errorf("after update: %+v", u)
		}
		if err := q.UpdateUserAccess(ctx, id+100, "agent", nil, time.Time{}, now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("update missing: %v", err)
		}
	})
}

func TestTxRollsBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := db.Tx(ctx, func(q *store.Q) error {
			if _, err := q.CreateUser(ctx, store.User{Email: "a@example.gov.uk", Role: "agent", AuthProvider: "password", CreatedAt: time.Now()}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		if n, _ := db.Q().CountUsers(ctx); n != 0 {
			t.Errorf("rolled-back user is stored (%d users)", n)
		}
	})
}

func TestSessionsAndThrottle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q := db.Q()
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		uid, err := q.CreateUser(ctx, store.User{Email: "b@example.gov.uk", Role: "agent", AuthProvider: "password", CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		for i, exp := range []time.Time{now.Add(time.Hour), now.Add(-time.Hour)} {
			s := store.Session{ID: string(rune('a' + i)), UserID: uid, Method: "password", CreatedAt: now, LastSeenAt: now, ExpiresAt: exp}
			if err := q.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		n, err := q.DeleteExpiredSessions(ctx, now)
		if err != nil || n != 1 {
			t.Fatalf("expired deleted = %d, %v", n, err)
		}
		if _, err := q.SessionByID(ctx, "b"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired session still there: %v", err)
		}
		s, err := q.SessionByID(ctx, "a")
		if err != nil || s.UserID != uid || !s.ExpiresAt.Equal(now.Add(time.Hour)) {
			t.Errorf("session a = %+v, %v", s, err)
		}

		th, err := q.ThrottleByKey(ctx, "k")
		if err != nil || th.Failures != 0 {
			t.Fatalf("fresh throttle = %+v, %v", th, err)
		}
		for i := 1; i <= 2; i++ {
			if err := q.SetThrottle(ctx, "k", store.Throttle{Failures: i, LockedUntil: now.Add(time.Minute)}, now); err != nil {
				t.Fatal(err)
			}
		}
		th, _ = q.ThrottleByKey(ctx, "k")
		if th.Failures != 2 || !th.LockedUntil.Equal(now.Add(time.Minute)) {
			t.Errorf("throttle = %+v", th)
		}
		if err := q.ClearThrottle(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		if th, _ = q.ThrottleByKey(ctx, "k"); th.Failures != 0 {
			t.Errorf("cleared throttle = %+v", th)
		}
	})
}
