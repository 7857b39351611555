package callgen

import (
	"encoding/json"
	"fmt"

	"github.com/coachsim/coachsim/steps/harness"
)

// Rule is one expectation of the specification checked on every supervised call. ID names the conformance
// scenario that states it (features/supervision); the matcher is built with the suite's own matchers
// (steps/internal/eventlog through steps/harness) from the same JSON the scenario expects.
type Rule struct {
	ID   string
	Text string
}

// The rules load mode checks.
var (
	RuleJoin = Rule{"SUP-JOIN-001",
		"the supervisor's call is established with monitoring true once the agent answers"}
	RuleListening = Rule{"SUP-LISTEN-001/SUP-COACH-002",
		"the agent's call shows supervisorListeningIn true while the supervisor listens in or coaches"}
	RuleAgentScope = Rule{"SUP-SCOPE-009",
		"in Agent scope the supervisor's call is released, with no capabilities left, when the agent transfers the call away"}
	RuleCallScope = Rule{"SUP-SCOPE-001",
		"in Call scope the supervisor stays on the call through a transfer and sees the new agent"}
	RuleCallEnd = Rule{"SUP-SCOPE-008",
		"the supervisor's call is released, with no capabilities left, once the call ends"}
	RuleNextCall = Rule{"SUP-MODE-001",
		"a NextCall subscription ends with a device notification without supervisorMonitoringState when the supervisor's call is released"}
	RuleCancel = Rule{"SUP-MODE-005",
		"CancelSupervisorMonitoring is answered by a device notification without supervisorMonitoringState"}
	RuleMonitoring = Rule{"SUP-SUB-001",
		"a supervision request is confirmed by a device notification showing the subscription and CancelSupervisorMonitoring"}
)

func callNotification(notificationType, call string) harness.Matcher {
	return harness.MustNotification(harness.Expect{Channel: "/v2/me/calls", MessageType: "CallStateChangeMessage",
		NotificationType: notificationType, Data: json.RawMessage(`{"call":` + call + `}`)})
}

func deviceNotification(device string) harness.Matcher {
	return harness.MustNotification(harness.Expect{Channel: "/v2/me/devices", MessageType: "DeviceStateChangeMessage",
		Data: json.RawMessage(`{"devices":[` + device + `]}`)})
}

// Matchers of the rules and of the call's own progress.
var (
	matchRinging            = callNotification("", `{"state":"Ringing"}`)
	matchEstablished        = callNotification("", `{"state":"Established"}`)
	matchReleased           = callNotification("", `{"state":"Released"}`)
	matchSupervisorJoined   = callNotification("StatusChange", `{"state":"Established","monitoring":true}`)
	matchListening          = callNotification("", `{"state":"Established","supervisorListeningIn":true}`)
	matchSupervisorReleased = callNotification("StatusChange", `{"state":"Released","capabilities":[]}`)
	matchUnmonitored        = deviceNotification(`{"supervisorMonitoringState":null}`)
)

func matchMonitoring(op, scope, mode string) harness.Matcher {
	return deviceNotification(fmt.Sprintf(`{"supervisorMonitoringState":{"state":%q,"scope":%q,"mode":%q},`+
		`"capabilities":["CancelSupervisorMonitoring"]}`, op, scope, mode))
}

// matchFollows is the supervisor's view of the call listing the new agent (Call scope).
func matchFollows(dn string) harness.Matcher {
	return callNotification("ParticipantsUpdated", fmt.Sprintf(`{"participants":[{"phoneNumber":%q}]}`, dn))
}

// Violation is one broken rule on one call, with the evidence: what was expected and what arrived.
type Violation struct {
	Rule     string `json:"rule"`
	Text     string `json:"text"`
	Call     int    `json:"call"`
	CallID   string `json:"callId,omitempty"`
	Evidence string `json:"evidence"`
}
