package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Reading the database's own shape and size: which tables exist, how many
// rows each holds, when the write check last ran. These are for operators'
// checks (a future `fairline check`), the benchmarks' empty-database
// guards and tests; the server's request paths never need them.

// Tables lists the tables of the database: those of the migrations and
// schema_migrations, sorted by name.
func (q *Q) Tables(ctx context.Context) ([]string, error) {
	query := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	if q.dialect == Postgres {
		query = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := q.query(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("store: list tables: %w", err)
	}
	names, err := collect(rows, func(s scanner) (string, error) {
		var n string
		return n, s.Scan(&n)
	})
	if err != nil {
		return nil, fmt.Errorf("store: list tables: %w", err)
	}
	slices.Sort(names)
	return names, nil
}

// table checks that name is one of Tables before it is written into a
// statement: table names cannot be bound as parameters.
func (q *Q) table(ctx context.Context, name string) error {
	tables, err := q.Tables(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(tables, name) {
		return fmt.Errorf("store: no table %q", name)
	}
	return nil
}

// Count counts the rows of one table, which must be one of Tables.
func (q *Q) Count(ctx context.Context, table string) (int, error) {
	if err := q.table(ctx, table); err != nil {
		return 0, err
	}
	var n int
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count %s: %w", table, mapErr(err))
	}
	return n, nil
}

// DeleteAllRows empties the named tables, in the order given (children
// before the parents they reference), in one transaction, and audits
// nothing. The server never calls it. `fairline bench chat --postgres` and
// `fairline bench sweep --postgres` use it to leave the database they were
// lent as empty as they found it (they refuse one that is not), and tests to
// reset a table between steps.
func (db *DB) DeleteAllRows(ctx context.Context, tables ...string) error {
	return db.Tx(ctx, func(q *Q) error {
		for _, t := range tables {
			if err := q.table(ctx, t); err != nil {
				return err
			}
			if _, err := q.exec(ctx, `DELETE FROM `+t); err != nil {
				return fmt.Errorf("store: empty %s: %w", t, err)
			}
		}
		return nil
	})
}

// LastWriteCheck is when CheckWrite last rewrote the readiness heartbeat
// (zero if never): how often /readyz really writes.
func (db *DB) LastWriteCheck(ctx context.Context) (time.Time, error) {
	var at int64
	if err := db.Q().queryRow(ctx, `SELECT checked_at FROM readiness_heartbeat WHERE id = 1`).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("store: read the heartbeat: %w", mapErr(err))
	}
	return fromMicros(at), nil
}

// RawSQLForTests is the connection pool itself, for the few tests that must
// do what no store method may: rewrite and delete audit rows to prove the
// chain's verification notices (internal/audit), and switch a connection
// read-only to prove a refused write is handled (dbtest.SetReadOnly).
// Everything else goes through methods of this package; nothing but tests
// calls it (internal/bench's TestOnlyStoreAndEvalSpeakSQL checks).
func (db *DB) RawSQLForTests() *sql.DB { return db.sql }

// column is one column of a table as the database reports it.
type column struct {
	Name    string
	Type    string // as declared (SQLite) or information_schema's data_type (PostgreSQL), upper case
	NotNull bool
}

// schema lists every table's columns in order, as the database itself
// reports them after migration. A primary-key column counts as NOT NULL on
// both: PostgreSQL enforces it, and SQLite's rowid tables let a declared
// primary key hold NULL only by an old quirk that no query here relies on.
func (q *Q) schema(ctx context.Context) (map[string][]column, error) {
	tables, err := q.Tables(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]column{}
	for _, t := range tables {
		var rows *sql.Rows
		if q.dialect == Postgres {
			rows, err = q.query(ctx, `SELECT c.column_name, c.data_type, c.is_nullable = 'NO'
				FROM information_schema.columns c WHERE c.table_schema = current_schema() AND c.table_name = ?
				ORDER BY c.ordinal_position`, t)
		} else {
			rows, err = q.query(ctx, `SELECT name, type, "notnull" OR pk > 0 FROM pragma_table_info(?) ORDER BY cid`, t)
		}
		if err != nil {
			return nil, fmt.Errorf("store: columns of %s: %w", t, err)
		}
		cols, err := collect(rows, func(s scanner) (column, error) {
			var c column
			err := s.Scan(&c.Name, &c.Type, &c.NotNull)
			c.Type = strings.ToUpper(c.Type)
			return c, err
		})
		if err != nil {
			return nil, fmt.Errorf("store: columns of %s: %w", t, err)
		}
		out[t] = cols
	}
	return out, nil
}

// TextColumns lists, per table, the columns that hold text (TEXT, VARCHAR,
// CHARACTER VARYING, JSON): what a test must read to check that no personal
// data reached the database (internal/chat's TestNothingPlantedIsStored).
func (q *Q) TextColumns(ctx context.Context) (map[string][]string, error) {
	schema, err := q.schema(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for t, cols := range schema {
		for _, c := range cols {
			if strings.Contains(c.Type, "TEXT") || strings.Contains(c.Type, "CHAR") || strings.Contains(c.Type, "JSON") {
				out[t] = append(out[t], c.Name)
			}
		}
	}
	return out, nil
}

// TextValues returns every non-null value of one text column of one table
// (both must come from TextColumns).
func (q *Q) TextValues(ctx context.Context, table, column string) ([]string, error) {
	cols, err := q.TextColumns(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(cols[table], column) {
		return nil, fmt.Errorf("store: no text column %s.%s", table, column)
	}
	col := `"` + column + `"`
	if q.dialect == Postgres {
		col += `::text`
	}
	rows, err := q.query(ctx, `SELECT `+col+` FROM `+table+` WHERE "`+column+`" IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("store: read %s.%s: %w", table, column, err)
	}
	vals, err := collect(rows, func(s scanner) (string, error) {
		var v string
		return v, s.Scan(&v)
	})
	if err != nil {
		return nil, fmt.Errorf("store: read %s.%s: %w", table, column, err)
	}
	return vals, nil
}
