package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/testutil/scenario"
)

// TestQualityForms walks the quality forms over HTTP: refusals, errors
// that keep what was typed (and the player), and the CSV.
func TestQualityForms(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("lead@example.gov.uk", auth.TeamLeader, "trading-standards")
	s.addUser("other@example.gov.uk", auth.TeamLeader, "adult-social-care")
	s.addUser("qa@example.gov.uk", auth.QualityAssessor, "trading-standards")
	rec := s.addRecording("f1", "trading-standards")
	lead, other, qa := s.signIn("lead@example.gov.uk"), s.signIn("other@example.gov.uk"), s.signIn("qa@example.gov.uk")
	var scorecard string

	scenario.Step(t, "scorecards: only for your own areas, errors on the form", func(t *testing.T) {
		_, _, token := s.get(other, "/console/quality/scorecards/new")
		resp := s.post(other, "/console/quality/scorecards/new", url.Values{"csrf_token": {token}, "service_area": {"trading-standards"},
			"name": {"Calls"}, "criteria": {"10 | yesno | Greeted"}})
		if body := readAll(resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Choose one of your service areas") {
			t.Errorf("another area's scorecard: %d", resp.StatusCode)
		}
		_, _, token = s.get(lead, "/console/quality/scorecards/new")
		resp = s.post(lead, "/console/quality/scorecards/new", url.Values{"csrf_token": {token}, "service_area": {"trading-standards"},
			"name": {"Calls"}, "criteria": {"10 | yesno | Greeted\nten | yesno | Closed"}})
		if body := readAll(resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Line 2: the weight") ||
			!strings.Contains(body, "10 | yesno | Greeted") {
			t.Errorf("bad criteria: %d", resp.StatusCode)
		}
		resp = s.post(lead, "/console/quality/scorecards/new", url.Values{"csrf_token": {token}, "service_area": {"trading-standards"},
			"name": {"Calls"}, "criteria": {"10 | yesno | Greeted\ncritical | Checked identity"}})
		scorecard = resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(scorecard, "/console/quality/scorecards/") {
			t.Fatalf("create: %d %q", resp.StatusCode, scorecard)
		}
		if status, _, _ := s.get(other, scorecard); status != http.StatusNotFound {
			t.Errorf("another area's team leader read the scorecard: %d", status)
		}
	})
	scenario.Step(t, "an incomplete evaluation keeps the answers and the player", func(t *testing.T) {
		_, _, token := s.get(qa, "/console/recordings/"+rec.ID)
		resp := s.post(qa, "/console/recordings/"+rec.ID+"/open", url.Values{"csrf_token": {token}, "purpose": {"quality-monitoring"}})
		_, page, token := s.get(qa, resp.Header.Get("Location"))
		if !strings.Contains(page, `action="/console/recordings/`+rec.ID+`/evaluations"`) {
			t.Fatal("no evaluation form after opening for quality monitoring")
		}
		form := url.Values{"csrf_token": {token}, "scorecard": {strings.TrimPrefix(scorecard, "/console/quality/scorecards/")},
			"purpose": {"quality-monitoring"}, "c1": {"yes"}, "comments": {"0:03 Good"}}
		for _, k := range []string{"exp", "grant"} {
			form.Set(k, between(page, `name="`+k+`" value="`, `"`))
		}
		resp = s.post(qa, "/console/recordings/"+rec.ID+"/evaluations", form)
		body := readAll(resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "<audio") || !strings.Contains(body, "0:03 Good") ||
			!strings.Contains(body, `value="yes" checked`) {
			t.Errorf("incomplete evaluation: %d, player %v", resp.StatusCode, strings.Contains(body, "<audio"))
		}
		form.Set("c2", "fail")
		resp = s.post(qa, "/console/recordings/"+rec.ID+"/evaluations", form)
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/quality/evaluations/") {
			t.Fatalf("evaluate: %d %q", resp.StatusCode, loc)
		}
	})
	scenario.Step(t, "the CSV has the area's figures", func(t *testing.T) {
		resp, err := lead.Get(s.srv.URL + "/console/quality/report.csv")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body := readAll(resp)
		if resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(body, "agent,agent-3,,,1,0.00") {
			t.Errorf("CSV %q", body)
		}
	})
}

// between is the text of s after the first start and before the next end.
func between(s, start, end string) string {
	_, after, _ := strings.Cut(s, start)
	v, _, _ := strings.Cut(after, end)
	return v
}
