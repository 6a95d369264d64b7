package web

import (
	"net/http"
	"strconv"

	"github.com/fairline/fairline/internal/auth"
)

type scopeOption struct{ ID, Label string }

var scopeLabels = map[string]string{
	auth.ScopeRecordingsWrite: "Upload call recordings",
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, pg *page, secret string) error {
	tokens, err := s.Auth.Tokens(r.Context())
	if err != nil {
		return err
	}
	var scopes []scopeOption
	for _, sc := range auth.Scopes {
		scopes = append(scopes, scopeOption{sc, scopeLabels[sc]})
	}
	pg.Title = "API tokens"
	pg.Data = struct {
		Tokens []auth.APIToken
		Scopes []scopeOption
		Secret string
	}{tokens, scopes, secret}
	return s.render(w, r, "tokens", pg)
}

func (s *Server) tokens(w http.ResponseWriter, r *http.Request) error {
	return s.renderTokens(w, r, &page{Flash: flashes[r.URL.Query().Get("done")]}, "")
}

func (s *Server) issueToken(w http.ResponseWriter, r *http.Request) error {
	_, secret, err := s.Auth.IssueToken(r.Context(), principalFrom(r).Actor(), r.PostForm.Get("name"), r.PostForm["scope"])
	if fe, ok := inputError(err); ok {
		return s.renderTokens(w, r, &page{Errors: []fieldError{fe}, Values: r.PostForm}, "")
	}
	if err != nil {
		return err
	}
	return s.renderTokens(w, r, &page{}, secret)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if err := s.Auth.RevokeToken(r.Context(), principalFrom(r).Actor(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/tokens?done=revoked", http.StatusSeeOther)
	return nil
}
