package voice

import (
	"time"

	"github.com/coachsim/coachsim/fixtures"
)

const fixturesSupervision = fixtures.FeatureSupervisorMonitoring

// Resource says which REST resource an operation was posted to.
type Resource int

// Resources that accept operations.
const (
	ResMe          Resource = iota + 1 // POST /api/v2/me
	ResDevice                          // POST /api/v2/me/devices/{id}
	ResDeviceCalls                     // POST /api/v2/me/devices/{id}/calls (Dial)
	ResCall                            // POST /api/v2/me/calls/{id}
	ResChannel                         // POST /api/v2/me/channels/{channel}
)

// Request is one operation, already decoded from its JSON body. Absent string parameters are "".
type Request struct {
	UserID     string
	Resource   Resource
	ResourceID string // device id, call id or channel name
	Operation  Operation

	Destination     string   // destination.phoneNumber (or a plain string destination)
	UserData        UserData // userData (Dial, transfers, the user-data operations); nil when absent
	Key             string   // key (DeleteUserDataPair)
	Digits          string   // digits (SendDtmf)
	Participant     string   // participant (RemoveParticipantFromConference)
	OtherCallURI    string   // otherCallUri (SwapCalls)
	TargetDeviceURI string
	Scope           string // supervisorMonitoringScope as sent
	Mode            string // supervisorMonitoringMode as sent
	PhoneNumber     string
	ConsultCallURI  string
	Channels        []string
}

// Apply performs one operation at time now. It returns the notifications the operation causes, in order, or
// an *OpError and no change at all.
func (s *State) Apply(now time.Time, r Request) ([]Notification, error) {
	s.now = now
	s.out = nil
	u := s.userByID[r.UserID]
	if u == nil {
		return nil, opErr(ErrNotFound, r.Operation, "user", "", "unknown user %q", r.UserID)
	}
	if !u.features[fixtures.FeatureVoice] {
		return nil, opErr(ErrNoPermission, r.Operation, "user "+u.name, "", "user lacks feature %s", fixtures.FeatureVoice)
	}
	var err error
	switch r.Resource {
	case ResMe:
		err = s.meOp(u, r)
	case ResChannel:
		err = s.channelOp(u, r)
	case ResDevice:
		err = s.deviceOp(u, r)
	case ResDeviceCalls:
		err = s.dialOp(u, r)
	case ResCall:
		err = s.callOp(u, r)
	default:
		err = opErr(ErrNotFound, r.Operation, "resource", "", "unknown resource")
	}
	if err != nil {
		s.out = nil
		if afterChange != nil {
			afterChange(s)
		}
		return nil, err
	}
	return s.finish(), nil
}

// Tick lets time pass without an operation. It exists so that time-driven behaviour has one entry point; the
// core currently has none, so it returns no notifications.
func (s *State) Tick(now time.Time) []Notification {
	s.now = now
	return nil
}

// settle runs after every successful operation: agent idle bookkeeping and call distribution.
func (s *State) settle() {
	s.settleIdle()
	s.route()
}

func (s *State) myDevice(u *user, id string, op Operation) (*device, error) {
	d := s.deviceByID[id]
	if d == nil || d.user != u {
		return nil, opErr(ErrNotFound, op, "device "+id, "", "device %q is not a device of user %s", id, u.name)
	}
	return d, nil
}

func (s *State) meOp(u *user, r Request) error {
	switch r.Operation {
	case OpStartContactCenterSession:
		for _, ch := range r.Channels {
			if ch != "voice" {
				return opErr(ErrInvalidValue, r.Operation, "user "+u.name, "", "unsupported channel %q (only \"voice\")", ch)
			}
		}
		if !u.ccSession {
			u.ccSession = true
			s.emitDevice(u.device)
		}
		return nil
	case OpEndContactCenterSession:
		s.endSession(u)
		return nil
	}
	return opErr(ErrInvalidState, r.Operation, "user "+u.name, "", "unknown operation for /me")
}

func (s *State) channelOp(u *user, r Request) error {
	if r.ResourceID != "voice" {
		return opErr(ErrNotFound, r.Operation, "channel "+r.ResourceID, "", "unknown channel %q", r.ResourceID)
	}
	var want AgentState
	switch r.Operation {
	case OpReady:
		want = Ready
	case OpNotReady:
		want = NotReady
	case OpAfterCallWork:
		want = AfterCallWork
	default:
		return opErr(ErrInvalidState, r.Operation, "channel voice", "", "unknown operation for the voice channel")
	}
	// [S] Agent state needs a contact-center session (StartContactCenterSession).
	if !u.ccSession {
		return opErr(ErrInvalidState, r.Operation, "channel voice", "NoSession", "no contact-center session: call StartContactCenterSession first")
	}
	if u.agentState != want {
		u.agentState = want
		if want == Ready && len(s.partiesOf(u.device)) == 0 {
			u.idleSince = s.now
		}
		s.emitDevice(u.device)
	}
	return nil
}

func (s *State) deviceOp(u *user, r Request) error {
	d, err := s.myDevice(u, r.ResourceID, r.Operation)
	if err != nil {
		return err
	}
	switch r.Operation {
	case OpListenIn, OpCoach, OpBargeIn:
		return s.subscribe(d, r)
	case OpCancelSupervisorMonitoring:
		return s.cancelSubscription(d, r)
	}
	if !contains(s.deviceCapabilities(d), r.Operation) {
		return opErr(ErrInvalidState, r.Operation, "device "+d.dn, deviceStateName(d), "operation not in the device's capabilities %v", s.deviceCapabilities(d))
	}
	switch r.Operation {
	case OpDoNotDisturbOn:
		d.dnd = true
	case OpDoNotDisturbOff:
		d.dnd = false
	case OpForwardCallsOn:
		if err := s.checkForwardTo(d, r); err != nil {
			return err
		}
		d.forwardTo = r.Destination
	case OpForwardCallsOff:
		d.forwardTo = ""
	}
	s.emitDevice(d)
	return nil
}

// checkForwardTo validates ForwardCallsOn's destination (behaviour.md §12.6).
func (s *State) checkForwardTo(d *device, r Request) error {
	switch {
	case r.Destination == "":
		return opErr(ErrMissingParameter, r.Operation, "device "+d.dn, "", "destination is required")
	case !fixtures.IsPhoneNumber(r.Destination):
		return opErr(ErrInvalidValue, r.Operation, "device "+d.dn, "", "destination %q must be digits, optionally after a leading +", r.Destination)
	case r.Destination == d.dn:
		return opErr(ErrInvalidValue, r.Operation, "device "+d.dn, "", "a device cannot forward its calls to itself")
	}
	return nil
}

// deviceStateName names a device's DND and forwarding state in errors.
func deviceStateName(d *device) string {
	st := dndState(d)
	if d.forwardTo != "" {
		st += ", ForwardCallsOn"
	}
	return st
}

func dndState(d *device) string {
	if d.dnd {
		return "DoNotDisturbOn"
	}
	return "DoNotDisturbOff"
}

// endSession ends a user's contact-center session: agent state NotReady and every subscription held by or
// aimed at the user's device ends (behaviour.md §6).
func (s *State) endSession(u *user) {
	changed := u.ccSession || u.agentState != NotReady || u.device.sub != nil
	u.ccSession = false
	u.agentState = NotReady
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
