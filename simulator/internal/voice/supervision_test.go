package voice_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

const (
	nS2 = "supervisor2"
	nC2 = "customer2"
	dC2 = "5010"
	dRP = "7000"
)

// supervisedCall subscribes S to A and has C call A: S is on the call when it returns, every inbox empty.
func supervisedCall(w *world, kind voice.MonitorType, scope voice.Scope, mode voice.Mode) string {
	GinkgoHelper()
	w.supervise(nS, kind, nA, scope, mode)
	return superviseAnsweredCall(w, legs{kind: kind}, true)
}

func monitorKinds() []voice.MonitorType {
	return []voice.MonitorType{voice.ListenIn, voice.Coach, voice.BargeIn}
}

var _ = Describe("Starting supervision (behaviour.md §3)", func() {
	type errorRow struct {
		name     string
		env      func(*fixtures.Environment)
		prepare  func(w *world)
		by       string
		req      func(w *world, kind voice.MonitorType) voice.Request
		sentinel error
	}
	target := func(name string) func(w *world, kind voice.MonitorType) voice.Request {
		return func(w *world, kind voice.MonitorType) voice.Request {
			return superviseReq(kind, w.deviceURI(name), "", "")
		}
	}
	rows := []errorRow{
		{name: "no targetDeviceUri and no phoneNumber", req: func(w *world, k voice.MonitorType) voice.Request {
			return superviseReq(k, "", voice.ScopeCall, voice.ModeAllCalls)
		}, sentinel: voice.ErrMissingParameter},
		{name: "a scope that is not Agent or Call", req: func(w *world, k voice.MonitorType) voice.Request {
			return superviseReq(k, w.deviceURI(nA), "Team", "")
		}, sentinel: voice.ErrInvalidValue},
		{name: "a scope in the wrong case", req: func(w *world, k voice.MonitorType) voice.Request {
			return superviseReq(k, w.deviceURI(nA), "call", "")
		}, sentinel: voice.ErrInvalidValue},
		{name: "a mode that is not NextCall or AllCalls", req: func(w *world, k voice.MonitorType) voice.Request {
			return superviseReq(k, w.deviceURI(nA), "", "Always")
		}, sentinel: voice.ErrInvalidValue},
		{name: "an unknown target device", req: func(w *world, k voice.MonitorType) voice.Request {
			return superviseReq(k, w.env.BaseURL+"/api/v2/devices/00000000-0000-4000-8000-000000004999", "", "")
		}, sentinel: voice.ErrNotFound},
		{name: "the supervisor's own device", req: target(nS), sentinel: voice.ErrForbidden},
		{name: "a target another supervisor already monitors",
			prepare: func(w *world) { w.supervise(nS2, voice.ListenIn, nA, voice.ScopeCall, voice.ModeAllCalls) },
			req:     target(nA), sentinel: voice.ErrInUse},
		{name: "a caller without api-supervisor-monitoring", by: nB, req: target(nA), sentinel: voice.ErrNoPermission},
		{name: "a device id in the URL that is not the caller's", req: func(w *world, k voice.MonitorType) voice.Request {
			r := superviseReq(k, w.deviceURI(nA), "", "")
			r.ResourceID = w.deviceID(nS2)
			return r
		}, sentinel: voice.ErrNotFound},
		{name: "a routing-point phoneNumber in a SIP Cluster environment", env: sipCluster,
			req: func(w *world, k voice.MonitorType) voice.Request {
				r := superviseReq(k, "", "", "")
				r.PhoneNumber = dRP
				return r
			}, sentinel: voice.ErrForbidden},
		{name: "a phoneNumber that is not a routing point", req: func(w *world, k voice.MonitorType) voice.Request {
			r := superviseReq(k, "", "", "")
			r.PhoneNumber = dA
			return r
		}, sentinel: voice.ErrNotFound},
		{name: "both a targetDeviceUri and a phoneNumber", req: func(w *world, k voice.MonitorType) voice.Request {
			r := superviseReq(k, w.deviceURI(nA), "", "")
			r.PhoneNumber = dRP
			return r
		}, sentinel: voice.ErrInvalidValue},
	}
	var entries []TableEntry
	for _, row := range rows {
		for _, kind := range monitorKinds() {
			entries = append(entries, Entry(fmt.Sprintf("%s: %s", kind, row.name), row, kind))
		}
	}
	DescribeTable("refuses a bad request and changes nothing",
		func(row errorRow, kind voice.MonitorType) {
			var w *world
			if row.env != nil {
				w = newWorld(row.env)
			} else {
				w = newWorld()
			}
			if row.prepare != nil {
				row.prepare(w)
			}
			w.drain()
			by := nS
			if row.by != "" {
				by = row.by
			}
			w.refuse(by, row.req(w, kind), row.sentinel)
			// Nothing changed: A's next call brings nobody in (or only the prepared supervisor).
			id := w.dial(nC, dA)
			w.answer(nA)
			w.expect(nS)
			Expect(w.callIn(nA, id).State).To(Equal("Established"))
		},
		entries)

	DescribeTable("accepts a valid request with one DeviceStateChangeMessage to the supervisor only",
		func(kind voice.MonitorType) {
			w := newWorld()
			w.do(nS, superviseReq(kind, w.foreignDeviceURI(nA), "", ""))
			// Defaults Call and AllCalls; the target URI is rebuilt on the server's own base URL.
			w.expectAll(heard{nS: {dev().mon(kind, voice.ModeAllCalls, voice.ScopeCall, dA).withCaps(
				opset(docSupervisorDevice, opl(voice.OpCancelSupervisorMonitoring))...)}})
			Expect(w.deviceOf(nS).SupervisorMonitoringState.TargetDeviceURI).To(Equal(w.deviceURI(nA)))
		},
		Entry("ListenIn", voice.ListenIn), Entry("Coach", voice.Coach), Entry("BargeIn", voice.BargeIn))

	It("replaces the supervisor's own subscription, freeing the old target", func() {
		w := newWorld()
		w.supervise(nS, voice.ListenIn, nA, voice.ScopeCall, voice.ModeAllCalls)
		w.do(nS, superviseReq(voice.Coach, w.deviceURI(nB), voice.ScopeAgent, voice.ModeNextCall))
		w.expectAll(heard{nS: {dev().mon(voice.Coach, voice.ModeNextCall, voice.ScopeAgent, dB)}})
		w.supervise(nS2, voice.BargeIn, nA, voice.ScopeCall, voice.ModeAllCalls) // agent1 is free again
		w.supervise(nS, voice.BargeIn, nB, voice.ScopeCall, voice.ModeAllCalls)  // renewing on the same target
		w.expectAll(heard{})
	})

	It("monitors calls a routing point hands out (Call scope), outside a SIP Cluster", func() {
		w := newWorld()
		r := superviseReq(voice.ListenIn, "", voice.ScopeAgent, voice.ModeAllCalls)
		r.PhoneNumber = dRP
		w.do(nS, r)
		w.expectAll(heard{nS: {dev().mon(voice.ListenIn, voice.ModeAllCalls, voice.ScopeCall, "")}})
		w.login(nB)
		w.drain()
		id := w.dial(nC, dRP)
		w.answer(nB)
		w.expectAll(heard{
			nC: {sc("Dialing", dRP), pu("Dialing", dB), sc("Established", dB)},
			nB: {sc("Ringing", dC), sc("Established", dC), sc("Established", dC).listenedIn()},
			nS: {sc("Ringing", dC, dB).on(id).supervising().muteOnFlag(), sc("Established", dC, dB).on(id).supervising().muteOnFlag()},
		})
		// Calls that do not come through the routing point are not monitored.
		w.op(nC, voice.OpHangup)
		w.drain()
		w.dial(nC2, dB)
		w.answer(nB)
		w.expect(nS)
	})
})

