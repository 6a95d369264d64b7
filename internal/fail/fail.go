// Package fail is the one vocabulary of errors that services return for the
// person or system that made a request: what kind of failure it is, which
// field was wrong, and a message safe to show them (no personal data, no
// internals). The HTTP status and JSON API code of each kind are in one
// table here, used by both the pages (internal/web) and the JSON API
// (internal/api), so the same error answers the same way through every door.
//
// Anything that is not an *Error is Internal: a fault, logged and answered
// with "try again later".
package fail

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Kind is what went wrong, as far as the caller is concerned.
type Kind uint8

const (
	Internal    Kind = iota // a fault of ours: not shown, logged
	Invalid                 // the request is wrong; Field names what
	NotFound                // no such thing, or not one the caller may see
	Conflict                // it clashes with what is already there
	Forbidden               // the caller may not do this
	TooLarge                // the request is larger than allowed
	RateLimited             // too many requests: try again after RetryAfter
	Unavailable             // the service cannot do this now
)

// kinds is the one table of what each kind answers over HTTP: its status,
// and the code the JSON API gives when the error has none of its own.
var kinds = [...]struct {
	status int
	code   string
}{
	Internal:    {http.StatusInternalServerError, "internal"},
	Invalid:     {http.StatusUnprocessableEntity, "invalid"},
	NotFound:    {http.StatusNotFound, "not_found"},
	Conflict:    {http.StatusConflict, "conflict"},
	Forbidden:   {http.StatusForbidden, "forbidden"},
	TooLarge:    {http.StatusRequestEntityTooLarge, "too_large"},
	RateLimited: {http.StatusTooManyRequests, "rate_limited"},
	Unavailable: {http.StatusServiceUnavailable, "unavailable"},
}

// Status is the HTTP status that answers an error of kind k.
func (k Kind) Status() int {
	if int(k) >= len(kinds) {
		return http.StatusInternalServerError
	}
	return kinds[k].status
}

// String is the kind's JSON API code ("not_found").
func (k Kind) String() string {
	if int(k) >= len(kinds) {
		return kinds[Internal].code
	}
	return kinds[k].code
}

// Error is a failure of a kind, with a message safe to show.
type Error struct {
	Kind Kind
	// Field is the request field or header an Invalid error is about, in
	// snake_case ("service_area", "idempotency_key"); "" when none.
	Field string
	// Code is a stable JSON API code for an error callers tell apart from
	// others of its kind ("digest_mismatch"); "" uses the kind's.
	Code string
	// Msg says what was wrong, for whoever made the request: it names
	// fields, never their values.
	Msg string
	// RetryAfter is how long a RateLimited caller should wait (0: unsaid).
	RetryAfter time.Duration
	// Err is the cause, seen by errors.Is and errors.As, never shown.
	Err error
}

func (e *Error) Error() string { return e.Msg }

func (e *Error) Unwrap() error { return e.Err }

// APICode is the error's code in the JSON API: its own Code, else
// invalid_FIELD for an Invalid error about a field, else the kind's.
func (e *Error) APICode() string {
	switch {
	case e.Code != "":
		return e.Code
	case e.Kind == Invalid && e.Field != "":
		return "invalid_" + e.Field
	}
	return e.Kind.String()
}

// With is e with detail added to its message, "MSG (DETAIL)", keeping its
// kind, field and code; errors.Is(e.With(d), e) holds, so a sentinel stays
// recognisable.
func (e *Error) With(detail string) *Error {
	c := *e
	c.Msg, c.Err = e.Msg+" ("+detail+")", e
	return &c
}

// New makes an error of kind k.
func New(k Kind, msg string) *Error { return &Error{Kind: k, Msg: msg} }

// Newf makes an error of kind k with a formatted message.
func Newf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// Field makes an Invalid error about one field of the request.
func Field(field, msg string) *Error { return &Error{Kind: Invalid, Field: field, Msg: msg} }

// Wrap makes err an error of kind k about field ("" for none), with err's
// own message, which must be safe to show, and err as its cause.
func Wrap(k Kind, field string, err error) *Error {
	return &Error{Kind: k, Field: field, Msg: err.Error(), Err: err}
}

// As finds the *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// KindOf is the kind of err: that of the first *Error in its chain,
// Internal when there is none (nil included).
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is of kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// RetrySeconds is d in whole seconds, rounded up, at least one: what a
// refused client is told to wait.
func RetrySeconds(d time.Duration) int { return max(1, int(math.Ceil(d.Seconds()))) }

// SetRetryAfter tells a refused client how long to wait (RetrySeconds).
func SetRetryAfter(h http.Header, d time.Duration) {
	h.Set("Retry-After", strconv.Itoa(RetrySeconds(d)))
}
