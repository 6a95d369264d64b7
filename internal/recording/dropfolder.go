package recording

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A drop folder is how many telephony platforms hand over recordings: each
// audio file sits beside a sidecar JSON file of the same name
// (call-1.wav + call-1.json, holding Metadata without sha256), or the
// folder holds a call-detail CSV (calls.csv) with one row per file. Import
// moves every processed file (and its sidecar) to done/, or to failed/
// with a .reason.txt saying why. Running it again resumes: finished files
// are gone from the folder, and a file whose ingest committed just before
// a crash is recognised by its idempotency key and moved on.

// AudioExtensions are the file types Import picks up.
var AudioExtensions = []string{".wav", ".mp3", ".ogg", ".opus"}

// CDRFile is the optional call-detail CSV in the drop folder.
const CDRFile = "calls.csv"

// cdrColumns are calls.csv's required header names.
var cdrColumns = []string{"file", "external_call_id", "direction", "service_area", "agent_id", "other_party_number", "started_at", "duration_seconds"}

// ImportResult counts an import run.
type ImportResult struct {
	Stored, AlreadyStored, Failed, Waiting int
}

// ImportProgress is told about each file as it is finished.
type ImportProgress func(done, total int)

// Import ingests every audio file in dir. Files without metadata are left
// where they are (Waiting): the platform may still be writing them.
func (s *Service) Import(ctx context.Context, actor, dir string, progress ImportProgress) (ImportResult, error) {
	var res ImportResult
	for _, sub := range []string{"done", "failed"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return res, fmt.Errorf("drop folder: %w", err)
		}
	}
	cdr, err := readCDR(filepath.Join(dir, CDRFile))
	if err != nil {
		return res, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return res, fmt.Errorf("drop folder: %w", err)
	}
	var files []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.Type().IsRegular() && contains(AudioExtensions, ext) {
			files = append(files, e.Name())
		}
	}
	sort.Strings(files)
	for i, name := range files {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		meta, sidecar, ok, err := metadataFor(dir, name, cdr)
		switch {
		case err != nil:
			res.Failed++
			if merr := moveFailed(dir, name, sidecar, err); merr != nil {
				return res, merr
			}
		case !ok:
			res.Waiting++
		default:
			created, err := s.importFile(ctx, actor, dir, name, meta)
			if err != nil {
				var ie *InvalidError
				if !errors.As(err, &ie) && !errors.Is(err, ErrDigestMismatch) && !errors.Is(err, ErrIdempotencyConflict) && !errors.Is(err, ErrTooLarge) {
					return res, fmt.Errorf("%s: %w", name, err) // a fault of ours or of storage: stop, retry later
				}
				res.Failed++
				if merr := moveFailed(dir, name, sidecar, err); merr != nil {
					return res, merr
				}
				break
			}
			if created {
				res.Stored++
			} else {
				res.AlreadyStored++
			}
			for _, f := range []string{name, sidecar} {
				if f == "" {
					continue
				}
				if err := os.Rename(filepath.Join(dir, f), filepath.Join(dir, "done", f)); err != nil {
					return res, fmt.Errorf("move %s to done: %w", f, err)
				}
			}
		}
		if progress != nil {
			progress(i+1, len(files))
		}
	}
	return res, nil
}

func (s *Service) importFile(ctx context.Context, actor, dir, name string, meta Metadata) (bool, error) {
	path := filepath.Join(dir, name)
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if meta.SHA256 != "" && !strings.EqualFold(meta.SHA256, sum) {
		return false, ErrDigestMismatch
	}
	meta.SHA256 = sum
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return false, err
	}
	// The same file and call always give the same key: a re-run after a
	// crash finds the committed recording instead of storing it twice.
	got, err := s.Ingest(ctx, actor, "import:"+meta.ExternalID+":"+sum[:32], meta, f)
	return got.Created, err
}

func metadataFor(dir, name string, cdr map[string]Metadata) (Metadata, string, bool, error) {
	sidecar := strings.TrimSuffix(name, filepath.Ext(name)) + ".json"
	data, err := os.ReadFile(filepath.Join(dir, sidecar))
	if err == nil {
		var m Metadata
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			return Metadata{}, sidecar, false, fmt.Errorf("sidecar %s is not valid metadata JSON: %v", sidecar, err)
		}
		return m, sidecar, true, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return Metadata{}, "", false, err
	}
	m, ok := cdr[name]
	return m, "", ok, nil
}

func readCDR(path string) (map[string]Metadata, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read the header row: %v", CDRFile, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.ToLower(h))] = i
	}
	for _, c := range cdrColumns {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("%s: header lacks the %q column (needs %s)", CDRFile, c, strings.Join(cdrColumns, ", "))
		}
	}
	out := map[string]Metadata{}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %v", CDRFile, line, err)
		}
		get := func(c string) string { return strings.TrimSpace(rec[col[c]]) }
		started, err := time.Parse(time.RFC3339, get("started_at"))
		if err != nil {
			return nil, fmt.Errorf("%s line %d: started_at must be RFC 3339, like 2026-11-23T09:30:00Z", CDRFile, line)
		}
		dur, err := strconv.ParseFloat(get("duration_seconds"), 64)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: duration_seconds must be a number", CDRFile, line)
		}
		out[get("file")] = Metadata{ExternalID: get("external_call_id"), Direction: get("direction"), ServiceArea: get("service_area"),
			AgentID: get("agent_id"), OtherParty: get("other_party_number"), StartedAt: started, DurationSeconds: dur}
	}
}

// moveFailed moves a file and its sidecar to failed/ and writes why. The
// reason names the problem, never the metadata's values.
func moveFailed(dir, name, sidecar string, why error) error {
	for _, f := range []string{name, sidecar} {
		if f == "" {
			continue
		}
		if err := os.Rename(filepath.Join(dir, f), filepath.Join(dir, "failed", f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("move %s to failed: %w", f, err)
		}
	}
	return os.WriteFile(filepath.Join(dir, "failed", name+".reason.txt"), []byte(why.Error()+"\n"), 0o600)
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