var _ = Describe("When the supervisor is brought in (behaviour.md §4)", func() {
	It("rings the supervisor first when the environment asks for a manual answer", func() {
		w := newWorld(manualSupervisorAnswer)
		w.supervise(nS, voice.ListenIn, nA, voice.ScopeCall, voice.ModeAllCalls)
		id := w.dial(nC, dA)
		w.answer(nA)
		w.expectAll(heard{
			nC: {sc("Dialing", dA), sc("Established", dA)},
			nA: {sc("Ringing", dC), sc("Established", dC)},
			nS: {sc("Ringing", dC, dA).on(id).supervising().muteOnFlag().withCaps(docSupervisorRinging...)},
		})
		Expect(w.callOf(nA).SupervisorListeningIn).To(BeFalse(), "nobody listens before the supervisor answers")
		w.answer(nS)
		w.expectAll(heard{
			nS: {sc("Established", dC, dA).supervising().muteOnFlag().withCaps(docMonitoring(voice.ListenIn)...)},
			nA: {sc("Established", dC).listenedIn()},
		})
	})

	It("offers the ringing supervisor no way to reject the call (behaviour.md §4.3)", func() {
		w := newWorld(manualSupervisorAnswer)
		w.supervise(nS, voice.Coach, nA, voice.ScopeCall, voice.ModeAllCalls)
		w.dial(nC, dA)
		w.answer(nA)
		w.drain()
		id := w.callOf(nS).ID
		w.refuse(nS, callReq(id, voice.OpHangup), voice.ErrInvalidState)
		w.refuse(nS, callReq(id, voice.OpClearCall), voice.ErrInvalidState)
	})

	DescribeTable("§4.5: BargeIn joins the agent's Established call at once; ListenIn and Coach wait for the next one",
		func(kind voice.MonitorType) {
			w := newWorld()
			first := talking(w)["orig"]
			w.do(nS, superviseReq(kind, w.deviceURI(nA), "", ""))
			subscribed := dev().mon(kind, voice.ModeAllCalls, voice.ScopeCall, dA)
			if kind == voice.BargeIn {
				w.expectAll(heard{
					nS: {
						subscribed,
						sc("Ringing", dC, dA).on(first).supervising(),
						sc("Established", dC, dA).on(first).supervising().withCaps(docMonitoring(voice.BargeIn)...),
					},
					nA: {pu("Established", dC, dS).listenedIn().on(first)},
					nC: {pu("Established", dA, dS).on(first)},
				})
				return
			}
			w.expectAll(heard{nS: {subscribed}})
			Expect(w.callsOf(nS)).To(BeEmpty())
			Expect(w.callOf(nA).SupervisorListeningIn).To(BeFalse())
			w.op(nC, voice.OpHangup)
			w.drain()
			superviseAnsweredCall(w, legs{kind: kind}, true)
		},
		Entry("ListenIn", voice.ListenIn), Entry("Coach", voice.Coach), Entry("BargeIn", voice.BargeIn))

	It("§4.5: BargeIn does not join a call the agent dialled, nor a held one", func() {
		w := newWorld()
		w.dial(nA, dC2)
		w.answer(nC2)
		w.drain()
		w.supervise(nS, voice.BargeIn, nA, voice.ScopeCall, voice.ModeAllCalls)
		w.expectAll(heard{})

		w = newWorld()
		agentHolds(w)
		w.supervise(nS, voice.BargeIn, nA, voice.ScopeCall, voice.ModeAllCalls)
		w.expectAll(heard{})
	})

	It("§4: calls the agent dials do not start supervision", func() {
		w := newWorld()
		w.supervise(nS, voice.Coach, nA, voice.ScopeCall, voice.ModeAllCalls)
		w.dial(nA, dC2)
		w.answer(nC2)
		w.expectAll(heard{nA: {sc("Dialing", dC2), sc("Established", dC2)}, nC2: {sc("Ringing", dA), sc("Established", dA)}})
	})

	It("§4.6: while the supervisor is on a supervision call, the agent's other calls are not supervised", func() {
		w := newWorld()
		first := supervisedCall(w, voice.ListenIn, voice.ScopeCall, voice.ModeAllCalls)
		w.opOn(nA, first, voice.OpHold)
		w.expectAll(heard{nA: {sc("Held", dC).listenedIn().on(first)}})
		second := w.dial(nC2, dA)
		w.opOn(nA, second, voice.OpAnswer)
		w.expectAll(heard{
			nC2: {sc("Dialing", dA), sc("Established", dA)},
			nA:  {sc("Ringing", dC2).on(second), sc("Established", dC2).on(second)},
		})
		Expect(w.callOf(nS).ID).To(Equal(first))
	})

	It("§4.6: a supervisor who moves its subscription while on a supervision call is not brought into a second one", func() {
		w := newWorld()
		first := supervisedCall(w, voice.Coach, voice.ScopeCall, voice.ModeAllCalls)
		w.supervise(nS, voice.ListenIn, nB, voice.ScopeCall, voice.ModeAllCalls)
		w.dial(nC2, dB)
		w.answer(nB)
		w.expectAll(heard{nC2: {sc("Dialing", dB), sc("Established", dB)}, nB: {sc("Ringing", dC2), sc("Established", dC2)}})
		Expect(w.callOf(nS).ID).To(Equal(first), "the supervisor is still on the first call")
	})

	It("§5: consultation legs are never supervised; the call that reaches the agent by a completed transfer is", func() {
		w := newWorld()
		w.supervise(nS, voice.ListenIn, nB, voice.ScopeCall, voice.ModeAllCalls)
		ids := consulting(voice.OpInitiateTransfer, true)(w)
		Expect(w.callsOf(nS)).To(BeEmpty(), "the consultation call to agent2 is not supervised")
		w.opOn(nA, ids["orig"], voice.OpCompleteTransfer)
		w.expectAll(heard{
			nA: {sc("Released", dC), sc("Released", dB)},
			nB: {sc("Released").on(ids["consult"]), sc("Established", dC).on(ids["orig"]), sc("Established", dC).listenedIn().on(ids["orig"])},
			nC: {pu("Established", dB)},
			nS: {sc("Ringing", dC, dB).on(ids["orig"]).supervising().muteOnFlag(), sc("Established", dC, dB).on(ids["orig"]).supervising().muteOnFlag()},
		})
	})

	It("§4: the call that reaches the agent by a completed conference is supervised", func() {
		w := newWorld()
		w.supervise(nS, voice.Coach, nB, voice.ScopeCall, voice.ModeAllCalls)
		ids := consulting(voice.OpInitiateConference, true)(w)
		w.opOn(nA, ids["orig"], voice.OpCompleteConference)
		w.expectAll(heard{
			nA: {sc("Released", dB).on(ids["consult"]), sc("Established", dC, dB).on(ids["orig"])},
			nB: {sc("Released").on(ids["consult"]), sc("Established", dC, dA), pu("Established", dC, dA, dS).listenedIn()},
			nC: {pu("Established", dA, dB)},
			nS: {sc("Ringing", dC, dA, dB).supervising(), sc("Established", dC, dA, dB).supervising()},
		})
	})

	It("§5: a supervised agent who completes a conference keeps the supervisor, who sees the third party join", func() {
		w := newWorld()
		id := supervisedCall(w, voice.Coach, voice.ScopeAgent, voice.ModeAllCalls)
		w.transferTo(nA, voice.OpInitiateConference, dB)
		consult := w.callOf(nB).ID
		w.answer(nB)
		w.drain()
		w.opOn(nA, id, voice.OpCompleteConference)
		w.expectAll(heard{
			nA: {sc("Released", dB).on(consult), sc("Established", dC, dS, dB).listenedIn().on(id)},
			nB: {sc("Released").on(consult), sc("Established", dC, dA).on(id)},
			nC: {pu("Established", dA, dB)},
			nS: {pu("Established", dC, dA, dB).supervising().withCaps(docMonitoring(voice.Coach)...)},
		})
		// Agent scope: when agent1 leaves the conference, the supervisor leaves too; the others stay.
		w.opOn(nA, id, voice.OpHangup)
		w.expectAll(heard{
			nA: {sc("Released", dC, dS, dB)},
			nS: {sc("Released", dC, dB).supervising()},
			nC: {pu("Established", dB)},
			nB: {pu("Established", dC)},
		})
	})
})

