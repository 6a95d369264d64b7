// Package web serves Fairline's HTML pages: the public privacy notices, the
// chatbot's page (/ask) and widget, the download page for disclosed
// recordings, first-run setup and the staff console. Handlers are thin:
// parse, call a service, render. Every
// route is declared once in routes.go with the roles allowed to use it;
// anything not declared is not served, and a route without an access rule
// does not start.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/check"
	"github.com/fairline/fairline/internal/clientaddr"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/kb"
	"github.com/fairline/fairline/internal/oidc"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/quality"
	"github.com/fairline/fairline/internal/ratelimit"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/rights"
	"github.com/fairline/fairline/internal/surveys"
	"github.com/fairline/fairline/internal/web/static"
	"github.com/prometheus/client_golang/prometheus"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Deps are what the pages need.
type Deps struct {
	Auth *auth.Service
	// OIDC signs staff in through Microsoft Entra ID (OpenID Connect); nil: not configured.
	OIDC          *oidc.Client
	Audit         *audit.Log
	Policy        func() *policy.Policy
	CSRFKey       []byte
	SecureCookies bool
	Setup         *Setup // nil once set-up is impossible
	Registry      prometheus.Registerer
	Gatherer      prometheus.Gatherer
	Logger        *slog.Logger
	Version       string
	// API mounts the JSON API's routes beside the pages, behind the same
	// session, security-header and cross-origin middleware, and answers
	// requests under /api/ that no route takes (404, or 405 with Allow
	// already set) in its own format.
	API interface {
		Register(*http.ServeMux)
		CrossOriginPaths() []string
		NotRouted(w http.ResponseWriter, r *http.Request, status int)
	}
	// KB is the knowledge base service whose hooks keep the chatbot's index
	// current; nil makes the console use one without hooks.
	KB *kb.Service
	// Recordings is the call recording service.
	Recordings *recording.Service
	// Rights is the register of data-subject requests.
	Rights *rights.Service
	// Surveys takes post-call survey answers (/s/{token}) and shows their results; nil: those
	// pages are not found.
	Surveys *surveys.Service
	// Quality is quality monitoring and the training library.
	Quality *quality.Service
	// BaseURL is the public address, for links given to people outside.
	BaseURL string
	// Chat is the website chatbot (the /ask page and the reports).
	Chat *chat.Service
	// StoreLocations gives the declared location codes of the stores that keep a system's data
	// (app.App.StoreLocations); the privacy notices say where data is stored only when the
	// policy allows them all. Nil: the notices say nothing about where data is stored.
	StoreLocations func(system string) []string
	// Jobs is the background job runner whose liveness /readyz reports (jobs.Queue); nil: no
	// runner to check.
	Jobs interface{ Alive() error }
	// CheckWrite checks the database takes writes, for /readyz (store.DB.CheckWrite); nil: no
	// database to check.
	CheckWrite func(context.Context) error
	// PolicyHistory lists the policies that came into force, newest first (app.App.PolicyHistory);
	// nil: the policy page shows no history.
	PolicyHistory func(ctx context.Context, limit int) ([]policy.Version, error)
	// ChatLimiter limits each client's questions on /ask; pass the one the
	// API uses (nil: one of the pages' own at ratelimit.DefaultChatRate).
	ChatLimiter *ratelimit.Limiter
	// Check proves the notices' promises (the console's Promises page, /transparency and the
	// fairline_promise_* metrics); nil: those pages are not found.
	Check *check.Service
	// TrustedProxies are the reverse proxies believed about the client
	// address (nil: nobody; the peer is the client).
	TrustedProxies *clientaddr.Trusted
}

// Server holds parsed templates and the route table.
type Server struct {
	Deps
	// DownloadLimits bound how long a disclosure download may take (zero:
	// recording.DefaultTransferLimits); tests set a tiny rate.
	DownloadLimits recording.TransferLimits
	pages          map[string]*template.Template
	routes         []route
	metrics        *metrics
	ready          writeCheck
}

// writeCheck caches the database write check of /readyz for writeCheckTTL, so polling the
// endpoint, however often, writes at most about once a second; concurrent requests share one
// check.
type writeCheck struct {
	mu  sync.Mutex
	at  time.Time
	err error
}

const writeCheckTTL = time.Second

func (s *Server) checkWrite(ctx context.Context) error {
	s.ready.mu.Lock()
	defer s.ready.mu.Unlock()
	if !s.ready.at.IsZero() && time.Since(s.ready.at) < writeCheckTTL {
		return s.ready.err
	}
	// Not the request's context: a client that hangs up must not leave a
	// cancelled check cached for the next caller.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	s.ready.err = nil
	if s.CheckWrite != nil {
		s.ready.err = s.CheckWrite(ctx)
	}
	s.ready.at = time.Now()
	return s.ready.err
}

