package notify

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// Callback is a delivery receipt Notify posted
// (https://docs.notifications.service.gov.uk/rest-api.html#callbacks), without the recipient:
// Notify's "to" field is never decoded, so the number is not kept, stored or logged.
type Callback struct {
	ID        string // Notify's notification id
	Reference string // the reference the message was sent with ("" when none)
	// Status is "delivered", "permanent-failure", "temporary-failure" or "technical-failure".
	Status      string
	CreatedAt   time.Time // when the message was sent to Notify
	SentAt      time.Time // when Notify passed it to the provider; zero when null
	CompletedAt time.Time // when the status was last updated; zero when null
}

// Errors ReadCallback returns; the caller answers ErrCallbackUnauthorized with 401 and
// ErrCallbackInvalid with 400 (Notify retries any failure five times, five minutes apart).
var (
	ErrCallbackUnauthorized = errors.New("notify: callback without the configured bearer token")
	ErrCallbackInvalid      = errors.New("notify: callback body is not a Notify delivery receipt")
)

// maxCallback bounds a callback body: Notify's are a few hundred bytes.
const maxCallback = 64 << 10

// callbackBody is what is decoded of a receipt: no field for "to", the recipient.
type callbackBody struct {
	ID               string  `json:"id"`
	Reference        *string `json:"reference"`
	Status           string  `json:"status"`
	CreatedAt        *string `json:"created_at"`
	CompletedAt      *string `json:"completed_at"`
	SentAt           *string `json:"sent_at"`
	NotificationType string  `json:"notification_type"`
}

// ReadCallback authenticates a delivery-status callback by its bearer token (compared in
// constant time; an empty bearerToken refuses every callback) and parses it. Its errors never
// contain the body, which holds the recipient's number.
func ReadCallback(r *http.Request, bearerToken string) (Callback, error) {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	// Hashing first makes the comparison constant-time in the tokens' lengths too.
	want, have := sha256.Sum256([]byte(bearerToken)), sha256.Sum256([]byte(strings.TrimSpace(got)))
	if bearerToken == "" || !ok || subtle.ConstantTimeCompare(want[:], have[:]) != 1 {
		return Callback{}, ErrCallbackUnauthorized
	}
	if r.Body == nil {
		return Callback{}, ErrCallbackInvalid
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxCallback+1))
	if err != nil || len(data) > maxCallback {
		return Callback{}, ErrCallbackInvalid
	}
	return ParseCallback(data)
}

// ParseCallback parses the JSON of a delivery receipt for a text message or e-mail.
func ParseCallback(data []byte) (Callback, error) {
	var b callbackBody
	if json.Unmarshal(data, &b) != nil {
		return Callback{}, ErrCallbackInvalid
	}
	if !IsUUID(b.ID) || !knownStatus[b.Status] || (b.NotificationType != "sms" && b.NotificationType != "email") {
		return Callback{}, ErrCallbackInvalid
	}
	c := Callback{ID: strings.ToLower(b.ID), Status: b.Status}
	if b.Reference != nil {
		c.Reference = *b.Reference
	}
	var err error
	if c.CreatedAt, err = callbackTime(b.CreatedAt, true); err != nil {
		return Callback{}, err
	}
	if c.SentAt, err = callbackTime(b.SentAt, false); err != nil {
		return Callback{}, err
	}
	if c.CompletedAt, err = callbackTime(b.CompletedAt, false); err != nil {
		return Callback{}, err
	}
	return c, nil
}

// knownStatus are the statuses a delivery receipt reports.
var knownStatus = map[string]bool{"delivered": true, "permanent-failure": true, "temporary-failure": true, "technical-failure": true}

// callbackTime parses Notify's "2017-05-14T12:15:30.000000Z"; null is the zero time unless
// required. time.Parse's own error quotes the value, so it is not passed on.
func callbackTime(v *string, required bool) (time.Time, error) {
	if v == nil || *v == "" {
		if required {
			return time.Time{}, ErrCallbackInvalid
		}
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, *v)
	if err != nil {
		return time.Time{}, ErrCallbackInvalid
	}
	return t.UTC(), nil
}
