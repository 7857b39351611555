package voice_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/simulator/internal/voice"
)

const (
	ext    = "+14155550100" // an external caller
	extNat = "4155550100"   // how participants list it (behaviour.md §12.8)
)

// inbound places a call from outside and records its notifications.
func (w *world) inbound(from, to string) string {
	GinkgoHelper()
	id, notes, err := w.st.Inbound(w.now, from, to)
	Expect(err).NotTo(HaveOccurred())
	for _, n := range notes {
		w.record(n)
	}
	return id
}

// disconnect makes the external caller hang up and records the notifications.
func (w *world) disconnect(callID string) {
	GinkgoHelper()
	notes, err := w.st.Disconnect(w.now, callID)
	Expect(err).NotTo(HaveOccurred())
	for _, n := range notes {
		w.record(n)
	}
}

var _ = Describe("Calls from outside the environment", func() {
	It("ring a device as an Inbound call whose ani and participant are the external number", func() {
		w := newWorld()
		id := w.inbound(ext, dA)
		w.expectAll(heard{nA: {sc("Ringing", extNat).typ(voice.CallInbound).on(id)}})
		c := w.callOf(nA)
		Expect(c.ANI).To(Equal(ext))
		Expect(c.DNIS).To(Equal(dA))
		Expect(c.Participants[0].E164Number).To(Equal(ext))
		Expect(c.Participants[0].Digits).To(Equal(extNat))
		Expect(c.Participants[0].FormattedPhoneNumber).To(Equal("(415) 555-0100"))
		Expect(c.Participants[0].Country).To(Equal(&voice.Country{Name: "United States", Code: "US", CallingCode: "1"}))

		w.advance(3 * time.Second)
		w.answer(nA)
		w.expectAll(heard{nA: {sc("Established", extNat).withCaps(docEstablished...)}})
		state, ok := w.st.OriginState(id)
		Expect(ok).To(BeTrue())
		Expect(state).To(Equal(voice.Established))
	})

	It("queue at a routing point and go to the longest-idle Ready agent", func() {
		w := newWorld()
		id := w.inbound(ext, dRP)
		w.expectQuiet()
		state, ok := w.st.OriginState(id)
		Expect(ok).To(BeTrue())
		Expect(state).To(Equal(voice.Dialing))
		Expect(w.st.Snapshot(w.now).RoutingPoints[0].Queue).To(Equal([]string{id}))

		w.login(nB)
		w.expectAll(heard{nB: {dev().agent("LoggedIn"), dev().agent("NotReady"), dev().agent("Ready"), sc("Ringing", extNat).on(id)}})
		Expect(w.st.Snapshot(w.now).RoutingPoints[0].Queue).To(BeEmpty())
	})

	It("end at once when the device is in DoNotDisturb, telling nobody", func() {
		w := newWorld()
		w.do(nA, deviceReq(voice.OpDoNotDisturbOn))
		w.drain()
		id := w.inbound(ext, dA)
		w.expectQuiet()
		_, ok := w.st.OriginState(id)
		Expect(ok).To(BeFalse())
		Expect(w.st.Snapshot(w.now).Calls).To(BeEmpty())
	})

	DescribeTable("are refused, changing nothing, when",
		func(from, to string, sentinel error) {
			w := newWorld()
			before := w.snapshot()
			id, notes, err := w.st.Inbound(w.now, from, to)
			Expect(err).To(MatchError(sentinel))
			Expect(id).To(BeEmpty())
			Expect(notes).To(BeEmpty())
			Expect(w.snapshot()).To(Equal(before))
			Expect(w.st.Snapshot(w.now).Calls).To(BeEmpty())
		},
		Entry("from is missing", "", dA, voice.ErrMissingParameter),
		Entry("from is not a number", "alice", dA, voice.ErrInvalidValue),
		Entry("from is an internal DN", dC, dA, voice.ErrInvalidValue),
		Entry("from is a routing point", dRP, dA, voice.ErrInvalidValue),
		Entry("to is missing", ext, "", voice.ErrMissingParameter),
		Entry("to is unknown", ext, "9999", voice.ErrNotFound),
	)

	Describe("when the external caller hangs up", func() {
		It("a queued call leaves the queue (abandoned)", func() {
			w := newWorld()
			id := w.inbound(ext, dRP)
			w.disconnect(id)
			w.expectQuiet()
			Expect(w.st.Snapshot(w.now).RoutingPoints[0].Queue).To(BeEmpty())
			w.login(nA)
			w.expectAll(heard{nA: {dev().agent("LoggedIn"), dev().agent("NotReady"), dev().agent("Ready")}})
		})

		It("a ringing call is Released for the agent", func() {
			w := newWorld()
			id := w.inbound(ext, dA)
			w.drain()
			w.disconnect(id)
			w.expectAll(heard{nA: {sc("Released").on(id)}})
			Expect(w.callsOf(nA)).To(BeEmpty())
		})

		It("an answered call ends for the agent and its supervisor", func() {
			w := newWorld()
			w.supervise(nS, voice.Coach, nA, voice.ScopeAgent, voice.ModeNextCall)
			id := w.inbound(ext, dA)
			w.answer(nA)
			Expect(w.callOf(nS).ParticipantNumbers()).To(Equal([]string{extNat, dA}))
			w.drain()
			w.disconnect(id)
			w.expectAll(heard{
				nA: {sc("Released", dS).on(id)}, // as when a customer hangs up: the coach is still listed
				nS: {sc("Released").supervising().on(id), dev()},
			})
		})

		It("is refused for a call without an external caller", func() {
			w := newWorld()
			id := w.dial(nC, dA)
			before := w.snapshot()
			_, err := w.st.Disconnect(w.now, id)
			Expect(err).To(MatchError(voice.ErrNotFound))
			_, err = w.st.Disconnect(w.now, "no-such-call")
			Expect(err).To(MatchError(voice.ErrNotFound))
			Expect(w.snapshot()).To(Equal(before))
		})
	})
})

