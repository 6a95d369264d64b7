package rights

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/crypt"
)

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestDue(t *testing.T) {
	cal := DefaultCalendar()
	for _, tc := range []struct {
		name     string
		clock    Clock
		today    string
		want     string
		moved    string
		paused   bool
		pausedBy int
	}{
		// The ICO's examples: receipt on 3 September is due 3 October; 31 March has no
		// 31 April, so 30 April.
		{name: "ICO: 3 September to 3 October", clock: Clock{Received: date("2025-09-03")}, want: "2025-10-03"},
		{name: "ICO: 31 March to 30 April", clock: Clock{Received: date("2025-03-31")}, want: "2025-04-30"},
		{name: "31 January to 28 February", clock: Clock{Received: date("2025-01-31")}, want: "2025-02-28"},
		{name: "31 January to 29 February in a leap year", clock: Clock{Received: date("2024-01-31")}, want: "2024-02-29"},
		{name: "30 January to 28 February", clock: Clock{Received: date("2025-01-30")}, want: "2025-02-28"},
		{name: "28 February to 28 March", clock: Clock{Received: date("2025-02-28")}, want: "2025-03-28"},
		{name: "31 May to 30 June", clock: Clock{Received: date("2025-05-31")}, want: "2025-06-30"},
		{name: "received on a Sunday counts that day", clock: Clock{Received: date("2025-08-31")}, want: "2025-09-30"},
		{name: "deadline on a bank-holiday Monday moves to Tuesday", clock: Clock{Received: date("2026-04-25")},
			want: "2026-05-26", moved: "Spring bank holiday"},
		{name: "deadline on Easter Monday", clock: Clock{Received: date("2026-03-06")}, want: "2026-04-07", moved: "Easter Monday"},
		{name: "deadline on a Saturday moves to Monday", clock: Clock{Received: date("2026-01-31")}, want: "2026-03-02", moved: "Saturday"},
		{name: "31 December to 31 January, a Saturday", clock: Clock{Received: date("2025-12-31")}, want: "2026-02-02", moved: "Saturday"},
		{name: "Good Friday then Easter Monday", clock: Clock{Received: date("2024-02-29")}, want: "2024-04-02", moved: "Good Friday"},
		{name: "Christmas on a Saturday: two substitute days", clock: Clock{Received: date("2027-11-25")}, want: "2027-12-29", moved: "Saturday"},
		{name: "extension by two months", clock: Clock{Received: date("2025-09-03"), ExtensionMonths: 2}, want: "2025-12-03"},
		{name: "extension from 31 December ends on the last of February", clock: Clock{Received: date("2024-12-31"), ExtensionMonths: 1},
			want: "2025-02-28"},
		{name: "waiting for identity from receipt: the month starts when it arrives",
			clock: Clock{Received: date("2025-09-03"), Pauses: []Pause{{From: date("2025-09-03"), To: date("2025-09-13"), Reason: PauseIdentity}}},
			want:  "2025-10-13", pausedBy: 10},
		{name: "two pauses add up",
			clock: Clock{Received: date("2025-09-03"), Pauses: []Pause{
				{From: date("2025-09-05"), To: date("2025-09-08")}, {From: date("2025-09-20"), To: date("2025-09-22")}}},
			want: "2025-10-08", pausedBy: 5},
		{name: "still waiting: the deadline assumes the clock restarts today",
			clock: Clock{Received: date("2025-09-03"), Pauses: []Pause{{From: date("2025-09-10"), Reason: PauseClarification}}},
			today: "2025-09-20", want: "2025-10-13", paused: true, pausedBy: 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			today := tc.clock.Received
			if tc.today != "" {
				today = date(tc.today)
			}
			got, err := cal.Due(tc.clock, today)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Date.Equal(date(tc.want)) || got.Moved != tc.moved || got.Paused != tc.paused || got.PausedDays != tc.pausedBy {
				t.Errorf("Due = %s (moved %q, paused %v by %d), want %s (moved %q, paused %v by %d)",
					got.Date.Format(time.DateOnly), got.Moved, got.Paused, got.PausedDays, tc.want, tc.moved, tc.paused, tc.pausedBy)
			}
			if got.Unlisted {
				t.Errorf("%s is inside the embedded list", tc.want)
			}
		})
	}
}

func TestDueRefusesLongExtension(t *testing.T) {
	for _, n := range []int{-1, 3} {
		if _, err := DefaultCalendar().Due(Clock{Received: date("2025-01-01"), ExtensionMonths: n}, date("2025-01-01")); err == nil {
			t.Errorf("extension of %d months accepted", n)
		}
	}
}

func TestDaysLeft(t *testing.T) {
	d := Deadline{Date: date("2025-10-03")}
	for _, tc := range []struct {
		today string
		want  int
	}{{"2025-09-03", 30}, {"2025-10-03", 0}, {"2025-10-05", -2}} {
		if got := d.DaysLeft(date(tc.today)); got != tc.want {
			t.Errorf("DaysLeft(%s) = %d, want %d", tc.today, got, tc.want)
		}
	}
}

