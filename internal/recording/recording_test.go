package recording

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/blob"
	"github.com/fairline/fairline/internal/crypt"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/keys"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
	"github.com/fairline/fairline/internal/testutil/fakeclock"
	"github.com/fairline/fairline/internal/testutil/pgtest"
	"github.com/fairline/fairline/internal/testutil/scenario"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

type env struct {
	svc    *Service
	db     *store.DB
	blobs  *blob.Local
	clock  *fakeclock.Clock
	pol    *policy.Policy
	polMu  sync.Mutex
	audio  []byte
	sha    string
	audLog *audit.Log
}

func (e *env) policy() *policy.Policy { e.polMu.Lock(); defer e.polMu.Unlock(); return e.pol }

func newEnv(t *testing.T, db *store.DB, o Options) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{db: db, clock: fakeclock.New(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), pol: policy.Default()}
	var err error
	if e.blobs, err = blob.NewLocal(filepath.Join(dir, "blobs"), "UK"); err != nil {
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
	e.audLog = audit.New(db, ring.Key(keys.PurposeAudit))
	o.Now = e.clock.Now
	e.svc, err = New(db, e.blobs, kek, crypt.NewBlindIndex(ring), e.audLog, e.policy, slog.New(slog.NewTextHandler(io.Discard, nil)), o)
	if err != nil {
		t.Fatal(err)
	}
	if e.audio, err = os.ReadFile("../../testdata/audio/speech-pcm16.wav"); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(e.audio)
	e.sha = hex.EncodeToString(sum[:])
	return e
}

func (e *env) meta(area string) Metadata {
	return Metadata{ExternalID: "call-1", Direction: "inbound", ServiceArea: area, AgentID: "agent-7",
		OtherParty: "07911 123456", StartedAt: e.clock.Now().Add(-time.Hour), DurationSeconds: 8.2, SHA256: e.sha}
}

// ingest stores the test recording for area under idempotency key "k".
func (e *env) ingest(t *testing.T, area string) Recording {
	t.Helper()
	got, err := e.svc.Ingest(context.Background(), "token:1", "k", e.meta(area), bytes.NewReader(e.audio))
	if err != nil {
		t.Fatal(err)
	}
	return got.Recording
}

