package bench

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestOnlyStoreAndEvalSpeakSQL keeps benchmark and test machinery out of
// the server's packages: only internal/store (and the FTS5 baseline of
// internal/search/eval, which only the benchmarks use) speak SQL, only
// internal/cli starts the benchmarks, no program code serves through
// httptest, and the store's raw pool is reached by tests alone. Test files
// and test-support packages (testutil, *test) are exempt.
func TestOnlyStoreAndEvalSpeakSQL(t *testing.T) {
	sqlOK := []string{"internal/store", "internal/search/eval"}
	isSQL := func(imp string) bool {
		return imp == "database/sql" || imp == "modernc.org/sqlite" || strings.HasPrefix(imp, "github.com/jackc/pgx")
	}
	fset := token.NewFileSet()
	checked := 0
	for _, root := range []string{"../../internal", "../../cmd"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			rel, _ := filepath.Rel("../..", path)
			pkg := filepath.ToSlash(filepath.Dir(rel))
			if strings.HasPrefix(pkg, "internal/testutil") || strings.HasSuffix(pkg, "test") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			checked++
			for _, is := range f.Imports {
				imp, _ := strconv.Unquote(is.Path.Value)
				switch {
				case isSQL(imp) && !slices.Contains(sqlOK, pkg):
					t.Errorf("%s imports %s: SQL belongs in internal/store", rel, imp)
				case imp == "net/http/httptest":
					t.Errorf("%s imports httptest, a test helper", rel)
				case imp == "github.com/fairline/fairline/internal/bench" && pkg != "internal/cli":
					t.Errorf("%s imports internal/bench: only the bench commands may", rel)
				case imp == "github.com/fairline/fairline/internal/search/eval" && pkg != "internal/bench":
					t.Errorf("%s imports the retrieval evaluation: only the benchmarks may", rel)
				}
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "RawSQLForTests" {
					t.Errorf("%s: RawSQLForTests is for tests only", fset.Position(sel.Pos()))
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 100 {
		t.Fatalf("only %d files checked: is the walk looking in the right place?", checked)
	}
}
