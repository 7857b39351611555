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

// callOps are every operation a call resource might be sent, plus one that only a device accepts.
func callOps() []string {
	return []string{
		voice.OpAnswer, voice.OpHangup, voice.OpHold, voice.OpRetrieve,
		voice.OpSingleStepTransfer, voice.OpInitiateTransfer, voice.OpCompleteTransfer,
		voice.OpInitiateConference, voice.OpCompleteConference,
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
	allowed []string
}

func (s situation) request(ids calls, op string) voice.Request {
	switch op {
	case voice.OpSingleStepTransfer, voice.OpInitiateTransfer, voice.OpInitiateConference:
		return destReq(ids[s.call], op, dX)
	}
	return callReq(ids[s.call], op)
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

func consulting(op string, answered bool) func(w *world) calls {
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

var (
	transferOps = []string{voice.OpHangup, voice.OpHold, voice.OpSingleStepTransfer, voice.OpInitiateTransfer, voice.OpInitiateConference}
	heldOps     = []string{voice.OpHangup, voice.OpRetrieve, voice.OpSingleStepTransfer, voice.OpInitiateTransfer, voice.OpInitiateConference}
)

func situations() []situation {
	return []situation{
		{name: "caller Dialing", build: dialling, actor: nC, call: "orig", state: "Dialing",
			allowed: []string{voice.OpHangup}},
		{name: "callee Ringing", build: dialling, actor: nA, call: "orig", state: "Ringing",
			allowed: []string{voice.OpAnswer, voice.OpHangup}},
		{name: "agent Established", build: talking, actor: nA, call: "orig", state: "Established",
			allowed: transferOps},
		{name: "agent Held", build: agentHolds, actor: nA, call: "orig", state: "Held",
			allowed: heldOps},
		{name: "customer Established, agent Held", build: agentHolds, actor: nC, call: "orig", state: "Established",
			allowed: transferOps},
		{name: "original Held, consultation Dialing", build: consulting(voice.OpInitiateTransfer, false), actor: nA,
			call: "orig", state: "Held", allowed: []string{voice.OpHangup}},
		{name: "consultation Dialing", build: consulting(voice.OpInitiateTransfer, false), actor: nA,
			call: "consult", state: "Dialing", allowed: []string{voice.OpHangup}},
		{name: "consultation target Ringing", build: consulting(voice.OpInitiateTransfer, false), actor: nB,
			call: "consult", state: "Ringing", allowed: []string{voice.OpAnswer, voice.OpHangup}},
		{name: "original Held, transfer consultation Established", build: consulting(voice.OpInitiateTransfer, true),
			actor: nA, call: "orig", state: "Held", allowed: []string{voice.OpHangup, voice.OpCompleteTransfer}},
		{name: "transfer consultation Established", build: consulting(voice.OpInitiateTransfer, true),
			actor: nA, call: "consult", state: "Established", allowed: []string{voice.OpHangup, voice.OpCompleteTransfer}},
		{name: "consultation target Established", build: consulting(voice.OpInitiateTransfer, true),
			actor: nB, call: "consult", state: "Established", allowed: []string{voice.OpHangup}},
		{name: "original Held, conference consultation Established", build: consulting(voice.OpInitiateConference, true),
			actor: nA, call: "orig", state: "Held", allowed: []string{voice.OpHangup, voice.OpCompleteConference}},
		{name: "conference consultation Established", build: consulting(voice.OpInitiateConference, true),
			actor: nA, call: "consult", state: "Established", allowed: []string{voice.OpHangup, voice.OpCompleteConference}},
		{name: "conference of three", build: conferenced, actor: nA, call: "orig", state: "Established",
			allowed: transferOps},
	}
}

// effect asserts what an allowed operation did.
type effect func(w *world, ids calls)

// consultStarted: the actor's call is Held (only Hangup until the target answers), a consultation call dials X.
func consultStarted(actor string, heldParts ...string) effect {
	return func(w *world, ids calls) {
		x := w.callOf(nX).ID
		w.expectAll(heard{
			actor: {
				sc("Held", heldParts...).on(ids["orig"]).withCaps(voice.OpHangup),
				sc("Dialing", dX).on(x).typ(voice.CallConsult).withCaps(voice.OpHangup),
			},
			nX: {sc("Ringing", w.dn(actor)).on(x).typ(voice.CallConsult).withCaps(voice.OpAnswer, voice.OpHangup)},
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
		h[nA] = append(h[nA], sc("Held", dC).on(ids["orig"]).withCaps(heldOps...))
		w.expectAll(h)
		Expect(w.callsOf(nB)).To(BeEmpty())
	}
}

// transferCompleted: agent1 leaves both calls, agent2 is on the original with customer1.
func transferCompleted(w *world, ids calls) {
	w.expectAll(heard{
		nA: {sc("Released", dC).on(ids["orig"]), sc("Released", dB).on(ids["consult"])},
		nB: {sc("Released").on(ids["consult"]), sc("Established", dC).on(ids["orig"]).withCaps(transferOps...)},
		nC: {pu("Established", dB).on(ids["orig"])},
	})
	Expect(w.callsOf(nA)).To(BeEmpty())
}

// conferenceCompleted: the consultation ends and agent1, agent2 and customer1 share the original.
func conferenceCompleted(w *world, ids calls) {
	w.expectAll(heard{
		nA: {sc("Released", dB).on(ids["consult"]), sc("Established", dC, dB).on(ids["orig"]).withCaps(transferOps...)},
		nB: {sc("Released").on(ids["consult"]), sc("Established", dC, dA).on(ids["orig"])},
		nC: {pu("Established", dA, dB).on(ids["orig"])},
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

// effects lists the outcome of every allowed (situation, operation) pair.
func effects() map[string]effect {
	return map[string]effect{
		"caller Dialing/Hangup": func(w *world, ids calls) {
			w.expectAll(heard{nC: {sc("Released")}, nA: {sc("Released")}})
			Expect(w.callsOf(nA)).To(BeEmpty())
		},
		"callee Ringing/Answer": func(w *world, ids calls) {
			w.expectAll(heard{
				nA: {sc("Established", dC).on(ids["orig"]).withCaps(transferOps...)},
				nC: {sc("Established", dA).on(ids["orig"]).withCaps(transferOps...)},
			})
		},
		"callee Ringing/Hangup": func(w *world, ids calls) {
			w.expectAll(heard{nA: {sc("Released")}, nC: {sc("Released")}})
			Expect(w.callsOf(nC)).To(BeEmpty())
		},
		"agent Established/Hangup": func(w *world, ids calls) {
			w.expectAll(heard{nA: {sc("Released", dC)}, nC: {sc("Released")}})
		},
		"agent Established/Hold": func(w *world, ids calls) {
			w.expectAll(heard{nA: {sc("Held", dC).withCaps(heldOps...)}})
			Expect(w.callOf(nC).State).To(Equal("Established"))
		},
		"agent Established/SingleStepTransfer": func(w *world, ids calls) {
			w.expectAll(heard{
				nA: {sc("Released", dC)},
				nC: {pu("Established").withCaps(transferOps...)},
				nX: {sc("Ringing", dC).on(ids["orig"]).withCaps(voice.OpAnswer, voice.OpHangup)},
			})
		},
		"agent Established/InitiateTransfer":   consultStarted(nA, dC),
		"agent Established/InitiateConference": consultStarted(nA, dC),
		"agent Held/Hangup": func(w *world, ids calls) {
			w.expectAll(heard{nA: {sc("Released", dC)}, nC: {sc("Released")}})
		},
		"agent Held/Retrieve": func(w *world, ids calls) {
			w.expectAll(heard{nA: {sc("Established", dC).withCaps(transferOps...)}})
		},
		"agent Held/SingleStepTransfer": func(w *world, ids calls) {
			w.expectAll(heard{
				nA: {sc("Released", dC)},
				nC: {pu("Established")},
				nX: {sc("Ringing", dC)},
			})
		},
		"agent Held/InitiateTransfer":   consultStarted(nA, dC),
		"agent Held/InitiateConference": consultStarted(nA, dC),
		"customer Established, agent Held/Hangup": func(w *world, ids calls) {
			w.expectAll(heard{nC: {sc("Released", dA)}, nA: {sc("Released")}})
		},
		"customer Established, agent Held/Hold": func(w *world, ids calls) {
			w.expectAll(heard{nC: {sc("Held", dA)}})
		},
		"customer Established, agent Held/SingleStepTransfer": func(w *world, ids calls) {
			w.expectAll(heard{
				nC: {sc("Released", dA)},
				nA: {pu("Held").withCaps(heldOps...)},
				nX: {sc("Ringing", dA)},
			})
		},
		"customer Established, agent Held/InitiateTransfer":   consultStarted(nC, dA),
		"customer Established, agent Held/InitiateConference": consultStarted(nC, dA),

		"original Held, consultation Dialing/Hangup": originalAbandoned("Dialing", dB, "Ringing"),
		"consultation Dialing/Hangup":                consultEnded(nA, nB, nil, nil),
		"consultation target Ringing/Answer": func(w *world, ids calls) {
			w.expectAll(heard{
				nB: {sc("Established", dA).on(ids["consult"]).withCaps(voice.OpHangup)},
				nA: {
					sc("Established", dB).on(ids["consult"]).withCaps(voice.OpHangup, voice.OpCompleteTransfer),
					sc("Held", dC).on(ids["orig"]).withCaps(voice.OpHangup, voice.OpCompleteTransfer),
				},
			})
		},
		"consultation target Ringing/Hangup": consultEnded(nB, nA, nil, nil),

		"original Held, transfer consultation Established/Hangup":           originalAbandoned("Established", dB, "Established"),
		"original Held, transfer consultation Established/CompleteTransfer": transferCompleted,
		"transfer consultation Established/Hangup":                          consultEnded(nA, nB, []string{dB}, nil),
		"transfer consultation Established/CompleteTransfer":                transferCompleted,
		"consultation target Established/Hangup":                            consultEnded(nB, nA, []string{dA}, nil),

		"original Held, conference consultation Established/Hangup":             originalAbandoned("Established", dB, "Established"),
		"original Held, conference consultation Established/CompleteConference": conferenceCompleted,
		"conference consultation Established/Hangup":                            consultEnded(nA, nB, []string{dB}, nil),
		"conference consultation Established/CompleteConference":                conferenceCompleted,

		"conference of three/Hangup": func(w *world, ids calls) { // the other two stay connected
			w.expectAll(heard{
				nA: {sc("Released", dC, dB)},
				nC: {pu("Established", dB).withCaps(transferOps...)},
				nB: {pu("Established", dC).withCaps(transferOps...)},
			})
		},
		"conference of three/Hold": func(w *world, ids calls) {
			w.expectAll(heard{nA: {sc("Held", dC, dB)}})
		},
		"conference of three/SingleStepTransfer": func(w *world, ids calls) {
			w.expectAll(heard{
				nA: {sc("Released", dC, dB)},
				nC: {pu("Established", dB)},
				nB: {pu("Established", dC)},
				nX: {sc("Ringing", dC, dB)},
			})
		},
		"conference of three/InitiateTransfer":   consultStarted(nA, dC, dB),
		"conference of three/InitiateConference": consultStarted(nA, dC, dB),
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
				key := s.name + "/" + op
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
		func(s situation, op string) {
			w := newWorld()
			ids := s.build(w)
			if !slices.Contains(s.allowed, op) {
				oe := w.refuse(s.actor, s.request(ids, op), voice.ErrInvalidState)
				Expect(oe.From).To(Equal(s.state), "the error names the state the operation came from")
				Expect(oe.Error()).To(ContainSubstring(s.state + " -> " + op))
				return
			}
			w.do(s.actor, s.request(ids, op))
			effects()[s.name+"/"+op](w, ids)
		},
		transitionEntries())

	It("refuses an operation on a call the user is not on, or that does not exist, with ErrNotFound", func() {
		w := newWorld()
		ids := talking(w)
		w.refuse(nB, callReq(ids["orig"], voice.OpHangup), voice.ErrNotFound)
		w.refuse(nA, callReq("01CS-no-such-call", voice.OpHangup), voice.ErrNotFound)
	})
})
