package voice

import (
	"strings"

	"github.com/coachsim/coachsim/fixtures"
)

// This file is the contact-center session and the voice agent state (behaviour.md §11.1–§11.3): what a device
// shows before the session, StartContactCenterSession with its per-channel outcome, the agent-state
// operations of POST /api/v2/me/channels/voice, and the unregistered device whose requests fail in the back
// end.

// Channel names of StartContactCenterSession.
const (
	channelVoice      = "voice"
	channelMultimedia = "multimedia" // how a live GWS names every non-voice channel in a partial success
)

// Texts of the back-end failures a live GWS reports (behaviour.md §11.1, §11.2).
const (
	msgMultimediaDown = "Interaction server connection is not opened"
	msgNotRegistered  = "Device '%s' is not registered."
)

// OpAuxWork and OpOffline are agent-state operations of the voice channel (behaviour.md §11.3).
const (
	OpAuxWork Operation = "AuxWork"
	OpOffline Operation = "Offline"
)

// Ready's documented workmode values (behaviour.md §11.3).
var readyWorkModes = []string{"ManualIn", "AutoIn"}

// userStateOf is the userState a device shows: nil for an unregistered device, Offline/LoggedOut outside a
// contact-center session, the agent state within one.
func (s *State) userStateOf(d *device) *UserState {
	u := d.user
	switch {
	case d.unregistered:
		return nil
	case !u.ccSession:
		return &UserState{ID: userStateOfflineID, DisplayName: "Offline", State: "LoggedOut"}
	}
	switch u.agentState {
	case Ready:
		return &UserState{ID: userStateReadyID, DisplayName: "Ready", State: "Ready"}
	case AfterCallWork:
		return &UserState{ID: userStateAfterCallWorkID, DisplayName: "AfterCallWork", State: "NotReady", WorkMode: "AfterCallWork"}
	case AuxWork:
		if s.dev.AuxWorkAsNotReady {
			break
		}
		return &UserState{ID: userStateAuxWorkID, DisplayName: "AuxWork", State: "NotReady", WorkMode: "AuxWork"}
	}
	return &UserState{ID: userStateNotReadyID, DisplayName: "Not Ready", State: "NotReady", Reason: u.reason, ReasonCode: u.reasonCode}
}

// registered refuses a request on an unregistered device as the back end does: statusCode 4 with the live
// text; ApplyResult then sends the ErrorMessage (behaviour.md §11.8).
func (s *State) registered(d *device, op Operation) error {
	if d.unregistered {
		return opErr(ErrBackend, op, "device "+d.dn, "Inactive", msgNotRegistered, d.dn)
	}
	return nil
}

// errorMessage is the ErrorMessage about a device (behaviour.md §11.8).
func (s *State) errorMessage(d *device) Notification {
	return Notification{UserID: d.user.id, Channel: ChannelDevices, Data: ErrorMessage{
		MessageType: MessageError, DevicePath: "/devices/" + d.id, DeviceURI: s.deviceURI(d), Metrics: s.metrics()}}
}

func (s *State) meOp(u *user, r Request) error {
	switch r.Operation {
	case OpStartContactCenterSession:
		return s.startSession(u, r)
	case OpEndContactCenterSession:
		s.endSession(u)
		return nil
	}
	return opErr(ErrInvalidState, r.Operation, "user "+u.name, "", "unknown operation for /me")
}

// startSession is StartContactCenterSession (behaviour.md §11.2). Voice succeeds on a registered device;
// every other channel fails, all of them as one multimedia entry. When some channel succeeds and some fails
// the reply is a partial success; when none succeeds the first failure is the error and nothing changes.
func (s *State) startSession(u *user, r Request) error {
	if len(r.Channels) == 0 {
		// [S] An empty list asks for nothing, like a missing one.
		return opErr(ErrMissingParameter, r.Operation, "user "+u.name, "", "channels is required: a list such as [\"voice\"]")
	}
	wantVoice, wantOther := false, false
	for _, ch := range r.Channels {
		if strings.EqualFold(ch, channelVoice) {
			wantVoice = true
		} else {
			wantOther = true
		}
	}
	var res Result
	var firstFailure error
	if wantVoice {
		if err := s.registered(u.device, r.Operation); err != nil {
			res.Failed = append(res.Failed, ChannelResult{StatusCode: 4, StatusMessage: err.(*OpError).Detail, Channel: channelVoice})
			firstFailure = opErr(ErrBackend, r.Operation, "user "+u.name, "", "%s", err.(*OpError).Detail)
		} else {
			res.Succeeded = append(res.Succeeded, ChannelResult{StatusCode: 0, Channel: channelVoice})
		}
	}
	if wantOther {
		res.Failed = append(res.Failed, ChannelResult{StatusCode: 4, StatusMessage: msgMultimediaDown, Channel: channelMultimedia})
		if firstFailure == nil {
			firstFailure = opErr(ErrBackend, r.Operation, "user "+u.name, "", msgMultimediaDown)
		}
	}
	if len(res.Succeeded) == 0 {
		return firstFailure // nothing succeeded; POST /me is no device request, so no ErrorMessage follows
	}
	if len(res.Failed) > 0 {
		s.result = res
	}
	if !u.ccSession {
		u.ccSession = true
		u.agentState = NotReady
		u.reason, u.reasonCode = "", ""
		if !s.dev.NoLoggedInStep {
			s.emitDeviceState(u.device, &UserState{State: "LoggedIn"}) // [O] the intermediate state
		}
		s.emitDevice(u.device)
	}
	return nil
}

