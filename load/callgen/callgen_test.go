package callgen_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/load/callgen"
	"github.com/coachsim/coachsim/simulator"
)

func model() callgen.Model {
	return callgen.Model{Seed: 7, Rate: 20, Ramp: 500 * time.Millisecond, Duration: 2 * time.Second,
		Supervised: 0.6, Transferred: 0.4,
		AnswerDelay: [2]time.Duration{20 * time.Millisecond, 60 * time.Millisecond},
		Talk:        [2]time.Duration{50 * time.Millisecond, 150 * time.Millisecond}}
}

func TestModelIsDeterministic(t *testing.T) {
	m := model()
	plan := func(m callgen.Model) []callgen.PlannedCall {
		var out []callgen.PlannedCall
		for i := 0; ; i++ {
			p, ok := m.Call(i)
			if !ok {
				return out
			}
			out = append(out, p)
		}
	}
	a, b := plan(m), plan(m)
	if !slices.Equal(a, b) || len(a) != m.Planned() {
		t.Fatalf("two plans of one seed differ or do not have Planned() = %d calls (%d, %d)", m.Planned(), len(a), len(b))
	}
	m.Seed++
	if slices.Equal(a, plan(m)) {
		t.Fatal("another seed planned the same calls")
	}
	// 20/s with a 0.5 s ramp over 2 s: 20·(2 − 0.25) = 35 calls, starts non-decreasing.
	if len(a) != 35 {
		t.Errorf("%d calls planned, want 35", len(a))
	}
	for i := 1; i < len(a); i++ {
		if a[i].At < a[i-1].At {
			t.Fatalf("call %d starts before call %d", i, i-1)
		}
	}
}

func start(t *testing.T, opts ...simulator.Option) (string, callgen.Users) {
	t.Helper()
	yaml, users := callgen.Generated(8, 4)
	env, err := fixtures.Parse("load", yaml)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := simulator.StartLoopback(env, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	return sim.URL, users
}

func TestRunAgainstTheSimulator(t *testing.T) {
	url, users := start(t)
	res, err := callgen.Run(context.Background(), callgen.Options{Target: url, Users: users, Model: model(),
		StatsInterval: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Counters
	if c.Attempted != int64(res.Planned) || c.Failed != 0 || c.Violations != 0 || c.Answered+c.Abandoned != c.Attempted {
		t.Fatalf("counters %+v of %d planned; violations %+v; errors %v", c, res.Planned, res.Violations, res.Errors)
	}
	if c.Supervised == 0 || res.Latency[callgen.MAnswerToSupervisor].Count != c.Supervised {
		t.Fatalf("%d supervised calls, %d answer-to-supervisor latencies", c.Supervised, res.Latency[callgen.MAnswerToSupervisor].Count)
	}
	if len(res.Rows) < 3 {
		t.Fatalf("%d statistics rows, want one per 0.5 s interval", len(res.Rows))
	}
}

func TestRunCatchesAgentScopeKeepingTheSupervisor(t *testing.T) {
	url, users := start(t, simulator.WithDeviations(simulator.Deviations{AgentScopeKeepsSupervisor: true}))
	m := model()
	m.Supervised, m.Transferred = 1, 1
	res, err := callgen.Run(context.Background(), callgen.Options{Target: url, Users: users, Model: m,
		CheckTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.ByRule[callgen.RuleAgentScope.ID] == 0 {
		t.Fatalf("no %s violation; by rule %v, counters %+v, errors %v", callgen.RuleAgentScope.ID, res.ByRule, res.Counters, res.Errors)
	}
	for _, v := range res.Violations {
		if v.Rule == callgen.RuleAgentScope.ID && (v.Evidence == "" || v.CallID == "") {
			t.Fatalf("violation without evidence or call id: %+v", v)
		}
	}
}

func TestRunStoppedMidwaySaysSo(t *testing.T) {
	url, users := start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := model()
	m.Duration = time.Minute
	res, err := callgen.Run(ctx, callgen.Options{Target: url, Users: users, Model: m, StatsInterval: 200 * time.Millisecond,
		OnInterval: func(callgen.Row) { cancel() }})
	if err != nil {
		t.Fatal(err)
	}
	failures := callgen.Thresholds{MaxErrors: -1, MaxViolations: -1}.Check(res)
	if !res.Stopped || len(failures) != 1 || !strings.HasPrefix(failures[0], "stopped early") {
		t.Fatalf("stopped %v, failures %q", res.Stopped, failures)
	}
}
