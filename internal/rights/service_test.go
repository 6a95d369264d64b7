package rights

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/blob"
	"github.com/fairline/fairline/internal/crypt"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/keys"
	"github.com/fairline/fairline/internal/notify"
	"github.com/fairline/fairline/internal/notify/notifyfake"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/quality"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/surveys"
	"github.com/fairline/fairline/internal/testutil/dbtest"
	"github.com/fairline/fairline/internal/testutil/fakeclock"
	"github.com/fairline/fairline/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// The two callers of the tests: A has two recordings, B one.
const (
	callerA = "07911 123456"
	callerB = "07700 900123"
)

type env struct {
	svc     *Service
	rec     *recording.Service
	pol     func() *policy.Policy
	db      *store.DB
	log     *audit.Log
	clock   *fakeclock.Clock
	audio   []byte
	n       int
	quality *quality.Service // told of rectifications, as app wires it
}

var (
	ig      = &auth.Principal{UserID: 1, Role: auth.InformationGovernance}
	auditor = &auth.Principal{UserID: 2, Role: auth.Auditor}
	admin   = &auth.Principal{UserID: 3, Role: auth.Administrator}
)

func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{db: db, clock: fakeclock.New(time.Date(2025, 1, 31, 10, 0, 0, 0, time.UTC))}
	blobs, err := blob.NewLocal(filepath.Join(dir, "blobs"), "UK")
	if err != nil {
		t.Fatal(err)
	}
	kek, err := crypt.OpenKeyFile(filepath.Join(dir, "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	ring, err := keys.LoadOrCreate(filepath.Join(dir, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	e.log = audit.New(db, ring.Key(keys.PurposeAudit))
	pol := policy.Default()
	polf := func() *policy.Policy { return pol }
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	bidx := crypt.NewBlindIndex(ring)
	e.pol = polf
	// Surveys are wired as the app wires them (a Notify client of the local fake Notify, the
	// recordings' blind index), so calls of areas that send surveys seal the caller's number.
	key := notifyfake.NewKey("rights-test")
	fake, err := notifyfake.New(notifyfake.Options{Keys: []notify.APIKey{key}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	client, err := notify.New(srv.URL, key.Name+"-"+key.ServiceID+"-"+key.Secret())
	if err != nil {
		t.Fatal(err)
	}
	sv := surveys.New(db, polf, ring.Key(surveys.KeyPurpose), surveys.Options{Sender: client, Now: e.clock.Now, Index: bidx})
	if e.rec, err = recording.New(db, blobs, kek, bidx, e.log, polf, quiet, recording.Options{Now: e.clock.Now, Calls: sv}); err != nil {
		t.Fatal(err)
	}
	e.quality = quality.New(db, e.rec, e.log, polf, e.clock.Now)
	e.svc = New(db, e.log, e.rec, ring, bidx, polf, quiet, Options{Now: e.clock.Now, Corrected: e.quality})
	if e.audio, err = os.ReadFile("../../testdata/audio/speech-pcm16.wav"); err != nil {
		t.Fatal(err)
	}
	return e
}

// call stores a recording of a call with number, ago before now.
func (e *env) call(t testing.TB, number string, ago time.Duration) recording.Recording {
	t.Helper()
	e.n++
	sum := sha256.Sum256(e.audio)
	meta := recording.Metadata{ExternalID: fmt.Sprintf("call-%d", e.n), Direction: "inbound", ServiceArea: "environment-and-transport",
		AgentID: "agent-7", OtherParty: number, StartedAt: e.clock.Now().Add(-ago), DurationSeconds: 8.2, SHA256: hex.EncodeToString(sum[:])}
	got, err := e.rec.Ingest(context.Background(), "token:1", fmt.Sprintf("k-%d", e.n), meta, bytes.NewReader(e.audio))
	if err != nil {
		t.Fatal(err)
	}
	return got.Recording
}

func (e *env) record(t testing.TB, kind, identity string, ids Identifiers) int64 {
	t.Helper()
	id, err := e.svc.Record(context.Background(), ig, NewRequest{Kind: kind, Channel: "email", Identity: identity,
		Received: e.clock.Now(), Identifiers: ids})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// checkAudit verifies the chain and that no entry carries an identifier.
func (e *env) checkAudit(t *testing.T, secrets ...string) {
	t.Helper()
	ctx := context.Background()
	if rep, err := e.log.Verify(ctx); err != nil || rep.Problem != nil {
		t.Fatalf("audit verify: %+v %v", rep, err)
	}
	entries, err := e.log.Entries(ctx, audit.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		line := fmt.Sprintf("%+v", en)
		for _, s := range secrets {
			if strings.Contains(line, s) {
				t.Errorf("audit entry %s holds %q", line, s)
			}
		}
	}
}

func day(t time.Time) string { return t.Format(time.DateOnly) }

func TestCaseClock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		// Received 31 January 2025 with identity still to prove: the clock stands still.
		id := e.record(t, "access", "pending", Identifiers{Phones: []string{callerA}})
		c, err := e.svc.Get(ctx, ig, id)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Deadline.Paused || day(c.Deadline.Date) != "2025-02-28" {
			t.Fatalf("on receipt: %+v, want paused, due 2025-02-28 if proof came today", c.Deadline)
		}
		// Proof arrives on 3 February: the month runs from then, to Monday 3 March.
		e.clock.Set(time.Date(2025, 2, 3, 9, 0, 0, 0, time.UTC))
		if err := e.svc.VerifyIdentity(ctx, ig, id); err != nil {
			t.Fatal(err)
		}
		c, _ = e.svc.Get(ctx, ig, id)
		if c.Deadline.Paused || day(c.Deadline.Date) != "2025-03-03" || day(c.DueAt) != "2025-03-03" {
			t.Fatalf("after proof: %+v (stored %s), want 2025-03-03", c.Deadline, day(c.DueAt))
		}
		// Two more months for a complex request: 3 May 2025 is a Saturday and 5 May the
		// Early May bank holiday, so Tuesday 6 May.
		if err := e.svc.Extend(ctx, ig, id, 2, "thousands of recordings to review"); err != nil {
			t.Fatal(err)
		}
		c, _ = e.svc.Get(ctx, ig, id)
		if day(c.Deadline.Date) != "2025-05-06" || c.ExtensionReason == "" {
			t.Fatalf("extended: %+v", c.Deadline)
		}
		// Clarification: 4 more days stopped (7 in all) start the three months on 7 February,
		// so they end on Wednesday 7 May.
		if err := e.svc.Pause(ctx, ig, id, PauseClarification); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Pause(ctx, ig, id, PauseClarification); !fail.Is(err, fail.Conflict) {
			t.Errorf("second pause: %v, want a conflict", err)
		}
		e.clock.Add(4 * 24 * time.Hour)
		if err := e.svc.Resume(ctx, ig, id); err != nil {
			t.Fatal(err)
		}
		c, _ = e.svc.Get(ctx, ig, id)
		if day(c.Deadline.Date) != "2025-05-07" || c.Deadline.PausedDays != 7 {
			t.Fatalf("after clarification: %+v", c.Deadline)
		}
		d, err := e.svc.Register(ctx, auditor, 100)
		if err != nil || d.Open != 1 || d.Overdue != 0 || len(d.Cases) != 1 {
			t.Fatalf("register: %+v %v", d, err)
		}
		e.clock.Set(time.Date(2025, 5, 8, 9, 0, 0, 0, time.UTC))
		if n, err := e.svc.Overdue(ctx); err != nil || n != 1 {
			t.Errorf("overdue = %d, %v; want 1", n, err)
		}
		if d, _ := e.svc.Register(ctx, ig, 100); d.Overdue != 1 || d.Cases[0].DaysLeft != -1 {
			t.Errorf("dashboard: %+v", d)
		}
		// Too late to extend further, and only information governance works cases.
		if err := e.svc.Extend(ctx, ig, id, 1, "again"); err == nil {
			t.Error("extension after the first month was accepted")
		}
		if err := e.svc.Close(ctx, auditor, id, "completed"); !fail.Is(err, fail.Forbidden) {
			t.Errorf("auditor closed a case: %v", err)
		}
		if _, err := e.svc.Register(ctx, admin, 10); !fail.Is(err, fail.Forbidden) {
			t.Errorf("administrator read the register: %v", err)
		}
		e.checkAudit(t, "7911", "123456")
	})
}

func TestRecordRefuses(t *testing.T) {
	e := newEnv(t, dbtest.Open(t, store.SQLite))
	ok := NewRequest{Kind: "access", Channel: "letter", Identity: "verified", Received: e.clock.Now(),
		Identifiers: Identifiers{Phones: []string{callerA}}}
	for _, tc := range []struct {
		field string
		edit  func(*NewRequest)
	}{
		{"kind", func(n *NewRequest) { n.Kind = "complaint" }},
		{"channel", func(n *NewRequest) { n.Channel = "" }},
		{"identity", func(n *NewRequest) { n.Identity = "maybe" }},
		{"received", func(n *NewRequest) { n.Received = e.clock.Now().Add(72 * time.Hour) }},
		{"phones", func(n *NewRequest) { n.Identifiers.Phones = []string{"12"} }},
		{"phones", func(n *NewRequest) { n.Identifiers = Identifiers{} }},
		{"email", func(n *NewRequest) { n.Identifiers.Email = "someone at example" }},
		{"calls_to", func(n *NewRequest) {
			n.Identifiers.CallsFrom, n.Identifiers.CallsTo = e.clock.Now(), e.clock.Now().AddDate(0, 0, -3)
		}},
	} {
		n := ok
		tc.edit(&n)
		_, err := e.svc.Record(context.Background(), ig, n)
		var fe *fail.Error
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: %v, want an error about %s", tc.field, err, tc.field)
		} else if strings.Contains(fe.Error(), "123456") {
			t.Errorf("%s: the error repeats the number: %v", tc.field, fe)
		}
	}
}

