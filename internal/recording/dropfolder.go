package recording

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/policy"
)

// A drop folder is how many telephony platforms hand over recordings: each
// audio file sits beside a sidecar JSON file of the same name
// (call-1.wav + call-1.json, holding Metadata without sha256), or the
// folder holds a call-detail CSV (calls.csv) with one row per file.
//
// The folder holds plaintext audio and callers' numbers, which neither
// encryption nor retention would otherwise cover, so Import leaves as
// little behind as it can:
//   - a file that is stored (or was stored by an earlier run that crashed)
//     is deleted with its sidecar and its calls.csv row; a receipt
//     (done/NAME.receipt.json: recording id, sha256, time, no number) says
//     where it went;
//   - a file that cannot be stored moves to failed/ with its sidecar, its
//     calls.csv row (failed/NAME.csv) and NAME.reason.txt, which names the
//     problem but never a metadata value; the retention sweep deletes them
//     after the policy's drop_folder.failed_retention (7 days by default);
//   - a file without metadata is left where it is (Waiting): the platform
//     may still be writing it; so is a calls.csv row whose file has not
//     arrived.
//
// Symbolic links are never followed: a linked audio file or sidecar is
// refused and moved (the link itself) to failed/. Every folder Import has
// used is remembered in the database so the sweep can find its failed/.

// AudioExtensions are the file types Import picks up.
var AudioExtensions = []string{".wav", ".mp3", ".ogg", ".opus"}

// CDRFile is the optional call-detail CSV in the drop folder.
const CDRFile = "calls.csv"

// ReceiptSuffix ends the name of a receipt in done/.
const ReceiptSuffix = ".receipt.json"

// cdrColumns are calls.csv's required header names.
var cdrColumns = []string{"file", "external_call_id", "direction", "service_area", "agent_id", "other_party_number", "started_at", "duration_seconds"}

// ImportResult counts an import run.
type ImportResult struct {
	Stored, AlreadyStored, Failed, Waiting int
}

// ImportProgress is told about each file as it is finished.
type ImportProgress func(done, total int)

// errSymlink refuses a linked file: following it could import (and then
// delete) a file outside the drop folder.
var errSymlink = errors.New("is a symbolic link; Fairline does not follow links in a drop folder: put the file itself here")

// Import ingests every audio file in dir. Files without metadata are left
// where they are (Waiting): the platform may still be writing them.
func (s *Service) Import(ctx context.Context, actor, dir string, progress ImportProgress) (res ImportResult, err error) {
	if dir, err = filepath.Abs(dir); err == nil {
		dir, err = filepath.EvalSymlinks(dir)
	}
	if err != nil {
		return res, fmt.Errorf("drop folder: %w", err)
	}
	if err := s.db.Q().RememberDropFolder(ctx, dir, s.now()); err != nil {
		return res, err
	}
	for _, sub := range []string{"done", "failed"} {
		if err := realDir(filepath.Join(dir, sub)); err != nil {
			return res, err
		}
	}
	if err := s.cleanDone(dir); err != nil {
		return res, err
	}
	os.Remove(filepath.Join(dir, cdrTemp)) // left by a run that crashed while rewriting calls.csv
	cdr, err := readCDR(filepath.Join(dir, CDRFile))
	if err != nil {
		return res, err
	}
	// Rows are taken out of calls.csv as their files are dealt with, even
	// when the run stops early, so no row outlives its file.
	defer func() {
		if cerr := cdr.rewrite(); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return res, fmt.Errorf("drop folder: %w", err)
	}
	var files []string
	linked := map[string]bool{}
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if !slices.Contains(AudioExtensions, ext) {
			continue
		}
		if e.Type()&fs.ModeSymlink != 0 {
			linked[e.Name()] = true
		} else if !e.Type().IsRegular() {
			continue
		}
		files = append(files, e.Name())
	}
	sort.Strings(files)
	for i, name := range files {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		meta, sidecar, row, ok, err := metadataFor(dir, name, cdr)
		if linked[name] {
			err = fmt.Errorf("%s %w", name, errSymlink)
		}
		switch {
		case err != nil:
			res.Failed++
			if merr := s.moveFailed(dir, name, sidecar, cdr, row, err); merr != nil {
				return res, merr
			}
		case !ok:
			res.Waiting++
		default:
			got, err := s.importFile(ctx, actor, dir, name, meta)
			if err != nil {
				if !fileFault(err) {
					return res, fmt.Errorf("%s: %w", name, err) // a fault of ours or of storage: stop, retry later
				}
				res.Failed++
				if merr := s.moveFailed(dir, name, sidecar, cdr, row, err); merr != nil {
					return res, merr
				}
				break
			}
			if got.Created {
				res.Stored++
			} else {
				res.AlreadyStored++
			}
			if err := s.finishImported(dir, name, sidecar, cdr, row, got.Recording.ID, got.Recording.SHA256); err != nil {
				return res, err
			}
		}
		if progress != nil {
			progress(i+1, len(files))
		}
	}
	return res, nil
}

