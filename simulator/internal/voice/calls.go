package voice

import "github.com/coachsim/coachsim/fixtures"

// This file is call control: placing calls, the guard every call operation passes (the capability table) and
// the operations that change who is on a call. What supervision does when a call changes lives in
// supervision.go, behind the hooks named on*; the operations on attached data, DTMF and recording are in
// callops.go.

// forwarded is the number a call to dn actually rings: a forwarding device's forwardTo (one hop), otherwise
// dn itself (behaviour.md §12.6).
func (s *State) forwarded(dn string) string {
	if d := s.deviceByDN[dn]; d != nil && d.forwardTo != "" {
		return d.forwardTo
	}
	return dn
}

// dialOp places a new call from the caller's device (POST /api/v2/me/devices/{id}/calls).
func (s *State) dialOp(u *user, r Request) error {
	d, err := s.myDevice(u, r.ResourceID, r.Operation)
	if err != nil {
		return err
	}
	if r.Operation != OpDial {
		return opErr(ErrInvalidState, r.Operation, "device "+d.dn, "", "only Dial is valid on a device's calls")
	}
	if err := s.registered(d, r.Operation); err != nil {
		return err
	}
	if r.Destination == "" {
		return opErr(ErrMissingParameter, r.Operation, "device "+d.dn, "", "destination.phoneNumber is required")
	}
	var data UserData
	if len(r.UserData) > 0 { // an empty userData is no data
		if data, err = checkUserData(r.Operation, "device "+d.dn, r.UserData); err != nil {
			return err
		}
	}
	c := s.newCall(CallInternal, r.Destination)
	c.data = data
	caller := s.newParty(c, d, d.dn, Dialing)
	caller.origin = true
	s.join(c, caller)
	s.touch(caller, "")

	to := s.forwarded(r.Destination)
	if rp := s.rpByDN[to]; rp != nil {
		c.queuedAt = rp
		c.viaRP = rp
		rp.queue = append(rp.queue, c)
		return nil
	}
	dest := s.deviceByDN[to]
	if dest == nil || dest == d || dest.dnd || dest.unregistered {
		// [S] A call to an unknown number, to oneself, to a DND device or to an unregistered one (behaviour.md
		// §11.1) is released for the caller.
		s.release(caller, "")
		s.prune(c)
		return nil
	}
	s.join(c, s.newParty(c, dest, dest.dn, Ringing))
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
			s.join(c, s.newParty(c, a.device, a.device.dn, Ringing))
			s.touchCall(c, nil)
		}
	}
}

// longestIdle picks the agent a routing point hands its next call to. [S] An agent whose device forwards its
// calls takes none from the routing point.
func (s *State) longestIdle(rp *routingPoint) *user {
	var best *user
	for _, a := range rp.agents {
		if !a.ccSession || a.agentState != Ready || a.device.dnd || a.device.forwardTo != "" || len(s.partiesOf(a.device)) > 0 {
			continue
		}
		if best == nil || a.idleSince.Before(best.idleSince) {
			best = a
		}
	}
	return best
}

