package recording

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

func TestDisclosure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, Options{})
		ctx := context.Background()
		got, err := e.svc.Ingest(ctx, "token:1", "k", e.meta("adult-social-care"), bytes.NewReader(e.audio))
		if err != nil {
			t.Fatal(err)
		}
		id := got.Recording.ID
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
			var ie *InvalidError
			if _, _, err := e.svc.Disclose(ctx, ig, id, rr); !errors.As(err, &ie) || ie.Field != bad.field {
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
		pb, got2, err := e.svc.CollectDisclosure(ctx, token)
		if err != nil || got2.ID != d.ID {
			t.Fatalf("collect: %v", err)
		}
		b, _ := io.ReadAll(pb)
		pb.Close()
		if !bytes.Equal(b, e.audio) {
			t.Error("collected audio differs")
		}
		if _, _, err := e.svc.CollectDisclosure(ctx, token); !errors.Is(err, ErrLinkSpent) {
			t.Errorf("second collection: %v", err)
		}
		_, late, _ := e.svc.Disclose(ctx, ig, id, req)
		e.clock.set(e.clock.now().Add(DisclosureLinkTTL + time.Second))
		if _, _, err := e.svc.CollectDisclosure(ctx, late); !errors.Is(err, ErrLinkSpent) {
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