// realDir makes sure path is a directory of its own, not a link to one
// elsewhere (the sweep deletes what is in failed/).
func realDir(path string) error {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return fmt.Errorf("drop folder: %w", err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("drop folder: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("drop folder: %s is not a folder of its own (a symbolic link?); Fairline will not write or delete through it", path)
	}
	return nil
}

// cleanDone deletes what earlier versions of Import left in done/: every
// file there but receipts is a plaintext copy of a recording that was
// stored, or its sidecar with the caller's number.
func (s *Service) cleanDone(dir string) error {
	entries, err := os.ReadDir(filepath.Join(dir, "done"))
	if err != nil {
		return fmt.Errorf("drop folder: %w", err)
	}
	n := 0
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ReceiptSuffix) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, "done", e.Name())); err != nil {
			return fmt.Errorf("drop folder: remove an imported file: %w", err)
		}
		n++
	}
	if n > 0 {
		s.log.Info("removed imported files an earlier version left in the drop folder's done/", "files", n)
	}
	return nil
}

func (s *Service) importFile(ctx context.Context, actor, dir, name string, meta Metadata) (Ingested, error) {
	f, err := openNoFollow(filepath.Join(dir, name))
	if err != nil {
		return Ingested{}, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return Ingested{}, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if meta.SHA256 != "" && !strings.EqualFold(meta.SHA256, sum) {
		return Ingested{}, ErrDigestMismatch
	}
	meta.SHA256 = sum
	// Checked here too so that a bad call id is reported as such, not as
	// the idempotency key made from it.
	if err := meta.Validate(s.policy(), s.now()); err != nil {
		return Ingested{}, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Ingested{}, err
	}
	// The same file and call always give the same key: a re-run after a
	// crash finds the committed recording instead of storing it twice.
	return s.Ingest(ctx, actor, "import:"+meta.ExternalID+":"+sum[:32], meta, f)
}

// openNoFollow opens a regular file that is not a symbolic link, and makes
// sure the file opened is the one checked (not swapped for a link between).
func openNoFollow(path string) (*os.File, error) {
	before, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if before.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("%s %w", filepath.Base(path), errSymlink)
	}
	if !before.Mode().IsRegular() {
		return nil, failure{fmt.Sprintf("%s is not a regular file", filepath.Base(path))}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	after, err := f.Stat()
	if err == nil && !os.SameFile(before, after) {
		err = fmt.Errorf("%s %w", filepath.Base(path), errSymlink)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// failure is a problem with one file's metadata: the file goes to failed/
// and the run goes on. Its text never holds a metadata value.
type failure struct{ msg string }

func (f failure) Error() string { return f.msg }

// metadataFor finds name's metadata: its sidecar, else its calls.csv row.
func metadataFor(dir, name string, cdr *cdrFile) (m Metadata, sidecar string, row *cdrRow, ok bool, err error) {
	if r, found := cdr.rows[name]; found {
		row = r
	}
	sidecar = strings.TrimSuffix(name, filepath.Ext(name)) + ".json"
	f, err := openNoFollow(filepath.Join(dir, sidecar))
	if errors.Is(err, os.ErrNotExist) {
		if row == nil {
			return Metadata{}, "", nil, false, nil
		}
		return row.meta, "", row, true, nil
	}
	if err != nil {
		return Metadata{}, sidecar, row, false, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return Metadata{}, sidecar, row, false, err
	}
	m, err = parseSidecar(sidecar, data)
	if err != nil {
		return Metadata{}, sidecar, row, false, err
	}
	return m, sidecar, row, true, nil
}

// parseSidecar decodes a sidecar. Its errors say what is wrong without
// repeating any value from the file (a caller's number or name may be in
// it): encoding/json's own messages quote the offending text.
func parseSidecar(name string, data []byte) (Metadata, error) {
	var m Metadata
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&m)
	if err == nil {
		return m, nil
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var pe *time.ParseError
	msg := "is not valid metadata JSON"
	switch {
	case errors.As(err, &se):
		msg = fmt.Sprintf("is not valid JSON (the problem is at byte %d)", se.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		msg = "is empty or cut short"
	case errors.As(err, &te) && knownField(te.Field):
		msg = fmt.Sprintf("is not valid metadata JSON: %s must be %s", te.Field, jsonKind(te.Type))
	case errors.As(err, &pe), strings.HasPrefix(err.Error(), "Time.UnmarshalJSON"):
		msg = "is not valid metadata JSON: started_at must be a time in RFC 3339, like 2026-11-23T09:30:00Z"
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		msg = "is not valid metadata JSON: it has a field that is not part of the metadata (the fields are " + strings.Join(sidecarFields(), ", ") + ")"
	}
	return Metadata{}, failure{"sidecar " + name + " " + msg}
}

func sidecarFields() []string {
	t := reflect.TypeFor[Metadata]()
	out := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); tag != "sha256" {
			out = append(out, tag)
		}
	}
	return out
}

func knownField(f string) bool { return slices.Contains(sidecarFields(), f) || f == "sha256" }

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	}
	return "a " + t.String()
}

