package steps_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/coachsim/coachsim/features"
	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/reports"
	"github.com/coachsim/coachsim/simulator"
	"github.com/coachsim/coachsim/steps"
)

// TestSharedTargetTwice runs the suite twice against one long-lived simulator, as a vendor run against a
// real server does: scenarios one at a time, each returning the server to a clean state for the next.
func TestSharedTargetTwice(t *testing.T) {
	t.Parallel() // serial inside, and the longest test here: the rest of the package runs beside it
	lb, err := simulator.StartLoopback(fixtures.Default())
	if err != nil {
		t.Fatal(err)
	}
	defer lb.Close()
	for round := 1; round <= 2; round++ {
		var out bytes.Buffer
		start := time.Now()
		status, feats := steps.Run(context.Background(), steps.RunOptions{
			Options:  steps.Options{Target: steps.SharedTarget(lb.URL)},
			Features: features.Files(),
			Tags:     "~@wip && ~@sip-cluster && ~@slow", // @slow: TestSessionLossThroughThePublicAPI
			Output:   &out,
		})
		n := 0
		for _, f := range feats {
			for _, s := range f.Scenarios {
				n++
				if s.Outcome != reports.Passed {
					t.Errorf("round %d: %s %s: %s", round, s.ID, s.Outcome, failureMessage(s))
				}
			}
		}
		if status != 0 {
			t.Fatalf("round %d failed:\n%s", round, out.String())
		}
		t.Logf("round %d: %d scenarios in %s", round, n, time.Since(start))
	}
}