// Done when: an access request by phone number returns a ZIP with exactly that caller's
// recordings, the manifest and the letter.
func TestAccessPackage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a1, a2 := e.call(t, callerA, time.Hour), e.call(t, callerA, 48*time.Hour)
		e.call(t, callerB, 2*time.Hour)
		d, _, err := e.rec.Disclose(ctx, ig, a2.ID, recording.DisclosureRequest{Recipient: "emergency-services", LawfulBasis: "6(1)(d)",
			Reason: "welfare concern", Reference: "POL-1"})
		if err != nil {
			t.Fatal(err)
		}
		// A court ordered a1 released: approved by a second officer.
		lid, err := e.rec.RequestLegalDisclosure(ctx, ig, a1.ID, recording.LegalDisclosureRequest{LegalBasis: "Court order under CPR 31.17",
			DisclosureRequest: recording.DisclosureRequest{Recipient: "County Court at Leicester", LawfulBasis: "6(1)(c)",
				Reason: "court order", Reference: "K00LE123"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.rec.DecideLegalDisclosure(ctx, &auth.Principal{UserID: 4, Role: auth.InformationGovernance}, lid,
			recording.Approved); err != nil {
			t.Fatal(err)
		}
		// The number is given in another spelling than the telephony system's.
		id := e.record(t, "access", "pending", Identifiers{Phones: []string{"+44 7911 123456"}, Conversation: "c-unknown"})
		if _, err := e.svc.Release(ctx, ig, id); !fail.Is(err, fail.Conflict) {
			t.Fatalf("release before identity: %v", err)
		}
		if err := e.svc.VerifyIdentity(ctx, ig, id); err != nil {
			t.Fatal(err)
		}
		found, err := e.svc.Search(ctx, ig, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := found.RecordingIDs(); len(got) != 2 || !slices.Contains(got, a1.ID) || !slices.Contains(got, a2.ID) {
			t.Fatalf("search found %v, want A's two recordings", got)
		}
		if i := slices.IndexFunc(found.Stores, func(s StoreResult) bool { return s.Store == "Disclosure register" }); i < 0 || found.Stores[i].Count != 2 {
			t.Errorf("stores: %+v", found.Stores)
		}
		if i := slices.IndexFunc(found.Stores, func(s StoreResult) bool { return s.Store == "Website chatbot" }); i < 0 ||
			!strings.Contains(found.Stores[i].Result, "no name, number or e-mail address links") {
			t.Errorf("the chatbot result does not say why nothing links: %+v", found.Stores)
		}
		token, err := e.svc.Release(ctx, ig, id)
		if err != nil {
			t.Fatal(err)
		}
		limit := recording.DefaultTransferLimits.For
		pkg, err := e.svc.Collect(ctx, token, limit)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Collect(ctx, token, limit); !errors.Is(err, ErrLinkBusy) {
			t.Errorf("second transfer during the first: %v, want busy", err)
		}
		var zipped bytes.Buffer
		if err := pkg.WriteZIP(ctx, &zipped); err != nil {
			t.Fatal(err)
		}
		if err := pkg.Complete(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Collect(ctx, token, limit); !errors.Is(err, ErrLinkSpent) {
			t.Errorf("collect after completion: %v, want spent", err)
		}
		zr, err := zip.NewReader(bytes.NewReader(zipped.Bytes()), int64(zipped.Len()))
		if err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			files[f.Name], _ = io.ReadAll(rc)
			rc.Close()
		}
		var m Manifest
		if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
			t.Fatalf("manifest: %v", err)
		}
		if len(m.Recordings) != 2 || len(files) != 4 {
			t.Fatalf("package has %d files and %d recordings in its manifest, want 4 and 2", len(files), len(m.Recordings))
		}
		for _, r := range m.Recordings {
			if r.ID != a1.ID && r.ID != a2.ID {
				t.Errorf("manifest lists another caller's recording %s", r.ID)
			}
			if !bytes.Equal(files[r.File], e.audio) {
				t.Errorf("%s is not the decrypted recording", r.File)
			}
			if r.OtherParty != "+447911123456" || len(r.Purposes) == 0 || r.KeptUntil.IsZero() {
				t.Errorf("manifest entry %+v", r)
			}
			if len(r.DisclosedTo) != 1 || r.DisclosedTo[0].RequiredByLaw != (r.ID == a1.ID) {
				t.Errorf("recording %s disclosed to %+v", r.ID, r.DisclosedTo)
			}
		}
		letter := string(files["letter.html"])
		for _, want := range []string{"We hold 2 recordings", "Why we hold it", "How long we keep it", "12 months",
			"Emergency Services", "County Court at Leicester", policy.Default().Organisation.DPO.Email} {
			if !strings.Contains(letter, want) {
				t.Errorf("letter lacks %q", want)
			}
		}
		_ = d
		c, _ := e.svc.Get(ctx, ig, id)
		if c.Releases[0].LinkUsedAt.IsZero() {
			t.Error("release not marked used")
		}
		e.checkAudit(t, "7911", "123456", "c-unknown")
	})
}

