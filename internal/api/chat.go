package api

import (
	"fmt"
	"mime"
	"net/http"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/clientaddr"
	"github.com/fairline/fairline/internal/fail"
)

// The public chatbot API, used by the widget (same origin, so no CORS).
// Residents do not sign in: the routes are auth.Public, JSON only, with a
// size limit and a per-client rate limit kept in memory only
// (internal/ratelimit).

// chatBodyLimit bounds a request body: a 1,000-character question is at
// most 4,000 bytes of UTF-8, JSON escaping can double that.
const chatBodyLimit = 16 << 10

func (s *Server) chatRoutes() []route {
	return []route{
		{pattern: "POST /api/v1/chat", access: auth.Public, handle: s.chatAsk},
		{pattern: "POST /api/v1/chat/feedback", access: auth.Public, handle: s.chatFeedback},
	}
}

func requireJSON(r *http.Request) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return Errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send Content-Type: application/json")
	}
	return nil
}

func (s *Server) chatAsk(w http.ResponseWriter, r *http.Request) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	var req chat.Request
	if err := decode(r, chatBodyLimit, &req); err != nil {
		return err
	}
	if err := s.allowChat(r, req.ConversationID); err != nil {
		return err
	}
	resp, err := s.Chat.Ask(r.Context(), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) chatFeedback(w http.ResponseWriter, r *http.Request) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	var f chat.Feedback
	if err := decode(r, chatBodyLimit, &f); err != nil {
		return err
	}
	if err := s.allowChat(r, f.ConversationID); err != nil {
		return err
	}
	if err := s.Chat.Feedback(r.Context(), f); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "recorded"})
	return nil
}

// allowChat takes a request from the client's chatbot allowance (the
// limiter shared with the /ask page) or returns a rate-limited error (429
// with Retry-After). The client address comes from clientaddr, so behind a
// trusted reverse proxy each resident has their own bucket.
func (s *Server) allowChat(r *http.Request, conversation string) error {
	wait := s.ChatLimiter.Allow(clientaddr.FromRequest(r), conversation)
	if wait <= 0 {
		return nil
	}
	return &fail.Error{Kind: fail.RateLimited, RetryAfter: wait,
		Msg: fmt.Sprintf("too many questions: try again in %d seconds", fail.RetrySeconds(wait))}
}
