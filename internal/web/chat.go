package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/clientaddr"
	"github.com/fairline/fairline/internal/fail"
)

// The /ask page: the website chatbot as a full page that works without
// JavaScript. The question is a form post; the conversation id travels in a
// hidden field (never a cookie); feedback is a small form per answer. The
// embeddable widget (assets/widget.js) talks to the JSON API instead.

// maxQuestion bounds what the page accepts, in characters, before the chat
// service applies its own limit.
const maxQuestion = 1000

// askView is the /ask page's data.
type askView struct {
	Available      bool
	Question       string // the question as kept (redacted), echoed on this page only
	ConversationID string
	Answer         *chat.Response
	Source         *chat.Source  // the page the answer comes from
	Suggestions    []chat.Source // up to two more pages
	Routes         []routeLink   // the handoff's contact routes
}

// routeLink is a contact route with its link checked: html/template would
// refuse tel: links, so they are vetted here instead.
type routeLink struct {
	Kind, Label string
	URL         template.URL
}

func newAskView(s *Server, conv string) askView {
	return askView{Available: s.Chat != nil, ConversationID: conv}
}

func (s *Server) askPage(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, "ask", &page{Title: "Ask a question", Data: newAskView(s, "")})
}

func (s *Server) ask(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	if s.Chat == nil {
		return &statusError{http.StatusServiceUnavailable, "The chatbot is not available at the moment. Use the council's website or contact details instead."}
	}
	q := strings.TrimSpace(r.PostForm.Get("question"))
	conv := cleanID(r.PostForm.Get("conversation_id"))
	v := newAskView(s, conv)
	// A question sent back for correction is refilled redacted: what the
	// resident typed never comes back in the page.
	pg := &page{Title: "Ask a question", Data: &v, Values: url.Values{"question": {s.Chat.RedactText(q)}}}
	switch {
	case q == "":
		pg.Errors = []fieldError{{"question", "Enter your question"}}
	case utf8.RuneCountInString(q) > maxQuestion:
		pg.Errors = []fieldError{{"question", "Your question must be 1,000 characters or fewer"}}
	}
	if len(pg.Errors) > 0 {
		return s.render(w, r, "ask", pg)
	}
	// The same limiter as the JSON API's: the form is another door to the
	// same service.
	if wait := s.ChatLimiter.Allow(clientaddr.FromRequest(r), conv); wait > 0 {
		return &fail.Error{Kind: fail.RateLimited, RetryAfter: wait,
			Msg: "You have asked a lot of questions in a short time. Wait a minute and try again."}
	}
	resp, err := s.Chat.Ask(r.Context(), chat.Request{Message: q, ConversationID: conv})
	if fe, ok := inputError(err); ok && fe.Field == "conversation_id" {
		// Not a conversation the service knows (any more): start afresh.
		resp, err = s.Chat.Ask(r.Context(), chat.Request{Message: q})
	}
	if err != nil {
		if msg, ok := chatInputError(err); ok {
			pg.Errors = []fieldError{{"question", msg}}
			return s.render(w, r, "ask", pg)
		}
		return err
	}
	v.Question, v.ConversationID, v.Answer = s.Chat.RedactText(q), resp.ConversationID, &resp
	if len(resp.Sources) > 0 {
		v.Source = &resp.Sources[0]
		v.Suggestions = resp.Sources[1:]
		if len(v.Suggestions) > 2 {
			v.Suggestions = v.Suggestions[:2]
		}
	}
	if resp.Handoff != nil {
		for _, rt := range resp.Handoff.Routes {
			v.Routes = append(v.Routes, routeLink{Kind: rt.Kind, Label: rt.Label, URL: safeLink(rt.URL)})
		}
	}
	// The next question starts empty; the answer is on the page.
	pg.Values = url.Values{}
	return s.render(w, r, "ask", pg)
}

func (s *Server) askFeedback(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	if s.Chat == nil {
		return &statusError{http.StatusServiceUnavailable, "The chatbot is not available at the moment."}
	}
	f := r.PostForm
	conv, turn := cleanID(f.Get("conversation_id")), cleanID(f.Get("turn_id"))
	helpful := f.Get("helpful")
	if conv == "" || turn == "" || (helpful != "yes" && helpful != "no") {
		return badRequest("The feedback could not be read. Go back and choose Yes or No under the answer.")
	}
	if err := s.Chat.Feedback(r.Context(), chat.Feedback{ConversationID: conv, TurnID: turn, Helpful: helpful == "yes"}); err != nil {
		if msg, ok := chatInputError(err); ok {
			return badRequest(msg)
		}
		return err
	}
	return s.render(w, r, "ask", &page{Title: "Ask a question", Data: newAskView(s, conv), Flash: "Thank you for your feedback"})
}

// cleanID keeps an id from a form only if it looks like one: ids are
// random tokens, so anything else is dropped rather than passed on.
func cleanID(id string) string {
	id = strings.TrimSpace(id)
	if id == "" || len(id) > 100 {
		return ""
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return ""
		}
	}
	return id
}

// safeLink keeps links from the knowledge base and the policy to schemes a
// resident can follow safely.
func safeLink(raw string) template.URL {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "mailto", "tel":
		return template.URL(u.String())
	}
	return ""
}

// chatInputError turns the chat service's complaints about a question or
// feedback into a message for the form.
func chatInputError(err error) (string, bool) {
	fe, ok := inputError(err)
	switch {
	case ok && fe.Field == "conversation_id":
		return "The conversation has expired. Ask your question again to start a new one.", true
	case ok:
		return fe.Msg, true
	case errors.Is(err, chat.ErrUnknownTurn):
		return "That answer is no longer kept, so feedback on it cannot be recorded.", true
	}
	return "", false
}
