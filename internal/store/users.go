package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// User is a staff account.
type User struct {
	ID                 int64
	Email              string
	DisplayName        string
	Role               string
	PasswordHash       string
	MustChangePassword bool
	AuthProvider       string
	Subject            string
	ServiceAreas       []string
	DisabledAt         time.Time
	LastSignInAt       time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

const userColumns = `id, email, display_name, role, password_hash, must_change_password, auth_provider, subject,
	disabled_at, last_sign_in_at, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanUser(s scanner) (User, error) {
	var u User
	var must int
	var disabled, last, created, updated int64
	err := s.Scan(&u.ID, &u.Email, &u.DisplayName, &u.Role, &u.PasswordHash, &must, &u.AuthProvider, &u.Subject,
		&disabled, &last, &created, &updated)
	if err != nil {
		return User{}, err
	}
	u.MustChangePassword = must != 0
	u.DisabledAt, u.LastSignInAt = fromMicros(disabled), fromMicros(last)
	u.CreatedAt, u.UpdatedAt = fromMicros(created), fromMicros(updated)
	return u, nil
}

// CreateUser inserts u and its service areas, returning the new id.
func (q *Q) CreateUser(ctx context.Context, u User) (int64, error) {
	now := toMicros(u.CreatedAt)
	var id int64
	err := q.queryRow(ctx, `INSERT INTO users (email, display_name, role, password_hash, must_change_password,
		auth_provider, subject, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		strings.ToLower(u.Email), u.DisplayName, u.Role, u.PasswordHash, boolInt(u.MustChangePassword),
		u.AuthProvider, u.Subject, now, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: create user: %w", err)
	}
	if err := q.setServiceAreas(ctx, id, u.ServiceAreas); err != nil {
		return 0, err
	}
	return id, nil
}

func (q *Q) setServiceAreas(ctx context.Context, userID int64, areas []string) error {
	if _, err := q.exec(ctx, `DELETE FROM user_service_areas WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("store: clear service areas: %w", err)
	}
	for _, a := range areas {
		if _, err := q.exec(ctx, `INSERT INTO user_service_areas (user_id, service_area) VALUES (?, ?)`, userID, a); err != nil {
			return fmt.Errorf("store: add service area: %w", err)
		}
	}
	return nil
}

// UpdateUserAccess changes role, service areas and disabled state.
func (q *Q) UpdateUserAccess(ctx context.Context, id int64, role string, areas []string, disabledAt, now time.Time) error {
	res, err := q.exec(ctx, `UPDATE users SET role = ?, disabled_at = ?, updated_at = ? WHERE id = ?`,
		role, toMicros(disabledAt), toMicros(now), id)
	if err != nil {
		return fmt.Errorf("store: update user: %w", err)
	}
	if err := mustAffect(res); err != nil {
		return err
	}
	return q.setServiceAreas(ctx, id, areas)
}

// SetPassword stores a new password hash.
func (q *Q) SetPassword(ctx context.Context, id int64, hash string, mustChange bool, now time.Time) error {
	res, err := q.exec(ctx, `UPDATE users SET password_hash = ?, must_change_password = ?, updated_at = ? WHERE id = ?`,
		hash, boolInt(mustChange), toMicros(now), id)
	if err != nil {
		return fmt.Errorf("store: set password: %w", err)
	}
	return mustAffect(res)
}

// TouchSignIn records a successful sign-in time.
func (q *Q) TouchSignIn(ctx context.Context, id int64, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE users SET last_sign_in_at = ? WHERE id = ?`, toMicros(at), id)
	return err
}

// UserByID returns one user with service areas.
func (q *Q) UserByID(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(q.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err != nil {
		return User{}, err
	}
	return u, q.loadAreas(ctx, []*User{&u})
}

// UserByEmail returns one user by case-insensitive e-mail.
func (q *Q) UserByEmail(ctx context.Context, email string) (User, error) {
	u, err := scanUser(q.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, strings.ToLower(email)))
	if err != nil {
		return User{}, err
	}
	return u, q.loadAreas(ctx, []*User{&u})
}

// Users lists every account, ordered by e-mail.
func (q *Q) Users(ctx context.Context) ([]User, error) {
	rows, err := q.query(ctx, `SELECT `+userColumns+` FROM users ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	defer rows.Close()
	var us []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	ptrs := make([]*User, len(us))
	for i := range us {
		ptrs[i] = &us[i]
	}
	return us, q.loadAreas(ctx, ptrs)
}

// CountUsers counts accounts; zero means first-run setup is open.
func (q *Q) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

func (q *Q) loadAreas(ctx context.Context, us []*User) error {
	if len(us) == 0 {
		return nil
	}
	byID := make(map[int64]*User, len(us))
	for _, u := range us {
		byID[u.ID] = u
		u.ServiceAreas = nil
	}
	query := `SELECT user_id, service_area FROM user_service_areas`
	var args []any
	if len(us) == 1 {
		query += ` WHERE user_id = ?`
		args = append(args, us[0].ID)
	}
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: load service areas: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var a string
		if err := rows.Scan(&id, &a); err != nil {
			return mapErr(err)
		}
		if u := byID[id]; u != nil {
			u.ServiceAreas = append(u.ServiceAreas, a)
		}
	}
	for _, u := range us {
		sort.Strings(u.ServiceAreas)
	}
	return mapErr(rows.Err())
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

type rowsAffected interface{ RowsAffected() (int64, error) }

func mustAffect(res rowsAffected) error {
	n, err := res.RowsAffected()
	if err != nil {
		return mapErr(err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
