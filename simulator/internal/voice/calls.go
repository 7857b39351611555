package voice

import "github.com/coachsim/coachsim/fixtures"

// dialOp places a new call from the caller's device (POST /api/v2/me/devices/{id}/calls).
func (s *State) dialOp(u *user, r Request) error {
	d, err := s.myDevice(u, r.ResourceID, r.Operation)
	if err != nil {
		return err
	}
	if r.Operation != OpDial {
		return opErr(ErrInvalidState, r.Operation, "device "+d.dn, "", "only Dial is valid on a device's calls")
	}
	if r.Destination == "" {
		return opErr(ErrMissingParameter, r.Operation, "device "+d.dn, "", "destination.phoneNumber is required")
	}
	c := s.newCall(CallInternal, r.Destination)
	caller := &party{call: c, dev: d, number: d.dn, state: Dialing, origin: true}
	c.parties = append(c.parties, caller)
	s.touch(caller, "")

	if rp := s.rpByDN[r.Destination]; rp != nil {
		c.queuedAt = rp
		c.viaRP = rp
		rp.queue = append(rp.queue, c)
		return nil
	}
	dest := s.deviceByDN[r.Destination]
	if dest == nil || dest == d || dest.dnd {
		// [S] A call to an unknown number, to oneself or to a DND device is released for the caller.
		s.release(caller, "")
		s.prune(c)
		return nil
	}
	callee := &party{call: c, dev: dest, number: dest.dn, state: Ringing}
	c.parties = append(c.parties, callee)
	s.touchCall(c, caller)
	return nil
}

// route hands queued calls to the longest-idle Ready agent of each routing point.
func (s *State) route() {
	for _, rp := range s.rps {
		for len(rp.queue) > 0 {
			a := s.longestIdle(rp)
			if a == nil {
				break
			}
			c := rp.queue[0]
			rp.queue = rp.queue[1:]
			c.queuedAt = nil
			p := &party{call: c, dev: a.device, number: a.device.dn, state: Ringing}
			c.parties = append(c.parties, p)
			s.touchCall(c, nil)
		}
	}
}

func (s *State) longestIdle(rp *routingPoint) *user {
	var best *user
	for _, a := range rp.agents {
		if !a.ccSession || a.agentState != Ready || a.device.dnd || len(s.partiesOf(a.device)) > 0 {
			continue
		}
		if best == nil || a.idleSince.Before(best.idleSince) {
			best = a
		}
	}
	return best
}

// callOp performs an operation on one of the user's calls (POST /api/v2/me/calls/{id}).
func (s *State) callOp(u *user, r Request) error {
	c := s.callByID[r.ResourceID]
	var p *party
	if c != nil {
		p = c.partyOf(u.device)
	}
	if p == nil {
		return opErr(ErrNotFound, r.Operation, "call "+r.ResourceID, "", "call %q is not a call of user %s", r.ResourceID, u.name)
	}
	if p.sup != nil {
		switch r.Operation {
		case OpSwitchToListenIn, OpSwitchToBargeIn, OpMuteMonitoredUser, OpUnmuteMonitoredUser:
			if !u.features[fixturesSupervision] {
				return opErr(ErrNoPermission, r.Operation, "call "+c.id, "", "user lacks feature %s", fixturesSupervision)
			}
		}
	}
	caps := s.callCapabilities(p)
	if !contains(caps, r.Operation) {
		return opErr(ErrInvalidState, r.Operation, "call "+c.id, p.state.String(), "operation not in the call's capabilities %v", caps)
	}
	switch r.Operation {
	case OpAnswer:
		s.answer(p)
	case OpHangup:
		s.hangup(p)
	case OpHold:
		p.state = Held
		s.touchCall(c, p)
	case OpRetrieve:
		p.state = Established
		s.touchCall(c, p)
	case OpSingleStepTransfer:
		return s.singleStepTransfer(p, r)
	case OpInitiateTransfer, OpInitiateConference:
		return s.initiateConsult(p, r, r.Operation == OpInitiateConference)
	case OpCompleteTransfer, OpCompleteConference:
		return s.completeConsult(p, r)
	case OpSwitchToListenIn:
		s.switchMode(p, ListenIn)
	case OpSwitchToBargeIn:
		s.switchMode(p, BargeIn)
	case OpMuteMonitoredUser, OpUnmuteMonitoredUser:
		s.muteMonitored(p, r.Operation == OpMuteMonitoredUser)
	}
	return nil
}

func (s *State) answer(p *party) {
	c := p.call
	p.state = Established
	p.established = s.now
	if p.sup != nil {
		s.touch(p, "")
		s.supervisorConnected(p)
		return
	}
	if c.parent == nil {
		p.received = true // a ringing call answered on a non-consult call
		// Call scope: a supervisor left waiting by a transfer continues with the agent who answers
		// (behaviour.md §5), exactly as completeConsult does for a two-step transfer.
		for _, q := range c.supervisors() {
			if q.sup.monitored == nil && isAgent(p) {
				q.sup.monitored = p
			}
		}
	}
	for _, q := range c.members() {
		if q.origin && q.state == Dialing {
			q.state = Established
			q.established = s.now
		}
	}
	s.touchCall(c, p)
	if c.parent != nil { // the consult is now answered: the held original gains Complete*
		s.touchCall(c.parent, nil)
	}
	s.superviseIfSubscribed(p)
}

// hangup ends p's part in the call; a two-party call ends for everyone.
func (s *State) hangup(p *party) {
	c := p.call
	if p.sup != nil {
		s.supervisorLeaves(p)
		s.prune(c)
		return
	}
	s.release(p, "")
	s.afterMemberLeft(c, p)
	s.prune(c)
	if c.parent != nil && c.parent.consult == nil {
		s.touchCall(c.parent, nil) // consult gone: Retrieve is back
	}
}

