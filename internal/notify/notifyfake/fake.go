// Package notifyfake is a local GOV.UK Notify for tests and the demo: a real HTTP server that
// checks what Notify checks on a text message (the JWT's HS256 signature against a known key's
// secret, iss and the 30-second iat window, the UK mobile number, the template and its
// personalisation, 3,000 messages a minute per service) and answers with Notify's status codes
// and error bodies. It can be told to fail, and it can post delivery receipts.
//
// The numbers it receives are kept in memory only, for the life of the Server (Forget drops
// them), so tests can ask "was this number sent to once?"; nothing is written anywhere.
package notifyfake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/fairline/fairline/internal/notify"
)

// The demo's text message template (`fairline notify-fake` without --template): the survey
// link goes in the personalisation as "link".
const (
	DemoTemplateID   = "a3f1c2d4-5b6e-4f70-8a91-b2c3d4e5f607"
	DemoTemplateBody = "Thank you for calling us. Please tell us how we did: ((link))"
)

// RateLimit is Notify's limit on requests per service in any 60 seconds.
const RateLimit = 3000

// clockSkew is how far a token's iat may be from Notify's clock, either way.
const clockSkew = 30 * time.Second

// Options configure a Server.
type Options struct {
	// Keys are the API keys the server accepts; each names its service.
	Keys []notify.APIKey
	// Templates maps text message template ids to their bodies, with ((placeholders)) that the
	// personalisation must fill, as Notify's templates have.
	Templates map[string]string
	// RateLimit is the number of send requests a service may make in any 60 seconds: 0 is
	// Notify's 3,000; negative is none (benchmarks of the client).
	RateLimit int
	// Now is the server's clock (default time.Now).
	Now func() time.Time
	// Status gives the delivery status of a message to a number (447xxxxxxxxx); nil:
	// "delivered", as Notify's test keys report.
	Status func(number string) string
	// CallbackURL, when set, receives a delivery receipt for each message, with
	// "Authorization: Bearer CallbackToken", as Notify's callbacks are set up.
	CallbackURL   string
	CallbackToken string
	// CallbackClient posts the receipts (default: a client with a 10-second timeout).
	CallbackClient *http.Client
}

// Failure is a way the server can be told to fail (FailNext).
type Failure int

const (
	// ServerError answers 500 with Notify's "Internal server error" body.
	ServerError Failure = iota + 1
	// Hang never answers: the request is held until the client gives up or the server closes.
	Hang
	// AcceptThenHang accepts a valid text message (kept, counted, called back) and then never
	// answers, as when Notify took the message but the answer was lost.
	AcceptThenHang
)

// Forever, as FailNext's count, fails every request until Recover.
const Forever = -1

// Message is a text message the server accepted.
type Message struct {
	ID          string
	ServiceID   string
	PhoneNumber string // normalised: 447xxxxxxxxx
	TemplateID  string
	// Personalisation is as sent, each value as text.
	Personalisation map[string]string
	Reference       string
	Body            string // the template with the personalisation filled in
	Status          string
	CreatedAt       time.Time
}

// Server is the fake Notify. It is an http.Handler; serve it with httptest.NewServer or
// http.Server (`fairline notify-fake`).
type Server struct {
	opts    Options
	keys    map[string][]notify.APIKey // service id → keys
	now     func() time.Time
	limit   int
	closing chan struct{}
	closed  sync.Once
	pending sync.WaitGroup // callbacks being posted

	mu       sync.Mutex
	messages []Message              // in arrival order; memory only, dropped by Forget
	requests map[string][]time.Time // service id → recent send requests, for the rate limit
	failure  Failure
	failLeft int // requests left to fail; Forever: all
	cbErrors int
}

// New makes a server accepting opts.Keys.
func New(opts Options) (*Server, error) {
	if len(opts.Keys) == 0 {
		return nil, errors.New("notifyfake: no API key")
	}
	s := &Server{opts: opts, keys: map[string][]notify.APIKey{}, now: opts.Now, limit: opts.RateLimit,
		closing: make(chan struct{}), requests: map[string][]time.Time{}}
	for _, k := range opts.Keys {
		s.keys[k.ServiceID] = append(s.keys[k.ServiceID], k)
	}
	for id := range opts.Templates {
		if !notify.IsUUID(id) {
			return nil, fmt.Errorf("notifyfake: template id %q is not a UUID", id)
		}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.limit == 0 {
		s.limit = RateLimit
	}
	if opts.CallbackURL != "" && opts.CallbackToken == "" {
		return nil, errors.New("notifyfake: a callback URL needs a bearer token")
	}
	if s.opts.CallbackClient == nil {
		s.opts.CallbackClient = &http.Client{Timeout: 10 * time.Second}
	}
	return s, nil
}

// NewKey makes a random API key named name, as Notify issues one.
func NewKey(name string) notify.APIKey {
	k, err := notify.NewAPIKey(name, NewUUID(), NewUUID())
	if err != nil {
		panic(err) // NewUUID always makes UUIDs
	}
	return k
}

// NewUUID makes a random (version 4) UUID.
func NewUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// FailNext makes the next n requests (Forever: every request, until Recover) fail as f.
func (s *Server) FailNext(f Failure, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failure, s.failLeft = f, n
}

// Recover ends any failure.
func (s *Server) Recover() { s.FailNext(0, 0) }

// Received returns a copy of the messages accepted, in arrival order.
func (s *Server) Received() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		m.Personalisation = maps.Clone(m.Personalisation)
		out[i] = m
	}
	return out
}

