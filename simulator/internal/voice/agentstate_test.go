package voice_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// These specs are the rules of behaviour.md §11.1–§11.3 and §11.8, one table per rule: the documented
// userStates, what a device shows before the session, the repeated-state notification, reasons, Offline, and
// the unregistered device whose requests fail in the back end with an ErrorMessage.

var offline = &voice.UserState{ID: "0F7F5003-EF26-4D13-A6Ef-D0C7EC819BEB", DisplayName: "Offline", State: "LoggedOut"}

func unregistered(name string) func(*fixtures.Environment) {
	return func(env *fixtures.Environment) {
		no := false
		for i := range env.Users {
			if env.Users[i].UserName == name {
				env.Users[i].Device.Registered = &no
			}
		}
	}
}

func reasonReq(op voice.Operation, reason, code string) voice.Request {
	r := channelReq(op)
	r.Reason, r.ReasonCode = reason, code
	return r
}

var _ = Describe("Agent states (behaviour.md §11.3)", func() {
	var w *world
	BeforeEach(func() {
		w = newWorld()
		w.do(nA, meReq(voice.OpStartContactCenterSession, "voice"))
		w.drain()
	})

	DescribeTable("each operation gives its documented userState in one device notification",
		func(r voice.Request, want voice.UserState) {
			w.do(nA, r)
			w.expectAll(heard{nA: {dev().agent(want.State)}})
			Expect(w.deviceOf(nA).UserState).To(Equal(&want))
			Expect(w.deviceOf(nA).Capabilities).To(ConsistOf(voice.OpDoNotDisturbOn, voice.OpForwardCallsOn),
				"agent-state operations are never listed; DND and forwarding are offered in every state (§11.1)")
		},
		Entry("Ready", channelReq(voice.OpReady),
			voice.UserState{ID: "9430250E-0A1B-421F-B372-F29E69366DED", DisplayName: "Ready", State: "Ready"}),
		Entry("Ready with workmode AutoIn", func() voice.Request { r := channelReq(voice.OpReady); r.WorkMode = "AutoIn"; return r }(),
			voice.UserState{ID: "9430250E-0A1B-421F-B372-F29E69366DED", DisplayName: "Ready", State: "Ready"}),
		Entry("NotReady", channelReq(voice.OpNotReady),
			voice.UserState{ID: "900D55CC-2BB0-431F-8BF9-D3525B383BE6", DisplayName: "Not Ready", State: "NotReady"}),
		Entry("NotReady with a reason and a reasonCode", reasonReq(voice.OpNotReady, "Lunch", "7"),
			voice.UserState{ID: "900D55CC-2BB0-431F-8BF9-D3525B383BE6", DisplayName: "Not Ready", State: "NotReady",
				Reason: "Lunch", ReasonCode: "7"}),
		Entry("AfterCallWork with a wrapUpTime", func() voice.Request { r := channelReq(voice.OpAfterCallWork); r.WrapUpTime = "30"; return r }(),
			voice.UserState{ID: "D3663509-3D82-4DD3-A82E-2EA8EFA02AEF", DisplayName: "AfterCallWork", State: "NotReady", WorkMode: "AfterCallWork"}),
		Entry("AuxWork", channelReq(voice.OpAuxWork),
			voice.UserState{ID: "2B36138D-C564-4562-A8CB-3C32D564F296", DisplayName: "AuxWork", State: "NotReady", WorkMode: "AuxWork"}),
		Entry("Offline", channelReq(voice.OpOffline), *offline),
	)

	DescribeTable("asking for the state the agent has succeeds and sends the unchanged device again",
		func(op voice.Operation) {
			w.do(nA, channelReq(op))
			w.drain()
			before := w.snapshot()
			w.do(nA, channelReq(op))
			w.expectAll(heard{nA: {dev()}})
			Expect(w.snapshot()).To(Equal(before))
		},
		Entry("Ready", voice.OpReady), Entry("NotReady", voice.OpNotReady), Entry("AfterCallWork", voice.OpAfterCallWork),
		Entry("AuxWork", voice.OpAuxWork),
	)

	It("drops the reason when the agent leaves NotReady", func() {
		w.do(nA, reasonReq(voice.OpNotReady, "Break", ""))
		Expect(w.deviceOf(nA).UserState.Reason).To(Equal("Break"))
		w.do(nA, channelReq(voice.OpReady))
		w.do(nA, channelReq(voice.OpNotReady))
		Expect(w.deviceOf(nA).UserState.Reason).To(BeEmpty())
	})

	DescribeTable("refuses bad values with no change",
		func(r voice.Request, sentinel error) { w.refuse(nA, r, sentinel) },
		Entry("Ready with an unknown workmode", func() voice.Request { r := channelReq(voice.OpReady); r.WorkMode = "Sideways"; return r }(), voice.ErrInvalidValue),
		Entry("an unknown operation", channelReq("Lunch"), voice.ErrInvalidState),
	)

	It("logs the agent out with Offline, ending the supervision aimed at it; states then need a new session", func() {
		w.supervise(nS, voice.Coach, nA, voice.ScopeCall, voice.ModeAllCalls)
		w.do(nA, channelReq(voice.OpOffline))
		w.expectAll(heard{nA: {dev().agent("LoggedOut")}, nS: {dev()}})
		Expect(w.deviceOf(nS).SupervisorMonitoringState).To(BeNil())
		for _, op := range []voice.Operation{voice.OpReady, voice.OpNotReady, voice.OpAfterCallWork, voice.OpAuxWork, voice.OpOffline} {
			oe := w.refuse(nA, channelReq(op), voice.ErrInvalidState)
			Expect(oe.From).To(Equal("NoSession"))
		}
	})
})

