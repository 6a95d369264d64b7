// Package notify sends text messages through GOV.UK Notify's API
// (https://docs.notifications.service.gov.uk/rest-api.html) and reads its delivery-status callbacks.
//
// The types here are the contract between the Notify client and the surveys that use it: the
// surveys package depends on the Sender interface, never on the HTTP client, so a restart can
// resolve a request left "sending" by looking its notification up by reference.
package notify

import (
	"context"
	"strconv"
	"time"
)

// SMS is one text message to send. PhoneNumber is personal data: it is passed to Notify and
// never logged, stored by this package, or put in an error message.
type SMS struct {
	PhoneNumber     string
	TemplateID      string
	Personalisation map[string]string
	// Reference identifies the request on our side (Notify's "reference"); it must not hold
	// personal data, and it is how a request left "sending" after a crash is found again.
	Reference string
}

// Notification is what Notify says about a message it accepted. It holds no phone number.
type Notification struct {
	ID        string
	Reference string
	// Status is Notify's status string ("created", "sending", "delivered", "permanent-failure",
	// "temporary-failure", "technical-failure", ...); empty when Notify only acknowledged sending.
	Status    string
	CreatedAt time.Time
}

// Sender is what the surveys need from Notify.
type Sender interface {
	// SendSMS asks Notify to send m. An error is an *APIError when Notify answered, and
	// otherwise a transport error (temporary: the request may or may not have reached Notify).
	SendSMS(ctx context.Context, m SMS) (Notification, error)
	// NotificationByReference finds the message sent with reference, if Notify has one.
	NotificationByReference(ctx context.Context, reference string) (Notification, bool, error)
}

// APIError is Notify's answer to a request it refused.
type APIError struct {
	StatusCode int
	// Errors are Notify's error entries ({"error": "ValidationError", "message": "..."}); the
	// client removes any phone number from messages before keeping them.
	Errors []ErrorEntry
	// RetryAfter is the wait Notify asked for on 429, zero when it did not say.
	RetryAfter time.Duration
}

// ErrorEntry is one of Notify's error objects.
type ErrorEntry struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func (e *APIError) Error() string {
	msg := "notify: status " + strconv.Itoa(e.StatusCode)
	for _, x := range e.Errors {
		msg += ": " + x.Error
	}
	return msg
}

// Permanent reports a refusal that retrying cannot fix (400 bad request such as an invalid
// number, 403 auth): the caller destroys the number rather than keep it for a retry.
func (e *APIError) Permanent() bool {
	return e.StatusCode >= 400 && e.StatusCode < 500 && e.StatusCode != 429
}

// Temporary reports a refusal worth retrying with backoff (429 rate limit, 5xx).
func (e *APIError) Temporary() bool { return !e.Permanent() }
