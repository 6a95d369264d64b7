package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/notice"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/rights"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "home", &page{Title: "Home"})
}

func (s *Server) privacyIndex(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "privacy_index", &page{Title: "Privacy notices"})
}

func (s *Server) notice(w http.ResponseWriter, r *http.Request) error {
	pol := s.Policy()
	sys, ok := pol.System(r.PathValue("system"))
	if !ok {
		return errNotFound
	}
	var stores []string
	if s.StoreLocations != nil {
		stores = s.StoreLocations(sys.ID)
	}
	body, err := notice.HTML(pol, sys.ID, stores)
	if err != nil {
		return err
	}
	return s.render(w, r, "notice", &page{Title: sys.Title, Data: body})
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) error {
	s.staticHandler().ServeHTTP(w, r)
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err := fmt.Fprintln(w, "ok")
	return err
}

// readyz answers 200 only when the database takes writes (a ping passes on a read-only
// database, on which chat, sign-in and uploads all fail) and the background job runner is
// alive; otherwise 503, naming what failed.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	var failed []string
	if err := s.checkWrite(r.Context()); err != nil {
		s.Logger.Warn("readiness check failed", "check", "database", "err", err)
		failed = append(failed, "database not writable")
	}
	if s.Jobs != nil {
		if err := s.Jobs.Alive(); err != nil {
			s.Logger.Warn("readiness check failed", "check", "jobs", "err", err)
			failed = append(failed, "background jobs not running")
		}
	}
	if len(failed) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, err := fmt.Fprintln(w, strings.Join(failed, "\n"))
		return err
	}
	_, err := fmt.Fprintln(w, "ready")
	return err
}

