package store_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// The two dialects' migrations are written twice by hand; every query is
// written once. After migrating, both databases must therefore hold the same
// tables with the same columns in the same order, the same nullability and
// the same kind of type.
func TestMigrationsMatchAcrossDialects(t *testing.T) {
	ctx := context.Background()
	lite, err := store.Schema(ctx, dbtest.Open(t, store.SQLite))
	if err != nil {
		t.Fatal(err)
	}
	pg, err := store.Schema(ctx, dbtest.Open(t, store.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) < 20 {
		t.Fatalf("SQLite reports only %d tables: %v", len(lite), slices.Sorted(maps.Keys(lite)))
	}
	for _, d := range schemaDiff(lite, pg) {
		t.Errorf("SQLite and PostgreSQL schemas differ: %s", d)
	}
}

// The comparison itself: it must see every kind of difference and ignore
// what is only spelling.
func TestSchemaDiff(t *testing.T) {
	col := func(name, typ string, notNull bool) store.Column {
		return store.Column{Name: name, Type: typ, NotNull: notNull}
	}
	base := map[string][]store.Column{"t": {col("id", "INTEGER", true), col("name", "TEXT", true), col("note", "TEXT", false)}}
	for _, tc := range []struct {
		name  string
		other map[string][]store.Column
		want  string // "" for no difference
	}{
		{"same spelled differently", map[string][]store.Column{"t": {col("id", "BIGINT", true), col("name", "CHARACTER VARYING", true), col("note", "TEXT", false)}}, ""},
		{"missing table", map[string][]store.Column{"t": base["t"], "u": {col("id", "BIGINT", true)}}, "table u: only in the second"},
		{"missing column", map[string][]store.Column{"t": base["t"][:2]}, "t.note: only in the first"},
		{"nullability", map[string][]store.Column{"t": {col("id", "BIGINT", true), col("name", "TEXT", false), col("note", "TEXT", false)}}, "t.name: NOT NULL"},
		{"type", map[string][]store.Column{"t": {col("id", "TEXT", true), col("name", "TEXT", true), col("note", "TEXT", false)}}, "t.id: INTEGER (integer) against TEXT (text)"},
		{"order", map[string][]store.Column{"t": {col("id", "BIGINT", true), col("note", "TEXT", false), col("name", "TEXT", true)}}, "t: columns in another order"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(schemaDiff(base, tc.other), "; ")
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("diff = %q, want %q", got, tc.want)
			}
		})
	}
}

// schemaDiff describes how b differs from a, one line per difference.
func schemaDiff(a, b map[string][]store.Column) []string {
	var out []string
	for _, t := range slices.Sorted(maps.Keys(a)) {
		if _, ok := b[t]; !ok {
			out = append(out, fmt.Sprintf("table %s: only in the first", t))
		}
	}
	for _, t := range slices.Sorted(maps.Keys(b)) {
		ca, ok := a[t]
		if !ok {
			out = append(out, fmt.Sprintf("table %s: only in the second", t))
			continue
		}
		cb := b[t]
		byName := map[string]store.Column{}
		for _, c := range cb {
			byName[c.Name] = c
		}
		var namesA, namesB []string
		for _, c := range ca {
			namesA = append(namesA, c.Name)
			o, ok := byName[c.Name]
			if !ok {
				out = append(out, fmt.Sprintf("%s.%s: only in the first", t, c.Name))
				continue
			}
			if c.NotNull != o.NotNull {
				out = append(out, fmt.Sprintf("%s.%s: NOT NULL %v against %v", t, c.Name, c.NotNull, o.NotNull))
			}
			if typeKind(c.Type) != typeKind(o.Type) {
				out = append(out, fmt.Sprintf("%s.%s: %s (%s) against %s (%s)", t, c.Name, c.Type, typeKind(c.Type), o.Type, typeKind(o.Type)))
			}
		}
		for _, c := range cb {
			if !slices.ContainsFunc(ca, func(x store.Column) bool { return x.Name == c.Name }) {
				out = append(out, fmt.Sprintf("%s.%s: only in the second", t, c.Name))
				continue
			}
			namesB = append(namesB, c.Name)
		}
		if common := slices.DeleteFunc(namesA, func(n string) bool { return !slices.Contains(namesB, n) }); !slices.Equal(common, namesB) {
			out = append(out, fmt.Sprintf("%s: columns in another order (%v against %v)", t, common, namesB))
		}
	}
	return out
}

// typeKind groups type names that hold the same values: SQLite's INTEGER
// and PostgreSQL's BIGINT are both 64-bit integers here.
func typeKind(typ string) string {
	t := strings.ToUpper(typ)
	switch {
	case strings.Contains(t, "INT"):
		return "integer"
	case strings.Contains(t, "CHAR"), strings.Contains(t, "TEXT"), strings.Contains(t, "CLOB"):
		return "text"
	case strings.Contains(t, "BLOB"), strings.Contains(t, "BYTEA"):
		return "bytes"
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"), strings.Contains(t, "NUMERIC"):
		return "real"
	case strings.Contains(t, "BOOL"):
		return "boolean"
	}
	return t
}
