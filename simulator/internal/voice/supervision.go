package voice

// subscribe handles ListenIn, Coach and BargeIn on the supervisor's device (behaviour.md §3). Checks run in
// the order of the §3 table so that each bad input gets its documented statusCode.
func (s *State) subscribe(d *device, r Request) error {
	op := r.Operation
	res := "device " + d.dn
	if !d.user.features[fixturesSupervision] {
		return opErr(ErrNoPermission, op, res, "", "user %s lacks feature %s", d.user.name, fixturesSupervision)
	}
	if r.TargetDeviceURI == "" && r.PhoneNumber == "" {
		return opErr(ErrMissingParameter, op, res, "", "targetDeviceUri is required")
	}
	scope, mode := ScopeCall, ModeAllCalls
	if s.dev.SwappedDefaults {
		scope, mode = ScopeAgent, ModeNextCall
	}
	switch Scope(r.Scope) {
	case "":
	case ScopeAgent, ScopeCall:
		scope = Scope(r.Scope)
	default:
		return opErr(ErrInvalidValue, op, res, "", "supervisorMonitoringScope must be Agent or Call, not %q", r.Scope)
	}
	switch Mode(r.Mode) {
	case "":
	case ModeNextCall, ModeAllCalls:
		mode = Mode(r.Mode)
	default:
		return opErr(ErrInvalidValue, op, res, "", "supervisorMonitoringMode must be NextCall or AllCalls, not %q", r.Mode)
	}
	sub := &subscription{kind: MonitorType(op), mode: mode, scope: scope, owner: d}
	if r.PhoneNumber != "" {
		if s.sipCluster {
			return opErr(ErrForbidden, op, res, "", "monitoring a routing point is not supported in a SIP Cluster environment")
		}
		rp := s.rpByDN[r.PhoneNumber]
		if rp == nil {
			return opErr(ErrNotFound, op, res, "", "phoneNumber %q is not a routing point", r.PhoneNumber)
		}
		if r.TargetDeviceURI != "" {
			return opErr(ErrInvalidValue, op, res, "", "give either targetDeviceUri or phoneNumber, not both")
		}
		sub.rp = rp
		// [S] Routing-point monitoring follows the call: Call scope only.
		sub.scope = ScopeCall
	} else {
		id := deviceIDFromURI(r.TargetDeviceURI)
		t := s.deviceByID[id]
		// A device of a user the supervisor may not see (fixture key sees) is as unknown as a device nobody
		// has (behaviour.md §11.5).
		if t == nil || !s.Visible(d.user.id, t.user.id) {
			return opErr(ErrNotFound, op, res, "", "target device %q not found", id)
		}
		if t == d {
			return opErr(ErrForbidden, op, res, "", "a supervisor cannot monitor its own device")
		}
		if t.supBy != nil && t.supBy.owner != d {
			if s.dev.InUseAsForbidden {
				return opErr(ErrForbidden, op, res, "", "device %s is already monitored", t.dn)
			}
			return opErr(ErrInUse, op, res, "", "device %s is already monitored by another supervisor", t.dn)
		}
		sub.target = t
	}
	if d.sub != nil { // [S] a new request replaces the supervisor's current subscription
		s.dropSubscription(d.sub)
	}
	d.sub = sub
	if sub.target != nil {
		sub.target.supBy = sub
	}
	if !s.dev.NoSubscriptionMessage {
		s.emitDevice(d)
	}
	// BargeIn joins a call the agent is already on (behaviour.md §4.5); ListenIn and Coach wait.
	if sub.kind == BargeIn && sub.target != nil {
		for _, p := range s.partiesOf(sub.target) {
			if p.sup == nil && p.received && p.state == Established {
				s.bringIn(sub, p)
				break
			}
		}
	}
	return nil
}

func (s *State) cancelSubscription(d *device, r Request) error {
	if !d.user.features[fixturesSupervision] {
		return opErr(ErrNoPermission, r.Operation, "device "+d.dn, "", "user %s lacks feature %s", d.user.name, fixturesSupervision)
	}
	if d.sub == nil {
		return opErr(ErrInvalidState, r.Operation, "device "+d.dn, "NotMonitoring", "no supervisor monitoring to cancel")
	}
	s.dropSubscription(d.sub)
	s.emitDevice(d)
	return nil
}

// dropSubscription forgets a subscription. A supervision call in progress goes on (behaviour.md §6).
func (s *State) dropSubscription(sub *subscription) {
	if sub.owner.sub == sub {
		sub.owner.sub = nil
	}
	if sub.target != nil && sub.target.supBy == sub {
		sub.target.supBy = nil
	}
}

// ---- hooks: what supervision does when a call changes. Call control calls them; the test-only deviations
// are consulted here and in the subscription code only. -------------------------------------------------

// onMemberAnswered: member p has just become connected on a call (answer, or a completed consultation).
// In Call scope, a supervisor left waiting by a transfer continues with the agent who joins (behaviour.md §5).
func (s *State) onMemberAnswered(p *party) {
	if p.call.parent != nil || !isAgent(p) {
		return
	}
	for _, q := range p.call.supervisors() {
		if q.sup.monitored == nil {
			q.sup.monitored = p
		}
	}
}

// onReceivedCallEstablished: p's agent is now Established on a call it received; a standing subscription
// brings its supervisor in (behaviour.md §4).
func (s *State) onReceivedCallEstablished(p *party) { s.superviseIfSubscribed(p) }

