package voice_test

import (
	"fmt"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// Every call operation from every party situation (behaviour.md §8): an operation the party's call offers
// changes state as the reference says and notifies the parties; any other one is refused with
// ErrInvalidState (statusCode 2), names the party's state, and changes nothing.

// nX is agent3 (5003), the destination of transfers and consultations that start from a situation.
const (
	nX = "agent3"
	dX = "5003"
)

// callOps are every operation a call resource might be sent (recording needs a feature nobody has here:
// recording_test.go), plus one that only a device accepts.
func callOps() []voice.Operation {
	return []voice.Operation{
		voice.OpAnswer, voice.OpHangup, voice.OpHold, voice.OpRetrieve,
		voice.OpSingleStepTransfer, voice.OpInitiateTransfer, voice.OpCompleteTransfer,
		voice.OpInitiateConference, voice.OpCompleteConference, voice.OpSingleStepConference,
		voice.OpRemoveParticipant, voice.OpClearCall, voice.OpSwapCalls, voice.OpSendDtmf,
		voice.OpAttachUserData, voice.OpUpdateUserData, voice.OpDeleteUserData, voice.OpDeleteUserDataPair,
		voice.OpSwitchToListenIn, voice.OpSwitchToBargeIn, voice.OpMuteMonitoredUser, voice.OpUnmuteMonitoredUser,
		voice.OpDial,
	}
}

// calls names the calls of a situation: "orig" is customer1's call, "consult" agent1's consultation.
type calls map[string]string

// situation is one party in one state of one call.
type situation struct {
	name    string
	build   func(w *world) calls
	actor   string // the party whose call receives the operation
	call    string // key into calls
	state   string // the actor's party state
	allowed []voice.Operation
	pending bool // the call is part of a pending consultation: new transfers and conferences get statusCode 3
}

func (s situation) request(ids calls, op voice.Operation) voice.Request {
	r := callReq(ids[s.call], op)
	switch op {
	case voice.OpSingleStepTransfer, voice.OpInitiateTransfer, voice.OpInitiateConference, voice.OpSingleStepConference:
		r.Destination = dX
	case voice.OpAttachUserData, voice.OpUpdateUserData:
		r.UserData = voice.UserData{"k": []byte(`"v"`)}
	case voice.OpDeleteUserDataPair:
		r.Key = "k"
	case voice.OpSendDtmf:
		r.Digits = "123"
	case voice.OpRemoveParticipant:
		r.Participant = dB
	}
	return r
}

// forbidden: an offered operation the simulator answers with statusCode 3 (behaviour.md §12.9).
func (s situation) forbidden(op voice.Operation) bool {
	switch op {
	case voice.OpSingleStepTransfer, voice.OpInitiateTransfer, voice.OpInitiateConference, voice.OpSingleStepConference:
		return s.pending
	}
	return false
}

// Situation builders. Each leaves every inbox empty.

func dialling(w *world) calls {
	id := w.dial(nC, dA)
	w.drain()
	return calls{"orig": id}
}

func talking(w *world) calls {
	ids := dialling(w)
	w.answer(nA)
	w.drain()
	return ids
}

func agentHolds(w *world) calls {
	ids := talking(w)
	w.op(nA, voice.OpHold)
	w.drain()
	return ids
}

func consulting(op voice.Operation, answered bool) func(w *world) calls {
	return func(w *world) calls {
		ids := talking(w)
		w.transferTo(nA, op, dB)
		ids["consult"] = w.callOf(nB).ID
		if answered {
			w.answer(nB)
		}
		w.drain()
		return ids
	}
}

func conferenced(w *world) calls {
	ids := consulting(voice.OpInitiateConference, true)(w)
	w.opOn(nA, ids["orig"], voice.OpCompleteConference)
	w.drain()
	Expect(w.callOf(nA).ParticipantNumbers()).To(Equal([]string{dC, dB}))
	return calls{"orig": ids["orig"]}
}

func withOps(base []voice.Operation, more ...voice.Operation) []voice.Operation {
	return opset(base, more)
}

func situations() []situation {
	return []situation{
		{name: "caller Dialing", build: dialling, actor: nC, call: "orig", state: "Dialing", allowed: docDialing},
		{name: "callee Ringing", build: dialling, actor: nA, call: "orig", state: "Ringing", allowed: docRinging},
		{name: "agent Established", build: talking, actor: nA, call: "orig", state: "Established", allowed: docEstablished},
		{name: "agent Held", build: agentHolds, actor: nA, call: "orig", state: "Held", allowed: docHeld},
		{name: "customer Established, agent Held", build: agentHolds, actor: nC, call: "orig", state: "Established",
			allowed: docEstablished},
		{name: "original Held, consultation Dialing", build: consulting(voice.OpInitiateTransfer, false), actor: nA,
			call: "orig", state: "Held", allowed: docHeldAfterTransfer, pending: true},
		{name: "consultation Dialing", build: consulting(voice.OpInitiateTransfer, false), actor: nA,
			call: "consult", state: "Dialing", allowed: docConsultDialingTransfer, pending: true},
		{name: "original Held, conference consultation Dialing", build: consulting(voice.OpInitiateConference, false),
			actor: nA, call: "orig", state: "Held", allowed: docHeldAfterConference, pending: true},
		{name: "conference consultation Dialing", build: consulting(voice.OpInitiateConference, false), actor: nA,
			call: "consult", state: "Dialing", allowed: docConsultDialingConference, pending: true},
		{name: "consultation target Ringing", build: consulting(voice.OpInitiateTransfer, false), actor: nB,
			call: "consult", state: "Ringing", allowed: docRinging, pending: true},
		{name: "original Held, transfer consultation Established", build: consulting(voice.OpInitiateTransfer, true),
			actor: nA, call: "orig", state: "Held", allowed: docHeldAfterTransfer, pending: true},
		{name: "transfer consultation Established", build: consulting(voice.OpInitiateTransfer, true),
			actor: nA, call: "consult", state: "Established", allowed: docPairEstablished, pending: true},
		{name: "consultation target Established", build: consulting(voice.OpInitiateTransfer, true),
			actor: nB, call: "consult", state: "Established", allowed: docEstablished, pending: true},
		{name: "original Held, conference consultation Established", build: consulting(voice.OpInitiateConference, true),
			actor: nA, call: "orig", state: "Held", allowed: docHeldAfterConference, pending: true},
		{name: "conference consultation Established", build: consulting(voice.OpInitiateConference, true),
			actor: nA, call: "consult", state: "Established", allowed: docPairEstablished, pending: true},
		{name: "conference of three, owner", build: conferenced, actor: nA, call: "orig", state: "Established",
			allowed: withOps(docEstablished, voice.OpRemoveParticipant)},
		{name: "conference of three, member", build: conferenced, actor: nB, call: "orig", state: "Established",
			allowed: docEstablished},
	}
}

// effect asserts what an allowed operation did.
type effect func(w *world, ids calls)

// consultStarted: the actor's call is Held, a consultation call dials X.
func consultStarted(actor string, op voice.Operation, heldParts ...string) effect {
	return func(w *world, ids calls) {
		x := w.callOf(nX).ID
		held, dialing := docHeldAfterTransfer, docConsultDialingTransfer
		if op == voice.OpInitiateConference {
			held, dialing = docHeldAfterConference, docConsultDialingConference
		}
		w.expectAll(heard{
			actor: {
				sc("Held", heldParts...).on(ids["orig"]).withCaps(held...),
				sc("Dialing", dX).on(x).typ(voice.CallConsult).withCaps(dialing...),
			},
			nX: {sc("Ringing", w.dn(actor)).on(x).typ(voice.CallConsult).withCaps(docRinging...)},
		})
		Expect(w.callIn(actor, x).ParentCallURI).To(Equal(w.env.BaseURL + "/api/v2/me/calls/" + ids["orig"]))
		Expect(w.callIn(nX, x).ParentCallPath).To(Equal("/calls/" + ids["orig"]))
	}
}

// consultEnded: the consultation is over and agent1's original is Held with Retrieve back.
func consultEnded(first, second string, firstParts, secondParts []string) effect {
	return func(w *world, ids calls) {
		h := heard{first: {sc("Released", firstParts...).on(ids["consult"])}}
		h[second] = append(h[second], sc("Released", secondParts...).on(ids["consult"]))
		h[nA] = append(h[nA], sc("Held", dC).on(ids["orig"]).withCaps(docHeld...))
		w.expectAll(h)
		Expect(w.callsOf(nB)).To(BeEmpty())
	}
}

// transferCompleted: agent1 leaves both calls, agent2 is on the original with customer1.
func transferCompleted(w *world, ids calls) {
	w.expectAll(heard{
		nA: {sc("Released", dC).on(ids["orig"]), sc("Released", dB).on(ids["consult"])},
		nB: {sc("Released").on(ids["consult"]), sc("Established", dC).on(ids["orig"]).withCaps(docEstablished...)},
		nC: {pu("Established", dB).on(ids["orig"])},
	})
	Expect(w.callsOf(nA)).To(BeEmpty())
}

// transferCompletedWhileDialing: agent1 leaves both calls; customer1's call lists agent2, whose call keeps
// ringing (behaviour.md §12.5), and connects on answer.
func transferCompletedWhileDialing(w *world, ids calls) {
	w.expectAll(heard{
		nA: {sc("Released", dC).on(ids["orig"]), sc("Released").on(ids["consult"])},
		nB: {sc("Released").on(ids["consult"]), sc("Ringing", dC).on(ids["orig"]).withCaps(docRinging...)},
		nC: {pu("Established", dB).on(ids["orig"])},
	})
	w.answer(nB)
	w.expectAll(heard{
		nB: {sc("Established", dC).on(ids["orig"]).withCaps(docEstablished...)},
	})
	Expect(w.callOf(nC).ParticipantNumbers()).To(Equal([]string{dB}))
}

// conferenceCompleted: the consultation ends and agent1, agent2 and customer1 share the original.
func conferenceCompleted(w *world, ids calls) {
	w.expectAll(heard{
		nA: {sc("Released", dB).on(ids["consult"]), sc("Established", dC, dB).on(ids["orig"]).
			withCaps(withOps(docEstablished, voice.OpRemoveParticipant)...)},
		nB: {sc("Released").on(ids["consult"]), sc("Established", dC, dA).on(ids["orig"])},
		nC: {pu("Established", dA, dB).on(ids["orig"])},
	})
}

// conferenceCompletedWhileDialing: agent1 is back with customer1; agent2 rings on the original, listed by both.
func conferenceCompletedWhileDialing(w *world, ids calls) {
	w.expectAll(heard{
		nA: {sc("Released").on(ids["consult"]), sc("Established", dC, dB).on(ids["orig"]).withCaps(docEstablished...)},
		nB: {sc("Released").on(ids["consult"]), sc("Ringing", dC, dA).on(ids["orig"])},
		nC: {pu("Established", dA, dB).on(ids["orig"])},
	})
	w.answer(nB)
	w.expectAll(heard{
		nB: {sc("Established", dC, dA).on(ids["orig"])},
		nA: {sc("Established", dC, dB).on(ids["orig"]).withCaps(withOps(docEstablished, voice.OpRemoveParticipant)...)},
	})
}

// originalAbandoned: agent1 hangs up the held original: customer1's call ends, the consultation goes on
// as an ordinary call without parent.
func originalAbandoned(consultState string, aParts, bState string) effect {
	return func(w *world, ids calls) {
		w.expectAll(heard{
			nA: {sc("Released", dC).on(ids["orig"]), sc(consultState, aParts).on(ids["consult"])},
			nC: {sc("Released").on(ids["orig"])},
			nB: {sc(bState, dA).on(ids["consult"])},
		})
		Expect(w.callOf(nA).ParentCallURI).To(BeEmpty())
		Expect(w.callsOf(nC)).To(BeEmpty())
	}
}

// swapped: agent1's original is taken back, the consultation held (or still dialing).
func swapped(consultState string, consultParts ...string) effect {
	return func(w *world, ids calls) {
		h := heard{nA: {sc("Established", dC).on(ids["orig"]).withCaps(docPairEstablished...)}}
		if consultState != "" {
			h[nA] = append(h[nA], sc(consultState, consultParts...).on(ids["consult"]))
		} else {
			h[nA][0] = sc("Established", dC).on(ids["orig"]).withCaps(docEstablished...)
		}
		w.expectAll(h)
	}
}

// swappedBack: on the consultation, agent1 holds it and takes the original back.
func swappedBack(w *world, ids calls) {
	w.expectAll(heard{nA: {
		sc("Held", dB).on(ids["consult"]),
		sc("Established", dC).on(ids["orig"]).withCaps(docPairEstablished...),
	}})
}

// usersOn lists the users who are on a call.
func usersOn(w *world, callID string) []string {
	var out []string
	for _, u := range w.env.Users {
		if _, ok := w.st.UserCall(u.ID, callID, w.now); ok {
			out = append(out, u.UserName)
		}
	}
	return out
}

// genericEffect is the outcome of the operations whose effect does not depend on the situation.
func genericEffect(s situation, op voice.Operation, before []string) effect {
	switch op {
	case voice.OpAttachUserData, voice.OpUpdateUserData, voice.OpDeleteUserData, voice.OpDeleteUserDataPair:
		return func(w *world, ids calls) { // one AttachedDataChanged for every user on the call, no one else
			for _, u := range w.env.Users {
				got := w.take(u.UserName)
				if !slices.Contains(before, u.UserName) {
					Expect(got).To(BeEmpty(), "%s is not on the call", u.UserName)
					continue
				}
				Expect(got).To(HaveLen(1), "notifications of %s", u.UserName)
				d := got[0].Data.(voice.CallStateChange)
				Expect(d.NotificationType).To(Equal(voice.NotifyAttachedDataChanged))
				Expect(d.Call.ID).To(Equal(ids[s.call]))
				Expect(d.Extensions).To(BeNil())
				_, has := d.Call.UserData["k"]
				Expect(has).To(Equal(op == voice.OpAttachUserData || op == voice.OpUpdateUserData))
			}
		}
	case voice.OpSendDtmf:
		return func(w *world, ids calls) {
			got := w.take(s.actor)
			Expect(got).To(HaveLen(1))
			Expect(got[0].Data.(voice.CallStateChange).NotificationType).To(Equal(voice.NotifyDtmfSent))
			w.expectQuiet()
		}
	case voice.OpClearCall:
		return func(w *world, ids calls) { // every party released; nobody is left on the call
			for _, name := range before {
				var last *voice.CallStateChange
				for _, n := range w.take(name) {
					if d, ok := n.Data.(voice.CallStateChange); ok && d.Call.ID == ids[s.call] {
						last = &d
					}
				}
				Expect(last).NotTo(BeNil(), "%s heard nothing of the cleared call", name)
				Expect(last.Call.State).To(Equal("Released"), name)
			}
			Expect(usersOn(w, ids[s.call])).To(BeEmpty())
		}
	case voice.OpSingleStepConference:
		return func(w *world, ids calls) { // the destination rings on the call; the others see it once it answers
			got := w.take(nX)
			Expect(got).To(HaveLen(1))
			d := got[0].Data.(voice.CallStateChange)
			Expect(d.Call.ID).To(Equal(ids[s.call]))
			Expect(d.Call.State).To(Equal("Ringing"))
			for _, u := range w.env.Users { // nobody else sees the destination before it answers
				for _, n := range w.take(u.UserName) {
					if c, ok := n.Data.(voice.CallStateChange); ok {
						Expect(c.Call.ParticipantNumbers()).NotTo(ContainElement(dX), u.UserName)
					}
				}
			}
			w.answer(nX)
			for _, name := range before {
				Expect(w.callIn(name, ids[s.call]).ParticipantNumbers()).To(ContainElement(dX), name)
			}
		}
	}
	return nil
}

// effects lists the outcome of the allowed (situation, operation) pairs genericEffect does not cover.
func effects() map[string]effect {
	return map[string]effect{
		"caller Dialing/Hangup": func(w *world, ids calls) {
			w.expectAll(heard{nC: {sc("Released")}, nA: {sc("Released")}})
			Expect(w.callsOf(nA)).To(BeEmpty())
		},
		"callee Ringing/Answer": func(w *world, ids calls) {
			w.expectAll(heard{
				nA: {sc("Established", dC).on(ids["orig"]).withCaps(docEstablished...)},
				nC: {sc("Established", dA).on(ids["orig"]).withCaps(docEstablished...)},
			})
		},
		"agent Established/Hangup": func(w *world, ids calls) {
			w.expectAll(heard{nA: {sc("Released", dC)}, nC: {sc("Released")}})
		},
		"agent Established/Hold": func(w *world, ids calls) {
			w.expectAll(heard{nA: {sc("Held", dC).withCaps(docHeld...)}})
			Expect(w.callOf(nC).State).To(Equal("Established"))
		},
		"agent Established/SingleStepTransfer": func(w *world, ids calls) {
			w.expectAll(heard{
				nA: {sc("Released", dC)},
				nC: {pu("Established").withCaps(docEstablished...)},
				nX: {sc("Ringing", dC).on(ids["orig"]).withCaps(docRinging...)},
			})
		},
		"agent Established/InitiateTransfer":   consultStarted(nA, voice.OpInitiateTransfer, dC),
		"agent Established/InitiateConference": consultStarted(nA, voice.OpInitiateConference, dC),
		"agent Held/Hangup": func(w *world, ids calls) {
			w.expectAll(heard{nA: {sc("Released", dC)}, nC: {sc("Released")}})
		},
		"agent Held/Retrieve": func(w *world, ids calls) {
			w.expectAll(heard{nA: {sc("Established", dC).withCaps(docEstablished...)}})
		},
		"agent Held/SingleStepTransfer": func(w *world, ids calls) {
			w.expectAll(heard{
				nA: {sc("Released", dC)},
				nC: {pu("Established")},
				nX: {sc("Ringing", dC)},
			})
		},
		"agent Held/InitiateTransfer":   consultStarted(nA, voice.OpInitiateTransfer, dC),
		"agent Held/InitiateConference": consultStarted(nA, voice.OpInitiateConference, dC),
		"customer Established, agent Held/Hangup": func(w *world, ids calls) {
			w.expectAll(heard{nC: {sc("Released", dA)}, nA: {sc("Released")}})
		},
		"customer Established, agent Held/Hold": func(w *world, ids calls) {
			w.expectAll(heard{nC: {sc("Held", dA)}})
		},
		"customer Established, agent Held/SingleStepTransfer": func(w *world, ids calls) {
			w.expectAll(heard{
				nC: {sc("Released", dA)},
				nA: {pu("Held").withCaps(docHeld...)},
				nX: {sc("Ringing", dA)},
			})
		},
		"customer Established, agent Held/InitiateTransfer":   consultStarted(nC, voice.OpInitiateTransfer, dA),
		"customer Established, agent Held/InitiateConference": consultStarted(nC, voice.OpInitiateConference, dA),

		"original Held, consultation Dialing/Hangup":           originalAbandoned("Dialing", dB, "Ringing"),
		"original Held, consultation Dialing/SwapCalls":        swapped(""),
		"original Held, consultation Dialing/CompleteTransfer": transferCompletedWhileDialing,
		"consultation Dialing/Hangup":                          consultEnded(nA, nB, nil, nil),
		"consultation Dialing/CompleteTransfer":                transferCompletedWhileDialing,

		"original Held, conference consultation Dialing/Hangup":             originalAbandoned("Dialing", dB, "Ringing"),
		"original Held, conference consultation Dialing/Retrieve":           swapped(""),
		"original Held, conference consultation Dialing/SwapCalls":          swapped(""),
		"original Held, conference consultation Dialing/CompleteConference": conferenceCompletedWhileDialing,
		"conference consultation Dialing/Hangup":                            consultEnded(nA, nB, nil, nil),
		"conference consultation Dialing/CompleteConference":                conferenceCompletedWhileDialing,

		"consultation target Ringing/Answer": func(w *world, ids calls) {
			w.expectAll(heard{
				nB: {sc("Established", dA).on(ids["consult"]).withCaps(docEstablished...)},
				nA: {sc("Established", dB).on(ids["consult"]).withCaps(docPairEstablished...)},
			})
		},

		"original Held, transfer consultation Established/Hangup":           originalAbandoned("Established", dB, "Established"),
		"original Held, transfer consultation Established/SwapCalls":        swapped("Held", dB),
		"original Held, transfer consultation Established/CompleteTransfer": transferCompleted,
		"transfer consultation Established/Hangup":                          consultEnded(nA, nB, []string{dB}, nil),
		"transfer consultation Established/Hold": func(w *world, ids calls) {
			w.expectAll(heard{nA: {sc("Held", dB).on(ids["consult"]).withCaps(docHeldAfterTransfer...)}})
		},
		"transfer consultation Established/SwapCalls":          swappedBack,
		"transfer consultation Established/CompleteTransfer":   transferCompleted,
		"transfer consultation Established/CompleteConference": conferenceCompleted,
		"consultation target Established/Hangup":               consultEnded(nB, nA, []string{dA}, nil),
		"consultation target Established/Hold": func(w *world, ids calls) {
			w.expectAll(heard{nB: {sc("Held", dA).on(ids["consult"]).withCaps(docHeld...)}})
		},

		"original Held, conference consultation Established/Hangup":             originalAbandoned("Established", dB, "Established"),
		"original Held, conference consultation Established/Retrieve":           swapped("Held", dB),
		"original Held, conference consultation Established/SwapCalls":          swapped("Held", dB),
		"original Held, conference consultation Established/CompleteConference": conferenceCompleted,
		"conference consultation Established/Hangup":                            consultEnded(nA, nB, []string{dB}, nil),
		"conference consultation Established/Hold": func(w *world, ids calls) {
			w.expectAll(heard{nA: {sc("Held", dB).on(ids["consult"]).withCaps(docHeldAfterConference...)}})
		},
		"conference consultation Established/SwapCalls":          swappedBack,
		"conference consultation Established/CompleteTransfer":   transferCompleted,
		"conference consultation Established/CompleteConference": conferenceCompleted,

		"conference of three, owner/Hangup": func(w *world, ids calls) { // the other two stay connected
			w.expectAll(heard{
				nA: {sc("Released", dC, dB)},
				nC: {pu("Established", dB).withCaps(docEstablished...)},
				nB: {pu("Established", dC).withCaps(docEstablished...)},
			})
		},
		"conference of three, owner/Hold": func(w *world, ids calls) {
			w.expectAll(heard{nA: {sc("Held", dC, dB)}})
		},
		"conference of three, owner/SingleStepTransfer": func(w *world, ids calls) {
			w.expectAll(heard{
				nA: {sc("Released", dC, dB)},
				nC: {pu("Established", dB)},
				nB: {pu("Established", dC)},
				nX: {sc("Ringing", dC, dB)},
			})
		},
		"conference of three, owner/InitiateTransfer":   consultStarted(nA, voice.OpInitiateTransfer, dC, dB),
		"conference of three, owner/InitiateConference": consultStarted(nA, voice.OpInitiateConference, dC, dB),
		"conference of three, owner/RemoveParticipantFromConference": func(w *world, ids calls) {
			w.expectAll(heard{
				nB: {sc("Released", dC, dA)},
				nA: {pu("Established", dC).withCaps(docEstablished...)},
				nC: {pu("Established", dA)},
			})
		},
		"conference of three, member/Hangup": func(w *world, ids calls) {
			w.expectAll(heard{
				nB: {sc("Released", dC, dA)},
				nA: {pu("Established", dC).withCaps(docEstablished...)},
				nC: {pu("Established", dA)},
			})
		},
		"conference of three, member/Hold": func(w *world, ids calls) {
			w.expectAll(heard{nB: {sc("Held", dC, dA)}})
		},
		"conference of three, member/SingleStepTransfer": func(w *world, ids calls) {
			w.expectAll(heard{
				nB: {sc("Released", dC, dA)},
				nA: {pu("Established", dC).withCaps(docEstablished...)},
				nC: {pu("Established", dA)},
				nX: {sc("Ringing", dC, dA)},
			})
		},
		"conference of three, member/InitiateTransfer":   consultStarted(nB, voice.OpInitiateTransfer, dC, dA),
		"conference of three, member/InitiateConference": consultStarted(nB, voice.OpInitiateConference, dC, dA),
	}
}

func transitionEntries() []TableEntry {
	var out []TableEntry
	for _, s := range situations() {
		for _, op := range callOps() {
			verb := "is refused"
			if slices.Contains(s.allowed, op) {
				verb = "is allowed"
			}
			out = append(out, Entry(fmt.Sprintf("%s: %s %s", s.name, op, verb), s, op))
		}
	}
	return out
}

var _ = Describe("Call operations from every party state", func() {
	It("has an expected outcome for every allowed operation, and none for a refused one", func() {
		fx := effects()
		listed := map[string]bool{}
		for _, s := range situations() {
			for _, op := range s.allowed {
				key := s.name + "/" + string(op)
				if s.forbidden(op) || genericEffect(s, op, nil) != nil {
					Expect(fx).NotTo(HaveKey(key), "a specific outcome for an operation with a generic one")
					continue
				}
				Expect(fx).To(HaveKey(key))
				listed[key] = true
			}
		}
		for key := range fx {
			Expect(listed).To(HaveKey(key), "an outcome for an operation the situation does not allow")
		}
	})

	DescribeTable("each situation offers exactly its allowed operations",
		func(s situation) {
			w := newWorld()
			ids := s.build(w)
			c := w.callIn(s.actor, ids[s.call])
			Expect(c.State).To(Equal(s.state))
			Expect(c.Capabilities).To(ConsistOf(s.allowed))
		},
		func() []TableEntry {
			var out []TableEntry
			for _, s := range situations() {
				out = append(out, Entry(s.name, s))
			}
			return out
		}())

	DescribeTable("operation",
		func(s situation, op voice.Operation) {
			w := newWorld()
			ids := s.build(w)
			if !slices.Contains(s.allowed, op) {
				oe := w.refuse(s.actor, s.request(ids, op), voice.ErrInvalidState)
				Expect(oe.From).To(Equal(s.state), "the error names the state the operation came from")
				Expect(oe.Error()).To(ContainSubstring(s.state + " -> " + string(op)))
				return
			}
			if s.forbidden(op) {
				w.refuse(s.actor, s.request(ids, op), voice.ErrForbidden)
				return
			}
			if op == voice.OpDeleteUserDataPair { // there must be a pair to delete
				w.do(s.actor, s.request(ids, voice.OpAttachUserData))
				w.drain()
			}
			before := usersOn(w, ids[s.call])
			w.do(s.actor, s.request(ids, op))
			fx := genericEffect(s, op, before)
			if fx == nil {
				fx = effects()[s.name+"/"+string(op)]
			}
			fx(w, ids)
		},
		transitionEntries())

	It("refuses an operation on a call the user is not on, or that does not exist, with ErrNotFound", func() {
		w := newWorld()
		ids := talking(w)
		w.refuse(nB, callReq(ids["orig"], voice.OpHangup), voice.ErrNotFound)
		w.refuse(nA, callReq("01CS-no-such-call", voice.OpHangup), voice.ErrNotFound)
	})
})
