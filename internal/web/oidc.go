package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/oidc"
)

// signInView is what the sign-in page offers: Microsoft when OpenID
// Connect is configured, the password form when password sign-in is open
// (otherwise folded away for the break-glass administrator).
type signInView struct {
	Microsoft     bool
	PasswordOpen  bool
	SignedOut     bool
	EndSessionURL string
}

func (s *Server) signInView(r *http.Request) signInView {
	v := signInView{Microsoft: s.OIDC != nil, PasswordOpen: s.Auth.PasswordSignIn(), SignedOut: r.URL.Query().Has("signed-out")}
	if v.SignedOut && s.OIDC != nil {
		v.EndSessionURL = s.OIDC.EndSessionURL(r.Context(), s.BaseURL+"/sign-in")
	}
	return v
}

// oidcStart sends the browser to the identity provider.
func (s *Server) oidcStart(w http.ResponseWriter, r *http.Request) error {
	if s.OIDC == nil {
		return fail.New(fail.NotFound, "sign-in with Microsoft is not set up")
	}
	to, err := s.OIDC.Begin(r.Context(), safeNext(r.URL.Query().Get("next")))
	if err != nil {
		return err
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// oidcCallback finishes a sign-in the provider sends back. A refusal gets
// a page that says why in words staff can act on; the technical detail of
// a token that failed its checks goes to the log (it names no person).
func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) error {
	if s.OIDC == nil {
		return fail.New(fail.NotFound, "sign-in with Microsoft is not set up")
	}
	q := r.URL.Query()
	res, err := s.OIDC.Finish(r.Context(), q.Get("state"), q.Get("code"), q.Get("error"))
	var fe *fail.Error
	switch {
	case err == nil:
	case errors.Is(err, oidc.ErrState), errors.Is(err, oidc.ErrToken), errors.Is(err, oidc.ErrTenant),
		errors.Is(err, oidc.ErrUnmapped), errors.Is(err, oidc.ErrDenied), errors.Is(err, auth.ErrAccountDisabled),
		errors.Is(err, auth.ErrProviderAccount):
		s.metrics.signIns.WithLabelValues("refused").Inc()
		s.Logger.Warn("sign-in with the identity provider refused", "reason", err.Error())
		errors.As(err, &fe)
		return s.renderStatus(w, r, http.StatusForbidden, "sign_in_refused", &page{Title: "You cannot sign in", Data: fe.Msg})
	case errors.As(err, &fe) && fe.Kind == fail.Invalid:
		// A provider account whose address or role the policy refuses.
		s.Logger.Warn("sign-in with the identity provider refused", "reason", err.Error())
		return s.renderStatus(w, r, http.StatusForbidden, "sign_in_refused", &page{Title: "You cannot sign in",
			Data: "Your Microsoft account's details or groups do not fit Fairline's settings; ask IT to check the group mapping."})
	default:
		return err
	}
	s.metrics.signIns.WithLabelValues("success").Inc()
	s.setCookie(w, "fairline_session", res.Token, 0)
	http.Redirect(w, r, safeNext(res.Next), http.StatusSeeOther)
	return nil
}

// signedOutURL is where sign-out lands: the sign-in page, which offers the
// provider's end-session endpoint when OpenID Connect is configured.
func (s *Server) signedOutURL() string {
	if s.OIDC == nil {
		return "/sign-in"
	}
	return "/sign-in?" + url.Values{"signed-out": {"1"}}.Encode()
}
