// Package api serves Fairline's JSON API under /api/v1. Like the pages, each
// route is declared once with who may use it; errors are JSON of one shape,
// {"error": {"code": ..., "message": ...}}: the services' errors answer with
// the status and code of their kind from the one table the pages use too
// (internal/fail), the API's own request errors with theirs (errorStatus).
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/ratelimit"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/surveys"
)

// Deps are what the API needs.
type Deps struct {
	Auth   *auth.Service
	Audit  *audit.Log
	Policy func() *policy.Policy
	Logger *slog.Logger
	// Recordings is nil when call recording is not configured.
	Recordings *recording.Service
	// Surveys takes GOV.UK Notify's delivery receipts for survey texts; nil leaves the route out.
	Surveys *surveys.Service
	// Chat is the website chatbot; nil leaves its routes out. ChatLimiter
	// limits each client's questions and feedback; share it with the /ask
	// page (nil: a limiter of the API's own at ratelimit.DefaultChatRate).
	Chat        *chat.Service
	ChatLimiter *ratelimit.Limiter
	// WidgetOrigins are the council websites allowed to embed the chat
	// widget (scheme://host[:port]); empty allows only Fairline's own pages.
	WidgetOrigins []string
}

// Server is the JSON API.
type Server struct {
	Deps
	// UploadLimits bound how long a recording upload may take (zero:
	// recording.DefaultTransferLimits); tests set a tiny base and rate.
	UploadLimits recording.TransferLimits
	routes       []route
	// detectors holds the personal-data detector of the policy in force (POST /redact).
	detectors policy.DetectorCache
}

type route struct {
	pattern string
	sample  string
	access  auth.Rule
	handle  func(w http.ResponseWriter, r *http.Request) error
}

// RouteInfo describes a route for tests and documentation.
type RouteInfo struct{ Pattern, Sample string }

// New builds the API route table; a route without an access rule is an
// error, so nothing is reachable by omission.
func New(d Deps) (*Server, error) {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.ChatLimiter == nil {
		d.ChatLimiter = ratelimit.New(ratelimit.DefaultChatRate, ratelimit.Options{})
	}
	s := &Server{Deps: d}
	s.routes = []route{
		{pattern: "GET /api/v1/me", access: auth.AnyStaff, handle: s.me},
		{pattern: "POST /api/v1/redact", access: auth.AnyStaff, handle: s.redact},
	}
	if d.Recordings != nil {
		s.routes = append(s.routes,
			route{pattern: "POST /api/v1/recordings", access: auth.OnlyRoles(auth.Integration), handle: s.uploadRecording},
			route{pattern: "POST /api/v1/calls", access: auth.OnlyRoles(auth.Integration), handle: s.reportCall})
	}
	if d.Chat != nil {
		s.routes = append(s.routes, s.chatRoutes()...)
	}
	if d.Surveys != nil {
		// Public to the session layer: the handler checks Notify's own bearer token.
		s.routes = append(s.routes,
			route{pattern: "POST /api/v1/notify/callbacks", access: auth.Public, handle: s.notifyCallback})
	}
	for _, rt := range s.routes {
		if !rt.access.Declared() {
			return nil, fmt.Errorf("api: route %q has no access rule", rt.pattern)
		}
	}
	return s, nil
}

// Routes lists the API routes.
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, len(s.routes))
	for i, rt := range s.routes {
		out[i] = RouteInfo{rt.pattern, rt.sample}
	}
	return out
}

// Register mounts every API route on mux. The caller's middleware has
// already resolved the session into the request context.
func (s *Server) Register(mux *http.ServeMux) {
	for _, rt := range s.routes {
		h := s.guard(rt)
		if _, path, _ := strings.Cut(rt.pattern, " "); slices.Contains(corsPaths, path) {
			h = s.cors(h)
			mux.HandleFunc("OPTIONS "+path, s.preflight)
		}
		mux.Handle(rt.pattern, h)
	}
}

// NotRouted answers a request under /api/ that no route takes: 404, or
// 405 when the path exists with other methods (the caller has set Allow).
// There is no catch-all /api/ pattern: it would turn every 405 into 404.
func (s *Server) NotRouted(w http.ResponseWriter, r *http.Request, status int) {
	if status == http.StatusMethodNotAllowed {
		s.writeError(w, r, Errorf(status, "method_not_allowed", "this endpoint does not take that method (see the Allow header)"))
		return
	}
	s.writeError(w, r, Errorf(http.StatusNotFound, "not_found", "no such API endpoint"))
}

func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := auth.FromContext(r.Context())
		if !rt.access.Allows(p) {
			if p == nil {
				s.writeError(w, r, Errorf(http.StatusUnauthorized, "unauthenticated", "sign in first"))
			} else {
				s.writeError(w, r, Errorf(http.StatusForbidden, "forbidden", "your role may not use this endpoint"))
			}
			return
		}
		// A signed-in browser sends its cookie with any request, so unsafe
		// requests must be JSON: a cross-site form cannot send that without
		// a CORS preflight, which this API never grants. Token clients carry
		// no ambient credential and may upload other media types.
		if p != nil && p.Role != auth.Integration && r.Method != http.MethodGet && r.Method != http.MethodHead {
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
				s.writeError(w, r, Errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send Content-Type: application/json"))
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		if err := rt.handle(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// Error is an API error with its status and a stable code.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Message }

// Errorf makes an *Error.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// errorStatus maps errors to API errors: the API's own as they are, the
// services' by their kind (internal/fail), anything else as internal.
func errorStatus(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	if fe, ok := fail.As(err); ok && fe.Kind != fail.Internal {
		return &Error{fe.Kind.Status(), fe.APICode(), fe.Msg}
	}
	return &Error{http.StatusInternalServerError, "internal", "internal error"}
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	if fe, ok := fail.As(err); ok && fe.RetryAfter > 0 {
		fail.SetRetryAfter(w.Header(), fe.RetryAfter)
	}
	e := errorStatus(err)
	if e.Status >= 500 {
		s.Logger.Error("api request failed", "route", r.Pattern, "method", r.Method, "err", err)
	}
	writeJSON(w, e.Status, map[string]*Error{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// decode reads a JSON body of at most limit bytes into v, rejecting unknown
// fields, with errors that say what was wrong.
func decode(r *http.Request, limit int64, v any) error {
	r.Body = http.MaxBytesReader(nil, r.Body, limit)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &mbe):
			return Errorf(http.StatusRequestEntityTooLarge, "too_large", "request body is larger than %d bytes", limit)
		case errors.As(err, &se):
			return Errorf(http.StatusBadRequest, "bad_json", "request body is not valid JSON (at byte %d)", se.Offset)
		case errors.As(err, &te):
			return Errorf(http.StatusBadRequest, "bad_json", "field %q must be %s", te.Field, te.Type)
		default:
			return Errorf(http.StatusBadRequest, "bad_json", "request body: %s", err.Error())
		}
	}
	if dec.More() {
		return Errorf(http.StatusBadRequest, "bad_json", "request body must hold one JSON object")
	}
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	areas := p.ServiceAreas
	if areas == nil {
		areas = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"user_id": p.UserID, "role": p.Role, "service_areas": areas,
		"must_change_password": p.MustChangePassword})
	return nil
}
