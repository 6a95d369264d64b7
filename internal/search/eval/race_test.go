//go:build race

package eval

// raceEnabled: under the race detector the quality gate runs both systems side by side to stay
// within the test time budget.
const raceEnabled = true
