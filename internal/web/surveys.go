package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/surveys"
)

// The post-call survey page (/s/{token}): no sign-in, the link's token is the only key. The
// service uses the link up and stores the answers with the area and week only.

type surveyView struct {
	Action string
	Q      surveys.Questionnaire
	Scale  []surveys.Option
	YesNo  []surveys.Option
	Done   bool
}

func (s *Server) surveyView(r *http.Request, q surveys.Questionnaire) surveyView {
	return surveyView{Action: "/s/" + r.PathValue("token"), Q: q, Scale: surveys.SatisfactionScale, YesNo: surveys.YesNo}
}

// errSurveySpent is the page for a link that was used or has expired (410: it will not
// come back).
var errSurveySpent = &statusError{http.StatusGone, "This survey link has been used or has expired. Thank you for your time."}

func surveyHeaders(w http.ResponseWriter) {
	// The token is in the path: keep it out of caches and of Referer headers.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
}

func (s *Server) surveyPage(w http.ResponseWriter, r *http.Request) error {
	surveyHeaders(w)
	if s.Surveys == nil {
		return errNotFound
	}
	q, err := s.Surveys.Questionnaire(r.Context(), r.PathValue("token"))
	if errors.Is(err, surveys.ErrLinkSpent) {
		return errSurveySpent
	}
	if err != nil {
		return err
	}
	return s.render(w, r, "survey", &page{Title: "Tell us about your call", Data: s.surveyView(r, q)})
}

func (s *Server) surveyAnswer(w http.ResponseWriter, r *http.Request) error {
	surveyHeaders(w)
	if s.Surveys == nil {
		return errNotFound
	}
	token := r.PathValue("token")
	err := s.Surveys.Respond(r.Context(), token, surveys.Answer{Satisfaction: r.PostFormValue("satisfaction"),
		Resolved: r.PostFormValue("resolved"), Comment: r.PostFormValue("comment")})
	if fe, ok := inputError(err); ok {
		q, qerr := s.Surveys.Questionnaire(r.Context(), token)
		if errors.Is(qerr, surveys.ErrLinkSpent) {
			return errSurveySpent
		}
		if qerr != nil {
			return qerr
		}
		return s.render(w, r, "survey", &page{Title: "Tell us about your call", Data: s.surveyView(r, q),
			Values: r.PostForm, Errors: []fieldError{fe}})
	}
	if errors.Is(err, surveys.ErrLinkSpent) {
		return errSurveySpent
	}
	if err != nil {
		return err
	}
	return s.render(w, r, "survey", &page{Title: "Thank you", Data: surveyView{Done: true}})
}

// Survey results in the console: responses by service area and ISO week, from the answers
// alone (they hold no personal data). A team leader sees the areas they work in.

func (s *Server) surveyWeeks(r *http.Request) ([]surveys.Week, error) {
	var areas []string
	if p := principalFrom(r); p.Role.Scoped() {
		areas = append([]string{}, p.ServiceAreas...)
	}
	return s.Surveys.Results(r.Context(), areas)
}

// surveyFigures are the counts of some responses with the rates derived from them.
type surveyFigures struct {
	Responses    int
	Satisfaction [6]int
	Yes, No      int
}

func (f *surveyFigures) add(w surveys.Week) {
	f.Responses += w.Responses
	for i, n := range w.Satisfaction {
		f.Satisfaction[i] += n
	}
	f.Yes += w.ResolvedYes
	f.No += w.ResolvedNo
}

// Satisfied is the share of satisfaction answers that were satisfied or very satisfied.
func (f surveyFigures) Satisfied() string {
	return percent(f.Satisfaction[4]+f.Satisfaction[5], f.Responses-f.Satisfaction[0])
}

// Resolved is the share of resolved answers that were yes.
func (f surveyFigures) Resolved() string { return percent(f.Yes, f.Yes+f.No) }

func (f surveyFigures) satisfiedValue() int {
	answered := f.Responses - f.Satisfaction[0]
	if answered == 0 {
		return 0
	}
	return int(float64(f.Satisfaction[4]+f.Satisfaction[5])*100/float64(answered) + 0.5)
}

type surveyResultsView struct {
	Available bool
	Scoped    bool
	Summary   []summaryRow
	Chart     barChart
	AreaTable table
	WeekTable table
}

var surveyCols = []column{{"Responses", true}, {"Very satisfied", true}, {"Satisfied", true}, {"Neither", true},
	{"Dissatisfied", true}, {"Very dissatisfied", true}, {"Share satisfied", true}, {"Resolved", true}}

func surveyCells(f surveyFigures) []cell {
	return []cell{num(f.Responses), num(f.Satisfaction[5]), num(f.Satisfaction[4]), num(f.Satisfaction[3]), num(f.Satisfaction[2]),
		num(f.Satisfaction[1]), {Text: f.Satisfied(), Numeric: true}, {Text: fmt.Sprintf("%s (%d yes, %d no)", f.Resolved(), f.Yes, f.No), Numeric: true}}
}