var _ = Describe("Modes, cancel and sessions (behaviour.md §6)", func() {
	It("refuses CancelSupervisorMonitoring without a subscription (ErrInvalidState) or without the feature (ErrNoPermission)", func() {
		w := newWorld()
		oe := w.refuse(nS, deviceReq(voice.OpCancelSupervisorMonitoring), voice.ErrInvalidState)
		Expect(oe.From).To(Equal("NotMonitoring"))
		w.refuse(nA, deviceReq(voice.OpCancelSupervisorMonitoring), voice.ErrNoPermission)
		w.supervise(nS, voice.ListenIn, nA, voice.ScopeCall, voice.ModeAllCalls)
		w.do(nS, deviceReq(voice.OpCancelSupervisorMonitoring))
		w.drain()
		w.refuse(nS, deviceReq(voice.OpCancelSupervisorMonitoring), voice.ErrInvalidState)
	})

	It("cancels a subscription with no call in progress: the agent's next call is not supervised", func() {
		w := newWorld()
		w.supervise(nS, voice.Coach, nA, voice.ScopeAgent, voice.ModeAllCalls)
		w.do(nS, deviceReq(voice.OpCancelSupervisorMonitoring))
		w.expectAll(heard{nS: {dev().withCaps(docSupervisorDevice...)}})
		superviseAnsweredCall(w, legs{kind: voice.Coach}, false)
		w.supervise(nS2, voice.ListenIn, nA, voice.ScopeCall, voice.ModeAllCalls) // the target is free
	})

	DescribeTable("cancels a subscription during a supervision call, which goes on until it ends",
		func(mode voice.Mode, supervisorHangsUp bool) {
			w := newWorld()
			id := supervisedCall(w, voice.Coach, voice.ScopeCall, mode)
			w.do(nS, deviceReq(voice.OpCancelSupervisorMonitoring))
			w.expectAll(heard{nS: {dev()}})
			Expect(w.callOf(nS).State).To(Equal("Established"))
			if supervisorHangsUp {
				w.op(nS, voice.OpHangup)
				w.expectAll(heard{
					nS: {sc("Released", dC, dA).supervising().on(id)},
					nA: {sc("Established", dC).on(id)},
				})
				w.op(nC, voice.OpHangup)
				w.expectAll(heard{nC: {sc("Released", dA)}, nA: {sc("Released")}})
			} else {
				w.op(nC, voice.OpHangup)
				w.expectAll(heard{ // no second DeviceStateChangeMessage, even for NextCall
					nC: {sc("Released", dA)},
					nA: {sc("Released", dS)},
					nS: {sc("Released").supervising()},
				})
			}
			superviseAnsweredCall(w, legs{kind: voice.Coach}, false)
		},
		Entry("AllCalls, the supervisor hangs up", voice.ModeAllCalls, true),
		Entry("AllCalls, the call ends", voice.ModeAllCalls, false),
		Entry("NextCall, the supervisor hangs up", voice.ModeNextCall, true),
		Entry("NextCall, the call ends", voice.ModeNextCall, false),
	)

	It("ends the subscription when the supervisor ends its contact-center session", func() {
		w := newWorld()
		w.login(nS)
		w.drain()
		w.supervise(nS, voice.ListenIn, nA, voice.ScopeCall, voice.ModeAllCalls)
		w.do(nS, meReq(voice.OpEndContactCenterSession))
		w.expectAll(heard{nS: {dev().agent("LoggedOut")}})
		superviseAnsweredCall(w, legs{kind: voice.ListenIn}, false)
	})

	It("ends the subscription when the agent ends its contact-center session, and tells the supervisor", func() {
		w := newWorld()
		w.login(nA)
		w.drain()
		w.supervise(nS, voice.BargeIn, nA, voice.ScopeCall, voice.ModeAllCalls)
		w.do(nA, meReq(voice.OpEndContactCenterSession))
		w.expectAll(heard{nA: {dev().agent("LoggedOut")}, nS: {dev()}})
		superviseAnsweredCall(w, legs{kind: voice.BargeIn}, false)
	})

	It("keeps a supervision call in progress when the agent's session ends", func() {
		w := newWorld()
		supervisedCall(w, voice.ListenIn, voice.ScopeCall, voice.ModeAllCalls)
		w.do(nA, meReq(voice.OpEndContactCenterSession))
		w.expectAll(heard{nS: {dev()}}) // agent1 had no session: only the supervisor hears of it
		Expect(w.callOf(nS).State).To(Equal("Established"))
		Expect(w.callOf(nA).SupervisorListeningIn).To(BeTrue())
	})

	DescribeTable("NextCall is not consumed by a call that rings but is never answered",
		func(whoHangsUp string) {
			w := newWorld()
			w.supervise(nS, voice.ListenIn, nA, voice.ScopeAgent, voice.ModeNextCall)
			w.dial(nC, dA)
			op := voice.OpHangup
			if whoHangsUp == nA {
				op = voice.OpClearCall // a ringing call offers no Hangup (behaviour.md §12.1)
			}
			w.op(whoHangsUp, op)
			w.drain()
			superviseAnsweredCall(w, legs{kind: voice.ListenIn}, true)
			w.op(nA, voice.OpHangup)
			w.expectAll(heard{
				nA: {sc("Released", dC)},
				nC: {sc("Released")},
				nS: {sc("Released").supervising().muteOnFlag(), dev()},
			})
			superviseAnsweredCall(w, legs{kind: voice.ListenIn}, false)
		},
		Entry("the customer gives up", nC),
		Entry("the agent rejects it", nA),
	)

	It("NextCall ends when the supervisor hangs up; the agent stops showing the supervisor", func() {
		w := newWorld()
		id := supervisedCall(w, voice.BargeIn, voice.ScopeCall, voice.ModeNextCall)
		w.op(nS, voice.OpHangup)
		w.expectAll(heard{
			nS: {sc("Released", dC, dA).supervising().on(id), dev()},
			nA: {sc("Established", dC).on(id)},
			nC: {pu("Established", dA).on(id)},
		})
		w.op(nC, voice.OpHangup)
		w.drain()
		superviseAnsweredCall(w, legs{kind: voice.BargeIn}, false)
	})
})

