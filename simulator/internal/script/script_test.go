package script_test

import (
	"bytes"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/clock"
	"github.com/coachsim/coachsim/simulator/internal/script"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

var update = flag.Bool("update", false, "rewrite the golden trace in testdata/")

func TestScript(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Script Suite")
}

const ext = "+14155550100"

func dur(s string) fixtures.Duration {
	d, err := fixtures.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return d
}

func fixed(s string) fixtures.Distribution { return fixtures.Distribution{Fixed: dur(s)} }

func off() *bool { f := false; return &f }

// play is a voice state driven by a Director alone, the way the engine drives it, with every notification
// stamped with the time of the action that caused it.
type play struct {
	env   *fixtures.Environment
	st    *voice.State
	d     *script.Director
	start time.Time
	now   time.Time
	log   bytes.Buffer
	notes []stamped
	names map[string]string // user id -> user name
}

type stamped struct {
	at time.Time
	voice.Notification
}

func newPlay(sc *fixtures.Script, seed uint64) *play {
	env := fixtures.Default()
	env.Script = sc
	p := &play{env: env, st: voice.New(env, voice.Options{}), start: clock.Epoch, now: clock.Epoch,
		names: map[string]string{}}
	for _, u := range env.Users {
		p.names[u.ID] = u.UserName
	}
	p.d = script.New(env, seed, p.start, slog.New(slog.NewTextHandler(&p.log, nil)))
	return p
}

// runFor lets the script act for d of virtual time.
func (p *play) runFor(d time.Duration) {
	until := p.now.Add(d)
	for {
		at, ok := p.d.Next()
		if !ok || at.After(until) {
			break
		}
		Expect(at).NotTo(BeTemporally("<", p.now), "an action was scheduled in the past")
		p.now = at
		for _, n := range p.d.Act(p.st, at) {
			p.notes = append(p.notes, stamped{at, n})
		}
	}
	p.now = until
}

// as performs an operation as an API client would, letting the script observe it.
func (p *play) as(name string, r voice.Request) {
	GinkgoHelper()
	u, _ := p.env.UserByName(name)
	r.UserID = u.ID
	if r.Resource == voice.ResDevice && r.ResourceID == "" {
		r.ResourceID = u.Device.ID
	}
	notes, err := p.st.Apply(p.now, r)
	Expect(err).NotTo(HaveOccurred())
	for _, n := range notes {
		p.notes = append(p.notes, stamped{p.now, n})
	}
	p.d.Observe(p.now, notes)
}

// trace renders every notification, one line each.
func (p *play) trace() string {
	var b strings.Builder
	for _, n := range p.notes {
		fmt.Fprintf(&b, "%8s %-11s ", n.at.Sub(p.start), p.names[n.UserID])
		switch d := n.Data.(type) {
		case voice.DeviceStateChange:
			dev := d.Devices[0]
			fmt.Fprintf(&b, "device %s dnd=%s", dev.UserState.State, dev.DoNotDisturb)
			if dev.UserState.WorkMode != "" {
				fmt.Fprintf(&b, "/%s", dev.UserState.WorkMode)
			}
			if m := dev.SupervisorMonitoringState; m != nil {
				fmt.Fprintf(&b, " monitoring=%s/%s/%s", m.State, m.Scope, m.Mode)
			}
		case voice.CallStateChange:
			c := d.Call
			fmt.Fprintf(&b, "call …%s %s %s %v", c.ID[len(c.ID)-4:], d.NotificationType, c.State, c.ParticipantNumbers())
			if c.Monitoring {
				b.WriteString(" monitoring mute=" + c.Mute)
			}
			if c.SupervisorListeningIn {
				b.WriteString(" supervised")
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// callsOf counts the notifications of a kind a user received.
func (p *play) count(user string, match func(voice.CallStateChange) bool) int {
	n := 0
	for _, s := range p.notes {
		if csc, ok := s.Data.(voice.CallStateChange); ok && p.names[s.UserID] == user && match(csc) {
			n++
		}
	}
	return n
}

func state(s string) func(voice.CallStateChange) bool {
	return func(c voice.CallStateChange) bool {
		return c.NotificationType == voice.NotifyStatusChange && c.Call.State == s
	}
}

// lab is a small but complete script over the default environment: external callers and customer1 calling
// the routing point, three scripted agents who transfer both ways, two standing supervisions.
func lab() *fixtures.Script {
	return &fixtures.Script{
		Calls: []fixtures.CallGenerator{
			{Name: "inbound", From: []string{ext, "+14155550101", "+14155550102"}, To: "7000",
				Rate: fixtures.Rate(90.0 / 3600), AbandonAfter: dur("45s")},
			{Name: "customer", From: []string{"customer1"}, To: "7000", Every: dur("3m"), Start: dur("30s")},
		},
		Agents: []fixtures.AgentBehaviour{{
			Users:         []string{"agent*"},
			AnswerAfter:   dur("2s"),
			Talk:          fixtures.Distribution{Min: dur("20s"), Max: dur("100s")},
			AfterCallWork: dur("5s"),
			Transfers: []fixtures.TransferRule{
				{To: "7000", Kind: fixtures.TransferSingleStep, Probability: 0.2, After: dur("15s")},
				{To: "5003", Kind: fixtures.TransferConsult, Probability: 0.15, After: dur("10s"), ConsultFor: dur("4s")},
			},
		}},
		Supervision: []fixtures.StandingSupervision{
			{Supervisor: "supervisor1", Monitor: "Coach", Agent: "agent1", Scope: "Call", Mode: "AllCalls"},
			{Supervisor: "supervisor2", Monitor: "ListenIn", Agent: "agent2", Scope: "Agent", Mode: "AllCalls"},
		},
	}
}

var _ = Describe("A scripted environment", func() {
	It("gives the same notification trace for the same script and seed (golden file)", func() {
		first := newPlay(lab(), 7)
		first.runFor(20 * time.Minute)
		second := newPlay(lab(), 7)
		second.runFor(20 * time.Minute)
		trace := first.trace()
		Expect(second.trace()).To(Equal(trace), "same script, same seed, different trace")
		Expect(newPlayTrace(lab(), 8, 20*time.Minute)).NotTo(Equal(trace), "another seed should give another trace")

		golden := filepath.Join("testdata", "lab-seed7-20m.trace")
		if *update {
			Expect(os.MkdirAll("testdata", 0o755)).To(Succeed())
			Expect(os.WriteFile(golden, []byte(trace), 0o644)).To(Succeed())
		}
		want, err := os.ReadFile(golden)
		Expect(err).NotTo(HaveOccurred(), "golden trace missing: run go test ./simulator/internal/script -update")
		Expect(trace).To(Equal(string(want)), "the trace changed; if on purpose, regenerate with -update")

		// The trace is a busy one: calls were answered, transferred both ways, supervised, and abandoned.
		log := first.log.String()
		for _, line := range []string{`msg="call answered"`, `msg="call transferred"`, `kind=singleStep`,
			`kind=consult`, `msg="supervisor on call"`, `msg="call ended"`} {
			Expect(log).To(ContainSubstring(line))
		}
	})

	It("logs agents in and starts standing supervision at the start", func() {
		p := newPlay(lab(), 1)
		p.runFor(0)
		snap := p.st.Snapshot(p.now)
		for _, u := range snap.Users {
			if u.Role == "agent" {
				Expect(u.Session).To(BeTrue(), u.UserName)
				Expect(u.AgentState).To(Equal("Ready"), u.UserName)
			}
		}
		Expect(snap.Supervision).To(ConsistOf(
			voice.SupervisionSnapshot{Supervisor: "supervisor1", State: voice.Coach, Scope: voice.ScopeCall,
				Mode: voice.ModeAllCalls, Target: "agent1"},
			voice.SupervisionSnapshot{Supervisor: "supervisor2", State: voice.ListenIn, Scope: voice.ScopeAgent,
				Mode: voice.ModeAllCalls, Target: "agent2"},
		))
	})

	Describe("routing", func() {
		It("hands each call to the longest-idle Ready agent; an agent in after-call work waits its turn", func() {
			p := newPlay(&fixtures.Script{
				Calls: []fixtures.CallGenerator{{From: []string{ext}, To: "7000",
					At: []fixtures.Duration{dur("10s"), dur("20s"), dur("30s"), dur("40s")}}},
				Agents: []fixtures.AgentBehaviour{{Users: []string{"agent1", "agent2", "agent3"},
					Talk: fixed("15s"), AfterCallWork: dur("1m")}},
			}, 1)
			p.runFor(time.Minute)
			// All three went Ready at the start: agent1, agent2, agent3 in fixture order take the first three
			// calls; the fourth waits until the first agent's after-call work is over (10s+15s+1m).
			Expect(p.count("agent1", state("Ringing"))).To(Equal(1))
			Expect(p.count("agent2", state("Ringing"))).To(Equal(1))
			Expect(p.count("agent3", state("Ringing"))).To(Equal(1))
			Expect(p.st.Snapshot(p.now).RoutingPoints[0].Queue).To(HaveLen(1))
			p.runFor(30 * time.Second)
			Expect(p.count("agent1", state("Ringing"))).To(Equal(2))
			Expect(p.trace()).To(ContainSubstring("1m25s agent1      call …0004 StatusChange Ringing"))
		})

		It("queues calls while nobody is Ready, and callers abandon after their patience runs out", func() {
			p := newPlay(&fixtures.Script{
				Calls: []fixtures.CallGenerator{{From: []string{ext, "customer1"}, To: "7000", Every: dur("10s"),
					Count: 4, AbandonAfter: dur("25s")}},
				Agents: []fixtures.AgentBehaviour{{Users: []string{"agent1"}, Login: off(), Talk: fixed("30s")}},
			}, 3)
			p.runFor(20 * time.Second)
			Expect(p.st.Snapshot(p.now).RoutingPoints[0].Queue).To(HaveLen(3))
			p.runFor(time.Minute)
			Expect(p.st.Snapshot(p.now).RoutingPoints[0].Queue).To(BeEmpty(), "every caller gave up")
			Expect(p.st.Snapshot(p.now).Calls).To(BeEmpty())
			Expect(strings.Count(p.log.String(), `msg="call abandoned"`)).To(Equal(4))

			// An agent who logs in by hand is served by the script from then on.
			p.as("agent1", voice.Request{Resource: voice.ResMe, Operation: voice.OpStartContactCenterSession, Channels: []string{"voice"}})
			p.as("agent1", voice.Request{Resource: voice.ResChannel, ResourceID: "voice", Operation: voice.OpReady})
			Expect(p.count("agent1", state("Ringing"))).To(BeZero())
		})

		It("does not abandon a call that was answered in time", func() {
			p := newPlay(&fixtures.Script{
				Calls:  []fixtures.CallGenerator{{From: []string{ext}, To: "5001", At: []fixtures.Duration{0}, AbandonAfter: dur("5s")}},
				Agents: []fixtures.AgentBehaviour{{Users: []string{"agent1"}, AnswerAfter: dur("4s"), Talk: fixed("1m")}},
			}, 1)
			p.runFor(30 * time.Second)
			Expect(p.count("agent1", state("Established"))).To(Equal(1))
			Expect(p.log.String()).NotTo(ContainSubstring("call abandoned"))
			p.runFor(time.Minute)
			Expect(p.count("agent1", state("Released"))).To(Equal(1))
		})
	})

	Describe("scripted transfers keep the supervision rules", func() {
		// agent1 always transfers in one step to agent2 after 10s; supervisor1 coaches agent1.
		transferring := func(kind fixtures.TransferKind, scope string) *play {
			p := newPlay(&fixtures.Script{
				Calls: []fixtures.CallGenerator{{From: []string{ext}, To: "5001", At: []fixtures.Duration{0}}},
				Agents: []fixtures.AgentBehaviour{
					{Users: []string{"agent1"}, Talk: fixed("1m"),
						Transfers: []fixtures.TransferRule{{To: "5002", Kind: kind, Probability: 1, After: dur("10s")}}},
					{Users: []string{"agent2"}, AnswerAfter: dur("1s"), Talk: fixed("1m")},
				},
				Supervision: []fixtures.StandingSupervision{
					{Supervisor: "supervisor1", Monitor: "Coach", Agent: "agent1", Scope: scope, Mode: "AllCalls"}},
			}, 1)
			p.runFor(30 * time.Second)
			return p
		}
		for _, kind := range []fixtures.TransferKind{fixtures.TransferSingleStep, fixtures.TransferConsult} {
			It(fmt.Sprintf("Agent scope, %s: the supervisor leaves with agent1; agent2's call shows no supervisor", kind), func() {
				p := transferring(kind, "Agent")
				Expect(p.count("supervisor1", state("Released"))).To(Equal(1))
				calls := p.st.UserCalls(p.env.Users[2].ID, p.now) // agent2
				Expect(calls).To(HaveLen(1))
				Expect(calls[0].State).To(Equal("Established"))
				Expect(calls[0].SupervisorListeningIn).To(BeFalse())
				Expect(calls[0].ParticipantNumbers()).To(Equal([]string{ext[2:]})) // listed in national form
			})
			It(fmt.Sprintf("Call scope, %s: the supervisor continues with agent2 and coaches it", kind), func() {
				p := transferring(kind, "Call")
				Expect(p.count("supervisor1", state("Released"))).To(BeZero())
				sup := p.st.UserCalls(p.env.Users[4].ID, p.now) // supervisor1
				Expect(sup).To(HaveLen(1))
				Expect(sup[0].ParticipantNumbers()).To(Equal([]string{ext[2:], "5002"}))
				calls := p.st.UserCalls(p.env.Users[2].ID, p.now) // agent2
				Expect(calls[0].SupervisorListeningIn).To(BeTrue())
				Expect(calls[0].ParticipantNumbers()).To(ContainElement("5005"))
			})
		}
	})

	It("wraps up: AfterCallWork when the agent ends a call, Ready when the time is over", func() {
		p := newPlay(&fixtures.Script{
			Calls:  []fixtures.CallGenerator{{From: []string{ext}, To: "5001", At: []fixtures.Duration{0}}},
			Agents: []fixtures.AgentBehaviour{{Users: []string{"agent1"}, Talk: fixed("20s"), AfterCallWork: dur("30s")}},
		}, 1)
		p.runFor(25 * time.Second)
		Expect(p.st.Snapshot(p.now).Users[1].AgentState).To(Equal("AfterCallWork"))
		p.runFor(30 * time.Second)
		Expect(p.st.Snapshot(p.now).Users[1].AgentState).To(Equal("Ready"))
		Expect(p.trace()).To(ContainSubstring("20s agent1      device NotReady dnd=Off/AfterCallWork"))
		Expect(p.trace()).To(ContainSubstring("50s agent1      device Ready"))
	})

	It("abandons a consultation nobody answers and takes the customer back", func() {
		p := newPlay(&fixtures.Script{
			Calls: []fixtures.CallGenerator{{From: []string{ext}, To: "5001", At: []fixtures.Duration{0}}},
			Agents: []fixtures.AgentBehaviour{{Users: []string{"agent1"}, Talk: fixed("20s"),
				Transfers: []fixtures.TransferRule{{To: "5002", Kind: fixtures.TransferConsult, Probability: 1, After: dur("5s")}}}},
		}, 1) // agent2 is not scripted: the consultation rings unanswered
		p.runFor(40 * time.Second) // the consultation is abandoned after 5s+30s
		Expect(p.log.String()).To(ContainSubstring(`msg="consultation abandoned"`))
		Expect(p.count("agent2", state("Released"))).To(Equal(1))
		calls := p.st.UserCalls(p.env.Users[1].ID, p.now)
		Expect(calls).To(HaveLen(1))
		Expect(calls[0].State).To(Equal("Established"), "the customer was retrieved")
		p.runFor(time.Minute)
		Expect(p.st.Snapshot(p.now).Calls).To(BeEmpty(), "and the call ended after the rest of the talk")
	})
})

func newPlayTrace(sc *fixtures.Script, seed uint64, d time.Duration) string {
	p := newPlay(sc, seed)
	p.runFor(d)
	return p.trace()
}
