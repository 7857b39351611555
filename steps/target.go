// Package steps is the godog glue of coachsim's conformance suite: the step definitions of the vocabulary in
// features/README.md, grouped by domain, and the per-scenario World they share.
//
// The steps reach the server under test only through its public API: REST through steps/internal/gws and
// CometD through steps/internal/bayeux. Every notification a role receives goes into the scenario's event
// log (steps/internal/eventlog); assertions wait on that log with a deadline and, on timeout, report what
// was expected next to everything that did arrive.
//
// Concurrency contract: each scenario builds its own World in a Before hook and carries it in the context
// under an unexported key; nothing is shared between scenarios except the immutable Options. Scenarios may
// therefore run concurrently, in random order — on an isolated target (a fresh server per scenario) — or
// one at a time against a shared, long-lived server, which the After hook returns to a clean state.
package steps

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Target provides the server a scenario runs against.
type Target interface {
	// Acquire returns the base URL (scheme://host:port) of a server for one scenario, and a func that
	// releases it when the scenario ends. needs says what the scenario requires of the environment.
	Acquire(ctx context.Context, needs Needs) (baseURL string, release func(), err error)
	// Isolated reports whether every Acquire gets a server of its own. A shared target makes the suite run
	// scenarios one at a time and clean up after each.
	Isolated() bool
}

// SessionExpirer is implemented by a Target that can end every CometD session of a server it provides on
// demand, as if the server had lost them (the embedded simulator, through its control API). Session-loss
// steps use it instead of waiting out the server's max interval (features/README.md, "Session loss").
type SessionExpirer interface {
	// ExpireSessions ends every CometD session of the server at baseURL (one Acquire returned).
	ExpireSessions(ctx context.Context, baseURL string) error
}

// Needs is what a scenario requires of the server's environment (from its tags).
type Needs struct {
	// SIPCluster: the scenario is tagged @sip-cluster.
	SIPCluster bool
}

// SharedTarget is a long-lived server at a fixed base URL, e.g. a vendor's implementation.
type SharedTarget string

// Acquire returns the fixed URL.
func (t SharedTarget) Acquire(context.Context, Needs) (string, func(), error) {
	return string(t), func() {}, nil
}

// Isolated is false: scenarios share the server.
func (SharedTarget) Isolated() bool { return false }

// Credentials log a role in.
type Credentials struct {
	User     string `yaml:"user"`
	Password string `yaml:"password"`
}

// Profile maps the suite's role names (customer1, agent1, ... supervisor2) to accounts on the target, and
// names the target's routing point.
type Profile struct {
	Roles        map[string]Credentials `yaml:"roles"`
	RoutingPoint string                 `yaml:"routingPoint"`
	// SIPCluster says the shared target's environment is a SIP Cluster (scenarios tagged @sip-cluster
	// need one; an isolated target starts one for them).
	SIPCluster bool `yaml:"sipCluster"`
	// CometDMaxInterval is how long the target keeps a CometD session whose client stopped polling (its
	// max interval; default 15s, the GWS setting). Session-loss scenarios against a target that cannot end
	// sessions on demand stop polling for this long, plus a margin, to make the server end a session.
	CometDMaxInterval time.Duration `yaml:"cometdMaxInterval"`
	// Pool, when given, holds several role sets for a shared target: scenarios then run concurrently, one
	// per set, each holding its set for the whole scenario (features/README.md, "Role pools"). Roles and
	// RoutingPoint are not used then.
	Pool []RoleSet `yaml:"pool"`
}

// RoleSet is one set of accounts for the suite's roles, with the routing point that hands calls to that
// set's agents only.
type RoleSet struct {
	Roles        map[string]Credentials `yaml:"roles"`
	RoutingPoint string                 `yaml:"routingPoint"`
}

// Sets returns the profile's role sets: Pool when given, otherwise the one set of Roles and RoutingPoint.
func (p Profile) Sets() []RoleSet {
	if len(p.Pool) > 0 {
		return p.Pool
	}
	return []RoleSet{{Roles: p.Roles, RoutingPoint: p.RoutingPoint}}
}

// RolePool lends a profile's role sets to scenarios: one set per running scenario, so scenarios holding
// different sets share a server without meeting. The zero value is not usable; call NewRolePool.
//
// Concurrency contract: safe for concurrent use.
type RolePool struct {
	sets []RoleSet
	free chan int // indexes of the sets not lent
	err  error    // why the profile's pool is unusable; every Acquire returns it
}

// NewRolePool checks the profile's role sets and returns a pool of them. Every set of a Pool must name an
// account (a non-empty user) for each of the default roles, no account may appear in two sets, and each
// set needs its own routing point.
func NewRolePool(p Profile) (*RolePool, error) {
	sets := p.Sets()
	rp := &RolePool{sets: sets, free: make(chan int, len(sets))}
	rp.err = checkSets(p, sets)
	for i := range sets {
		rp.free <- i
	}
	return rp, rp.err
}

