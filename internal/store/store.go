// Package store is Fairline's only door to the database. One DB type serves
// SQLite (the embedded default) and PostgreSQL (for scale); queries are
// written once with ? placeholders and rebound for PostgreSQL, and driver
// errors are mapped to the package's own errors here, so no caller ever sees
// a driver type.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fairline/fairline/internal/fail"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"golang.org/x/sys/unix"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Errors callers can test for with errors.Is. They are of the fail kinds
// NotFound and Conflict, so a caller that does not handle them answers 404
// or 409 through the one status table, never a driver's message.
var (
	ErrNotFound = fail.New(fail.NotFound, "not found")
	ErrConflict = fail.New(fail.Conflict, "already exists")
)

// Dialect names the SQL flavour behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

//go:embed migrations
var migrationFS embed.FS

// DB is an open database.
type DB struct {
	sql     *sql.DB
	dialect Dialect
	// SQLite only: the background WAL checkpointer.
	stop, stopped chan struct{}
	closeOnce     sync.Once
	// scrubMu guards scrubPending: a Scrub whose TRUNCATE checkpoint could
	// not finish, which checkpointLoop retries.
	scrubMu      sync.Mutex
	scrubPending bool
}

// checkpointLoop folds the SQLite write-ahead log back into the database
// every second, off the request path. PASSIVE never waits for readers or
// writers; the WAL simply grows a little longer when it cannot finish. A
// Scrub that could not finish is retried here instead.
func (db *DB) checkpointLoop() {
	defer close(db.stopped)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-db.stop:
			db.sql.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
			return
		case <-t.C:
			db.scrubMu.Lock()
			if db.scrubPending {
				if ok, _ := db.truncateWAL(context.Background()); ok {
					db.scrubPending = false
				}
			} else {
				db.sql.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
			}
			db.scrubMu.Unlock()
		}
	}
}

// truncateWAL copies every page of the write-ahead log into the database and
// truncates the log to nothing; ok is false when readers or a writer kept it
// from finishing (after busy_timeout).
func (db *DB) truncateWAL(ctx context.Context) (ok bool, err error) {
	var busy, logPages, done int
	if err := db.sql.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logPages, &done); err != nil {
		return false, fmt.Errorf("store: checkpoint: %w", err)
	}
	return busy == 0, nil
}

// Scrub makes rows deleted so far unrecoverable from the database's own
// files. On SQLite, secure_delete (set on every connection by Open) zeroes
// deleted content in the database pages, but the write-ahead log still holds
// earlier versions of those pages until it is checkpointed and truncated:
// Scrub does that now, or, when readers keep it from finishing, the
// checkpoint loop retries every second until it does. Retention sweeps call
// it after deleting. On PostgreSQL it does nothing: deleted rows stay in the
// table's pages until VACUUM reclaims them (docs/operations.md).
func (db *DB) Scrub(ctx context.Context) error {
	if db.dialect != SQLite || db.stop == nil {
		return nil
	}
	db.scrubMu.Lock()
	defer db.scrubMu.Unlock()
	db.scrubPending = true
	ok, err := db.truncateWAL(ctx)
	if ok {
		db.scrubPending = false
	}
	return err
}

// Open opens dsn: a postgres:// or postgresql:// URL selects PostgreSQL;
// anything else is a SQLite file path (optionally prefixed "sqlite:").
// It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		db.SetMaxOpenConns(16)
		db.SetConnMaxIdleTime(5 * time.Minute)
		d := &DB{sql: db, dialect: Postgres}
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("store: connect to postgres: %w", redactDSN(err, dsn))
		}
		return d, nil
	}
	path := strings.TrimPrefix(dsn, "sqlite:")
	if path == "" {
		return nil, errors.New("store: empty database path")
	}
	if path != ":memory:" {
		if err := prepareSQLiteFile(path); err != nil {
			return nil, err
		}
	}
	// WAL lets readers run beside the single writer; _txlock=immediate takes
	// the write lock at BEGIN so read-then-write transactions (the audit
	// chain) queue on busy_timeout instead of failing with SQLITE_BUSY.
	// _pragma values run on every new connection of the pool.
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Expired chat turns, destroyed wrapped keys and sealed numbers must not
	// linger in free pages of the file: secure_delete overwrites deleted
	// content with zeros (the write-ahead log is cleared by Scrub).
	q.Add("_pragma", "secure_delete(1)")
	// Checkpoints run on a timer (checkpointLoop), not inside whichever
	// commit happens to cross the threshold, so no request pays for one.
	q.Add("_pragma", "wal_autocheckpoint(0)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	if path == ":memory:" {
		db.SetMaxOpenConns(1) // each connection would get its own empty database
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	d := &DB{sql: db, dialect: SQLite, stop: make(chan struct{}), stopped: make(chan struct{})}
	if path == ":memory:" {
		close(d.stopped)
		return d, nil
	}
	go d.checkpointLoop()
	return d, nil
}

