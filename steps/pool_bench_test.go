package steps_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/coachsim/coachsim/features"
	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/reports"
	"github.com/coachsim/coachsim/simulator"
	"github.com/coachsim/coachsim/steps"
)

// BenchmarkTargetRolePools runs the quick suite against a long-lived server twice per iteration, in the same
// run: serially with one role set, and with the four sets of fixtures/profile.pools.yaml. It reports both
// wall times and their ratio (pooled/serial; lower is better).
//
//	go test -run '^$' -bench TargetRolePools -benchtime 1x ./steps/
func BenchmarkTargetRolePools(b *testing.B) {
	env, err := fixtures.Load("../fixtures/pools.yaml")
	if err != nil {
		b.Fatal(err)
	}
	pools := poolProfile(b)
	serialProfile := pools
	serialProfile.Pool = pools.Pool[:1]
	run := func(p steps.Profile) time.Duration {
		lb, err := simulator.StartLoopback(env)
		if err != nil {
			b.Fatal(err)
		}
		defer lb.Close()
		start := time.Now()
		status, feats := steps.Run(context.Background(), steps.RunOptions{
			Options:  steps.Options{Target: steps.SharedTarget(lb.URL), Profile: p},
			Features: features.Files(),
			Tags:     "~@wip && ~@sip-cluster && ~@slow",
			Output:   io.Discard,
		})
		elapsed := time.Since(start)
		for _, f := range feats {
			for _, s := range f.Scenarios {
				if s.Outcome != reports.Passed {
					b.Fatalf("%s %s: %s", s.ID, s.Outcome, failureMessage(s))
				}
			}
		}
		if status != 0 {
			b.Fatalf("run failed (status %d)", status)
		}
		return elapsed
	}
	var serial, pooled time.Duration
	for i := 0; i < b.N; i++ {
		// interleaved, so that both see the same machine
		serial += run(serialProfile)
		pooled += run(pools)
	}
	b.ReportMetric(serial.Seconds()/float64(b.N), "serial-s/op")
	b.ReportMetric(pooled.Seconds()/float64(b.N), "pooled-s/op")
	b.ReportMetric(pooled.Seconds()/serial.Seconds(), "pooled/serial")
}
