package recording

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
	"github.com/prometheus/client_golang/prometheus"
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
	started := e.clock.Now().Add(-2 * time.Hour).Format(time.RFC3339)
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
	// x.wav was stored by an earlier run that crashed before finishing it.
	write("x.wav", string(e.audio))
	write("x.json", sidecar("X", "trading-standards"))
	startedAt, _ := time.Parse(time.RFC3339, started)
	m := Metadata{ExternalID: "X", Direction: "inbound", ServiceArea: "trading-standards", AgentID: "a1", StartedAt: startedAt, DurationSeconds: 8}
	if _, err := e.svc.importFile(ctx, "cli", dir, "x.wav", m); err != nil {
		t.Fatal(err)
	}
	// An earlier version moved imported files to done/.
	os.MkdirAll(filepath.Join(dir, "done"), 0o700)
	write("done/old.wav", string(e.audio))
	write("done/old.json", sidecar("OLD", "parks"))

	var ticks int
	res, err := e.svc.Import(ctx, "cli", dir, func(done, total int) { ticks++ })
	if err != nil {
		t.Fatal(err)
	}
	if res != (ImportResult{Stored: 2, AlreadyStored: 1, Failed: 2, Waiting: 1}) || ticks != 6 {
		t.Fatalf("result %+v, %d progress calls", res, ticks)
	}
	for _, f := range []string{"failed/b.wav", "failed/b.json", "failed/e.wav", "failed/e.json", "d.wav", "notes.txt"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, f := range []string{"a.wav", "a.json", "c.mp3", "x.wav", "x.json", CDRFile, "done/a.wav", "done/a.json", "done/c.mp3", "done/old.wav", "done/old.json"} {
		if _, err := os.Lstat(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still in the drop folder (%v)", f, err)
		}
	}
	for _, f := range []string{"a.wav", "c.mp3", "x.wav"} {
		var receipt map[string]string
		data, err := os.ReadFile(filepath.Join(dir, "done", f+ReceiptSuffix))
		if err != nil || json.Unmarshal(data, &receipt) != nil {
			t.Errorf("receipt of %s: %v %s", f, err, data)
			continue
		}
		rec, err := db.Q().RecordingByID(ctx, receipt["recording_id"])
		if err != nil || rec.SHA256 != receipt["sha256"] || receipt["imported_at"] == "" || len(receipt) != 3 {
			t.Errorf("receipt of %s names %v: %v", f, receipt, err)
		}
	}
	reason, _ := os.ReadFile(filepath.Join(dir, "failed", "b.wav.reason.txt"))
	if !strings.Contains(string(reason), "service_area") || strings.Contains(string(reason), "parks") {
		t.Errorf("reason for b: %q", reason)
	}
	reason, _ = os.ReadFile(filepath.Join(dir, "failed", "e.wav.reason.txt"))
	if !strings.Contains(string(reason), "e.json is not valid metadata JSON") || strings.Contains(string(reason), "colour") {
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

// The test: after an import nothing under the drop folder starts
// with RIFF or holds a caller's number, whichever form the metadata came
// in; what failed holds them only until the policy's failed retention,
// after which the sweep deletes it and says how many files it deleted.
func TestImportLeavesNoAudioOrNumbers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		reg := prometheus.NewRegistry()
		e := newEnv(t, db, Options{Registry: reg})
		ctx := context.Background()
		dir := t.TempDir()
		started := e.clock.Now().Add(-2 * time.Hour).Format(time.RFC3339)
		numbers := []string{"07700 900789", "07700 900123", "07700 900456", "07700 900999"}
		write := func(name, content string) {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		for i, n := range numbers[:2] {
			id := "S" + strconv.Itoa(i)
			write(id+".wav", string(e.audio))
			write(id+".json", `{"external_call_id":"`+id+`","direction":"inbound","service_area":"parks","agent_id":"a1",`+
				`"other_party_number":"`+n+`","started_at":"`+started+`","duration_seconds":8}`)
		}
		write("C0.wav", string(e.audio))
		write("C1.wav", string(e.audio))
		write(CDRFile, "file,external_call_id,direction,service_area,agent_id,other_party_number,started_at,duration_seconds\n"+
			"C0.wav,C0,outbound,trading-standards,a2,"+numbers[2]+","+started+",8\n"+
			"C1.wav,C1,inbound,first-contact-plus,a3,"+numbers[3]+","+started+",8\n")
		write("S1.json", strings.Replace(readFile(t, filepath.Join(dir, "S1.json")), `"parks"`, `"trading-standards"`, 1))
		write("S0.json", strings.Replace(readFile(t, filepath.Join(dir, "S0.json")), `"parks"`, `"adult-social-care"`, 1))

		res, err := e.svc.Import(ctx, "cli", dir, nil)
		if err != nil || res != (ImportResult{Stored: 4}) {
			t.Fatalf("import: %+v %v", res, err)
		}
		if leaks := grepTree(t, dir, "RIFF", numbers); len(leaks) > 0 {
			t.Errorf("after a clean import the drop folder still holds: %v", leaks)
		}

		// Now a run in which everything fails: bad area, bad sidecar, bad row.
		write("F0.wav", string(e.audio))
		write("F0.json", `{"external_call_id":"F0","direction":"inbound","service_area":"parking","agent_id":"a1",`+
			`"other_party_number":"`+numbers[0]+`","started_at":"`+started+`","duration_seconds":8}`)
		write("F1.wav", string(e.audio))
		write("F1.json", `{"external_call_id":"F1","other_party_number":"`+numbers[1]+`","started_at":"`+numbers[1]+` Jane Smith"}`)
		write("F2.wav", string(e.audio))
		write(CDRFile, "file,external_call_id,direction,service_area,agent_id,other_party_number,started_at,duration_seconds\n"+
			"F2.wav,F2,sideways,trading-standards,a2,"+numbers[2]+","+started+",8\n")
		if res, err = e.svc.Import(ctx, "cli", dir, nil); err != nil || res != (ImportResult{Failed: 3}) {
			t.Fatalf("failing import: %+v %v", res, err)
		}
		leaks := grepTree(t, dir, "RIFF", numbers)
		for _, l := range leaks {
			if !strings.HasPrefix(l, "failed/") || strings.HasSuffix(l, ".reason.txt") {
				t.Errorf("outside failed/ or in a reason: %s", l)
			}
		}
		if len(leaks) == 0 {
			t.Fatal("the failed files were not kept for correction")
		}
		failedFiles := countDir(t, filepath.Join(dir, "failed"))
		// Not yet: the policy keeps them 7 days.
		e.clock.Set(e.clock.Now().Add(7*24*time.Hour - time.Minute))
		if sr, err := e.svc.Sweep(ctx); err != nil || sr.DropFolderFiles != 0 {
			t.Fatalf("sweep before the period ended: %+v %v", sr, err)
		}
		e.clock.Set(e.clock.Now().Add(2 * time.Minute))
		sr, err := e.svc.Sweep(ctx)
		if err != nil || sr.DropFolderFiles != failedFiles || failedFiles != 9 {
			t.Fatalf("sweep: %+v %v; %d files were in failed/ (want 9: 3 audio, 2 sidecars, 1 row, 3 reasons)", sr, err, failedFiles)
		}
		if leaks := grepTree(t, dir, "RIFF", numbers); len(leaks) > 0 {
			t.Errorf("after the sweep the drop folder still holds: %v", leaks)
		}
		mfs, _ := reg.Gather()
		var counted float64
		for _, mf := range mfs {
			if mf.GetName() == "fairline_drop_folder_files_deleted_total" {
				counted = mf.GetMetric()[0].GetCounter().GetValue()
			}
		}
		if counted != 9 {
			t.Errorf("metric counts %v deleted files, want 9", counted)
		}
	})
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func countDir(t *testing.T, dir string) int {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

// grepTree lists the files under dir that start with magic or hold any of
// numbers (in any spacing).
func grepTree(t *testing.T, dir, magic string, numbers []string) []string {
	t.Helper()
	var hits []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		compact := strings.ReplaceAll(string(b), " ", "")
		if bytes.HasPrefix(b, []byte(magic)) || bytes.Contains(b, []byte(magic)) {
			hits = append(hits, rel+" (audio)")
		}
		for _, n := range numbers {
			if strings.Contains(compact, strings.ReplaceAll(n, " ", "")) || strings.Contains(compact, "+44"+strings.ReplaceAll(n, " ", "")[1:]) {
				hits = append(hits, rel+" ("+n+")")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

// Linked audio and sidecars are refused and reported, never followed: the
// file outside the folder is neither imported nor deleted.
func TestImportRefusesSymlinks(t *testing.T) {
	db := dbtest.Open(t, store.SQLite)
	e := newEnv(t, db, Options{})
	ctx := context.Background()
	dir, outside := t.TempDir(), t.TempDir()
	started := e.clock.Now().Add(-2 * time.Hour).Format(time.RFC3339)
	sidecar := `{"external_call_id":"L","direction":"inbound","service_area":"trading-standards","agent_id":"a1","started_at":"` + started + `","duration_seconds":8}`
	os.WriteFile(filepath.Join(outside, "secret.wav"), e.audio, 0o600)
	os.WriteFile(filepath.Join(outside, "secret.json"), []byte(sidecar), 0o600)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink(filepath.Join(outside, "secret.wav"), filepath.Join(dir, "link.wav")))
	must(os.WriteFile(filepath.Join(dir, "link.json"), []byte(sidecar), 0o600))
	must(os.WriteFile(filepath.Join(dir, "real.wav"), e.audio, 0o600))
	must(os.Symlink(filepath.Join(outside, "secret.json"), filepath.Join(dir, "real.json")))

	res, err := e.svc.Import(ctx, "cli", dir, nil)
	if err != nil || res != (ImportResult{Failed: 2}) {
		t.Fatalf("import: %+v %v", res, err)
	}
	for _, name := range []string{"link.wav", "real.wav"} {
		if r := readFile(t, filepath.Join(dir, "failed", name+".reason.txt")); !strings.Contains(r, "symbolic link") {
			t.Errorf("reason for %s: %q", name, r)
		}
	}
	if fi, err := os.Lstat(filepath.Join(dir, "failed", "link.wav")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link itself should be in failed/: %v", err)
	}
	if rows := e.rowCount(t); rows != 0 {
		t.Errorf("%d recordings stored through links", rows)
	}
	// The sweep deletes the links, not what they point to.
	// (The links keep their own times, which are real ones.)
	e.clock.Set(time.Now().Add(8 * 24 * time.Hour))
	if sr, err := e.svc.Sweep(ctx); err != nil || sr.DropFolderFiles != 6 {
		t.Errorf("sweep: %+v %v", sr, err)
	}
	for _, f := range []string{"secret.wav", "secret.json"} {
		if _, err := os.Stat(filepath.Join(outside, f)); err != nil {
			t.Errorf("the linked-to %s: %v", f, err)
		}
	}

	// A linked failed/ or calls.csv stops the import before anything moves.
	for _, c := range []struct{ link, target, want string }{
		{"failed", outside, "not a folder of its own"},
		{CDRFile, filepath.Join(outside, "secret.json"), "symbolic link"},
	} {
		d := t.TempDir()
		must(os.WriteFile(filepath.Join(d, "a.wav"), e.audio, 0o600))
		must(os.Symlink(c.target, filepath.Join(d, c.link)))
		if _, err := e.svc.Import(ctx, "cli", d, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("linked %s: %v", c.link, err)
		}
		if _, err := os.Stat(filepath.Join(d, "a.wav")); err != nil {
			t.Errorf("linked %s: a.wav moved: %v", c.link, err)
		}
	}
}

// calls.csv loses the rows of files that were stored; a failed row moves to
// failed/ with its file; a row whose file has not arrived stays.
func TestImportRewritesCDR(t *testing.T) {
	db := dbtest.Open(t, store.SQLite)
	e := newEnv(t, db, Options{})
	dir := t.TempDir()
	started := e.clock.Now().Add(-2 * time.Hour).Format(time.RFC3339)
	header := "file,external_call_id,direction,service_area,agent_id,other_party_number,started_at,duration_seconds\n"
	okRow := "ok.wav,OK,inbound,trading-standards,a1,07700 900111," + started + ",8\n"
	badRow := "bad.wav,BAD,inbound,parking,a1,07700 900222," + started + ",8\n"
	laterRow := `later.wav,LATER,inbound,trading-standards,"a,1",07700 900333,` + started + ",8\n"
	// ok.wav is listed twice (a platform's retry): both rows go.
	os.WriteFile(filepath.Join(dir, CDRFile), []byte(header+strings.Replace(okRow, "900111", "900112", 1)+okRow+badRow+laterRow), 0o600)
	os.WriteFile(filepath.Join(dir, "ok.wav"), e.audio, 0o600)
	os.WriteFile(filepath.Join(dir, "bad.wav"), e.audio, 0o600)
	res, err := e.svc.Import(context.Background(), "cli", dir, nil)
	if err != nil || res != (ImportResult{Stored: 1, Failed: 1}) {
		t.Fatalf("import: %+v %v", res, err)
	}
	if got := readFile(t, filepath.Join(dir, CDRFile)); got != header+laterRow {
		t.Errorf("calls.csv after the import:\n%s", got)
	}
	for _, l := range grepTree(t, dir, "RIFF", []string{"07700 900111", "07700 900112"}) {
		if l != "failed/bad.wav (audio)" {
			t.Errorf("the stored file's audio or rows are left: %s", l)
		}
	}
	if got := readFile(t, filepath.Join(dir, "failed", "bad.wav.csv")); got != header+badRow {
		t.Errorf("failed/bad.wav.csv:\n%s", got)
	}
	if r := readFile(t, filepath.Join(dir, "failed", "bad.wav.reason.txt")); strings.Contains(r, "parking") || !strings.Contains(r, "service_area") {
		t.Errorf("reason: %q", r)
	}
}

// A reason in failed/ names what is wrong without repeating any value of
// the metadata, whatever the value.
func TestFailedReasonsRepeatNoValues(t *testing.T) {
	db := dbtest.Open(t, store.SQLite)
	e := newEnv(t, db, Options{})
	started := e.clock.Now().Add(-2 * time.Hour).Format(time.RFC3339)
	value := "07700 900789 Jane Smith"
	base := map[string]any{"external_call_id": "R", "direction": "inbound", "service_area": "trading-standards", "agent_id": "a1",
		"started_at": started, "duration_seconds": 8}
	cases := []struct {
		name  string
		field string
		val   any
		want  string
	}{
		{"started_at text", "started_at", value, "started_at must be a time"},
		{"started_at number", "started_at", 7700900789, "started_at must be a time"},
		{"duration as text", "duration_seconds", value, "duration_seconds must be a number"},
		{"direction", "direction", value, "direction"},
		{"service area", "service_area", value, "service_area"},
		{"number", "other_party_number", value, "other_party_number"},
		{"agent", "agent_id", strings.Repeat(value, 5), "agent_id"},
		{"call id", "external_call_id", value, "external_call_id"},
		{"unknown field", value, value, "not part of the metadata"},
		{"channels as text", "channels", value, "channels must be a number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			m := map[string]any{}
			for k, v := range base {
				m[k] = v
			}
			m[c.field] = c.val
			b, _ := json.Marshal(m)
			os.WriteFile(filepath.Join(dir, "r.json"), b, 0o600)
			os.WriteFile(filepath.Join(dir, "r.wav"), e.audio, 0o600)
			if res, err := e.svc.Import(context.Background(), "cli", dir, nil); err != nil || res.Failed != 1 {
				t.Fatalf("import: %+v %v", res, err)
			}
			r := readFile(t, filepath.Join(dir, "failed", "r.wav.reason.txt"))
			if !strings.Contains(r, c.want) {
				t.Errorf("reason %q lacks %q", r, c.want)
			}
			for _, part := range []string{"07700", "900789", "7700900789", "Jane", "Smith"} {
				if strings.Contains(r, part) {
					t.Errorf("reason repeats %q: %q", part, r)
				}
			}
		})
	}
	// A syntax error quotes nothing either.
	if _, err := parseSidecar("r.json", []byte(`{"other_party_number": 07700 900789}`)); err == nil || strings.Contains(err.Error(), "900789") {
		t.Errorf("syntax error: %v", err)
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
