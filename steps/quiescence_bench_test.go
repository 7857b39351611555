package steps_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/coachsim/coachsim/features"
	"github.com/coachsim/coachsim/steps"
	"github.com/coachsim/coachsim/steps/embedded"
)

// plainTarget is the embedded target without its control token: absence checks wait out the quiet period.
type plainTarget struct{ t embedded.Target }

func (p plainTarget) Acquire(ctx context.Context, needs steps.Needs) (string, func(), error) {
	return p.t.Acquire(ctx, needs)
}

func (plainTarget) Isolated() bool { return true }

// BenchmarkAbsenceChecks runs the absence-heavy features (errors, switching, subscription) with the
// quiescence probe and without it, interleaved, and reports the wall time of each and their ratio
// (probe/quiet-period; lower is better).
func BenchmarkAbsenceChecks(b *testing.B) {
	run := func(target steps.Target) time.Duration {
		start := time.Now()
		status, _ := steps.Run(context.Background(), steps.RunOptions{
			Options:     steps.Options{Target: target},
			Features:    features.Files(),
			Paths:       []string{"supervision/errors.feature", "supervision/switching.feature", "supervision/subscription.feature"},
			Tags:        "~@wip",
			Output:      io.Discard,
			Concurrency: 4,
		})
		if status != 0 {
			b.Fatalf("the features failed (status %d)", status)
		}
		return time.Since(start)
	}
	var probe, quiet time.Duration
	for i := 0; i < b.N; i++ {
		probe += run(embedded.Target{})
		quiet += run(plainTarget{})
	}
	b.ReportMetric(float64(probe.Milliseconds())/float64(b.N), "probe-ms/run")
	b.ReportMetric(float64(quiet.Milliseconds())/float64(b.N), "quiet-ms/run")
	b.ReportMetric(float64(probe)/float64(quiet), "probe/quiet")
}
