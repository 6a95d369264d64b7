package surveys

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

func (e *env) link(t *testing.T) string {
	t.Helper()
	l, err := e.svc.NewLinkForTests(context.Background(), "trading-standards")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(l, "https://fairline.example/s/")
}

func TestRespond(t *testing.T) {
	cases := []struct {
		name      string
		answer    Answer
		wantField string // "" for accepted
		want      store.SurveyResponse
	}{
		{"all three", Answer{Satisfaction: "4", Resolved: "yes", Comment: "Quick and helpful"}, "",
			store.SurveyResponse{Satisfaction: 4, Resolved: "yes", Comment: "Quick and helpful"}},
		{"satisfaction only", Answer{Satisfaction: "1"}, "", store.SurveyResponse{Satisfaction: 1}},
		{"comment with personal data", Answer{Comment: "Call me back on 07700 900123, Jane Smith"}, "", store.SurveyResponse{}},
		{"nothing", Answer{}, "satisfaction", store.SurveyResponse{}},
		{"off the scale", Answer{Satisfaction: "6"}, "satisfaction", store.SurveyResponse{}},
		{"maybe", Answer{Resolved: "maybe"}, "resolved", store.SurveyResponse{}},
		{"too long", Answer{Comment: strings.Repeat("a", MaxComment+1)}, "comment", store.SurveyResponse{}},
	}
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := newEnv(t, dbtest.Open(t, db.Dialect()))
				ctx := context.Background()
				token := e.link(t)
				if _, err := e.svc.Questionnaire(ctx, token); err != nil {
					t.Fatal(err)
				}
				err := e.svc.Respond(ctx, token, c.answer)
				if c.wantField != "" {
					fe, ok := fail.As(err)
					if !ok || fe.Field != c.wantField {
						t.Fatalf("err = %v, want one about %s", err, c.wantField)
					}
					// A refused answer leaves the link usable.
					if _, err := e.svc.Questionnaire(ctx, token); err != nil {
						t.Errorf("the link was used up by a refused answer: %v", err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				var got []store.SurveyResponse
				rows, err := e.db.RawSQLForTests().Query(`SELECT service_area, week, satisfaction, resolved, comment FROM survey_responses`)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var r store.SurveyResponse
					rows.Scan(&r.ServiceArea, &r.Week, &r.Satisfaction, &r.Resolved, &r.Comment)
					got = append(got, r)
				}
				rows.Close()
				if len(got) != 1 || got[0].ServiceArea != "trading-standards" || got[0].Week != "2026-W48" ||
					got[0].Satisfaction != c.want.Satisfaction || got[0].Resolved != c.want.Resolved {
					t.Fatalf("stored %+v", got)
				}
				if c.name == "comment with personal data" {
					if strings.Contains(got[0].Comment, "07700") || strings.Contains(got[0].Comment, "Jane") || got[0].Comment == "" {
						t.Errorf("comment kept as %q", got[0].Comment)
					}
				} else if got[0].Comment != c.want.Comment {
					t.Errorf("comment %q, want %q", got[0].Comment, c.want.Comment)
				}
				if _, err := e.svc.Questionnaire(ctx, token); !errors.Is(err, ErrLinkSpent) {
					t.Errorf("a used link still opens: %v", err)
				}
				if err := e.svc.Respond(ctx, token, c.answer); !errors.Is(err, ErrLinkSpent) {
					t.Errorf("a used link took a second answer: %v", err)
				}
			})
		}
		t.Run("expired link", func(t *testing.T) {
			e := newEnv(t, dbtest.Open(t, db.Dialect()))
			token := e.link(t)
			e.clock.Add(TokenLife + 24*time.Hour)
			if err := e.svc.Respond(context.Background(), token, Answer{Satisfaction: "5"}); !errors.Is(err, ErrLinkSpent) {
				t.Errorf("an expired link took an answer: %v", err)
			}
		})
		t.Run("one answer per link across racing submissions", func(t *testing.T) {
			e := newEnv(t, dbtest.Open(t, db.Dialect()))
			token := e.link(t)
			var wg sync.WaitGroup
			var mu sync.Mutex
			ok, spent := 0, 0
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := e.svc.Respond(context.Background(), token, Answer{Satisfaction: "3"})
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						ok++
					case errors.Is(err, ErrLinkSpent):
						spent++
					default:
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if ok != 1 || spent != 7 {
				t.Errorf("%d accepted, %d refused as spent; want 1 and 7", ok, spent)
			}
		})
	})
}