// buildSurveyResults lays the weeks out: totals, one row per service area (in the policy's
// order, then any the policy no longer lists), one per area and week, and a chart of the share
// satisfied by area. It reads only its arguments.
func buildSurveyResults(weeks []surveys.Week, areas []policy.ServiceArea) surveyResultsView {
	v := surveyResultsView{Available: true}
	var total surveyFigures
	byArea := map[string]*surveyFigures{}
	var order []string
	for _, a := range areas {
		byArea[a.ID] = nil
		order = append(order, a.ID)
	}
	names := map[string]string{}
	for _, a := range areas {
		names[a.ID] = a.Name
	}
	name := func(id string) string {
		if n := names[id]; n != "" {
			return n
		}
		return areaLabel(id)
	}
	v.WeekTable = table{ID: "per-week", Caption: "Responses per ISO week and service area", CaptionClass: "govuk-table__caption--s", Scroll: true,
		Cols: append([]column{{"Week", false}, {"Service area", false}}, surveyCols...)}
	for _, w := range weeks {
		total.add(w)
		f := byArea[w.ServiceArea]
		if f == nil {
			if _, listed := byArea[w.ServiceArea]; !listed {
				order = append(order, w.ServiceArea)
			}
			f = &surveyFigures{}
			byArea[w.ServiceArea] = f
		}
		f.add(w)
		var one surveyFigures
		one.add(w)
		v.WeekTable.Rows = append(v.WeekTable.Rows, append([]cell{{Text: w.Week, Header: true}, {Text: name(w.ServiceArea)}}, surveyCells(one)...))
	}
	v.Summary = []summaryRow{
		{"Responses", num(total.Responses)},
		{"Satisfied or very satisfied", cell{Text: total.Satisfied()}},
		{"Query resolved", cell{Text: fmt.Sprintf("%s (%d yes, %d no)", total.Resolved(), total.Yes, total.No)}},
	}
	v.AreaTable = table{ID: "by-area", Caption: "Responses by service area", CaptionClass: "govuk-table__caption--s", Scroll: true,
		Cols: append([]column{{"Service area", false}}, surveyCols...)}
	var labels, tips []string
	var values []int
	desc := "Bar chart of the share of callers satisfied or very satisfied, by service area"
	for _, id := range order {
		f := byArea[id]
		if f == nil {
			continue
		}
		v.AreaTable.Rows = append(v.AreaTable.Rows, append([]cell{{Text: name(id), Header: true}}, surveyCells(*f)...))
		labels = append(labels, shorten(name(id), 14))
		values = append(values, f.satisfiedValue())
		tips = append(tips, fmt.Sprintf("%s: %s satisfied of %d responses", name(id), f.Satisfied(), f.Responses))
		desc += fmt.Sprintf("; %s %s", name(id), f.Satisfied())
	}
	v.Chart = newBarChart("chart-satisfied", "Share satisfied by service area (per cent)", desc+". The figures are in the table below.", labels, values, tips)
	v.Chart.EmptyText = "No survey responses yet."
	return v
}

func (s *Server) surveyResultsPage(w http.ResponseWriter, r *http.Request) error {
	pg := &page{Title: "Survey results"}
	if s.Surveys == nil {
		pg.Data = &surveyResultsView{}
		return s.render(w, r, "survey_results", pg)
	}
	weeks, err := s.surveyWeeks(r)
	if err != nil {
		return err
	}
	v := buildSurveyResults(weeks, surveyAreas(s.Policy()))
	v.Scoped = principalFrom(r).Role.Scoped()
	pg.Data = &v
	return s.render(w, r, "survey_results", pg)
}

func surveyAreas(p *policy.Policy) []policy.ServiceArea {
	if sys, ok := p.System(surveys.System); ok {
		return sys.ServiceAreas
	}
	return nil
}

// surveyResultsCSV exports the responses counted by ISO week and service area.
func (s *Server) surveyResultsCSV(w http.ResponseWriter, r *http.Request) error {
	if s.Surveys == nil {
		return &statusError{http.StatusServiceUnavailable, "Surveys are not configured, so there is nothing to export."}
	}
	weeks, err := s.surveyWeeks(r)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, a := range surveyAreas(s.Policy()) {
		names[a.ID] = a.Name
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="survey-results.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"week", "service_area", "service_area_name", "responses", "very_satisfied", "satisfied", "neither",
		"dissatisfied", "very_dissatisfied", "satisfaction_not_answered", "resolved_yes", "resolved_no"})
	for _, wk := range weeks {
		name := names[wk.ServiceArea]
		if name == "" {
			name = areaLabel(wk.ServiceArea)
		}
		row := []string{wk.Week, wk.ServiceArea, name, strconv.Itoa(wk.Responses)}
		for i := 5; i >= 0; i-- {
			row = append(row, strconv.Itoa(wk.Satisfaction[i]))
		}
		cw.Write(append(row, strconv.Itoa(wk.ResolvedYes), strconv.Itoa(wk.ResolvedNo)))
	}
	cw.Flush()
	return cw.Error()
}