func TestPackageAbortGivesLinkBack(t *testing.T) {
	e := newEnv(t, dbtest.Open(t, store.SQLite))
	ctx := context.Background()
	e.call(t, callerA, time.Hour)
	id := e.record(t, "portability", "verified", Identifiers{Phones: []string{callerA}})
	token, err := e.svc.Release(ctx, ig, id)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := e.svc.Collect(ctx, token, recording.DefaultTransferLimits.For)
	if err != nil {
		t.Fatal(err)
	}
	if err := pkg.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	if pkg, err = e.svc.Collect(ctx, token, recording.DefaultTransferLimits.For); err != nil {
		t.Fatalf("after abort: %v", err)
	}
	pkg.Abort(ctx)
	e.clock.Add(ReleaseLinkTTL + time.Second)
	if _, err := e.svc.Collect(ctx, token, recording.DefaultTransferLimits.For); !errors.Is(err, ErrLinkSpent) {
		t.Errorf("expired link: %v", err)
	}
	if _, err := e.svc.Collect(ctx, "fsr_made-up", recording.DefaultTransferLimits.For); !errors.Is(err, ErrLinkSpent) {
		t.Errorf("unknown link: %v", err)
	}
}

// Done when: an erasure keeps a held recording and says why.
func TestErasureKeepsHeldRecording(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		held, gone, disclosed := e.call(t, callerA, time.Hour), e.call(t, callerA, 2*time.Hour), e.call(t, callerA, 3*time.Hour)
		exempt := e.call(t, callerA, 4*time.Hour)
		other := e.call(t, callerB, time.Hour)
		if _, err := e.rec.AddExemption(ctx, ig, exempt.ID, "legal_claims", "claim K00LE123"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.rec.PlaceHold(ctx, ig.Actor(), held.ID, "complaint to the ombudsman", e.clock.Now().AddDate(0, 3, 0)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.rec.Disclose(ctx, ig, disclosed.ID, recording.DisclosureRequest{Recipient: "emergency-services",
			LawfulBasis: "6(1)(c)", Reason: "court order", Reference: "C-1"}); err != nil {
			t.Fatal(err)
		}
		id := e.record(t, "erasure", "verified", Identifiers{Phones: []string{callerA}})
		// The search says beforehand what an erasure would keep, and why.
		f, err := e.svc.Search(ctx, ig, id)
		if err != nil {
			t.Fatal(err)
		}
		wouldKeep := map[string]string{}
		for _, r := range f.Recordings {
			wouldKeep[r.ID] = r.Exemption
		}
		if want := map[string]string{held.ID: recording.ExemptLegalHold, disclosed.ID: recording.ExemptDisclosure, exempt.ID: "legal_claims",
			gone.ID: ""}; !maps.Equal(wouldKeep, want) {
			t.Errorf("search says erasure would keep %v, want %v", wouldKeep, want)
		}
		res, err := e.svc.Erase(ctx, ig, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Erased) != 1 || res.Erased[0] != gone.ID {
			t.Errorf("erased %v, want only %s", res.Erased, gone.ID)
		}
		wantKept := []Kept{{held.ID, recording.ExemptLegalHold}, {disclosed.ID, recording.ExemptDisclosure}, {exempt.ID, "legal_claims"}}
		if !slices.Equal(res.Kept, wantKept) {
			t.Errorf("kept %+v, want %+v", res.Kept, wantKept)
		}
		for _, tc := range []struct {
			id   string
			live bool
		}{{held.ID, true}, {disclosed.ID, true}, {exempt.ID, true}, {other.ID, true}, {gone.ID, false}} {
			r, err := db.Q().RecordingByID(ctx, tc.id)
			live := err == nil && r.DeletedAt.IsZero()
			if live != tc.live {
				t.Errorf("recording %s live = %v, want %v", tc.id, live, tc.live)
			}
		}
		c, _ := e.svc.Get(ctx, ig, id)
		said := map[string]string{}
		for _, ev := range c.Events {
			said[ev.RecordingID] = ev.Detail
		}
		for id, why := range map[string]string{held.ID: "legal hold", exempt.ID: "legal claims (Article 17(3)(e))", gone.ID: "erased"} {
			if !strings.Contains(said[id], why) {
				t.Errorf("the case says %q of %s, want %q", said[id], id, why)
			}
		}
		e.checkAudit(t, "7911", "123456", "K00LE123")
	})
}

