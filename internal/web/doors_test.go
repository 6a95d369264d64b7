package web_test

import (
	"go/build"
	"slices"
	"testing"
)

// TestHandlersSeeOnlyServices: the pages and the JSON API read and write
// through the services (auth, audit, recording, kb, chat), which own their
// data; neither imports the store, so no handler can reach past a service.
func TestHandlersSeeOnlyServices(t *testing.T) {
	for _, dir := range []string{".", "../api"} {
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(pkg.GoFiles) == 0 {
			t.Fatalf("%s: no Go files: is the test looking in the right place?", dir)
		}
		if slices.Contains(pkg.Imports, "github.com/fairline/fairline/internal/store") {
			t.Errorf("%s (package %s) imports internal/store: add the read it needs to a service", dir, pkg.Name)
		}
	}
}
