package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/kb"
	"github.com/fairline/fairline/internal/policy"
)

// Knowledge base: the pages the chatbot answers from, and the paths staff
// keep out of it.

const kbPageSize = 100

var kbFlashes = map[string]string{
	"excluded":     "The path has been excluded. Pages under it will no longer be used for answers.",
	"included":     "The path is no longer excluded. Its pages will be used for answers again.",
	"vocabulary":   "The vocabulary has been saved and every page classified again.",
	"area":         "The page's service area has been saved. Answers from it are counted under it from now on.",
	"hint-added":   "The hint has been saved. Questions like it are sent to its page from now on.",
	"hint-changed": "The hint's page has been changed.",
	"hint-deleted": "The hint has been deleted.",
}

// errNoChat answers the classification pages of a server without a chatbot.
var errNoChat = fail.New(fail.Unavailable, "The chatbot is not configured, so pages are not classified.")

// errNoKB answers the knowledge-base pages of a server without one.
var errNoKB = fail.New(fail.Unavailable, "The knowledge base is not configured.")

// errNoKBPage answers a page address the knowledge base does not hold.
var errNoKBPage = &statusError{http.StatusNotFound, "There is no page with that address in the knowledge base."}

// chatAreas are the service areas the policy gives the chatbot.
func (s *Server) chatAreas() []policy.ServiceArea {
	if sys, ok := s.Policy().System(chat.System); ok {
		return sys.ServiceAreas
	}
	return nil
}

type kbView struct {
	Counts     kb.Counts
	Sources    []kb.Source
	Excluded   []kb.ExcludedPath
	Pages      []kb.Page
	ErrorsOnly bool
	PageNo     int
	Prev, Next string
	CanEdit    bool
}

func (s *Server) kbPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderKB(w, r, &page{Flash: kbFlashes[r.URL.Query().Get("done")]})
}

func (s *Server) renderKB(w http.ResponseWriter, r *http.Request, pg *page) error {
	if s.KB == nil {
		return errNoKB
	}
	ctx := r.Context()
	v := kbView{ErrorsOnly: r.URL.Query().Get("errors") == "1", PageNo: 1, CanEdit: principalFrom(r).Is(auth.Administrator)}
	if n, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && n > 1 && n < 1_000_000 {
		v.PageNo = n
	}
	var err error
	if v.Counts, err = s.KB.Counts(ctx); err != nil {
		return err
	}
	if v.Sources, err = s.KB.Sources(ctx); err != nil {
		return err
	}
	if v.Excluded, err = s.KB.ExcludedPaths(ctx); err != nil {
		return err
	}
	v.Pages, err = s.KB.Pages(ctx, kb.PageFilter{ErrorsOnly: v.ErrorsOnly, Limit: kbPageSize + 1, Offset: (v.PageNo - 1) * kbPageSize})
	if err != nil {
		return err
	}
	link := func(n int) string {
		u := url.Values{}
		if v.ErrorsOnly {
			u.Set("errors", "1")
		}
		if n > 1 {
			u.Set("page", strconv.Itoa(n))
		}
		if len(u) == 0 {
			return "/console/kb"
		}
		return "/console/kb?" + u.Encode()
	}
	if len(v.Pages) > kbPageSize {
		v.Pages = v.Pages[:kbPageSize]
		v.Next = link(v.PageNo + 1)
	}
	if v.PageNo > 1 {
		v.Prev = link(v.PageNo - 1)
	}
	if pg.Staff, err = s.Auth.StaffNames(r.Context()); err != nil {
		return err
	}
	pg.Title, pg.Data = "Knowledge base", v
	return s.render(w, r, "kb", pg)
}

