package steps_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coachsim/coachsim/features"
	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/reports"
	"github.com/coachsim/coachsim/simulator"
	"github.com/coachsim/coachsim/steps"
)

// TestSessionLossThroughThePublicAPI runs the session-loss scenarios against a long-lived server that cannot
// end sessions on demand, as a vendor run does: the client stops polling for the profile's max interval and
// the server must have ended the session by then. The server's max interval is short, so the test is quick.
func TestSessionLossThroughThePublicAPI(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		serverMax   time.Duration // the server's max interval
		profileMax  time.Duration // what the profile says it is
		mustFail    bool
		wantMessage string
	}{
		{name: "the server ends the silent session", serverMax: time.Second, profileMax: time.Second},
		{
			name: "the server keeps the session longer than the client is silent", serverMax: time.Minute,
			profileMax: time.Second, mustFail: true,
			wantMessage: "expected agent1's CometD client, whose session",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lb, err := simulator.StartLoopback(fixtures.Default(), simulator.WithCometD(300*time.Millisecond, tc.serverMax, 0))
			if err != nil {
				t.Fatal(err)
			}
			defer lb.Close()
			profile := steps.DefaultProfile()
			profile.CometDMaxInterval = tc.profileMax
			var out bytes.Buffer
			_, feats := steps.Run(context.Background(), steps.RunOptions{
				Options:  steps.Options{Target: steps.SharedTarget(lb.URL), Profile: profile, Deadline: 3 * time.Second},
				Features: features.Files(),
				Paths:    []string{"notifications/session.feature"},
				Tags:     "~@wip",
				Output:   &out,
			})
			seen := false
			for _, f := range feats {
				for _, s := range f.Scenarios {
					if baseID(s.ID) != "NTF-SESSION-002" {
						if s.Outcome != reports.Passed {
							t.Errorf("%s %s: %s", s.ID, s.Outcome, failureMessage(s))
						}
						continue
					}
					seen = true
					switch {
					case !tc.mustFail && s.Outcome != reports.Passed:
						t.Errorf("%s %s: %s\n%s", s.ID, s.Outcome, failureMessage(s), out.String())
					case tc.mustFail && s.Outcome != reports.Failed:
						t.Errorf("%s %s against a server that never ended the session", s.ID, s.Outcome)
					case tc.mustFail && !strings.Contains(failureMessage(s), tc.wantMessage):
						t.Errorf("%s failed without %q:\n%s", s.ID, tc.wantMessage, failureMessage(s))
					}
				}
			}
			if !seen {
				t.Fatalf("NTF-SESSION-002 did not run:\n%s", out.String())
			}
		})
	}
}
