package voice

import (
	"time"

	"github.com/coachsim/coachsim/fixtures"
)

// This file holds what the network does rather than a user: calls from outside the environment (an external
// caller dials a DN or a routing point) and the external caller hanging up. Scripts and the simulator's
// control API use them; the GWS API has no such operations. An external caller is a party without a device:
// nobody is notified on its behalf.

// Inbound places a call from the external number from to the DN or routing point to, at time now. It returns
// the new call's id and the notifications it causes, or an *OpError and no change. A call to a device in
// DoNotDisturb ends at once ([S] as for Dial: released for the caller, who has nobody to tell).
func (s *State) Inbound(now time.Time, from, to string) (string, []Notification, error) {
	const op = "InboundCall"
	switch {
	case from == "":
		return "", nil, opErr(ErrMissingParameter, op, "network", "", "from is required")
	case !fixtures.IsPhoneNumber(from):
		return "", nil, opErr(ErrInvalidValue, op, "network", "", "from %q must be digits, optionally after a leading +", from)
	case s.deviceByDN[from] != nil:
		return "", nil, opErr(ErrInvalidValue, op, "network", "", "from %q is the DN of %s's device: let that user Dial instead", from, s.deviceByDN[from].user.name)
	case s.rpByDN[from] != nil:
		return "", nil, opErr(ErrInvalidValue, op, "network", "", "from %q is a routing point of this environment", from)
	case to == "":
		return "", nil, opErr(ErrMissingParameter, op, "network", "", "to is required")
	}
	rp := s.rpByDN[to]
	dest := s.deviceByDN[to]
	if rp == nil && dest == nil {
		return "", nil, opErr(ErrNotFound, op, "network", "", "to %q is neither a device DN nor a routing point", to)
	}
	s.now = now
	s.out = nil
	c := s.newCall(CallInbound, to)
	c.ani = from
	c.parties = append(c.parties, &party{call: c, number: from, state: Dialing, origin: true})
	switch {
	case rp != nil:
		c.queuedAt, c.viaRP = rp, rp
		rp.queue = append(rp.queue, c)
	case dest.dnd:
		s.release(c.parties[0], "")
		s.prune(c)
	default:
		c.parties = append(c.parties, &party{call: c, dev: dest, number: dest.dn, state: Ringing})
		s.touchCall(c, nil)
	}
	return c.id, s.finish(), nil
}

// Disconnect makes the external caller of call callID hang up at time now: a call still queued or ringing
// ends (the caller abandoned it); an answered call ends for everyone on it, as when a party of a two-party
// call hangs up.
func (s *State) Disconnect(now time.Time, callID string) ([]Notification, error) {
	const op = "Disconnect"
	c := s.callByID[callID]
	var caller *party
	if c != nil {
		for _, p := range c.parties {
			if p.dev == nil && p.state.active() {
				caller = p
			}
		}
	}
	if caller == nil {
		return nil, opErr(ErrNotFound, op, "call "+callID, "", "call %q has no external caller on it", callID)
	}
	s.now = now
	s.out = nil
	s.release(caller, "")
	s.afterMemberLeft(c, caller)
	s.prune(c)
	return s.finish(), nil
}

// finish settles the state after a successful change and hands over the notifications it caused.
func (s *State) finish() []Notification {
	s.settle()
	out := s.out
	s.out = nil
	return out
}

// OriginState is the state of the leg of the party that placed call callID (the external caller or the user
// who dialled); false when the call or that leg is gone.
func (s *State) OriginState(callID string) (PartyState, bool) {
	c := s.callByID[callID]
	if c == nil {
		return 0, false
	}
	for _, p := range c.parties {
		if p.origin && p.state.active() {
			return p.state, true
		}
	}
	return 0, false
}