// moveFailed moves a file, its sidecar and its calls.csv row to failed/
// and writes why. The reason names the problem, never the metadata's
// values. The files' times are set to now: the sweep counts the
// failed-retention period from them.
func (s *Service) moveFailed(dir, name, sidecar string, cdr *cdrFile, row *cdrRow, why error) error {
	now := s.now()
	failed := filepath.Join(dir, "failed")
	for _, f := range []string{name, sidecar} {
		if f == "" {
			continue
		}
		dst := filepath.Join(failed, f)
		if err := os.Rename(filepath.Join(dir, f), dst); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return fmt.Errorf("move %s to failed: %w", f, err)
		}
		touch(dst, now)
	}
	if row != nil {
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		w.Write(cdr.header)
		w.WriteAll(row.records)
		if err := writeFile(filepath.Join(failed, name+".csv"), b.Bytes(), now); err != nil {
			return err
		}
		cdr.take(name)
	}
	return writeFile(filepath.Join(failed, name+".reason.txt"), []byte(reason(why)+"\n"), now)
}

// fileFault reports whether err is the file's or its metadata's fault, so
// the file goes to failed/, rather than a fault of ours or of storage.
func fileFault(err error) bool {
	var fe failure
	return fail.Is(err, fail.Invalid) || errors.As(err, &fe) || errors.Is(err, ErrIdempotencyConflict) ||
		errors.Is(err, ErrTooLarge) || errors.Is(err, errSymlink)
}

