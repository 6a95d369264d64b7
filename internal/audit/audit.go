// Package audit keeps Fairline's tamper-evident, append-only audit log.
//
// Each entry's hash is an HMAC-SHA256, under a key held in the key file
// (outside the database), of the previous entry's hash and the entry's own
// fields. Editing, deleting or reordering any row breaks the chain at that
// row; deleting the newest rows is caught by the MAC'd head, which cannot be
// rewound without the key. Entries carry pseudonymous ids only, never names,
// numbers or free text about a person: Append refuses values that look like
// personal data.
package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/fairline/fairline/internal/store"
)

// Outcomes.
const (
	Success = "success"
	Failure = "failure"
	Denied  = "denied"
)

// Entry is one audited action. Actor and Object are pseudonymous ids such as
// "user:12", "system" or "recording:7f3a..."; Purpose says why (for example
// "quality_monitoring"); Outcome is Success, Failure or Denied.
//
// Entry is the audit log's type for everyone outside it: what callers append
// and what Entries lists. store.AuditRow is its stored form with the chain's
// hashes, which only this package reads and writes.
type Entry struct {
	Seq     int64
	At      time.Time
	Actor   string
	Action  string
	Object  string
	Purpose string
	Outcome string
}

// Log appends to and verifies the chain.
type Log struct {
	db  *store.DB
	key []byte
	now func() time.Time
}

// New returns a Log over db using key (keys.PurposeAudit).
func New(db *store.DB, key []byte) *Log {
	return &Log{db: db, key: key, now: time.Now}
}

// SetClock replaces the clock (tests).
func (l *Log) SetClock(now func() time.Time) { l.now = now }

// Allowed shapes of each field: short tokens, no spaces, no '@', no long
// digit runs. This keeps e-mail addresses, phone numbers and free text out
// by construction rather than by reviewers' vigilance.
var (
	tokenRe = regexp.MustCompile(`^[a-z][a-z0-9_.\-]{0,63}$`)
	idRe    = regexp.MustCompile(`^[a-z][a-z0-9_\-]{0,31}(:[A-Za-z0-9_\-]{1,64})?$`)
)

func validate(e Entry) error {
	if !tokenRe.MatchString(e.Action) {
		return fmt.Errorf("audit: action %q must be a lower-case dotted token", e.Action)
	}
	for _, f := range []struct{ name, v string }{{"actor", e.Actor}, {"object", e.Object}} {
		if f.v == "" && f.name == "object" {
			continue
		}
		if !idRe.MatchString(f.v) {
			return fmt.Errorf("audit: %s must be a pseudonymous id like \"user:12\"", f.name)
		}
		// Phone, account and card numbers are 7 to 19 digits. Row ids are
		// shorter and random ids (32 hex digits) longer, even when a random
		// id happens to contain no letters.
		if _, after, ok := cut(f.v); ok && isDigits(after) && len(after) >= 7 && len(after) <= 19 {
			return fmt.Errorf("audit: %s id looks like a phone or account number", f.name)
		}
	}
	if e.Purpose != "" && !tokenRe.MatchString(e.Purpose) {
		return errors.New("audit: purpose must be a lower-case token")
	}
	switch e.Outcome {
	case Success, Failure, Denied:
	default:
		return fmt.Errorf("audit: outcome %q must be success, failure or denied", e.Outcome)
	}
	return nil
}

