package voice

import (
	"time"

	"github.com/coachsim/coachsim/fixtures"
)

// This file is the index of active parties per device, so that no operation scans every call to find a
// device's legs: partiesOf, busy checks and call distribution cost the same with 5 agents or 5,000.
//
// Every party enters the index when it joins a call (join) and leaves it when it is released (release): a
// party's device never changes, and a released party never becomes active again, so these two places keep the
// index exact. Within a device, parties are kept in call creation order, then join order, which is the order
// a scan of every call would find them in.
//
// settle, after every successful change, looks only at the devices whose set of active parties changed since
// the last settle (dirty), plus every agent on the very first settle.

// join adds p to call c (as its last party) and to the index.
func (s *State) join(c *call, p *party) {
	c.parties = append(c.parties, p)
	if p.dev == nil || !p.state.active() {
		return
	}
	d := p.dev
	i := len(d.active)
	for i > 0 && d.active[i-1].call.seq > c.seq {
		i--
	}
	d.active = append(d.active, nil)
	copy(d.active[i+1:], d.active[i:])
	d.active[i] = p
	s.markDirty(d)
}

// unindex removes a party that has just been released from its device's index.
func (s *State) unindex(p *party) {
	d := p.dev
	if d == nil {
		return
	}
	for i, q := range d.active {
		if q == p {
			n := len(d.active) - 1
			copy(d.active[i:], d.active[i+1:])
			d.active[n] = nil // no reference past the end
			d.active = d.active[:n]
			s.markDirty(d)
			return
		}
	}
}

func (s *State) markDirty(d *device) {
	if !d.dirty {
		d.dirty = true
		s.dirty = append(s.dirty, d)
	}
}

// busy reports whether the device has an active party on any call.
func (d *device) busy() bool { return len(d.active) > 0 }

// settleIdle keeps every agent's idleSince in step with its calls: zero while busy, the moment it became free
// otherwise. Only the devices whose parties changed are looked at (every agent the first time).
func (s *State) settleIdle() {
	if !s.settledOnce {
		s.settledOnce = true
		for _, u := range s.users {
			s.settleAgent(u)
		}
	}
	for _, d := range s.dirty {
		d.dirty = false
		s.settleAgent(d.user)
	}
	clear(s.dirty)
	s.dirty = s.dirty[:0]
}

func (s *State) settleAgent(u *user) {
	if !isAgentUser(u) {
		return
	}
	if u.device.busy() {
		u.idleSince = time.Time{}
	} else if u.idleSince.IsZero() {
		u.idleSince = s.now
	}
}

func isAgentUser(u *user) bool { return u.role == fixtures.RoleAgent }

// afterChange, when set, runs after every operation, failed ones included, with the state as the operation
// left it. Only tests set it (to check the index against a full scan); it is nil in the simulator.
var afterChange func(*State)