// New parses every template (a template error fails start-up, not a
// request) and builds the route table.
func New(d Deps) (*Server, error) {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Registry == nil {
		r := prometheus.NewRegistry()
		d.Registry, d.Gatherer = r, r
	}
	if d.ChatLimiter == nil {
		d.ChatLimiter = ratelimit.New(ratelimit.DefaultChatRate, ratelimit.Options{})
	}
	s := &Server{Deps: d, pages: map[string]*template.Template{}}
	layout, err := template.New("layout.html").Funcs(funcs(d.Policy)).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || base == "partials" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", n, err)
		}
		s.pages[base] = t
	}
	s.metrics, err = newMetrics(d.Registry)
	if err != nil {
		return nil, err
	}
	if d.Check != nil {
		if err := d.Registry.Register(d.Check.Collector()); err != nil {
			return nil, err
		}
	}
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		if !rt.access.Declared() {
			return nil, fmt.Errorf("web: route %q has no access rule", rt.pattern)
		}
	}
	return s, nil
}

// asOptions lists choices (lawful bases, exemption grounds) for the form
// partials.
func asOptions[T ~struct{ ID, Name string }](xs []T) []rights.Option {
	out := make([]rights.Option, len(xs))
	for i, x := range xs {
		out[i] = rights.Option(x)
	}
	return out
}

// dayText is a date as pages show it: "2 January 2006", local time.
func dayText(t time.Time) string { return t.Local().Format("2 January 2006") }

func funcs(pol func() *policy.Policy) template.FuncMap {
	return template.FuncMap{
		"when": func(t time.Time) string { return t.Local().Format("2 Jan 2006 15:04:05") },
		"day":  dayText,
		"roleLabel": func(r string) string {
			return auth.Role(r).Label()
		},
		"areaName": func(id string) string {
			if n := areaNames(pol())[id]; n != "" {
				return n
			}
			return id
		},
		"retentionRows":    retentionRows,
		"rightsKind":       rights.KindLabel,
		"rightsChannel":    rights.ChannelLabel,
		"rightsOutcome":    rights.OutcomeLabel,
		"identityLabel":    rights.IdentityLabel,
		"ukDay":            func(t time.Time) string { return t.Format("Monday 2 January 2006") },
		"neg":              func(n int) int { return -n },
		"exemption":        rights.ExemptionText,
		"reminderDays":     func() int { return rights.ReminderWorkingDays },
		"exemptionGround":  recording.ExemptionGroundName,
		"exemptionGrounds": func() []rights.Option { return asOptions(recording.ExemptionGrounds) },
		"pauseReasons": func() []rights.Option {
			return []rights.Option{{ID: rights.PauseIdentity, Name: "Proof of identity"}, {ID: rights.PauseClarification, Name: "Clarification of the request"}}
		},
		"extensionChoices": func() []rights.Option {
			return []rights.Option{{ID: "1", Name: "One further month"}, {ID: "2", Name: "Two further months"}}
		},
		// radioField is the data of the "radios" partial; opts is a slice of a type with ID and
		// Name (rights.Option, surveys.Option).
		"radioField": func(name, legend string, opts any, pg *page) any {
			return struct {
				Name, Legend string
				Options      any
				Page         *page
			}{name, legend, opts, pg}
		},
		"rightsInput": func(name, label, hint, class string, pg *page) any {
			return struct {
				Name, Label, Hint, Class string
				Page                     *page
			}{name, label, hint, class, pg}
		},
		"criterionField": criterionField,
		"pct":            pct,
		"yesNo": func(b bool) string {
			if b {
				return "Yes"
			}
			return "No"
		},
		"statusLabel": func(s string) string {
			return map[string]string{"submitted": "Waiting for the agent", "acknowledged": "Acknowledged", "disputed": "Disputed"}[s]
		},
		"answerLabel": func(a string) string {
			if l, ok := map[string]string{"yes": "Yes", "no": "No", "na": "Not applicable", "pass": "Pass", "fail": "Fail"}[a]; ok {
				return l
			}
			return a
		},
		"criterionType": func(c quality.Criterion) string {
			switch c.Type {
			case quality.Critical:
				return "Pass or fail (critical)"
			case quality.Scale:
				return fmt.Sprintf("Scale from 1 to %d", c.Max)
			}
			return "Yes, no or not applicable"
		},
		"methodLabel": func(m string) string {
			return map[string]string{"random": "At random", "longest": "The longest calls", "inbound": "Inbound calls, at random",
				"outbound": "Outbound calls, at random"}[m]
		},
		"responseChoices": func() []rights.Option {
			return []rights.Option{{ID: "acknowledge", Name: "I acknowledge this evaluation"}, {ID: "dispute", Name: "I dispute this evaluation"}}
		},
		"score": scoreText,
		"qualityArgs": func(q *recordingQuality, pg *page) any {
			return struct {
				Q    *recordingQuality
				Page *page
			}{q, pg}
		},
		"summary":   summaryRows,
		"code":      codeCell,
		"staffName": staffNameOf,
		"recipientName": func(id string) string {
			for _, sys := range pol().Systems {
				for _, r := range sys.Recipients {
					if r.ID == id {
						return r.Name
					}
				}
			}
			return id
		},
	}
}