// prepareSQLiteFile creates a missing database file 0600 (residents' data
// lives there: readable by the service account only; SQLite gives the -wal
// and -shm files the database file's mode) and refuses, before SQLite touches
// anything, a database this process cannot write. It never changes the mode
// of an existing file: SQLite would otherwise open a read-only file read-only,
// create -wal and -shm files with its read-only mode, and every later start
// would fail on them even after the database itself was made writable again.
func prepareSQLiteFile(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("store: create database folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		if err := f.Close(); err != nil {
			return fmt.Errorf("store: create %s: %w", path, err)
		}
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("store: create %s: %w", path, err)
	}
	if err := unix.Access(path, unix.W_OK); err != nil {
		return fmt.Errorf("store: the database file %s is not writable by this process (%w): give the service account write access to it", path, err)
	}
	// SQLite keeps its write-ahead log and shared-memory index beside the
	// database, creating them when they are missing and removing the log on
	// a clean close.
	for _, side := range []string{path + "-wal", path + "-shm"} {
		err := unix.Access(side, unix.W_OK)
		switch {
		case errors.Is(err, unix.ENOENT):
			if err := unix.Access(dir, unix.W_OK|unix.X_OK); err != nil {
				return fmt.Errorf("store: the database folder %s is not writable by this process (%w): SQLite creates %s there", dir, err, filepath.Base(side))
			}
		case err != nil:
			return fmt.Errorf("store: %s is not writable by this process (%w): give the service account write access to it", side, err)
		}
	}
	return nil
}

// redactDSN keeps a password in the DSN out of error messages and logs.
func redactDSN(err error, dsn string) error {
	u, perr := url.Parse(dsn)
	if perr != nil || u.User == nil {
		return err
	}
	if p, ok := u.User.Password(); ok && p != "" {
		return errors.New(strings.ReplaceAll(err.Error(), p, "xxxxx"))
	}
	return err
}

// Dialect reports which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// Close closes the pool.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		if db.stop != nil {
			close(db.stop)
			<-db.stopped
		}
	})
	return db.sql.Close()
}

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// CheckWrite proves the database still takes writes by rewriting the
// readiness heartbeat row and committing. A committed write, not one rolled
// back, is what reaches the disk on SQLite, so a file system that has gone
// read-only or full fails here as it would for a chat turn or an upload;
// PostgreSQL refuses it in a read-only database or transaction. /readyz
// calls it at most about once a second.
func (db *DB) CheckWrite(ctx context.Context) error {
	res, err := db.sql.ExecContext(ctx, db.Q().rebind(`UPDATE readiness_heartbeat SET checked_at = ? WHERE id = 1`),
		toMicros(time.Now()))
	if err != nil {
		return fmt.Errorf("store: write check: %w", mapErr(err))
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("store: write check: the heartbeat row is missing (%d rows, %v)", n, err)
	}
	return nil
}

// Q returns queries that run outside a transaction.
func (db *DB) Q() *Q { return &Q{ex: db.sql, dialect: db.dialect} }

// Tx runs fn in a transaction, committing when fn returns nil.
func (db *DB) Tx(ctx context.Context, fn func(q *Q) error) (err error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", mapErr(err))
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
		}
	}()
	if err := fn(&Q{ex: tx, dialect: db.dialect, inTx: true}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", mapErr(err))
	}
	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Q runs queries on the pool or inside one transaction.
type Q struct {
	ex      execer
	dialect Dialect
	inTx    bool
}