// Signing in and out.

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) error {
	if principalFrom(r) != nil {
		http.Redirect(w, r, "/console", http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, "sign_in", &page{Title: "Sign in", Values: url.Values{"next": {r.URL.Query().Get("next")}}, Data: s.signInView(r)})
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) error {
	email, pw := r.PostForm.Get("email"), r.PostForm.Get("password")
	pg := &page{Title: "Sign in", Values: url.Values{"email": {email}, "next": {r.PostForm.Get("next")}}, Data: s.signInView(r)}
	switch {
	case email == "":
		pg.Errors = append(pg.Errors, fieldError{"email", "Enter your email address"})
	case pw == "":
		pg.Errors = append(pg.Errors, fieldError{"password", "Enter your password"})
	}
	if len(pg.Errors) > 0 {
		return s.render(w, r, "sign_in", pg)
	}
	token, p, err := s.Auth.SignInWithPassword(r.Context(), email, pw)
	var locked *auth.LockedError
	switch {
	case errors.As(err, &locked):
		s.metrics.signIns.WithLabelValues("locked").Inc()
		fail.SetRetryAfter(w.Header(), time.Until(locked.Until))
		pg.Errors = []fieldError{{"email", "Too many failed attempts. Try again after " + locked.Until.Local().Format("15:04") + "."}}
		return s.renderStatus(w, r, http.StatusTooManyRequests, "sign_in", pg)
	case errors.Is(err, auth.ErrBusy):
		s.metrics.signIns.WithLabelValues("busy").Inc()
		fail.SetRetryAfter(w.Header(), auth.BusyRetryAfter)
		pg.Errors = []fieldError{{"email", auth.ErrBusy.Msg}}
		return s.renderStatus(w, r, http.StatusTooManyRequests, "sign_in", pg)
	case errors.Is(err, auth.ErrBadCredentials):
		s.metrics.signIns.WithLabelValues("failure").Inc()
		pg.Errors = []fieldError{{"email", "The email address or password is not right"}}
		return s.render(w, r, "sign_in", pg)
	case err != nil:
		return err
	}
	s.metrics.signIns.WithLabelValues("success").Inc()
	s.setCookie(w, "fairline_session", token, 0)
	next := safeNext(r.PostForm.Get("next"))
	if p.MustChangePassword {
		next = "/console/account"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) error {
	if err := s.Auth.SignOut(r.Context(), principalFrom(r)); err != nil {
		return err
	}
	s.setCookie(w, "fairline_session", "", -1)
	http.Redirect(w, r, s.signedOutURL(), http.StatusSeeOther)
	return nil
}

func (s *Server) setupOpen(ctx context.Context, token string) (bool, error) {
	if !s.Setup.valid(token) {
		return false, nil
	}
	return s.Auth.NeedsSetup(ctx)
}

func (s *Server) setupPage(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("token")
	open, err := s.setupOpen(r.Context(), token)
	if err != nil {
		return err
	}
	return s.render(w, r, "setup", &page{Title: "Set up Fairline", Data: open, Values: url.Values{"token": {token}}})
}

func (s *Server) setup(w http.ResponseWriter, r *http.Request) error {
	token := r.PostForm.Get("token")
	open, err := s.setupOpen(r.Context(), token)
	if err != nil {
		return err
	}
	pg := &page{Title: "Set up Fairline", Data: open, Values: url.Values{"token": {token}, "email": {r.PostForm.Get("email")}}}
	if !open {
		return s.renderStatus(w, r, http.StatusForbidden, "setup", pg)
	}
	pw := r.PostForm.Get("password")
	if pw == "" {
		pg.Errors = []fieldError{{"password", "Enter a password"}}
		return s.render(w, r, "setup", pg)
	}
	u, _, err := s.Auth.CreateUser(r.Context(), "system", auth.NewUser{Email: r.PostForm.Get("email"),
		Role: string(auth.Administrator), Password: pw, FirstUser: true})
	if err != nil {
		if fe, ok := inputError(err); ok {
			pg.Errors = []fieldError{fe}
			return s.render(w, r, "setup", pg)
		}
		return err
	}
	s.Setup.close()
	token, _, err = s.Auth.StartSession(r.Context(), u, "password")
	if err != nil {
		return err
	}
	s.setCookie(w, "fairline_session", token, 0)
	http.Redirect(w, r, "/console", http.StatusSeeOther)
	return nil
}

// inputError is a service's complaint about one field of a form (a
// fail.Error naming the field: invalid, or clashing with what is stored),
// as the form shows it beside the field.
func inputError(err error) (fieldError, bool) {
	if e, ok := fail.As(err); ok && e.Field != "" && (e.Kind == fail.Invalid || e.Kind == fail.Conflict) {
		return fieldError{e.Field, capitalise(e.Msg)}, true
	}
	return fieldError{}, false
}

func capitalise(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// Console.

var flashes = map[string]string{
	"updated":  "The account has been updated",
	"password": "Your password has been changed",
	"revoked":  "The token has been revoked",
}

func (s *Server) consoleHome(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r)
	names := areaNames(s.Policy())
	var areas []string
	for _, a := range p.ServiceAreas {
		areas = append(areas, names[a])
	}
	// Information governance and auditors are reminded of rights requests
	// due soon or overdue wherever they start.
	var reminder *rights.Dashboard
	if p.Is(auth.InformationGovernance, auth.Auditor) && s.Rights != nil {
		d, err := s.Rights.Reminder(r.Context())
		if err != nil {
			return err
		}
		reminder = &d
	}
	return s.render(w, r, "console_home", &page{Title: "Staff console", Flash: flashes[r.URL.Query().Get("done")],
		Data: struct {
			Areas        []string
			Elsewhere    []navItem
			Reminder     *rights.Dashboard
			ReminderDays int
		}{areas, s.elsewhere(p), reminder, rights.ReminderWorkingDays}})
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "account", &page{Title: "Your account"})
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	err := s.Auth.ChangePassword(r.Context(), principalFrom(r), r.PostForm.Get("current_password"), r.PostForm.Get("new_password"))
	if fe, ok := inputError(err); ok {
		return s.render(w, r, "account", &page{Title: "Your account", Errors: []fieldError{fe}})
	}
	var locked *auth.LockedError
	if errors.As(err, &locked) {
		fail.SetRetryAfter(w.Header(), time.Until(locked.Until))
		return s.renderStatus(w, r, http.StatusTooManyRequests, "account", &page{Title: "Your account", Errors: []fieldError{{"current_password",
			"Too many wrong passwords. Try again after " + locked.Until.Local().Format("15:04") + "."}}})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console?done=password", http.StatusSeeOther)
	return nil
}

// Users (administrators).

func (s *Server) users(w http.ResponseWriter, r *http.Request) error {
	us, err := s.Auth.Users(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, r, "users", &page{Title: "Users", Data: us, Flash: flashes[r.URL.Query().Get("done")]})
}

type roleOption struct{ ID, Label, Help string }

type areaOption struct {
	ID, Name string
	Checked  bool
}

type userForm struct {
	Heading, Action string
	New             bool
	User            auth.User
	Roles           []roleOption
	Areas           []areaOption
	Password        string
}

var roleHelp = map[auth.Role]string{
	auth.Agent:                 "Customer service agent.",
	auth.TeamLeader:            "Leads a team; sees the records of their service areas.",
	auth.QualityAssessor:       "Evaluates calls for quality; sees the records of their service areas.",
	auth.InformationGovernance: "Handles rights requests, disclosures and legal holds.",
	auth.Administrator:         "Manages accounts and configuration.",
	auth.Auditor:               "Reads the audit log.",
}

func (s *Server) userForm(heading, action string, isNew bool, checked []string) userForm {
	f := userForm{Heading: heading, Action: action, New: isNew}
	for _, r := range auth.Roles {
		f.Roles = append(f.Roles, roleOption{ID: string(r), Label: r.Label(), Help: roleHelp[r]})
	}
	for _, a := range allAreas(s.Policy()) {
		f.Areas = append(f.Areas, areaOption{ID: a.ID, Name: a.Name, Checked: slices.Contains(checked, a.ID)})
	}
	return f
}

func (s *Server) newUserPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "user_form", &page{Title: "Add a user", Data: s.userForm("Add a user", "/console/users/new", true, nil),
		Values: url.Values{"role": {string(auth.Agent)}}})
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	f := r.PostForm
	form := s.userForm("Add a user", "/console/users/new", true, f["service_area"])
	u, pw, err := s.Auth.CreateUser(r.Context(), principalFrom(r).Actor(), auth.NewUser{
		Email: f.Get("email"), Role: f.Get("role"), ServiceAreas: f["service_area"]})
	if fe, ok := inputError(err); ok {
		return s.render(w, r, "user_form", &page{Title: "Add a user", Data: form, Errors: []fieldError{fe}, Values: f})
	}
	if err != nil {
		return err
	}
	form.Heading, form.User, form.Password = "Account created", u, pw
	return s.render(w, r, "user_form", &page{Title: "Account created", Data: form})
}