var _ = Describe("Not-ready reasons of the environment", func() {
	var w *world
	BeforeEach(func() {
		w = newWorld(func(env *fixtures.Environment) {
			env.NotReadyReasons = []fixtures.NotReadyReason{{Code: "1", Reason: "Lunch"}, {Code: "2", Reason: "Training"}}
		})
		w.do(nA, meReq(voice.OpStartContactCenterSession, "voice"))
		w.drain()
	})

	It("fills in the reason of a configured code", func() {
		w.do(nA, reasonReq(voice.OpNotReady, "", "2"))
		Expect(w.deviceOf(nA).UserState.Reason).To(Equal("Training"))
		Expect(w.deviceOf(nA).UserState.ReasonCode).To(Equal("2"))
	})

	It("refuses a code it does not configure, with no change", func() {
		w.refuse(nA, reasonReq(voice.OpNotReady, "Lunch", "9"), voice.ErrInvalidValue)
	})

	It("accepts NotReady without a code", func() {
		w.do(nA, reasonReq(voice.OpNotReady, "Anything", ""))
		Expect(w.deviceOf(nA).UserState.Reason).To(Equal("Anything"))
	})
})

var _ = Describe("Devices before the session (behaviour.md §11.1)", func() {
	DescribeTable("every user's device is Active and Offline/LoggedOut, with DND and forwarding offered",
		func(name string) {
			w := newWorld()
			d := w.deviceOf(name)
			Expect(d.DeviceState).To(Equal("Active"))
			Expect(d.UserState).To(Equal(offline))
			Expect(d.Capabilities).To(ContainElements(voice.OpDoNotDisturbOn, voice.OpForwardCallsOn))
		},
		Entry("customer", nC), Entry("agent", nA), Entry("supervisor", nS),
	)

	DescribeTable("agent-state operations need the session",
		func(op voice.Operation) {
			oe := newWorld().refuse(nA, channelReq(op), voice.ErrInvalidState)
			Expect(oe.From).To(Equal("NoSession"))
		},
		Entry(nil, voice.OpReady), Entry(nil, voice.OpNotReady), Entry(nil, voice.OpAfterCallWork),
		Entry(nil, voice.OpAuxWork), Entry(nil, voice.OpOffline),
	)
})

