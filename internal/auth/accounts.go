package auth

import (
	"cmp"
	"context"
	"strconv"

	"github.com/fairline/fairline/internal/store"
)

// The account records callers above the store read through this package:
// the pages and the API see auth's names, and only auth speaks to the store
// about accounts and tokens.
type (
	// User is a staff account.
	User = store.User
	// APIToken is a machine client's token (its hash, never the secret).
	APIToken = store.APIToken
)

// Users lists every account, for administrators.
func (s *Service) Users(ctx context.Context) ([]User, error) { return s.db.Q().Users(ctx) }

// User returns one account; store.ErrNotFound (a fail.NotFound) when there
// is none.
func (s *Service) User(ctx context.Context, id int64) (User, error) {
	return s.db.Q().UserByID(ctx, id)
}

// NeedsSetup reports whether there is no account yet, so first-run set-up
// may create the first administrator.
func (s *Service) NeedsSetup(ctx context.Context) (bool, error) {
	n, err := s.db.Q().CountUsers(ctx)
	return n == 0, err
}

// Tokens lists the API tokens, revoked ones included.
func (s *Service) Tokens(ctx context.Context) ([]APIToken, error) { return s.db.Q().APITokens(ctx) }

// StaffNames maps the actor ids that registers and the knowledge base keep
// ("user:12", "token:3") to what staff call them: an account's display name
// (its e-mail address when it has none), an API token's name. The audit log
// keeps the ids; pages that show who did something name them.
func (s *Service) StaffNames(ctx context.Context) (map[string]string, error) {
	users, err := s.Users(ctx)
	if err != nil {
		return nil, err
	}
	tokens, err := s.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(users)+len(tokens))
	for _, u := range users {
		names["user:"+strconv.FormatInt(u.ID, 10)] = cmp.Or(u.DisplayName, u.Email)
	}
	for _, t := range tokens {
		names["token:"+strconv.FormatInt(t.ID, 10)] = "API token " + t.Name
	}
	return names, nil
}
