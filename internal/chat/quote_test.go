package chat

import (
	"context"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// A question about the resident's own case on another council's topic gets
// one message, the other council's, never "I can't see your case" and
// "ask your district" run together; a case question on this council's own
// topic still gets the case explanation.
func TestOtherCouncilCaseSaysOneThing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.svc.SetOtherCouncils(DefaultOtherCouncils())
		ctx := context.Background()
		for _, c := range []struct {
			q, reason, want string
		}{
			{"when is my bin collection", ReasonOtherCouncil, "Questions about household bin collections are for your district or borough council"},
			{"my bin wasn't collected yesterday", ReasonOtherCouncil, "Questions about household bin collections are for"},
			{"am I eligible for a council tax single person discount", ReasonOtherCouncil, "Questions about council tax bills and payments are for"},
			{"where is my blue badge application", ReasonCaseSpecific, "I can't see or update your own case"},
		} {
			resp, err := f.svc.Ask(ctx, Request{Message: c.q})
			if err != nil {
				t.Fatal(err)
			}
			h := resp.Handoff
			if h == nil || h.Reason != c.reason {
				t.Errorf("%q: handoff %+v, want reason %s", c.q, h, c.reason)
				continue
			}
			if resp.Answer != h.Message || !strings.HasPrefix(h.Message, c.want) {
				t.Errorf("%q: answer %q / message %q, want it to start %q", c.q, resp.Answer, h.Message, c.want)
			}
			// One message: the other council's text never follows the case explanation.
			if c.reason == ReasonOtherCouncil && (strings.Contains(h.Message, "where it has got to") || strings.Contains(h.Message, "eligible")) {
				t.Errorf("%q: two messages stitched: %q", c.q, h.Message)
			}
			if c.reason == ReasonCaseSpecific && strings.Contains(h.Message, "Questions about") {
				t.Errorf("%q: two messages stitched: %q", c.q, h.Message)
			}
		}
	})
}
