package steps_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/coachsim/coachsim/features"
	"github.com/coachsim/coachsim/reports"
	"github.com/coachsim/coachsim/simulator"
	"github.com/coachsim/coachsim/steps"
	"github.com/coachsim/coachsim/steps/embedded"
)

// TestSessionSuiteBites proves the scenarios of SPEC §2 and §11 can fail: the simulator breaks one of those
// rules at a time, the scenarios that check it must fail saying what was expected and what arrived, and the
// rest of the feature keeps passing.
func TestSessionSuiteBites(t *testing.T) {
	cases := []struct {
		name      string
		deviation simulator.Deviations
		paths     []string
		mustFail  []string
	}{
		{
			name:      "a request for the current agent state sends nothing",
			deviation: simulator.Deviations{NoRepeatedState: true},
			paths:     []string{"session/agentstate.feature"},
			mustFail:  []string{"SES-STATE-008"},
		},
		{
			name:      "the session skips the LoggedIn step",
			deviation: simulator.Deviations{NoLoggedInStep: true},
			paths:     []string{"session/agentstate.feature"},
			mustFail:  []string{"SES-STATE-003", "SES-STATE-004", "SES-STATE-011"},
		},
		{
			name:      "AuxWork shows the plain NotReady userState",
			deviation: simulator.Deviations{AuxWorkAsNotReady: true},
			paths:     []string{"session/agentstate.feature"},
			mustFail:  []string{"SES-STATE-005"},
		},
		{
			name:      "every user reads every user and device",
			deviation: simulator.Deviations{DevicesOpenToAll: true},
			paths:     []string{"session/directory.feature"},
			mustFail:  []string{"SES-DIR-004", "SES-DIR-005"},
		},
		{
			name:      "unauthenticated requests get 401 with a Basic challenge",
			deviation: simulator.Deviations{AuthChallenge: true},
			paths:     []string{"session/auth.feature"},
			mustFail:  []string{"SES-AUTH-002", "SES-AUTH-003", "SES-AUTH-008"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, feats := steps.Run(context.Background(), steps.RunOptions{
				Options: steps.Options{
					Target: embedded.Target{Options: []simulator.Option{simulator.WithDeviations(tc.deviation)}},
				},
				Features:    features.Files(),
				Paths:       tc.paths,
				Tags:        "~@wip",
				Output:      io.Discard,
				Concurrency: 4,
			})
			if status == 0 {
				t.Fatalf("the suite passed against a simulator where %s", tc.name)
			}
			failed := map[string]reports.Scenario{}
			passed := 0
			for _, f := range feats {
				for _, s := range f.Scenarios {
					if s.Outcome == reports.Failed {
						failed[baseID(s.ID)] = s
					} else if s.Outcome == reports.Passed {
						passed++
					}
				}
			}
			for _, id := range tc.mustFail {
				s, ok := failed[id]
				if !ok {
					t.Errorf("%s did not fail; failed: %v", id, keys(failed))
					continue
				}
				msg := failureMessage(s)
				if !strings.Contains(msg, "expected") {
					t.Errorf("%s failed without saying what was expected:\n%s", id, msg)
				}
				if !strings.Contains(msg, "received") && !strings.Contains(msg, "got") {
					t.Errorf("%s failed without showing what arrived:\n%s", id, msg)
				}
			}
			if passed == 0 {
				t.Errorf("no scenario of %v passed: the deviation should break only what checks it", tc.paths)
			}
		})
	}
}
