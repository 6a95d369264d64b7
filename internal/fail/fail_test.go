package fail

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestStatusAndCode(t *testing.T) {
	sentinel := &Error{Kind: Conflict, Code: "idempotency_conflict", Msg: "already used"}
	cases := []struct {
		name   string
		err    error
		kind   Kind
		status int
		code   string
		msg    string
	}{
		{"field", Field("service_area", "service_area is required"), Invalid, 422, "invalid_service_area", "service_area is required"},
		{"invalid, no field", New(Invalid, "bad"), Invalid, 422, "invalid", "bad"},
		{"not found", New(NotFound, "not found"), NotFound, 404, "not_found", "not found"},
		{"conflict", Newf(Conflict, "%s exists", "it"), Conflict, 409, "conflict", "it exists"},
		{"forbidden", New(Forbidden, "no"), Forbidden, 403, "forbidden", "no"},
		{"too large", New(TooLarge, "big"), TooLarge, 413, "too_large", "big"},
		{"rate limited", New(RateLimited, "slow down"), RateLimited, 429, "rate_limited", "slow down"},
		{"unavailable", New(Unavailable, "later"), Unavailable, 503, "unavailable", "later"},
		{"own code", sentinel, Conflict, 409, "idempotency_conflict", "already used"},
		{"with detail", sentinel.With("sha256 differ"), Conflict, 409, "idempotency_conflict", "already used (sha256 differ)"},
		{"wrapped by fmt", fmt.Errorf("ingest: %w", Field("audio", "not audio")), Invalid, 422, "invalid_audio", "not audio"},
		{"wrap a cause", Wrap(Invalid, "prefix", errors.New("enter a path such as /news")), Invalid, 422, "invalid_prefix", "enter a path such as /news"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, ok := As(tc.err)
			if !ok {
				t.Fatalf("As(%v) found no *Error", tc.err)
			}
			if KindOf(tc.err) != tc.kind || !Is(tc.err, tc.kind) || e.Kind.Status() != tc.status || e.APICode() != tc.code || e.Msg != tc.msg {
				t.Errorf("kind %v status %d code %q msg %q; want %v %d %q %q", KindOf(tc.err), e.Kind.Status(), e.APICode(), e.Msg,
					tc.kind, tc.status, tc.code, tc.msg)
			}
		})
	}
}

func TestPlainErrorsAreInternal(t *testing.T) {
	for _, err := range []error{errors.New("disk on fire"), fmt.Errorf("x: %w", errors.New("y"))} {
		if KindOf(err) != Internal || Internal.Status() != http.StatusInternalServerError || Internal.String() != "internal" {
			t.Errorf("%v: kind %v", err, KindOf(err))
		}
	}
	if Is(nil, Internal) || KindOf(nil) != Internal {
		t.Error("nil is no failure")
	}
	if Kind(200).Status() != http.StatusInternalServerError || Kind(200).String() != "internal" {
		t.Error("an unknown kind must answer as internal")
	}
}

func TestWithAndWrapKeepTheCause(t *testing.T) {
	sentinel := New(TooLarge, "too big")
	if got := fmt.Errorf("put: %w", sentinel.With("512 MB")); !errors.Is(got, sentinel) {
		t.Error("With lost the sentinel")
	}
	cause := errors.New("line 3: no arrow")
	w := Wrap(Invalid, "area_rules", cause)
	if !errors.Is(w, cause) || w.Error() != cause.Error() || w.Field != "area_rules" {
		t.Errorf("Wrap: %+v", w)
	}
}

func TestSetRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{{0, "1"}, {300 * time.Millisecond, "1"}, {time.Second, "1"}, {1500 * time.Millisecond, "2"}, {time.Hour, "3600"}} {
		h := http.Header{}
		SetRetryAfter(h, tc.d)
		if got := h.Get("Retry-After"); got != tc.want {
			t.Errorf("%v: Retry-After %q, want %q", tc.d, got, tc.want)
		}
	}
}
