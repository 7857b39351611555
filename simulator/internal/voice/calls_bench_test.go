package voice_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// center is an environment of n customer/agent pairs and one supervisor coaching every tenth agent
// (AllCalls, Call scope: the supervisor joins each of that agent's calls, auto-answered).
type center struct {
	st        *voice.State
	customers []fixtures.User
	agents    []fixtures.User
	now       time.Time
}

func newCenter(tb testing.TB, n int) *center {
	tb.Helper()
	voice.WithoutIndexCheck(tb)
	env := &fixtures.Environment{Name: fmt.Sprintf("bench-%d", n)}
	var customers, agents, sups []fixtures.User
	for i := range n {
		c := fixtures.User{UserName: fmt.Sprintf("customer%d", i), Password: "password", Role: fixtures.RoleCustomer,
			Device: fixtures.Device{DN: fmt.Sprint(20000 + i)}}
		a := fixtures.User{UserName: fmt.Sprintf("agent%d", i), Password: "password", Role: fixtures.RoleAgent,
			Device: fixtures.Device{DN: fmt.Sprint(40000 + i)}}
		customers, agents = append(customers, c), append(agents, a)
		if i%10 == 0 {
			sups = append(sups, fixtures.User{UserName: fmt.Sprintf("supervisor%d", i), Password: "password",
				Role: fixtures.RoleSupervisor, Device: fixtures.Device{DN: fmt.Sprint(60000 + i)}})
		}
	}
	env.Users = append(append(append(env.Users, customers...), agents...), sups...)
	env, err := fixtures.Normalize(env)
	if err != nil {
		tb.Fatal(err)
	}
	c := &center{st: voice.New(env, voice.Options{}), now: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
	c.customers, c.agents = env.Users[:n], env.Users[n:2*n]
	for k, sup := range env.Users[2*n:] {
		target := c.agents[10*k]
		c.apply(tb, voice.Request{UserID: sup.ID, Resource: voice.ResDevice, ResourceID: sup.Device.ID,
			Operation: voice.OpCoach, TargetDeviceURI: env.BaseURL + "/api/v2/devices/" + target.Device.ID})
	}
	return c
}

func (c *center) apply(tb testing.TB, r voice.Request) []voice.Notification {
	notes, err := c.st.Apply(c.now, r)
	if err != nil {
		tb.Fatalf("%s: %v", r.Operation, err)
	}
	return notes
}

// call places, answers and ends one call of pair i; the customer hangs up.
func (c *center) call(tb testing.TB, i int) {
	cu, ag := c.customers[i], c.agents[i]
	c.now = c.now.Add(time.Millisecond)
	notes := c.apply(tb, voice.Request{UserID: cu.ID, Resource: voice.ResDeviceCalls, ResourceID: cu.Device.ID,
		Operation: voice.OpDial, Destination: ag.Device.DN})
	var id string
	for _, n := range notes {
		if m, ok := n.Data.(voice.CallStateChange); ok && n.UserID == ag.ID {
			id = m.Call.ID
		}
	}
	if id == "" {
		tb.Fatalf("pair %d: the agent was not offered the call", i)
	}
	c.apply(tb, voice.Request{UserID: ag.ID, Resource: voice.ResCall, ResourceID: id, Operation: voice.OpAnswer})
	c.apply(tb, voice.Request{UserID: cu.ID, Resource: voice.ResCall, ResourceID: id, Operation: voice.OpHangup})
}

// hold keeps every pair but the ones being measured on a call, so that the center is as busy as its size:
// pair i of a center of n is on a call while the benchmark cycles through pairs [0, 10).
func (c *center) hold(tb testing.TB, from int) {
	for i := from; i < len(c.agents); i++ {
		cu, ag := c.customers[i], c.agents[i]
		notes := c.apply(tb, voice.Request{UserID: cu.ID, Resource: voice.ResDeviceCalls, ResourceID: cu.Device.ID,
			Operation: voice.OpDial, Destination: ag.Device.DN})
		for _, n := range notes {
			if m, ok := n.Data.(voice.CallStateChange); ok && n.UserID == ag.ID {
				c.apply(tb, voice.Request{UserID: ag.ID, Resource: voice.ResCall, ResourceID: m.Call.ID, Operation: voice.OpAnswer})
			}
		}
	}
}

// BenchmarkCoreCalls is closed-loop Dial → Answer → Hangup in the voice core, one call per op, with every
// other pair of the center on a call (10% of agents coached). ns/op should not grow with pairs.
func BenchmarkCoreCalls(b *testing.B) {
	for _, n := range []int{50, 500} {
		b.Run(fmt.Sprintf("pairs=%d", n), func(b *testing.B) {
			c := newCenter(b, n)
			c.hold(b, 10)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				c.call(b, i%10)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
		})
	}
}

// BenchmarkCoreCallsScaling runs the two centers of BenchmarkCoreCalls interleaved, 50 calls on each per op,
// and reports calls/s of each and their ratio (target: calls/s at 500 pairs ≥ 0.9× the figure at 50).
func BenchmarkCoreCallsScaling(b *testing.B) {
	small, large := newCenter(b, 50), newCenter(b, 500)
	small.hold(b, 10)
	large.hold(b, 10)
	var ts, tl time.Duration
	calls := 0
	for b.Loop() {
		start := time.Now()
		for i := range 50 {
			small.call(b, i%10)
		}
		mid := time.Now()
		for i := range 50 {
			large.call(b, i%10)
		}
		ts, tl = ts+mid.Sub(start), tl+time.Since(mid)
		calls += 50
	}
	b.ReportMetric(float64(calls)/ts.Seconds(), "calls/s-50")
	b.ReportMetric(float64(calls)/tl.Seconds(), "calls/s-500")
	b.ReportMetric(ts.Seconds()/tl.Seconds(), "ratio-500/50")
}