// channelOp is an agent-state operation on POST /api/v2/me/channels/{channel} (behaviour.md §11.3).
func (s *State) channelOp(u *user, r Request) error {
	if r.ResourceID != channelVoice {
		return opErr(ErrNotFound, r.Operation, "channel "+r.ResourceID, "", "unknown channel %q", r.ResourceID)
	}
	want, reason, code := NotReady, "", ""
	switch r.Operation {
	case OpReady:
		if r.WorkMode != "" && !contains(readyWorkModes, r.WorkMode) {
			return opErr(ErrInvalidValue, r.Operation, "channel voice", "", "workmode %q must be ManualIn or AutoIn", r.WorkMode)
		}
		want = Ready
	case OpNotReady:
		var err error
		if reason, code, err = s.notReadyReason(r); err != nil {
			return err
		}
	case OpAfterCallWork:
		want = AfterCallWork
	case OpAuxWork:
		want = AuxWork
	case OpOffline:
	default:
		return opErr(ErrInvalidState, r.Operation, "channel voice", "", "unknown operation for the voice channel")
	}
	if err := s.registered(u.device, r.Operation); err != nil {
		return err
	}
	// [S] Agent state needs a contact-center session (StartContactCenterSession).
	if !u.ccSession {
		return opErr(ErrInvalidState, r.Operation, "channel voice", "NoSession", "no contact-center session: call StartContactCenterSession first")
	}
	if r.Operation == OpOffline {
		// [S] Offline logs the agent out of voice as EndContactCenterSession does; the HTTP session stays.
		s.endSession(u)
		return nil
	}
	// [O] A request for the state the agent has succeeds and sends the unchanged device again.
	if s.dev.NoRepeatedState && u.agentState == want && u.reason == reason && u.reasonCode == code {
		return nil
	}
	u.agentState, u.reason, u.reasonCode = want, reason, code
	if want == Ready && len(s.partiesOf(u.device)) == 0 {
		u.idleSince = s.now
	}
	s.emitDevice(u.device)
	return nil
}

// notReadyReason validates NotReady's reason and reasonCode against the environment's reasons, when it
// configures any: a code must be one of them, and a code alone gets its reason.
func (s *State) notReadyReason(r Request) (reason, code string, err error) {
	reason, code = r.Reason, r.ReasonCode
	if code == "" || len(s.reasons) == 0 {
		return reason, code, nil
	}
	known, ok := s.reasons[code]
	if !ok {
		return "", "", opErr(ErrInvalidValue, r.Operation, "channel voice", "", "reasonCode %q is not a configured not-ready reason", code)
	}
	if reason == "" {
		reason = known
	}
	return reason, code, nil
}

// endSession ends a user's contact-center session: the device is Offline again and every subscription held
// by or aimed at it ends (behaviour.md §6, §11.2).
func (s *State) endSession(u *user) {
	changed := u.ccSession || u.device.sub != nil
	u.ccSession = false
	u.agentState = NotReady
	u.reason, u.reasonCode = "", ""
	d := u.device
	if d.sub != nil {
		s.dropSubscription(d.sub)
	}
	if changed {
		s.emitDevice(d)
	}
	if d.supBy != nil {
		owner := d.supBy.owner
		s.dropSubscription(d.supBy)
		s.emitDevice(owner)
	}
}

// reasonTable turns the environment's not-ready reasons into a lookup by code.
func reasonTable(list []fixtures.NotReadyReason) map[string]string {
	out := map[string]string{}
	for _, r := range list {
		out[r.Code] = r.Reason
	}
	return out
}
