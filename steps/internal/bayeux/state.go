package bayeux

import "fmt"

// State is where a Client stands in its connection life cycle.
type State int32

// The connection states. The zero value is Unconnected.
const (
	// Unconnected: no Bayeux session. A new Client starts here; the loop comes back here after a failed
	// re-handshake and waits its back-off before trying again.
	Unconnected State = iota
	// Handshaking: a session is being set up: the /meta/handshake and then the (re-)subscription of every
	// channel the client keeps.
	Handshaking
	// Connected: the session is up with all its subscriptions confirmed, and the last /meta/connect (if any)
	// succeeded. Notifications published from now on reach the client.
	Connected
	// Reconnecting: the session is believed alive but the last /meta/connect failed (transport error, HTTP
	// error, or a refusal that did not ask for a new handshake); the loop retries after a back-off.
	Reconnecting
	// Disconnected: terminal. Close was called, Connect gave up half-way, or the server advised
	// reconnect "none".
	Disconnected
)

// String returns the state's name, e.g. "Connected".
func (s State) String() string {
	switch s {
	case Unconnected:
		return "Unconnected"
	case Handshaking:
		return "Handshaking"
	case Connected:
		return "Connected"
	case Reconnecting:
		return "Reconnecting"
	case Disconnected:
		return "Disconnected"
	}
	return fmt.Sprintf("State(%d)", int32(s))
}

// Event is what moves a Client from one State to another.
type Event int

// The events of the connection state machine.
const (
	// EventHandshake: a (re-)handshake starts.
	EventHandshake Event = iota + 1
	// EventHandshakeOK: the server accepted the handshake and every subscription that followed it.
	EventHandshakeOK
	// EventHandshakeFailed: the handshake, or the re-subscription after it, was refused or did not get through.
	EventHandshakeFailed
	// EventConnectOK: a /meta/connect was answered with successful:true.
	EventConnectOK
	// EventConnectFailed: a /meta/connect failed without the server asking for a new handshake.
	EventConnectFailed
	// EventGiveUp: the server advised reconnect "none" (or a negative interval); the client stops for good.
	EventGiveUp
	// EventClose: the user closed the client, or Connect abandoned a half-made session.
	EventClose
)

// String returns the event's name, e.g. "handshake_ok".
func (e Event) String() string {
	switch e {
	case EventHandshake:
		return "handshake"
	case EventHandshakeOK:
		return "handshake_ok"
	case EventHandshakeFailed:
		return "handshake_failed"
	case EventConnectOK:
		return "connect_ok"
	case EventConnectFailed:
		return "connect_failed"
	case EventGiveUp:
		return "give_up"
	case EventClose:
		return "close"
	}
	return fmt.Sprintf("Event(%d)", int(e))
}

// Transition is the connection state machine, the only place that decides state changes: it returns the
// state that event ev leads to from state from, or a *TransitionError (wrapping ErrInvalidTransition) when ev
// is not allowed in from. It is pure.
//
//	Unconnected  --handshake-->        Handshaking
//	Handshaking  --handshake_ok-->     Connected
//	Handshaking  --handshake_failed--> Unconnected
//	Connected    --connect_ok-->       Connected
//	Connected    --connect_failed-->   Reconnecting
//	Reconnecting --connect_ok-->       Connected
//	Reconnecting --connect_failed-->   Reconnecting
//	Connected, Reconnecting --handshake--> Handshaking   (session lost: 402 or advice reconnect "handshake")
//	any state but Disconnected --give_up, close--> Disconnected
func Transition(from State, ev Event) (State, error) {
	invalid := func() (State, error) { return from, &TransitionError{From: from, Event: ev} }
	if from == Disconnected {
		return invalid()
	}
	switch ev {
	case EventGiveUp, EventClose:
		if from >= Unconnected && from < Disconnected {
			return Disconnected, nil
		}
	case EventHandshake:
		if from == Unconnected || from == Connected || from == Reconnecting {
			return Handshaking, nil
		}
	case EventHandshakeOK:
		if from == Handshaking {
			return Connected, nil
		}
	case EventHandshakeFailed:
		if from == Handshaking {
			return Unconnected, nil
		}
	case EventConnectOK:
		if from == Connected || from == Reconnecting {
			return Connected, nil
		}
	case EventConnectFailed:
		if from == Connected || from == Reconnecting {
			return Reconnecting, nil
		}
	}
	return invalid()
}