func TestRestrictionStopsQualityUse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a, b := e.call(t, callerA, time.Hour), e.call(t, callerB, time.Hour)
		id := e.record(t, "objection", "not-required", Identifiers{Phones: []string{callerA}})
		if n, err := e.svc.Restrict(ctx, ig, id); err != nil || n != 1 {
			t.Fatalf("restrict: %d %v", n, err)
		}
		tl := &auth.Principal{UserID: 9, Role: auth.TeamLeader, ServiceAreas: []string{"environment-and-transport"}}
		for _, purpose := range recording.RestrictedPurposes {
			if _, err := e.rec.Authorize(ctx, tl, a.ID, purpose); !errors.Is(err, recording.ErrRestricted) {
				t.Errorf("%s of a restricted recording: %v", purpose, err)
			}
			if _, err := e.rec.Authorize(ctx, tl, b.ID, purpose); err != nil {
				t.Errorf("%s of another caller's recording: %v", purpose, err)
			}
		}
		if _, err := e.rec.Authorize(ctx, ig, a.ID, "complaint"); err != nil {
			t.Errorf("complaint investigation of a restricted recording: %v", err)
		}
		if _, err := e.svc.Erase(ctx, ig, id); !fail.Is(err, fail.Conflict) {
			t.Errorf("erasure on an objection case: %v", err)
		}
	})
}

