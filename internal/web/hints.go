package web

import (
	"net/http"
	"strconv"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/fail"
)

// Hints: "send questions like this to page X", from a question of the
// chatbot reports (unanswered, or answered and rated not helpful), listed
// with their effect under Search vocabulary, where administrators change
// their page or delete them (chat/hints.go). The forms work without
// JavaScript: finding a page is a search the form posts back to itself,
// and the question travels in the form's body, never in an address, since
// addresses end up in logs and browser histories.

// hintFound is how many pages a search for a hint's page offers.
const hintFound = 8

// hintForm is the page that chooses a hint's page: for a new hint (ID 0)
// or to change an existing one.
type hintForm struct {
	ID       int64
	Action   string // where the form posts
	Question string
	Current  *chat.Hint // the hint changed, nil for a new one
	Find     string     // what was searched for
	Found    []chat.PageRef
	Page     string // the page chosen among Found
	PageURL  string // or the address typed
}

// pageChoice is the page a hint form chose: the address typed wins over
// the radio, since typing it is a deliberate act.
func (f hintForm) pageChoice() string {
	if f.PageURL != "" {
		return f.PageURL
	}
	return f.Page
}

// readHintForm reads the fields every hint form posts.
func readHintForm(r *http.Request) hintForm {
	return hintForm{Question: r.PostForm.Get("question"), Find: r.PostForm.Get("find"),
		Page: r.PostForm.Get("page"), PageURL: r.PostForm.Get("page_url")}
}

// renderHintForm finds pages for the form (what was typed into Find, else
// the question itself, whose words may name the right page) and shows it.
func (s *Server) renderHintForm(w http.ResponseWriter, r *http.Request, f hintForm, errs []fieldError) error {
	q := f.Find
	if q == "" {
		q = f.Question
	}
	found, err := s.Chat.FindPages(r.Context(), q, hintFound)
	if err != nil {
		return err
	}
	if f.Current != nil && f.Page == "" && f.PageURL == "" {
		f.Page = f.Current.PageURL
	}
	if f.Page != "" && !containsPage(found, f.Page) {
		// The page chosen (or the hint's own) stays on offer.
		title := f.Page
		if f.Current != nil && f.Current.PageURL == f.Page {
			title = f.Current.PageTitle
		}
		found = append([]chat.PageRef{{URL: f.Page, Title: title}}, found...)
	}
	f.Found = found
	title := "Send questions like this to a page"
	if f.Current != nil {
		title = "Change the page of a hint"
	}
	return s.render(w, r, "kb_hint", &page{Title: title, Data: f, Errors: errs})
}

func containsPage(ps []chat.PageRef, url string) bool {
	for _, p := range ps {
		if p.URL == url {
			return true
		}
	}
	return false
}

// newHint is the form for a new hint (administrators): the reports post
// the question here (action "find"), the form posts back to search again,
// and "save" adds the hint.
func (s *Server) newHint(w http.ResponseWriter, r *http.Request) error {
	if s.Chat == nil {
		return errNoChat
	}
	f := readHintForm(r)
	f.Action = "/console/kb/hints"
	if r.PostForm.Get("action") != "save" {
		return s.renderHintForm(w, r, f, nil)
	}
	_, err := s.Chat.AddHint(r.Context(), principalFrom(r).Actor(), f.Question, f.pageChoice())
	return s.hintSaved(w, r, f, err, "hint-added")
}