func (e *env) blobCount(t *testing.T) int {
	n := 0
	if err := e.blobs.List(context.Background(), "", func(blob.Info) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *env) rowCount(t *testing.T) int {
	n, err := e.db.Q().Count(context.Background(), "recordings")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var ig = &auth.Principal{UserID: 1, Role: auth.InformationGovernance}

func TestIngestAndPlay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, Options{})
		ctx := context.Background()
		var r store.Recording
		scenario.Step(t, "ingest", func(t *testing.T) {
			got, err := e.svc.Ingest(ctx, "token:1", "idem-1", e.meta("adult-social-care"), bytes.NewReader(e.audio))
			if err != nil || !got.Created {
				t.Fatalf("ingest: %+v %v", got, err)
			}
			r = got.Recording
			if r.Format != "wav/pcm" || r.Size != int64(len(e.audio)) || r.Channels != 1 {
				t.Errorf("stored %+v", r)
			}
			// 9 months for adult social care, from the policy.
			if want := time.Date(2027, 8, 23, 9, 0, 0, 0, time.UTC); !r.ExpiresAt.Equal(want) {
				t.Errorf("expires %v, want %v", r.ExpiresAt, want)
			}
		})
		scenario.Step(t, "nothing readable is stored", func(t *testing.T) {
			// On disk the audio is unreadable: no plaintext run survives.
			var raw []byte
			err := e.blobs.List(ctx, "", func(i blob.Info) error {
				obj, err := e.blobs.Open(ctx, i.Key)
				if err != nil {
					return err
				}
				defer obj.Close()
				raw = make([]byte, obj.Size())
				_, err = obj.ReadAt(raw, 0)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(raw) == 0 || bytes.Contains(raw, e.audio[:12]) || bytes.Contains(raw, e.audio[5000:5064]) {
				t.Error("blob holds plaintext audio")
			}
			if strings.Contains(r.NumberCT+r.NumberBIdx, "447911123456") {
				t.Error("number stored in the clear")
			}
		})
		scenario.Step(t, "play, whole and from an offset", func(t *testing.T) {
			pb, err := e.svc.Open(ctx, ig, r.ID, "quality-monitoring")
			if err != nil {
				t.Fatal(err)
			}
			defer pb.Close()
			plain, err := io.ReadAll(pb)
			if err != nil || !bytes.Equal(plain, e.audio) {
				t.Errorf("decrypted audio differs (%v)", err)
			}
			if _, err := pb.Seek(5000, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			part := make([]byte, 100)
			if _, err := io.ReadFull(pb, part); err != nil || !bytes.Equal(part, e.audio[5000:5100]) {
				t.Errorf("seek then read gave the wrong bytes (%v)", err)
			}
		})
		scenario.Step(t, "only the fingerprint is kept, and search by number finds it", func(t *testing.T) {
			if r.NumberCT != "" || r.NumberBIdx == "" {
				t.Errorf("sealed number %q, blind index %q: want none and one", r.NumberCT, r.NumberBIdx)
			}
			if n, err := e.svc.OtherParty(ctx, ig, r.ID); err != nil || n != "" {
				t.Errorf("number = %q, %v; want nothing to reveal", n, err)
			}
			found, err := e.svc.Search(ctx, ig, store.RecordingFilter{}, "+44 7911 123456")
			if err != nil || len(found) != 1 || found[0].ID != r.ID {
				t.Errorf("number search: %d, %v", len(found), err)
			}
		})
		scenario.Step(t, "an area whose policy keeps the sealed number reveals it", func(t *testing.T) {
			doc := strings.Replace(string(policy.DefaultYAML()), "        name: Trading Standards\n",
				"        name: Trading Standards\n        keep_sealed_number: true\n", 1)
			p, err := policy.Parse("keep.yaml", []byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			e.polMu.Lock()
			old := e.pol
			e.pol = p
			e.polMu.Unlock()
			defer func() { e.polMu.Lock(); e.pol = old; e.polMu.Unlock() }()
			m := e.meta("trading-standards")
			m.ExternalID = "call-kept"
			got, err := e.svc.Ingest(ctx, "token:1", "idem-kept", m, bytes.NewReader(e.audio))
			if err != nil {
				t.Fatal(err)
			}
			if n, err := e.svc.OtherParty(ctx, ig, got.Recording.ID); err != nil || n != "+447911123456" {
				t.Errorf("number = %q, %v", n, err)
			}
		})
		scenario.Step(t, "every step is audited without the number", func(t *testing.T) {
			rows, err := e.audLog.Entries(ctx, store.AuditFilter{Action: "recording."})
			if err != nil {
				t.Fatal(err)
			}
			var acts []string
			for _, row := range rows {
				acts = append(acts, row.Action+"/"+row.Purpose)
				if strings.Contains(row.Object+row.Actor, "7911123456") {
					t.Errorf("audit entry holds the number: %+v", row)
				}
			}
			if strings.Join(acts, " ") != "recording.reveal_number/subject-request recording.store/call_recording recording.search_number/subject-request recording.open/quality-monitoring recording.store/call_recording" {
				t.Errorf("audit trail: %v", acts)
			}
		})
	})
}

func TestIngestIdempotencyAndRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, Options{MaxSize: 100000})
		ctx := context.Background()
		small := e.audio[:60000]
		sum := sha256.Sum256(small)
		m := e.meta("trading-standards")
		m.SHA256 = hex.EncodeToString(sum[:])
		first, err := e.svc.Ingest(ctx, "token:1", "k1", m, bytes.NewReader(small))
		if err != nil {
			t.Fatal(err)
		}
		again, err := e.svc.Ingest(ctx, "token:1", "k1", m, bytes.NewReader(small))
		if err != nil || again.Created || again.Recording.ID != first.Recording.ID {
			t.Fatalf("retry: %+v %v", again, err)
		}
		other := m
		other.SHA256 = e.sha
		if _, err := e.svc.Ingest(ctx, "token:1", "k1", other, bytes.NewReader(e.audio)); !errors.Is(err, ErrIdempotencyConflict) {
			t.Errorf("key reuse for other audio: %v", err)
		}
		corrupt := append([]byte{}, small...)
		corrupt[30000] ^= 1
		if _, err := e.svc.Ingest(ctx, "token:1", "k2", m, bytes.NewReader(corrupt)); !errors.Is(err, ErrDigestMismatch) {
			t.Errorf("corrupt upload: %v", err)
		}
		big := m
		sumBig := sha256.Sum256(e.audio)
		big.SHA256 = hex.EncodeToString(sumBig[:])
		if _, err := e.svc.Ingest(ctx, "token:1", "k3", big, bytes.NewReader(e.audio)); !errors.Is(err, ErrTooLarge) {
			t.Errorf("over the size limit: %v", err)
		}
		bad := []struct {
			mutate func(*Metadata)
			field  string
		}{
			{func(m *Metadata) { m.ServiceArea = "parking" }, "service_area"},
			{func(m *Metadata) { m.Direction = "" }, "direction"},
			{func(m *Metadata) { m.StartedAt = e.clock.Now().Add(time.Hour) }, "started_at"},
			{func(m *Metadata) { m.StartedAt = e.clock.Now().AddDate(-2, 0, 0) }, "started_at"},
			{func(m *Metadata) { m.SHA256 = "abc" }, "sha256"},
			{func(m *Metadata) { m.OtherParty = "12" }, "other_party_number"},
			{func(m *Metadata) { m.DurationSeconds = 0 }, "duration_seconds"},
		}
		for _, b := range bad {
			mm := m
			b.mutate(&mm)
			var ie *fail.Error
			if _, err := e.svc.Ingest(ctx, "token:1", "k4", mm, bytes.NewReader(small)); !errors.As(err, &ie) || ie.Kind != fail.Invalid || ie.Field != b.field {
				t.Errorf("want refusal on %s, got %v", b.field, err)
			}
		}
		var ie *fail.Error
		notAudio := []byte("this is a text file, not a recording")
		ns := sha256.Sum256(notAudio)
		m.SHA256 = hex.EncodeToString(ns[:])
		if _, err := e.svc.Ingest(ctx, "token:1", "k5", m, bytes.NewReader(notAudio)); !errors.As(err, &ie) || ie.Kind != fail.Invalid || ie.Field != "audio" {
			t.Errorf("not audio: %v", err)
		}
		// A body that fails half-way (the client went away).
		if _, err := e.svc.Ingest(ctx, "token:1", "k6", big, io.MultiReader(bytes.NewReader(e.audio[:70000]), errReader{})); err == nil {
			t.Error("broken body accepted")
		}
		if rows, blobs := e.rowCount(t), e.blobCount(t); rows != 1 || blobs != 1 {
			t.Errorf("after refusals: %d rows and %d blobs, want 1 and 1", rows, blobs)
		}
	})
}