// Handler returns the whole site: routes, static files, security headers,
// cross-origin protection and metrics.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		mux.Handle(rt.pattern, s.guard(rt))
	}
	if s.API != nil {
		s.API.Register(mux)
	}
	cop := http.NewCrossOriginProtection()
	if s.API != nil {
		// Public, cookie-free routes the chat widget calls from council
		// websites (see internal/api/cors.go).
		for _, p := range s.API.CrossOriginPaths() {
			cop.AddInsecureBypassPattern("POST " + p)
		}
	}
	return s.securityHeaders(cop.Handler(s.TrustedProxies.Handler(s.withPrincipal(s.notRouted(mux)))))
}

// notRouted answers what no route takes. There is deliberately no
// catch-all pattern: one would match every method and turn "this path
// exists, but not with that method" into 404. Instead the mux's own answer
// is asked for (405 with Allow, or 404) and given in the site's format.
func (s *Server) notRouted(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		probe := &probeWriter{header: http.Header{}}
		h.ServeHTTP(probe, r)
		if probe.status != http.StatusNotFound && probe.status != http.StatusMethodNotAllowed {
			mux.ServeHTTP(w, r) // a redirect to the clean path
			return
		}
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() { s.metrics.observe("unrouted", rec.status, time.Since(start)) }()
		if allow := probe.header.Get("Allow"); allow != "" {
			rec.Header().Set("Allow", allow)
		}
		if s.API != nil && strings.HasPrefix(r.URL.Path, "/api/") {
			s.API.NotRouted(rec, r, probe.status)
			return
		}
		if probe.status == http.StatusMethodNotAllowed {
			s.fail(rec, r, &statusError{http.StatusMethodNotAllowed, "This page cannot be used that way."})
			return
		}
		s.fail(rec, r, errNotFound)
	})
}

// probeWriter keeps the status and headers of the mux's own answer and
// drops its body.
type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header { return p.header }
func (p *probeWriter) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}
func (p *probeWriter) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}

func (s *Server) staticHandler() http.Handler {
	sub, _ := fs.Sub(static.FS, "govuk")
	app, _ := fs.Sub(assetFS, "assets")
	govuk := http.StripPrefix("/static/govuk/", http.FileServerFS(sub))
	own := http.StripPrefix("/static/", http.FileServerFS(app))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		// The GOV.UK brand assets (fonts, crown) are not served: this is a
		// council service, not GOV.UK.
		if strings.HasPrefix(r.URL.Path, "/static/govuk/assets/") {
			http.NotFound(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/static/govuk/") {
			govuk.ServeHTTP(w, r)
			return
		}
		own.ServeHTTP(w, r)
	})
}

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// Handler errors the adapter understands, besides the services' (internal/fail).
var (
	errNotFound  = fail.New(fail.NotFound, "page not found")
	errForbidden = fail.New(fail.Forbidden, "forbidden")
	errCSRF      = errors.New("the form has expired")
)

// statusError is a page's own answer, with a status the fail kinds do not
// give (410 for a spent link, 400 for a form that cannot be read).
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

func badRequest(msg string) error { return &statusError{http.StatusBadRequest, msg} }

// fail renders err as a page, with the status of its kind from the table
// the JSON API uses too (internal/fail). Only unexpected errors are logged,
// at Error, with the route pattern, never the URL (which might carry
// personal data).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, title, msg := http.StatusInternalServerError, "Sorry, there is a problem with the service", "Try again later."
	var se *statusError
	fe, kinded := fail.As(err)
	switch {
	case errors.Is(err, errCSRF):
		status, title, msg = http.StatusForbidden, "The form has expired", "Go back, reload the page and try again."
	case errors.As(err, &se):
		status, title, msg = se.status, "There is a problem", se.msg
	case kinded && fe.Kind == fail.NotFound:
		status, title, msg = http.StatusNotFound, "Page not found", "If you typed the web address, check it is correct."
	case kinded && fe.Kind == fail.Forbidden:
		status, title, msg = http.StatusForbidden, "You do not have access to this page", "Ask an administrator if you need it for your work."
	case kinded && fe.Kind != fail.Internal:
		if fe.RetryAfter > 0 {
			fail.SetRetryAfter(w.Header(), fe.RetryAfter)
		}
		status, title, msg = fe.Kind.Status(), "There is a problem", capitalise(fe.Msg)
	case errors.Is(err, context.Canceled):
		return
	default:
		s.Logger.Error("request failed", "route", r.Pattern, "method", r.Method, "err", err)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.renderStatus(w, r, status, "error", &page{Title: title, Data: msg})
}