// afterMemberLeft applies the consequences of member p leaving call c: the call ends when fewer than two
// members remain; supervisors monitoring p leave (Agent scope) or wait for the next agent (Call scope).
func (s *State) afterMemberLeft(c *call, p *party) {
	if len(c.members()) < 2 {
		for _, q := range c.members() {
			s.release(q, "")
		}
		for _, q := range c.supervisors() {
			s.supervisorLeaves(q)
		}
		if x := c.consult; x != nil { // the original is gone; its consult becomes an ordinary call
			x.parent = nil
			c.consult = nil
			s.touchCall(x, nil)
		}
		return
	}
	s.agentLeft(c, p)
	s.touchCall(c, nil)
}

func (s *State) resolveDestination(p *party, r Request) (*device, *routingPoint, error) {
	op := r.Operation
	if r.Destination == "" {
		return nil, nil, opErr(ErrMissingParameter, op, "call "+p.call.id, "", "destination.phoneNumber is required")
	}
	if rp := s.rpByDN[r.Destination]; rp != nil {
		return nil, rp, nil
	}
	d := s.deviceByDN[r.Destination]
	if d == nil {
		return nil, nil, opErr(ErrNotFound, op, "call "+p.call.id, "", "unknown destination %q", r.Destination)
	}
	if d == p.dev || p.call.partyOf(d) != nil {
		return nil, nil, opErr(ErrInvalidValue, op, "call "+p.call.id, "", "destination %q is already on the call", r.Destination)
	}
	if d.dnd {
		return nil, nil, opErr(ErrInvalidState, op, "call "+p.call.id, "", "destination %q is in DoNotDisturb", r.Destination)
	}
	return d, nil, nil
}

// singleStepTransfer moves the call from p to the destination in one step: p is released, the destination
// rings on the same call.
func (s *State) singleStepTransfer(p *party, r Request) error {
	dest, rp, err := s.resolveDestination(p, r)
	if err != nil {
		return err
	}
	c := p.call
	s.release(p, "")
	s.agentLeft(c, p)
	if rp != nil {
		c.queuedAt = rp
		c.viaRP = rp
		rp.queue = append(rp.queue, c)
	} else {
		c.parties = append(c.parties, &party{call: c, dev: dest, number: dest.dn, state: Ringing})
	}
	s.touchCall(c, nil)
	s.prune(c)
	return nil
}

// agentLeft applies the supervision rules when member p leaves call c while the call goes on: a supervisor
// monitoring p leaves with p in Agent scope, and in Call scope stays, waiting for the next agent. It emits
// only the Agent-scope releases; the caller touches the call afterwards.
func (s *State) agentLeft(c *call, p *party) {
	for _, q := range c.supervisors() {
		if q.sup.monitored != p {
			continue
		}
		if q.sup.scope == ScopeAgent && !s.dev.AgentScopeKeepsSupervisor {
			s.releaseSupervisor(q)
			continue
		}
		q.sup.monitored = nil
		q.sup.muted = false
	}
}

// initiateConsult holds the original call and dials the destination on a new consult call.
func (s *State) initiateConsult(p *party, r Request, conference bool) error {
	dest, rp, err := s.resolveDestination(p, r)
	if err != nil {
		return err
	}
	if rp != nil {
		return opErr(ErrInvalidValue, r.Operation, "call "+p.call.id, "", "a consultation to a routing point is not supported")
	}
	orig := p.call
	p.state = Held
	x := s.newCall(CallConsult, dest.dn)
	x.parent = orig
	orig.consult = x
	orig.conference = conference
	a := &party{call: x, dev: p.dev, number: p.dev.dn, state: Dialing, origin: true}
	b := &party{call: x, dev: dest, number: dest.dn, state: Ringing}
	x.parties = append(x.parties, a, b)
	s.touch(p, "")
	s.touchCall(x, a)
	return nil
}

// completeConsult completes a transfer or a conference: the consult call ends and its target joins the
// original call. [S] The target's consult call is Released and the target then has the original call.
func (s *State) completeConsult(p *party, r Request) error {
	orig := p.call
	if orig.parent != nil {
		orig = orig.parent
	}
	x := orig.consult
	if r.ConsultCallURI != "" && deviceIDFromURI(r.ConsultCallURI) != x.id {
		return opErr(ErrInvalidValue, r.Operation, "call "+orig.id, "", "consultCallUri does not name the pending consult call %s", x.id)
	}
	a := orig.partyOf(p.dev)
	ax := x.partyOf(p.dev)
	bx := x.partyOfTarget()
	conference := orig.conference

	if conference {
		s.release(ax, "")
		a.state = Established
	} else {
		s.release(a, "")
		s.release(ax, "")
		s.agentLeft(orig, a)
		for _, q := range orig.supervisors() {
			s.touch(q, "") // Call scope: without the agent who left
		}
	}
	// The target leaves the consult call and joins the original.
	s.release(bx, "")
	b := &party{call: orig, dev: bx.dev, number: bx.number, state: Established, received: true, established: s.now}
	orig.parties = append(orig.parties, b)
	orig.consult = nil
	x.parent = nil
	s.prune(x)
	for _, q := range orig.supervisors() { // Call scope: the supervisor continues with the new agent
		if q.sup.monitored == nil {
			q.sup.monitored = b
		}
	}
	s.touchCall(orig, a)
	s.prune(orig)
	s.superviseIfSubscribed(b)
	return nil
}

// isAgent reports whether a party belongs to an agent's device.
func isAgent(p *party) bool { return p.dev != nil && p.dev.user.role == fixtures.RoleAgent }
