package voice

import "github.com/coachsim/coachsim/fixtures"

// This file is the one table of what every call leg and every device offers (behaviour.md §12.1, from the
// documented samples of the reference, completed by live traffic). The same table gives the capabilities a
// resource lists and decides what an operation may do: an operation a resource does not offer is refused with
// statusCode 2 (behaviour.md §8), except the operations that are never listed (unlisted).
//
// A leg is in one state and in one or more situations: exactly one primary situation (plain, held for a
// consultation, consulting, monitoring) and any number of modifiers (in a pair, conference owner, recording,
// the supervisor's current mode). Its capabilities are the union, in table order, of the rows that match its
// state and one of its situations.

// situation is a fact about a leg or a device that decides rows of the table.
type situation int

// Situations of call legs and devices.
const (
	sitPlain             situation = iota + 1 // an ordinary leg
	sitHeldForTransfer                        // the consulting agent's held leg of a pair started by InitiateTransfer
	sitHeldForConference                      // the same, started by InitiateConference
	sitConsultTransfer                        // the consulting agent's leg on its consultation call (transfer)
	sitConsultConference                      // the same, for a conference
	sitInPair                                 // modifier: the user's other call of the pair is Held
	sitConferenceOwner                        // modifier: the leg owns a conference of three or more members
	sitRecordingStopped                       // modifier: the user records calls; this one is not recorded
	sitRecording                              // modifier: being recorded
	sitRecordingPaused                        // modifier: recording paused
	sitMonitoring                             // a supervisor's monitoring leg
	sitFromListenIn                           // modifier: the monitoring leg is in ListenIn
	sitFromCoach                              // modifier: in Coach
	sitFromBargeIn                            // modifier: in BargeIn
	sitDNDOff                                 // device: DoNotDisturb off
	sitDNDOn                                  // device: DoNotDisturb on
	sitForwardOff                             // device: not forwarding
	sitForwardOn                              // device: forwarding
	sitSupervisorDevice                       // device of a user with api-supervisor-monitoring
	sitSubscribed                             // device: holds a supervision subscription
)

// anyState matches every state of a row's resource (devices have no party state).
const anyState PartyState = 0

type capRow struct {
	device bool       // a device row (else a call-leg row)
	state  PartyState // the leg's state, or anyState
	sit    situation
	ops    []Operation
	rule   string // where behaviour.md (and the reference) say so
}

