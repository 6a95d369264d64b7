// Package chat is the website chatbot: it answers residents' questions by
// finding the most suitable passage of the council's own website and
// quoting it with a link, routes case-specific and eligibility questions to
// the right contact instead of deciding them, redacts personal data before
// anything is stored, logged or sent on, and reports on service areas and
// satisfaction. It also keeps the search vocabulary staff edit (service-area
// rules and synonyms) and builds its search index from the knowledge base.
// This file holds the types the API, the pages and the CLI exchange with the
// Service (service.go).
package chat

import "time"

// Request is one question. ConversationID is empty for a new conversation.
type Request struct {
	Message        string `json:"message"`
	ConversationID string `json:"conversation_id,omitempty"`
}

// Source is a page the answer comes from or points to.
type Source struct {
	URL     string `json:"url"`
	Title   string `json:"title"`
	Snippet string `json:"snippet"`
}

// Handoff says where a question the bot must not answer should go.
type Handoff struct {
	// Reason is "case_specific", "eligibility", "other_council" or
	// "not_found"; or, for a conversation reply that is not a question
	// about a service (smalltalk.go), "greeting", "thanks", "about_bot",
	// "contact", "complaint" or "no_question".
	Reason string `json:"reason"`
	// Message is the plain-English explanation shown to the resident.
	Message string `json:"message"`
	// Routes are the contact routes for the service area (online form,
	// phone, service page), from the knowledge base and the policy.
	Routes []Route `json:"routes"`
}

// Route is one way to contact the council (or another council).
type Route struct {
	Kind  string `json:"kind"` // "page", "form", "phone", "email"
	Label string `json:"label"`
	URL   string `json:"url,omitempty"` // for page, form, email (mailto:) and phone (tel:)
}

// Response is the bot's answer.
type Response struct {
	ConversationID string   `json:"conversation_id"`
	TurnID         string   `json:"turn_id"`
	Answer         string   `json:"answer"`
	Sources        []Source `json:"sources"`
	ServiceArea    string   `json:"service_area"`
	Handoff        *Handoff `json:"handoff"`
	// Choices are 2–4 distinct pages offered when no single page is
	// clearly the answer (choices.go); Answer then introduces them and
	// Sources is empty. Empty otherwise.
	Choices []Source `json:"choices"`
	// Redacted lists the types of personal data removed from the question
	// before it was stored ("NHS number", "postcode", ...).
	Redacted []string `json:"redacted"`
}

// Feedback is a resident's verdict on one answer.
type Feedback struct {
	ConversationID string `json:"conversation_id"`
	TurnID         string `json:"turn_id"`
	Helpful        bool   `json:"helpful"`
	Comment        string `json:"comment,omitempty"` // redacted before storage
}

// DayStat is one day's figures for one service area. Stats are aggregates
// that outlive the raw turns they were counted from.
//
// DayStat is the chat service's type for readers of its reports (web);
// store.ChatDay has the same fields and is the stored row and the change the
// writer adds to it, used only inside chat. They stay two types so that
// callers of chat need not import store; Report converts one to the other.
type DayStat struct {
	Day         time.Time // midnight UTC
	ServiceArea string
	Questions   int
	Answered    int
	Handoffs    int
	Helpful     int
	NotHelpful  int
}

// Unanswered is a group of similar questions the bot could not answer.
type Unanswered struct {
	Example string // a redacted example question
	Count   int
	Last    time.Time
}

// PageUse counts how often a page was the answer's source.
type PageUse struct {
	URL, Title string
	Count      int
}

// NotHelpful is an answer a resident rated not helpful: the question
// (redacted) and the page answered from. It lasts as long as its turn.
type NotHelpful struct {
	Question           string
	PageURL, PageTitle string
	At                 time.Time
}

// Report is the staff reporting view over a period.
type Report struct {
	From, To   time.Time
	Days       []DayStat
	Unanswered []Unanswered
	TopPages   []PageUse
	NotHelpful []NotHelpful // newest first
}
