package policy

import (
	"testing"
	"time"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 30, 0, 0, time.UTC) }

func TestExpiresAt(t *testing.T) {
	cases := []struct {
		name string
		r    Retention
		from time.Time
		want time.Time
	}{
		{"12 months", Retention{Months: 12}, date(2025, 3, 15), date(2026, 3, 15)},
		{"9 months across a year", Retention{Months: 9}, date(2025, 6, 10), date(2026, 3, 10)},
		{"3 months", Retention{Months: 3}, date(2025, 1, 1), date(2025, 4, 1)},
		// The corresponding-date rule: a month from the 31st ends on the last day of a
		// shorter month, never in the month after (AddDate would give 3 March).
		{"31 Jan + 1 month", Retention{Months: 1}, date(2025, 1, 31), date(2025, 2, 28)},
		{"31 Jan + 1 month, leap year", Retention{Months: 1}, date(2024, 1, 31), date(2024, 2, 29)},
		{"29 Feb + 12 months", Retention{Months: 12}, date(2024, 2, 29), date(2025, 2, 28)},
		{"29 Feb + 48 months", Retention{Months: 48}, date(2024, 2, 29), date(2028, 2, 29)},
		{"31 May + 9 months", Retention{Months: 9}, date(2025, 5, 31), date(2026, 2, 28)},
		{"31 Aug + 3 months", Retention{Months: 3}, date(2025, 8, 31), date(2025, 11, 30)},
		{"30 days", Retention{Days: 30}, date(2025, 1, 31), date(2025, 3, 2)},
		{"1 month and 1 day", Retention{Months: 1, Days: 1}, date(2025, 1, 31), date(2025, 3, 1)},
		{"120 months", Retention{Months: 120}, date(2025, 12, 31), date(2035, 12, 31)},
		{"event has no date", Retention{UntilEvent: EventSurveyRequestSent}, date(2025, 1, 1), time.Time{}},
		{"zero has no date", Retention{}, date(2025, 1, 1), time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.r.ExpiresAt(c.from); !got.Equal(c.want) {
				t.Errorf("%v from %s = %s, want %s", c.r, c.from.Format(time.DateOnly), got, c.want)
			}
		})
	}
	// What plain AddDate would do, for the record.
	if got := date(2025, 1, 31).AddDate(0, 1, 0); got.Day() != 3 || got.Month() != time.March {
		t.Errorf("AddDate normalisation changed: %s", got)
	}
}

// ExpiresAt keeps the wall-clock time in the record's location across a clock change.
func TestExpiresAtKeepsLocation(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	from := time.Date(2025, 3, 1, 12, 0, 0, 0, london) // GMT
	got := Retention{Months: 1}.ExpiresAt(from)
	if want := time.Date(2025, 4, 1, 12, 0, 0, 0, london); !got.Equal(want) || got.Location() != london {
		t.Errorf("got %s, want %s (BST)", got, want)
	}
}

// Data is never kept past the promised number of months: for every start day over four years,
// the expiry falls in the month n months on, on or before the same day of the month.
func TestExpiresAtNeverOvershoots(t *testing.T) {
	for _, n := range []int{1, 3, 9, 12, 120} {
		for d := date(2023, 1, 1); d.Year() < 2027; d = d.AddDate(0, 0, 1) {
			got := Retention{Months: n}.ExpiresAt(d)
			wantMonth := (int(d.Month())-1+n)%12 + 1
			wantYear := d.Year() + (int(d.Month())-1+n)/12
			if int(got.Month()) != wantMonth || got.Year() != wantYear || got.Day() > d.Day() || !got.After(d) {
				t.Fatalf("%d months from %s = %s", n, d.Format(time.DateOnly), got.Format(time.DateOnly))
			}
			if got.Day() < d.Day() && got.AddDate(0, 0, 1).Month() == got.Month() {
				t.Fatalf("%d months from %s = %s: not the last day of the month", n, d.Format(time.DateOnly), got.Format(time.DateOnly))
			}
		}
	}
}

func TestRetentionString(t *testing.T) {
	cases := []struct {
		r    Retention
		want string
	}{
		{Retention{Months: 12}, "12 months"},
		{Retention{Months: 1}, "1 month"},
		{Retention{Days: 30}, "30 days"},
		{Retention{Days: 1}, "1 day"},
		{Retention{Months: 1, Days: 15}, "1 month and 15 days"},
		{Retention{UntilEvent: EventSurveyRequestSent}, "until the survey request is sent"},
		{Retention{UntilEvent: "case_closed"}, "until case closed"},
		{Retention{}, "not set"},
	}
	for _, c := range cases {
		if got := c.r.String(); got != c.want {
			t.Errorf("%#v.String() = %q, want %q", c.r, got, c.want)
		}
	}
}

func TestEvents(t *testing.T) {
	ev, ok := LookupEvent(EventSurveyRequestSent)
	if !ok || ev.When != "when the survey requests are sent out" {
		t.Errorf("LookupEvent = %+v, %v", ev, ok)
	}
	if _, ok := LookupEvent("nope"); ok {
		t.Error("unknown event found")
	}
	evs := Events()
	evs[0].ID = "changed"
	if Events()[0].ID != EventSurveyRequestSent {
		t.Error("Events must return a copy")
	}
}
