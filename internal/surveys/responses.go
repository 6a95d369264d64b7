package surveys

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/store"
)

// ErrLinkSpent answers a survey link that was used, has expired or never existed; the three
// are not told apart, so a link cannot be probed.
var ErrLinkSpent = fail.New(fail.NotFound, "this survey link has been used or has expired")

// MaxComment bounds the optional comment, in characters.
const MaxComment = 2000

// Option is one answer of a question with choices.
type Option struct{ ID, Name string }

// SatisfactionScale is the five-point scale, best first; its IDs are the stored values.
var SatisfactionScale = []Option{
	{"5", "Very satisfied"}, {"4", "Satisfied"}, {"3", "Neither satisfied nor dissatisfied"},
	{"2", "Dissatisfied"}, {"1", "Very dissatisfied"},
}

// YesNo are the answers of the resolved question.
var YesNo = []Option{{"yes", "Yes"}, {"no", "No"}}

// Questionnaire is what a survey link asks.
type Questionnaire struct {
	ServiceArea string // the area's name, for the page's wording
	Questions   policy.SurveyQuestions
}

// Questionnaire returns the questions of a live link without using it up.
func (s *Service) Questionnaire(ctx context.Context, token string) (Questionnaire, error) {
	t, err := s.db.Q().SurveyToken(ctx, tokenHash(token), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return Questionnaire{}, ErrLinkSpent
	}
	if err != nil {
		return Questionnaire{}, err
	}
	return s.questionnaire(t.ServiceArea), nil
}

func (s *Service) questionnaire(area string) Questionnaire {
	pol := s.policy()
	q := Questionnaire{ServiceArea: area}
	if a, ok := pol.ServiceArea(System, area); ok {
		q.ServiceArea = a.Name
	}
	if sys, ok := pol.System(System); ok && sys.Survey != nil {
		q.Questions = sys.Survey.Questions
	}
	return q
}

// Answer is a response as the page posts it.
type Answer struct {
	Satisfaction string // an ID of SatisfactionScale, or ""
	Resolved     string // "yes", "no" or ""
	Comment      string
}

// Respond checks a, uses the link up and stores the response, in one transaction: of two
// submissions of one link, on any instances, one is stored and the other gets ErrLinkSpent.
// The comment passes through the personal-data redactor first. Errors name the field
// (fail.Field) when a is not acceptable.
func (s *Service) Respond(ctx context.Context, token string, a Answer) error {
	// The questions asked are those of the policy in force, whatever the page showed.
	qs := s.questionnaire("").Questions
	r := store.SurveyResponse{ID: randomHex(16)}
	switch {
	case a.Satisfaction == "":
	case qs.Satisfaction == "" || !isOption(SatisfactionScale, a.Satisfaction):
		return fail.Field("satisfaction", "Choose how satisfied you are from the list")
	default:
		r.Satisfaction, _ = strconv.Atoi(a.Satisfaction)
	}
	switch {
	case a.Resolved == "":
	case qs.Resolved == "" || !isOption(YesNo, a.Resolved):
		return fail.Field("resolved", "Choose yes or no")
	default:
		r.Resolved = a.Resolved
	}
	comment := strings.TrimSpace(a.Comment)
	switch {
	case comment == "":
	case qs.Comment == "":
		return fail.Field("comment", "This survey does not take comments")
	case !utf8.ValidString(comment) || utf8.RuneCountInString(comment) > MaxComment:
		return fail.Field("comment", "Your comment must be "+strconv.Itoa(MaxComment)+" characters or fewer")
	default:
		r.Comment, _ = s.detect.For(s.policy()).Redact(comment)
	}
	if r.Satisfaction == 0 && r.Resolved == "" && r.Comment == "" {
		field := "satisfaction"
		switch {
		case qs.Satisfaction != "":
		case qs.Resolved != "":
			field = "resolved"
		default:
			field = "comment"
		}
		return fail.Field(field, "Answer at least one question")
	}
	err := s.db.Tx(ctx, func(q *store.Q) error {
		t, err := q.UseSurveyToken(ctx, tokenHash(token), s.now())
		if errors.Is(err, store.ErrNotFound) {
			return ErrLinkSpent
		}
		if err != nil {
			return err
		}
		r.ServiceArea, r.Week = t.ServiceArea, t.Week
		return q.CreateSurveyResponse(ctx, r)
	})
	return err
}

func isOption(opts []Option, id string) bool {
	for _, o := range opts {
		if o.ID == id {
			return true
		}
	}
	return false
}

// Week is the responses of one service area in one ISO week.
type Week struct {
	ServiceArea  string
	Week         string // "2026-W48"
	Responses    int
	Satisfaction [6]int // count by answer (5 very satisfied ... 1 very dissatisfied); [0] not answered
	ResolvedYes  int
	ResolvedNo   int
}

// Results counts responses by service area and ISO week, oldest first; areas, when non-nil,
// limits them (a team leader's areas).
func (s *Service) Results(ctx context.Context, areas []string) ([]Week, error) {
	ws, err := s.db.Q().SurveyWeeks(ctx, areas)
	out := make([]Week, len(ws))
	for i, w := range ws {
		out[i] = Week(w)
	}
	return out, err
}

// NewLinkForTests issues a survey link of area as sending a request does, without a request
// or Notify: the page's tests need a live link whatever the time of day.
func (s *Service) NewLinkForTests(ctx context.Context, area string) (string, error) {
	return s.newLink(ctx, area, s.now())
}