// onMemberLeaving: member p leaves call c while the call goes on (a transfer, a hang-up or a removal from a
// conference). A supervisor monitoring p leaves with p in Agent scope, and in Call scope stays, waiting for
// the next agent (behaviour.md §5). It emits only the Agent-scope releases; the caller updates the others.
func (s *State) onMemberLeaving(c *call, p *party) {
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

// onCallEnded: call c has ended for its members (hang-up of a two-party call, ClearCall); its supervisors are
// released too, which ends the NextCall subscriptions they consumed (behaviour.md §6, §12.4).
func (s *State) onCallEnded(c *call) {
	for _, q := range c.supervisors() {
		s.supervisorLeaves(q)
	}
}

// onAttachedDataChanged: the data of call c changed by requester p; the supervisors on the call see it too
// (behaviour.md §12.2), after the members.
func (s *State) onAttachedDataChanged(c *call, p *party) {
	if s.dev.SupervisorMissesDataChange {
		return
	}
	for _, q := range c.parties {
		if q != p && q.sup != nil {
			s.emitCall(q, NotifyAttachedDataChanged)
		}
	}
}

// onSupervisorConnected: a supervision leg is Established; the other parties' views follow (behaviour.md §4.4).
func (s *State) onSupervisorConnected(sp *party) { s.supervisorConnected(sp) }

// onSupervisorHangup: the supervisor hung up (behaviour.md §7).
func (s *State) onSupervisorHangup(sp *party) { s.supervisorLeaves(sp) }

// onSupervisorRemoved: the conference owner removed the supervisor's number from the call (behaviour.md §12.4);
// the same as the supervisor hanging up.
func (s *State) onSupervisorRemoved(sp *party) { s.supervisorLeaves(sp) }

// superviseIfSubscribed brings a supervisor into p's call when p's agent has just become Established on a
// received call and a subscription applies (behaviour.md §4).
func (s *State) superviseIfSubscribed(p *party) {
	if !p.received || p.state != Established || p.call.parent != nil || len(p.call.supervisors()) > 0 {
		return
	}
	var sub *subscription
	if p.dev.supBy != nil {
		sub = p.dev.supBy
	} else if rp := p.call.viaRP; rp != nil {
		for _, d := range s.devices {
			if d.sub != nil && d.sub.rp == rp {
				sub = d.sub
				break
			}
		}
	}
	if sub == nil {
		return
	}
	s.bringIn(sub, p)
}

// bringIn puts the subscription's supervisor on p's call, unless the supervisor is already on a supervision
// call (behaviour.md §4.6) or the call already has a supervisor ([S] one supervisor per call).
func (s *State) bringIn(sub *subscription, p *party) {
	c := p.call
	if s.supervisingLeg(sub.owner) != nil || len(c.supervisors()) > 0 {
		return
	}
	leg := &supLeg{live: sub.kind, scope: sub.scope, monitored: p}
	if sub.mode == ModeNextCall && !s.dev.NextCallNeverExpires {
		leg.consumes = sub
	}
	sp := s.newParty(c, sub.owner, sub.owner.dn, Ringing)
	sp.sup = leg
	s.join(c, sp)
	s.touch(sp, "")
	if s.autoAnswer {
		sp.state = Established
		sp.established = s.now
		s.touch(sp, "")
		s.supervisorConnected(sp)
	}
}

// supervisorConnected updates the other parties once a supervision leg is Established.
func (s *State) supervisorConnected(sp *party) {
	c := sp.call
	for _, q := range c.parties {
		if q.sup == nil {
			s.touch(q, "")
		}
	}
}

// supervisorLeaves releases a supervision leg and updates the others; a NextCall subscription it consumed
// ends here (behaviour.md §6, §7). The monitored agent gets a StatusChange (§7); the other parties' updates
// are typed by what changed for them, like every other update (e.g. ParticipantsUpdated for a customer who
// loses a barged-in supervisor).
func (s *State) supervisorLeaves(sp *party) {
	s.release(sp, "")
	for _, q := range sp.call.parties {
		if q.sup == nil && q.state.active() {
			kind := ""
			if q == sp.sup.monitored {
				kind = NotifyStatusChange
			}
			s.touch(q, kind)
		}
	}
	s.expireConsumed(sp)
}

// releaseSupervisor releases a supervision leg without updating the other parties, for an operation that is
// still changing the call and updates them once it is done (so nobody sees a half-applied operation).
func (s *State) releaseSupervisor(sp *party) {
	s.release(sp, "")
	s.expireConsumed(sp)
}

// expireConsumed ends the NextCall subscription a released supervision leg consumed (behaviour.md §6).
func (s *State) expireConsumed(sp *party) {
	if sub := sp.sup.consumes; sub != nil && sub.owner.sub == sub {
		s.dropSubscription(sub)
		s.emitDevice(sub.owner)
	}
}

// switchMode performs SwitchToListenIn / SwitchToBargeIn on a supervision leg (behaviour.md §7); the
// capabilities already exclude switches back to Coach or to the current mode.
func (s *State) switchMode(sp *party, to MonitorType) {
	sp.sup.live = to
	s.touch(sp, NotifyStatusChange)
	for _, q := range sp.call.parties {
		if q.sup == nil {
			s.touch(q, "")
		}
	}
}

func (s *State) muteMonitored(sp *party, muted bool) {
	sp.sup.muted = muted
	s.touch(sp, NotifyMonitoredUserMuted)
	if m := sp.sup.monitored; m != nil {
		s.touch(m, NotifyMonitoredUserMuted)
	}
}
