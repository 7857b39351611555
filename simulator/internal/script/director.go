// Package script plays an environment's script: callers who dial in, agents who answer, talk, transfer and
// wrap up, and supervisors who monitor agents from the start (fixtures.Script).
//
// A Director is the engine's Actor. It is as pure as the voice core: no goroutines, no clock of its own, no
// I/O but logging. It keeps a queue of actions, each due at a time; the engine asks when the next one is due
// (Next), has it performed at exactly that time (Act), and shows the Director every change others make
// (Observe). Scripted users act only through the same operations an API client uses (voice.State.Apply), plus
// the two network operations for callers from outside (Inbound, Disconnect), and they react only to the
// notifications those operations produce, as a real client would. Every random choice comes from one
// generator seeded from the script's seed and is drawn in action order, so the same environment and seed
// give the same notification trace, on any clock.
//
// Concurrency contract: a Director is NOT safe for concurrent use; the engine's loop is its only caller.
package script

import (
	"container/heap"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// Director plays one script.
type Director struct {
	env   *fixtures.Environment
	log   *slog.Logger
	start time.Time
	rng   *rand.Rand

	queue actions
	seq   uint64

	users  map[string]fixtures.User // by user name
	byID   map[string]string        // user id -> user name
	agents map[string]*agent        // scripted agents by user name

	out []voice.Notification // what the action being performed has caused so far
}

// action is something scripted to happen at a time. Actions due at the same time run in the order they
// were scheduled.
type action struct {
	at  time.Time
	seq uint64
	do  func(st *voice.State, at time.Time)
}

type actions []*action

func (q actions) Len() int { return len(q) }
func (q actions) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q actions) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *actions) Push(x any)   { *q = append(*q, x.(*action)) }
func (q *actions) Pop() any {
	old := *q
	a := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return a
}

// New prepares env's script (env.Script must be set and the environment validated by the fixtures loader)
// to start at time start. seed 0 means the script's own seed (fixtures.Script.SeedValue). Nothing happens until the
// engine asks the Director to act: logins and standing supervision are due at start, then the first calls.
func New(env *fixtures.Environment, seed uint64, start time.Time, log *slog.Logger) *Director {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sc := env.Script
	if sc == nil {
		sc = &fixtures.Script{}
	}
	if seed == 0 {
		seed = sc.SeedValue()
	}
	d := &Director{
		env:    env,
		log:    log.With("component", "script"),
		start:  start,
		rng:    rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		users:  map[string]fixtures.User{},
		byID:   map[string]string{},
		agents: map[string]*agent{},
	}
	for _, u := range env.Users {
		d.users[u.UserName] = u
		d.byID[u.ID] = u.UserName
	}
	for _, u := range env.Users {
		if _, i, ok := env.BehaviourOf(u.UserName); ok {
			a := newAgent(d, u, &sc.Agents[i])
			d.agents[u.UserName] = a
			if a.beh.LogsIn() {
				d.at(start, a.login)
			}
		}
	}
	for _, s := range sc.Supervision {
		d.at(start, d.supervise(s))
	}
	for i := range sc.Calls {
		newGenerator(d, i, &sc.Calls[i]).schedule()
	}
	d.log.Info("script ready", "seed", seed, "agents", len(d.agents), "supervision", len(sc.Supervision),
		"generators", len(sc.Calls))
	return d
}

// Next is when the next action is due.
func (d *Director) Next() (time.Time, bool) {
	if len(d.queue) == 0 {
		return time.Time{}, false
	}
	return d.queue[0].at, true
}

// Act performs the earliest action at time at and returns the notifications it caused, in order.
func (d *Director) Act(st *voice.State, at time.Time) []voice.Notification {
	if len(d.queue) == 0 {
		return nil
	}
	a := heap.Pop(&d.queue).(*action)
	d.out = nil
	a.do(st, at)
	out := d.out
	d.out = nil
	return out
}

