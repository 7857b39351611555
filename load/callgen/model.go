// Package callgen is coachsim's load mode: a pool of customers, agents and supervisors, each with its own
// REST client and CometD long poll, placing supervised calls against a GWS server on an open-loop schedule,
// checking supervision on every supervised call with the conformance suite's rules and matchers, and
// measuring latencies in HdrHistograms.
//
// # Traffic model
//
// Call i is planned from the seed alone (Model.Call): its intended start on the open-loop schedule (a linear
// ramp to Rate over Ramp, then Rate per second), the answer delay and talk time, whether it is transferred
// (single step to another free agent) and whether, and how, it is supervised (Coach, ListenIn or BargeIn;
// Agent or Call scope; AllCalls or NextCall). Two runs with one seed plan the same calls.
//
// # Coordinated omission
//
// Every latency that starts with the call is measured from the call's intended start, not from the moment
// the generator got round to sending it: when the server stalls, calls that should have been placed during
// the stall are late, and their lateness is in the percentiles. A run also reports how late calls were
// placed (the schedule lag), so that a generator that cannot keep up is seen as such.
package callgen

import (
	"math"
	"math/rand/v2"
	"time"
)

// Supervision operations, scopes and modes (GWS names).
const (
	OpCoach    = "Coach"
	OpListenIn = "ListenIn"
	OpBargeIn  = "BargeIn"
	ScopeAgent = "Agent"
	ScopeCall  = "Call"
	ModeAll    = "AllCalls"
	ModeNext   = "NextCall"
)

// Model is the traffic description.
type Model struct {
	Seed     uint64
	Rate     float64       // calls per second once ramped up
	Ramp     time.Duration // linear ramp from 0 to Rate
	Duration time.Duration // calls are planned in [0, Duration)
	MaxCalls int           // 0: no limit other than Duration
	// Supervised is the share of calls a supervisor monitors (0..1).
	Supervised float64
	// Transferred is the share of calls the agent transfers in a single step to another agent (0..1).
	Transferred float64
	// AnswerDelay and Talk are ranges [min, max] drawn uniformly per call.
	AnswerDelay [2]time.Duration
	Talk        [2]time.Duration
}

// PlannedCall is one call of the plan.
type PlannedCall struct {
	Seq      int
	At       time.Duration // intended start after the run's start
	Answer   time.Duration // delay from ringing to Answer
	Talk     time.Duration // from established to the transfer or the hang-up
	Transfer bool
	// Supervision: empty Op means unsupervised.
	Op, Scope, Mode string
}

// Supervised says whether a supervisor monitors the call.
func (p PlannedCall) Supervised() bool { return p.Op != "" }

// Call plans call seq; ok is false past the end of the plan.
func (m Model) Call(seq int) (PlannedCall, bool) {
	if m.MaxCalls > 0 && seq >= m.MaxCalls || m.Rate <= 0 {
		return PlannedCall{}, false
	}
	at := m.startOf(seq)
	if m.Duration > 0 && at >= m.Duration {
		return PlannedCall{}, false
	}
	r := rand.New(rand.NewPCG(m.Seed, uint64(seq)))
	between := func(rg [2]time.Duration) time.Duration {
		if rg[1] <= rg[0] {
			return rg[0]
		}
		return rg[0] + time.Duration(r.Int64N(int64(rg[1]-rg[0])))
	}
	p := PlannedCall{Seq: seq, At: at, Answer: between(m.AnswerDelay), Talk: between(m.Talk)}
	p.Transfer = r.Float64() < m.Transferred
	if r.Float64() < m.Supervised {
		p.Op = []string{OpCoach, OpListenIn, OpBargeIn}[r.IntN(3)]
		p.Scope = []string{ScopeAgent, ScopeCall}[r.IntN(2)]
		p.Mode = []string{ModeAll, ModeNext}[r.IntN(2)]
	}
	return p, true
}

// startOf is the intended start of call seq: with n(t) = Rate·t²/(2·Ramp) calls due by t during the ramp
// and Rate·(t − Ramp/2) after it, call seq is due when n(t) = seq.
func (m Model) startOf(seq int) time.Duration {
	n := float64(seq)
	ramp := m.Ramp.Seconds()
	var t float64
	if inRamp := m.Rate * ramp / 2; ramp > 0 && n < inRamp {
		t = math.Sqrt(2 * n * ramp / m.Rate)
	} else {
		t = n/m.Rate + ramp/2
	}
	return time.Duration(t * float64(time.Second))
}

// Planned is the number of calls the model plans (Duration and MaxCalls).
func (m Model) Planned() int {
	if m.Rate <= 0 {
		return 0
	}
	if m.Duration <= 0 {
		return m.MaxCalls
	}
	d, ramp := m.Duration.Seconds(), m.Ramp.Seconds()
	var n float64
	if d <= ramp {
		n = m.Rate * d * d / (2 * ramp)
	} else {
		n = m.Rate * (d - ramp/2)
	}
	c := int(math.Ceil(n))
	for c > 0 && m.startOf(c-1) >= m.Duration {
		c--
	}
	for m.startOf(c) < m.Duration {
		c++
	}
	if m.MaxCalls > 0 {
		c = min(c, m.MaxCalls)
	}
	return c
}