var _ = Describe("AfterCallWork", func() {
	It("is NotReady with workMode AfterCallWork, and keeps the agent out of routing until Ready", func() {
		w := newWorld()
		w.login(nA)
		w.drain()
		w.do(nA, channelReq(voice.OpAfterCallWork))
		w.expectAll(heard{nA: {dev().agent("NotReady")}})
		us := w.deviceOf(nA).UserState
		Expect(us.WorkMode).To(Equal("AfterCallWork"))
		Expect(us.ID).To(Equal("D3663509-3D82-4DD3-A82E-2EA8EFA02AEF"))
		Expect(us.DisplayName).To(Equal("AfterCallWork"))
		Expect(w.st.Channels(w.userID(nA))).To(BeEmpty(), "voice state is on the device, not among the channels")

		id := w.inbound(ext, dRP)
		w.expectQuiet()
		w.do(nA, channelReq(voice.OpReady))
		w.expectAll(heard{nA: {dev().agent("Ready"), sc("Ringing", extNat).on(id)}})
		Expect(w.deviceOf(nA).UserState.WorkMode).To(BeEmpty())
	})

	It("needs a contact-center session", func() {
		w := newWorld()
		w.refuse(nA, channelReq(voice.OpAfterCallWork), voice.ErrInvalidState)
	})
})

var _ = Describe("The snapshot", func() {
	It("shows users, calls with every leg (external caller and supervisor), supervision and queues", func() {
		w := newWorld()
		w.login(nA)
		w.supervise(nS, voice.ListenIn, nA, voice.ScopeCall, voice.ModeAllCalls)
		id := w.inbound(ext, dA)
		w.answer(nA)
		w.advance(42 * time.Second)
		queued := w.inbound("+14155550101", dRP)

		snap := w.st.Snapshot(w.now)
		Expect(snap.Supervision).To(Equal([]voice.SupervisionSnapshot{{Supervisor: nS, State: voice.ListenIn,
			Scope: voice.ScopeCall, Mode: voice.ModeAllCalls, Target: nA}}))
		Expect(snap.Calls).To(HaveLen(2))
		Expect(snap.Calls[0]).To(Equal(voice.CallSnapshot{ID: id, Type: voice.CallInbound, ANI: ext, DNIS: dA,
			Parties: []voice.PartySnapshot{
				{Number: ext, State: "Established", Seconds: 42},
				{Number: dA, UserName: nA, State: "Established", Seconds: 42},
				{Number: dS, UserName: nS, State: "Established", Seconds: 42, Supervising: "ListenIn",
					Scope: voice.ScopeCall, Monitored: dA},
			}}))
		Expect(snap.Calls[1].QueuedAt).To(Equal(dRP))
		Expect(snap.RoutingPoints).To(Equal([]voice.RoutingPointSnapshot{{DN: dRP,
			Agents: []string{nA, nB, nX}, Queue: []string{queued}}}))
		var agent voice.UserSnapshot
		for _, u := range snap.Users {
			if u.UserName == nA {
				agent = u
			}
		}
		Expect(agent.Session).To(BeTrue())
		Expect(agent.AgentState).To(Equal("Ready"))
		Expect(agent.ActiveCalls).To(Equal(1))
		Expect(agent.SupervisedBy).To(Equal(nS))
		Expect(agent.IdleSinceSecs).To(BeNil(), "an agent on a call is not idle")
	})

	It("shows how long a Ready agent has been free, and nothing for agents not waiting for calls", func() {
		w := newWorld()
		w.login(nB)
		w.advance(75 * time.Second)
		byName := map[string]voice.UserSnapshot{}
		for _, u := range w.st.Snapshot(w.now).Users {
			byName[u.UserName] = u
		}
		Expect(byName[nB].IdleSinceSecs).To(HaveValue(Equal(75)))
		Expect(byName[nA].IdleSinceSecs).To(BeNil())
		w.do(nB, channelReq(voice.OpNotReady))
		Expect(w.st.Snapshot(w.now).Users[2].IdleSinceSecs).To(BeNil())
	})
})