// callOp performs an operation on one of the user's calls (POST /api/v2/me/calls/{id}). The guard: the
// features an operation needs (statusCode 5), then the capability table (statusCode 2), then the operation's
// own parameters.
func (s *State) callOp(u *user, r Request) error {
	op := r.Operation
	c := s.callByID[r.ResourceID]
	var p *party
	if c != nil {
		p = c.partyOf(u.device)
	}
	if p == nil {
		return opErr(ErrNotFound, op, "call "+r.ResourceID, "", "call %q is not a call of user %s", r.ResourceID, u.name)
	}
	res := "call " + c.id
	if p.sup != nil && op.isSupervisorCallOp() && !u.features[fixturesSupervision] {
		return opErr(ErrNoPermission, op, res, "", "user lacks feature %s", fixturesSupervision)
	}
	if op.isRecording() && !recordsCalls(u) {
		return opErr(ErrNoPermission, op, res, "", "user lacks feature %s", fixtures.FeatureVoiceRecording)
	}
	if op == OpMuteMonitoredUser || op == OpUnmuteMonitoredUser { // never listed, guarded on their own (§7)
		if !muteAllowed(p, op) {
			want := "muted"
			if op == OpMuteMonitoredUser {
				want = "not muted"
			}
			return opErr(ErrInvalidState, op, res, p.state.String(), "%s needs an established supervision call whose agent is %s", op, want)
		}
	} else if caps := s.callCapabilities(p); !contains(caps, op) {
		return opErr(ErrInvalidState, op, res, p.state.String(), "operation not in the call's capabilities %v", caps)
	}
	if err := s.checkMoves(p, r); err != nil {
		return err
	}
	switch op {
	case OpAnswer:
		s.answer(p)
	case OpHangup:
		s.hangup(p)
	case OpHold:
		p.state = Held
		s.touchCall(c, p)
	case OpRetrieve:
		s.retrieve(p)
	case OpSwapCalls:
		return s.swapCalls(p, r)
	case OpClearCall:
		s.endCall(c, p)
	case OpSingleStepTransfer:
		return s.singleStepTransfer(p, r)
	case OpSingleStepConference:
		return s.singleStepConference(p, r)
	case OpInitiateTransfer, OpInitiateConference:
		return s.initiateConsult(p, r, op == OpInitiateConference)
	case OpCompleteTransfer, OpCompleteConference:
		return s.completeConsult(p, r, op == OpCompleteConference)
	case OpRemoveParticipant:
		return s.removeParticipant(p, r)
	case OpSwitchToListenIn:
		s.switchMode(p, ListenIn)
	case OpSwitchToBargeIn:
		s.switchMode(p, BargeIn)
	case OpMuteMonitoredUser, OpUnmuteMonitoredUser:
		s.muteMonitored(p, op == OpMuteMonitoredUser)
	case OpAttachUserData, OpUpdateUserData, OpDeleteUserData, OpDeleteUserDataPair:
		return s.userDataOp(p, r)
	case OpSendDtmf:
		return s.sendDtmf(p, r)
	case OpStartCallRecording, OpStopCallRecording, OpPauseCallRecording, OpResumeCallRecording:
		s.recordingOp(p, op)
	default:
		return opErr(ErrInvalidState, op, res, p.state.String(), "operation not supported on calls")
	}
	return nil
}

// checkMoves refuses, with statusCode 3, the offered operations whose effect the simulator does not model
// ([S] behaviour.md §12.9): moving a supervisor's monitoring call (Hold, transfers, conferences), and starting
// another transfer or conference from a call that is part of a pending consultation.
func (s *State) checkMoves(p *party, r Request) error {
	switch r.Operation {
	case OpHold, OpSingleStepTransfer, OpInitiateTransfer, OpInitiateConference, OpSingleStepConference:
	default:
		return nil
	}
	c := p.call
	if p.sup != nil {
		return opErr(ErrForbidden, r.Operation, "call "+c.id, p.state.String(), "%s is not supported on a supervisor's monitoring call", r.Operation)
	}
	if r.Operation != OpHold && (c.consult != nil || c.parent != nil) {
		return opErr(ErrForbidden, r.Operation, "call "+c.id, p.state.String(), "%s is not supported while a consultation is pending on this call", r.Operation)
	}
	return nil
}

func (s *State) answer(p *party) {
	c := p.call
	p.state = Established
	p.established = s.now
	if p.sup != nil {
		s.touch(p, "")
		s.onSupervisorConnected(p)
		return
	}
	if c.parent == nil {
		p.received = true // a ringing call answered on a non-consult call
	}
	for _, q := range c.members() {
		if q.origin && q.state == Dialing {
			q.state = Established
			q.established = s.now
		}
	}
	s.onMemberAnswered(p)
	s.touchCall(c, p)
	if c.parent != nil { // the consult is now answered: the held original's capabilities change
		s.touchCall(c.parent, nil)
	}
	s.onReceivedCallEstablished(p)
}

// hangup ends p's part in the call; a two-party call ends for everyone.
func (s *State) hangup(p *party) {
	c := p.call
	if p.sup != nil {
		s.onSupervisorHangup(p)
		s.prune(c)
		return
	}
	s.release(p, "")
	s.afterMemberLeft(c, p, nil)
	s.prune(c)
	if c.parent != nil && c.parent.consult == nil {
		s.touchCall(c.parent, nil) // consult gone: Retrieve is back
	}
}