func TestWorkingDaysLeft(t *testing.T) {
	cal := DefaultCalendar()
	for _, tc := range []struct {
		today, due string
		want       int
	}{
		{"2025-01-31", "2025-02-03", 1},  // Friday, due Monday
		{"2025-01-31", "2025-02-07", 5},  // a working week
		{"2025-01-31", "2025-02-10", 6},  // beyond it
		{"2025-04-17", "2025-04-22", 1},  // Good Friday and Easter Monday skipped
		{"2025-12-24", "2025-12-29", 1},  // Christmas Day and Boxing Day skipped
		{"2025-02-03", "2025-02-03", 0},  // due today
		{"2025-02-05", "2025-02-03", 0},  // overdue
		{"2025-02-01", "2025-02-03", 1},  // from a Saturday
		{"2025-05-02", "2025-05-06", 1},  // early May bank holiday skipped
		{"2025-08-22", "2025-08-26", 1},  // summer bank holiday skipped
		{"2025-05-23", "2025-05-27", 1},  // spring bank holiday skipped
		{"2025-03-03", "2025-03-31", 20}, // a month of weekdays
	} {
		if got := cal.WorkingDaysLeft(date(tc.today), date(tc.due)); got != tc.want {
			t.Errorf("WorkingDaysLeft(%s, %s) = %d, want %d", tc.today, tc.due, got, tc.want)
		}
	}
}

func TestDayIsTheUKDate(t *testing.T) {
	// 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
	if got := Day(time.Date(2025, 6, 30, 23, 30, 0, 0, time.UTC)); !got.Equal(date("2025-07-01")) {
		t.Errorf("Day = %s, want 2025-07-01", got.Format(time.DateOnly))
	}
}

func TestLoadCalendar(t *testing.T) {
	cal, err := LoadCalendar(filepath.Join("testdata", "bank-holidays-update.json"))
	if err != nil {
		t.Fatal(err)
	}
	if cal.WorkingDay(date("2029-06-11")) {
		t.Error("the holiday in the loaded file is a working day")
	}
	if !cal.WorkingDay(date("2029-11-30")) || !cal.WorkingDay(date("2029-03-19")) {
		t.Error("another division's holiday was taken for England and Wales")
	}
	// A request of 11 May 2029 falls due on the new holiday, so the next day.
	got, err := cal.Due(Clock{Received: date("2029-05-11")}, date("2029-05-11"))
	if err != nil || !got.Date.Equal(date("2029-06-12")) || got.Unlisted {
		t.Errorf("Due = %+v, %v; want 2029-06-12 inside the list", got, err)
	}
	if got, _ := DefaultCalendar().Due(Clock{Received: date("2029-05-11")}, date("2029-05-11")); !got.Unlisted {
		t.Error("a deadline beyond the embedded list is not flagged")
	}
}

func TestParseBankHolidaysRefuses(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"not json":       `<html>`,
		"no division":    `{"scotland":{"division":"scotland","events":[{"title":"x","date":"2029-01-01"}]}}`,
		"empty division": `{"england-and-wales":{"division":"england-and-wales","events":[]}}`,
		"bad date":       `{"england-and-wales":{"events":[{"title":"x","date":"2029-02-30"}]}}`,
		"year":           `{"england-and-wales":{"events":[{"title":"x","date":"0001-01-01"}]}}`,
	} {
		path := filepath.Join(dir, "f.json")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadCalendar(path); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestEmbeddedListIsWeekdays(t *testing.T) {
	hs := DefaultCalendar().Holidays()
	if len(hs) < 80 {
		t.Fatalf("embedded list has %d days", len(hs))
	}
	for _, d := range hs {
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			t.Errorf("%s is a %s: bank holidays fall on weekdays (substitute days are listed instead)", d.Format(time.DateOnly), wd)
		}
	}
}

func FuzzParseBankHolidays(f *testing.F) {
	// Small seeds: the embedded list (10 KB) makes every mutation slow, and
	// TestEmbeddedListIsWeekdays reads it whole.
	f.Add([]byte(`{"england-and-wales":{"division":"england-and-wales","events":[{"title":"Boxing Day","date":"2026-12-28","notes":"Substitute day","bunting":true}]}}`))
	if b, err := os.ReadFile(filepath.Join("testdata", "bank-holidays-update.json")); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"england-and-wales":{"events":[{"date":"2025-12-25"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cal, err := ParseBankHolidays(data)
		if err != nil {
			return
		}
		for _, d := range cal.Holidays() {
			if cal.WorkingDay(d) {
				t.Fatalf("listed holiday %s is a working day", d)
			}
			if !cal.Covers(d) {
				t.Fatalf("listed holiday %s is outside the list's span", d)
			}
			if n := cal.NextWorkingDay(d); !n.After(d) || !cal.WorkingDay(n) {
				t.Fatalf("next working day after %s is %s", d, n)
			}
		}
	})
}

// FuzzNormalize feeds the record form's identifiers: normalize never
// panics, its errors never repeat what was typed, and what it keeps is
// canonical.
func FuzzNormalize(f *testing.F) {
	f.Add("07911 123456", "resident@example.org", "c-1")
	f.Add("+44 7911 123456\n0044 7911 123456", "", "")
	f.Add("12", "a@b", "x")
	f.Fuzz(func(t *testing.T, phones, email, conv string) {
		ids, err := normalize(Identifiers{Phones: strings.Split(phones, "\n"), Email: email, Conversation: conv})
		if err != nil {
			for _, typed := range append(strings.Split(phones, "\n"), email, conv) {
				// Typed text that could identify someone: a number or an address.
				if len(typed) >= 6 && strings.ContainsAny(typed, "0123456789@") && strings.Contains(err.Error(), typed) {
					t.Fatalf("error %q repeats the input %q", err, typed)
				}
			}
			return
		}
		for _, p := range ids.Phones {
			if again, err := crypt.NormalizePhone(p); err != nil || again != p {
				t.Fatalf("kept %q, which is not canonical", p)
			}
		}
		if ids.Empty() {
			t.Fatal("accepted no identifier")
		}
	})
}
