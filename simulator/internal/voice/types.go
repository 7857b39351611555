package voice

// PartyState is the state of one device's leg of a call, as the GWS call resource reports it.
type PartyState int

// Party states.
const (
	Dialing PartyState = iota + 1
	Ringing
	Established
	Held
	Released
)

var partyStateNames = map[PartyState]string{
	Dialing: "Dialing", Ringing: "Ringing", Established: "Established", Held: "Held", Released: "Released",
}

func (s PartyState) String() string {
	if n, ok := partyStateNames[s]; ok {
		return n
	}
	return "Unknown"
}

// active reports whether a leg in this state still takes part in the call.
func (s PartyState) active() bool { return s != Released }

// CallType is the GWS callType of a call.
type CallType string

// Call types.
const (
	CallInternal CallType = "Internal"
	CallInbound  CallType = "Inbound"
	CallOutbound CallType = "Outbound"
	CallConsult  CallType = "Consult"
)

// MonitorType is what a supervisor does: listen silently, coach the agent, or barge in.
type MonitorType string

// Monitor types (GWS operation names and supervisorMonitoringState.state values).
const (
	ListenIn MonitorType = "ListenIn"
	Coach    MonitorType = "Coach"
	BargeIn  MonitorType = "BargeIn"
)

// Scope says whom the supervisor follows: the agent (Agent) or the customer's call (Call).
type Scope string

// Scopes.
const (
	ScopeAgent Scope = "Agent"
	ScopeCall  Scope = "Call"
)

// Mode says how long a subscription lasts: one supervised call (NextCall) or until cancelled (AllCalls).
type Mode string

// Modes.
const (
	ModeNextCall Mode = "NextCall"
	ModeAllCalls Mode = "AllCalls"
)

// AgentState is the voice-channel agent state.
type AgentState int

// Agent states.
const (
	NotReady AgentState = iota
	Ready
	AfterCallWork // NotReady with workMode AfterCallWork (wrap-up)
	AuxWork       // NotReady with workMode AuxWork
)

func (a AgentState) String() string {
	switch a {
	case Ready:
		return "Ready"
	case AfterCallWork:
		return "AfterCallWork"
	case AuxWork:
		return "AuxWork"
	}
	return "NotReady"
}

// Notification types of CallStateChangeMessage.
const (
	NotifyStatusChange        = "StatusChange"
	NotifyParticipantsUpdated = "ParticipantsUpdated"
	NotifyMonitoredUserMuted  = "MonitoredUserMutedStateChange"
	NotifyAttachedDataChanged = "AttachedDataChanged"
	NotifyDtmfSent            = "DtmfSent"
	NotifyRecordingState      = "CallRecordingStateChange"
)

// Message types and channels.
const (
	MessageDeviceStateChange = "DeviceStateChangeMessage"
	MessageCallStateChange   = "CallStateChangeMessage"
	MessageError             = "ErrorMessage"
	ChannelDevices           = "/v2/me/devices"
	ChannelCalls             = "/v2/me/calls"
)

// Documented userState ids.
const (
	userStateReadyID         = "9430250E-0A1B-421F-B372-F29E69366DED"
	userStateNotReadyID      = "900D55CC-2BB0-431F-8BF9-D3525B383BE6"
	userStateAfterCallWorkID = "D3663509-3D82-4DD3-A82E-2EA8EFA02AEF"
	userStateAuxWorkID       = "2B36138D-C564-4562-A8CB-3C32D564F296"
	userStateOfflineID       = "0F7F5003-EF26-4D13-A6Ef-D0C7EC819BEB" // the case of the live id, kept as sent
)
