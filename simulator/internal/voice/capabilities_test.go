package voice_test

import (
	"encoding/json"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// The capability table, row by row, against the documented sets of documented_test.go (the call rows of plain
// parties are also covered situation by situation in transitions_test.go), and the call members of
// behaviour.md §12.8.

func recorder(name string) func(env *fixtures.Environment) {
	return func(env *fixtures.Environment) {
		for i := range env.Users {
			if env.Users[i].UserName == name {
				env.Users[i].Features = append(env.Users[i].Features, fixtures.FeatureVoiceRecording)
			}
		}
	}
}

var _ = Describe("The capability table (behaviour.md §12.1)", func() {
	DescribeTable("the supervisor's monitoring call offers the documented set with the allowed switch, never the mute operations",
		func(kind voice.MonitorType) {
			w := newWorld()
			supervisedCall(w, kind, voice.ScopeCall, voice.ModeAllCalls)
			c := w.callOf(nS)
			Expect(c.Capabilities).To(ConsistOf(docMonitoring(kind)))
			Expect(c.Capabilities).NotTo(ContainElements(voice.OpMuteMonitoredUser, voice.OpUnmuteMonitoredUser))
			w.op(nS, voice.OpMuteMonitoredUser)
			Expect(w.callOf(nS).Capabilities).To(ConsistOf(docMonitoring(kind)), "muting changes no capability")
		},
		Entry("ListenIn", voice.ListenIn), Entry("Coach", voice.Coach), Entry("BargeIn", voice.BargeIn))

	It("offers Answer and the user-data operations on the supervisor's ringing call", func() {
		w := newWorld(manualSupervisorAnswer)
		w.supervise(nS, voice.ListenIn, nA, voice.ScopeCall, voice.ModeAllCalls)
		w.dial(nC, dA)
		w.answer(nA)
		Expect(w.callOf(nS).State).To(Equal("Ringing"))
		Expect(w.callOf(nS).Capabilities).To(ConsistOf(docSupervisorRinging))
	})

	It("adds the recording operations of the recording state on an established call of a user who records", func() {
		w := newWorld(recorder(nA))
		talking(w)
		id := w.callOf(nA).ID
		Expect(w.callOf(nA).RecordingState).To(Equal("Stopped"))
		Expect(w.callOf(nA).Capabilities).To(ConsistOf(opset(docEstablished, opl(voice.OpStartCallRecording))))
		Expect(w.callOf(nC).Capabilities).To(ConsistOf(docEstablished), "the customer does not record")
		Expect(w.callOf(nC).RecordingState).To(BeEmpty())
		w.opOn(nA, id, voice.OpStartCallRecording)
		Expect(w.callOf(nA).Capabilities).To(ConsistOf(opset(docEstablished, opl(voice.OpPauseCallRecording, voice.OpStopCallRecording))))
		w.opOn(nA, id, voice.OpPauseCallRecording)
		Expect(w.callOf(nA).Capabilities).To(ConsistOf(opset(docEstablished, opl(voice.OpResumeCallRecording, voice.OpStopCallRecording))))
		w.drain()
		w.refuse(nA, callReq(id, voice.OpPauseCallRecording), voice.ErrInvalidState)
		w.refuse(nC, callReq(id, voice.OpStartCallRecording), voice.ErrNoPermission)
		w.op(nA, voice.OpHold)
		Expect(w.callOf(nA).Capabilities).To(ConsistOf(docHeld), "recording operations only on an established call")
		Expect(w.callOf(nA).RecordingState).To(Equal("Paused"))
	})

	It("offers RemoveParticipantFromConference to the owner of a conference of three only", func() {
		w := newWorld()
		ids := conferenced(w)
		Expect(w.callIn(nA, ids["orig"]).Capabilities).To(ContainElement(voice.OpRemoveParticipant))
		Expect(w.callIn(nB, ids["orig"]).Capabilities).NotTo(ContainElement(voice.OpRemoveParticipant))
		Expect(w.callIn(nC, ids["orig"]).Capabilities).NotTo(ContainElement(voice.OpRemoveParticipant))
		w.refuse(nB, voice.Request{Resource: voice.ResCall, ResourceID: ids["orig"], Operation: voice.OpRemoveParticipant,
			Participant: dA}, voice.ErrInvalidState)
	})

	DescribeTable("devices offer DND and forwarding in every combination, and the monitoring operations to supervisors",
		func(name string, dnd, forward, subscribed bool, want []voice.Operation) {
			w := newWorld()
			if dnd {
				w.do(name, deviceReq(voice.OpDoNotDisturbOn))
			}
			if forward {
				r := deviceReq(voice.OpForwardCallsOn)
				r.Destination = dX
				w.do(name, r)
			}
			w.drain()
			if subscribed {
				w.supervise(name, voice.ListenIn, nA, voice.ScopeCall, voice.ModeAllCalls)
			}
			Expect(w.deviceOf(name).Capabilities).To(ConsistOf(want))
			Expect(w.deviceOf(name).Capabilities).NotTo(ContainElements(voice.OpMuteMonitoredUser, voice.OpUnmuteMonitoredUser))
		},
		Entry("agent, idle", nA, false, false, false, docAgentDevice),
		Entry("agent, DND", nA, true, false, false, opl(voice.OpDoNotDisturbOff, voice.OpForwardCallsOn)),
		Entry("agent, forwarding", nA, false, true, false, opl(voice.OpDoNotDisturbOn, voice.OpForwardCallsOff)),
		Entry("agent, DND and forwarding", nA, true, true, false, opl(voice.OpDoNotDisturbOff, voice.OpForwardCallsOff)),
		Entry("supervisor, idle", nS, false, false, false, docSupervisorDevice),
		Entry("supervisor, forwarding, subscribed", nS, false, true, true,
			opl(voice.OpDoNotDisturbOn, voice.OpForwardCallsOff, voice.OpListenIn, voice.OpCoach, voice.OpBargeIn, voice.OpCancelSupervisorMonitoring)),
	)
})

var _ = Describe("Call members (behaviour.md §12.8)", func() {
	It("counts duration in whole seconds from the moment the call appeared, ringing included, Released too", func() {
		w := newWorld()
		w.dial(nC, dA)
		w.drain()
		w.advance(4 * time.Second)
		w.answer(nA)
		w.drain()
		w.advance(42 * time.Second)
		Expect(w.callOf(nA).Duration).To(Equal("46"))
		Expect(w.callOf(nC).Duration).To(Equal("46"))
		w.advance(1500 * time.Millisecond)
		w.op(nC, voice.OpHangup)
		for _, name := range []string{nA, nC} {
			got := w.take(name)
			Expect(got).To(HaveLen(1))
			c := got[0].Data.(voice.CallStateChange).Call
			Expect(c.State).To(Equal("Released"))
			Expect(c.Duration).To(Equal("47"), "the final value, in whole seconds")
		}
	})

	It("counts the supervisor's duration from its own call's appearance", func() {
		w := newWorld()
		w.supervise(nS, voice.ListenIn, nA, voice.ScopeCall, voice.ModeAllCalls)
		w.dial(nC, dA)
		w.advance(10 * time.Second)
		w.answer(nA)
		w.advance(42 * time.Second)
		Expect(w.callOf(nS).Duration).To(Equal("42"))
		Expect(w.callOf(nA).Duration).To(Equal("52"))
	})

	It("puts extensions on every call notification but AttachedDataChanged, and metrics with the clock on all", func() {
		w := newWorld()
		notes := w.do(nC, dialReq(dA))
		for _, n := range notes {
			d := n.Data.(voice.CallStateChange)
			Expect(d.Extensions).To(Equal(map[string]any{"BusinessCall": 0}))
			Expect(d.Metrics.EventProcessing.ServerGenerationTimestamp).To(Equal(w.now.UnixMilli()))
		}
		r := callReq(w.ringingCall(nA).ID, voice.OpAttachUserData)
		r.UserData = voice.UserData{"k": json.RawMessage(`"v"`)}
		for _, n := range w.do(nA, r) {
			d := n.Data.(voice.CallStateChange)
			Expect(d.NotificationType).To(Equal(voice.NotifyAttachedDataChanged))
			Expect(d.Extensions).To(BeNil())
			Expect(d.Metrics).NotTo(BeNil())
		}
		for _, n := range w.do(nA, deviceReq(voice.OpDoNotDisturbOn)) {
			Expect(n.Data.(voice.DeviceStateChange).Metrics.EventProcessing.ServerGenerationTimestamp).To(Equal(w.now.UnixMilli()))
		}
	})

	DescribeTable("formats participants: DNs as they are, North American numbers with E.164, national format and country",
		func(from, e164, formatted, digits string, country bool) {
			w := newWorld()
			w.inbound(from, dA)
			p := w.callOf(nA).Participants[0]
			Expect(p.E164Number).To(Equal(e164))
			Expect(p.FormattedPhoneNumber).To(Equal(formatted))
			Expect(p.PhoneNumber).To(Equal(digits))
			Expect(p.Digits).To(Equal(digits))
			Expect(p.Country != nil).To(Equal(country))
		},
		Entry("+1 and ten digits", "+14155550100", "+14155550100", "(415) 555-0100", "4155550100", true),
		Entry("eleven digits starting with 1", "14155550100", "+14155550100", "(415) 555-0100", "4155550100", true),
		Entry("ten digits", "4155550100", "+14155550100", "(415) 555-0100", "4155550100", true),
		Entry("another country", "+442071838750", "", "+442071838750", "+442071838750", false),
		Entry("a short number", "911", "", "911", "911", false),
	)

	It("lists an internal DN with an empty e164Number", func() {
		w := newWorld()
		w.dial(nC, dA)
		Expect(w.callOf(nA).Participants).To(Equal([]voice.Participant{
			{E164Number: "", FormattedPhoneNumber: dC, PhoneNumber: dC, Digits: dC}}))
	})
})
