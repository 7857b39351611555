package bayeux

import (
	"errors"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("connection state machine", func() {
	allStates := []State{Unconnected, Handshaking, Connected, Reconnecting, Disconnected}
	allEvents := []Event{EventHandshake, EventHandshakeOK, EventHandshakeFailed, EventConnectOK,
		EventConnectFailed, EventGiveUp, EventClose}

	// The whole machine restated independently of the implementation; pairs absent here must be refused.
	valid := map[State]map[Event]State{
		Unconnected: {EventHandshake: Handshaking, EventGiveUp: Disconnected, EventClose: Disconnected},
		Handshaking: {EventHandshakeOK: Connected, EventHandshakeFailed: Unconnected,
			EventGiveUp: Disconnected, EventClose: Disconnected},
		Connected: {EventConnectOK: Connected, EventConnectFailed: Reconnecting, EventHandshake: Handshaking,
			EventGiveUp: Disconnected, EventClose: Disconnected},
		Reconnecting: {EventConnectOK: Connected, EventConnectFailed: Reconnecting, EventHandshake: Handshaking,
			EventGiveUp: Disconnected, EventClose: Disconnected},
	}

	var entries []TableEntry
	for _, from := range allStates {
		for _, ev := range allEvents {
			to, ok := valid[from][ev]
			entries = append(entries, Entry(from.String()+" -> "+ev.String(), from, ev, to, ok))
		}
	}

	DescribeTable("every state x event pair",
		func(from State, ev Event, want State, ok bool) {
			got, err := Transition(from, ev)
			if ok {
				Expect(err).NotTo(HaveOccurred())
				Expect(got).To(Equal(want))
				return
			}
			Expect(err).To(HaveOccurred())
			Expect(errors.Is(err, ErrInvalidTransition)).To(BeTrue())
			var te *TransitionError
			Expect(errors.As(err, &te)).To(BeTrue())
			Expect(te.From).To(Equal(from))
			Expect(te.Event).To(Equal(ev))
			Expect(err.Error()).To(ContainSubstring(from.String() + " -> " + ev.String()))
			Expect(got).To(Equal(from), "a refused event leaves the state unchanged")
		},
		entries,
	)

	It("refuses unknown events and names unknown values", func() {
		_, err := Transition(Connected, Event(99))
		Expect(err).To(MatchError(ContainSubstring("Connected -> Event(99)")))
		Expect(State(42).String()).To(Equal("State(42)"))
		Expect(Unconnected.String()).To(Equal("Unconnected"))
		Expect(EventHandshakeOK.String()).To(Equal("handshake_ok"))
	})
})
