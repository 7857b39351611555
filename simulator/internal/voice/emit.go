package voice

import (
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/coachsim/coachsim/fixtures"
)

// This file builds the per-user views of devices and calls and turns view changes into notifications.
//
// Every party remembers the call view its user was last sent. touch compares the current view with it and
// emits a CallStateChangeMessage only when something a client can see changed; the notificationType follows
// from what changed (state -> StatusChange, participants -> ParticipantsUpdated, monitoredUserMuted ->
// MonitoredUserMutedStateChange, anything else -> StatusChange) unless the caller names one.

func (s *State) deviceView(d *device) Device {
	v := Device{
		ID:                  d.id,
		DeviceState:         "Active",
		UserState:           s.userStateOf(d),
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
	if d.unregistered {
		v.DeviceState = "Inactive"
	}
	v.ForwardTo = d.forwardTo
	if sub := d.sub; sub != nil {
		ms := &MonitoringState{State: sub.kind, Mode: sub.mode, Scope: sub.scope}
		if sub.target != nil {
			ms.TargetDeviceURI = s.deviceURI(sub.target)
		}
		v.SupervisorMonitoringState = ms
	}
	return v
}

// emitDevice sends the device's full resource to its user.
func (s *State) emitDevice(d *device) { s.emitDeviceState(d, nil) }

// emitDeviceState sends the device with the given userState instead of its own (nil: its own); the
// intermediate LoggedIn state of a login is shown this way (behaviour.md §11.2).
func (s *State) emitDeviceState(d *device, us *UserState) {
	v := s.deviceView(d)
	if us != nil {
		v.UserState = us
	}
	s.out = append(s.out, Notification{
		UserID:  d.user.id,
		Channel: ChannelDevices,
		Data:    DeviceStateChange{MessageType: MessageDeviceStateChange, Devices: []Device{v}, Metrics: s.metrics()},
	})
}

// visibleTo reports whether party q appears in p's participants.
func visibleTo(q, p *party) bool {
	if q == p || !q.state.active() {
		return false
	}
	if q.listed && p.sup == nil && q.sup == nil {
		return true // the destination of a transfer completed while it rings (behaviour.md §12.5)
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
		ID:             c.id,
		State:          p.state.String(),
		CallUUID:       c.id,
		ConnID:         c.connID,
		DeviceURI:      s.deviceURI(p.dev),
		Participants:   []Participant{},
		ANI:            c.ani,
		DNIS:           c.dnis,
		CallType:       c.typ,
		Capabilities:   s.callCapabilities(p),
		UserData:       c.data.clone(),
		Duration:       strconv.Itoa(int(s.now.Sub(p.appeared) / time.Second)),
		Mute:           "Off",
		Monitoring:     p.sup != nil,
		RecordingState: string(p.rec),
		URI:            s.callURI(c),
		Path:           "/calls/" + c.id,
	}
	for _, q := range c.parties {
		if visibleTo(q, p) {
			v.Participants = append(v.Participants, participant(q.number))
		}
	}
	if len(v.Participants) == 0 && p.state == Dialing {
		v.Participants = append(v.Participants, participant(c.dnis))
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

// participant lists a party by number (behaviour.md §12.8): a number of 10 digits, 11 digits starting with 1,
// or +1 and 10 digits is North American, with its E.164 form, its national format and its country; every
// other number, a DN of the environment included, is listed as it is, with an empty e164Number.
func participant(number string) Participant {
	if nanp, ok := northAmerican(number); ok {
		return Participant{
			E164Number:           "+1" + nanp,
			FormattedPhoneNumber: "(" + nanp[:3] + ") " + nanp[3:6] + "-" + nanp[6:],
			PhoneNumber:          nanp,
			Digits:               nanp,
			Country:              &Country{Name: "United States", Code: "US", CallingCode: "1"},
		}
	}
	return Participant{FormattedPhoneNumber: number, PhoneNumber: number, Digits: number}
}

// northAmerican returns the ten national digits of a North American number.
func northAmerican(number string) (string, bool) {
	if !fixtures.IsPhoneNumber(number) {
		return "", false
	}
	digits := strings.TrimPrefix(number, "+")
	switch {
	case strings.HasPrefix(number, "+"):
		if len(digits) != 11 || digits[0] != '1' {
			return "", false
		}
		return digits[1:], true
	case len(digits) == 11 && digits[0] == '1':
		return digits[1:], true
	case len(digits) == 10:
		return digits, true
	}
	return "", false
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
		Data:    s.callMessage(p, kind, v),
	})
}

// callMessage wraps a call view for p's user: extensions on every notification but AttachedDataChanged
// (behaviour.md §12.8), metrics on all.
func (s *State) callMessage(p *party, kind string, v Call) CallStateChange {
	m := CallStateChange{MessageType: MessageCallStateChange, NotificationType: kind, Call: v, PhoneNumber: p.dev.dn,
		Metrics: s.metrics()}
	if kind != NotifyAttachedDataChanged {
		m.Extensions = map[string]any{"BusinessCall": 0}
	}
	return m
}

// emitCall sends p's call view to its user whether or not it changed (DtmfSent, AttachedDataChanged: each
// request is one notification).
func (s *State) emitCall(p *party, kind string) {
	if p.dev == nil || !p.state.active() {
		return
	}
	v := s.callView(p)
	p.last = &v
	s.out = append(s.out, Notification{UserID: p.dev.user.id, Channel: ChannelCalls, Data: s.callMessage(p, kind, v)})
}

// metrics is the metrics member of a notification produced now. [S] Processing times are 0.
func (s *State) metrics() *Metrics {
	return &Metrics{EventProcessing: EventProcessing{ServerGenerationTimestamp: s.now.UnixMilli()}}
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
	s.unindex(p)
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