// reason is why's text for failed/NAME.reason.txt. The errors written out
// hold no metadata values (a metadata field's fail.Error, failure, the
// sentinel errors, a file system error's own part); anything else is
// described only by its kind.
func reason(why error) string {
	var pe *fs.PathError
	switch e, ok := fail.As(why); {
	case ok && e.Kind == fail.Invalid && e.Field != "":
		return "metadata " + e.Msg
	case fileFault(why):
		return why.Error()
	case errors.As(why, &pe):
		return "cannot " + pe.Op + " " + filepath.Base(pe.Path) + ": " + pe.Err.Error()
	}
	return "the file could not be imported"
}

// finishImported deletes a stored file, its sidecar and its calls.csv row,
// leaving a receipt with no personal data in done/.
func (s *Service) finishImported(dir, name, sidecar string, cdr *cdrFile, row *cdrRow, id, sum string) error {
	receipt, _ := json.Marshal(map[string]string{"recording_id": id, "sha256": sum, "imported_at": s.now().UTC().Format(time.RFC3339)})
	if err := writeFile(filepath.Join(dir, "done", name+ReceiptSuffix), append(receipt, '\n'), s.now()); err != nil {
		return err
	}
	for _, f := range []string{name, sidecar} {
		if f == "" {
			continue
		}
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove imported %s: %w", f, err)
		}
	}
	if row != nil {
		cdr.take(name)
	}
	return nil
}

func writeFile(path string, data []byte, mtime time.Time) error {
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return err
	}
	touch(path, mtime)
	return nil
}

// touch sets a regular file's times; failing leaves the time of the move,
// which only makes the sweep a little later. A refused symbolic link keeps
// its own time (os.Chtimes would change the file it points to): it holds no
// data, so the sweep may take it early; its reason stays the full period.
func touch(path string, t time.Time) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() {
		_ = os.Chtimes(path, t, t)
	}
}

// cdrFile is calls.csv as read, with the rows Import has dealt with.
type cdrFile struct {
	path   string
	header []string
	rows   map[string]*cdrRow
	taken  map[string]bool // joined records of rows to drop from the file
}

// cdrRow is a file's row; a file listed more than once has every record
// kept (all leave calls.csv together) and the metadata of the last.
type cdrRow struct {
	records [][]string
	meta    Metadata
}

func (c *cdrFile) take(name string) {
	if r, ok := c.rows[name]; ok {
		for _, rec := range r.records {
			c.taken[strings.Join(rec, "\x00")] = true
		}
		delete(c.rows, name)
	}
}

// readCDR reads calls.csv; a missing file is an empty one. A linked
// calls.csv is refused, like linked audio.
func readCDR(path string) (*cdrFile, error) {
	c := &cdrFile{path: path, rows: map[string]*cdrRow{}, taken: map[string]bool{}}
	f, err := openNoFollow(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("drop folder: %w", err)
	}
	defer f.Close()
	c.header, err = parseCDR(f, func(_ int, file string, rec []string, m Metadata) {
		r := c.rows[file]
		if r == nil {
			r = &cdrRow{}
			c.rows[file] = r
		}
		r.records, r.meta = append(r.records, rec), m
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// parseCDR reads a call-detail CSV, calling row for each record. Errors
// name the line (and encoding/csv's column), never a cell's value.
func parseCDR(r io.Reader, row func(line int, file string, rec []string, m Metadata)) ([]string, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
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
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return header, nil
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
		row(line, get("file"), rec, Metadata{ExternalID: get("external_call_id"), Direction: get("direction"),
			ServiceArea: get("service_area"), AgentID: get("agent_id"), OtherParty: get("other_party_number"), StartedAt: started,
			DurationSeconds: dur})
	}
}

// cdrTemp is where rewrite builds the new calls.csv before renaming it.
const cdrTemp = CDRFile + ".fairline-tmp"

// rewrite takes the rows Import dealt with out of calls.csv. It reads the
// file again (the platform may have added rows since), keeps every row
// not taken and replaces the file in one rename; with no rows left,
// calls.csv is deleted. A platform should add to calls.csv by writing a
// new file and renaming it, never while an import runs.
func (c *cdrFile) rewrite() error {
	if len(c.taken) == 0 {
		return nil
	}
	f, err := openNoFollow(c.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("drop folder: %w", err)
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("drop folder: %w", err)
	}
	cr := csv.NewReader(bytes.NewReader(data))
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%s changed during the import and can no longer be read (%v): take out the rows of imported files by hand", CDRFile, err)
	}
	var keep [][]string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s changed during the import and can no longer be read (%v): take out the rows of imported files by hand", CDRFile, err)
		}
		if !c.taken[strings.Join(rec, "\x00")] {
			keep = append(keep, rec)
		}
	}
	if len(keep) == 0 {
		if err := os.Remove(c.path); err != nil {
			return fmt.Errorf("drop folder: remove %s: %w", CDRFile, err)
		}
		return nil
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(header)
	w.WriteAll(keep)
	tmp := filepath.Join(filepath.Dir(c.path), cdrTemp)
	if err := os.WriteFile(tmp, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("drop folder: rewrite %s: %w", CDRFile, err)
	}
	if err := os.Rename(tmp, c.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("drop folder: rewrite %s: %w", CDRFile, err)
	}
	return nil
}