// SentTo counts the messages accepted for a number, in any format Notify accepts.
func (s *Server) SentTo(number string) int {
	n, bad := UKMobile(number)
	if bad != "" {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := 0
	for _, m := range s.messages {
		if m.PhoneNumber == n {
			c++
		}
	}
	return c
}

// Forget drops every message received (and so every number).
func (s *Server) Forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = nil
}

// CallbackErrors counts delivery receipts the callback URL did not accept with a 2xx.
func (s *Server) CallbackErrors() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cbErrors
}

// Close releases held requests (their connections are dropped) and waits for callbacks.
func (s *Server) Close() {
	s.closed.Do(func() { close(s.closing) })
	s.pending.Wait()
}

// WaitCallbacks waits until every delivery receipt started so far has been posted.
func (s *Server) WaitCallbacks() { s.pending.Wait() }

// apiError is Notify's error body.
type apiError struct {
	StatusCode int                 `json:"status_code"`
	Errors     []notify.ErrorEntry `json:"errors"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, kind, msg string) {
	writeJSON(w, status, apiError{StatusCode: status, Errors: []notify.ErrorEntry{{Error: kind, Message: msg}}})
}

var notificationPath = regexp.MustCompile(`^/v2/notifications/([^/]+)$`)

// ServeHTTP answers Notify's API: POST /v2/notifications/sms, GET /v2/notifications and GET
// /v2/notifications/{id}.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := s.takeFailure()
	switch f {
	case ServerError:
		writeError(w, http.StatusInternalServerError, "Exception", "Internal server error")
		return
	case Hang:
		s.hang(r)
		return
	}
	service, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	switch {
	case r.URL.Path == "/v2/notifications/sms" && r.Method == http.MethodPost:
		s.sendSMS(w, r, service, f == AcceptThenHang)
		return
	case r.URL.Path == "/v2/notifications/sms":
		writeError(w, http.StatusMethodNotAllowed, "BadRequestError", "The method is not allowed for the requested URL.")
		return
	}
	if f == AcceptThenHang {
		s.hang(r)
		return
	}
	switch m := notificationPath.FindStringSubmatch(r.URL.Path); {
	case r.Method != http.MethodGet && (r.URL.Path == "/v2/notifications" || m != nil):
		writeError(w, http.StatusMethodNotAllowed, "BadRequestError", "The method is not allowed for the requested URL.")
	case r.URL.Path == "/v2/notifications":
		s.list(w, r, service)
	case m != nil:
		s.one(w, service, m[1])
	default:
		writeError(w, http.StatusNotFound, "BadRequestError", "Resource not found")
	}
}

func (s *Server) takeFailure() Failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failLeft == 0 {
		return 0
	}
	if s.failLeft > 0 {
		s.failLeft--
	}
	return s.failure
}

// hang holds the request until the client gives up or the server closes, then drops the
// connection without an answer.
func (s *Server) hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.closing:
	}
	panic(http.ErrAbortHandler)
}

// authenticate checks the bearer token as Notify does and returns its service id; otherwise it
// has answered with Notify's 401 or 403.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		writeError(w, http.StatusUnauthorized, "AuthError", "Unauthorized: authentication token must be provided")
		return "", false
	}
	if len(h) < 7 || !strings.EqualFold(h[:7], "Bearer ") {
		writeError(w, http.StatusUnauthorized, "AuthError", "Unauthorized: authentication bearer scheme must be used")
		return "", false
	}
	service, msg := s.verify(strings.TrimSpace(h[7:]))
	if msg != "" {
		writeError(w, http.StatusForbidden, "AuthError", msg)
		return "", false
	}
	return service, true
}

// Notify's token refusals (403 AuthError).
const (
	msgBadToken   = "Invalid token: signature, api token is not valid"
	msgNoIssuer   = "Invalid token: iss field not provided"
	msgNoService  = "Invalid token: service not found"
	msgNoKey      = "Invalid token: API key not found"
	msgClockSkew  = "Error: Your system clock must be accurate to within 30 seconds"
	msgNoTemplate = "Template not found"
)

// verify checks a JWT: HS256 header, an iss naming a known service, a signature made with one
// of its keys' secrets, and an iat within 30 seconds of the server's clock. It is written apart
// from the client's signer so a mistake in one is caught by the other.
func (s *Server) verify(token string) (string, string) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", msgBadToken
	}
	var header struct {
		Alg string `json:"alg"`
	}
	var claims struct {
		Iss *string  `json:"iss"`
		Iat *float64 `json:"iat"`
	}
	if !decodePart(parts[0], &header) || !decodePart(parts[1], &claims) {
		return "", msgBadToken
	}
	if claims.Iss == nil {
		return "", msgNoIssuer
	}
	keys, ok := s.keys[strings.ToLower(*claims.Iss)]
	if !ok {
		return "", msgNoService
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || header.Alg != "HS256" {
		return "", msgNoKey
	}
	signed := false
	for _, k := range keys {
		mac := hmac.New(sha256.New, []byte(k.Secret()))
		mac.Write([]byte(parts[0] + "." + parts[1]))
		signed = signed || hmac.Equal(mac.Sum(nil), sig)
	}
	if !signed {
		return "", msgNoKey
	}
	if claims.Iat == nil {
		return "", msgBadToken
	}
	skew := time.Duration(math.Abs(float64(s.now().Unix())-*claims.Iat)) * time.Second
	if skew > clockSkew {
		return "", msgClockSkew
	}
	return strings.ToLower(*claims.Iss), ""
}

func decodePart(p string, v any) bool {
	data, err := base64.RawURLEncoding.DecodeString(p)
	return err == nil && json.Unmarshal(data, v) == nil
}

// smsRequest is POST /v2/notifications/sms's body; Notify's schema allows no other fields.
type smsRequest struct {
	PhoneNumber     *string        `json:"phone_number"`
	TemplateID      *string        `json:"template_id"`
	Personalisation map[string]any `json:"personalisation"`
	Reference       *string        `json:"reference"`
	SMSSenderID     *string        `json:"sms_sender_id"`
}

var placeholder = regexp.MustCompile(`\(\(([^()]+)\)\)`)

func (s *Server) sendSMS(w http.ResponseWriter, r *http.Request, service string, hangAfter bool) {
	now := s.now()
	if wait, over := s.overLimit(service, now); over {
		w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
		writeError(w, http.StatusTooManyRequests, "RateLimitError",
			fmt.Sprintf("Exceeded rate limit for key type LIVE of %d requests per 60 seconds", s.limit))
		return
	}
	var req smsRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		msg := "Invalid JSON supplied in POST data"
		if strings.Contains(err.Error(), "unknown field") {
			msg = "Additional properties are not allowed"
		}
		writeError(w, http.StatusBadRequest, "ValidationError", msg)
		return
	}
	switch {
	case req.PhoneNumber == nil:
		writeError(w, http.StatusBadRequest, "ValidationError", "phone_number is a required property")
		return
	case req.TemplateID == nil:
		writeError(w, http.StatusBadRequest, "ValidationError", "template_id is a required property")
		return
	case !notify.IsUUID(*req.TemplateID):
		writeError(w, http.StatusBadRequest, "ValidationError", "template_id is not a valid UUID")
		return
	}
	tmpl, ok := s.opts.Templates[strings.ToLower(*req.TemplateID)]
	if !ok {
		writeError(w, http.StatusBadRequest, "BadRequestError", msgNoTemplate)
		return
	}
	number, bad := UKMobile(*req.PhoneNumber)
	if bad != "" {
		writeError(w, http.StatusBadRequest, "ValidationError", "phone_number "+bad)
		return
	}
	pers := map[string]string{}
	for k, v := range req.Personalisation {
		pers[k] = fmt.Sprint(v)
	}
	var missing []string
	body := placeholder.ReplaceAllStringFunc(tmpl, func(p string) string {
		name := strings.TrimSpace(p[2 : len(p)-2])
		for k, v := range pers {
			if strings.EqualFold(k, name) {
				return v
			}
		}
		missing = append(missing, name)
		return p
	})
	if len(missing) > 0 {
		writeError(w, http.StatusBadRequest, "BadRequestError", "Missing personalisation: "+strings.Join(missing, ", "))
		return
	}
	status := "delivered"
	if s.opts.Status != nil {
		status = s.opts.Status(number)
	}
	m := Message{ID: NewUUID(), ServiceID: service, PhoneNumber: number, TemplateID: strings.ToLower(*req.TemplateID),
		Personalisation: pers, Body: body, Status: status, CreatedAt: now.UTC()}
	if req.Reference != nil {
		m.Reference = *req.Reference
	}
	s.mu.Lock()
	s.messages = append(s.messages, m)
	s.mu.Unlock()
	s.callback(m, *req.PhoneNumber)
	if hangAfter {
		s.hang(r)
	}
	base := "http://" + r.Host
	writeJSON(w, http.StatusCreated, map[string]any{
		"id":            m.ID,
		"reference":     nullable(m.Reference),
		"content":       map[string]any{"body": m.Body, "from_number": "GOVUK"},
		"uri":           base + "/v2/notifications/" + m.ID,
		"template":      map[string]any{"id": m.TemplateID, "version": 1, "uri": base + "/v2/template/" + m.TemplateID},
		"scheduled_for": nil,
	})
}

// overLimit counts a send request against its service's limit, as Notify's sliding window
// does (refused requests count too), and says how long until one would be accepted.
func (s *Server) overLimit(service string, now time.Time) (time.Duration, bool) {
	if s.limit < 0 {
		return 0, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	times := s.requests[service]
	cut := 0
	for cut < len(times) && !times[cut].After(now.Add(-time.Minute)) {
		cut++
	}
	times = append(times[cut:], now)
	s.requests[service] = times
	if len(times) <= s.limit {
		return 0, false
	}
	wait := times[len(times)-s.limit].Add(time.Minute).Sub(now)
	return max(wait, time.Second), true
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// notificationJSON is a message as Notify's GET endpoints show it, number included.
func notificationJSON(m Message, base string) map[string]any {
	at := m.CreatedAt.Format("2006-01-02T15:04:05.000000Z")
	return map[string]any{
		"id": m.ID, "reference": nullable(m.Reference), "phone_number": m.PhoneNumber, "type": "sms",
		"status": m.Status, "body": m.Body, "created_at": at, "sent_at": at, "completed_at": at,
		"created_by_name": nil,
		"template":        map[string]any{"id": m.TemplateID, "version": 1, "uri": base + "/v2/template/" + m.TemplateID + "/version/1"},
	}
}

// list answers GET /v2/notifications: the service's messages, newest first, filtered by
// reference, template_type and status, 250 to a page.
func (s *Server) list(w http.ResponseWriter, r *http.Request, service string) {
	q := r.URL.Query()
	tt := q.Get("template_type")
	if tt != "" && tt != "sms" && tt != "email" && tt != "letter" {
		writeError(w, http.StatusBadRequest, "ValidationError", "template_type "+tt+" is not one of [sms, email, letter]")
		return
	}
	base := "http://" + r.Host
	out := []map[string]any{}
	s.mu.Lock()
	for i := len(s.messages) - 1; i >= 0 && len(out) < 250; i-- {
		m := s.messages[i]
		if m.ServiceID != service || tt == "email" || tt == "letter" ||
			q.Has("reference") && m.Reference != q.Get("reference") || q.Has("status") && m.Status != q.Get("status") {
			continue
		}
		out = append(out, notificationJSON(m, base))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"notifications": out,
		"links": map[string]any{"current": base + "/v2/notifications?" + q.Encode()}})
}

// one answers GET /v2/notifications/{id}.
func (s *Server) one(w http.ResponseWriter, service, id string) {
	if !notify.IsUUID(id) {
		writeError(w, http.StatusBadRequest, "ValidationError", "notification_id is not a valid UUID")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.messages {
		if m.ServiceID == service && m.ID == strings.ToLower(id) {
			writeJSON(w, http.StatusOK, notificationJSON(m, ""))
			return
		}
	}
	writeError(w, http.StatusNotFound, "NoResultFound", "No result found")
}

// callback posts m's delivery receipt, as Notify does once the provider reports, with "to" as
// the number was sent.
func (s *Server) callback(m Message, to string) {
	if s.opts.CallbackURL == "" {
		return
	}
	at := m.CreatedAt.Format("2006-01-02T15:04:05.000000Z")
	body, _ := json.Marshal(map[string]any{
		"id": m.ID, "reference": nullable(m.Reference), "to": to, "status": m.Status,
		"created_at": at, "completed_at": at, "sent_at": at, "notification_type": "sms",
		"template_id": m.TemplateID, "template_version": 1,
	})
	s.pending.Add(1)
	go func() {
		defer s.pending.Done()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-s.closing:
				cancel()
			case <-ctx.Done():
			}
		}()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.opts.CallbackURL, bytes.NewReader(body))
		ok := false
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+s.opts.CallbackToken)
			if resp, err := s.opts.CallbackClient.Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				ok = resp.StatusCode/100 == 2
			}
		}
		if !ok {
			s.mu.Lock()
			s.cbErrors++
			s.mu.Unlock()
		}
	}()
}
