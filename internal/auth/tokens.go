package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
)

// Integration is the role of a machine client holding an API token. It is
// never given to a person.
const Integration Role = "integration"

// Token scopes: what a machine client may do.
const (
	ScopeRecordingsWrite = "recordings:write"
)

// Scopes lists every scope an administrator can grant.
var Scopes = []string{ScopeRecordingsWrite}

// TokenPrefix marks Fairline API tokens, so a leaked one is recognisable
// by secret scanners.
const TokenPrefix = "flt_"

// ErrBadToken is returned for unknown, malformed or revoked tokens.
var ErrBadToken = errors.New("the API token is not valid")

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// IssueToken creates an API token with scopes and returns it; the secret is
// shown once and only its hash is kept.
func (s *Service) IssueToken(ctx context.Context, actor, name string, scopes []string) (APIToken, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return APIToken{}, "", fail.Field("name", "give the token a name of up to 100 characters, such as the telephony system it is for")
	}
	if len(scopes) == 0 {
		return APIToken{}, "", fail.Field("scope", "choose at least one permission")
	}
	for _, sc := range scopes {
		if !slices.Contains(Scopes, sc) {
			return APIToken{}, "", fail.Field("scope", "unknown permission "+strconv.Quote(sc))
		}
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return APIToken{}, "", err
	}
	secret := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	t := APIToken{Name: name, TokenHash: tokenHash(secret), Scopes: scopes, CreatedBy: actor, CreatedAt: s.now()}
	err := s.db.Tx(ctx, func(q *store.Q) error {
		id, err := q.CreateAPIToken(ctx, t)
		if err != nil {
			return err
		}
		t.ID = id
		_, err = s.audit.Append(ctx, q, audit.Entry{Actor: actor, Action: "token.issue", Object: "token:" + strconv.FormatInt(id, 10),
			Purpose: "access_management", Outcome: audit.Success})
		return err
	})
	return t, secret, err
}

// RevokeToken stops a token working at once.
func (s *Service) RevokeToken(ctx context.Context, actor string, id int64) error {
	return s.db.Tx(ctx, func(q *store.Q) error {
		if err := q.RevokeAPIToken(ctx, id, s.now()); err != nil {
			return err
		}
		_, err := s.audit.Append(ctx, q, audit.Entry{Actor: actor, Action: "token.revoke", Object: "token:" + strconv.FormatInt(id, 10),
			Purpose: "access_management", Outcome: audit.Success})
		return err
	})
}

// AuthenticateToken resolves a bearer token to an integration principal.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (*Principal, error) {
	if !strings.HasPrefix(token, TokenPrefix) {
		return nil, ErrBadToken
	}
	t, err := s.db.Q().APITokenByHash(ctx, tokenHash(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrBadToken
	}
	if err != nil {
		return nil, err
	}
	if !t.RevokedAt.IsZero() {
		return nil, ErrBadToken
	}
	if err := s.db.Q().TouchAPIToken(ctx, t.ID, s.now()); err != nil {
		return nil, err
	}
	return &Principal{TokenID: t.ID, Role: Integration, Scopes: t.Scopes}, nil
}

// HasScope reports whether an integration principal was granted scope.
func (p *Principal) HasScope(scope string) bool {
	return p != nil && p.Role == Integration && slices.Contains(p.Scopes, scope)
}