// kbExclude adds an excluded path prefix (administrators).
func (s *Server) kbExclude(w http.ResponseWriter, r *http.Request) error {
	if s.KB == nil {
		return errNoKB
	}
	raw := r.PostForm.Get("prefix")
	_, err := s.KB.ExcludePath(r.Context(), principalFrom(r).Actor(), raw)
	if fe, ok := inputError(err); ok {
		return s.renderKB(w, r, &page{Errors: []fieldError{fe}, Values: url.Values{"prefix": {raw}}})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/kb?done=excluded", http.StatusSeeOther)
	return nil
}

// kbInclude removes an excluded path prefix (administrators).
func (s *Server) kbInclude(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PostForm.Get("id"), 10, 64)
	if err != nil {
		return badRequest("Choose an excluded path to remove.")
	}
	if s.KB == nil {
		return errNoKB
	}
	if _, err := s.KB.IncludePath(r.Context(), principalFrom(r).Actor(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/kb?done=included", http.StatusSeeOther)
	return nil
}

// vocabularyView is the search vocabulary page: the classification rules and
// synonyms in force, and the policy's service areas they may name.
type vocabularyView struct {
	Vocabulary chat.Vocabulary
	Areas      []policy.ServiceArea
	CanEdit    bool
	Hints      hintsView
}

func (s *Server) vocabularyPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderVocabulary(w, r, &page{Flash: kbFlashes[r.URL.Query().Get("done")]}, nil)
}

func (s *Server) renderVocabulary(w http.ResponseWriter, r *http.Request, pg *page, edited *chat.Vocabulary) error {
	if s.Chat == nil {
		return errNoChat
	}
	v, err := s.Chat.Vocabulary(r.Context())
	if err != nil {
		return err
	}
	if edited != nil {
		v.AreaRules, v.Synonyms = edited.AreaRules, edited.Synonyms
	}
	if pg.Staff, err = s.Auth.StaffNames(r.Context()); err != nil {
		return err
	}
	view := vocabularyView{Vocabulary: v, Areas: s.chatAreas(), CanEdit: principalFrom(r).Is(auth.Administrator)}
	if view.Hints, err = s.hintsSection(w, r, pg.Staff); err != nil {
		return err
	}
	pg.Title, pg.Data = "Search vocabulary", view
	return s.render(w, r, "kb_vocabulary", pg)
}

// saveVocabulary replaces the rules and synonyms (administrators). A wrong
// line is shown against its box, with the text as typed.
func (s *Server) saveVocabulary(w http.ResponseWriter, r *http.Request) error {
	if s.Chat == nil {
		return errNoChat
	}
	v := chat.Vocabulary{AreaRules: r.PostForm.Get("area_rules"), Synonyms: r.PostForm.Get("synonyms")}
	err := s.Chat.UpdateVocabulary(r.Context(), principalFrom(r).Actor(), v)
	if fe, ok := inputError(err); ok {
		return s.renderVocabulary(w, r, &page{Errors: []fieldError{fe}}, &v)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/kb/vocabulary?done=vocabulary", http.StatusSeeOther)
	return nil
}

// kbPageView is one knowledge-base page with its service area.
type kbPageView struct {
	chat.PageArea
	Areas   []policy.ServiceArea
	CanEdit bool
}

// kbPageDetail shows one page and how it is classified.
func (s *Server) kbPageDetail(w http.ResponseWriter, r *http.Request) error {
	return s.renderKBPage(w, r, &page{Flash: kbFlashes[r.URL.Query().Get("done")]}, r.URL.Query().Get("url"))
}

func (s *Server) renderKBPage(w http.ResponseWriter, r *http.Request, pg *page, pageURL string) error {
	if s.Chat == nil {
		return errNoChat
	}
	pa, err := s.Chat.PageArea(r.Context(), pageURL)
	if fail.Is(err, fail.NotFound) {
		return errNoKBPage
	} else if err != nil {
		return err
	}
	v := kbPageView{PageArea: pa, Areas: s.chatAreas(), CanEdit: principalFrom(r).Is(auth.Administrator)}
	pg.Title, pg.Data = pa.Page.Title, v
	if pg.Title == "" {
		pg.Title = pa.Page.Path
	}
	return s.render(w, r, "kb_page", pg)
}

// setKBPageArea sets or clears the service area of one page (administrators).
func (s *Server) setKBPageArea(w http.ResponseWriter, r *http.Request) error {
	if s.Chat == nil {
		return errNoChat
	}
	pageURL, area := r.PostForm.Get("url"), r.PostForm.Get("area")
	err := s.Chat.SetPageArea(r.Context(), principalFrom(r).Actor(), pageURL, area)
	switch {
	case errors.Is(err, chat.ErrUnknownArea):
		return s.renderKBPage(w, r, &page{Errors: []fieldError{{"area", "Choose one of the service areas listed, or the rules"}}}, pageURL)
	case fail.Is(err, fail.NotFound):
		return errNoKBPage
	case err != nil:
		return err
	}
	http.Redirect(w, r, "/console/kb/page?"+url.Values{"url": {pageURL}, "done": {"area"}}.Encode(), http.StatusSeeOther)
	return nil
}
