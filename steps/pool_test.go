package steps_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/coachsim/coachsim/features"
	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/reports"
	"github.com/coachsim/coachsim/simulator"
	"github.com/coachsim/coachsim/steps"
)

func poolProfile(t testing.TB) steps.Profile {
	t.Helper()
	data, err := os.ReadFile("../fixtures/profile.pools.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var p steps.Profile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRolePoolsAgainstOneServer certifies one long-lived simulator of the pools fixture with the example
// profile's four role sets: scenarios run four at a time, each holding one set, and every one passes.
func TestRolePoolsAgainstOneServer(t *testing.T) {
	t.Parallel()
	env, err := fixtures.Load("../fixtures/pools.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lb, err := simulator.StartLoopback(env)
	if err != nil {
		t.Fatal(err)
	}
	defer lb.Close()
	profile := poolProfile(t)
	opts := steps.Options{Target: steps.SharedTarget(lb.URL), Profile: profile}
	if got := opts.MaxConcurrency(); got != 4 {
		t.Fatalf("MaxConcurrency = %d with four role sets", got)
	}
	var out bytes.Buffer
	start := time.Now()
	status, feats := steps.Run(context.Background(), steps.RunOptions{
		Options:  opts,
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
		t.Fatalf("the pooled run failed:\n%s", out.String())
	}
	t.Logf("%d scenarios, four at a time, in %s", n, time.Since(start))
}

func TestRolePoolChecksTheProfile(t *testing.T) {
	good := poolProfile(t)
	if _, err := steps.NewRolePool(good); err != nil {
		t.Fatalf("the example profile: %v", err)
	}
	cases := map[string]func(p *steps.Profile){
		"role supervisor2 has no user": func(p *steps.Profile) { delete(p.Pool[1].Roles, "supervisor2") },
		"user agent1 is already in set 1": func(p *steps.Profile) {
			p.Pool[2].Roles["agent1"] = steps.Credentials{User: "agent1", Password: "password"}
		},
		"routing point 7000 is already set 1's": func(p *steps.Profile) { p.Pool[3].RoutingPoint = "7000" },
		"no routingPoint":                       func(p *steps.Profile) { p.Pool[1].RoutingPoint = "" },
		`unknown role "agent4"`: func(p *steps.Profile) {
			p.Pool[0].Roles["agent4"] = steps.Credentials{User: "x", Password: "y"}
		},
	}
	for want, edit := range cases {
		p := poolProfile(t)
		edit(&p)
		_, err := steps.NewRolePool(p)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want an error containing %q, got %v", want, err)
		}
	}
}

func TestRolePoolLendsEachSetOnce(t *testing.T) {
	pool, err := steps.NewRolePool(poolProfile(t))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	var releases []func()
	for range pool.Size() {
		_, i, release, err := pool.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if seen[i] {
			t.Fatalf("set %d lent twice", i)
		}
		seen[i] = true
		releases = append(releases, release)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, _, err := pool.Acquire(ctx); err == nil {
		t.Fatal("a fifth set was lent from a pool of four")
	}
	releases[2]()
	releases[2]() // a second release is harmless
	if _, i, _, err := pool.Acquire(context.Background()); err != nil || !seen[i] {
		t.Fatalf("after a release: set %d, %v", i, err)
	}
}