// hintSaved answers a hint form's "save": the form again with the error
// against its field, or back to the list with the done message.
func (s *Server) hintSaved(w http.ResponseWriter, r *http.Request, f hintForm, err error, done string) error {
	if fe, ok := inputError(err); ok {
		return s.renderHintForm(w, r, f, []fieldError{fe})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/kb/vocabulary?done="+done+"#hints", http.StatusSeeOther)
	return nil
}

// hintFromPath is the hint the path names.
func (s *Server) hintFromPath(r *http.Request) (chat.Hint, error) {
	if s.Chat == nil {
		return chat.Hint{}, errNoChat
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return chat.Hint{}, errNotFound
	}
	return s.Chat.Hint(r.Context(), id)
}

// editHintPage shows the form that changes a hint's page (administrators).
func (s *Server) editHintPage(w http.ResponseWriter, r *http.Request) error {
	h, err := s.hintFromPath(r)
	if err != nil {
		return err
	}
	return s.renderHintForm(w, r, hintForm{ID: h.ID, Action: "/console/kb/hints/" + strconv.FormatInt(h.ID, 10),
		Question: h.Question, Current: &h}, nil)
}

// editHint searches again or saves the hint's new page (administrators).
func (s *Server) editHint(w http.ResponseWriter, r *http.Request) error {
	h, err := s.hintFromPath(r)
	if err != nil {
		return err
	}
	f := readHintForm(r)
	f.ID, f.Action, f.Question, f.Current = h.ID, "/console/kb/hints/"+strconv.FormatInt(h.ID, 10), h.Question, &h
	if r.PostForm.Get("action") != "save" {
		return s.renderHintForm(w, r, f, nil)
	}
	_, err = s.Chat.SetHintPage(r.Context(), principalFrom(r).Actor(), h.ID, f.pageChoice())
	return s.hintSaved(w, r, f, err, "hint-changed")
}

// deleteHint deletes a hint (administrators).
func (s *Server) deleteHint(w http.ResponseWriter, r *http.Request) error {
	h, err := s.hintFromPath(r)
	if err != nil {
		return err
	}
	if err := s.Chat.DeleteHint(r.Context(), principalFrom(r).Actor(), h.ID); err != nil && !fail.Is(err, fail.NotFound) {
		return err
	}
	http.Redirect(w, r, "/console/kb/vocabulary?done=hint-deleted#hints", http.StatusSeeOther)
	return nil
}

// hintsView is the hints section of the search vocabulary page.
type hintsView struct {
	chat.HintEffects
	Summary []summaryRow // all hints together
	Table   table
	CanEdit bool
}

// hintsSection lists the hints with their effect for the vocabulary page;
// administrators get a link to change each one's page and a button to
// delete it.
func (s *Server) hintsSection(w http.ResponseWriter, r *http.Request, staff map[string]string) (hintsView, error) {
	e, err := s.Chat.HintEffects(r.Context())
	if err != nil {
		return hintsView{}, err
	}
	v := hintsView{HintEffects: e, CanEdit: principalFrom(r).Is(auth.Administrator), Summary: []summaryRow{
		{"Answered before a hint", rateCell(e.Before)},
		{"Answered after a hint", rateCell(e.After)},
	}}
	v.Table = table{ID: "hints", Caption: "Hints, oldest first, with the share of questions like each answered before and after it was added",
		CaptionClass: "govuk-visually-hidden", Scroll: true,
		Cols: []column{{"Question", false}, {"Page", false}, {"Added", false}, {"Answered before", true}, {"Answered after", true}}}
	var token string
	if v.CanEdit {
		token = s.csrfToken(w, r)
		v.Table.Cols = append(v.Table.Cols, column{Label: "Change"}, column{Label: "Delete"})
	}
	for _, h := range e.Hints {
		page := cell{Text: h.PageTitle, Href: h.PageURL, External: true}
		if page.Text == "" {
			page.Text = h.PageURL
		}
		if !h.Active {
			page.Text += " (not used for answers now: the page is excluded or has no content)"
		}
		added := dayText(h.CreatedAt) + " by " + staffNameOf(staff, h.CreatedBy)
		if h.UpdatedAt.After(h.CreatedAt) {
			added += "; page changed " + dayText(h.UpdatedAt) + " by " + staffNameOf(staff, h.UpdatedBy)
		}
		row := []cell{{Text: h.Question}, page, {Text: added}, rateCell(h.Before), rateCell(h.After)}
		if v.CanEdit {
			id := strconv.FormatInt(h.ID, 10)
			row = append(row, cell{Text: "Change page", Hidden: "of the hint for “" + h.Question + "”", Href: "/console/kb/hints/" + id},
				cell{Form: &cellForm{Action: "/console/kb/hints/" + id + "/delete", Label: "Delete",
					Context: "the hint for “" + h.Question + "”", CSRF: token}})
		}
		v.Table.Rows = append(v.Table.Rows, row)
	}
	return v, nil
}

// rateCell is an answered rate with its counts, as "40% of 5 questions", or
// "no questions".
func rateCell(r chat.Rate) cell {
	if r.Questions == 0 {
		return cell{Text: "no questions", Numeric: true}
	}
	n := " questions"
	if r.Questions == 1 {
		n = " question"
	}
	return cell{Text: percent(r.Answered, r.Questions) + " of " + strconv.Itoa(r.Questions) + n, Numeric: true}
}

// staffNameOf names an actor id ("user:12") from the page's Staff map (the
// template function staffName); an id nobody has a name for (a removed
// account, "system") stays.
func staffNameOf(names map[string]string, actor string) string {
	if n, ok := names[actor]; ok {
		return n
	}
	return actor
}
