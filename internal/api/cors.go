package api

import (
	"net/http"
	"slices"
)

// The widget runs on the council's own website and calls the chat API on
// Fairline's address: a cross-origin request. Only the two public chat
// routes answer cross-origin, and only to the origins configured
// (Deps.WidgetOrigins, e.g. https://www.example-council.gov.uk). They carry
// no ambient authority: the widget sends no cookies and the handlers use
// none, so allowing the council's pages to call them exposes nothing else.

var corsPaths = []string{"/api/v1/chat", "/api/v1/chat/feedback"}

func (s *Server) allowedOrigin(r *http.Request) (string, bool) {
	o := r.Header.Get("Origin")
	return o, o != "" && slices.Contains(s.WidgetOrigins, o)
}

// cors adds the response headers that let an allowed origin read the answer.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Origin")
		if o, ok := s.allowedOrigin(r); ok {
			w.Header().Set("Access-Control-Allow-Origin", o)
		}
		next.ServeHTTP(w, r)
	})
}

// preflight answers the browser's OPTIONS check before a cross-origin POST.
func (s *Server) preflight(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Origin")
	o, ok := s.allowedOrigin(r)
	if !ok {
		s.writeError(w, r, Errorf(http.StatusForbidden, "origin_not_allowed", "this site may not embed the chatbot"))
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", o)
	h.Set("Access-Control-Allow-Methods", "POST")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// CrossOriginPaths are the POST routes other sites' pages may call; the
// web layer exempts them from its cross-origin refusal.
func (s *Server) CrossOriginPaths() []string {
	if s.Chat == nil || len(s.WidgetOrigins) == 0 {
		return nil
	}
	return corsPaths
}
