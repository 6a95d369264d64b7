package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/rights"
)

// Data-subject rights casework in the console: the register with its
// dashboard, recording a request, and the case page with its actions; the
// requester's side is a single-use link to their package.

type rightsCasePage struct {
	Case     rights.Case
	Today    time.Time
	Found    *rights.Found
	Link     string
	Erasure  *rights.Erasure
	Restrict int
	CanWork  bool
}

// Option lists for the templates.
type rightsOptions struct {
	Kinds, Channels, Identity, Outcomes, Fields []rights.Option
}

var rightsLists = rightsOptions{rights.Kinds, rights.Channels, rights.IdentityStates, rights.Outcomes, rights.CorrectableFields}

func (s *Server) rightsPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.Rights.Register(r.Context(), principalFrom(r), 500)
	if err != nil {
		return err
	}
	return s.render(w, r, "rights", &page{Title: "Rights requests", Data: struct {
		rights.Dashboard
		CanRecord bool
	}{d, principalFrom(r).Is(auth.InformationGovernance)}})
}

func (s *Server) newRightsPage(w http.ResponseWriter, r *http.Request) error {
	pg := &page{Title: "Record a rights request", Data: rightsLists, Values: map[string][]string{
		"received": {time.Now().Format(time.DateOnly)}}}
	return s.render(w, r, "rights_new", pg)
}

func (s *Server) createRights(w http.ResponseWriter, r *http.Request) error {
	f := r.PostForm
	pg := &page{Title: "Record a rights request", Data: rightsLists, Values: f}
	date := func(field string) time.Time {
		v := strings.TrimSpace(f.Get(field))
		if v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation(time.DateOnly, v, time.Local)
		if err != nil {
			pg.Errors = append(pg.Errors, fieldError{field, "Enter a date like 2026-11-23"})
		}
		return t
	}
	n := rights.NewRequest{Kind: f.Get("kind"), Channel: f.Get("channel"), Identity: f.Get("identity"), Received: date("received"),
		Identifiers: rights.Identifiers{Phones: strings.FieldsFunc(f.Get("phones"), func(r rune) bool { return r == '\n' || r == ',' }),
			CallsFrom: date("calls_from"), CallsTo: date("calls_to"), Conversation: f.Get("conversation_id"), Email: f.Get("email")}}
	if len(pg.Errors) > 0 {
		return s.render(w, r, "rights_new", pg)
	}
	id, err := s.Rights.Record(r.Context(), principalFrom(r), n)
	if fe, ok := inputError(err); ok {
		pg.Errors = []fieldError{fe}
		return s.render(w, r, "rights_new", pg)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/console/rights/%d", id), http.StatusSeeOther)
	return nil
}

func caseID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

func (s *Server) rightsCase(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	return s.renderCase(w, r, &page{}, id, rightsCasePage{})
}

func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, pg *page, id int64, shown rightsCasePage) error {
	p := principalFrom(r)
	c, err := s.Rights.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	shown.Case, shown.Today = c, rights.Day(time.Now())
	shown.CanWork = c.Open() && p.Is(auth.InformationGovernance)
	pg.Title = fmt.Sprintf("Request %d", id)
	pg.Data = struct {
		rightsCasePage
		rightsOptions
	}{shown, rightsLists}
	staff, err := s.Auth.StaffNames(r.Context())
	if err != nil {
		return err
	}
	pg.Staff = staff
	return s.render(w, r, "rights_case", pg)
}