func (s *Server) userFromPath(r *http.Request) (auth.User, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return auth.User{}, errNotFound
	}
	return s.Auth.User(r.Context(), id)
}

func (s *Server) editUserPage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.userFromPath(r)
	if err != nil {
		return err
	}
	form := s.userForm("Change "+u.Email, "/console/users/"+strconv.FormatInt(u.ID, 10), false, u.ServiceAreas)
	form.User = u
	v := url.Values{"role": {u.Role}}
	if !u.DisabledAt.IsZero() {
		v.Set("disabled", "yes")
	}
	return s.render(w, r, "user_form", &page{Title: "Change a user", Data: form, Values: v})
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.userFromPath(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	err = s.Auth.UpdateUser(r.Context(), principalFrom(r).Actor(), u.ID, f.Get("role"), f["service_area"], f.Get("disabled") == "yes")
	if fe, ok := inputError(err); ok {
		form := s.userForm("Change "+u.Email, "/console/users/"+strconv.FormatInt(u.ID, 10), false, f["service_area"])
		form.User = u
		return s.render(w, r, "user_form", &page{Title: "Change a user", Data: form, Errors: []fieldError{fe}, Values: f})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/users?done=updated", http.StatusSeeOther)
	return nil
}

func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) error {
	u, err := s.userFromPath(r)
	if err != nil {
		return err
	}
	pw, err := s.Auth.ResetPassword(r.Context(), principalFrom(r).Actor(), u.ID)
	if err != nil {
		return err
	}
	form := s.userForm("Password reset", "", false, nil)
	form.User, form.Password = u, pw
	return s.render(w, r, "user_form", &page{Title: "Password reset", Data: form})
}