func TestRectification(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a, b := e.call(t, callerA, time.Hour), e.call(t, callerB, time.Hour)
		id := e.record(t, "rectification", "verified", Identifiers{Phones: []string{callerA}})
		if err := e.svc.Rectify(ctx, ig, id, Correction{RecordingID: b.ID, Field: "service_area", Value: "first-contact-plus"}); err == nil {
			t.Error("corrected another caller's recording")
		}
		if err := e.svc.Rectify(ctx, ig, id, Correction{RecordingID: a.ID, Field: "service_area", Value: "nowhere"}); err == nil {
			t.Error("accepted a service area outside the policy")
		}
		if err := e.svc.Rectify(ctx, ig, id, Correction{RecordingID: a.ID, Field: "service_area", Value: "first-contact-plus"}); err != nil {
			t.Fatal(err)
		}
		r, _ := db.Q().RecordingByID(ctx, a.ID)
		if r.ServiceArea != "first-contact-plus" || !r.ExpiresAt.Equal(policy.Retention{Months: 3}.ExpiresAt(a.StartedAt)) {
			t.Errorf("after correction: area %s, expires %s (3 months after the call expected)", r.ServiceArea, r.ExpiresAt)
		}
		hist, err := db.Q().RecordingCorrections(ctx, a.ID)
		if err != nil || len(hist) != 1 || hist[0].Old != "environment-and-transport" || hist[0].RequestID != id {
			t.Errorf("history: %+v %v", hist, err)
		}
	})
}

