package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/recording"
)

// Disclosures required by law (asked on a recording's page, approved by a
// second officer on their own page) and exemptions from erasure entered by
// hand (on a recording's page).

// legalFormPrefix keeps the by-law form's field ids apart from the
// ordinary disclosure form's on the same page.
const legalFormPrefix = "law_"

func (s *Server) requestLegalDisclosure(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r)
	rec, err := s.Recordings.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := r.PostForm
	v := func(name string) string { return f.Get(legalFormPrefix + name) }
	_, err = s.Recordings.RequestLegalDisclosure(r.Context(), p, rec.ID, recording.LegalDisclosureRequest{
		DisclosureRequest: recording.DisclosureRequest{Recipient: v("recipient"), LawfulBasis: v("lawful_basis"), Reason: v("reason"),
			Reference: v("reference")},
		LegalBasis: v("legal_basis")})
	if fe, ok := inputError(err); ok {
		fe.Field = legalFormPrefix + fe.Field
		return s.renderRecording(w, r, &page{Values: f, Errors: []fieldError{fe}}, rec, recordingShown{})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/disclosures/required-by-law?done=asked", http.StatusSeeOther)
	return nil
}

var legalFlashes = map[string]string{
	"asked":   "The disclosure is waiting for a second information governance officer to approve it. Nothing has been released.",
	"refused": "The disclosure was refused. Nothing was released.",
}

type legalDisclosuresView struct {
	Waiting, Decided []recording.LegalDisclosure
	Link             string // the link just made by an approval
	CanDecide        bool
	Me               string
	Bases            map[string]string
}

func (s *Server) legalDisclosuresPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderLegalDisclosures(w, r, &page{Flash: legalFlashes[r.URL.Query().Get("done")]}, "")
}

func (s *Server) renderLegalDisclosures(w http.ResponseWriter, r *http.Request, pg *page, link string) error {
	p := principalFrom(r)
	ls, err := s.Recordings.LegalDisclosures(r.Context(), 500)
	if err != nil {
		return err
	}
	v := legalDisclosuresView{Link: link, CanDecide: p.Is(auth.InformationGovernance), Me: p.Actor(), Bases: map[string]string{}}
	for _, b := range recording.DisclosureBases {
		v.Bases[b.ID] = b.Name
	}
	for _, l := range ls {
		if l.Decision == "" {
			v.Waiting = append(v.Waiting, l)
		} else {
			v.Decided = append(v.Decided, l)
		}
	}
	if pg.Staff, err = s.Auth.StaffNames(r.Context()); err != nil {
		return err
	}
	pg.Title, pg.Data = "Disclosures required by law", v
	return s.render(w, r, "legal_disclosures", pg)
}

// decideLegalDisclosure approves (showing the single-use link once) or
// refuses a waiting disclosure.
func (s *Server) decideLegalDisclosure(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	decision := map[string]string{"approve": recording.Approved, "refuse": recording.Refused}[r.PathValue("decision")]
	if decision == "" {
		return errNotFound
	}
	token, err := s.Recordings.DecideLegalDisclosure(r.Context(), principalFrom(r), id, decision)
	if fe, ok := inputError(err); ok {
		return s.renderLegalDisclosures(w, r, &page{Errors: []fieldError{{"waiting", fe.Msg}}}, "")
	}
	if errors.Is(err, recording.ErrSameOfficer) {
		return s.renderLegalDisclosures(w, r, &page{Errors: []fieldError{{"waiting", capitalise(err.Error())}}}, "")
	}
	if err != nil {
		return err
	}
	if decision == recording.Refused {
		http.Redirect(w, r, "/console/disclosures/required-by-law?done=refused", http.StatusSeeOther)
		return nil
	}
	return s.renderLegalDisclosures(w, r, &page{}, s.BaseURL+"/disclosures/"+token)
}

func (s *Server) addExemption(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r)
	rec, err := s.Recordings.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	_, err = s.Recordings.AddExemption(r.Context(), p, rec.ID, r.PostForm.Get("ground"), r.PostForm.Get("note"))
	if fe, ok := inputError(err); ok {
		return s.renderRecording(w, r, &page{Values: r.PostForm, Errors: []fieldError{fe}}, rec, recordingShown{})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/recordings/"+rec.ID+"#exemptions", http.StatusSeeOther)
	return nil
}

func (s *Server) withdrawExemption(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r)
	rec, err := s.Recordings.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	eid, err := strconv.ParseInt(r.PathValue("exemption"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if err := s.Recordings.WithdrawExemption(r.Context(), p, rec.ID, eid); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/recordings/"+rec.ID+"#exemptions", http.StatusSeeOther)
	return nil
}
