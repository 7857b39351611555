package voice

import (
	"reflect"
	"strconv"
	"strings"
)

// This file builds the per-user views of devices and calls and turns view changes into notifications.
//
// Every party remembers the call view its user was last sent. touch compares the current view with it and
// emits a CallStateChangeMessage only when something a client can see changed; the notificationType follows
// from what changed (state -> StatusChange, participants -> ParticipantsUpdated, monitoredUserMuted ->
// MonitoredUserMutedStateChange, anything else -> StatusChange) unless the caller names one.

func (s *State) deviceView(d *device) Device {
	u := d.user
	us := UserState{ID: userStateNotReadyID, DisplayName: "Not Ready", State: "NotReady"}
	switch u.agentState {
	case Ready:
		us = UserState{ID: userStateReadyID, DisplayName: "Ready", State: "Ready"}
	case AfterCallWork:
		us = UserState{ID: userStateAfterCallWorkID, DisplayName: "After Call Work", State: "NotReady", WorkMode: "AfterCallWork"}
	}
	v := Device{
		ID:                  d.id,
		DeviceState:         "Active",
		UserState:           us,
		PhoneNumber:         d.dn,
		E164Number:          d.dn,
		TelephonyNetwork:    "Private",
		DoNotDisturb:        "Off",
		VoiceEnvironmentURI: s.baseURL + "/api/v2/voice-environments/" + s.voiceEnvID,
		Capabilities:        s.deviceCapabilities(d),
	}
	if d.dnd {
		v.DoNotDisturb = "On"
	}
	if sub := d.sub; sub != nil {
		ms := &MonitoringState{State: sub.kind, Mode: sub.mode, Scope: sub.scope}
		if sub.target != nil {
			ms.TargetDeviceURI = s.deviceURI(sub.target)
		}
		v.SupervisorMonitoringState = ms
	}
	return v
}

func (s *State) deviceCapabilities(d *device) []string {
	caps := []string{OpDoNotDisturbOn}
	if d.dnd {
		caps[0] = OpDoNotDisturbOff
	}
	if d.user.features[fixturesSupervision] {
		caps = append(caps, OpListenIn, OpCoach, OpBargeIn)
		if d.sub != nil {
			caps = append(caps, OpCancelSupervisorMonitoring)
		}
	}
	return caps
}

// emitDevice sends the device's full resource to its user.
func (s *State) emitDevice(d *device) {
	s.out = append(s.out, Notification{
		UserID:  d.user.id,
		Channel: ChannelDevices,
		Data:    DeviceStateChange{MessageType: MessageDeviceStateChange, Devices: []Device{s.deviceView(d)}},
	})
}

// visibleTo reports whether party q appears in p's participants.
func visibleTo(q, p *party) bool {
	if q == p || !q.state.active() {
		return false
	}
	if q.sup != nil {
		if p.sup != nil || q.state != Established {
			return false
		}
		return q.sup.live == BargeIn || (q.sup.live == Coach && q.sup.monitored == p)
	}
	// [S] A party that is not yet connected (Dialing/Ringing) is listed only by parties that are themselves
	// not yet connected: connected parties see a new leg once it is Established.
	if q.state == Established || q.state == Held {
		return true
	}
	return p.state == Dialing || p.state == Ringing
}

// monitoringLeg returns the established supervision leg monitoring p, if any.
func (c *call) monitoringLeg(p *party) *party {
	for _, q := range c.supervisors() {
		if q.state == Established && q.sup.monitored == p {
			return q
		}
	}
	return nil
}

func (s *State) callView(p *party) Call {
	c := p.call
	v := Call{
		ID:           c.id,
		State:        p.state.String(),
		CallUUID:     c.id,
		ConnID:       c.connID,
		DeviceURI:    s.deviceURI(p.dev),
		Participants: []Participant{},
		ANI:          c.ani,
		DNIS:         c.dnis,
		CallType:     c.typ,
		Capabilities: s.callCapabilities(p),
		Duration:     "0",
		Mute:         "Off",
		Monitoring:   p.sup != nil,
		URI:          s.callURI(c),
		Path:         "/calls/" + c.id,
	}
	for _, q := range c.parties {
		if visibleTo(q, p) {
			v.Participants = append(v.Participants, participant(q.number))
		}
	}
	if len(v.Participants) == 0 && p.state == Dialing {
		v.Participants = append(v.Participants, participant(c.dnis))
	}
	if p.state != Released && !p.established.IsZero() {
		v.Duration = strconv.Itoa(int(s.now.Sub(p.established).Seconds()))
	}
	if p.sup != nil {
		if p.sup.live == ListenIn {
			v.Mute = "On"
		}
		v.MonitoredUserMuted = p.sup.muted
	} else if m := c.monitoringLeg(p); m != nil && p.state.active() {
		v.SupervisorListeningIn = true
		v.MonitoredUserMuted = m.sup.muted
	}
	if c.parent != nil {
		v.ParentCallURI = s.callURI(c.parent)
		v.ParentCallPath = "/calls/" + c.parent.id
	}
	return v
}

