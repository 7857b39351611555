package voice

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/coachsim/coachsim/fixtures"
)

// The index of active parties per device (index.go) is checked against a full scan of every call after every
// operation of every test in this package: afterChange runs indexMismatch and panics on a difference, which
// fails the test that made the operation.
func init() {
	afterChange = func(s *State) {
		if err := indexMismatch(s); err != nil {
			panic("voice index: " + err.Error())
		}
	}
}

// indexMismatch compares the index with what a scan of every call and party finds, and the agents' idle
// bookkeeping with what a settle of every agent would give.
func indexMismatch(s *State) error {
	scan := map[*device][]*party{}
	for _, c := range s.calls {
		for _, p := range c.parties {
			if p.dev != nil && p.state.active() {
				scan[p.dev] = append(scan[p.dev], p)
			}
		}
	}
	pending := map[*device]bool{}
	for _, d := range s.dirty {
		if !d.dirty {
			return fmt.Errorf("device %s is listed as changed but not marked", d.dn)
		}
		pending[d] = true
	}
	for _, d := range s.devices {
		if !slices.Equal(d.active, scan[d]) {
			return fmt.Errorf("device %s: index has %s, a scan finds %s", d.dn, describe(d.active), describe(scan[d]))
		}
		if d.dirty && !pending[d] {
			return fmt.Errorf("device %s is marked changed but not listed", d.dn)
		}
		u := d.user
		if !s.settledOnce || pending[d] || !isAgentUser(u) {
			continue
		}
		if busy := len(scan[d]) > 0; busy != u.idleSince.IsZero() {
			return fmt.Errorf("agent %s: busy=%v but idleSince=%v", u.name, busy, u.idleSince)
		}
	}
	return nil
}

func describe(ps []*party) string {
	out := "["
	for i, p := range ps {
		if i > 0 {
			out += " "
		}
		out += p.call.id + "/" + p.state.String()
	}
	return out + "]"
}

// TestIndexCheckerCatchesDrift proves the checker can fail: an index that lost a party, one that kept a
// released party, and one out of order are all reported.
func TestIndexCheckerCatchesDrift(t *testing.T) {
	env := fixtures.Default()
	byName := map[string]fixtures.User{}
	for _, u := range env.Users {
		byName[u.UserName] = u
	}
	c1, a1, a2 := byName["customer1"], byName["agent1"], byName["agent2"]
	s := New(env, Options{})
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	dial := func(from fixtures.User, to string) {
		t.Helper()
		if _, err := s.Apply(now, Request{UserID: from.ID, Resource: ResDeviceCalls, ResourceID: from.Device.ID,
			Operation: OpDial, Destination: to}); err != nil {
			t.Fatal(err)
		}
	}
	dial(c1, a1.Device.DN)
	dial(a2, c1.Device.DN) // customer1 now has two calls
	if err := indexMismatch(s); err != nil {
		t.Fatalf("a consistent state is reported: %v", err)
	}
	d := s.deviceByID[c1.Device.ID]
	if len(d.active) != 2 {
		t.Fatalf("customer1 has %d active parties, want 2", len(d.active))
	}
	saved := slices.Clone(d.active)

	d.active = d.active[:1]
	if indexMismatch(s) == nil {
		t.Error("an index that lost a party is not reported")
	}
	d.active = []*party{saved[1], saved[0]}
	if indexMismatch(s) == nil {
		t.Error("an index out of call order is not reported")
	}
	d.active = saved
	saved[0].state = Released
	if indexMismatch(s) == nil {
		t.Error("an index that kept a released party is not reported")
	}
	saved[0].state = Dialing
	agent := s.deviceByID[a1.Device.ID].user
	agent.idleSince = now
	if indexMismatch(s) == nil {
		t.Error("a busy agent with an idle time is not reported")
	}
}

// WithoutIndexCheck turns the per-operation index check off for the rest of a benchmark, which measures the
// core as the simulator runs it.
func WithoutIndexCheck(tb testing.TB) {
	saved := afterChange
	afterChange = nil
	tb.Cleanup(func() { afterChange = saved })
}
