package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// BaseURL is GOV.UK Notify's API.
const BaseURL = "https://api.notifications.service.gov.uk"

// DefaultTimeout bounds one request to Notify, so a Notify that stops answering holds a
// sender for this long, not for ever; the sender then treats it as temporary.
const DefaultTimeout = 30 * time.Second

// maxBody bounds what is read of an answer: Notify's are a few hundred bytes, a page of 250
// notifications some hundreds of kilobytes.
const maxBody = 4 << 20

// Client talks to GOV.UK Notify's REST API (or the fake server, notifyfake). It implements
// Sender. It keeps nothing: the numbers it is given go into the request body and nowhere else.
type Client struct {
	base    string // scheme://host[/path], no trailing slash
	key     APIKey
	hc      *http.Client
	timeout time.Duration
	now     func() time.Time
}

var _ Sender = (*Client)(nil)

// Option tunes New.
type Option func(*Client)

// WithHTTPClient sends requests through hc (a proxy, or a test's transport).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithTimeout bounds each request (default DefaultTimeout).
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithClock sets the clock that dates each token (tests of Notify's 30-second rule).
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// New makes a client for the Notify API at baseURL ("" for BaseURL) with apiKey in Notify's
// format. Errors never contain the key.
func New(baseURL, apiKey string, opts ...Option) (*Client, error) {
	if baseURL == "" {
		baseURL = BaseURL
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.User != nil {
		return nil, fmt.Errorf("notify: the API address %q must be an absolute http(s) URL such as %s", baseURL, BaseURL)
	}
	key, err := ParseAPIKey(apiKey)
	if err != nil {
		return nil, err
	}
	c := &Client{base: strings.TrimRight(u.String(), "/"), key: key, timeout: DefaultTimeout, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	if c.hc == nil {
		c.hc = &http.Client{}
	}
	return c, nil
}

// ServiceID is the Notify service the client sends for.
func (c *Client) ServiceID() string { return c.key.ServiceID }

// smsRequest is the body of POST /v2/notifications/sms.
type smsRequest struct {
	PhoneNumber     string            `json:"phone_number"`
	TemplateID      string            `json:"template_id"`
	Personalisation map[string]string `json:"personalisation,omitempty"`
	Reference       string            `json:"reference,omitempty"`
}

// notification is the part of Notify's notification JSON the client reads. It has no field for
// phone_number, which the lookup answers carry: the number is dropped as the JSON is decoded.
type notification struct {
	ID        string `json:"id"`
	Reference string `json:"reference"`
	Status    string `json:"status"`
	CreatedAt string `json:"created_at"`
}

// SendSMS asks Notify to send m (POST /v2/notifications/sms).
func (c *Client) SendSMS(ctx context.Context, m SMS) (Notification, error) {
	body, err := json.Marshal(smsRequest{PhoneNumber: m.PhoneNumber, TemplateID: m.TemplateID,
		Personalisation: m.Personalisation, Reference: m.Reference})
	if err != nil {
		return Notification{}, fmt.Errorf("notify: send: %w", err)
	}
	var n notification
	if err := c.do(ctx, http.MethodPost, "/v2/notifications/sms", body, &n); err != nil {
		return Notification{}, err
	}
	if n.ID == "" {
		return Notification{}, errors.New("notify: send: the answer has no notification id")
	}
	// Notify's answer to a send has no status or creation time: it has only accepted it.
	return Notification{ID: n.ID, Reference: n.Reference}, nil
}

// NotificationByReference finds the newest text message sent with reference (GET
// /v2/notifications?reference=...&template_type=sms). Notify answers for messages of the last 7
// days only (its retention), so a request left "sending" must be resolved within that time.
func (c *Client) NotificationByReference(ctx context.Context, reference string) (Notification, bool, error) {
	if reference == "" {
		return Notification{}, false, errors.New("notify: look-up: no reference")
	}
	q := url.Values{"reference": {reference}, "template_type": {"sms"}}
	var page struct {
		Notifications []notification `json:"notifications"`
	}
	if err := c.do(ctx, http.MethodGet, "/v2/notifications?"+q.Encode(), nil, &page); err != nil {
		return Notification{}, false, err
	}
	// Notify lists the newest first; the reference filter is exact, but check anyway.
	for _, n := range page.Notifications {
		if n.Reference != reference {
			continue
		}
		out := Notification{ID: n.ID, Reference: n.Reference, Status: n.Status}
		if n.CreatedAt != "" {
			t, err := time.Parse(time.RFC3339Nano, n.CreatedAt)
			if err != nil {
				return Notification{}, false, errors.New("notify: look-up: created_at is not a time")
			}
			out.CreatedAt = t
		}
		return out, true, nil
	}
	return Notification{}, false, nil
}

// do sends one request and decodes a 2xx answer into out; any other answer is an *APIError.
func (c *Client) do(ctx context.Context, method, path string, body []byte, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key.Token(c.now()))
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "fairline-notify")
	resp, err := c.hc.Do(req)
	if err != nil {
		// A transport error (the URL holds no personal data: the number is in the body).
		return fmt.Errorf("notify: %s %s: %w", method, strings.SplitN(path, "?", 2)[0], err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("notify: reading the answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return apiError(resp, data, c.now())
	}
	if err := json.Unmarshal(data, out); err != nil {
		// json's messages name types and offsets, never values, but keep it plain anyway.
		return fmt.Errorf("notify: %s %s: status %d with an answer that is not Notify's JSON", method, strings.SplitN(path, "?", 2)[0], resp.StatusCode)
	}
	return nil
}

// apiError turns a refusal into an *APIError, with any phone number removed from its messages.
func apiError(resp *http.Response, data []byte, now time.Time) *APIError {
	e := &APIError{StatusCode: resp.StatusCode}
	var body struct {
		StatusCode int          `json:"status_code"`
		Errors     []ErrorEntry `json:"errors"`
	}
	if json.Unmarshal(data, &body) == nil && len(body.Errors) > 0 {
		for _, x := range body.Errors {
			e.Errors = append(e.Errors, ErrorEntry{Error: ScrubNumbers(x.Error), Message: ScrubNumbers(x.Message)})
		}
	} else {
		// Not Notify's error JSON (a proxy's page): say only what the status says.
		e.Errors = []ErrorEntry{{Error: strings.ReplaceAll(http.StatusText(resp.StatusCode), " ", "")}}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), now)
	}
	return e
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date (RFC 9110 §10.2.3).
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// ScrubNumbers replaces every run of digits that could be a telephone number (seven digits or
// more, with the spaces, brackets, dots, hyphens and leading + people write them with, standing
// alone rather than inside a word or id) by "[number removed]", so an error Notify words around
// the recipient never carries the number into a log.
func ScrubNumbers(s string) string {
	var b strings.Builder
	i := 0
	for i < len(s) {
		j, ok := numberRun(s, i)
		if !ok {
			b.WriteByte(s[i])
			i++
			continue
		}
		b.WriteString("[number removed]")
		i = j
	}
	return b.String()
}

// numberRun reports whether a number-like run starts at i, and where it ends. A run that runs
// into a word ("07700 900123 5x") ends at its last separator instead, if that leaves a number.
func numberRun(s string, i int) (int, bool) {
	if c := s[i]; !('0' <= c && c <= '9' || c == '+' || c == '(') || i > 0 && isWordByte(s[i-1]) {
		return 0, false
	}
	digits, end, good := 0, i, -1
loop:
	for j := i; j < len(s); j++ {
		switch c := s[j]; {
		case '0' <= c && c <= '9':
			digits++
			end = j + 1
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '+' && j == i:
			if end == j && digits >= 7 {
				good = end
			}
		default:
			break loop
		}
	}
	if digits >= 7 && (end == len(s) || !isWordByte(s[end])) {
		good = end
	}
	return good, good > i
}

func isWordByte(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c >= 0x80
}
