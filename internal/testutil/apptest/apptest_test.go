package apptest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The app keeps everything in the test's folder, and closing it early leaves nothing for the
// test's clean-up to trip over.
func TestOpenDirKeepsEverythingInTheFolder(t *testing.T) {
	dir := t.TempDir()
	a := OpenDir(t, dir)
	for _, p := range []string{a.Config.DB, a.Config.KeyFile, a.Config.BlobDir} {
		if !strings.HasPrefix(p, dir+string(filepath.Separator)) {
			t.Errorf("%s is outside the test folder %s", p, dir)
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("not created: %v", err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