func ops(groups ...[]Operation) []Operation {
	var out []Operation
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func o(list ...Operation) []Operation { return list }

var (
	dialingSet     = ops(o(OpSendDtmf, OpHangup), userDataOps)
	establishedSet = ops(o(OpHangup, OpHold, OpSendDtmf, OpSingleStepTransfer, OpInitiateTransfer,
		OpSingleStepConference, OpInitiateConference), userDataOps, o(OpClearCall))
	heldSet = ops(o(OpRetrieve, OpHangup, OpSingleStepTransfer, OpInitiateTransfer, OpSingleStepConference,
		OpInitiateConference), userDataOps)
	consultHeldCommon = ops(o(OpHangup, OpSingleStepTransfer, OpInitiateTransfer, OpSingleStepConference,
		OpInitiateConference), userDataOps)
	monitoringSet = ops(userDataOps, o(OpInitiateConference, OpHold, OpSingleStepTransfer, OpSingleStepConference,
		OpHangup, OpSendDtmf, OpInitiateTransfer, OpRemoveParticipant))
)

// capabilityTable is the table. Order matters only for the order of the emitted lists.
var capabilityTable = []capRow{
	{state: Dialing, sit: sitPlain, ops: dialingSet, rule: "§12.1 call Dialing [D]"},
	{state: Dialing, sit: sitConsultTransfer, ops: ops(dialingSet, o(OpCompleteTransfer)), rule: "§12.1 consultation call Dialing [S]"},
	{state: Dialing, sit: sitConsultConference, ops: ops(dialingSet, o(OpCompleteConference)), rule: "§12.1 consultation call Dialing [S]"},
	{state: Ringing, sit: sitPlain, ops: ops(o(OpAnswer, OpClearCall), userDataOps), rule: "§12.1 call Ringing [O]"},
	{state: Established, sit: sitPlain, ops: establishedSet, rule: "§12.1 call Established [D; O: ClearCall]"},
	{state: Established, sit: sitInPair, ops: o(OpSwapCalls, OpCompleteTransfer, OpCompleteConference), rule: "§12.1 the Established call of a pair [D]"},
	{state: Established, sit: sitConferenceOwner, ops: o(OpRemoveParticipant), rule: "§12.1 conference owner [S]"},
	{state: Established, sit: sitRecordingStopped, ops: o(OpStartCallRecording), rule: "§12.1 recording, Stopped [D]"},
	{state: Established, sit: sitRecording, ops: o(OpPauseCallRecording, OpStopCallRecording), rule: "§12.1 recording, Recording [D]"},
	{state: Established, sit: sitRecordingPaused, ops: o(OpResumeCallRecording, OpStopCallRecording), rule: "§12.1 recording, Paused [D]"},
	{state: Held, sit: sitPlain, ops: heldSet, rule: "§12.1 call Held [D]"},
	{state: Held, sit: sitHeldForTransfer, ops: ops(o(OpSwapCalls, OpCompleteTransfer), consultHeldCommon), rule: "§12.1 original Held after InitiateTransfer [D]"},
	{state: Held, sit: sitHeldForConference, ops: ops(o(OpRetrieve), consultHeldCommon, o(OpSwapCalls, OpCompleteConference)), rule: "§12.1 original Held after InitiateConference [D; S: SwapCalls, CompleteConference]"},
	{state: Ringing, sit: sitMonitoring, ops: ops(o(OpAnswer), userDataOps), rule: "§4.3 the supervisor's Ringing call [S]"},
	{state: Established, sit: sitMonitoring, ops: monitoringSet, rule: "§4.3 the supervisor's monitoring call [D]"},
	{state: Established, sit: sitFromListenIn, ops: o(OpSwitchToBargeIn), rule: "§4.3, §7 switch from ListenIn [D]"},
	{state: Established, sit: sitFromCoach, ops: o(OpSwitchToListenIn, OpSwitchToBargeIn), rule: "§4.3, §7 switches from Coach [S]"},
	{state: Established, sit: sitFromBargeIn, ops: o(OpSwitchToListenIn), rule: "§4.3, §7 switch from BargeIn [D]"},

	{device: true, sit: sitDNDOff, ops: o(OpDoNotDisturbOn), rule: "§12.1 agent device [D, O]"},
	{device: true, sit: sitDNDOn, ops: o(OpDoNotDisturbOff), rule: "§12.1 agent device [D]"},
	{device: true, sit: sitForwardOff, ops: o(OpForwardCallsOn), rule: "§12.1 agent device [D, O]"},
	{device: true, sit: sitForwardOn, ops: o(OpForwardCallsOff), rule: "§12.1 agent device [D]"},
	{device: true, sit: sitSupervisorDevice, ops: o(OpListenIn, OpCoach, OpBargeIn), rule: "§12.1 supervisor device [D]"},
	{device: true, sit: sitSubscribed, ops: o(OpCancelSupervisorMonitoring), rule: "§12.1 supervisor device while subscribed [D]"},
}

// offered collects the operations of the rows that match.
func offered(device bool, state PartyState, sits []situation) []Operation {
	out := []Operation{}
	for _, row := range capabilityTable {
		if row.device != device || (row.state != anyState && row.state != state) || !contains(sits, row.sit) {
			continue
		}
		for _, op := range row.ops {
			if !contains(out, op) {
				out = append(out, op)
			}
		}
	}
	return out
}

// legSituations are the situations of a call leg, primary first.
func (s *State) legSituations(p *party) []situation {
	c := p.call
	if p.sup != nil {
		sits := []situation{sitMonitoring}
		switch p.sup.live {
		case ListenIn:
			sits = append(sits, sitFromListenIn)
		case Coach:
			sits = append(sits, sitFromCoach)
		case BargeIn:
			sits = append(sits, sitFromBargeIn)
		}
		return sits
	}
	var sits []situation
	partner := pairPartner(p)
	conference := c.conference
	if c.parent != nil {
		conference = c.parent.conference
	}
	switch {
	case partner != nil && p.state == Held:
		sits = append(sits, pick(conference, sitHeldForConference, sitHeldForTransfer))
	case partner != nil && p.state == Dialing:
		sits = append(sits, pick(conference, sitConsultConference, sitConsultTransfer))
	default:
		sits = append(sits, sitPlain)
	}
	if partner != nil && p.state == Established && partner.state == Held {
		sits = append(sits, sitInPair)
	}
	if c.owner == p && len(c.connectedMembers()) >= 3 {
		sits = append(sits, sitConferenceOwner)
	}
	switch p.rec {
	case recStopped:
		sits = append(sits, sitRecordingStopped)
	case recRecording:
		sits = append(sits, sitRecording)
	case recPaused:
		sits = append(sits, sitRecordingPaused)
	}
	return sits
}

func pick(cond bool, yes, no situation) situation {
	if cond {
		return yes
	}
	return no
}

// pairPartner returns the consulting user's other leg of a consultation pair: for its leg on the original
// call, its leg on the consultation call, and the other way round. Nil for every other leg.
func pairPartner(p *party) *party {
	c := p.call
	if x := c.consult; x != nil {
		if q := x.partyOf(p.dev); q != nil && q.origin {
			return q
		}
	}
	if c.parent != nil && p.origin {
		return c.parent.partyOf(p.dev)
	}
	return nil
}

// callCapabilities are the operations p's leg offers.
func (s *State) callCapabilities(p *party) []Operation {
	if !p.state.active() {
		return []Operation{}
	}
	return offered(false, p.state, s.legSituations(p))
}

// deviceSituations are the situations of a device.
func (s *State) deviceSituations(d *device) []situation {
	sits := []situation{pick(d.dnd, sitDNDOn, sitDNDOff), pick(d.forwardTo != "", sitForwardOn, sitForwardOff)}
	if d.user.features[fixturesSupervision] {
		sits = append(sits, sitSupervisorDevice)
		if d.sub != nil {
			sits = append(sits, sitSubscribed)
		}
	}
	return sits
}

// deviceCapabilities are the operations a device offers.
func (s *State) deviceCapabilities(d *device) []Operation {
	return offered(true, anyState, s.deviceSituations(d))
}

// The operations accepted without ever being listed (behaviour.md §8) are guarded elsewhere: the agent-state and
// session operations by the session rules of apply.go, Mute/UnmuteMonitoredUser on a supervisor's call by
// muteAllowed.

// muteAllowed is the guard of MuteMonitoredUser and UnmuteMonitoredUser (behaviour.md §7): on a supervisor's
// Established call that monitors an agent, Mute when the agent is not muted, Unmute when it is.
func muteAllowed(p *party, op Operation) bool {
	if p.sup == nil || p.state != Established || p.sup.monitored == nil {
		return false
	}
	if op == OpMuteMonitoredUser {
		return !p.sup.muted
	}
	return p.sup.muted
}

// recordsCalls reports whether the user has the recording feature (behaviour.md §12.7).
func recordsCalls(u *user) bool { return u.features[fixtures.FeatureVoiceRecording] }