// An upload whose row cannot be committed (the database refuses writes) leaves no blob behind:
// the clean-up runs on that way out as on the others.
func TestIngestUncommittedLeavesNoBlob(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, Options{})
		dbtest.SetReadOnly(t, db, true)
		defer dbtest.SetReadOnly(t, db, false)
		if _, err := e.svc.Ingest(context.Background(), "token:1", "k1", e.meta("trading-standards"), bytes.NewReader(e.audio)); err == nil {
			t.Fatal("ingest into a read-only database succeeded")
		}
		if n := e.blobCount(t); n != 0 {
			t.Errorf("%d blobs left after a failed commit, want 0", n)
		}
	})
}

// A repeated idempotency key returns the first recording only when every
// metadata field is the same; any difference is a conflict that names the
// field but never its value.
func TestIdempotencyKeyComparesAllMetadata(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, Options{})
		ctx := context.Background()
		m := e.meta("trading-standards")
		first, err := e.svc.Ingest(ctx, "token:1", "k1", m, bytes.NewReader(e.audio))
		if err != nil {
			t.Fatal(err)
		}
		same := m
		same.OtherParty = "+44 7911 123456" // the same number, written differently
		same.StartedAt = m.StartedAt.In(time.FixedZone("BST", 3600))
		if again, err := e.svc.Ingest(ctx, "token:1", "k1", same, bytes.NewReader(e.audio)); err != nil || again.Created || again.Recording.ID != first.Recording.ID {
			t.Fatalf("same metadata: %+v %v", again, err)
		}
		for _, c := range []struct {
			field  string
			mutate func(*Metadata)
		}{
			{"service_area", func(m *Metadata) { m.ServiceArea = "adult-social-care" }},
			{"direction", func(m *Metadata) { m.Direction = "outbound" }},
			{"agent_id", func(m *Metadata) { m.AgentID = "agent-8" }},
			{"external_call_id", func(m *Metadata) { m.ExternalID = "call-2" }},
			{"started_at", func(m *Metadata) { m.StartedAt = m.StartedAt.Add(-time.Minute) }},
			{"duration_seconds", func(m *Metadata) { m.DurationSeconds = 9 }},
			{"other_party_number", func(m *Metadata) { m.OtherParty = "07700 900789" }},
			{"other_party_number", func(m *Metadata) { m.OtherParty = "" }},
		} {
			mm := m
			c.mutate(&mm)
			_, err := e.svc.Ingest(ctx, "token:1", "k1", mm, bytes.NewReader(e.audio))
			if !errors.Is(err, ErrIdempotencyConflict) || !strings.Contains(err.Error(), c.field) {
				t.Errorf("key reused with another %s: %v", c.field, err)
				continue
			}
			for _, v := range []string{"07700", "900789", "7911", "agent-8", "call-2", "adult-social-care"} {
				if strings.Contains(err.Error(), v) {
					t.Errorf("conflict message repeats a value (%q): %v", v, err)
				}
			}
		}
		if rows := e.rowCount(t); rows != 1 {
			t.Errorf("%d recordings stored, want 1", rows)
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestSweepHoldsAndScopes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, Options{})
		ctx := context.Background()
		ingest := func(key, area string) store.Recording {
			m := e.meta(area)
			m.ExternalID = key
			got, err := e.svc.Ingest(ctx, "token:1", key, m, bytes.NewReader(e.audio))
			if err != nil {
				t.Fatal(err)
			}
			return got.Recording
		}
		fcp := ingest("a", "first-contact-plus") // 3 months
		held := ingest("b", "first-contact-plus")
		ts := ingest("c", "trading-standards") // 12 months

		leader := &auth.Principal{UserID: 5, Role: auth.TeamLeader, ServiceAreas: []string{"trading-standards"}}
		if _, err := e.svc.Get(ctx, leader, fcp.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("team leader saw another area's recording: %v", err)
		}
		if _, err := e.svc.Open(ctx, leader, fcp.ID, "training"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("team leader opened another area's recording: %v", err)
		}
		list, err := e.svc.Search(ctx, leader, store.RecordingFilter{}, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].ID != ts.ID {
			t.Errorf("team leader's list: %+v", list)
		}
		if _, err := e.svc.Search(ctx, leader, store.RecordingFilter{}, "07911123456"); !errors.Is(err, ErrForbidden) {
			t.Errorf("team leader searched by number: %v", err)
		}
		agent := &auth.Principal{UserID: 6, Role: auth.Agent}
		if _, err := e.svc.Search(ctx, agent, store.RecordingFilter{}, ""); !errors.Is(err, ErrForbidden) {
			t.Errorf("agent listed recordings: %v", err)
		}

		hid, err := e.svc.PlaceHold(ctx, "user:1", held.ID, "Claim ref LC/2026/14", e.clock.Now().AddDate(1, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Set(fcp.ExpiresAt.Add(time.Second))
		res, err := e.svc.Sweep(ctx)
		if err != nil || res.Deleted != 1 {
			t.Fatalf("sweep: %+v %v", res, err)
		}
		if _, err := db.Q().RecordingByID(ctx, fcp.ID); !errors.Is(err, store.ErrNotFound) {
			t.Error("expired recording's row (and wrapped key) still there")
		}
		if rows, blobs := e.rowCount(t), e.blobCount(t); rows != 2 || blobs != 2 {
			t.Errorf("after sweep: %d rows, %d blobs", rows, blobs)
		}
		if _, err := e.svc.Open(ctx, ig, held.ID, "complaint"); err != nil {
			t.Errorf("held recording not playable: %v", err)
		}
		if err := e.svc.ReleaseHold(ctx, "user:1", hid, held.ID); err != nil {
			t.Fatal(err)
		}
		if res, _ := e.svc.Sweep(ctx); res.Deleted != 1 {
			t.Errorf("released hold: sweep deleted %d", res.Deleted)
		}
		if res, _ := e.svc.Sweep(ctx); res.Deleted != 0 {
			t.Errorf("second sweep deleted %d", res.Deleted)
		}
		if e.rowCount(t) != 1 || e.blobCount(t) != 1 {
			t.Error("trading standards recording should remain")
		}
	})
}