// Observe reacts to the notifications of a change someone else made.
func (d *Director) Observe(now time.Time, notes []voice.Notification) { d.react(now, notes) }

// at schedules fn at time t.
func (d *Director) at(t time.Time, fn func(st *voice.State, at time.Time)) {
	d.seq++
	heap.Push(&d.queue, &action{at: t, seq: d.seq, do: fn})
}

// apply performs an operation as a user. On success its notifications join the action's output and the
// Director reacts to them; a refused operation changes nothing and is logged at debug level, since
// scripted users, like people, sometimes try what the situation no longer allows.
func (d *Director) apply(st *voice.State, at time.Time, user fixtures.User, r voice.Request) error {
	r.UserID = user.ID
	notes, err := st.Apply(at, r)
	if err != nil {
		d.log.Debug("scripted operation refused", "t", d.since(at), "user", user.UserName, "operation", r.Operation, "error", err)
		return err
	}
	d.emit(at, notes)
	return nil
}

// emit adds notifications caused by a scripted action to its output and reacts to them.
func (d *Director) emit(at time.Time, notes []voice.Notification) {
	d.out = append(d.out, notes...)
	d.react(at, notes)
}

// react dispatches each notification to whoever in the script cares: the agent who received it, or the log
// for supervisors following calls.
func (d *Director) react(now time.Time, notes []voice.Notification) {
	for _, n := range notes {
		csc, ok := n.Data.(voice.CallStateChange)
		if !ok {
			continue
		}
		name := d.byID[n.UserID]
		if a := d.agents[name]; a != nil {
			a.onCall(now, csc)
		}
		if csc.Call.Monitoring {
			d.logSupervision(now, name, csc)
		}
	}
}

// logSupervision reports a supervisor joining, following and leaving calls.
func (d *Director) logSupervision(now time.Time, supervisor string, csc voice.CallStateChange) {
	c := csc.Call
	switch {
	case c.State == "Established" && csc.NotificationType == voice.NotifyStatusChange:
		d.log.Info("supervisor on call", "t", d.since(now), "supervisor", supervisor, "call", c.ID,
			"participants", c.ParticipantNumbers(), "mute", c.Mute)
	case csc.NotificationType == voice.NotifyParticipantsUpdated:
		d.log.Info("supervisor follows call", "t", d.since(now), "supervisor", supervisor, "call", c.ID,
			"participants", c.ParticipantNumbers())
	case c.State == "Released":
		d.log.Info("supervisor left call", "t", d.since(now), "supervisor", supervisor, "call", c.ID)
	}
}

// supervise is the action that starts a standing supervision.
func (d *Director) supervise(s fixtures.StandingSupervision) func(*voice.State, time.Time) {
	return func(st *voice.State, at time.Time) {
		sup, agent := d.users[s.Supervisor], d.users[s.Agent]
		err := d.apply(st, at, sup, voice.Request{Resource: voice.ResDevice, ResourceID: sup.Device.ID,
			Operation: voice.Operation(s.Monitor), TargetDeviceURI: st.BaseURL() + "/api/v2/devices/" + agent.Device.ID,
			Scope: s.Scope, Mode: s.Mode})
		if err != nil {
			d.log.Warn("standing supervision refused", "supervisor", s.Supervisor, "agent", s.Agent, "error", err)
			return
		}
		d.log.Info("supervision started", "t", d.since(at), "supervisor", s.Supervisor, "monitor", s.Monitor,
			"agent", s.Agent, "scope", s.Scope, "mode", s.Mode)
	}
}

// since is a time as an offset from the start of the script, for logs.
func (d *Director) since(t time.Time) time.Duration { return t.Sub(d.start) }

// uniform draws a number in [0, 1).
func (d *Director) uniform() float64 { return d.rng.Float64() }

// draw samples a time span, to the millisecond (so that traces and logs stay readable).
func (d *Director) draw(dist fixtures.Distribution) time.Duration {
	return dist.Sample(d.uniform()).Round(time.Millisecond)
}
