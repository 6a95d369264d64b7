package recording

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

func TestDisclosure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, Options{})
		ctx := context.Background()
		rec := e.ingest(t, "adult-social-care")
		id := rec.ID
		req := DisclosureRequest{Recipient: "emergency-services", LawfulBasis: "9(2)(c)", Reason: "Welfare concern raised by the caller", Reference: "POL-123"}
		lead := &auth.Principal{UserID: 3, Role: auth.TeamLeader, ServiceAreas: []string{"adult-social-care"}}
		if _, _, err := e.svc.Disclose(ctx, lead, id, req); !errors.Is(err, ErrForbidden) {
			t.Errorf("team leader disclosed: %v", err)
		}
		for _, bad := range []struct {
			mut   func(*DisclosureRequest)
			field string
		}{
			{func(r *DisclosureRequest) { r.Recipient = "journalists" }, "recipient"},
			{func(r *DisclosureRequest) { r.Recipient = "" }, "recipient"},
			{func(r *DisclosureRequest) { r.LawfulBasis = "because" }, "lawful_basis"},
			{func(r *DisclosureRequest) { r.Reason = " " }, "reason"},
			{func(r *DisclosureRequest) { r.Reference = "" }, "reference"},
		} {
			rr := req
			bad.mut(&rr)
			var ie *fail.Error
			if _, _, err := e.svc.Disclose(ctx, ig, id, rr); !errors.As(err, &ie) || ie.Kind != fail.Invalid || ie.Field != bad.field {
				t.Errorf("want refusal on %s: %v", bad.field, err)
			}
		}
		for _, recipient := range []string{"emergency-services", "health-professionals", "care-providers"} {
			rr := req
			rr.Recipient = recipient
			if _, _, err := e.svc.Disclose(ctx, ig, id, rr); err != nil {
				t.Errorf("policy recipient %s refused: %v", recipient, err)
			}
		}
		d, token, err := e.svc.Disclose(ctx, ig, id, req)
		if err != nil {
			t.Fatal(err)
		}
		if d.LinkHash == token || len(token) < 40 {
			t.Errorf("token %q stored as %q", token, d.LinkHash)
		}
		c, err := e.svc.CollectDisclosure(ctx, token, DefaultTransferLimits.For)
		if err != nil || c.Disclosure.ID != d.ID {
			t.Fatalf("collect: %v", err)
		}
		b, _ := io.ReadAll(c)
		c.Close()
		if !bytes.Equal(b, e.audio) {
			t.Error("collected audio differs")
		}
		if err := c.Complete(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.CollectDisclosure(ctx, token, DefaultTransferLimits.For); !errors.Is(err, ErrLinkSpent) {
			t.Errorf("second collection: %v", err)
		}
		_, late, _ := e.svc.Disclose(ctx, ig, id, req)
		e.clock.Set(e.clock.Now().Add(DisclosureLinkTTL + time.Second))
		if _, err := e.svc.CollectDisclosure(ctx, late, DefaultTransferLimits.For); !errors.Is(err, ErrLinkSpent) {
			t.Errorf("expired link: %v", err)
		}
		reg, _ := db.Q().Disclosures(ctx, 100)
		if len(reg) != 5 {
			t.Errorf("register has %d entries, want 5", len(reg))
		}
		// The register outlives the recording.
		if err := e.svc.Destroy(ctx, "system", id, "erasure_request"); err != nil {
			t.Fatal(err)
		}
		if reg, _ = db.Q().Disclosures(ctx, 100); len(reg) != 5 {
			t.Errorf("register lost entries with the recording: %d", len(reg))
		}
	})
}

// A disclosure link is spent only by a transfer that completes: an aborted
// or crashed transfer leaves it usable, and while one transfer holds it no
// other can start, however many run at once.
func TestDisclosureLinkSpentOnlyWhenComplete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, Options{})
		ctx := context.Background()
		rec := e.ingest(t, "adult-social-care")
		req := DisclosureRequest{Recipient: "emergency-services", LawfulBasis: "9(2)(c)", Reason: "Welfare concern", Reference: "POL-9"}
		_, token, err := e.svc.Disclose(ctx, ig, rec.ID, req)
		if err != nil {
			t.Fatal(err)
		}
		limit := func(int64) time.Duration { return time.Minute }

		// Many downloads at once (as from several serve processes): one wins.
		var wg sync.WaitGroup
		results := make(chan error, 8)
		colls := make(chan *Collection, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := e.svc.CollectDisclosure(ctx, token, limit)
				results <- err
				if err == nil {
					colls <- c
				}
			}()
		}
		wg.Wait()
		close(results)
		close(colls)
		wins, busy := 0, 0
		for err := range results {
			switch {
			case err == nil:
				wins++
			case errors.Is(err, ErrLinkBusy):
				busy++
			default:
				t.Errorf("concurrent collect: %v", err)
			}
		}
		if wins != 1 || busy != 7 {
			t.Fatalf("%d downloads got the link and %d were told it is busy, want 1 and 7", wins, busy)
		}
		first := <-colls
		// The transfer fails part-way: the link is given back.
		io.CopyN(io.Discard, first, 100)
		first.Close()
		if err := first.Abort(ctx); err != nil {
			t.Fatal(err)
		}
		second, err := e.svc.CollectDisclosure(ctx, token, limit)
		if err != nil {
			t.Fatalf("link unusable after an aborted download: %v", err)
		}
		second.Close()
		// The second transfer's process dies: its claim lapses after the
		// limit and a little more, not before.
		e.clock.Set(e.clock.Now().Add(time.Minute))
		if _, err := e.svc.CollectDisclosure(ctx, token, limit); !errors.Is(err, ErrLinkBusy) {
			t.Fatalf("claim lapsed with the transfer's own time limit: %v", err)
		}
		e.clock.Set(e.clock.Now().Add(LeaseSlack + time.Second))
		third, err := e.svc.CollectDisclosure(ctx, token, limit)
		if err != nil {
			t.Fatalf("link unusable after a crashed download's claim lapsed: %v", err)
		}
		if err := second.Complete(ctx); err == nil {
			t.Error("a transfer whose claim lapsed spent the link")
		}
		b, _ := io.ReadAll(third)
		third.Close()
		if !bytes.Equal(b, e.audio) {
			t.Error("collected audio differs")
		}
		if err := third.Complete(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.CollectDisclosure(ctx, token, limit); !errors.Is(err, ErrLinkSpent) {
			t.Errorf("collect after a complete download: %v", err)
		}
		var outcomes []string
		entries, _ := e.audLog.Entries(ctx, store.AuditFilter{Action: "recording.collect"})
		for _, en := range entries {
			outcomes = append(outcomes, en.Outcome)
		}
		slices.Sort(outcomes)
		if !slices.Equal(outcomes, []string{"failure", "success"}) {
			t.Errorf("audited collections: %v, want one failure and one success", outcomes)
		}
	})
}
