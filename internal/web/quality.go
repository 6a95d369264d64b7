package web

import (
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/quality"
)

// Quality monitoring and training in the console. Handlers only read the
// form and render: internal/quality decides who may do what.

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil {
		return 0, errNotFound
	}
	return id, nil
}

type qualityHome struct {
	Agent        bool
	Linked       bool
	Lead         bool
	Scorecards   []quality.Scorecard
	Evaluations  []quality.Evaluation
	Queue        []quality.QueueItem
	Playlists    []quality.Playlist
	Calibrations []quality.Calibration
	Areas        []policy.ServiceArea // the areas p leads (forms)
	Methods      []string
	Month        string
}

func (s *Server) qualityPage(w http.ResponseWriter, r *http.Request) error {
	return s.showQuality(w, r, r.URL.Query(), nil)
}

// showQuality renders the quality home, with a form's values and errors.
func (s *Server) showQuality(w http.ResponseWriter, r *http.Request, values url.Values, errs []fieldError) error {
	p := principalFrom(r)
	ctx := r.Context()
	v := qualityHome{Agent: p.Is(auth.Agent), Lead: p.Is(auth.TeamLeader), Methods: quality.Methods,
		Month: time.Now().Format("2006-01")}
	var err error
	if v.Evaluations, err = s.Quality.Evaluations(ctx, p, ""); err != nil {
		return err
	}
	if v.Agent {
		agent, err := s.Quality.AgentID(ctx, p)
		if err != nil {
			return err
		}
		v.Linked = agent != ""
		return s.render(w, r, "quality", &page{Title: "Your evaluations", Data: v})
	}
	if v.Scorecards, err = s.Quality.Scorecards(ctx, p); err != nil {
		return err
	}
	if v.Queue, err = s.Quality.Queue(ctx, p); err != nil {
		return err
	}
	if v.Playlists, err = s.Quality.Playlists(ctx, p); err != nil {
		return err
	}
	if v.Calibrations, err = s.Quality.Calibrations(ctx, p); err != nil {
		return err
	}
	v.Areas = s.ledAreas(p)
	staff, err := s.Auth.StaffNames(ctx)
	if err != nil {
		return err
	}
	return s.render(w, r, "quality", &page{Title: "Quality and training", Data: v, Values: values, Errors: errs, Staff: staff})
}

// ledAreas are the policy's service areas p is team leader of.
func (s *Server) ledAreas(p *auth.Principal) []policy.ServiceArea {
	var out []policy.ServiceArea
	for _, a := range s.recordingAreas(p) {
		if p.Is(auth.TeamLeader) {
			out = append(out, a)
		}
	}
	return out
}

func (s *Server) leadsArea(p *auth.Principal, area string) bool {
	return slices.ContainsFunc(s.ledAreas(p), func(a policy.ServiceArea) bool { return a.ID == area })
}

type scorecardView struct {
	Scorecard *quality.Scorecard
	Areas     []policy.ServiceArea
	CanEdit   bool
	Action    string
}

func (s *Server) newScorecardPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "scorecard", &page{Title: "New scorecard", Data: scorecardView{Areas: s.ledAreas(principalFrom(r)),
		CanEdit: true, Action: "/console/quality/scorecards/new"}})
}