// retrieve takes a held leg back. [S] On a leg of a consultation pair whose other leg is connected, that leg
// goes on hold, as a phone does (the same as SwapCalls).
func (s *State) retrieve(p *party) {
	p.state = Established
	other := pairPartner(p)
	if other != nil && other.state == Established {
		other.state = Held
	}
	s.touchCall(p.call, p)
	if other != nil {
		s.touchCall(other.call, other)
	}
}

// swapCalls swaps the two calls of a consultation pair (behaviour.md §12.5): the held one is taken back and the
// connected one held. [S] While the consultation still dials, only the original is taken back; the
// consultation goes on ringing at its destination.
func (s *State) swapCalls(p *party, r Request) error {
	other := pairPartner(p)
	if r.OtherCallURI != "" && deviceIDFromURI(r.OtherCallURI) != other.call.id {
		return opErr(ErrInvalidValue, r.Operation, "call "+p.call.id, p.state.String(), "otherCallUri does not name the other call of the pair, %s", other.call.id)
	}
	switch {
	case p.state == Held && other.state == Established:
		p.state, other.state = Established, Held
	case p.state == Established && other.state == Held:
		p.state, other.state = Held, Established
	case p.state == Held:
		p.state = Established
	}
	s.touchCall(p.call, p)
	s.touchCall(other.call, other)
	return nil
}

// endCall releases every party of c, actor first, then the other members in join order, then supervisors
// (ClearCall, and a call left with fewer than two members).
func (s *State) endCall(c *call, actor *party) {
	if actor != nil && actor.sup == nil {
		s.release(actor, "")
	}
	for _, q := range c.members() {
		s.release(q, "")
	}
	s.onCallEnded(c)
	if x := c.consult; x != nil { // the original is gone; its consult becomes an ordinary call
		x.parent = nil
		c.consult = nil
		s.touchCall(x, nil)
	}
	parent := c.parent
	s.prune(c)
	if parent != nil && parent.consult == nil {
		s.touchCall(parent, nil)
	}
}

// afterMemberLeft applies the consequences of member p leaving call c: the call ends when fewer than two
// members remain; otherwise supervision follows its scope (onMemberLeaving) and the others are updated,
// actor first when one is given.
func (s *State) afterMemberLeft(c *call, p, actor *party) {
	if len(c.members()) < 2 {
		s.endCall(c, nil)
		return
	}
	s.onMemberLeaving(c, p)
	s.touchCall(c, actor)
}

