package steps_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/coachsim/coachsim/features"
	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/reports"
	"github.com/coachsim/coachsim/simulator"
	"github.com/coachsim/coachsim/steps"
)

// TestSharedTargetWithQuiescenceProbe runs the suite once against one long-lived simulator serving its
// control API, as `coachsim conform --target URL --control TOKEN` against `coachsim serve --control TOKEN`
// does: scenarios one at a time, absence checks ending on the probe's word. Every scenario must pass as it
// does with full quiet periods (TestSharedTargetTwice).
func TestSharedTargetWithQuiescenceProbe(t *testing.T) {
	t.Parallel()
	const token = "probe-token"
	lb, err := simulator.StartLoopback(fixtures.Default(), simulator.WithControl(token))
	if err != nil {
		t.Fatal(err)
	}
	defer lb.Close()
	var out bytes.Buffer
	status, feats := steps.Run(context.Background(), steps.RunOptions{
		Options:  steps.Options{Target: steps.SharedTarget(lb.URL), ControlToken: token},
		Features: features.Files(),
		Tags:     "~@wip && ~@sip-cluster && ~@slow",
		Output:   &out,
	})
	n := 0
	for _, f := range feats {
		for _, s := range f.Scenarios {
			n++
			if s.Outcome != reports.Passed {
				t.Errorf("%s %s: %s", s.ID, s.Outcome, failureMessage(s))
			}
		}
	}
	if status != 0 {
		t.Fatalf("the run failed:\n%s", out.String())
	}
	if n < 60 {
		t.Fatalf("only %d scenarios ran", n)
	}
}