// SweepDropFolders deletes every file that has waited in the failed/
// folder of a drop folder Import has used for longer than the policy's
// drop_folder.failed_retention, and returns how many it deleted. A folder
// that is not on this machine is passed over: another instance may hold
// it (run `fairline sweep` there, or mount it at the same path).
func (s *Service) SweepDropFolders(ctx context.Context) (int, error) {
	n := 0
	err := s.eachOverdueDropFile(ctx, func(path string) error {
		err := os.Remove(path)
		switch {
		case err == nil:
			n++
		case !errors.Is(err, os.ErrNotExist):
			return fmt.Errorf("drop folder: %w", err)
		}
		return nil
	})
	s.dropFiles.Add(float64(n))
	return n, err
}

// OverdueDropFiles counts the files in drop folders' failed/ folders that
// are older than the policy's drop_folder.failed_retention: what the sweep
// should already have deleted (folders not on this machine are passed
// over, as by the sweep).
func (s *Service) OverdueDropFiles(ctx context.Context) (int, error) {
	n := 0
	err := s.eachOverdueDropFile(ctx, func(string) error { n++; return nil })
	return n, err
}

// eachOverdueDropFile calls fn with the path of every file in a known drop
// folder's failed/ that has waited longer than the policy allows.
// Problems with one folder or file do not stop the
// others; they are returned together.
func (s *Service) eachOverdueDropFile(ctx context.Context, fn func(path string) error) error {
	ret := policy.DefaultFailedImportRetention
	if sys, ok := s.policy().System(System); ok {
		ret = sys.FailedImportRetention()
	}
	dirs, err := s.db.Q().DropFolders(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	var errs []error
	for _, dir := range dirs {
		if err := ctx.Err(); err != nil {
			return err
		}
		failed := filepath.Join(dir, "failed")
		fi, err := os.Lstat(failed)
		switch {
		case errors.Is(err, os.ErrNotExist):
			continue
		case err != nil:
			errs = append(errs, fmt.Errorf("drop folder: %w", err))
			continue
		case !fi.IsDir():
			errs = append(errs, fmt.Errorf("drop folder: %s is not a folder of its own (a symbolic link?); nothing in it was deleted", failed))
			continue
		}
		entries, err := os.ReadDir(failed)
		if err != nil {
			errs = append(errs, fmt.Errorf("drop folder: %w", err))
			continue
		}
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			info, err := e.Info() // the entry itself: a link is not followed
			switch {
			case errors.Is(err, os.ErrNotExist):
				continue // gone meanwhile
			case err != nil:
				errs = append(errs, fmt.Errorf("drop folder: %w", err))
				continue
			case ret.ExpiresAt(info.ModTime()).After(now):
				continue
			}
			if err := fn(filepath.Join(failed, e.Name())); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