// participant lists a party by number. [S] Only numbers in international form (a leading +, as external
// callers have) fill e164Number; internal DNs leave it empty, as the documented samples do.
func participant(number string) Participant {
	p := Participant{FormattedPhoneNumber: number, PhoneNumber: number, Digits: number}
	if strings.HasPrefix(number, "+") {
		p.E164Number = number
		p.Digits = number[1:]
	}
	return p
}

// callCapabilities derives the operations valid on p's leg from state (behaviour.md §8: anything else is
// refused with statusCode 2).
func (s *State) callCapabilities(p *party) []string {
	c := p.call
	if p.sup != nil {
		switch p.state {
		case Ringing:
			return []string{OpAnswer, OpHangup}
		case Established:
			caps := []string{OpHangup}
			if p.sup.monitored != nil {
				if p.sup.muted {
					caps = append(caps, OpUnmuteMonitoredUser)
				} else {
					caps = append(caps, OpMuteMonitoredUser)
				}
			}
			if p.sup.live != BargeIn {
				caps = append(caps, OpSwitchToBargeIn)
			}
			if p.sup.live != ListenIn {
				caps = append(caps, OpSwitchToListenIn)
			}
			return caps
		}
		return []string{}
	}
	switch p.state {
	case Dialing:
		return []string{OpHangup}
	case Ringing:
		return []string{OpAnswer, OpHangup}
	case Established:
		if c.parent != nil { // a consult call
			if p.origin && c.partyOfTarget() != nil {
				return []string{OpHangup, completeOp(c.parent)}
			}
			return []string{OpHangup}
		}
		if c.otherMember(p) == nil {
			return []string{OpHangup, OpHold}
		}
		return []string{OpHangup, OpHold, OpSingleStepTransfer, OpInitiateTransfer, OpInitiateConference}
	case Held:
		if c.consult != nil {
			if c.consult.partyOfTarget() != nil {
				return []string{OpHangup, completeOp(c)}
			}
			return []string{OpHangup}
		}
		if c.parent == nil && c.otherMember(p) != nil { // a held call can be transferred (GWS Hold sample)
			return []string{OpHangup, OpRetrieve, OpSingleStepTransfer, OpInitiateTransfer, OpInitiateConference}
		}
		return []string{OpHangup, OpRetrieve}
	}
	return []string{}
}

// partyOfTarget returns the consult call's established target leg.
func (c *call) partyOfTarget() *party {
	for _, p := range c.parties {
		if !p.origin && p.state == Established && p.sup == nil {
			return p
		}
	}
	return nil
}

func completeOp(original *call) string {
	if original.conference {
		return OpCompleteConference
	}
	return OpCompleteTransfer
}

// touch emits p's call view if it changed since p's user last saw it. kind forces a notificationType ("" to
// derive it from the change). A party without a device (an external caller) has nobody to tell.
func (s *State) touch(p *party, kind string) {
	if p.dev == nil {
		return
	}
	if p.state == Released && p.last != nil && p.last.State == Released.String() {
		return // its user already saw the end of this leg
	}
	v := s.callView(p)
	if p.last != nil && sameView(*p.last, v) {
		return
	}
	if kind == "" {
		kind = NotifyStatusChange
		switch {
		case p.last == nil || p.last.State != v.State:
		case !reflect.DeepEqual(p.last.Participants, v.Participants):
			kind = NotifyParticipantsUpdated
		case p.last.MonitoredUserMuted != v.MonitoredUserMuted:
			kind = NotifyMonitoredUserMuted
		}
	}
	p.last = &v
	s.out = append(s.out, Notification{
		UserID:  p.dev.user.id,
		Channel: ChannelCalls,
		Data: CallStateChange{
			MessageType:      MessageCallStateChange,
			NotificationType: kind,
			Call:             v,
			PhoneNumber:      p.dev.dn,
			Extensions:       map[string]int{"BusinessCall": 0},
		},
	})
}

// sameView compares two views, ignoring the running duration.
func sameView(a, b Call) bool {
	a.Duration, b.Duration = "", ""
	return reflect.DeepEqual(a, b)
}

// touchCall emits the changed views of a call's parties in the order of behaviour.md §9: the acting party
// first, then the other members in join order, then supervisors.
func (s *State) touchCall(c *call, actor *party) {
	if actor != nil && actor.call == c {
		s.touch(actor, "")
	}
	for _, p := range c.parties {
		if p != actor && p.sup == nil {
			s.touch(p, "")
		}
	}
	for _, p := range c.parties {
		if p != actor && p.sup != nil {
			s.touch(p, "")
		}
	}
}

// release marks p Released and emits its final view (capabilities []). The party stays in the call's list
// until prune, so that the final view and the order of others are computed consistently.
func (s *State) release(p *party, kind string) {
	if !p.state.active() {
		return
	}
	p.state = Released
	s.touch(p, kind)
}

// prune removes released parties and drops calls nobody is on.
func (s *State) prune(c *call) {
	kept := c.parties[:0]
	for _, p := range c.parties {
		if p.state.active() {
			kept = append(kept, p)
		}
	}
	c.parties = kept
	if len(c.parties) == 0 {
		if c.parent != nil && c.parent.consult == c {
			c.parent.consult = nil
		}
		if c.consult != nil {
			c.consult.parent = nil
			c.consult = nil
		}
		s.dropCall(c)
	}
}
