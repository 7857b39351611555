package voice_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// The supervision matrix of behaviour.md §3–§7: every monitor type, scope and mode, against the four ways the
// supervised call can end for agent1. Names: C = customer1 (5000), A = agent1 (5001), B = agent2 (5002),
// S = supervisor1 (5005).

type ending string

const (
	singleStep     ending = "single-step transfer"
	twoStep        ending = "two-step transfer"
	customerHangup ending = "customer hangs up"
	agentHangup    ending = "agent hangs up"
)

const (
	nC, nA, nB, nS = "customer1", "agent1", "agent2", "supervisor1"
	dC, dA, dB, dS = "5000", "5001", "5002", "5005"
)

// legs describes how the parties see S for one monitor type.
type legs struct {
	kind voice.MonitorType
}

func (l legs) listen() bool { return l.kind == voice.ListenIn }

// inAgentView: S is in the monitored agent's participants (Coach, BargeIn).
func (l legs) inAgentView() string { return when(l.kind != voice.ListenIn, dS) }

// inCustomerView: S is in the customer's participants (BargeIn only).
func (l legs) inCustomerView() string { return when(l.kind == voice.BargeIn, dS) }

// supervisorCaps are the capabilities of S's Established call (the documented monitoring set).
func (l legs) supervisorCaps() []voice.Operation { return docMonitoring(l.kind) }

// sup is a notification on S's supervision call.
func (l legs) sup(x want) want { return x.supervising().muteIf(l.listen()) }

// superviseAnsweredCall has C call A, A answer, and checks that S is brought in (§4), or not.
func superviseAnsweredCall(w *world, l legs, supervised bool) string {
	GinkgoHelper()
	id := w.dial(nC, dA)
	w.expectAll(heard{nC: {sc("Dialing", dA).on(id)}, nA: {sc("Ringing", dC).on(id)}})
	w.answer(nA)
	if !supervised {
		w.expectAll(heard{nA: {sc("Established", dC)}, nC: {sc("Established", dA)}})
		Expect(w.callOf(nA).SupervisorListeningIn).To(BeFalse())
		return id
	}
	agentJoin := pu("Established", ps(dC, l.inAgentView())...).listenedIn()
	if l.listen() {
		agentJoin = sc("Established", dC).listenedIn()
	}
	custSees := []want{sc("Established", dA)}
	if l.kind == voice.BargeIn {
		custSees = append(custSees, pu("Established", dA, dS))
	}
	w.expectAll(heard{
		nA: {sc("Established", dC).on(id), agentJoin.on(id)},
		nC: custSees,
		nS: {
			l.sup(sc("Ringing", dC, dA).on(id).typ(voice.CallInternal)).withCaps(docSupervisorRinging...),
			l.sup(sc("Established", dC, dA).on(id)).withCaps(l.supervisorCaps()...),
		},
	})
	sv := w.callOf(nS)
	Expect(sv.ID).To(Equal(id))
	Expect(sv.ConnID).To(Equal(w.callOf(nA).ConnID), "S's call has A's connId")
	Expect(sv.DeviceURI).To(Equal(w.deviceURI(nS)))
	return id
}

// endTransferredCall has C hang up a call now served by B (after a transfer).
func endTransferredCall(w *world, l legs, scope voice.Scope, mode voice.Mode) {
	GinkgoHelper()
	w.op(nC, voice.OpHangup)
	if scope == voice.ScopeAgent {
		w.expectAll(heard{nC: {sc("Released", dB)}, nB: {sc("Released")}})
		return
	}
	h := heard{
		nC: {sc("Released", ps(l.inCustomerView(), dB)...)},
		nB: {sc("Released", ps(l.inAgentView())...)},
		nS: {l.sup(sc("Released"))},
	}
	if mode == voice.ModeNextCall {
		h[nS] = append(h[nS], dev())
	}
	w.expectAll(h)
}