// resolveDestination finds where an operation's destination rings, following forwarding.
func (s *State) resolveDestination(p *party, r Request) (*device, *routingPoint, error) {
	op := r.Operation
	if r.Destination == "" {
		return nil, nil, opErr(ErrMissingParameter, op, "call "+p.call.id, "", "destination.phoneNumber is required")
	}
	to := s.forwarded(r.Destination)
	if rp := s.rpByDN[to]; rp != nil {
		return nil, rp, nil
	}
	d := s.deviceByDN[to]
	if d == nil || d.unregistered { // an unregistered device is as unknown as a number nobody has (§11.1)
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

// optionalUserData validates an optional userData parameter; an empty one is no data.
func optionalUserData(p *party, r Request) (UserData, error) {
	if len(r.UserData) == 0 {
		return nil, nil
	}
	return checkUserData(r.Operation, "call "+p.call.id, r.UserData)
}

// singleStepTransfer moves the call from p to the destination in one step: p is released, the destination
// rings on the same call. Its userData is merged into the call's (behaviour.md §12.2).
func (s *State) singleStepTransfer(p *party, r Request) error {
	dest, rp, err := s.resolveDestination(p, r)
	if err != nil {
		return err
	}
	data, err := optionalUserData(p, r)
	if err != nil {
		return err
	}
	c := p.call
	c.data = c.data.merge(data)
	s.release(p, "")
	s.onMemberLeaving(c, p)
	if rp != nil {
		c.queuedAt = rp
		c.viaRP = rp
		rp.queue = append(rp.queue, c)
	} else {
		s.join(c, s.newParty(c, dest, dest.dn, Ringing))
	}
	s.touchCall(c, nil)
	s.prune(c)
	return nil
}

// singleStepConference rings the destination on p's call; once it answers, every party sees it join, and p
// owns the conference (behaviour.md §12.4).
func (s *State) singleStepConference(p *party, r Request) error {
	dest, rp, err := s.resolveDestination(p, r)
	if err != nil {
		return err
	}
	if rp != nil {
		return opErr(ErrInvalidValue, r.Operation, "call "+p.call.id, "", "a conference with a routing point is not supported")
	}
	c := p.call
	c.owner = p
	s.join(c, s.newParty(c, dest, dest.dn, Ringing))
	s.touchCall(c, p)
	return nil
}

// removeParticipant removes one participant, named by phone number, from p's call (behaviour.md §12.4). The
// number must be one p's call lists.
func (s *State) removeParticipant(p *party, r Request) error {
	c := p.call
	if r.Participant == "" {
		return opErr(ErrMissingParameter, r.Operation, "call "+c.id, "", "participant is required")
	}
	var target *party
	for _, q := range c.parties {
		if (q.number == r.Participant || participant(q.number).PhoneNumber == r.Participant) && visibleTo(q, p) {
			target = q
		}
	}
	if target == nil {
		return opErr(ErrInvalidState, r.Operation, "call "+c.id, p.state.String(), "%q is not a participant of the call", r.Participant)
	}
	if target.sup != nil {
		s.onSupervisorRemoved(target)
		s.prune(c)
		return nil
	}
	s.release(target, "")
	s.afterMemberLeft(c, target, p)
	s.prune(c)
	return nil
}

// initiateConsult holds the original call and dials the destination on a new consult call, whose user data
// is the request's userData (behaviour.md §12.2).
func (s *State) initiateConsult(p *party, r Request, conference bool) error {
	dest, rp, err := s.resolveDestination(p, r)
	if err != nil {
		return err
	}
	if rp != nil {
		return opErr(ErrInvalidValue, r.Operation, "call "+p.call.id, "", "a consultation to a routing point is not supported")
	}
	data, err := optionalUserData(p, r)
	if err != nil {
		return err
	}
	orig := p.call
	p.state = Held
	x := s.newCall(CallConsult, dest.dn)
	x.parent = orig
	x.data = data
	orig.consult = x
	orig.conference = conference
	a := s.newParty(x, p.dev, p.dev.dn, Dialing)
	a.origin = true
	b := s.newParty(x, dest, dest.dn, Ringing)
	s.join(x, a)
	s.join(x, b)
	s.touch(p, "")
	s.touchCall(x, a)
	return nil
}

// completeConsult completes a transfer or a conference, posted on either call of the pair, while the
// consultation is connected or still dials (behaviour.md §12.5). The consultation ends and its target joins the
// original call: connected, or still ringing and listed by the others.
func (s *State) completeConsult(p *party, r Request, conference bool) error {
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
	var bx *party
	for _, q := range x.parties {
		if !q.origin && q.sup == nil && q.state.active() {
			bx = q
		}
	}
	if bx == nil {
		return opErr(ErrInvalidState, r.Operation, "call "+orig.id, "", "the consultation has no destination left")
	}
	if conference {
		s.release(ax, "")
		a.state = Established
		orig.owner = a
	} else {
		s.release(a, "")
		s.release(ax, "")
		s.onMemberLeaving(orig, a)
		for _, q := range orig.supervisors() {
			s.touch(q, "") // Call scope: without the agent who left
		}
	}
	// The target leaves the consult call and joins the original, connected or still ringing.
	connected := bx.state != Ringing
	s.release(bx, "")
	b := &party{call: orig, dev: bx.dev, number: bx.number, state: Ringing, listed: true, appeared: bx.appeared, rec: bx.rec}
	if connected {
		b.state, b.listed, b.received, b.established = Established, false, true, bx.established
	}
	s.join(orig, b)
	orig.consult = nil
	x.parent = nil
	s.prune(x)
	if b.state == Established {
		s.onMemberAnswered(b)
	}
	s.touchCall(orig, a)
	s.prune(orig)
	if b.state == Established {
		s.onReceivedCallEstablished(b)
	}
	return nil
}

// isAgent reports whether a party belongs to an agent's device.
func isAgent(p *party) bool { return p.dev != nil && p.dev.user.role == fixtures.RoleAgent }
