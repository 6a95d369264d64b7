package rights

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/fairline/fairline/internal/policy"
)

// Due dates follow the ICO's guidance on time limits for responding to
// data subject requests (UK GDPR Article 12(3)):
//
//   - the month starts on the day the request is received, working day or
//     not, and ends on the corresponding calendar date of the next month;
//   - when the next month has no such date (a request of 31 January), it
//     ends on that month's last day;
//   - when that day is a weekend or a bank holiday, the deadline is the
//     next working day;
//   - while the council waits for proof of identity or for clarification
//     the clock stops: it starts again when the information arrives, so the
//     month is counted from the receipt date moved on by the days waited;
//   - a complex request may be extended by up to two further months, with
//     the reason, decided (and told to the requester) within the first
//     month.

//go:embed bank-holidays.json
var embeddedBankHolidays []byte

// Division is the GOV.UK bank-holidays division whose days are not
// working days: Fairline serves councils in England and Wales.
const Division = "england-and-wales"

// MaxExtensionMonths is how far the ICO lets a complex request's deadline
// be extended.
const MaxExtensionMonths = 2

// maxHolidayFile bounds a bank-holidays file read from disk: GOV.UK's
// whole file (three divisions, ten years) is about 20 KB.
const maxHolidayFile = 4 << 20

// Calendar knows which days are working days in England and Wales.
type Calendar struct {
	holidays    map[time.Time]string // midnight UTC of each bank holiday → its title
	first, last time.Time            // the span the list covers
}

// DefaultCalendar is the embedded England and Wales list (bank-holidays.json,
// in GOV.UK's format; see testdata/README.md for where it came from).
func DefaultCalendar() *Calendar {
	c, err := ParseBankHolidays(embeddedBankHolidays)
	if err != nil {
		panic("rights: embedded bank holidays: " + err.Error())
	}
	return c
}

// LoadCalendar reads a file in the GOV.UK format
// (https://www.gov.uk/bank-holidays.json, downloaded by the council), so a
// newly proclaimed bank holiday reaches the deadlines without a release.
func LoadCalendar(path string) (*Calendar, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("rights: bank holidays: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxHolidayFile+1))
	if err != nil {
		return nil, fmt.Errorf("rights: bank holidays %s: %w", path, err)
	}
	if len(data) > maxHolidayFile {
		return nil, fmt.Errorf("rights: bank holidays %s: larger than %d MB", path, maxHolidayFile>>20)
	}
	c, err := ParseBankHolidays(data)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return c, nil
}

type holidayFile map[string]struct {
	Division string `json:"division"`
	Events   []struct {
		Title string `json:"title"`
		Date  string `json:"date"`
	} `json:"events"`
}

// ParseBankHolidays reads the GOV.UK bank-holidays JSON format and keeps
// the England and Wales division. Every date must be a real YYYY-MM-DD
// date; a file without the division, or with no events in it, is refused
// (it would silently make every weekday a working day).
func ParseBankHolidays(data []byte) (*Calendar, error) {
	var f holidayFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("rights: bank holidays: not the GOV.UK bank-holidays JSON format: %w", err)
	}
	div, ok := f[Division]
	if !ok {
		return nil, fmt.Errorf("rights: bank holidays: no %q division", Division)
	}
	if len(div.Events) == 0 {
		return nil, fmt.Errorf("rights: bank holidays: the %q division lists no days", Division)
	}
	c := &Calendar{holidays: make(map[time.Time]string, len(div.Events))}
	for i, e := range div.Events {
		d, err := time.Parse(time.DateOnly, e.Date)
		if err != nil {
			return nil, fmt.Errorf("rights: bank holidays: event %d: date must be YYYY-MM-DD", i+1)
		}
		if d.Year() < 1900 || d.Year() > 2200 {
			return nil, fmt.Errorf("rights: bank holidays: event %d: year %d is out of range", i+1, d.Year())
		}
		c.holidays[d] = e.Title
		if c.first.IsZero() || d.Before(c.first) {
			c.first = d
		}
		if d.After(c.last) {
			c.last = d
		}
	}
	return c, nil
}

