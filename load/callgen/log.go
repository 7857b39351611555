package callgen

import "github.com/coachsim/coachsim/steps/harness"

func newLog() *harness.Log { return harness.NewLog() }
