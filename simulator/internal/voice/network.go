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
	return s.InboundWith(now, InboundCall{From: from, To: to})
}

// InboundCall is a call from outside the environment: the external number From dials the DN or routing point
// To, with optional attached data (a script's customer segment, say).
type InboundCall struct {
	From, To string
	UserData UserData
}

// InboundWith places a call from outside, as Inbound does, with the call's attached data. A call to a
// forwarding device rings its forwardTo number (behaviour.md §12.6).
func (s *State) InboundWith(now time.Time, in InboundCall) (string, []Notification, error) {
	const op = "InboundCall"
	from, to := in.From, in.To
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
	if s.rpByDN[to] == nil && s.deviceByDN[to] == nil {
		return "", nil, opErr(ErrNotFound, op, "network", "", "to %q is neither a device DN nor a routing point", to)
	}
	var data UserData
	if len(in.UserData) > 0 {
		var err error
		if data, err = checkUserData(op, "network", in.UserData); err != nil {
			return "", nil, err
		}
	}
	s.now = now
	s.out = nil
	rp := s.rpByDN[s.forwarded(to)]
	dest := s.deviceByDN[s.forwarded(to)]
	c := s.newCall(CallInbound, to)
	c.ani = from
	c.data = data
	caller := s.newParty(c, nil, from, Dialing)
	caller.origin = true
	s.join(c, caller)
	switch {
	case rp != nil:
		c.queuedAt, c.viaRP = rp, rp
		rp.queue = append(rp.queue, c)
	case dest == nil || dest.dnd || dest.unregistered: // an unknown number, DND, unregistered: released for the caller
		s.release(caller, "")
		s.prune(c)
	default:
		s.join(c, s.newParty(c, dest, dest.dn, Ringing))
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
	s.afterMemberLeft(c, caller, nil)
	s.prune(c)
	return s.finish(), nil
}

// finish settles the state after a successful change and hands over the notifications it caused.
func (s *State) finish() []Notification {
	s.settle()
	if afterChange != nil {
		afterChange(s)
	}
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
