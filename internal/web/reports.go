package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/chat"
)

// Chatbot reports: what residents asked about, by service area, whether the
// bot answered and whether the answers helped. Figures come from the chat
// service's daily aggregates, which outlive the transcripts. Charts are
// inline SVG drawn here, each with a text alternative and a data table.

const (
	reportDefaultDays = 28
	reportMaxDays     = 366
	dateLayout        = "2006-01-02"
)

// reportRange is the period asked for: whole UTC days, From to To inclusive.
type reportRange struct {
	From, To time.Time // midnight UTC
}

// parseReportRange reads ?from=&to= (YYYY-MM-DD, both optional: the last 28
// days up to today by default) and says what is wrong, field by field.
func parseReportRange(q url.Values, now time.Time) (reportRange, []fieldError) {
	today := now.UTC().Truncate(24 * time.Hour)
	rr := reportRange{From: today.AddDate(0, 0, -(reportDefaultDays - 1)), To: today}
	var errs []fieldError
	parse := func(field, label string, dst *time.Time) {
		raw := q.Get(field)
		if raw == "" {
			return
		}
		t, err := time.Parse(dateLayout, raw)
		if err != nil {
			errs = append(errs, fieldError{field, label + " must be a real date in the form YYYY-MM-DD, for example " + today.Format(dateLayout)})
			return
		}
		*dst = t
	}
	parse("from", "Start date", &rr.From)
	parse("to", "End date", &rr.To)
	if len(errs) > 0 {
		return rr, errs
	}
	switch {
	case rr.From.After(rr.To):
		errs = append(errs, fieldError{"from", "Start date must be the same as or before the end date"})
	case rr.To.Sub(rr.From) >= reportMaxDays*24*time.Hour:
		errs = append(errs, fieldError{"from", "The period must be " + strconv.Itoa(reportMaxDays) + " days or shorter"})
	}
	return rr, errs
}

// reportFor asks the chat service for the period, To inclusive, keeping only the
// service areas p may see.
func (s *Server) reportFor(r *http.Request, rr reportRange) (chat.Report, error) {
	rep, err := s.Chat.Report(r.Context(), rr.From, rr.To.AddDate(0, 0, 1))
	if err != nil {
		return rep, err
	}
	p := principalFrom(r)
	days := rep.Days[:0:0]
	for _, d := range rep.Days {
		if p.SeesServiceArea(d.ServiceArea) || (d.ServiceArea == "" && !p.Role.Scoped()) {
			days = append(days, d)
		}
	}
	rep.Days = days
	sort.SliceStable(rep.Days, func(i, j int) bool {
		if !rep.Days[i].Day.Equal(rep.Days[j].Day) {
			return rep.Days[i].Day.Before(rep.Days[j].Day)
		}
		return rep.Days[i].ServiceArea < rep.Days[j].ServiceArea
	})
	return rep, nil
}

// reportView is the page's data. The tables and the summary are laid out for the partials
// (partials.go); Totals and Areas are the figures they show.
type reportView struct {
	Available       bool
	From, To        string
	CSV             string
	Scoped          bool
	Totals          figures
	Areas           []areaRow
	Summary         []summaryRow
	AreaTable       table
	DayTable        table
	WeekTable       table
	DayChart        barChart
	AreaChart       barChart
	UnansweredTable table // no rows: every question found an answer
	NotHelpfulTable table // no rows: no answer was rated not helpful
	TopPagesTable   table // no rows: no page was used
	CanHint         bool  // the tables offer "Send to a page" (administrators)
}

// figures are counts with the rates derived from them.
type figures struct {
	Questions, Answered, Handoffs, Helpful, NotHelpful int
}

func (f *figures) add(d chat.DayStat) {
	f.Questions += d.Questions
	f.Answered += d.Answered
	f.Handoffs += d.Handoffs
	f.Helpful += d.Helpful
	f.NotHelpful += d.NotHelpful
}

// AnsweredRate is the share of questions answered, as "82%" or "–".
func (f figures) AnsweredRate() string { return percent(f.Answered, f.Questions) }