// Day is the calendar day of t in the UK: deadlines are days, not moments.
func Day(t time.Time) time.Time {
	y, m, d := t.In(ukTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ukTime is where a council's day begins and ends. Fall back to a fixed
// zone when the system has no tz database: deadlines are whole days, so
// an hour around midnight in summer is the only difference.
var ukTime = func() *time.Location {
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		return l
	}
	return time.UTC
}()

// Holiday returns the bank holiday's title on day d, if it is one.
func (c *Calendar) Holiday(d time.Time) (string, bool) {
	t, ok := c.holidays[Day(d)]
	return t, ok
}

// WorkingDay reports whether d is neither a weekend day nor a bank holiday.
func (c *Calendar) WorkingDay(d time.Time) bool {
	d = Day(d)
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	_, hol := c.holidays[d]
	return !hol
}

// NextWorkingDay is d when it is a working day, else the first after it.
func (c *Calendar) NextWorkingDay(d time.Time) time.Time {
	d = Day(d)
	for !c.WorkingDay(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// WorkingDaysLeft counts the working days after today up to and including
// due: 0 when due today or earlier. A case due on Monday has 1 working day
// left on the Friday before.
func (c *Calendar) WorkingDaysLeft(today, due time.Time) int {
	n := 0
	for d := Day(today).AddDate(0, 0, 1); !d.After(Day(due)); d = d.AddDate(0, 0, 1) {
		if c.WorkingDay(d) {
			n++
		}
	}
	return n
}

// Covers reports whether d's year is inside the list: a deadline beyond
// it is only right about weekends, and the dashboard says so.
func (c *Calendar) Covers(d time.Time) bool {
	d = Day(d)
	return d.Year() >= c.first.Year() && d.Year() <= c.last.Year()
}

// Holidays lists the days the calendar knows, in order (for the console).
func (c *Calendar) Holidays() []time.Time {
	out := make([]time.Time, 0, len(c.holidays))
	for d := range c.holidays {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// Pause is a time the clock stood still: From the day the council asked
// for identity or clarification, To the day the answer arrived (zero while
// still waiting).
type Pause struct {
	From, To time.Time
	Reason   string // PauseIdentity or PauseClarification
}

// Reasons the clock may stop.
const (
	PauseIdentity      = "identity"
	PauseClarification = "clarification"
)

// Clock is what a request's deadline depends on.
type Clock struct {
	Received        time.Time
	Pauses          []Pause
	ExtensionMonths int
}

// Deadline is a request's due date and how it was reached.
type Deadline struct {
	// Date is the day the response is due (midnight UTC of a UK date).
	Date time.Time
	// Paused is true while the clock is stopped; Date then assumes the
	// clock starts again today, so it only moves later.
	Paused bool
	// PausedDays is how many days the clock has stood still.
	PausedDays int
	// Moved names why Date is later than the corresponding date
	// ("Saturday", "Easter Monday"); empty when it is not.
	Moved string
	// Unlisted is true when Date lies beyond the bank-holiday list, so
	// only weekends were taken into account.
	Unlisted bool
}

// Due computes the deadline of a request on day today.
func (c *Calendar) Due(cl Clock, today time.Time) (Deadline, error) {
	if cl.ExtensionMonths < 0 || cl.ExtensionMonths > MaxExtensionMonths {
		return Deadline{}, fmt.Errorf("rights: an extension is 1 or %d further months", MaxExtensionMonths)
	}
	today = Day(today)
	var dl Deadline
	for _, p := range cl.Pauses {
		to := p.To
		if to.IsZero() {
			to, dl.Paused = today, true
		}
		if n := daysBetween(Day(p.From), Day(to)); n > 0 {
			dl.PausedDays += n
		}
	}
	start := Day(cl.Received).AddDate(0, 0, dl.PausedDays)
	// policy.Retention's month arithmetic is the same "corresponding date,
	// else the month's last day" rule the ICO uses.
	corresponding := policy.Retention{Months: 1 + cl.ExtensionMonths}.ExpiresAt(start)
	dl.Date = c.NextWorkingDay(corresponding)
	if !dl.Date.Equal(corresponding) {
		if t, ok := c.Holiday(corresponding); ok {
			dl.Moved = t
		} else {
			dl.Moved = corresponding.Weekday().String()
		}
	}
	dl.Unlisted = !c.Covers(dl.Date)
	return dl, nil
}

// daysBetween counts calendar days from a to b (both midnight UTC).
func daysBetween(a, b time.Time) int {
	return int(b.Sub(a) / (24 * time.Hour))
}

// DaysLeft is the number of calendar days from today to the deadline:
// 0 on the day it is due, negative once overdue.
func (d Deadline) DaysLeft(today time.Time) int {
	return daysBetween(Day(today), d.Date)
}
