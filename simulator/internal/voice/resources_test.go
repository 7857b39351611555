package voice_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

var _ = Describe("Requests outside any call", func() {
	var w *world
	BeforeEach(func() { w = newWorld() })

	Describe("who may ask", func() {
		It("refuses an unknown user with ErrNotFound", func() {
			before := w.snapshot()
			notes, err := w.st.Apply(w.now, voice.Request{UserID: "nobody", Resource: voice.ResMe,
				Operation: voice.OpStartContactCenterSession})
			Expect(err).To(MatchError(voice.ErrNotFound))
			Expect(notes).To(BeEmpty())
			Expect(w.snapshot()).To(Equal(before))
		})

		It("refuses a user without api-voice with ErrNoPermission", func() {
			w = newWorld(func(env *fixtures.Environment) { env.Users[0].Features = []string{fixtures.FeatureVoiceRecording} })
			w.refuse(nC, dialReq(dA), voice.ErrNoPermission)
		})

		It("refuses an unknown resource kind with ErrNotFound", func() {
			w.refuse(nA, voice.Request{Resource: voice.Resource(99), Operation: voice.OpHold}, voice.ErrNotFound)
		})
	})

	Describe("devices", func() {
		It("gives agents DoNotDisturbOn and supervisors the monitoring operations", func() {
			Expect(w.deviceOf(nA).Capabilities).To(ConsistOf(docAgentDevice))
			Expect(w.deviceOf(nS).Capabilities).To(ConsistOf(docSupervisorDevice))
			d := w.deviceOf(nA)
			Expect(d.ID).To(Equal(w.deviceID(nA)))
			Expect(d.PhoneNumber).To(Equal(dA))
			Expect(d.DeviceState).To(Equal("Active"))
			Expect(d.TelephonyNetwork).To(Equal("Private"))
			Expect(d.UserState).To(Equal(&voice.UserState{ID: "0F7F5003-EF26-4D13-A6Ef-D0C7EC819BEB", DisplayName: "Offline",
				State: "LoggedOut"}), "Offline before the session (§11.1)")
			Expect(d.SupervisorMonitoringState).To(BeNil())
		})

		It("switches DoNotDisturb on and off, each only from the other state", func() {
			w.do(nA, deviceReq(voice.OpDoNotDisturbOn))
			w.expectAll(heard{nA: {dev().dnd("On").withCaps(voice.OpDoNotDisturbOff, voice.OpForwardCallsOn)}})
			oe := w.refuse(nA, deviceReq(voice.OpDoNotDisturbOn), voice.ErrInvalidState)
			Expect(oe.From).To(Equal("DoNotDisturbOn"))

			w.do(nA, deviceReq(voice.OpDoNotDisturbOff))
			w.expectAll(heard{nA: {dev().dnd("Off").withCaps(docAgentDevice...)}})
			oe = w.refuse(nA, deviceReq(voice.OpDoNotDisturbOff), voice.ErrInvalidState)
			Expect(oe.From).To(Equal("DoNotDisturbOff"))
		})

		It("keeps the supervisor's monitoring capabilities while DoNotDisturb is on", func() {
			w.do(nS, deviceReq(voice.OpDoNotDisturbOn))
			w.expectAll(heard{nS: {dev().dnd("On").withCaps(voice.OpDoNotDisturbOff, voice.OpForwardCallsOn, voice.OpListenIn, voice.OpCoach, voice.OpBargeIn)}})
		})

		It("refuses an operation the device does not offer", func() {
			w.refuse(nA, deviceReq(voice.OpDoNotDisturbOff), voice.ErrInvalidState)
			w.refuse(nA, deviceReq(voice.OpForwardCallsOff), voice.ErrInvalidState)
			w.refuse(nA, deviceReq(voice.OpCancelSupervisorMonitoring), voice.ErrNoPermission)
			w.refuse(nA, deviceReq(voice.OpHold), voice.ErrInvalidState)
		})

		It("refuses a device that is not the caller's with ErrNotFound", func() {
			r := deviceReq(voice.OpDoNotDisturbOn)
			r.ResourceID = w.deviceID(nB)
			w.refuse(nA, r, voice.ErrNotFound)
			r.ResourceID = "no-such-device"
			w.refuse(nA, r, voice.ErrNotFound)
		})
	})

	Describe("Dial", func() {
		It("places an Internal call: the caller is Dialing, the callee Ringing", func() {
			id := w.dial(nC, dA)
			w.expectAll(heard{
				nC: {sc("Dialing", dA).on(id).typ(voice.CallInternal).withCaps(docDialing...)},
				nA: {sc("Ringing", dC).on(id).typ(voice.CallInternal).withCaps(docRinging...)},
			})
			c := w.callOf(nC)
			Expect(c.DNIS).To(Equal(dA))
			Expect(c.ConnID).To(Equal(w.callOf(nA).ConnID))
			Expect(c.Duration).To(Equal("0"))
		})

		It("reports how long a leg has been established", func() {
			talking(w)
			w.advance(7 * time.Second)
			Expect(w.callOf(nA).Duration).To(Equal("7"))
			w.expectQuiet()
		})

		DescribeTable("releases a call to a number nobody answers, for the caller only",
			func(prepare func(w *world), dest string) {
				prepare(w)
				w.drain()
				w.dial(nC, dest)
				w.expectAll(heard{nC: {sc("Dialing", dest), sc("Released")}})
				Expect(w.callsOf(nC)).To(BeEmpty())
			},
			Entry("unknown number", func(*world) {}, "4999"),
			Entry("the caller's own number", func(*world) {}, dC),
			Entry("a device in DoNotDisturb", func(w *world) { w.do(nA, deviceReq(voice.OpDoNotDisturbOn)) }, dA),
		)

		It("refuses a missing destination with ErrMissingParameter", func() {
			w.refuse(nC, dialReq(""), voice.ErrMissingParameter)
		})

		It("refuses another operation on a device's calls with ErrInvalidState", func() {
			r := dialReq(dA)
			r.Operation = voice.OpAnswer
			w.refuse(nC, r, voice.ErrInvalidState)
		})

		It("refuses dialling from a device that is not the caller's with ErrNotFound", func() {
			r := dialReq(dA)
			r.ResourceID = w.deviceID(nB)
			w.refuse(nC, r, voice.ErrNotFound)
		})

		DescribeTable("refuses a transfer or consultation destination that cannot take the call",
			func(op voice.Operation, dest string, prepare func(w *world), sentinel error) {
				ids := talking(w)
				prepare(w)
				w.drain()
				w.refuse(nA, destReq(ids["orig"], op, dest), sentinel)
			},
			Entry("no destination", voice.OpSingleStepTransfer, "", func(*world) {}, voice.ErrMissingParameter),
			Entry("unknown destination", voice.OpSingleStepTransfer, "4999", func(*world) {}, voice.ErrNotFound),
			Entry("a party already on the call", voice.OpSingleStepTransfer, dC, func(*world) {}, voice.ErrInvalidValue),
			Entry("oneself", voice.OpInitiateTransfer, dA, func(*world) {}, voice.ErrInvalidValue),
			Entry("a device in DoNotDisturb", voice.OpInitiateConference, dB,
				func(w *world) { w.do(nB, deviceReq(voice.OpDoNotDisturbOn)) }, voice.ErrInvalidState),
			Entry("a consultation to a routing point", voice.OpInitiateTransfer, "7000", func(*world) {}, voice.ErrInvalidValue),
		)

		It("refuses a CompleteTransfer whose consultCallUri names another call", func() {
			ids := consulting(voice.OpInitiateTransfer, true)(w)
			r := callReq(ids["orig"], voice.OpCompleteTransfer)
			r.ConsultCallURI = w.env.BaseURL + "/api/v2/me/calls/" + ids["orig"]
			w.refuse(nA, r, voice.ErrInvalidValue)
			r.ConsultCallURI = otherHost + "/api/v2/me/calls/" + ids["consult"]
			w.do(nA, r)
			transferCompleted(w, ids)
		})
	})

	Describe("the voice channel", func() {
		It("needs a contact-center session for Ready and NotReady", func() {
			oe := w.refuse(nA, channelReq(voice.OpReady), voice.ErrInvalidState)
			Expect(oe.From).To(Equal("NoSession"))
			w.refuse(nA, channelReq(voice.OpNotReady), voice.ErrInvalidState)
		})

		It("moves between Ready and NotReady within a session, re-sending the device when nothing changes", func() {
			w.do(nA, meReq(voice.OpStartContactCenterSession, "voice"))
			w.expectAll(heard{nA: {dev().agent("LoggedIn"), dev().agent("NotReady")}})
			w.do(nA, channelReq(voice.OpReady))
			w.expectAll(heard{nA: {dev().agent("Ready")}})
			Expect(w.deviceOf(nA).UserState).To(Equal(&voice.UserState{ID: "9430250E-0A1B-421F-B372-F29E69366DED", DisplayName: "Ready", State: "Ready"}))
			Expect(w.st.Channels(w.userID(nA))).To(BeEmpty())

			before := w.snapshot()
			w.do(nA, channelReq(voice.OpReady))
			w.expectAll(heard{nA: {dev().agent("Ready")}}) // [O] the unchanged device again
			Expect(w.snapshot()).To(Equal(before))

			w.do(nA, channelReq(voice.OpNotReady))
			w.expectAll(heard{nA: {dev().agent("NotReady")}})
			Expect(w.deviceOf(nA).UserState.ID).To(Equal("900D55CC-2BB0-431F-8BF9-D3525B383BE6"))
		})

		It("refuses an unknown channel with ErrNotFound and an unknown operation with ErrInvalidState", func() {
			w.login(nA)
			w.drain()
			r := channelReq(voice.OpReady)
			r.ResourceID = "chat"
			w.refuse(nA, r, voice.ErrNotFound)
			w.refuse(nA, channelReq("AuxWorkOfSomeKind"), voice.ErrInvalidState)
		})
	})

	Describe("the contact-center session", func() {
		It("starts once, through LoggedIn to NotReady; a second start changes nothing", func() {
			w.do(nA, meReq(voice.OpStartContactCenterSession, "voice"))
			w.expectAll(heard{nA: {dev().agent("LoggedIn"), dev().agent("NotReady")}})
			w.do(nA, meReq(voice.OpStartContactCenterSession, "voice"))
			w.expectAll(heard{})
		})

		It("refuses a start without channels with ErrMissingParameter", func() {
			w.refuse(nA, meReq(voice.OpStartContactCenterSession), voice.ErrMissingParameter)
		})

		It("reports voice and chat as a partial success, with the multimedia channel failed", func() {
			res, notes, err := w.st.ApplyResult(w.now, voice.Request{UserID: w.userID(nA), Resource: voice.ResMe,
				Operation: voice.OpStartContactCenterSession, Channels: []string{"voice", "chat"}})
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Partial()).To(BeTrue())
			Expect(res.Succeeded).To(Equal([]voice.ChannelResult{{StatusCode: 0, Channel: "voice"}}))
			Expect(res.Failed).To(Equal([]voice.ChannelResult{{StatusCode: 4,
				StatusMessage: "Interaction server connection is not opened", Channel: "multimedia"}}))
			Expect(notes).To(HaveLen(2), "LoggedIn, then NotReady")
		})

		It("refuses a start of only non-voice channels with ErrBackend and no change", func() {
			w.refuse(nA, meReq(voice.OpStartContactCenterSession, "chat", "email"), voice.ErrBackend)
			w.refuse(nA, channelReq(voice.OpReady), voice.ErrInvalidState) // the session did not start
		})

		It("ends with the device Offline; Ready then needs a new session", func() {
			w.login(nA)
			w.drain()
			w.do(nA, meReq(voice.OpEndContactCenterSession))
			w.expectAll(heard{nA: {dev().agent("LoggedOut")}})
			w.refuse(nA, channelReq(voice.OpReady), voice.ErrInvalidState)
		})

		It("ends silently when there was none", func() {
			w.do(nA, meReq(voice.OpEndContactCenterSession))
			w.expectAll(heard{})
		})

		It("refuses an unknown operation on /me with ErrInvalidState", func() {
			w.refuse(nA, meReq(voice.OpReady), voice.ErrInvalidState)
		})
	})
})
