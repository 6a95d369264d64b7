package recording

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

func TestImportDropFolder(t *testing.T) {
	db := dbtest.Open(t, store.SQLite)
	e := newEnv(t, db, Options{})
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	mp3, _ := os.ReadFile("../../testdata/audio/speech.mp3")
	started := e.clock.now().Add(-2 * time.Hour).Format(time.RFC3339)
	sidecar := func(id, area string) string {
		return `{"external_call_id":"` + id + `","direction":"inbound","service_area":"` + area + `","agent_id":"a1","started_at":"` + started + `","duration_seconds":8}`
	}
	write("a.wav", string(e.audio))
	write("a.json", sidecar("A", "trading-standards"))
	write("b.wav", string(e.audio))
	write("b.json", sidecar("B", "parks"))
	write("c.mp3", string(mp3))
	write("d.wav", string(e.audio)) // no metadata yet: still being written
	write("e.wav", string(e.audio))
	write("e.json", `{"external_call_id": "E", "colour": "blue"}`)
	write("notes.txt", "ignored")
	write(CDRFile, "file,external_call_id,direction,service_area,agent_id,other_party_number,started_at,duration_seconds\n"+
		"c.mp3,C,outbound,first-contact-plus,a2,07911 123456,"+started+",8.2\n")
	// x.wav was stored by an earlier run that crashed before moving it.
	write("x.wav", string(e.audio))
	write("x.json", sidecar("X", "trading-standards"))
	m := e.meta("trading-standards")
	m.ExternalID, m.StartedAt, m.DurationSeconds, m.OtherParty = "X", e.clock.now().Add(-2*time.Hour).Truncate(time.Second), 8, ""
	if _, err := e.svc.importFile(ctx, "cli", dir, "x.wav", m); err != nil {
		t.Fatal(err)
	}

	var ticks int
	res, err := e.svc.Import(ctx, "cli", dir, func(done, total int) { ticks++ })
	if err != nil {
		t.Fatal(err)
	}
	if res != (ImportResult{Stored: 2, AlreadyStored: 1, Failed: 2, Waiting: 1}) || ticks != 6 {
		t.Fatalf("result %+v, %d progress calls", res, ticks)
	}
	for _, f := range []string{"done/a.wav", "done/a.json", "done/c.mp3", "done/x.wav", "failed/b.wav", "failed/b.json", "failed/e.wav", "d.wav", "notes.txt"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	reason, _ := os.ReadFile(filepath.Join(dir, "failed", "b.wav.reason.txt"))
	if !strings.Contains(string(reason), "service_area") {
		t.Errorf("reason for b: %q", reason)
	}
	reason, _ = os.ReadFile(filepath.Join(dir, "failed", "e.wav.reason.txt"))
	if !strings.Contains(string(reason), "e.json is not valid metadata JSON") {
		t.Errorf("reason for e: %q", reason)
	}
	if rows := e.rowCount(t); rows != 3 {
		t.Errorf("%d recordings stored, want 3", rows)
	}
	// Running again finds nothing new.
	if res, err = e.svc.Import(ctx, "cli", dir, nil); err != nil || res != (ImportResult{Waiting: 1}) {
		t.Errorf("second run: %+v %v", res, err)
	}
}

func TestImportRejectsBadCDR(t *testing.T) {
	db := dbtest.Open(t, store.SQLite)
	e := newEnv(t, db, Options{})
	for content, want := range map[string]string{
		"file,direction\n": `lacks the "external_call_id" column`,
		"file,external_call_id,direction,service_area,agent_id,other_party_number,started_at,duration_seconds\na.wav,A,inbound,x,a,,yesterday,1\n": "line 2: started_at",
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, CDRFile), []byte(content), 0o600)
		if _, err := e.svc.Import(context.Background(), "cli", dir, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CDR %q: %v, want %q", content, err, want)
		}
	}
}