var _ = Describe("On the supervision call (behaviour.md §7)", func() {
	type switchRow struct {
		from voice.MonitorType
		op   voice.Operation
		// expected, when allowed
		sup, agent, customer []want
	}
	sup := func(muteOn bool, caps ...voice.Operation) []want {
		return []want{sc("Established", dC, dA).supervising().muteIf(muteOn).withCaps(caps...)}
	}
	DescribeTable("switches between modes, never back to Coach",
		func(row switchRow) {
			w := newWorld()
			id := supervisedCall(w, row.from, voice.ScopeCall, voice.ModeAllCalls)
			r := callReq(id, row.op)
			if row.sup == nil {
				w.refuse(nS, r, voice.ErrInvalidState)
				return
			}
			w.do(nS, r)
			w.expectAll(heard{nS: row.sup, nA: row.agent, nC: row.customer})
			// The subscription keeps its type: switching changes only the call.
			Expect(w.deviceOf(nS).SupervisorMonitoringState.State).To(Equal(row.from))
		},
		Entry("ListenIn -> BargeIn", switchRow{from: voice.ListenIn, op: voice.OpSwitchToBargeIn,
			sup:      sup(false, docMonitoring(voice.BargeIn)...),
			agent:    []want{pu("Established", dC, dS).listenedIn()},
			customer: []want{pu("Established", dA, dS)}}),
		Entry("ListenIn -> ListenIn is refused", switchRow{from: voice.ListenIn, op: voice.OpSwitchToListenIn}),
		Entry("Coach -> ListenIn", switchRow{from: voice.Coach, op: voice.OpSwitchToListenIn,
			sup:   sup(true, docMonitoring(voice.ListenIn)...),
			agent: []want{pu("Established", dC).listenedIn()}}),
		Entry("Coach -> BargeIn", switchRow{from: voice.Coach, op: voice.OpSwitchToBargeIn,
			sup:      sup(false, docMonitoring(voice.BargeIn)...),
			customer: []want{pu("Established", dA, dS)}}),
		Entry("BargeIn -> ListenIn", switchRow{from: voice.BargeIn, op: voice.OpSwitchToListenIn,
			sup:      sup(true, docMonitoring(voice.ListenIn)...),
			agent:    []want{pu("Established", dC).listenedIn()},
			customer: []want{pu("Established", dA)}}),
		Entry("BargeIn -> BargeIn is refused", switchRow{from: voice.BargeIn, op: voice.OpSwitchToBargeIn}),
		Entry("Coach as a call operation is refused", switchRow{from: voice.Coach, op: voice.OpCoach}),
		Entry("SwitchToCoach does not exist", switchRow{from: voice.ListenIn, op: "SwitchToCoach"}),
	)

	It("never offers a way back to Coach once the supervisor has switched away", func() {
		w := newWorld()
		id := supervisedCall(w, voice.Coach, voice.ScopeCall, voice.ModeAllCalls)
		for _, op := range []voice.Operation{voice.OpSwitchToListenIn, voice.OpSwitchToBargeIn, voice.OpSwitchToListenIn} {
			w.opOn(nS, id, op)
			w.drain()
			c := w.callOf(nS)
			Expect(c.Capabilities).NotTo(ContainElement(ContainSubstring("Coach")))
			Expect(c.ParticipantNumbers()).To(Equal([]string{dC, dA}))
			w.refuse(nS, callReq(id, "SwitchToCoach"), voice.ErrInvalidState)
			w.refuse(nS, callReq(id, op), voice.ErrInvalidState)
		}
		Expect(w.callOf(nA).ParticipantNumbers()).To(Equal([]string{dC}), "a listening supervisor is not in the agent's participants")
	})

	DescribeTable("mutes and unmutes the monitored agent, on both calls",
		func(kind voice.MonitorType) {
			w := newWorld()
			id := supervisedCall(w, kind, voice.ScopeCall, voice.ModeAllCalls)
			l := legs{kind: kind}
			agentParts := ps(dC, l.inAgentView())
			w.refuse(nS, callReq(id, voice.OpUnmuteMonitoredUser), voice.ErrInvalidState)
			w.opOn(nS, id, voice.OpMuteMonitoredUser)
			mutedCaps := l.supervisorCaps() // Mute and Unmute are never listed (behaviour.md §4.3)
			w.expectAll(heard{
				nS: {l.sup(mu("Established", dC, dA)).monitoredMuted().withCaps(mutedCaps...)},
				nA: {mu("Established", agentParts...).listenedIn().monitoredMuted()},
			})
			w.refuse(nS, callReq(id, voice.OpMuteMonitoredUser), voice.ErrInvalidState)
			w.refuse(nA, callReq(id, voice.OpUnmuteMonitoredUser), voice.ErrInvalidState) // only the supervisor may
			w.opOn(nS, id, voice.OpUnmuteMonitoredUser)
			w.expectAll(heard{
				nS: {l.sup(mu("Established", dC, dA)).withCaps(l.supervisorCaps()...)},
				nA: {mu("Established", agentParts...).listenedIn()},
			})
		},
		Entry("ListenIn", voice.ListenIn), Entry("Coach", voice.Coach), Entry("BargeIn", voice.BargeIn))

	It("offers no MuteMonitoredUser while a Call-scope supervisor waits for the next agent", func() {
		w := newWorld()
		id := supervisedCall(w, voice.ListenIn, voice.ScopeCall, voice.ModeAllCalls)
		w.transferTo(nA, voice.OpSingleStepTransfer, dB)
		w.refuse(nS, callReq(id, voice.OpMuteMonitoredUser), voice.ErrInvalidState)
	})

	DescribeTable("the supervisor hangs up: agent and customer stay, the subscription too (AllCalls)",
		func(kind voice.MonitorType) {
			w := newWorld()
			id := supervisedCall(w, kind, voice.ScopeCall, voice.ModeAllCalls)
			w.op(nS, voice.OpHangup)
			h := heard{
				nS: {legs{kind}.sup(sc("Released", dC, dA)).on(id)},
				nA: {sc("Established", dC).on(id)},
			}
			if kind == voice.BargeIn {
				h[nC] = []want{pu("Established", dA).on(id)}
			}
			w.expectAll(h)
			Expect(w.deviceOf(nS).SupervisorMonitoringState).NotTo(BeNil())
			w.op(nC, voice.OpHangup)
			w.drain()
			superviseAnsweredCall(w, legs{kind: kind}, true)
		},
		Entry("ListenIn", voice.ListenIn), Entry("Coach", voice.Coach), Entry("BargeIn", voice.BargeIn))
})

