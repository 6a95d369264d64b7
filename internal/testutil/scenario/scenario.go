// Package scenario runs long tests as named steps.
package scenario

import "testing"

// Step runs one step of a scenario as a subtest named name. A step that fails ends the
// scenario: the steps after it build on what it did.
func Step(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	if !t.Run(name, f) {
		t.FailNow()
	}
}
