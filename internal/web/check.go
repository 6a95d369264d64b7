package web

import (
	"net/http"
	"time"

	"github.com/fairline/fairline/internal/check"
)

// How old a report each page may show. Staff see a fresh one (a minute spares a reload);
// the public page at most one run per instance every ten minutes, whoever asks.
const (
	consoleCheckAge      = time.Minute
	transparencyCheckAge = 10 * time.Minute
)

// promisesPage shows every promise of the notices with its notice sentence, result, count and
// detail (information governance and auditors: the details name configuration, never people).
func (s *Server) promisesPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderCheck(w, r, "promises", "Promises", consoleCheckAge, true)
}

// transparency is the public page: the same promises with figures only (result and count), so
// residents can see that the notices are kept.
func (s *Server) transparency(w http.ResponseWriter, r *http.Request) error {
	return s.renderCheck(w, r, "transparency", "Are we keeping our privacy promises?", transparencyCheckAge, false)
}

// renderCheck renders a check page; details (staff pages only) adds each promise's detail.
func (s *Server) renderCheck(w http.ResponseWriter, r *http.Request, name, title string, age time.Duration, details bool) error {
	if s.Check == nil {
		return errNotFound
	}
	rep, err := s.Check.Latest(r.Context(), age)
	if err != nil {
		// The report still lists every promise, a check that could not run as broken.
		s.Logger.Error("a promise check could not run", "err", err)
	}
	counts := map[string]int{}
	for res, n := range rep.Counts() {
		counts[string(res)] = n
	}
	return s.render(w, r, name, &page{Title: title, Data: struct {
		Report  check.Report
		Counts  map[string]int
		Details bool
	}{rep, counts, details}})
}