var _ = Describe("The routing point", func() {
	It("hands a call to the Ready agent who has been idle longest", func() {
		w := newWorld()
		for _, name := range []string{nX, nA, nB} {
			w.login(name)
			w.advance(10 * time.Second)
		}
		w.drain()
		first := w.dial(nC, dRP)
		w.expectAll(heard{
			nC: {sc("Dialing", dRP).on(first), pu("Dialing", dX).on(first)},
			nX: {sc("Ringing", dC).on(first)},
		})
		w.dial(nC2, dRP)
		w.expectAll(heard{nC2: {sc("Dialing", dRP), pu("Dialing", dA)}, nA: {sc("Ringing", dC2)}})
		// agent3 finishes its call: it is now the most recently idle, so agent2 comes next.
		w.answer(nX)
		w.advance(time.Second)
		w.op(nX, voice.OpHangup)
		w.drain()
		id := w.dial(nC, dRP)
		w.expectAll(heard{nC: {sc("Dialing", dRP), pu("Dialing", dB)}, nB: {sc("Ringing", dC).on(id)}})
	})

	It("queues calls while nobody is Ready and hands them out in order as agents become Ready", func() {
		w := newWorld()
		first := w.dial(nC, dRP)
		second := w.dial(nC2, dRP)
		w.expectAll(heard{nC: {sc("Dialing", dRP)}, nC2: {sc("Dialing", dRP)}})
		w.do(nB, meReq(voice.OpStartContactCenterSession, "voice"))
		w.expectAll(heard{nB: {dev().agent("LoggedIn"), dev().agent("NotReady")}})
		w.do(nB, channelReq(voice.OpReady))
		w.expectAll(heard{
			nB: {dev().agent("Ready"), sc("Ringing", dC).on(first)},
			nC: {pu("Dialing", dB).on(first)},
		})
		w.login(nA)
		w.expectAll(heard{
			nA:  {dev().agent("LoggedIn"), dev().agent("NotReady"), dev().agent("Ready"), sc("Ringing", dC2).on(second)},
			nC2: {pu("Dialing", dA).on(second)},
		})
	})

	It("skips agents in DoNotDisturb, NotReady or already on a call", func() {
		w := newWorld()
		w.login(nA, nB, nX)
		w.do(nA, deviceReq(voice.OpDoNotDisturbOn))
		w.do(nB, channelReq(voice.OpNotReady))
		w.dial(nC2, dX)
		w.drain()
		w.dial(nC, dRP)
		w.expectAll(heard{nC: {sc("Dialing", dRP)}})
		w.do(nA, deviceReq(voice.OpDoNotDisturbOff))
		w.expectAll(heard{nA: {dev().dnd("Off"), sc("Ringing", dC)}, nC: {pu("Dialing", dA)}})
	})

	It("drops a queued call whose caller gives up", func() {
		w := newWorld()
		w.dial(nC, dRP)
		w.op(nC, voice.OpHangup)
		w.expectAll(heard{nC: {sc("Dialing", dRP), sc("Released")}})
		w.login(nA)
		w.expectAll(heard{nA: {dev().agent("LoggedIn"), dev().agent("NotReady"), dev().agent("Ready")}})
	})

	It("in Call scope, follows a call transferred to the routing point to the agent who answers", func() {
		w := newWorld()
		id := supervisedCall(w, voice.Coach, voice.ScopeCall, voice.ModeAllCalls)
		w.login(nB)
		w.drain()
		w.transferTo(nA, voice.OpSingleStepTransfer, dRP)
		w.answer(nB)
		Expect(w.callOf(nB).ID).To(Equal(id))
		Expect(w.callOf(nB).SupervisorListeningIn).To(BeTrue())
		Expect(w.callOf(nB).ParticipantNumbers()).To(Equal([]string{dC, dS}))
		Expect(w.callOf(nS).ParticipantNumbers()).To(Equal([]string{dC, dB}))
	})
})
