package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"math"
	"mime"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/chat"
)

// The public chatbot API, used by the widget (same origin, so no CORS).
// Residents do not sign in: the routes are auth.Public, JSON only, with a
// size limit and a per-client rate limit kept in memory only.

// chatBodyLimit bounds a request body: a 1,000-character question is at
// most 4,000 bytes of UTF-8, JSON escaping can double that.
const chatBodyLimit = 16 << 10

// DefaultChatRate is the questions (and feedback posts) a client may send
// per minute: a token bucket of this size refilled evenly over a minute.
const DefaultChatRate = 20

func (s *Server) chatRoutes() []route {
	lim := newRateLimiter(s.ChatRate, time.Now)
	return []route{
		{pattern: "POST /api/v1/chat", access: auth.Public, handle: func(w http.ResponseWriter, r *http.Request) error {
			return s.chatAsk(w, r, lim)
		}},
		{pattern: "POST /api/v1/chat/feedback", access: auth.Public, handle: func(w http.ResponseWriter, r *http.Request) error {
			return s.chatFeedback(w, r, lim)
		}},
	}
}

func requireJSON(r *http.Request) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return Errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send Content-Type: application/json")
	}
	return nil
}

func (s *Server) chatAsk(w http.ResponseWriter, r *http.Request, lim *rateLimiter) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	var req chat.Request
	if err := decode(r, chatBodyLimit, &req); err != nil {
		return err
	}
	if err := lim.allow(w, r, req.ConversationID); err != nil {
		return err
	}
	resp, err := s.Chat.Ask(r.Context(), req)
	if err != nil {
		return chatError(err)
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) chatFeedback(w http.ResponseWriter, r *http.Request, lim *rateLimiter) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	var f chat.Feedback
	if err := decode(r, chatBodyLimit, &f); err != nil {
		return err
	}
	if err := lim.allow(w, r, f.ConversationID); err != nil {
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

// rateLimiter is a token bucket per client, keyed by an HMAC of the client
// address and conversation under a key made at start and never stored, so
// the map holds no IP address. A second, larger bucket per address alone
// stops a client from escaping the limit by starting new conversations.
type rateLimiter struct {
	rate  float64 // tokens per second
	burst float64
	key   [32]byte
	now   func() time.Time

	mu      sync.Mutex
	buckets map[[32]byte]*bucket
	sweptAt time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// perAddressFactor: the per-address bucket is this many times the
// per-conversation one.
const perAddressFactor = 3

// newRateLimiter allows perMinute requests a minute per client; 0 means
// DefaultChatRate and a negative value turns limiting off.
func newRateLimiter(perMinute int, now func() time.Time) *rateLimiter {
	if perMinute == 0 {
		perMinute = DefaultChatRate
	}
	l := &rateLimiter{rate: float64(perMinute) / 60, burst: float64(perMinute), now: now, buckets: map[[32]byte]*bucket{}}
	if perMinute < 0 {
		return l
	}
	rand.Read(l.key[:])
	return l
}

func (l *rateLimiter) hash(parts ...string) [32]byte {
	m := hmac.New(sha256.New, l.key[:])
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	var out [32]byte
	copy(out[:], m.Sum(nil))
	return out
}

// allow takes a token for the client or returns a 429 error with
// Retry-After set.
func (l *rateLimiter) allow(w http.ResponseWriter, r *http.Request, conversation string) error {
	if l.rate <= 0 {
		return nil
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if len(conversation) > 64 {
		conversation = conversation[:64]
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	wait := math.Max(l.take(l.hash("conv", host, conversation), l.burst, now, false),
		l.take(l.hash("addr", host), l.burst*perAddressFactor, now, false))
	if wait > 0 {
		secs := int(math.Ceil(wait))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		return Errorf(http.StatusTooManyRequests, "rate_limited", "too many questions: try again in %d seconds", secs)
	}
	l.take(l.hash("conv", host, conversation), l.burst, now, true)
	l.take(l.hash("addr", host), l.burst*perAddressFactor, now, true)
	return nil
}

// take refills the bucket and returns the seconds until a token is there
// (0 if one is); with commit it spends the token.
func (l *rateLimiter) take(k [32]byte, burst float64, now time.Time, commit bool) float64 {
	b := l.buckets[k]
	if b == nil {
		b = &bucket{tokens: burst, at: now}
		l.buckets[k] = b
	}
	if el := now.Sub(b.at).Seconds(); el > 0 {
		b.tokens = math.Min(burst, b.tokens+el*l.rate*burst/l.burst)
		b.at = now
	}
	if b.tokens >= 1 {
		if commit {
			b.tokens--
		}
		return 0
	}
	return (1 - b.tokens) / (l.rate * burst / l.burst)
}

// sweep drops full buckets once a minute, so the map stays small.
func (l *rateLimiter) sweep(now time.Time) {
	if now.Sub(l.sweptAt) < time.Minute {
		return
	}
	l.sweptAt = now
	for k, b := range l.buckets {
		if now.Sub(b.at).Seconds()*l.rate >= l.burst*perAddressFactor {
			delete(l.buckets, k)
		}
	}
}