// HelpfulRate is the share of rated answers rated helpful.
func (f figures) HelpfulRate() string { return percent(f.Helpful, f.Helpful+f.NotHelpful) }

func percent(n, of int) string {
	if of == 0 {
		return "–"
	}
	return strconv.Itoa(int(float64(n)*100/float64(of)+0.5)) + "%"
}

type areaRow struct {
	ID, Name string
	figures
}

// periodRow is one day or week: questions per service area (in the order of
// the areas) and the totals.
type periodRow struct {
	Label  string
	ByArea []int
	Total  figures
}

// barChart is a vertical bar chart laid out for the template.
type barChart struct {
	ID          string
	Title, Desc string
	Width       int
	Height      int
	Bars        []bar
	Ticks       []tick
	Empty       bool
	None        string // said instead of an empty chart ("" for the chatbot's wording)
}

type bar struct {
	X, Y, W, H float64
	Label      string // under the bar, may be empty
	LabelX     float64
	Value      int
	Tip        string // <title> of the bar
}

type tick struct {
	Y     float64
	Label string
}

const (
	chartW, chartH      = 640, 260
	chartLeft, chartTop = 40.0, 10.0
	chartBottom         = 40.0
)

// newBarChart lays out values (with labels) in a 640×260 viewBox: bars,
// a few gridlines with their values, and every n-th label so they fit.
func newBarChart(id, title, desc string, labels []string, values []int, tips []string) barChart {
	c := barChart{ID: id, Title: title, Desc: desc, Width: chartW, Height: chartH}
	max := 0
	for _, v := range values {
		if v > max {
			max = v
		}
	}
	if len(values) == 0 || max == 0 {
		c.Empty = true
		return c
	}
	step := niceStep(max)
	top := step * ((max + step - 1) / step)
	plotH := chartH - chartTop - chartBottom
	plotW := chartW - chartLeft - 10
	for v := 0; v <= top; v += step {
		c.Ticks = append(c.Ticks, tick{Y: chartTop + plotH - plotH*float64(v)/float64(top), Label: strconv.Itoa(v)})
	}
	slot := plotW / float64(len(values))
	every := 1
	if n := len(values); n > 8 {
		every = (n + 7) / 8
	}
	for i, v := range values {
		h := plotH * float64(v) / float64(top)
		b := bar{X: chartLeft + float64(i)*slot + slot*0.15, W: slot * 0.7, Y: chartTop + plotH - h, H: h, Value: v, Tip: tips[i]}
		b.LabelX = b.X + b.W/2
		if i%every == 0 {
			b.Label = labels[i]
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}

func niceStep(max int) int {
	for _, s := range []int{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000} {
		if max/s <= 5 {
			return s
		}
	}
	return max / 5
}

func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request) error {
	pg := &page{Title: "Chatbot reports", Values: r.URL.Query()}
	rr, errs := parseReportRange(r.URL.Query(), time.Now())
	scoped := principalFrom(r).Role.Scoped()
	if len(errs) > 0 || s.Chat == nil {
		pg.Errors = errs
		pg.Data = &reportView{Available: s.Chat != nil, From: rr.From.Format(dateLayout), To: rr.To.Format(dateLayout), Scoped: scoped}
		return s.render(w, r, "reports", pg)
	}
	rep, err := s.reportFor(r, rr)
	if err != nil {
		return err
	}
	var send func(string) *cellForm
	if principalFrom(r).Is(auth.Administrator) {
		token := s.csrfToken(w, r)
		send = func(question string) *cellForm {
			return &cellForm{Action: "/console/kb/hints", Label: "Send to a page", Context: "questions like “" + question + "”",
				CSRF: token, Fields: []formField{{"question", question}, {"action", "find"}}}
		}
	}
	v := buildReportView(rr, rep, areaNames(s.Policy()), send)
	v.Scoped = scoped
	if pg.Values.Get("from") == "" {
		pg.Values.Set("from", v.From)
	}
	if pg.Values.Get("to") == "" {
		pg.Values.Set("to", v.To)
	}
	pg.Data = &v
	return s.render(w, r, "reports", pg)
}

// buildReportView lays out the report of period rr for the page: totals, service areas busiest
// first (named by names, the policy's, or from their ids when the policy no longer lists them),
// questions per day and per week, the two charts, and the unanswered and not-helpful questions,
// each with send's form to make a hint of it when send is not nil. It reads only its arguments.
func buildReportView(rr reportRange, rep chat.Report, names map[string]string, send func(question string) *cellForm) reportView {
	v := reportView{Available: true, From: rr.From.Format(dateLayout), To: rr.To.Format(dateLayout)}
	v.CSV = "/console/reports.csv?" + url.Values{"from": {v.From}, "to": {v.To}}.Encode()
	v.Areas, v.Totals = areaRows(rep.Days, names)
	v.Summary = totalsSummary(v.Totals)
	v.AreaTable = areaTable(v.Areas)
	byDay, byWeek := periodRows(rr, rep.Days, v.Areas)
	v.DayTable = periodTable("per-day", "Questions per day by service area", "Day", v.Areas, byDay)
	v.WeekTable = periodTable("per-week", "Questions per week (weeks start on Monday) by service area", "Week", v.Areas, byWeek)
	v.DayChart = dayChart(rr, byDay, v.Totals.Questions)
	v.AreaChart = areaChart(v.Areas)
	v.UnansweredTable = unansweredTable(rep.Unanswered, send)
	v.NotHelpfulTable = notHelpfulTable(rep.NotHelpful, send)
	v.TopPagesTable = topPagesTable(rep.TopPages)
	v.CanHint = send != nil
	return v
}

// totalsSummary is the summary list of the period's figures.
func totalsSummary(f figures) []summaryRow {
	return []summaryRow{
		{"Questions", cell{Text: strconv.Itoa(f.Questions)}},
		{"Answered", cell{Text: fmt.Sprintf("%s (%d)", f.AnsweredRate(), f.Answered)}},
		{"Passed to a contact route", cell{Text: strconv.Itoa(f.Handoffs)}},
		{"Rated helpful", cell{Text: fmt.Sprintf("%s (%d yes, %d no)", f.HelpfulRate(), f.Helpful, f.NotHelpful)}},
	}
}

// areaTable is questions, answered rate and helpful rate by service area.
func areaTable(areas []areaRow) table {
	t := table{ID: "by-area", Caption: "Questions, answered rate and helpful rate by service area",
		CaptionClass: "govuk-table__caption--s", Scroll: true,
		Cols: []column{{"Service area", false}, {"Questions", true}, {"Answered", true}, {"Handoffs", true}, {"Helpful", true}}}
	for _, a := range areas {
		t.Rows = append(t.Rows, []cell{{Text: a.Name, Header: true}, num(a.Questions),
			{Text: a.AnsweredRate(), Numeric: true}, num(a.Handoffs), {Text: a.HelpfulRate(), Numeric: true}})
	}
	return t
}

// periodTable is questions per period (rows) and service area (columns), with the totals.
func periodTable(id, caption, first string, areas []areaRow, rows []periodRow) table {
	t := table{ID: id, Caption: caption, CaptionClass: "govuk-table__caption--s", Scroll: true, Cols: []column{{first, false}}}
	for _, a := range areas {
		t.Cols = append(t.Cols, column{a.Name, true})
	}
	t.Cols = append(t.Cols, column{"All questions", true}, column{"Answered", true}, column{"Helpful", true})
	for _, r := range rows {
		cells := []cell{{Text: r.Label, Header: true}}
		for _, n := range r.ByArea {
			cells = append(cells, num(n))
		}
		cells = append(cells, num(r.Total.Questions), cell{Text: r.Total.AnsweredRate(), Numeric: true},
			cell{Text: r.Total.HelpfulRate(), Numeric: true})
		t.Rows = append(t.Rows, cells)
	}
	return t
}

// unansweredTable lists the questions the chatbot could not answer, most asked first.
func unansweredTable(us []chat.Unanswered, send func(string) *cellForm) table {
	t := table{Caption: "Questions the chatbot could not answer, most asked first", CaptionClass: "govuk-visually-hidden",
		Cols: []column{{"Question (example)", false}, {"Times asked", true}, {"Last asked", false}}}
	for _, u := range us {
		t.Rows = append(t.Rows, []cell{{Text: u.Example}, num(u.Count), {Text: dayText(u.Last)}})
	}
	return withSend(t, send, func(i int) string { return us[i].Example })
}

// notHelpfulTable lists the latest answers residents rated not helpful, newest first.
func notHelpfulTable(ns []chat.NotHelpful, send func(string) *cellForm) table {
	t := table{Caption: "Answers residents rated not helpful, newest first", CaptionClass: "govuk-visually-hidden",
		Cols: []column{{"Question", false}, {"Answered from", false}, {"Asked", false}}}
	for _, n := range ns {
		title := n.PageTitle
		if title == "" {
			title = n.PageURL
		}
		t.Rows = append(t.Rows, []cell{{Text: n.Question}, {Text: title, Href: n.PageURL, External: true}, {Text: dayText(n.At)}})
	}
	return withSend(t, send, func(i int) string { return ns[i].Question })
}

// withSend adds a column to t with, on each row, send's form for that row's question; t as it
// is when send is nil.
func withSend(t table, send func(string) *cellForm, question func(row int) string) table {
	if send == nil {
		return t
	}
	t.Cols = append(t.Cols, column{Label: "Hint"})
	for i := range t.Rows {
		t.Rows[i] = append(t.Rows[i], cell{Form: send(question(i))})
	}
	return t
}

// topPagesTable lists the pages the chatbot answered from, most used first.
func topPagesTable(ps []chat.PageUse) table {
	t := table{Caption: "Pages the chatbot answered from, most used first", CaptionClass: "govuk-visually-hidden",
		Cols: []column{{"Page", false}, {"Answers", true}}}
	for _, p := range ps {
		title := p.Title
		if title == "" {
			title = p.URL
		}
		t.Rows = append(t.Rows, []cell{{Text: title, Href: p.URL, External: true}, num(p.Count)})
	}
	return t
}

// areaRows sums the days by service area, busiest first, and over all areas.
func areaRows(days []chat.DayStat, names map[string]string) ([]areaRow, figures) {
	var total figures
	byArea := map[string]*areaRow{}
	for _, d := range days {
		a := byArea[d.ServiceArea]
		if a == nil {
			a = &areaRow{ID: d.ServiceArea}
			byArea[d.ServiceArea] = a
		}
		a.add(d)
		total.add(d)
	}
	var rows []areaRow
	for _, a := range byArea {
		if a.Name = names[a.ID]; a.Name == "" {
			a.Name = areaLabel(a.ID)
		}
		rows = append(rows, *a)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Questions != rows[j].Questions {
			return rows[i].Questions > rows[j].Questions
		}
		return rows[i].ID < rows[j].ID
	})
	return rows, total
}

