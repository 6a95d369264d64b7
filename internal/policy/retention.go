package policy

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Retention is how long a kind of data is kept: either a duration (Months and/or Days) or until
// an event happens (UntilEvent), never both. A valid policy never has a zero Retention for
// personal data.
type Retention struct {
	Months     int    `yaml:"months"`
	Days       int    `yaml:"days"`
	UntilEvent string `yaml:"until_event"`
}

// MaxRetentionMonths is the longest period a policy may state; anything longer is taken to be a
// typo (120 months is ten years). Days are limited to the same span (MaxRetentionMonths*31).
const MaxRetentionMonths = 120

// ErrNoRetention is returned (wrapped) by Policy.Retention for a kind of data that has no
// retention period: one that holds no personal data, or one whose period is set per service area
// when no service area was given.
var ErrNoRetention = errors.New("no retention period")

// IsZero reports whether no retention is set.
func (r Retention) IsZero() bool { return r == Retention{} }

// IsEvent reports whether the data is kept until an event rather than for a period.
func (r Retention) IsEvent() bool { return r.UntilEvent != "" }

// ExpiresAt is the moment data created at t must be deleted by: t plus Months calendar months
// plus Days days, in t's location, keeping the time of day.
//
// Months follow the "corresponding date" rule used in UK law: the period ends on the same day of
// the month, or on the last day of the month when that day does not exist. So 31 January + 1
// month is 28 February (29 February in a leap year) and 29 February 2024 + 12 months is
// 28 February 2025. time.AddDate alone would overflow into March (3 March, 2 March, 1 March) and
// keep the data up to three days longer than the notice promises ("no longer than 12 months").
// Days are then added with AddDate.
//
// An event-based or zero Retention has no date: ExpiresAt returns the zero time.Time, and
// callers delete on the event instead.
func (r Retention) ExpiresAt(t time.Time) time.Time {
	if r.IsEvent() || r.Months <= 0 && r.Days <= 0 {
		return time.Time{}
	}
	if r.Months > 0 {
		y, m, d := t.Date()
		first := time.Date(y, m+time.Month(r.Months), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
		if last := daysIn(first.Year(), first.Month()); d > last {
			d = last
		}
		t = time.Date(first.Year(), first.Month(), d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	}
	if r.Days > 0 {
		t = t.AddDate(0, 0, r.Days)
	}
	return t
}

func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// String describes the retention in plain English: "12 months", "1 month", "30 days",
// "1 month and 15 days", "until the survey request is sent", or "not set".
func (r Retention) String() string {
	if r.IsEvent() {
		if ev, ok := LookupEvent(r.UntilEvent); ok {
			return ev.Until
		}
		return "until " + strings.ReplaceAll(r.UntilEvent, "_", " ")
	}
	var parts []string
	if r.Months != 0 {
		parts = append(parts, plural(r.Months, "month"))
	}
	if r.Days != 0 {
		parts = append(parts, plural(r.Days, "day"))
	}
	if len(parts) == 0 {
		return "not set"
	}
	return strings.Join(parts, " and ")
}

func plural(n int, unit string) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d %s", n, unit)
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// Event is something the product does that ends a retention ("until_event"). Only events the
// code actually raises may be named in a policy, or data would be kept for ever.
type Event struct {
	ID string
	// Until completes Retention.String ("until the survey request is sent").
	Until string
	// When completes a notice sentence "... are automatically deleted <When>".
	When string
}

// EventSurveyRequestSent happens when a feedback survey request has been sent to a phone number.
const EventSurveyRequestSent = "survey_request_sent"

var events = []Event{
	{ID: EventSurveyRequestSent, Until: "until the survey request is sent", When: "when the survey requests are sent out"},
}

// LookupEvent returns the event with the given id.
func LookupEvent(id string) (Event, bool) {
	for _, ev := range events {
		if ev.ID == id {
			return ev, true
		}
	}
	return Event{}, false
}

// Events lists the events a policy may name in until_event.
func Events() []Event { return append([]Event(nil), events...) }