func checkSets(p Profile, sets []RoleSet) error {
	if len(p.Pool) == 0 {
		return nil
	}
	users := map[string]int{}
	points := map[string]int{}
	for i, set := range sets {
		for role := range DefaultProfile().Roles {
			cred, ok := set.Roles[role]
			if !ok || cred.User == "" {
				return fmt.Errorf("profile pool set %d: role %s has no user", i+1, role)
			}
			if j, dup := users[cred.User]; dup {
				return fmt.Errorf("profile pool set %d: user %s is already in set %d; a user can be in one set only", i+1, cred.User, j+1)
			}
			users[cred.User] = i
		}
		for role := range set.Roles {
			if _, known := DefaultProfile().Roles[role]; !known {
				return fmt.Errorf("profile pool set %d: unknown role %q", i+1, role)
			}
		}
		if set.RoutingPoint == "" {
			return fmt.Errorf("profile pool set %d: no routingPoint", i+1)
		}
		if j, dup := points[set.RoutingPoint]; dup {
			return fmt.Errorf("profile pool set %d: routing point %s is already set %d's; calls to it would reach another set's agents", i+1, set.RoutingPoint, j+1)
		}
		points[set.RoutingPoint] = i
	}
	return nil
}

// Size is the number of role sets: how many scenarios may run at once against a shared target.
func (rp *RolePool) Size() int { return len(rp.sets) }

// Acquire waits until a set is free and lends it; release gives it back (call it once).
func (rp *RolePool) Acquire(ctx context.Context) (set RoleSet, index int, release func(), err error) {
	if rp.err != nil {
		return RoleSet{}, 0, nil, rp.err
	}
	select {
	case i := <-rp.free:
		var once sync.Once
		return rp.sets[i], i, func() { once.Do(func() { rp.free <- i }) }, nil
	case <-ctx.Done():
		return RoleSet{}, 0, nil, fmt.Errorf("waiting for a free role set: %w", ctx.Err())
	}
}

// DefaultProfile is the default environment of behaviour.md §1: each role logs in as the user of the same
// name with password "password" (test data), and the routing point is 7000.
func DefaultProfile() Profile {
	p := Profile{Roles: map[string]Credentials{}, RoutingPoint: "7000"}
	for _, r := range []string{"customer1", "customer2", "agent1", "agent2", "agent3", "supervisor1", "supervisor2"} {
		p.Roles[r] = Credentials{User: r, Password: "password"}
	}
	return p
}

// DefaultCometDMaxInterval is the max interval assumed when the profile gives none: the GWS setting.
const DefaultCometDMaxInterval = 15 * time.Second

// Options configure the steps for a run.
type Options struct {
	Target  Target
	Profile Profile
	// Deadline bounds every "eventually" wait (default 5s).
	Deadline time.Duration
	// Quiet is the quiet period of "no ... " assertions (default 300ms).
	Quiet time.Duration
	// ControlToken, when set, is the bearer token of the target's coachsim control API (coachsim serve
	// --control): absence checks then ask it for quiescence and end their quiet period as soon as nothing
	// more is on its way (quiescence.go). A target that implements ControlTarget supplies its own instead.
	ControlToken string
	// Observer, if set, receives every REST exchange and every notification of every scenario, for reports.
	Observer Observer
	// Pool lends the profile's role sets to the scenarios of a shared target (nil: made from Profile by the
	// run). One run shares one pool.
	Pool *RolePool
}

// MaxConcurrency is how many scenarios may run at once: 0 (no limit) on an isolated target, otherwise one
// per role set of the profile.
func (o Options) MaxConcurrency() int {
	o = o.withDefaults()
	if o.Target != nil && o.Target.Isolated() {
		return 0
	}
	return o.Pool.Size()
}

// Observer receives what a run sees, scenario by scenario. Methods may be called concurrently for different
// scenarios.
type Observer interface {
	Exchange(scenarioID string, ex Exchange)
	Notification(scenarioID string, n Received)
}

// Exchange is one REST request/response made by a role.
type Exchange struct {
	Role         string
	Method, Path string
	RequestBody  []byte
	HTTPStatus   int
	ResponseBody []byte
	Started      time.Time
	Finished     time.Time
}

// Received is one notification received by a role.
type Received struct {
	Role     string
	Channel  string
	Data     []byte
	Received time.Time
}

func (o Options) withDefaults() Options {
	if o.Deadline <= 0 {
		o.Deadline = 5 * time.Second
	}
	if o.Quiet <= 0 {
		o.Quiet = 300 * time.Millisecond
	}
	if o.Profile.Roles == nil {
		o.Profile.Roles = DefaultProfile().Roles
	}
	if o.Profile.CometDMaxInterval <= 0 {
		o.Profile.CometDMaxInterval = DefaultCometDMaxInterval
	}
	if o.Profile.RoutingPoint == "" {
		o.Profile.RoutingPoint = "7000"
	}
	if o.Pool == nil {
		o.Pool, _ = NewRolePool(o.Profile) // an unusable pool fails every scenario with the reason
	}
	return o
}