// periodRows are every day of the period and its weeks starting on Monday, with the questions
// per service area in the order of areas.
func periodRows(rr reportRange, days []chat.DayStat, areas []areaRow) (byDay, byWeek []periodRow) {
	col := map[string]int{}
	for i, a := range areas {
		col[a.ID] = i
	}
	dayIndex := map[string]*periodRow{}
	for d := rr.From; !d.After(rr.To); d = d.AddDate(0, 0, 1) {
		byDay = append(byDay, periodRow{Label: d.Format("Mon 2 Jan 2006"), ByArea: make([]int, len(areas))})
	}
	for i := range byDay {
		dayIndex[rr.From.AddDate(0, 0, i).Format(dateLayout)] = &byDay[i]
	}
	weekIndex := map[string]*periodRow{}
	var weekOrder []string
	for d := rr.From; !d.After(rr.To); d = d.AddDate(0, 0, 1) {
		wk := weekStart(d).Format(dateLayout)
		if _, ok := weekIndex[wk]; !ok {
			weekOrder = append(weekOrder, wk)
			weekIndex[wk] = &periodRow{Label: "Week of " + weekStart(d).Format("2 Jan 2006"), ByArea: make([]int, len(areas))}
		}
	}
	for _, d := range days {
		day := d.Day.UTC().Truncate(24 * time.Hour)
		if row := dayIndex[day.Format(dateLayout)]; row != nil {
			row.ByArea[col[d.ServiceArea]] += d.Questions
			row.Total.add(d)
		}
		if row := weekIndex[weekStart(day).Format(dateLayout)]; row != nil {
			row.ByArea[col[d.ServiceArea]] += d.Questions
			row.Total.add(d)
		}
	}
	for _, wk := range weekOrder {
		byWeek = append(byWeek, *weekIndex[wk])
	}
	return byDay, byWeek
}

