package control_test

import (
	"net/http"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator"
)

// traced is one published notification, comparable across runs.
type traced struct {
	UserID, Channel, Data string
}

// busyCenter loads fixtures/busy-center.yaml.
func busyCenter() *fixtures.Environment {
	GinkgoHelper()
	env, err := fixtures.Load("../../../fixtures/busy-center.yaml")
	Expect(err).NotTo(HaveOccurred())
	return env
}

// play advances the clock by seconds through the control API and returns what was published meanwhile. A
// read first lets every action due by now run, so that the trace starts at the same point in every run.
func (r *rig) play(seconds int) []traced {
	GinkgoHelper()
	r.state()
	mark := len(r.recorded())
	rep := r.post(advanceURL, map[string]any{"seconds": seconds})
	Expect(rep).To(succeed())
	Expect(rep.Object()["actions"]).To(BeNumerically(">", 0))
	r.state()
	var out []traced
	for _, n := range r.recorded()[mark:] {
		out = append(out, traced{UserID: n.UserID, Channel: n.Channel, Data: withoutTimestamp(n.Data)})
	}
	return out
}

// serverTimestamp is the absolute time in a notification's metrics: a trace played again after a reset runs
// later on the same clock, so traces are compared without it.
var serverTimestamp = regexp.MustCompile(`"serverGenerationTimestamp":[0-9]+`)

func withoutTimestamp(data []byte) string {
	return serverTimestamp.ReplaceAllString(string(data), `"serverGenerationTimestamp":0`)
}

// supervisionLegs lists the parties of the state's calls on which a supervisor monitors someone.
func supervisionLegs(state map[string]any) []map[string]any {
	GinkgoHelper()
	var legs []map[string]any
	for _, c := range stateCalls(state) {
		for _, p := range parties(c) {
			if p["supervising"] != nil {
				legs = append(legs, p)
			}
		}
	}
	return legs
}

var _ = Describe("A scripted environment on a stopped virtual clock", func() {
	var (
		r       *rig
		initial map[string]any
	)
	BeforeEach(func() {
		r = startRig(busyCenter(), stoppedClock())
		initial = r.state()
	})

	It("starts with standing supervision, agents logged in, and no calls", func() {
		Expect(initial).To(HaveKeyWithValue("seed", 2026.0))
		Expect(initial["calls"]).To(BeEmpty())
		Expect(initial["supervision"]).To(ConsistOf(
			map[string]any{"supervisor": "supervisor1", "state": "Coach", "scope": "Call", "mode": "AllCalls", "target": "agent1"},
			map[string]any{"supervisor": "supervisor2", "state": "ListenIn", "scope": "Agent", "mode": "AllCalls", "target": "agent2"},
			map[string]any{"supervisor": "supervisor3", "state": "BargeIn", "scope": "Call", "mode": "AllCalls", "target": "agent41"},
		))
		Expect(userSnapshot(initial, "agent7")).To(And(HaveKeyWithValue("contactCenterSession", true), HaveKeyWithValue("agentState", "Ready")))
		Expect(userSnapshot(initial, "agent1")).To(HaveKeyWithValue("supervisedBy", "supervisor1"))
	})

	It("plays ten minutes on one advance: calls arrive, agents answer, supervisors join", func() {
		trace := r.play(600)

		st := r.state()
		Expect(nowOf(st["clock"].(map[string]any)["now"])).To(Equal(epoch.Add(10 * time.Minute)))
		calls := stateCalls(st)
		Expect(calls).NotTo(BeEmpty())
		var answered int
		for _, c := range calls {
			for _, p := range parties(c) {
				if name, _ := p["userName"].(string); strings.HasPrefix(name, "agent") && p["state"] == "Established" {
					answered++
				}
			}
		}
		Expect(answered).To(BeNumerically(">", 0), "agents are talking")
		Expect(supervisionLegs(st)).NotTo(BeEmpty(), "a supervisor is on a call")
		for _, leg := range supervisionLegs(st) {
			Expect(leg["userName"]).To(HavePrefix("supervisor"))
			Expect(leg["supervising"]).To(BeElementOf("Coach", "ListenIn", "BargeIn"))
			Expect(leg["monitored"]).NotTo(BeEmpty())
		}

		// What supervisor1 was told: supervision calls, monitoring true, that got Established.
		sup1 := r.user("supervisor1").ID
		var monitoring, established int
		for _, n := range trace {
			if n.UserID != sup1 || n.Channel != "/v2/me/calls" {
				continue
			}
			m := decodeData([]byte(n.Data))
			Expect(m).To(HaveKeyWithValue("messageType", "CallStateChangeMessage"))
			call, _ := m["call"].(map[string]any)
			Expect(call).To(HaveKeyWithValue("monitoring", true))
			monitoring++
			if call["state"] == "Established" {
				established++
			}
		}
		Expect(monitoring).To(BeNumerically(">", 0))
		Expect(established).To(BeNumerically(">", 0))

		// The GWS API agrees with the state about supervisor1.
		sup1Calls := r.as("supervisor1").calls()
		var sup1Legs int
		for _, leg := range supervisionLegs(st) {
			if leg["userName"] == "supervisor1" {
				sup1Legs++
			}
		}
		Expect(sup1Calls).To(HaveLen(sup1Legs))
	})

	It("is back at its start after a reset, and plays the same trace again", func() {
		first := r.play(600)
		Expect(first).NotTo(BeEmpty())

		Expect(r.post(resetURL, nil)).To(succeed())
		st := r.state()
		Expect(st["calls"]).To(BeEmpty())
		Expect(nowOf(st["clock"].(map[string]any)["now"])).To(Equal(epoch.Add(10 * time.Minute)))
		Expect(withoutNow(st)).To(Equal(withoutNow(initial)))

		second := r.play(600)
		Expect(len(second)).To(Equal(len(first)))
		Expect(second).To(Equal(first))
	})

	It("plays the trace of a fresh simulator with the same seed, and another with another seed", func() {
		first := r.play(300)
		same := startRig(busyCenter(), stoppedClock(), simulator.WithSeed(2026))
		// Another rig has another base URL, so compare with it replaced.
		normal := func(t []traced, base string) []traced {
			out := make([]traced, len(t))
			for i, n := range t {
				out[i] = traced{n.UserID, n.Channel, strings.ReplaceAll(n.Data, base, "BASE")}
			}
			return out
		}
		Expect(normal(same.play(300), same.URL)).To(Equal(normal(first, r.URL)))
		other := startRig(busyCenter(), stoppedClock(), simulator.WithSeed(7))
		Expect(other.state()).To(HaveKeyWithValue("seed", 7.0))
		Expect(normal(other.play(300), other.URL)).NotTo(Equal(normal(first, r.URL)))
	})

	It("takes calls from outside alongside the script", func() {
		r.play(60)
		id := r.inbound("+15550001111", "7001")
		var found bool
		for _, c := range stateCalls(r.state()) {
			if c["id"] == id {
				found = true
				Expect(c).To(HaveKeyWithValue("ani", "+15550001111"))
			}
		}
		Expect(found).To(BeTrue())
		Expect(r.control(http.MethodDelete, callsURL+"/"+id, nil)).To(succeed())
	})
})

