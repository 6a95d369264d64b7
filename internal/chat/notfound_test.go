package chat

import (
	"context"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// When nothing on the site answers the question, the bot says so and gives
// the council's general contact routes from the policy: no page of the site
// is suggested (the best weak match is unrelated by definition), no service
// area is recorded, and the question is kept, redacted, for staff in the
// report's unanswered list.
func TestNotFoundIsHonest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		pol := f.pol()
		questions := []string{
			"report a pothole",
			"What is the capital of France?",
			"capital of France",
			"Do you sell dragon eggs? my phone is 07700 900123",
		}
		for _, q := range questions {
			resp, err := f.svc.Ask(ctx, Request{Message: q})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Handoff == nil || resp.Handoff.Reason != ReasonNotFound {
				t.Fatalf("%q: not a not-found reply: %+v", q, resp)
			}
			if len(resp.Sources) != 0 {
				t.Errorf("%q: suggests pages %+v", q, resp.Sources)
			}
			if resp.ServiceArea != "" {
				t.Errorf("%q: service area %q recorded", q, resp.ServiceArea)
			}
			want := policyRoutes(pol)
			if len(want) == 0 {
				t.Fatal("the test policy has no contact routes")
			}
			if len(resp.Handoff.Routes) != len(want) {
				t.Errorf("%q: routes %+v, want the policy's %+v", q, resp.Handoff.Routes, want)
			}
			for i, r := range resp.Handoff.Routes {
				if i < len(want) && r != want[i] {
					t.Errorf("%q: route %d = %+v, want %+v", q, i, r, want[i])
				}
			}
			if !strings.Contains(resp.Handoff.Message, "couldn't find") {
				t.Errorf("%q: message %q", q, resp.Handoff.Message)
			}
			turns, err := db.Q().ChatTurns(ctx, resp.ConversationID)
			if err != nil || len(turns) != 1 || turns[0].ServiceArea != "" || turns[0].SourceURL != "" {
				t.Errorf("%q: stored %+v (%v)", q, turns, err)
			}
		}
		// The policy's own phone number is among the routes.
		phone := pol.Organisation.PublicContacts.Phones[0]
		found := false
		for _, r := range policyRoutes(pol) {
			found = found || (r.Kind == "phone" && r.Label == phone && r.URL == telURL(phone))
		}
		if !found {
			t.Errorf("policy routes %+v lack the phone %s", policyRoutes(pol), phone)
		}

		rep, err := f.svc.Report(ctx, f.clock.Now().AddDate(0, 0, -1), f.clock.Now().AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		var examples []string
		for _, u := range rep.Unanswered {
			examples = append(examples, strings.ToLower(u.Example))
		}
		all := strings.Join(examples, "\n")
		for _, w := range []string{"pothole", "france", "dragon eggs"} {
			if !strings.Contains(all, w) {
				t.Errorf("unanswered %q lacks %q", examples, w)
			}
		}
		if strings.Contains(all, "07700") {
			t.Errorf("unanswered keeps the phone number: %q", examples)
		}
		for _, d := range rep.Days {
			if d.ServiceArea != "" {
				t.Errorf("a service area was recorded: %+v", d)
			}
		}
	})
}
