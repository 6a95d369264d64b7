package policy

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// SurveyQuestions are the questions of the post-call feedback survey page. Their kinds are
// fixed (a five-point satisfaction scale, yes or no, free text) so responses can be counted
// across areas and weeks; the policy words them.
type SurveyQuestions struct {
	// Satisfaction is asked on a five-point scale from very satisfied to very dissatisfied.
	Satisfaction string `yaml:"satisfaction"`
	// Resolved is answered yes or no ("Did we resolve your query?").
	Resolved string `yaml:"resolved"`
	// Comment is an optional free-text answer; it passes through the personal-data redactor
	// before it is stored, so the response kind can stay free of personal data.
	Comment string `yaml:"comment"`
}

// Any reports whether at least one question is asked.
func (q SurveyQuestions) Any() bool {
	return q.Satisfaction != "" || q.Resolved != "" || q.Comment != ""
}

// AreaSurvey is how one service area sends its post-call survey requests.
type AreaSurvey struct {
	Enabled bool `yaml:"enabled"`
	// TemplateID is the GOV.UK Notify text message template (a UUID); it must have a
	// ((link)) placeholder, which carries the survey page's address.
	TemplateID string `yaml:"template_id"`
	// DelayMinutes is how long after the call the request is due (0: at once).
	DelayMinutes int `yaml:"delay_minutes"`
	// SamplePercent is the share of calls asked (1 to 100). A call not sampled keeps no number.
	SamplePercent int `yaml:"sample_percent"`
	// Window is when texts may be sent, UK time, "HH:MM-HH:MM"; a request due outside it waits
	// for the next opening. It must lie within SurveyEarliest to SurveyLatest: no texts at night.
	Window string `yaml:"window"`
	// ExpiryHours is how long after the call an unsent request is given up and its number
	// destroyed (1 to SurveyMaxExpiryHours).
	ExpiryHours int `yaml:"expiry_hours"`
}

// The bounds of survey settings. Texts are sent only between 08:00 and 21:00 UK time, the
// hours commonly taken as reasonable for unsolicited service messages; a request is given up
// within a week, so no number waits longer than that for its survey.
const (
	SurveyEarliest       = 8 * time.Hour
	SurveyLatest         = 21 * time.Hour
	SurveyMaxExpiryHours = 7 * 24
	SurveyMaxDelayMin    = 24 * 60
)

var (
	windowRE = regexp.MustCompile(`^([0-2][0-9]):([0-5][0-9])\s*-\s*([0-2][0-9]):([0-5][0-9])$`)
	uuidRE   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// ParseWindow reads "HH:MM-HH:MM" into offsets from midnight.
func ParseWindow(s string) (from, to time.Duration, err error) {
	m := windowRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, 0, fmt.Errorf("%q is not a window of UK times such as 09:00-20:00", s)
	}
	at := func(h, mm string) time.Duration {
		hi, _ := strconv.Atoi(h)
		mi, _ := strconv.Atoi(mm)
		return time.Duration(hi)*time.Hour + time.Duration(mi)*time.Minute
	}
	from, to = at(m[1], m[2]), at(m[3], m[4])
	switch {
	case from >= to:
		return 0, 0, fmt.Errorf("window %q must start before it ends on the same day", s)
	case from < SurveyEarliest || to > SurveyLatest:
		return 0, 0, fmt.Errorf("window %q reaches into the night: texts may be sent only between 08:00 and 21:00", s)
	}
	return from, to, nil
}

// SendWindow is the parsed Window (valid once Parse has accepted the policy).
func (a *AreaSurvey) SendWindow() (from, to time.Duration) {
	from, to, _ = ParseWindow(a.Window)
	return from, to
}

// Delay is DelayMinutes as a duration.
func (a *AreaSurvey) Delay() time.Duration { return time.Duration(a.DelayMinutes) * time.Minute }

// Expiry is ExpiryHours as a duration.
func (a *AreaSurvey) Expiry() time.Duration { return time.Duration(a.ExpiryHours) * time.Hour }

// AreaSurvey returns the survey settings of a system's service area when it sends surveys.
func (p *Policy) AreaSurvey(system, area string) (*AreaSurvey, bool) {
	a, ok := p.ServiceArea(system, area)
	if !ok || a.Survey == nil || !a.Survey.Enabled {
		return nil, false
	}
	return a.Survey, true
}

// KeepsSealedNumber reports whether recordings of a system's service area keep the caller's
// sealed number (else only its blind index).
func (p *Policy) KeepsSealedNumber(system, area string) bool {
	a, ok := p.ServiceArea(system, area)
	return ok && a.KeepSealedNumber
}

// areaSurvey validates service_areas[].survey.
func (v *validator) areaSurvey(path string, s *System, a *ServiceArea) {
	sv := a.Survey
	if sv == nil || !sv.Enabled {
		return
	}
	if s.Survey == nil {
		v.errf(path+".enabled", "this system has no survey section: the notice must tell callers about the survey before one is sent")
	} else if !s.Survey.Questions.Any() {
		v.errf(path+".enabled", "the system's survey.questions ask nothing: give at least one of satisfaction, resolved, comment")
	}
	switch {
	case sv.TemplateID == "":
		v.errf(path+".template_id", "required: the GOV.UK Notify text message template id (a UUID)")
	case !uuidRE.MatchString(sv.TemplateID):
		v.errf(path+".template_id", "%q is not a GOV.UK Notify template id (a UUID such as 9d0f1b6e-0c41-4b16-8b6f-2d1f1b0c2a11)", sv.TemplateID)
	}
	if sv.DelayMinutes < 0 || sv.DelayMinutes > SurveyMaxDelayMin {
		v.errf(path+".delay_minutes", "must be between 0 and %d minutes, found %d", SurveyMaxDelayMin, sv.DelayMinutes)
	}
	if !v.d.has(path+".sample_percent") || sv.SamplePercent < 1 || sv.SamplePercent > 100 {
		v.errf(path+".sample_percent", "required: the percentage of calls asked, 1 to 100")
	}
	if sv.Window == "" {
		v.errf(path+".window", "required: when texts may be sent, UK time, for example 09:00-20:00")
	} else if _, _, err := ParseWindow(sv.Window); err != nil {
		v.errf(path+".window", "%v", err)
	}
	switch {
	case sv.ExpiryHours < 1 || sv.ExpiryHours > SurveyMaxExpiryHours:
		v.errf(path+".expiry_hours", "must be between 1 and %d hours (a week): an unsent request's number is destroyed then", SurveyMaxExpiryHours)
	case time.Duration(sv.ExpiryHours)*time.Hour <= sv.Delay():
		v.errf(path+".expiry_hours", "%d hours expires before the request is due (delay_minutes %d)", sv.ExpiryHours, sv.DelayMinutes)
	}
}