var _ = Describe("A small inline script", func() {
	It("answers, talks and hangs up on the virtual clock, step by step", func() {
		env, err := fixtures.Parse("inline", []byte(`
name: tiny
users:
  - {userName: agent1, password: password, role: agent, device: {dn: "5001"}}
  - {userName: supervisor1, password: password, role: supervisor, device: {dn: "5005"}}
routingPoints:
  - {dn: "7000", agents: [agent1]}
script:
  seed: 5
  calls:
    - {from: ["+14155550100"], to: "7000", at: [10s]}
  agents:
    - {users: [agent1], answerAfter: 2s, talk: 30s}
  supervision:
    - {supervisor: supervisor1, monitor: ListenIn, agent: agent1}
`))
		Expect(err).NotTo(HaveOccurred())
		r := startRig(env, stoppedClock())
		Expect(r.state()).To(HaveKeyWithValue("seed", 5.0))

		step := func(seconds int) map[string]any {
			GinkgoHelper()
			Expect(r.post(advanceURL, map[string]any{"seconds": seconds})).To(succeed())
			return r.state()
		}
		Expect(step(9)["calls"]).To(BeEmpty())
		calls := stateCalls(step(1)) // t=10s: the call rings agent1
		Expect(calls).To(HaveLen(1))
		Expect(parties(calls[0])).To(ContainElement(And(HaveKeyWithValue("userName", "agent1"), HaveKeyWithValue("state", "Ringing"))))
		calls = stateCalls(step(2)) // t=12s: answered, supervisor1 listens in
		Expect(parties(calls[0])).To(ContainElement(And(HaveKeyWithValue("userName", "agent1"), HaveKeyWithValue("state", "Established"))))
		Expect(parties(calls[0])).To(ContainElement(And(HaveKeyWithValue("userName", "supervisor1"), HaveKeyWithValue("supervising", "ListenIn"))))
		calls = stateCalls(step(29)) // t=41s: still talking
		Expect(calls).To(HaveLen(1))
		Expect(step(1)["calls"]).To(BeEmpty()) // t=42s: agent1 hung up after 30 s
	})
})
