package auth

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

func TestAPITokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		s, l, _ := newService(t, db)
		ctx := context.Background()
		var ie *fail.Error
		if _, _, err := s.IssueToken(ctx, "user:1", "", []string{ScopeRecordingsWrite}); !errors.As(err, &ie) || ie.Kind != fail.Invalid || ie.Field != "name" {
			t.Errorf("nameless token: %v", err)
		}
		if _, _, err := s.IssueToken(ctx, "user:1", "pbx", []string{"everything"}); !errors.As(err, &ie) || ie.Kind != fail.Invalid || ie.Field != "scope" {
			t.Errorf("unknown scope: %v", err)
		}
		tok, secret, err := s.IssueToken(ctx, "user:1", "pbx", []string{ScopeRecordingsWrite})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, TokenPrefix) || len(secret) < 40 || tok.TokenHash == secret || strings.Contains(tok.TokenHash, secret[4:]) {
			t.Errorf("token %q / stored %q", secret, tok.TokenHash)
		}
		p, err := s.AuthenticateToken(ctx, secret)
		if err != nil || p.Role != Integration || !p.HasScope(ScopeRecordingsWrite) || p.Actor() != "token:"+itoa(tok.ID) {
			t.Fatalf("authenticate: %+v %v", p, err)
		}
		if AnyStaff.Allows(p) {
			t.Error("a token client counts as staff")
		}
		for _, bad := range []string{"", "flt_nope", secret[4:], secret + "x"} {
			if _, err := s.AuthenticateToken(ctx, bad); !errors.Is(err, ErrBadToken) {
				t.Errorf("token %q: %v", bad, err)
			}
		}
		if err := s.RevokeToken(ctx, "user:1", tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateToken(ctx, secret); !errors.Is(err, ErrBadToken) {
			t.Errorf("revoked token still works: %v", err)
		}
		rows, err := l.Entries(ctx, store.AuditFilter{Action: "token."})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0].Action != "token.revoke" || rows[1].Action != "token.issue" {
			t.Errorf("audit: %+v", rows)
		}
	})
}
