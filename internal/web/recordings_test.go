package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/scenario"
)

func (s *site) addRecording(key, area string) store.Recording { return s.ingestCall(key, area, "") }

// ingestCall stores the test audio as a call of area with the other party's
// number (none when empty).
func (s *site) ingestCall(key, area, number string) store.Recording {
	s.t.Helper()
	audio, err := os.ReadFile("../../testdata/audio/speech-alaw.wav")
	if err != nil {
		s.t.Fatal(err)
	}
	sum := sha256.Sum256(audio)
	got, err := s.app.Recordings.Ingest(context.Background(), "token:1", key, recording.Metadata{ExternalID: key, Direction: "inbound",
		ServiceArea: area, AgentID: "agent-3", OtherParty: number, StartedAt: time.Now().Add(-time.Hour), DurationSeconds: 8,
		SHA256: hex.EncodeToString(sum[:])}, bytes.NewReader(audio))
	if err != nil {
		s.t.Fatal(err)
	}
	return got.Recording
}

func TestRecordingsConsole(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("lead@example.gov.uk", auth.TeamLeader, "trading-standards")
	s.addUser("ig@example.gov.uk", auth.InformationGovernance)
	mine := s.addRecording("c1", "trading-standards")
	theirs := s.addRecording("c2", "adult-social-care")
	lead := s.signIn("lead@example.gov.uk")
	ig := s.signIn("ig@example.gov.uk")
	var token, audioURL string

	scenario.Step(t, "a team leader sees only their service area", func(t *testing.T) {
		_, body, _ := s.get(lead, "/console/recordings")
		if !strings.Contains(body, mine.ID) || strings.Contains(body, theirs.ID) {
			t.Error("team leader's list is not limited to their service area")
		}
		if status, _, _ := s.get(lead, "/console/recordings/"+theirs.ID); status != http.StatusNotFound {
			t.Errorf("team leader opened another area's recording page: %d", status)
		}
	})
	scenario.Step(t, "the player needs a purpose", func(t *testing.T) {
		var body string
		_, body, token = s.get(lead, "/console/recordings/"+mine.ID)
		if strings.Contains(body, "<audio") {
			t.Error("player shown before a purpose was given")
		}
		if !strings.Contains(body, `class="app-waveform__svg"`) || strings.Count(body, "V") < 400 {
			t.Error("no waveform drawn from the recording's peaks")
		}
		resp := s.post(lead, "/console/recordings/"+mine.ID+"/open", url.Values{"csrf_token": {token}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("open without purpose: %d", resp.StatusCode)
		}
		resp = s.post(lead, "/console/recordings/"+theirs.ID+"/open", url.Values{"csrf_token": {token}, "purpose": {"training"}})
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("opened another area's recording: %d", resp.StatusCode)
		}
		resp = s.post(lead, "/console/recordings/"+mine.ID+"/open", url.Values{"csrf_token": {token}, "purpose": {"training"}})
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "grant=") {
			t.Fatalf("open: %d %q", resp.StatusCode, loc)
		}
		_, body, _ = s.get(lead, loc)
		i := strings.Index(body, `src="/console/recordings/`+mine.ID+`/audio?`)
		if i < 0 {
			t.Fatal("no player after choosing a purpose")
		}
		audioURL = strings.ReplaceAll(body[i+5:i+strings.Index(body[i+5:], `"`)+5], "&amp;", "&")
	})
	scenario.Step(t, "the player serves byte ranges", func(t *testing.T) {
		req, err := http.NewRequest("GET", s.srv.URL+audioURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Range", "bytes=1000-1099")
		ar, err := lead.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		part, err := io.ReadAll(ar.Body)
		ar.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile("../../testdata/audio/speech-alaw.wav")
		if err != nil {
			t.Fatal(err)
		}
		if ar.StatusCode != http.StatusPartialContent || !bytes.Equal(part, want[1000:1100]) || ar.Header.Get("Content-Type") != "audio/wav" {
			t.Errorf("range request: %d, %d bytes, %q", ar.StatusCode, len(part), ar.Header.Get("Content-Type"))
		}
	})
	scenario.Step(t, "the grant is bound to its session", func(t *testing.T) {
		if status, _, _ := s.get(ig, audioURL); status != http.StatusForbidden {
			t.Errorf("another session used the grant: %d", status)
		}
	})
	scenario.Step(t, "the opening is audited with its purpose", func(t *testing.T) {
		entries, err := s.app.Audit.Entries(context.Background(), store.AuditFilter{Action: "recording.open"})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Purpose != "training" || entries[0].Object != "recording:"+mine.ID {
			t.Errorf("audited opens: %+v", entries)
		}
	})
	onHold := func(t *testing.T) bool {
		t.Helper()
		rec, err := s.app.DB.Q().RecordingByID(context.Background(), theirs.ID)
		if err != nil {
			t.Fatal(err)
		}
		return rec.OnHold
	}
	scenario.Step(t, "information governance places a legal hold", func(t *testing.T) {
		_, _, token = s.get(ig, "/console/recordings/"+theirs.ID)
		resp := s.post(ig, "/console/recordings/"+theirs.ID+"/holds", url.Values{"csrf_token": {token}, "reason": {"Claim LC-1"}, "review_at": {"2020-01-01"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("hold with a past review date: %d", resp.StatusCode)
		}
		resp = s.post(ig, "/console/recordings/"+theirs.ID+"/holds", url.Values{"csrf_token": {token}, "reason": {"Claim LC-1"},
			"review_at": {time.Now().AddDate(1, 0, 0).Format("2006-01-02")}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("place hold: %d %s", resp.StatusCode, readAll(resp))
		}
		if !onHold(t) {
			t.Error("hold not placed")
		}
	})
	scenario.Step(t, "and releases it", func(t *testing.T) {
		holds, err := s.app.DB.Q().LegalHolds(context.Background(), theirs.ID)
		if err != nil || len(holds) != 1 {
			t.Fatalf("holds: %+v, %v", holds, err)
		}
		resp := s.post(ig, "/console/recordings/"+theirs.ID+"/holds/"+itoa(holds[0].ID)+"/release", url.Values{"csrf_token": {token}})
		if resp.StatusCode != http.StatusSeeOther || onHold(t) {
			t.Errorf("release: %d, still on hold", resp.StatusCode)
		}
	})
}

// Information governance discloses from the recording page: a refusal keeps what was entered
// and the holds and recipients on the page; a disclosure shows its single-use link there.
func TestDiscloseFromRecordingPage(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("ig@example.gov.uk", auth.InformationGovernance)
	rec := s.addRecording("d1", "adult-social-care")
	ig := s.signIn("ig@example.gov.uk")
	_, _, token := s.get(ig, "/console/recordings/"+rec.ID)
	if resp := s.post(ig, "/console/recordings/"+rec.ID+"/holds", url.Values{"csrf_token": {token}, "reason": {"Claim LC-9"},
		"review_at": {time.Now().AddDate(1, 0, 0).Format("2006-01-02")}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("place hold: %d", resp.StatusCode)
	}
	form := url.Values{"csrf_token": {token}, "recipient": {"emergency-services"}, "lawful_basis": {"9(2)(c)"}, "reference": {"POL-7"}}
	for _, c := range []struct {
		name   string
		reason string
		status int
		want   []string
		not    []string
	}{
		{"no reason", "", http.StatusUnprocessableEntity,
			[]string{"There is a problem", `id="disclosure_reason-error"`, `value="emergency-services" selected`, "Claim LC-9"},
			[]string{"single-use link"}},
		{"disclosed", "Welfare concern", http.StatusOK,
			[]string{"single-use link", s.web.BaseURL + "/disclosures/", "Claim LC-9"},
			[]string{"There is a problem"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := maps.Clone(form)
			f.Set("disclosure_reason", c.reason)
			resp := s.post(ig, "/console/recordings/"+rec.ID+"/disclosures", f)
			body := readAll(resp)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, c.status)
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range c.not {
				if strings.Contains(body, w) {
					t.Errorf("page shows %q", w)
				}
			}
		})
	}
	// The register names who disclosed it; the audit log keeps the id.
	status, body, _ := s.get(ig, "/console/disclosures")
	row := body[strings.Index(body, "POL-7"):]
	row = row[:strings.Index(row, "</tr>")]
	if status != http.StatusOK || !strings.Contains(row, "ig@example.gov.uk") || strings.Contains(row, "user:") {
		t.Errorf("disclosure register row: %d %q", status, row)
	}
}

func TestRecordingsByNumberIsPostOnly(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("ig@example.gov.uk", auth.InformationGovernance)
	audio, _ := os.ReadFile("../../testdata/audio/speech-alaw.wav")
	sum := sha256.Sum256(audio)
	got, err := s.app.Recordings.Ingest(context.Background(), "token:1", "n1", recording.Metadata{ExternalID: "n1", Direction: "inbound",
		ServiceArea: "trading-standards", AgentID: "a", OtherParty: "07911 123456", StartedAt: time.Now().Add(-time.Hour),
		DurationSeconds: 8, SHA256: hex.EncodeToString(sum[:])}, bytes.NewReader(audio))
	if err != nil {
		t.Fatal(err)
	}
	s.addRecording("n2", "trading-standards")
	ig := s.signIn("ig@example.gov.uk")
	_, body, token := s.get(ig, "/console/recordings")
	if strings.Contains(body, `name="number"`) && strings.Contains(body, `method="get" action="/console/recordings"`) &&
		strings.Index(body, `name="number"`) < strings.Index(body, `action="/console/recordings/by-number"`) {
		t.Error("the number field is in the GET search form")
	}
	resp := s.post(ig, "/console/recordings/by-number", url.Values{"csrf_token": {token}, "number": {"+44 7911 123456"}})
	body = readAll(resp)
	if resp.StatusCode != 200 || !strings.Contains(body, got.Recording.ID) || strings.Count(body, `href="/console/recordings/`) != 1 {
		t.Errorf("by number: %d, found the right recording only: %v", resp.StatusCode, strings.Contains(body, got.Recording.ID))
	}
	resp = s.post(ig, "/console/recordings/by-number", url.Values{"csrf_token": {token}, "number": {"12"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("impossible number: %d", resp.StatusCode)
	}
}

// A disclosure link is spent only by a download that completes: one that
// stalls past its time limit or is abandoned gives the link back, and while
// one download holds the link a second is told it is busy.
func TestDisclosureDownloadSpentOnlyWhenComplete(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.web.DownloadLimits = recording.TransferLimits{Base: 3 * time.Second, MinRate: 1 << 30}
	// Larger than the socket buffers, so a reader that stops really stops
	// the transfer.
	audio, err := os.ReadFile("../../testdata/audio/speech-alaw.wav")
	if err != nil {
		t.Fatal(err)
	}
	audio = append(audio, bytes.Repeat(audio[100:], 120)...)
	sum := sha256.Sum256(audio)
	ctx := context.Background()
	got, err := s.app.Recordings.Ingest(ctx, "token:1", "big", recording.Metadata{ExternalID: "big", Direction: "inbound",
		ServiceArea: "adult-social-care", AgentID: "a", StartedAt: time.Now().Add(-time.Hour), DurationSeconds: 900,
		SHA256: hex.EncodeToString(sum[:])}, bytes.NewReader(audio))
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := s.app.Recordings.Disclose(ctx, &auth.Principal{UserID: 1, Role: auth.InformationGovernance}, got.Recording.ID,
		recording.DisclosureRequest{Recipient: "emergency-services", LawfulBasis: "9(2)(c)", Reason: "Welfare concern", Reference: "POL-7"})
	if err != nil {
		t.Fatal(err)
	}
	path := "/disclosures/" + token
	recipient := s.client()
	_, _, csrf := s.get(recipient, path)
	download := func() *http.Response {
		t.Helper()
		resp, err := recipient.PostForm(s.srv.URL+path, url.Values{"csrf_token": {csrf}})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	// The first download reads a little and stops.
	stalled := download()
	if stalled.StatusCode != http.StatusOK {
		t.Fatalf("download: %d %s", stalled.StatusCode, readAll(stalled))
	}
	io.ReadFull(stalled.Body, make([]byte, 1000))
	busy := download()
	if body := readAll(busy); busy.StatusCode != http.StatusConflict || !strings.Contains(body, "being downloaded") {
		t.Errorf("a second download while the first holds the link: %d", busy.StatusCode)
	}
	time.Sleep(4500 * time.Millisecond) // past the 3 s limit
	if rest, _ := io.ReadAll(stalled.Body); 1000+len(rest) >= len(audio) {
		t.Fatalf("the stalled download got the whole file (%d bytes)", 1000+len(rest))
	}
	stalled.Body.Close()

	// The second reads a little and hangs up.
	var abandoned *http.Response
	for deadline := time.Now().Add(10 * time.Second); ; {
		if abandoned = download(); abandoned.StatusCode == http.StatusOK || time.Now().After(deadline) {
			break
		}
		abandoned.Body.Close()
		time.Sleep(100 * time.Millisecond)
	}
	if abandoned.StatusCode != http.StatusOK {
		t.Fatalf("link unusable after a download that timed out: %d", abandoned.StatusCode)
	}
	io.ReadFull(abandoned.Body, make([]byte, 1000))
	abandoned.Body.Close()

	// The third reads everything and spends the link.
	var whole *http.Response
	for deadline := time.Now().Add(10 * time.Second); ; {
		if whole = download(); whole.StatusCode == http.StatusOK || time.Now().After(deadline) {
			break
		}
		whole.Body.Close()
		time.Sleep(100 * time.Millisecond)
	}
	if whole.StatusCode != http.StatusOK {
		t.Fatalf("link unusable after an abandoned download: %d", whole.StatusCode)
	}
	b, _ := io.ReadAll(whole.Body)
	whole.Body.Close()
	if !bytes.Equal(b, audio) {
		t.Fatalf("downloaded %d bytes, want the %d of the recording", len(b), len(audio))
	}
	var spent *http.Response
	for deadline := time.Now().Add(5 * time.Second); ; {
		// Complete runs after the last byte leaves: give it a moment.
		if spent = download(); spent.StatusCode == http.StatusGone || time.Now().After(deadline) {
			break
		}
		spent.Body.Close()
		time.Sleep(50 * time.Millisecond)
	}
	if spent.StatusCode != http.StatusGone {
		t.Errorf("download after a complete one: %d", spent.StatusCode)
	}
	entries, _ := s.app.Audit.Entries(ctx, store.AuditFilter{Action: "recording.collect"})
	outcomes := map[string]int{}
	for _, e := range entries {
		outcomes[e.Outcome]++
	}
	if outcomes["success"] != 1 || outcomes["failure"] != 2 {
		t.Errorf("audited collections: %v, want 1 success and 2 failures", outcomes)
	}
	if strings.Contains(s.logs.String(), token) {
		t.Error("the link's token reached the log")
	}
}