// dayChart charts the questions of each day of the period, described in words for those who
// cannot see it.
func dayChart(rr reportRange, byDay []periodRow, questions int) barChart {
	var labels, tips []string
	var values []int
	busiest := periodRow{}
	for i, row := range byDay {
		d := rr.From.AddDate(0, 0, i)
		labels = append(labels, d.Format("2 Jan"))
		values = append(values, row.Total.Questions)
		tips = append(tips, fmt.Sprintf("%s: %d questions", row.Label, row.Total.Questions))
		if row.Total.Questions > busiest.Total.Questions {
			busiest = row
		}
	}
	desc := fmt.Sprintf("Bar chart of questions per day from %s to %s: %d questions in all", rr.From.Format("2 January 2006"), rr.To.Format("2 January 2006"), questions)
	if busiest.Total.Questions > 0 {
		desc += fmt.Sprintf("; the busiest day was %s with %d", busiest.Label, busiest.Total.Questions)
	}
	return newBarChart("chart-day", "Questions per day", desc+". The figures are in the table below.", labels, values, tips)
}

// areaChart charts the questions of each service area, busiest first, naming the first five
// in its description.
func areaChart(areas []areaRow) barChart {
	var labels, tips []string
	var values []int
	var parts string
	for i, a := range areas {
		name := a.Name
		labels = append(labels, shorten(name, 14))
		values = append(values, a.Questions)
		tips = append(tips, fmt.Sprintf("%s: %d questions", name, a.Questions))
		if i < 5 {
			parts += fmt.Sprintf("; %s %d", name, a.Questions)
		}
	}
	return newBarChart("chart-area", "Questions by service area", "Bar chart of questions by service area, busiest first"+parts+". The figures are in the table below.", labels, values, tips)
}

