package store

import "context"

// Column and Schema expose the database's own view of its tables to the
// migration-parity test (package store_test).
type Column = column

func Schema(ctx context.Context, db *DB) (map[string][]Column, error) { return db.Q().schema(ctx) }
