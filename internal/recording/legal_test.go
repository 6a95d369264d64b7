package recording

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// A disclosure required by law: refused without a named law or to a
// recipient the policy lists, released by nobody until a second officer
// approves, listed apart from the policy's disclosures, audited by ids.
func TestLegalDisclosure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, Options{})
		ctx := context.Background()
		rec := e.ingest(t, "adult-social-care")
		second := &auth.Principal{UserID: 2, Role: auth.InformationGovernance}
		lead := &auth.Principal{UserID: 3, Role: auth.TeamLeader, ServiceAreas: []string{"adult-social-care"}}
		req := LegalDisclosureRequest{LegalBasis: "Court order of 3 March 2027 under CPR 31.17",
			DisclosureRequest: DisclosureRequest{Recipient: "County Court at Leicester", LawfulBasis: "6(1)(c)",
				Reason: "The court ordered the call to be produced", Reference: "K00LE123"}}
		if _, err := e.svc.RequestLegalDisclosure(ctx, lead, rec.ID, req); !errors.Is(err, ErrForbidden) {
			t.Errorf("team leader asked: %v", err)
		}
		for _, bad := range []struct {
			mut   func(*LegalDisclosureRequest)
			field string
		}{
			{func(r *LegalDisclosureRequest) { r.LegalBasis = " " }, "legal_basis"},
			{func(r *LegalDisclosureRequest) { r.LegalBasis = strings.Repeat("x", 301) }, "legal_basis"},
			{func(r *LegalDisclosureRequest) { r.Recipient = "" }, "recipient"},
			{func(r *LegalDisclosureRequest) { r.Recipient = "emergency-services" }, "recipient"}, // the policy lists it
			{func(r *LegalDisclosureRequest) { r.LawfulBasis = "" }, "lawful_basis"},
			{func(r *LegalDisclosureRequest) { r.Reason = "" }, "reason"},
			{func(r *LegalDisclosureRequest) { r.Reference = "" }, "reference"},
		} {
			rr := req
			bad.mut(&rr)
			var ie *fail.Error
			if _, err := e.svc.RequestLegalDisclosure(ctx, ig, rec.ID, rr); !errors.As(err, &ie) || ie.Kind != fail.Invalid || ie.Field != bad.field {
				t.Errorf("want refusal on %s: %v", bad.field, err)
			}
		}
		id, err := e.svc.RequestLegalDisclosure(ctx, ig, rec.ID, req)
		if err != nil {
			t.Fatal(err)
		}
		released := func() int {
			t.Helper()
			ds, err := db.Q().DisclosuresOfRecordings(ctx, []string{rec.ID})
			if err != nil {
				t.Fatal(err)
			}
			return len(ds)
		}
		if n := released(); n != 0 {
			t.Fatalf("released before approval: %d", n)
		}
		if ex, err := e.svc.ErasureExemption(ctx, rec); err != nil || ex != ExemptDisclosure {
			t.Errorf("a waiting disclosure does not keep the recording from erasure: %q %v", ex, err)
		}
		for _, p := range []*auth.Principal{ig, lead} {
			if _, err := e.svc.DecideLegalDisclosure(ctx, p, id, Approved); err == nil {
				t.Errorf("%s approved", p.Actor())
			}
		}
		if _, err := e.svc.DecideLegalDisclosure(ctx, ig, id, Approved); !errors.Is(err, ErrSameOfficer) {
			t.Errorf("the asking officer approved: %v", err)
		}
		if n := released(); n != 0 {
			t.Fatalf("released by a refused approval: %d", n)
		}
		token, err := e.svc.DecideLegalDisclosure(ctx, second, id, Approved)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.DecideLegalDisclosure(ctx, second, id, Refused); !fail.Is(err, fail.Conflict) {
			t.Errorf("decided twice: %v", err)
		}
		c, err := e.svc.CollectDisclosure(ctx, token, DefaultTransferLimits.For)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(c)
		c.Close()
		if err := c.Complete(ctx); err != nil || !bytes.Equal(b, e.audio) {
			t.Fatalf("collection: %v, %d bytes", err, len(b))
		}

		// Refused: nothing released.
		refused, err := e.svc.RequestLegalDisclosure(ctx, second, rec.ID, req)
		if err != nil {
			t.Fatal(err)
		}
		if tok, err := e.svc.DecideLegalDisclosure(ctx, ig, refused, Refused); err != nil || tok != "" {
			t.Fatalf("refusal: %q %v", tok, err)
		}
		if n := released(); n != 1 {
			t.Errorf("%d releases, want the approved one", n)
		}

		// Listed apart from the policy's disclosures.
		if reg, _ := db.Q().Disclosures(ctx, 100); len(reg) != 0 {
			t.Errorf("the policy's register lists %d disclosures required by law", len(reg))
		}
		ls, err := e.svc.LegalDisclosures(ctx, 100)
		if err != nil || len(ls) != 2 {
			t.Fatalf("legal disclosures: %d %v", len(ls), err)
		}
		byID := map[int64]LegalDisclosure{ls[0].ID: ls[0], ls[1].ID: ls[1]}
		if a := byID[id]; a.Decision != Approved || a.DecidedBy != second.Actor() || a.LinkUsedAt.IsZero() || a.DisclosureID == 0 {
			t.Errorf("approved entry: %+v", a)
		}
		if r := byID[refused]; r.Decision != Refused || r.DisclosureID != 0 {
			t.Errorf("refused entry: %+v", r)
		}

		// Audited, by ids only.
		rows, err := e.audLog.Entries(ctx, store.AuditFilter{Action: "recording."})
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, row := range rows {
			acts = append(acts, row.Action)
			line := fmt.Sprintf("%+v", row)
			for _, s := range []string{"Leicester", "CPR", "K00LE123", "court"} {
				if strings.Contains(line, s) {
					t.Errorf("audit entry holds %q: %s", s, line)
				}
			}
		}
		want := "recording.disclosure_refused recording.disclose_required_by_law recording.collect recording.disclosure_approved recording.disclose recording.disclose_required_by_law"
		if got := strings.Join(acts[:6], " "); got != want {
			t.Errorf("audit trail %s\nwant %s", got, want)
		}
	})
}