var _ = Describe("Supervision matrix (behaviour.md §3–§7)", func() {
	DescribeTable("monitor type x scope x mode x how the call ends",
		func(kind voice.MonitorType, scope voice.Scope, mode voice.Mode, end ending) {
			w := newWorld()
			l := legs{kind: kind}
			w.supervise(nS, kind, nA, scope, mode)
			w.expectAll(heard{})

			id := superviseAnsweredCall(w, l, true)
			agentScope := scope == voice.ScopeAgent
			nextCall := mode == voice.ModeNextCall
			expiry := []want{}
			if nextCall {
				expiry = append(expiry, dev())
			}

			switch end {
			case customerHangup:
				w.op(nC, voice.OpHangup)
				w.expectAll(heard{
					nC: {sc("Released", ps(dA, l.inCustomerView())...).on(id)},
					nA: {sc("Released", ps(l.inAgentView())...).on(id)},
					nS: append([]want{l.sup(sc("Released").on(id))}, expiry...),
				})

			case agentHangup:
				w.op(nA, voice.OpHangup)
				w.expectAll(heard{
					nA: {sc("Released", ps(dC, l.inAgentView())...).on(id)},
					nC: {sc("Released", ps(l.inCustomerView())...).on(id)},
					nS: append([]want{l.sup(sc("Released").on(id))}, expiry...),
				})

			case singleStep:
				w.transferTo(nA, voice.OpSingleStepTransfer, dB)
				if agentScope { // §5 Agent scope: S leaves with A
					w.expectAll(heard{
						nA: {sc("Released", ps(dC, l.inAgentView())...)},
						nS: append([]want{l.sup(sc("Released", dC).on(id))}, expiry...),
						nC: {pu("Established")},
						nB: {sc("Ringing", dC).on(id)},
					})
					w.answer(nB)
					w.expectAll(heard{nB: {sc("Established", dC)}, nC: {pu("Established", dB)}})
					Expect(w.callOf(nB).SupervisorListeningIn).To(BeFalse())
				} else { // §5 Call scope: S stays with the call and follows it to B
					w.expectAll(heard{
						nA: {sc("Released", ps(dC, l.inAgentView())...)},
						nC: {pu("Established", ps(l.inCustomerView())...)},
						nB: {sc("Ringing", ps(dC, l.inCustomerView())...).on(id)},
						nS: {l.sup(pu("Established", dC)).withCaps(l.supervisorCaps()...)},
					})
					w.answer(nB)
					w.expectAll(heard{
						nB: {sc("Established", ps(dC, l.inAgentView())...).listenedIn()},
						nC: {pu("Established", ps(l.inCustomerView(), dB)...)},
						nS: {l.sup(pu("Established", dC, dB)).withCaps(l.supervisorCaps()...)},
					})
				}
				endTransferredCall(w, l, scope, mode)

			case twoStep:
				w.transferTo(nA, voice.OpInitiateTransfer, dB)
				consult := w.callOf(nB).ID
				w.expectAll(heard{ // consultation legs are never supervised: S stays on the held original
					nA: {
						sc("Held", ps(dC, l.inAgentView())...).listenedIn().on(id).withCaps(docHeldAfterTransfer...),
						sc("Dialing", dB).on(consult).typ(voice.CallConsult),
					},
					nB: {sc("Ringing", dA).on(consult).typ(voice.CallConsult)},
				})
				w.answer(nB)
				w.expectAll(heard{
					nB: {sc("Established", dA).on(consult)},
					nA: {sc("Established", dB).on(consult).withCaps(docPairEstablished...)}, // the held original is unchanged
				})
				w.opOn(nA, id, voice.OpCompleteTransfer)
				if agentScope {
					w.expectAll(heard{
						nA: {sc("Released", ps(dC, l.inAgentView())...).on(id), sc("Released", dB).on(consult)},
						nS: append([]want{l.sup(sc("Released", dC).on(id))}, expiry...),
						nB: {sc("Released").on(consult), sc("Established", dC).on(id)},
						nC: {pu("Established", dB)},
					})
					Expect(w.callOf(nB).SupervisorListeningIn).To(BeFalse())
				} else {
					w.expectAll(heard{
						nA: {sc("Released", ps(dC, l.inAgentView())...).on(id), sc("Released", dB).on(consult)},
						nS: {
							l.sup(pu("Established", dC)).withCaps(l.supervisorCaps()...),
							l.sup(pu("Established", dC, dB)).withCaps(l.supervisorCaps()...),
						},
						nB: {sc("Released").on(consult), sc("Established", ps(dC, l.inAgentView())...).listenedIn().on(id)},
						nC: {pu("Established", ps(l.inCustomerView(), dB)...)},
					})
				}
				endTransferredCall(w, l, scope, mode)
			}

			// The subscription itself: still on A, and unchanged (AllCalls), or gone (NextCall, §6).
			d := w.deviceOf(nS)
			if nextCall {
				Expect(d.SupervisorMonitoringState).To(BeNil())
				Expect(d.Capabilities).NotTo(ContainElement(voice.OpCancelSupervisorMonitoring))
			} else {
				Expect(d.SupervisorMonitoringState).To(Equal(&voice.MonitoringState{
					State: kind, Mode: mode, Scope: scope, TargetDeviceURI: w.deviceURI(nA)}))
			}
			Expect(w.callsOf(nS)).To(BeEmpty())

			// A's next received call is supervised again only with AllCalls.
			superviseAnsweredCall(w, l, !nextCall)
		},
		matrixEntries())
})

// matrixEntries generates the 48 entries of the matrix.
func matrixEntries() []TableEntry {
	var out []TableEntry
	for _, kind := range []voice.MonitorType{voice.ListenIn, voice.Coach, voice.BargeIn} {
		for _, scope := range []voice.Scope{voice.ScopeAgent, voice.ScopeCall} {
			for _, mode := range []voice.Mode{voice.ModeNextCall, voice.ModeAllCalls} {
				for _, end := range []ending{singleStep, twoStep, customerHangup, agentHangup} {
					out = append(out, Entry(fmt.Sprintf("%s, scope %s, mode %s, %s", kind, scope, mode, end), kind, scope, mode, end))
				}
			}
		}
	}
	return out
}
