package voice_test

import (
	"encoding/json"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// script drives a world through a long, varied sequence: sessions, routing, supervision in every mode,
// transfers, a conference, switches, mutes, refusals and time passing.
func script(w *world) {
	GinkgoHelper()
	w.login(nA, nB, nX)
	w.advance(3 * time.Second)
	w.supervise(nS, voice.Coach, nA, voice.ScopeCall, voice.ModeAllCalls)
	w.supervise(nS2, voice.ListenIn, nB, voice.ScopeAgent, voice.ModeNextCall)
	_, _ = w.try(nS2, superviseReq(voice.BargeIn, w.deviceURI(nA), "", "")) // refused: in use
	w.dial(nC, dRP)
	w.advance(time.Second)
	w.answer(nA) // routed to the longest idle agent
	w.advance(2 * time.Second)
	w.op(nS, voice.OpMuteMonitoredUser)
	w.op(nS, voice.OpSwitchToBargeIn)
	w.transferTo(nA, voice.OpInitiateConference, dB)
	w.answer(nB)
	w.opOn(nA, w.callsOf(nA)[0].ID, voice.OpCompleteConference)
	w.advance(time.Second)
	w.op(nA, voice.OpHangup)
	w.transferTo(nB, voice.OpSingleStepTransfer, dX)
	w.answer(nX)
	w.op(nS, voice.OpSwitchToListenIn)
	w.do(nC2, deviceReq(voice.OpDoNotDisturbOn))
	_, _ = w.try(nX, destReq(w.callOf(nX).ID, voice.OpInitiateTransfer, dC2)) // refused: DND
	w.op(nC, voice.OpHangup)
	w.do(nS, deviceReq(voice.OpCancelSupervisorMonitoring))
	w.dial(nC2, dB)
	w.do(nB, meReq(voice.OpEndContactCenterSession))
	w.advance(time.Minute)
}

// wire renders every notification a world produced as the JSON a client would receive, with its addressee.
func wire(w *world) string {
	GinkgoHelper()
	type envelope struct {
		User    string
		Channel string
		Data    any
	}
	out := make([]envelope, len(w.all))
	for i, n := range w.all {
		out[i] = envelope{User: n.UserID, Channel: n.Channel, Data: n.Data}
	}
	b, err := json.Marshal(out)
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}

var _ = Describe("Determinism", func() {
	It("gives the same notifications, byte for byte, for the same requests on two fresh states", func() {
		a, b := newWorld(), newWorld()
		script(a)
		script(b)
		Expect(len(a.all)).To(BeNumerically(">", 40), "the script should exercise a lot")
		Expect(wire(a)).To(Equal(wire(b)))
		Expect(a.snapshot()).To(Equal(b.snapshot()))
	})

	It("tells runs apart when the requests differ", func() {
		a, b := newWorld(), newWorld()
		script(a)
		script(b)
		b.do(nA, deviceReq(voice.OpDoNotDisturbOn))
		Expect(wire(a)).NotTo(Equal(wire(b)))
	})
})

var _ = Describe("Deliberate deviations (for testing the conformance suite)", func() {
	It("AgentScopeKeepsSupervisor: an Agent-scope supervisor stays through a transfer", func() {
		w := newWorldWith(voice.Options{Deviations: voice.Deviations{AgentScopeKeepsSupervisor: true}})
		supervisedCall(w, voice.ListenIn, voice.ScopeAgent, voice.ModeAllCalls)
		w.transferTo(nA, voice.OpSingleStepTransfer, dB)
		w.answer(nB)
		Expect(w.callOf(nS).ParticipantNumbers()).To(Equal([]string{dC, dB}))
	})

	It("NextCallNeverExpires: a NextCall subscription survives its call", func() {
		w := newWorldWith(voice.Options{Deviations: voice.Deviations{NextCallNeverExpires: true}})
		supervisedCall(w, voice.ListenIn, voice.ScopeAgent, voice.ModeNextCall)
		w.op(nC, voice.OpHangup)
		w.expect(nS, sc("Released").supervising().muteOnFlag())
		w.drain()
		superviseAnsweredCall(w, legs{kind: voice.ListenIn}, true)
	})

	It("SwappedDefaults: defaults become Agent and NextCall", func() {
		w := newWorldWith(voice.Options{Deviations: voice.Deviations{SwappedDefaults: true}})
		w.do(nS, superviseReq(voice.Coach, w.deviceURI(nA), "", ""))
		w.expectAll(heard{nS: {dev().mon(voice.Coach, voice.ModeNextCall, voice.ScopeAgent, dA)}})
	})

	It("NoSubscriptionMessage: subscribing sends nothing", func() {
		w := newWorldWith(voice.Options{Deviations: voice.Deviations{NoSubscriptionMessage: true}})
		w.do(nS, superviseReq(voice.Coach, w.deviceURI(nA), "", ""))
		w.expectAll(heard{})
		Expect(w.deviceOf(nS).SupervisorMonitoringState).NotTo(BeNil())
	})

	It("InUseAsForbidden: a second supervisor gets ErrForbidden instead of ErrInUse", func() {
		w := newWorldWith(voice.Options{Deviations: voice.Deviations{InUseAsForbidden: true}})
		w.supervise(nS, voice.Coach, nA, voice.ScopeCall, voice.ModeAllCalls)
		w.refuse(nS2, superviseReq(voice.ListenIn, w.deviceURI(nA), "", ""), voice.ErrForbidden)
	})
})