// An exemption entered by hand keeps a recording from erasure, with its
// ground, until withdrawn; both are audited.
func TestExemptionFromErasure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, Options{})
		ctx := context.Background()
		rec := e.ingest(t, "trading-standards")
		lead := &auth.Principal{UserID: 3, Role: auth.TeamLeader, ServiceAreas: []string{"trading-standards"}}
		if _, err := e.svc.AddExemption(ctx, lead, rec.ID, "legal_claims", "claim 1"); !errors.Is(err, ErrForbidden) {
			t.Errorf("team leader: %v", err)
		}
		for _, bad := range []struct{ ground, note, field string }{
			{"because", "claim 1", "ground"}, {"legal_claims", " ", "note"}, {"legal_claims", strings.Repeat("x", 501), "note"},
		} {
			if _, err := e.svc.AddExemption(ctx, ig, rec.ID, bad.ground, bad.note); !fail.Is(err, fail.Invalid) {
				t.Errorf("%+v accepted: %v", bad, err)
			}
		}
		if _, err := e.svc.AddExemption(ctx, ig, "no-such-recording", "legal_claims", "claim 1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("exemption of a missing recording: %v", err)
		}
		xid, err := e.svc.AddExemption(ctx, ig, rec.ID, "legal_obligation", "Limitation Act 1980 s.5")
		if err != nil {
			t.Fatal(err)
		}
		if ex, err := e.svc.Erase(ctx, ig.Actor(), rec); err != nil || ex != "legal_obligation" {
			t.Fatalf("erase of an exempt recording: %q %v", ex, err)
		}
		if err := e.svc.WithdrawExemption(ctx, ig, "another-recording", xid); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("withdrawn through another recording: %v", err)
		}
		if err := e.svc.WithdrawExemption(ctx, ig, rec.ID, xid); err != nil {
			t.Fatal(err)
		}
		xs, _ := e.svc.Exemptions(ctx, rec.ID)
		if len(xs) != 1 || xs[0].WithdrawnAt.IsZero() || xs[0].WithdrawnBy != ig.Actor() {
			t.Errorf("exemptions after withdrawal: %+v", xs)
		}
		if ex, err := e.svc.Erase(ctx, ig.Actor(), rec); err != nil || ex != "" {
			t.Fatalf("erase after withdrawal: %q %v", ex, err)
		}
		rows, _ := e.audLog.Entries(ctx, store.AuditFilter{Action: "recording."})
		var acts []string
		for _, row := range rows {
			acts = append(acts, row.Action+"/"+row.Purpose)
			if strings.Contains(fmt.Sprintf("%+v", row), "Limitation") {
				t.Errorf("audit entry holds the note: %+v", row)
			}
		}
		if got := strings.Join(acts[:3], " "); got != "recording.delete/erasure_request recording.exemption_withdraw/erasure recording.exempt/legal_obligation" {
			t.Errorf("audit trail: %s", got)
		}
	})
}
