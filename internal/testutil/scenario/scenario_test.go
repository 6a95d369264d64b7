package scenario

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestChildScenario is the scenario TestFailedStepEndsScenario runs in a child process: its
// second step fails.
func TestChildScenario(t *testing.T) {
	if os.Getenv("SCENARIO_CHILD") == "" {
		t.Skip("run by TestFailedStepEndsScenario")
	}
	Step(t, "first", func(t *testing.T) {})
	Step(t, "second", func(t *testing.T) { t.Error("broken") })
	Step(t, "third", func(t *testing.T) {})
	t.Log("after the steps")
}

func TestFailedStepEndsScenario(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run", "^TestChildScenario$", "-test.v")
	cmd.Env = append(os.Environ(), "SCENARIO_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the scenario passed:\n%s", out)
	}
	for _, want := range []string{"--- PASS: TestChildScenario/first", "--- FAIL: TestChildScenario/second", "broken"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, not := range []string{"TestChildScenario/third", "after the steps"} {
		if strings.Contains(string(out), not) {
			t.Errorf("the scenario went on after the failed step (%q):\n%s", not, out)
		}
	}
}