// Policy.

func (s *Server) policyPage(w http.ResponseWriter, r *http.Request) error {
	pol := s.Policy()
	var hist []policy.Version
	if s.PolicyHistory != nil {
		var err error
		if hist, err = s.PolicyHistory(r.Context(), 20); err != nil {
			return err
		}
	}
	return s.render(w, r, "policy", &page{Title: "Policy", Data: struct {
		Policy  *policy.Policy
		History []policy.Version
		YAML    string
	}{pol, hist, string(pol.Bytes())}})
}

func (s *Server) ropaPage(w http.ResponseWriter, r *http.Request) error {
	body, err := notice.ROPAHTML(s.Policy())
	if err != nil {
		return err
	}
	return s.render(w, r, "ropa", &page{Title: "Record of processing activities", Data: body})
}

func (s *Server) ropaCSV(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="record-of-processing.csv"`)
	return notice.ROPACSV(w, s.Policy())
}

// Audit log.

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderAudit(w, r, nil)
}

func (s *Server) renderAudit(w http.ResponseWriter, r *http.Request, rep *audit.Report) error {
	q := r.URL.Query()
	f := audit.Filter{Action: q.Get("action"), Actor: q.Get("actor"), Limit: 50}
	f.BeforeSeq, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	entries, err := s.Audit.Entries(r.Context(), f)
	if err != nil {
		return err
	}
	older := ""
	if len(entries) == f.Limit {
		v := url.Values{"before": {strconv.FormatInt(entries[len(entries)-1].Seq, 10)}}
		for _, k := range []string{"action", "actor"} {
			if q.Get(k) != "" {
				v.Set(k, q.Get(k))
			}
		}
		older = "/console/audit?" + v.Encode()
	}
	return s.render(w, r, "audit", &page{Title: "Audit log", Values: q, Data: struct {
		Entries []audit.Entry
		Older   string
		Verify  *audit.Report
	}{entries, older, rep}})
}

func (s *Server) auditVerify(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.Audit.Verify(r.Context())
	if err != nil {
		return err
	}
	outcome := audit.Success
	if rep.Problem != nil {
		outcome = audit.Failure
	}
	if err := s.Audit.Record(r.Context(), audit.Entry{Actor: principalFrom(r).Actor(), Action: "audit.verify",
		Purpose: "accountability", Outcome: outcome}); err != nil {
		return err
	}
	return s.renderAudit(w, r, &rep)
}

// Policy helpers for templates.

type retentionRow struct{ Kind, Area, Period string }

func retentionRows(sys policy.System) []retentionRow {
	var rows []retentionRow
	for _, k := range sys.DataKinds {
		if !k.PersonalData {
			continue
		}
		overridden := false
		for _, a := range sys.ServiceAreas {
			if ret, ok := a.Retention[k.ID]; ok {
				rows = append(rows, retentionRow{k.Name, a.Name, ret.String()})
				overridden = true
			}
		}
		if !overridden {
			rows = append(rows, retentionRow{k.Name, "All", k.Retention.String()})
		}
	}
	return rows
}

func allAreas(p *policy.Policy) []policy.ServiceArea {
	var out []policy.ServiceArea
	seen := map[string]bool{}
	for _, sys := range p.Systems {
		for _, a := range sys.ServiceAreas {
			if !seen[a.ID] {
				seen[a.ID] = true
				out = append(out, a)
			}
		}
	}
	return out
}

func areaNames(p *policy.Policy) map[string]string {
	m := map[string]string{}
	for _, a := range allAreas(p) {
		m[a.ID] = a.Name
	}
	return m
}