var _ = Describe("An unregistered device (behaviour.md §11.1, §11.8)", func() {
	var w *world
	BeforeEach(func() { w = newWorld(unregistered(nA)) })

	It("is Inactive with no userState, before and after StartContactCenterSession", func() {
		d := w.deviceOf(nA)
		Expect(d.DeviceState).To(Equal("Inactive"))
		Expect(d.UserState).To(BeNil())
		Expect(d.Capabilities).To(ConsistOf(voice.OpDoNotDisturbOn, voice.OpForwardCallsOn))
		w.refuse(nA, meReq(voice.OpStartContactCenterSession, "voice"), voice.ErrBackend)
		Expect(w.deviceOf(nA).UserState).To(BeNil())
	})

	It("reports voice as failed when chat is asked for too; nothing succeeds, so it is an error", func() {
		oe := w.refuse(nA, meReq(voice.OpStartContactCenterSession, "voice", "chat"), voice.ErrBackend)
		Expect(oe.Detail).To(Equal("Device '5001' is not registered."))
	})

	DescribeTable("refuses device and agent-state requests in the back end with one ErrorMessage and no change",
		func(r voice.Request) {
			r.UserID = w.userID(nA)
			if r.Resource == voice.ResDevice || r.Resource == voice.ResDeviceCalls {
				r.ResourceID = w.deviceID(nA)
			}
			before := w.snapshot()
			res, notes, err := w.st.ApplyResult(w.now, r)
			Expect(err).To(MatchError(voice.ErrBackend))
			Expect(err.Error()).To(ContainSubstring("Device '5001' is not registered."))
			Expect(res.Partial()).To(BeFalse())
			Expect(notes).To(HaveLen(1))
			Expect(notes[0].UserID).To(Equal(w.userID(nA)))
			Expect(notes[0].Channel).To(Equal(voice.ChannelDevices))
			Expect(notes[0].Data).To(Equal(voice.ErrorMessage{MessageType: "ErrorMessage",
				DevicePath: "/devices/" + w.deviceID(nA), DeviceURI: w.deviceURI(nA),
				Metrics: &voice.Metrics{EventProcessing: voice.EventProcessing{ServerGenerationTimestamp: w.now.UnixMilli()}}}))
			Expect(w.snapshot()).To(Equal(before))
			_, err = w.st.Apply(w.now, r)
			Expect(err).To(MatchError(voice.ErrBackend), "Apply reports the same error without the message")
		},
		Entry("NotReady", channelReq(voice.OpNotReady)),
		Entry("Ready", channelReq(voice.OpReady)),
		Entry("AuxWork", channelReq(voice.OpAuxWork)),
		Entry("Offline", channelReq(voice.OpOffline)),
		Entry("DoNotDisturbOn", deviceReq(voice.OpDoNotDisturbOn)),
		Entry("Dial", dialReq(dC)),
	)

	It("sends no ErrorMessage for a refusal that is not a back-end failure", func() {
		_, notes, err := w.st.ApplyResult(w.now, voice.Request{UserID: w.userID(nA), Resource: voice.ResChannel,
			ResourceID: "chat", Operation: voice.OpReady})
		Expect(err).To(MatchError(voice.ErrNotFound))
		Expect(notes).To(BeEmpty())
	})

	It("releases a call to it for the caller, as a call to an unknown number", func() {
		w.dial(nC, dA)
		w.expectAll(heard{nC: {sc("Dialing", dA), sc("Released")}})
	})
})

var _ = Describe("Supervision aimed at a user the supervisor may not see (behaviour.md §11.5)", func() {
	It("is refused as a device nobody has, and changes nothing", func() {
		w := newWorld(func(env *fixtures.Environment) {
			for i := range env.Users {
				if env.Users[i].UserName == nS {
					env.Users[i].Sees = []string{nA}
				}
			}
		})
		w.refuse(nS, superviseReq(voice.Coach, w.deviceURI(nB), "", ""), voice.ErrNotFound)
		w.supervise(nS, voice.Coach, nA, voice.ScopeCall, voice.ModeAllCalls)
	})
})