func (s *Server) createScorecard(w http.ResponseWriter, r *http.Request) error {
	p, f := principalFrom(r), r.PostForm
	var id int64
	err := error(nil)
	if !s.leadsArea(p, f.Get("service_area")) {
		err = fail.Field("service_area", "Choose one of your service areas")
	} else {
		id, err = s.Quality.SaveScorecard(r.Context(), p, 0, f.Get("service_area"), f.Get("name"), f.Get("criteria"))
	}
	if fe, ok := inputError(err); ok {
		return s.render(w, r, "scorecard", &page{Title: "New scorecard", Values: f, Errors: []fieldError{fe},
			Data: scorecardView{Areas: s.ledAreas(p), CanEdit: true, Action: "/console/quality/scorecards/new"}})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/quality/scorecards/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) scorecardPage(w http.ResponseWriter, r *http.Request) error {
	return s.showScorecard(w, r, nil, nil)
}

func (s *Server) showScorecard(w http.ResponseWriter, r *http.Request, values url.Values, errs []fieldError) error {
	p := principalFrom(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sc, err := s.Quality.Scorecard(r.Context(), p, id)
	if err != nil {
		return err
	}
	if values == nil {
		values = url.Values{"name": {sc.Name}, "criteria": {quality.FormatCriteria(sc.Items)}}
	}
	return s.render(w, r, "scorecard", &page{Title: sc.Name, Values: values, Errors: errs, Data: scorecardView{Scorecard: &sc,
		CanEdit: s.leadsArea(p, sc.ServiceArea) && sc.SupersededAt.IsZero(), Action: "/console/quality/scorecards/" + r.PathValue("id")}})
}

func (s *Server) editScorecard(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	next, err := s.Quality.SaveScorecard(r.Context(), principalFrom(r), id, "", f.Get("name"), f.Get("criteria"))
	if fe, ok := inputError(err); ok {
		return s.showScorecard(w, r, f, []fieldError{fe})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/quality/scorecards/"+strconv.FormatInt(next, 10), http.StatusSeeOther)
	return nil
}

// evaluationForm is the recording page's scoring form (opened for quality
// monitoring).
type evaluationForm struct {
	Scorecards  []quality.Scorecard
	Scorecard   quality.Scorecard
	Choices     []cell // the area's scorecards: a link to score with each other one
	Calibration int64
}

// option is one radio of the "radios" partial.
type option struct{ ID, Name string }

// criterionField lays out one criterion for the "radios" partial.
func criterionField(c quality.Criterion, pg *page) any {
	var opts []option
	legend := c.Text + " (weight " + strconv.Itoa(c.Weight) + ")"
	switch c.Type {
	case quality.Critical:
		legend = c.Text + " (critical: a fail scores the whole call 0)"
		opts = []option{{"pass", "Pass"}, {"fail", "Fail"}}
	case quality.Scale:
		for i := 1; i <= c.Max; i++ {
			opts = append(opts, option{strconv.Itoa(i), strconv.Itoa(i)})
		}
		legend += ", from 1 (poor) to " + strconv.Itoa(c.Max)
	default:
		opts = []option{{"yes", "Yes"}, {"no", "No"}, {"na", "Not applicable"}}
	}
	return struct {
		Name, Legend string
		Options      []option
		Page         *page
	}{c.Key, legend, opts, pg}
}

// scoreText is a score in basis points as a percentage.
func scoreText(bp int) string { return pct(float64(bp) / 100) }

func (s *Server) evaluationFormFor(r *http.Request, area string) (*evaluationForm, error) {
	all, err := s.Quality.Scorecards(r.Context(), principalFrom(r))
	if err != nil {
		return nil, err
	}
	f := &evaluationForm{}
	for _, sc := range all {
		if sc.ServiceArea == area {
			f.Scorecards = append(f.Scorecards, sc)
		}
	}
	if len(f.Scorecards) == 0 {
		return nil, nil
	}
	f.Scorecard = f.Scorecards[0]
	want, _ := strconv.ParseInt(r.FormValue("scorecard"), 10, 64)
	for _, sc := range f.Scorecards {
		if sc.ID == want {
			f.Scorecard = sc
		}
	}
	for _, sc := range f.Scorecards {
		c := cell{Text: sc.Name}
		if sc.ID != f.Scorecard.ID {
			q := r.URL.Query()
			q.Set("scorecard", strconv.FormatInt(sc.ID, 10))
			c.Href = r.URL.Path + "?" + q.Encode()
		}
		f.Choices = append(f.Choices, c)
	}
	f.Calibration, _ = strconv.ParseInt(r.FormValue("calibration"), 10, 64)
	return f, nil
}

func (s *Server) evaluate(w http.ResponseWriter, r *http.Request) error {
	p, f := principalFrom(r), r.PostForm
	sc, _ := strconv.ParseInt(f.Get("scorecard"), 10, 64)
	cal, _ := strconv.ParseInt(f.Get("calibration"), 10, 64)
	answers := map[string]string{}
	for k, v := range f {
		if criterionKey.MatchString(k) && len(v) > 0 {
			answers[k] = v[0]
		}
	}
	id, err := s.Quality.Evaluate(r.Context(), p, r.PathValue("id"), quality.EvaluationInput{ScorecardID: sc, Answers: answers,
		Comments: f.Get("comments"), CalibrationID: cal})
	if fe, ok := inputError(err); ok {
		rec, err := s.Recordings.Get(r.Context(), p, r.PathValue("id"))
		if err != nil {
			return err
		}
		// The player stays while its grant lasts (the form carries it).
		return s.renderRecording(w, r, &page{Values: f, Errors: []fieldError{fe}}, rec,
			recordingShown{purpose: quality.PurposeQuality, audioURL: s.audioURL(r, rec.ID, f)})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/quality/evaluations/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

type evaluationPage struct {
	quality.EvaluationView
	Waveform *waveform
	Comments []commentView
}

type commentView struct {
	At      string
	Seconds float64
	Body    string
}

func clock(d time.Duration) string {
	sec := int(d.Round(time.Second).Seconds())
	return fmt.Sprintf("%d:%02d", sec/60, sec%60)
}

func (s *Server) evaluationPage(w http.ResponseWriter, r *http.Request) error {
	return s.showEvaluation(w, r, nil)
}

func (s *Server) showEvaluation(w http.ResponseWriter, r *http.Request, errs []fieldError) error {
	p := principalFrom(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.Quality.Evaluation(r.Context(), p, id)
	if err != nil {
		return err
	}
	ev := evaluationPage{EvaluationView: v}
	if !v.Own {
		// Assessors and team leaders see the comments on the call's
		// waveform; the agent reads them as a list.
		rec, err := s.Recordings.Get(r.Context(), p, v.RecordingID)
		if err != nil {
			return err
		}
		peaks, err := s.Recordings.Waveform(r.Context(), p, v.RecordingID)
		if err != nil {
			return err
		}
		ev.Waveform = newWaveform(peaks, rec.Duration)
	}
	for _, c := range v.Comments {
		ev.Comments = append(ev.Comments, commentView{At: clock(c.Offset), Seconds: c.Offset.Seconds(), Body: c.Body})
		ev.Waveform.mark(c.Offset, clock(c.Offset)+" "+c.Body)
	}
	staff, err := s.Auth.StaffNames(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, r, "evaluation", &page{Title: "Evaluation of a call", Data: ev, Errors: errs, Values: r.PostForm, Staff: staff})
}

func (s *Server) respondToEvaluation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	if f.Get("answer") != "acknowledge" && f.Get("answer") != "dispute" {
		return s.showEvaluation(w, r, []fieldError{{"answer", "Choose whether you acknowledge or dispute this evaluation"}})
	}
	err = s.Quality.Respond(r.Context(), principalFrom(r), id, f.Get("answer") == "dispute", f.Get("response"))
	if fe, ok := inputError(err); ok {
		return s.showEvaluation(w, r, []fieldError{fe})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/quality/evaluations/"+r.PathValue("id"), http.StatusSeeOther)
	return nil
}

// criterionKey is a scorecard answer's form field (c1, c2, …).
var criterionKey = regexp.MustCompile(`^c[0-9]+$`)

var clockRe = regexp.MustCompile(`^(\d{1,3}):([0-5]\d)$`)

// parseClock reads "M:SS" ("" is zero).
func parseClock(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, true
	}
	m := clockRe.FindStringSubmatch(v)
	if m == nil {
		return 0, false
	}
	min, _ := strconv.Atoi(m[1])
	sec, _ := strconv.Atoi(m[2])
	return time.Duration(min*60+sec) * time.Second, true
}

func (s *Server) addClip(w http.ResponseWriter, r *http.Request) error {
	p, f := principalFrom(r), r.PostForm
	start, okS := parseClock(f.Get("clip_start"))
	end, okE := parseClock(f.Get("clip_end"))
	var err error
	switch {
	case !okS:
		err = fail.Field("clip_start", "Enter the start like 1:05, or leave it empty for the start of the call")
	case !okE:
		err = fail.Field("clip_end", "Enter the end like 2:30, or leave it empty for the end of the call")
	default:
		_, err = s.Quality.AddClip(r.Context(), p, r.PathValue("id"), quality.ClipInput{Playlist: f.Get("playlist"),
			Start: start, End: end, Reason: f.Get("clip_reason")})
	}
	if fe, ok := inputError(err); ok {
		rec, err := s.Recordings.Get(r.Context(), p, r.PathValue("id"))
		if err != nil {
			return err
		}
		return s.renderRecording(w, r, &page{Values: f, Errors: []fieldError{fe}}, rec, recordingShown{})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/quality", http.StatusSeeOther)
	return nil
}

type playlistView struct {
	Playlist quality.Playlist
	Clips    []clipView
}

type clipView struct {
	quality.Clip
	Span     string
	Fragment string // t=2,5
	AudioURL string // the copy's player, once authorised
}

func (s *Server) playlistPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pl, clips, err := s.Quality.Playlist(r.Context(), principalFrom(r), id)
	if err != nil {
		return err
	}
	v := playlistView{Playlist: pl}
	for _, c := range clips {
		span := clock(c.Start) + " to the end"
		if c.End > 0 {
			span = clock(c.Start) + " to " + clock(c.End)
		}
		cv := clipView{Clip: c, Span: span, Fragment: strings.TrimPrefix(quality.ClipFragment(c), "#")}
		q, cid := r.URL.Query(), strconv.FormatInt(c.ID, 10)
		if c.HasCopy() && q.Get("play") == cid && s.validGrant(r, "clip:"+cid, quality.PurposeTraining, q.Get("exp"), q.Get("grant")) {
			cv.AudioURL = "/console/quality/clips/" + cid + "/audio?" + url.Values{"exp": {q.Get("exp")}, "grant": {q.Get("grant")}}.Encode()
		}
		v.Clips = append(v.Clips, cv)
	}
	staff, err := s.Auth.StaffNames(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, r, "playlist", &page{Title: pl.Name, Data: v, Staff: staff})
}

// playClip authorises (and audits) playing a clip's own training copy,
// then shows the playlist with its player under a short-lived grant.
func (s *Server) playClip(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Quality.AuthorizeClip(r.Context(), principalFrom(r), id)
	if err != nil {
		return err
	}
	cid := strconv.FormatInt(id, 10)
	exp := time.Now().Add(grantTTL).Unix()
	v := url.Values{"play": {cid}, "exp": {strconv.FormatInt(exp, 10)},
		"grant": {s.grant(r, "clip:"+cid, quality.PurposeTraining, exp)}}
	http.Redirect(w, r, fmt.Sprintf("/console/quality/playlists/%d?%s", c.PlaylistID, v.Encode()), http.StatusSeeOther)
	return nil
}

// clipAudio streams a clip's copy to the player a grant covers.
func (s *Server) clipAudio(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if !s.validGrant(r, "clip:"+strconv.FormatInt(id, 10), quality.PurposeTraining, q.Get("exp"), q.Get("grant")) {
		return &statusError{http.StatusForbidden, "The link to listen has expired or is not yours. Play the clip again from its playlist."}
	}
	pb, err := s.Quality.ClipPlayback(r.Context(), principalFrom(r), id)
	if err != nil {
		return err
	}
	servePlayback(w, r, pb)
	return nil
}

func (s *Server) drawCalls(w http.ResponseWriter, r *http.Request) error {
	p, f := principalFrom(r), r.PostForm
	month, merr := time.Parse("2006-01", f.Get("month"))
	per, perr := strconv.Atoi(f.Get("per_agent"))
	var err error
	switch {
	case !s.leadsArea(p, f.Get("service_area")):
		err = fail.Field("service_area", "Choose one of your service areas")
	case merr != nil:
		err = fail.Field("month", "Enter the month like 2026-11")
	case perr != nil:
		err = fail.Field("per_agent", "Enter a whole number of calls per agent")
	default:
		var n int
		n, err = s.Quality.Draw(r.Context(), p, f.Get("service_area"), month, per, f.Get("method"))
		if err == nil {
			http.Redirect(w, r, "/console/quality?drawn="+strconv.Itoa(n)+"#queue", http.StatusSeeOther)
			return nil
		}
	}
	if fe, ok := inputError(err); ok {
		return s.showQuality(w, r, f, []fieldError{fe})
	}
	return err
}

func (s *Server) startCalibration(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r)
	sc, _ := strconv.ParseInt(r.PostForm.Get("scorecard"), 10, 64)
	id, err := s.Quality.StartCalibration(r.Context(), p, r.PathValue("id"), sc)
	if fe, ok := inputError(err); ok {
		rec, err := s.Recordings.Get(r.Context(), p, r.PathValue("id"))
		if err != nil {
			return err
		}
		return s.renderRecording(w, r, &page{Errors: []fieldError{fe}}, rec, recordingShown{})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/quality/calibrations/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) calibrationPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sp, err := s.Quality.Calibration(r.Context(), principalFrom(r), id)
	if err != nil {
		return err
	}
	t := table{Caption: "Agreement by criterion", CaptionClass: "govuk-table__caption--m",
		Cols: []column{{Label: "Criterion"}, {Label: "Assessors giving the most common answer", Numeric: true}}}
	for _, c := range sp.Scorecard.Items {
		if a, ok := sp.Agreement[c.Key]; ok {
			t.Rows = append(t.Rows, []cell{{Text: c.Text, Header: true}, {Text: pct(a * 100), Numeric: true}})
		}
	}
	return s.render(w, r, "calibration", &page{Title: "Calibration session", Data: struct {
		quality.Spread
		Table table
	}{sp, t}})
}

func pct(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) + "%" }

type agentsView struct {
	Users []auth.User
	Links map[int64]string
}

func (s *Server) agentsPage(w http.ResponseWriter, r *http.Request) error {
	return s.showAgents(w, r, nil)
}

func (s *Server) showAgents(w http.ResponseWriter, r *http.Request, errs []fieldError) error {
	users, err := s.Auth.Users(r.Context())
	if err != nil {
		return err
	}
	links, err := s.Quality.AgentLinks(r.Context(), principalFrom(r))
	if err != nil {
		return err
	}
	var agents []auth.User
	for _, u := range users {
		if u.Role == string(auth.Agent) {
			agents = append(agents, u)
		}
	}
	return s.render(w, r, "quality_agents", &page{Title: "Agents", Errors: errs, Values: r.PostForm, Data: agentsView{agents, links}})
}

func (s *Server) linkAgent(w http.ResponseWriter, r *http.Request) error {
	uid, err := strconv.ParseInt(r.PostForm.Get("user"), 10, 64)
	if err != nil {
		return s.showAgents(w, r, []fieldError{{"user", "Choose an agent's account"}})
	}
	err = s.Quality.LinkAgent(r.Context(), principalFrom(r), uid, r.PostForm.Get("agent_id"))
	if fe, ok := inputError(err); ok {
		return s.showAgents(w, r, []fieldError{fe})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/quality/agents", http.StatusSeeOther)
	return nil
}

// Reports.

type qualityReportView struct {
	Areas  []policy.ServiceArea
	Report *quality.Report
	Chart  barChart
	Months table
	// Satisfaction is the post-call survey's, by month (chart and table).
	SurveyChart barChart
	Survey      table
	Agents      table
	Criteria    table
	CSV         string
}

// reportMonths reads ?service_area=&from=YYYY-MM&to=YYYY-MM (to included;
// the last 6 months by default).
func reportMonths(q url.Values, now time.Time) (from, to time.Time, errs []fieldError) {
	to = quality.MonthOf(now).AddDate(0, 1, 0)
	from = to.AddDate(0, -6, 0)
	if v := q.Get("from"); v != "" {
		t, err := time.Parse("2006-01", v)
		if err != nil {
			errs = append(errs, fieldError{"from", "Enter the first month like 2026-06"})
		}
		from = t
	}
	if v := q.Get("to"); v != "" {
		t, err := time.Parse("2006-01", v)
		if err != nil {
			errs = append(errs, fieldError{"to", "Enter the last month like 2026-11"})
		}
		to = t.AddDate(0, 1, 0)
	}
	if len(errs) == 0 && (!from.Before(to) || to.Sub(from) > 366*24*time.Hour*3) {
		errs = append(errs, fieldError{"from", "The first month must be before the last, at most three years apart"})
	}
	return from, to, errs
}

func (s *Server) qualityReport(r *http.Request) (qualityReportView, *page, error) {
	p, q := principalFrom(r), r.URL.Query()
	v := qualityReportView{Areas: s.ledAreas(p)}
	pg := &page{Title: "Quality reports", Values: q}
	area := q.Get("service_area")
	if area == "" && len(v.Areas) > 0 {
		area = v.Areas[0].ID
		pg.Values.Set("service_area", area)
	}
	from, to, errs := reportMonths(q, time.Now())
	pg.Errors = errs
	if !s.leadsArea(p, area) {
		pg.Errors = append(pg.Errors, fieldError{"service_area", "Choose one of your service areas"})
	}
	if len(pg.Errors) > 0 {
		return v, pg, nil
	}
	rep, err := s.Quality.Report(r.Context(), p, area, from, to)
	if err != nil {
		return v, pg, err
	}
	v.Report = &rep
	v.CSV = "/console/quality/report.csv?" + url.Values{"service_area": {area}, "from": {from.Format("2006-01")},
		"to": {to.AddDate(0, -1, 0).Format("2006-01")}}.Encode()
	var labels, tips []string
	var values []int
	v.Months = table{ID: "months", Caption: "Calls and evaluations by month", CaptionClass: "govuk-table__caption--m", Scroll: true,
		Cols: []column{{Label: "Month"}, {Label: "Calls in", Numeric: true}, {Label: "Calls out", Numeric: true},
			{Label: "Evaluations", Numeric: true}, {Label: "Average score", Numeric: true}}}
	for _, m := range rep.Months {
		labels = append(labels, m.Month.Format("Jan 06"))
		values = append(values, int(math.Round(m.Average)))
		tips = append(tips, m.Label+": "+average(m.Row))
		v.Months.Rows = append(v.Months.Rows, []cell{{Text: m.Label, Header: true}, num(int(m.Inbound)), num(int(m.Outbound)),
			num(int(m.Evaluations)), {Text: average(m.Row), Numeric: true}})
	}
	v.Chart = newBarChart("scores", "Average evaluation score by month", "Average score out of 100 of the calls evaluated each month; the table below has the figures.",
		labels, values, tips)
	v.Chart.EmptyText = "No calls were evaluated in this period."
	var shares []int
	var shareTips []string
	v.Survey = table{ID: "survey", Caption: "Caller satisfaction by month (post-call survey)", CaptionClass: "govuk-table__caption--m",
		Scroll: true, Cols: []column{{Label: "Month"}, {Label: "Responses", Numeric: true}, {Label: "Answered satisfaction", Numeric: true},
			{Label: "Satisfied or very satisfied", Numeric: true}, {Label: "Average (1 to 5)", Numeric: true}}}
	for _, m := range rep.Months {
		shares = append(shares, int(math.Round(m.Survey.SatisfiedShare())))
		shareTips = append(shareTips, m.Label+": "+satisfied(m.Survey))
		v.Survey.Rows = append(v.Survey.Rows, []cell{{Text: m.Label, Header: true}, num(int(m.Survey.Responses)),
			num(int(m.Survey.Answered)), {Text: satisfied(m.Survey), Numeric: true}, {Text: meanSatisfaction(m.Survey), Numeric: true}})
	}
	v.SurveyChart = newBarChart("satisfaction", "Satisfied callers by month",
		"Share of survey respondents who were satisfied or very satisfied each month; the table below has the figures.", labels, shares, shareTips)
	v.SurveyChart.EmptyText = "No survey responses in this period."
	v.Agents = rowTable("agents", "Average score by agent", "Agent", rep.Agents)
	v.Criteria = rowTable("criteria", "Average score by criterion", "Criterion", rep.Criteria)
	return v, pg, nil
}

// satisfied is the satisfied share of a month's answers ("–" for none).
func satisfied(r quality.SurveyRow) string {
	if r.Answered == 0 {
		return "–"
	}
	return pct(r.SatisfiedShare())
}

func meanSatisfaction(r quality.SurveyRow) string {
	if r.Answered == 0 {
		return "–"
	}
	return strconv.FormatFloat(r.Average, 'f', 1, 64)
}

func average(r quality.Row) string {
	if r.Evaluations == 0 {
		return "–"
	}
	return pct(r.Average)
}

func rowTable(id, caption, label string, rows []quality.Row) table {
	t := table{ID: id, Caption: caption, CaptionClass: "govuk-table__caption--m", Scroll: true,
		Cols: []column{{Label: label}, {Label: "Evaluations", Numeric: true}, {Label: "Average score", Numeric: true}}}
	for _, r := range rows {
		t.Rows = append(t.Rows, []cell{{Text: r.Label, Header: true}, num(int(r.Evaluations)), {Text: average(r), Numeric: true}})
	}
	return t
}

func (s *Server) qualityReportPage(w http.ResponseWriter, r *http.Request) error {
	v, pg, err := s.qualityReport(r)
	if err != nil {
		return err
	}
	pg.Data = v
	return s.render(w, r, "quality_report", pg)
}

func (s *Server) qualityReportCSV(w http.ResponseWriter, r *http.Request) error {
	v, pg, err := s.qualityReport(r)
	if err != nil {
		return err
	}
	if v.Report == nil {
		pg.Data = v
		return s.render(w, r, "quality_report", pg)
	}
	rep := v.Report
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="quality-%s-%s.csv"`, rep.ServiceArea, rep.From.Format("2006-01")))
	cw := csv.NewWriter(w)
	cw.Write([]string{"section", "label", "calls_in", "calls_out", "evaluations", "average_score",
		"survey_responses", "satisfaction_answers", "satisfied_percent", "average_satisfaction"})
	score := func(r quality.Row) string {
		if r.Evaluations == 0 {
			return ""
		}
		return strconv.FormatFloat(r.Average, 'f', 2, 64)
	}
	for _, m := range rep.Months {
		sv := m.Survey
		share, mean := "", ""
		if sv.Answered > 0 {
			share, mean = strconv.FormatFloat(sv.SatisfiedShare(), 'f', 2, 64), strconv.FormatFloat(sv.Average, 'f', 2, 64)
		}
		cw.Write([]string{"month", m.Month.Format("2006-01"), strconv.FormatInt(m.Inbound, 10), strconv.FormatInt(m.Outbound, 10),
			strconv.FormatInt(m.Evaluations, 10), score(m.Row), strconv.FormatInt(sv.Responses, 10), strconv.FormatInt(sv.Answered, 10),
			share, mean})
	}
	for _, sec := range []struct {
		name string
		rows []quality.Row
	}{{"agent", rep.Agents}, {"criterion", rep.Criteria}} {
		for _, row := range sec.rows {
			cw.Write([]string{sec.name, csvSafe(row.Label), "", "", strconv.FormatInt(row.Evaluations, 10), score(row)})
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a label as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
