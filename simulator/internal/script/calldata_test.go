package script_test

import (
	"log/slog"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/clock"
	"github.com/coachsim/coachsim/simulator/internal/script"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// Scripted calls carry data: generators attach user data, agents send DTMF and record by rule.
var _ = Describe("Scripted call data", func() {
	newRecordingPlay := func(sc *fixtures.Script, seed uint64) *play {
		env := fixtures.Default()
		for i := range env.Users {
			if env.Users[i].UserName == "agent2" {
				env.Users[i].Features = append(env.Users[i].Features, fixtures.FeatureVoiceRecording)
			}
		}
		env.Script = sc
		p := &play{env: env, st: voice.New(env, voice.Options{}), start: clock.Epoch, now: clock.Epoch,
			names: map[string]string{}}
		for _, u := range env.Users {
			p.names[u.ID] = u.UserName
		}
		p.d = script.New(env, seed, p.start, slog.New(slog.NewTextHandler(&p.log, nil)))
		return p
	}
	busy := func() *fixtures.Script {
		return &fixtures.Script{
			Calls: []fixtures.CallGenerator{
				{Name: "web", From: []string{ext}, To: "7000", Every: dur("20s"), Count: 4,
					UserData: map[string][]string{"segment": {"gold", "silver", "bronze"}, "CustomerId": {"C-{n}"}}},
				{Name: "desk", From: []string{"customer1"}, To: "5001", At: []fixtures.Duration{dur("5s")},
					UserData: map[string][]string{"source": {"desk"}}},
			},
			Agents: []fixtures.AgentBehaviour{
				{Users: []string{"agent1"}, Talk: fixed("10s"), DTMF: "1234"},
				{Users: []string{"agent2"}, Talk: fixed("10s"), Record: true},
			},
		}
	}

	It("attaches each call's data, sends the agents' DTMF and starts their recordings", func() {
		p := newRecordingPlay(busy(), 3)
		p.runFor(2 * time.Minute)
		seen := map[string]string{} // CustomerId -> segment, on the ringing calls agents got
		var desk bool
		for _, n := range p.notes {
			c, ok := n.Data.(voice.CallStateChange)
			if !ok || c.Call.State != "Ringing" {
				continue
			}
			if id, ok := c.Call.UserData.String("CustomerId"); ok {
				seg, _ := c.Call.UserData.String("segment")
				Expect(seg).To(BeElementOf("gold", "silver", "bronze"))
				seen[id] = seg
			}
			if src, ok := c.Call.UserData.String("source"); ok && src == "desk" {
				desk = true
			}
		}
		Expect(seen).To(HaveLen(4))
		Expect(seen).To(HaveKey("C-1"))
		Expect(seen).To(HaveKey("C-4"))
		Expect(desk).To(BeTrue(), "the customer's own Dial carries the generator's data")
		Expect(p.count("agent1", func(c voice.CallStateChange) bool { return c.NotificationType == voice.NotifyDtmfSent })).
			To(BeNumerically(">", 0))
		Expect(p.count("agent2", func(c voice.CallStateChange) bool {
			return c.NotificationType == voice.NotifyRecordingState && c.Call.RecordingState == "Recording"
		})).To(BeNumerically(">", 0))
		Expect(p.count("agent1", func(c voice.CallStateChange) bool { return c.NotificationType == voice.NotifyRecordingState })).
			To(BeZero())
	})

	It("draws the same data for the same seed", func() {
		a, b := newRecordingPlay(busy(), 9), newRecordingPlay(busy(), 9)
		a.runFor(2 * time.Minute)
		b.runFor(2 * time.Minute)
		Expect(a.trace()).To(Equal(b.trace()))
	})
})
