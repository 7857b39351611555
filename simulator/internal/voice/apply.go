package voice

import (
	"errors"
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
	Channels        []string // channels (StartContactCenterSession); nil when absent
	Reason          string   // reason (NotReady)
	ReasonCode      string   // reasonCode (NotReady)
	WrapUpTime      string   // wrapUpTime (AfterCallWork)
	WorkMode        string   // workmode (Ready): ManualIn or AutoIn
}

// Apply performs one operation at time now. It returns the notifications the operation causes, in order, or
// an *OpError and no change at all.
func (s *State) Apply(now time.Time, r Request) ([]Notification, error) {
	_, notes, err := s.ApplyResult(now, r)
	if err != nil {
		return nil, err
	}
	return notes, nil
}

// Result is what an operation reports in its reply beyond success: the per-channel outcome of a
// StartContactCenterSession that partly failed (behaviour.md §11.2). The zero Result is plain success.
type Result struct {
	Succeeded []ChannelResult
	Failed    []ChannelResult
}

// Partial reports whether the reply is a partial success (statusCode 7).
func (r Result) Partial() bool { return len(r.Failed) > 0 }

// ChannelResult is one entry of a partial success: a channel and its statusCode (with the message of a
// failure).
type ChannelResult struct {
	StatusCode    int    `json:"statusCode"`
	StatusMessage string `json:"statusMessage,omitempty"`
	Channel       string `json:"channel"`
}

// ApplyResult performs one operation at time now, as Apply does, and also returns the operation's Result.
// On an error nothing changes; the notifications are then empty, except for a request that failed in the
// back end (ErrBackend): its ErrorMessage (behaviour.md §11.8) is returned with the error.
func (s *State) ApplyResult(now time.Time, r Request) (Result, []Notification, error) {
	s.now = now
	s.out = nil
	s.result = Result{}
	res, notes, err := s.apply(r)
	s.result = Result{}
	return res, notes, err
}

func (s *State) apply(r Request) (Result, []Notification, error) {
	u := s.userByID[r.UserID]
	if u == nil {
		return Result{}, nil, opErr(ErrNotFound, r.Operation, "user", "", "unknown user %q", r.UserID)
	}
	if !u.features[fixtures.FeatureVoice] {
		return Result{}, nil, opErr(ErrNoPermission, r.Operation, "user "+u.name, "", "user lacks feature %s", fixtures.FeatureVoice)
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
		var errorMessage []Notification
		if errors.Is(err, ErrBackend) && r.Resource != ResMe && !s.dev.NoErrorMessage { // a device or agent-state request (§11.8)
			errorMessage = []Notification{s.errorMessage(u.device)}
		}
		s.out = nil
		if afterChange != nil {
			afterChange(s)
		}
		return Result{}, errorMessage, err
	}
	res := s.result
	return res, s.finish(), nil
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

func (s *State) deviceOp(u *user, r Request) error {
	d, err := s.myDevice(u, r.ResourceID, r.Operation)
	if err != nil {
		return err
	}
	if err := s.registered(d, r.Operation); err != nil {
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
