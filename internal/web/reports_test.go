package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/testutil/scenario"
)

// askSome puts a few questions through the chat service, with feedback.
func askSome(t *testing.T, s *site) {
	t.Helper()
	ctx := context.Background()
	for i, q := range []string{"library opening hours", "library opening hours", "how do I join the library", "xyzzy frobnicate quux"} {
		resp, err := s.app.Chat.Ask(ctx, chat.Request{Message: q})
		if err != nil {
			t.Fatal(err)
		}
		if i < 2 {
			if err := s.app.Chat.Feedback(ctx, chat.Feedback{ConversationID: resp.ConversationID, TurnID: resp.TurnID, Helpful: i == 0}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestChatbotReports(t *testing.T) {
	s := newSite(t, siteOpts{})
	seedChatKB(t, s, "https://www.example-council.gov.uk")
	askSome(t, s)
	s.addUser("ig@example.gov.uk", auth.InformationGovernance)
	c := s.signIn("ig@example.gov.uk")
	today := time.Now().UTC().Format("2006-01-02")
	from := time.Now().UTC().AddDate(0, 0, -27).Format("2006-01-02")

	scenario.Step(t, "the last 28 days by default", func(t *testing.T) {
		status, body, _ := s.get(c, "/console/reports")
		if status != http.StatusOK {
			t.Fatalf("reports: %d\n%s", status, body)
		}
		for _, want := range []string{
			"Chatbot reports", `value="` + from + `"`, `value="` + today + `"`, // the default period: the last 28 days
			`<svg viewBox=`, `role="img"`, "<title id=\"chart-day-title\">Questions per day</title>", "Questions per day by service area",
			"Questions per week", "Top unanswered questions", "xyzzy frobnicate quux", "Top pages used", "Libraries",
			`href="/console/reports.csv?from=` + from + `&amp;to=` + today + `"`, "50%", // 1 of 2 rated answers helpful
		} {
			if !strings.Contains(body, want) {
				t.Errorf("reports page lacks %q", want)
			}
		}
		if !strings.Contains(body, `aria-current="page"><strong class="govuk-service-navigation__active-fallback">Chatbot reports`) {
			t.Error("navigation does not mark Chatbot reports as the current page")
		}
	})
	scenario.Step(t, "wrong dates are named in an error summary", func(t *testing.T) {
		for _, tt := range []struct{ q, want string }{
			{"from=2026-13-01", "Start date must be a real date in the form YYYY-MM-DD"},
			{"to=yesterday", "End date must be a real date"},
			{"from=2026-11-20&to=2026-11-01", "Start date must be the same as or before the end date"},
			{"from=2020-01-01&to=2026-11-01", "366 days or shorter"},
		} {
			status, body, _ := s.get(c, "/console/reports?"+tt.q)
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, "There is a problem") || !strings.Contains(body, tt.want) {
				t.Errorf("%s: %d, want 422 and %q", tt.q, status, tt.want)
			}
		}
	})
	scenario.Step(t, "a period without questions", func(t *testing.T) {
		if _, body, _ := s.get(c, "/console/reports?from=2020-01-01&to=2020-01-31"); !strings.Contains(body, "No questions were asked in this period") {
			t.Error("empty period not reported as empty")
		}
	})
	scenario.Step(t, "the daily figures as CSV", func(t *testing.T) {
		resp, err := c.Get(s.srv.URL + "/console/reports.csv?" + url.Values{"from": {from}, "to": {today}}.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), `filename="chatbot-`+from+`-to-`+today+`.csv"`) {
			t.Fatalf("CSV: %d %v", resp.StatusCode, resp.Header)
		}
		rows, err := csv.NewReader(resp.Body).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(rows[0], ","); got != "day,service_area,service_area_name,questions,answered,handoffs,helpful,not_helpful" {
			t.Errorf("CSV header %s", got)
		}
		questions := 0
		for _, r := range rows[1:] {
			if r[0] != today {
				t.Errorf("CSV row for %s, want only today", r[0])
			}
			n, err := strconv.Atoi(r[3])
			if err != nil {
				t.Errorf("CSV questions %q: %v", r[3], err)
			}
			questions += n
		}
		if len(rows) < 2 || questions != 4 {
			t.Errorf("CSV rows %v: %d questions, want 4", rows, questions)
		}
		resp, err = c.Get(s.srv.URL + "/console/reports.csv?from=nonsense")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("CSV with a bad date: %d, want 400", resp.StatusCode)
		}
	})
	if strings.Contains(s.logs.String(), "xyzzy") {
		t.Error("a question reached the logs")
	}
}

// A team leader sees the figures of their own service areas only.
func TestChatbotReportsScopedToServiceAreas(t *testing.T) {
	s := newSite(t, siteOpts{})
	seedChatKB(t, s, "https://www.example-council.gov.uk")
	askSome(t, s)
	s.addUser("lead@example.gov.uk", auth.TeamLeader, "trading-standards")
	c := s.signIn("lead@example.gov.uk")
	status, body, _ := s.get(c, "/console/reports")
	if status != http.StatusOK || !strings.Contains(body, "You see the service areas you work in") {
		t.Fatalf("team leader reports: %d", status)
	}
	if !strings.Contains(body, "No questions were asked in this period") {
		t.Error("a team leader of trading standards sees other service areas' questions")
	}
	resp, err := c.Get(s.srv.URL + "/console/reports.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Errorf("team leader's CSV has other areas' rows: %v", rows)
	}
}