func (q *Q) rebind(query string) string {
	if q.dialect != Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// insertMany inserts n rows of cols values each, per rows to a statement: insert is the
// statement up to VALUES, and rowArgs appends row i's values to dst. On SQLite the statements,
// not the rows, are what a write costs.
func (q *Q) insertMany(ctx context.Context, insert string, cols, n, per int, rowArgs func(dst []any, i int) []any) error {
	row := "(" + strings.Repeat("?, ", cols-1) + "?)"
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		var sb strings.Builder
		sb.WriteString(insert)
		args := make([]any, 0, (end-start)*cols)
		for i := start; i < end; i++ {
			if i > start {
				sb.WriteString(", ")
			}
			sb.WriteString(row)
			args = rowArgs(args, i)
		}
		if _, err := q.exec(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

func (q *Q) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := q.ex.ExecContext(ctx, q.rebind(query), args...)
	return res, mapErr(err)
}

func (q *Q) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := q.ex.QueryContext(ctx, q.rebind(query), args...)
	return rows, mapErr(err)
}

// queryRow runs a query for one row; its Scan maps errors like exec and
// query do (no row is ErrNotFound, a unique violation ErrConflict).
func (q *Q) queryRow(ctx context.Context, query string, args ...any) row {
	return row{q.ex.QueryRowContext(ctx, q.rebind(query), args...)}
}

// row is a *sql.Row whose Scan returns this package's errors.
type row struct{ r *sql.Row }

func (r row) Scan(dest ...any) error { return mapErr(r.r.Scan(dest...)) }

// forUpdate locks selected rows to the end of the transaction on PostgreSQL;
// SQLite already holds the database write lock from BEGIN IMMEDIATE.
func (q *Q) forUpdate() string {
	if q.dialect == Postgres && q.inTx {
		return " FOR UPDATE"
	}
	return ""
}

// mapErr turns driver errors into this package's errors, once, here: exec,
// query, queryRow's Scan and collect call it, so methods need not.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" {
		return fmt.Errorf("%w: %s", ErrConflict, pg.ConstraintName)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %s", ErrConflict, se.Error())
		}
	}
	return err
}

// collect scans every row with scan and closes rows: the one loop behind
// the list queries.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, mapErr(rows.Err())
}

// Time is stored as Unix microseconds in both dialects: one comparable,
// index-friendly representation with no driver-specific time parsing.
func toMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

type migration struct {
	version int
	name    string
	sql     string
}

func (db *DB) migrations() ([]migration, error) {
	dir := "migrations/" + string(db.dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("store: migration %s: name must start with a number and _", name)
		}
		body, err := fs.ReadFile(migrationFS, dir+"/"+name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := range ms {
		if ms[i].version != i+1 {
			return nil, fmt.Errorf("store: migrations for %s are not numbered 1..n (found %s)", db.dialect, ms[i].name)
		}
	}
	return ms, nil
}

// Migrate applies every embedded migration not yet applied, each in its own
// transaction together with its row in schema_migrations, so a crash leaves
// the schema at a whole version. Several instances may call it at once: on
// PostgreSQL an advisory lock serialises them; SQLite's write lock does the
// same.
func (db *DB) Migrate(ctx context.Context) (applied []string, err error) {
	ms, err := db.migrations()
	if err != nil {
		return nil, err
	}
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at BIGINT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("store: create schema_migrations: %w", err)
	}
	for _, m := range ms {
		err := db.Tx(ctx, func(q *Q) error {
			if db.dialect == Postgres {
				if _, err := q.exec(ctx, `SELECT pg_advisory_xact_lock(7262534)`); err != nil {
					return err
				}
			}
			var n int
			if err := q.queryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := q.ex.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("store: migration %s: %w", m.name, err)
			}
			if _, err := q.exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, toMicros(time.Now())); err != nil {
				return err
			}
			applied = append(applied, m.name)
			return nil
		})
		if err != nil {
			return applied, err
		}
	}
	return applied, nil
}

// SchemaVersion reports the highest applied migration and the highest this
// binary knows, so start-up can refuse a database from a newer release.
func (db *DB) SchemaVersion(ctx context.Context) (current, known int, err error) {
	ms, err := db.migrations()
	if err != nil {
		return 0, 0, err
	}
	err = db.sql.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current)
	return current, len(ms), mapErr(err)
}