func TestShorterPolicyAppliesToStored(t *testing.T) {
	db := dbtest.Open(t, store.SQLite)
	e := newEnv(t, db, Options{})
	ctx := context.Background()
	rec := e.ingest(t, "trading-standards")
	yml := string(policy.DefaultYAML())
	i := strings.Index(yml, "- id: trading-standards\n") // the call-recording area, not the chatbot's
	j := i + strings.Index(yml[i:], "months: 12")
	changed, err := policy.Parse("shorter.yaml", []byte(yml[:j]+"months: 1"+yml[j+len("months: 12"):]))
	if err != nil {
		t.Fatal(err)
	}
	e.polMu.Lock()
	e.pol = changed
	e.polMu.Unlock()
	if n, err := e.svc.ApplyRetention(ctx); err != nil || n != 1 {
		t.Fatalf("apply retention: %d %v", n, err)
	}
	e.clock.Set(rec.StartedAt.AddDate(0, 1, 0).Add(time.Second))
	if res, _ := e.svc.Sweep(ctx); res.Deleted != 1 {
		t.Errorf("shortened period not applied: %+v", res)
	}
}

// An area that stops keeping sealed numbers (keep_sealed_number removed, or an upgrade from a
// release that kept them all) has them removed from stored recordings on the next
// ApplyRetention; the blind index stays, so search by number still finds them.
func TestSealedNumbersDroppedWhenThePolicyStopsKeepingThem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, Options{})
		ctx := context.Background()
		keep, err := policy.Parse("keep.yaml", []byte(strings.Replace(string(policy.DefaultYAML()),
			"        name: Trading Standards\n", "        name: Trading Standards\n        keep_sealed_number: true\n", 1)))
		if err != nil {
			t.Fatal(err)
		}
		setPolicy := func(p *policy.Policy) { e.polMu.Lock(); e.pol = p; e.polMu.Unlock() }
		setPolicy(keep)
		rec := e.ingest(t, "trading-standards")
		if n, err := e.svc.ApplyRetention(ctx); err != nil || n != 0 {
			t.Fatalf("apply retention under the keeping policy: %d %v", n, err)
		}
		if n, err := e.svc.OtherParty(ctx, ig, rec.ID); err != nil || n != "+447911123456" {
			t.Fatalf("number = %q, %v", n, err)
		}
		setPolicy(policy.Default())
		if n, err := e.svc.ApplyRetention(ctx); err != nil || n != 1 {
			t.Fatalf("apply retention: %d %v", n, err)
		}
		got, err := db.Q().RecordingByID(ctx, rec.ID)
		if err != nil || got.NumberCT != "" || got.NumberBIdx == "" {
			t.Fatalf("after: sealed %q, blind index %q (%v): want only the index", got.NumberCT, got.NumberBIdx, err)
		}
		if found, err := e.svc.Search(ctx, ig, store.RecordingFilter{}, "07911 123456"); err != nil || len(found) != 1 {
			t.Errorf("search by number: %d, %v", len(found), err)
		}
	})
}

func TestOrphanSweep(t *testing.T) {
	db := dbtest.Open(t, store.SQLite)
	e := newEnv(t, db, Options{})
	ctx := context.Background()
	e.ingest(t, "trading-standards")
	if _, err := e.blobs.Put(ctx, "recordings/ab/abandoned", bytes.NewReader([]byte("half an upload"))); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.svc.SweepOrphans(ctx, time.Hour); n != 0 {
		t.Errorf("young orphan removed (an upload may be in flight)")
	}
	e.clock.Set(time.Now().Add(2 * time.Hour))
	if n, err := e.svc.SweepOrphans(ctx, time.Hour); err != nil || n != 1 {
		t.Errorf("orphans removed: %d %v", n, err)
	}
	if e.blobCount(t) != 1 {
		t.Error("a recording's blob was removed as an orphan")
	}
}