// rightsAction runs one action of the case page. Actions that show a
// result (search, release, erase, restrict) render the case with it; the
// others return to the case page.
func (s *Server) rightsAction(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	ctx, p, f := r.Context(), principalFrom(r), r.PostForm
	var shown rightsCasePage
	switch r.PathValue("action") {
	case "identity":
		err = s.Rights.VerifyIdentity(ctx, p, id)
	case "pause":
		err = s.Rights.Pause(ctx, p, id, f.Get("reason"))
	case "resume":
		err = s.Rights.Resume(ctx, p, id)
	case "extend":
		months, _ := strconv.Atoi(f.Get("months"))
		err = s.Rights.Extend(ctx, p, id, months, f.Get("extension_reason"))
		if fe, ok := fail.As(err); ok && fe.Field == "reason" {
			err = fail.Field("extension_reason", fe.Msg)
		}
	case "close":
		err = s.Rights.Close(ctx, p, id, f.Get("outcome"))
	case "search":
		var found rights.Found
		if found, err = s.Rights.Search(ctx, p, id); err == nil {
			shown.Found = &found
		}
	case "release":
		var token string
		if token, err = s.Rights.Release(ctx, p, id); err == nil {
			shown.Link = s.BaseURL + "/rights/" + token
		}
	case "erase":
		var res rights.Erasure
		if res, err = s.Rights.Erase(ctx, p, id); err == nil {
			shown.Erasure = &res
		}
	case "restrict":
		shown.Restrict, err = s.Rights.Restrict(ctx, p, id)
	case "rectify":
		err = s.Rights.Rectify(ctx, p, id, rights.Correction{RecordingID: strings.TrimSpace(f.Get("recording")),
			Field: f.Get("field"), Value: f.Get("value")})
	default:
		return errNotFound
	}
	if fe, ok := fail.As(err); ok && (fe.Kind == fail.Invalid || fe.Kind == fail.Conflict) {
		return s.renderCase(w, r, &page{Values: f, Errors: []fieldError{{fe.Field, capitalise(fe.Msg)}}}, id, shown)
	}
	if err != nil {
		return err
	}
	switch r.PathValue("action") {
	case "search", "release", "erase", "restrict":
	default:
		http.Redirect(w, r, fmt.Sprintf("/console/rights/%d", id), http.StatusSeeOther)
		return nil
	}
	return s.renderCase(w, r, &page{}, id, shown)
}

// The requester's side: a page, then a POST that spends the link, so mail
// systems' link scanners (which only GET) cannot use it up.
func (s *Server) rightsCollectPage(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	return s.render(w, r, "rights_collect", &page{Title: "Download your information", Data: "/rights/" + r.PathValue("token")})
}

// rightsCollect streams the package, built as it goes (nothing is written
// to disk). As for a disclosure, the link is spent only when the whole ZIP
// was written; a failed or too slow download gives it back.
func (s *Server) rightsCollect(w http.ResponseWriter, r *http.Request) error {
	// The package's manifest and letter are small beside the audio: the
	// limit is that of its recordings plus a minute.
	limit := func(size int64) time.Duration { return s.DownloadLimits.For(size) + time.Minute }
	pkg, err := s.Rights.Collect(r.Context(), r.PathValue("token"), limit)
	switch {
	case errors.Is(err, rights.ErrLinkSpent):
		return &statusError{http.StatusGone, "This download link has been used or has expired. Contact the council's data protection team for a new one."}
	case errors.Is(err, rights.ErrLinkBusy):
		return &statusError{http.StatusConflict, "Your information is being downloaded with this link right now. If that download does not finish, the link works again in a few minutes."}
	case err != nil:
		return err
	}
	ctx := context.WithoutCancel(r.Context())
	rc := http.NewResponseController(w)
	if err := rc.SetWriteDeadline(time.Now().Add(limit(pkg.Size()))); err != nil {
		return errors.Join(fmt.Errorf("rights download: set write deadline: %w", err), pkg.Abort(ctx))
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+pkg.FileName()+`"`)
	w.Header().Set("Cache-Control", "no-store")
	err = pkg.WriteZIP(r.Context(), w)
	if err == nil {
		err = rc.Flush()
	}
	s.finishTransfer(ctx, pkg, "rights package", err, "release", pkg.Release.ID)
	return nil
}
