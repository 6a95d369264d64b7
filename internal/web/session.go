package web

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/policy"
)

func principalFrom(r *http.Request) *auth.Principal { return auth.FromContext(r.Context()) }

func (s *Server) cookieName(base string) string {
	// __Host- cookies are bound to this exact origin over HTTPS.
	if s.SecureCookies {
		return "__Host-" + base
	}
	return base
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(name), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// withPrincipal resolves the session cookie, if any, for every request.
func (s *Server) withPrincipal(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Machine clients present an API token instead of a cookie.
		if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			p, err := s.Auth.AuthenticateToken(r.Context(), strings.TrimSpace(token))
			switch {
			case errors.Is(err, auth.ErrBadToken):
			case err != nil:
				s.fail(w, r, err)
				return
			default:
				r = r.WithContext(auth.NewContext(r.Context(), p))
			}
			next.ServeHTTP(w, r)
			return
		}
		c, err := r.Cookie(s.cookieName("fairline_session"))
		if err != nil || c.Value == "" {
			next.ServeHTTP(w, r)
			return
		}
		p, err := s.Auth.Authenticate(r.Context(), c.Value)
		switch {
		case errors.Is(err, auth.ErrNoSession):
			s.setCookie(w, "fairline_session", "", -1)
		case err != nil:
			s.fail(w, r, err)
			return
		default:
			r = r.WithContext(auth.NewContext(r.Context(), p))
		}
		next.ServeHTTP(w, r)
	})
}

// guard enforces a route's access rule, the must-change-password gate and
// CSRF on unsafe methods, then runs the handler and records metrics.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() { s.metrics.observe(rt.pattern, rec.status, time.Since(start)) }()
		p := principalFrom(r)
		if !rt.access.IsPublic() {
			if p == nil {
				next := r.URL.Path
				if r.Method != http.MethodGet {
					next = "/console"
				}
				http.Redirect(rec, r, "/sign-in?next="+url.QueryEscape(next), http.StatusSeeOther)
				return
			}
			if !rt.access.Allows(p) {
				s.fail(rec, r, errForbidden)
				return
			}
			if p.MustChangePassword && !rt.allowMustChange {
				http.Redirect(rec, r, "/console/account", http.StatusSeeOther)
				return
			}
			rec.Header().Set("Cache-Control", "no-store")
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := r.ParseForm(); err != nil {
				s.fail(rec, r, badRequest("The form could not be read."))
				return
			}
			if !s.validCSRF(r, r.PostForm.Get("csrf_token")) {
				s.fail(rec, r, errCSRF)
				return
			}
		}
		if err := rt.handle(rec, r); err != nil {
			s.fail(rec, r, err)
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

// Unwrap lets http.ResponseController reach the connection (deadlines,
// flushing) through the recorder.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// CSRF tokens are a MAC of the session id (signed in) or of a random
// pre-session cookie (signed out), so there is nothing to store and a token
// from one session is useless in another.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if p := principalFrom(r); p != nil {
		return s.mac("s:" + p.SessionID)
	}
	if c, err := r.Cookie(s.cookieName("fairline_csrf")); err == nil && len(c.Value) >= 32 {
		return s.mac("a:" + c.Value)
	}
	if w == nil {
		return ""
	}
	v := randomToken()
	s.setCookie(w, "fairline_csrf", v, 0)
	// Make the new cookie visible to a second call within this request.
	r.AddCookie(&http.Cookie{Name: s.cookieName("fairline_csrf"), Value: v})
	return s.mac("a:" + v)
}

func (s *Server) validCSRF(r *http.Request, got string) bool {
	want := s.csrfToken(nil, r)
	return want != "" && got != "" && hmac.Equal([]byte(got), []byte(want))
}

func (s *Server) mac(v string) string {
	m := hmac.New(sha256.New, s.CSRFKey)
	m.Write([]byte(v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// page is the data every template gets.
type page struct {
	Title     string
	Org       string
	Service   string
	Version   string
	Principal *auth.Principal
	Nav       []navItem
	Notices   []noticeLink
	CSRF      string
	Flash     string
	Errors    []fieldError
	Values    url.Values
	Data      any
	// Staff names the actor ids the page shows (auth.Service.StaffNames),
	// for pages that say who did something; see the staffName function.
	Staff map[string]string
}

type fieldError struct{ Field, Msg string }

type noticeLink struct{ ID, Title string }

// ErrorFor returns the message for a form field, if any.
func (p *page) ErrorFor(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Msg
		}
	}
	return ""
}

// Value returns a submitted or preset form value.
func (p *page) Value(field string) string { return p.Values.Get(field) }

func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, p *page) error {
	return s.renderStatus(w, r, http.StatusOK, name, p)
}

func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, name string, p *page) error {
	t, ok := s.pages[name]
	if !ok {
		return errors.New("web: no template " + name)
	}
	pol := s.Policy()
	p.Org, p.Service, p.Version = pol.Organisation.Name, "Fairline", s.Version
	p.Principal = principalFrom(r)
	p.Nav = s.nav(p.Principal, r.URL.Path)
	p.Notices = notices(pol)
	p.CSRF = s.csrfToken(w, r)
	if p.Values == nil {
		p.Values = url.Values{}
	}
	if len(p.Errors) > 0 && status == http.StatusOK {
		status = http.StatusUnprocessableEntity
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

func notices(p *policy.Policy) []noticeLink {
	out := make([]noticeLink, len(p.Systems))
	for i, sys := range p.Systems {
		out[i] = noticeLink{ID: sys.ID, Title: sys.Name}
	}
	return out
}

// safeNext keeps post-sign-in redirects on this site: next must be a path
// of this origin, else the console home is used. Browsers drop tabs and
// newlines anywhere in a URL and read a backslash as a slash, so
// "/\t/evil.example" or "/\\evil.example" would leave the site as
// "//evil.example": rather than guess how a browser cleans a URL, any
// control character or backslash, raw or percent-encoded, refuses next
// outright, as does a path that decodes to start with "//". What is left
// parses to a path with no scheme, host or user, which every browser
// resolves against this origin.
func safeNext(next string) string {
	const home = "/console"
	if next == "" || len(next) > 2048 || strings.ContainsFunc(next, unsafeInNext) {
		return home
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return home
	}
	if !strings.HasPrefix(next, "/") || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") ||
		strings.ContainsFunc(u.Path, unsafeInNext) {
		return home
	}
	return next
}

// unsafeInNext reports characters a redirect target must not hold:
// controls (C0, DEL, C1), which browsers strip or mangle, and backslashes,
// which they read as slashes.
func unsafeInNext(r rune) bool {
	return unicode.IsControl(r) || r == '\\' || r == utf8.RuneError
}
