package auth

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
)

// ProviderIdentity is who an identity provider (Microsoft Entra ID through
// OpenID Connect) says has signed in, with the access its groups or app
// roles map to in configuration.
type ProviderIdentity struct {
	Provider     string // "oidc"
	Subject      string // the provider's stable id for the person (Entra's oid)
	Email        string
	DisplayName  string
	Role         string
	ServiceAreas []string
}

// ErrProviderAccount means the address a provider gives belongs to an
// account that signs in another way (a password account): it is not
// taken over silently; an administrator must decide.
var ErrProviderAccount = fail.New(fail.Conflict,
	"an account with your e-mail address already signs in with a password; ask an administrator to remove it so your Microsoft account can be used")

// ErrAccountDisabled means the account exists but an administrator has
// disabled it.
var ErrAccountDisabled = fail.New(fail.Forbidden, "your account has been disabled; ask an administrator")

// SignInWithProvider starts a session for an identity the provider has
// vouched for. The first sign-in creates the account (just in time) and
// later ones bring its role, service areas, address and name in line with
// the provider's, so a change in Entra takes effect at the next sign-in;
// both write the same audit entries as an administrator's change
// (user.create, user.update), with the provider as actor. A role change
// ends the account's other sessions, as UpdateUser does.
func (s *Service) SignInWithProvider(ctx context.Context, id ProviderIdentity) (string, *Principal, error) {
	email, err := normaliseEmail(id.Email)
	if err != nil {
		return "", nil, err
	}
	role, areas, err := s.checkAccess(id.Role, id.ServiceAreas)
	if err != nil {
		return "", nil, err
	}
	actor := "idp:" + id.Provider
	now := s.now()
	var u User
	err = s.db.Tx(ctx, func(q *store.Q) error {
		u, err = q.UserBySubject(ctx, id.Provider, id.Subject)
		if errors.Is(err, store.ErrNotFound) {
			u = User{Email: email, DisplayName: strings.TrimSpace(id.DisplayName), Role: string(role),
				AuthProvider: id.Provider, Subject: id.Subject, ServiceAreas: areas, CreatedAt: now}
			if u.ID, err = q.CreateUser(ctx, u); err != nil {
				return err
			}
			_, err = s.audit.Append(ctx, q, audit.Entry{Actor: actor, Action: "user.create", Object: userObject(u.ID),
				Purpose: "access_management", Outcome: audit.Success})
			return err
		}
		if err != nil {
			return err
		}
		if !u.DisabledAt.IsZero() {
			return ErrAccountDisabled
		}
		if u.Email != email || u.DisplayName != strings.TrimSpace(id.DisplayName) {
			if err := q.SetUserIdentity(ctx, u.ID, email, strings.TrimSpace(id.DisplayName), now); err != nil {
				return err
			}
			u.Email, u.DisplayName = email, strings.TrimSpace(id.DisplayName)
		}
		if u.Role == string(role) && slices.Equal(u.ServiceAreas, areas) {
			return nil
		}
		if err := q.UpdateUserAccess(ctx, u.ID, string(role), areas, u.DisabledAt, now); err != nil {
			return err
		}
		if err := q.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
		u.Role, u.ServiceAreas = string(role), areas
		_, err = s.audit.Append(ctx, q, audit.Entry{Actor: actor, Action: "user.update", Object: userObject(u.ID),
			Purpose: "access_management", Outcome: audit.Success})
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		err = ErrProviderAccount
	}
	if err != nil {
		if errors.Is(err, ErrAccountDisabled) {
			if aerr := s.RefuseProviderSignIn(ctx, id.Provider, u.ID); aerr != nil {
				return "", nil, aerr
			}
		}
		return "", nil, err
	}
	return s.StartSession(ctx, u, id.Provider)
}

// RefuseProviderSignIn audits a sign-in the provider vouched for but
// Fairline refused (no mapped role, a disabled account): userID is the
// account when there is one, else 0.
func (s *Service) RefuseProviderSignIn(ctx context.Context, provider string, userID int64) error {
	obj := ""
	if userID != 0 {
		obj = userObject(userID)
	}
	return s.audit.Record(ctx, audit.Entry{Actor: "idp:" + provider, Action: "auth.sign_in", Object: obj,
		Purpose: "staff_access", Outcome: audit.Denied})
}