// weekStart is the Monday of d's week.
func weekStart(d time.Time) time.Time {
	off := (int(d.Weekday()) + 6) % 7
	return d.AddDate(0, 0, -off)
}

// areaLabel names a service area the policy no longer lists (counted before
// the policy changed): "libraries-and-culture" reads "Libraries and culture".
func areaLabel(id string) string {
	if id == "" {
		return "Not classified"
	}
	return capitalise(strings.ReplaceAll(id, "-", " "))
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// reportsCSV exports the daily figures of the period, one row per day and
// service area.
func (s *Server) reportsCSV(w http.ResponseWriter, r *http.Request) error {
	rr, errs := parseReportRange(r.URL.Query(), time.Now())
	if len(errs) > 0 {
		return badRequest(errs[0].Msg + ".")
	}
	if s.Chat == nil {
		return &statusError{http.StatusServiceUnavailable, "The chatbot is not configured, so there is nothing to export."}
	}
	rep, err := s.reportFor(r, rr)
	if err != nil {
		return err
	}
	names := areaNames(s.Policy())
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="chatbot-%s-to-%s.csv"`, rr.From.Format(dateLayout), rr.To.Format(dateLayout)))
	cw := csv.NewWriter(w)
	cw.Write([]string{"day", "service_area", "service_area_name", "questions", "answered", "handoffs", "helpful", "not_helpful"})
	for _, d := range rep.Days {
		name := names[d.ServiceArea]
		if name == "" {
			name = areaLabel(d.ServiceArea)
		}
		cw.Write([]string{d.Day.UTC().Format(dateLayout), d.ServiceArea, name, strconv.Itoa(d.Questions), strconv.Itoa(d.Answered),
			strconv.Itoa(d.Handoffs), strconv.Itoa(d.Helpful), strconv.Itoa(d.NotHelpful)})
	}
	cw.Flush()
	return cw.Error()
}
