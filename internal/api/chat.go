package api

import (
	"errors"
	"math"
	"mime"
	"net/http"
	"strconv"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/clientaddr"
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
	if err := s.allowChat(w, r, req.ConversationID); err != nil {
		return err
	}
	resp, err := s.Chat.Ask(r.Context(), req)
	if err != nil {
		return chatError(err)
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
	if err := s.allowChat(w, r, f.ConversationID); err != nil {
		return err
	}
	if err := s.Chat.Feedback(r.Context(), f); err != nil {
		return chatError(err)
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "recorded"})
	return nil
}

// chatError turns the chat service's errors into API errors; anything else
// goes to errorStatus as it is.
func chatError(err error) error {
	var ie *chat.InputError
	switch {
	case errors.As(err, &ie):
		return Errorf(http.StatusUnprocessableEntity, "invalid_"+ie.Field, "%s", ie.Message)
	case errors.Is(err, chat.ErrUnknownTurn):
		return Errorf(http.StatusNotFound, "unknown_turn", "no such answer in this conversation (answers are deleted after the retention period)")
	}
	return err
}

// allowChat takes a request from the client's chatbot allowance (the
// limiter shared with the /ask page) or returns a 429 error with
// Retry-After set. The client address comes from clientaddr, so behind a
// trusted reverse proxy each resident has their own bucket.
func (s *Server) allowChat(w http.ResponseWriter, r *http.Request, conversation string) error {
	wait := s.ChatLimiter.Allow(clientaddr.FromRequest(r), conversation)
	if wait <= 0 {
		return nil
	}
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return Errorf(http.StatusTooManyRequests, "rate_limited", "too many questions: try again in %d seconds", secs)
}