func cut(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Append adds e inside the caller's transaction, so the audit entry commits
// or rolls back with the action it records.
func (l *Log) Append(ctx context.Context, q *store.Q, e Entry) (Entry, error) {
	if err := validate(e); err != nil {
		return Entry{}, err
	}
	head, err := q.AuditHeadForUpdate(ctx)
	if err != nil {
		return Entry{}, fmt.Errorf("audit: read head: %w", err)
	}
	e.Seq = head.Seq + 1
	e.At = l.now().UTC().Truncate(time.Microsecond)
	row := store.AuditRow{Seq: e.Seq, At: e.At, Actor: e.Actor, Action: e.Action, Object: e.Object,
		Purpose: e.Purpose, Outcome: e.Outcome, PrevHash: head.Hash}
	row.Hash = l.entryHash(row)
	newHead := store.AuditHead{Seq: row.Seq, Hash: row.Hash}
	newHead.MAC = l.headMAC(newHead)
	if err := q.AppendAudit(ctx, row, newHead); err != nil {
		return Entry{}, err
	}
	return e, nil
}

// AppendMany appends entries in order inside the caller's transaction with
// one head read and one head write: for bulk actions (a retention sweep
// audits every recording it destroys). Each entry is chained exactly as
// Append would chain it.
func (l *Log) AppendMany(ctx context.Context, q *store.Q, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	for _, e := range entries {
		if err := validate(e); err != nil {
			return err
		}
	}
	head, err := q.AuditHeadForUpdate(ctx)
	if err != nil {
		return fmt.Errorf("audit: read head: %w", err)
	}
	at := l.now().UTC().Truncate(time.Microsecond)
	rows := make([]store.AuditRow, len(entries))
	prev, seq := head.Hash, head.Seq
	for i, e := range entries {
		seq++
		r := store.AuditRow{Seq: seq, At: at, Actor: e.Actor, Action: e.Action, Object: e.Object, Purpose: e.Purpose,
			Outcome: e.Outcome, PrevHash: prev}
		r.Hash = l.entryHash(r)
		rows[i], prev = r, r.Hash
	}
	newHead := store.AuditHead{Seq: seq, Hash: prev}
	newHead.MAC = l.headMAC(newHead)
	return q.AppendAuditRows(ctx, rows, newHead)
}

// Record appends e in a transaction of its own, for events with no other
// write (sign-in failure, verification runs).
func (l *Log) Record(ctx context.Context, e Entry) error {
	return l.db.Tx(ctx, func(q *store.Q) error {
		_, err := l.Append(ctx, q, e)
		return err
	})
}

func (l *Log) entryHash(r store.AuditRow) string {
	m := hmac.New(sha256.New, l.key)
	var n [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		m.Write(n[:])
		m.Write([]byte(s))
	}
	field("fairline-audit-v1")
	field(strconv.FormatInt(r.Seq, 10))
	field(strconv.FormatInt(r.At.UnixMicro(), 10))
	field(r.Actor)
	field(r.Action)
	field(r.Object)
	field(r.Purpose)
	field(r.Outcome)
	field(r.PrevHash)
	return hex.EncodeToString(m.Sum(nil))
}

func (l *Log) headMAC(h store.AuditHead) string {
	m := hmac.New(sha256.New, l.key)
	fmt.Fprintf(m, "fairline-audit-head-v1\x00%d\x00%s", h.Seq, h.Hash)
	return hex.EncodeToString(m.Sum(nil))
}

// Problem describes the first point where the chain does not hold.
type Problem struct {
	Seq    int64 // the entry (or expected entry) at fault
	Reason string
}

func (p *Problem) Error() string {
	return fmt.Sprintf("audit log broken at entry %d: %s", p.Seq, p.Reason)
}

// Report is the outcome of Verify.
type Report struct {
	Entries int64
	HeadSeq int64
	Problem *Problem // nil when the log is intact
}

var errStop = errors.New("stop")

// Verify walks the whole log and reports the first entry that was altered,
// removed or reordered, or a head that does not match the last entry.
func (l *Log) Verify(ctx context.Context) (Report, error) {
	q := l.db.Q()
	var rep Report
	prevHash := ""
	expect := int64(1)
	err := q.EachAudit(ctx, func(r store.AuditRow) error {
		switch {
		case r.Seq < expect:
			rep.Problem = &Problem{Seq: r.Seq, Reason: "entry out of order or duplicated"}
		case r.Seq > expect:
			rep.Problem = &Problem{Seq: expect, Reason: fmt.Sprintf("entry missing (next present is %d)", r.Seq)}
		case r.PrevHash != prevHash:
			rep.Problem = &Problem{Seq: r.Seq, Reason: "link to previous entry does not match (previous entry removed, replaced or reordered)"}
		case !hmac.Equal([]byte(l.entryHash(r)), []byte(r.Hash)):
			rep.Problem = &Problem{Seq: r.Seq, Reason: "entry content does not match its hash (altered)"}
		}
		if rep.Problem != nil {
			return errStop
		}
		rep.Entries++
		prevHash = r.Hash
		expect++
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return rep, err
	}
	if rep.Problem != nil {
		return rep, nil
	}
	head, err := q.AuditHead(ctx)
	if err != nil {
		return rep, fmt.Errorf("audit: read head: %w", err)
	}
	rep.HeadSeq = head.Seq
	switch {
	case head.Seq == 0 && rep.Entries == 0:
	case !hmac.Equal([]byte(l.headMAC(head)), []byte(head.MAC)):
		rep.Problem = &Problem{Seq: head.Seq, Reason: "chain head was altered"}
	case head.Seq != rep.Entries || head.Hash != prevHash:
		rep.Problem = &Problem{Seq: rep.Entries + 1, Reason: fmt.Sprintf("log ends at entry %d but the head records %d (newest entries removed)", rep.Entries, head.Seq)}
	}
	return rep, nil
}

// Filter selects entries for the console; callers above the store read the
// log through this package.
type Filter = store.AuditFilter

// Entries lists entries for the console, newest first, without their chain hashes (Verify
// checks those).
func (l *Log) Entries(ctx context.Context, f Filter) ([]Entry, error) {
	rows, err := l.db.Q().AuditEntries(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, len(rows))
	for i, r := range rows {
		out[i] = Entry{Seq: r.Seq, At: r.At, Actor: r.Actor, Action: r.Action, Object: r.Object, Purpose: r.Purpose, Outcome: r.Outcome}
	}
	return out, nil
}
