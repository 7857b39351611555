package steps_test

import (
	"context"
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/coachsim/coachsim/features"
	"github.com/coachsim/coachsim/reports"
	"github.com/coachsim/coachsim/simulator"
	"github.com/coachsim/coachsim/steps"
	"github.com/coachsim/coachsim/steps/embedded"
)

// TestSuiteBites proves the suite detects deviations: the simulator is made to violate one rule at a time,
// and the scenarios that check that rule must fail — with a message showing what was expected and what
// arrived — while the deviation leaves the rest of the feature passing.
func TestSuiteBites(t *testing.T) {
	cases := []struct {
		name      string
		deviation simulator.Deviations
		paths     []string
		mustFail  []string // conformance IDs (an outline ID stands for every row)
	}{
		{
			name:      "Agent scope does not release the supervisor",
			deviation: simulator.Deviations{AgentScopeKeepsSupervisor: true},
			paths:     []string{"supervision/scope.feature"},
			mustFail:  []string{"SUP-SCOPE-009", "SUP-SCOPE-010", "SUP-SCOPE-011"},
		},
		{
			name:      "NextCall never expires",
			deviation: simulator.Deviations{NextCallNeverExpires: true},
			paths:     []string{"supervision/modes.feature"},
			mustFail:  []string{"SUP-MODE-001", "SUP-MODE-002"},
		},
		{
			name:      "defaults swapped",
			deviation: simulator.Deviations{SwappedDefaults: true},
			paths:     []string{"supervision/subscription.feature"},
			mustFail:  []string{"SUP-SUB-001"},
		},
		{
			name:      "no notification confirms the subscription",
			deviation: simulator.Deviations{NoSubscriptionMessage: true},
			paths:     []string{"supervision/subscription.feature"},
			mustFail:  []string{"SUP-SUB-001", "SUP-SUB-002", "SUP-SUB-003"},
		},
		{
			name:      "the supervisor misses changes of the call's data",
			deviation: simulator.Deviations{SupervisorMissesDataChange: true},
			paths:     []string{"supervision/calldata.feature"},
			mustFail:  []string{"SUP-DATA-004"},
		},
		{
			name:      "wrong statusCode for a second supervisor",
			deviation: simulator.Deviations{InUseAsForbidden: true},
			paths:     []string{"supervision/errors.feature"},
			mustFail:  []string{"SUP-ERR-003"},
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
				t.Fatalf("the suite passed against a simulator whose %s", tc.name)
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
				if !strings.Contains(msg, "expected") && !strings.Contains(msg, "forbidden") {
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

func baseID(id string) string {
	if i := strings.IndexByte(id, '/'); i >= 0 {
		return id[:i]
	}
	return id
}

func keys(m map[string]reports.Scenario) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func failureMessage(s reports.Scenario) string {
	for _, st := range s.Steps {
		if st.Error != "" {
			return st.Error
		}
	}
	return ""
}