func TestClosedCaseForgetsIdentifiers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		id := e.record(t, "access", "verified", Identifiers{Phones: []string{callerA}, Email: "resident@example.org"})
		if err := e.svc.Close(ctx, ig, id, "nothing-held"); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Pause(ctx, ig, id, PauseIdentity); !fail.Is(err, fail.Conflict) {
			t.Errorf("pause of a closed case: %v", err)
		}
		c, _ := e.svc.Get(ctx, ig, id)
		if day(c.DestroyAfter) != "2025-07-31" || c.Identifiers.Email == "" {
			t.Fatalf("closed: destroy after %s, identifiers %+v", day(c.DestroyAfter), c.Identifiers)
		}
		if n, err := e.svc.Sweep(ctx); err != nil || n != 0 {
			t.Fatalf("early sweep: %d %v", n, err)
		}
		e.clock.Set(c.DestroyAfter.Add(time.Minute))
		if n, err := e.svc.Sweep(ctx); err != nil || n != 1 {
			t.Fatalf("sweep: %d %v", n, err)
		}
		c, _ = e.svc.Get(ctx, ig, id)
		if c.IdentifiersCT != "" || c.Revealed || c.IdentifiersDestroyedAt.IsZero() || c.Outcome != "nothing-held" {
			t.Errorf("after the sweep: %+v", c.RightsRequest)
		}
		if _, err := e.svc.Search(ctx, ig, id); err == nil {
			t.Error("searched with destroyed identifiers")
		}
		e.checkAudit(t, "resident", "example.org", "7911")
	})
}

// The dashboard and the reminders flag open cases due within
// ReminderWorkingDays working days and those overdue, never one whose
// clock is stopped; the daily reminder logs counts only.
func TestReminders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db) // today is Friday 31 January 2025
		ctx := context.Background()
		var logged bytes.Buffer
		e.svc.log = slog.New(slog.NewTextHandler(&logged, nil))
		if err := e.svc.Remind(ctx); err != nil || logged.Len() != 0 {
			t.Fatalf("nothing to remind of, logged %q, %v", logged.String(), err)
		}
		want := map[int64]string{}
		for _, c := range []struct{ received, identity, state string }{
			{"2025-01-03", "verified", "soon"},    // due Monday 3 February: 1 working day
			{"2025-01-07", "verified", "soon"},    // due Friday 7 February: 5
			{"2025-01-08", "verified", "later"},   // due Monday 10 February: 6
			{"2024-12-20", "verified", "overdue"}, // due Monday 20 January
			{"2025-01-02", "pending", "paused"},   // waiting for proof of identity
		} {
			id, err := e.svc.Record(ctx, ig, NewRequest{Kind: "access", Channel: "letter", Identity: c.identity,
				Received: date(c.received), Identifiers: Identifiers{Phones: []string{callerA}}})
			if err != nil {
				t.Fatal(err)
			}
			want[id] = c.state
		}
		d, err := e.svc.Register(ctx, auditor, 100)
		if err != nil {
			t.Fatal(err)
		}
		if d.Open != 5 || d.DueSoon != 2 || d.Overdue != 1 || d.Paused != 1 {
			t.Errorf("dashboard: %d open, %d due soon, %d overdue, %d paused; want 5, 2, 1, 1", d.Open, d.DueSoon, d.Overdue, d.Paused)
		}
		for _, c := range d.Cases {
			got := map[[3]bool]string{{true, false, false}: "soon", {false, true, false}: "overdue", {false, false, true}: "paused",
				{false, false, false}: "later"}[[3]bool{c.DueSoon, c.Overdue, c.Paused}]
			if got != want[c.ID] {
				t.Errorf("request %d (due %s) is %q, want %q", c.ID, day(c.DueAt), got, want[c.ID])
			}
		}
		r, err := e.svc.Reminder(ctx)
		if err != nil || r.DueSoon != 2 || r.Overdue != 1 || r.Cases != nil {
			t.Errorf("reminder: %+v %v", r, err)
		}
		if err := e.svc.Remind(ctx); err != nil {
			t.Fatal(err)
		}
		if line := logged.String(); !strings.Contains(line, "due_soon=2 overdue=1") || strings.Contains(line, "7911") {
			t.Errorf("reminder logged %q", line)
		}
		if _, err := e.svc.Register(ctx, admin, 100); !errors.Is(err, ErrForbidden) {
			t.Errorf("administrator read the register: %v", err)
		}
	})
}
