package steps

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/coachsim/coachsim/steps/internal/eventlog"
)

// supervisionSteps: subscriptions and the supervisor's operations on its supervision call.
type supervisionSteps struct{}

func (supervisionSteps) phrases() map[string]any {
	return map[string]any{
		"V05": supervisingTheCall,
		"V14": startsMonitoring,
		"V15": cancelsMonitoring,
		"V16": switchesTo,
		"V17": mutesMonitored,
		"V18": triesToSend,
		"V36": sameCallAs,
	}
}

// V05
func supervisingTheCall(ctx context.Context, role string) error {
	w := worldFrom(ctx)
	m, err := w.notificationMatcher(ctx, "call", "", `{"state":"Established"}`)
	if err != nil {
		return err
	}
	_, err = w.await(ctx, role, m)
	return err
}

func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// V14: ListenIn / Coach / BargeIn with the parameters the phrase names.
func startsMonitoring(ctx context.Context, role, verb, op, target, through, scope, mode string) error {
	w := worldFrom(ctx)
	a, err := w.actor(ctx, role)
	if err != nil {
		return err
	}
	deviceID := a.DeviceID
	if through != "" {
		other, err := w.actor(ctx, through)
		if err != nil {
			return err
		}
		deviceID = other.DeviceID
	}
	body := map[string]any{"operationName": op}
	switch {
	case target == "on an unknown device":
		body["targetDeviceUri"] = w.baseURL + "/api/v2/devices/" + randomUUID()
	case target == "on the routing point":
		body["phoneNumber"] = w.opts.Profile.RoutingPoint
	case target == "without a target":
	default:
		t, err := w.actor(ctx, target[len("on "):])
		if err != nil {
			return err
		}
		body["targetDeviceUri"] = w.baseURL + "/api/v2/devices/" + t.DeviceID
	}
	if scope != "" {
		body["supervisorMonitoringScope"] = scope
	}
	if mode != "" {
		body["supervisorMonitoringMode"] = mode
	}
	return w.postOp(ctx, a, "/api/v2/me/devices/"+deviceID, body, verb == "starts")
}

// V15
func cancelsMonitoring(ctx context.Context, role, verb string) error {
	w := worldFrom(ctx)
	a, err := w.actor(ctx, role)
	if err != nil {
		return err
	}
	return w.postOp(ctx, a, "/api/v2/me/devices/"+a.DeviceID, map[string]any{"operationName": "CancelSupervisorMonitoring"}, verb == "cancels")
}

// V16
func switchesTo(ctx context.Context, role, verb, mode string) error {
	_, err := worldFrom(ctx).callOp(ctx, role, activeCall, "SwitchTo"+mode, nil, verb == "switches")
	return err
}

// V17
func mutesMonitored(ctx context.Context, role, verb string) error {
	op := "MuteMonitoredUser"
	if verb == "unmutes" || verb == "tries to unmute" {
		op = "UnmuteMonitoredUser"
	}
	_, err := worldFrom(ctx).callOp(ctx, role, activeCall, op, nil, verb == "mutes" || verb == "unmutes")
	return err
}

// V18
func triesToSend(ctx context.Context, role, op, resource string) error {
	w := worldFrom(ctx)
	if resource == "call" {
		_, err := w.callOp(ctx, role, activeCall, op, nil, false)
		return err
	}
	a, err := w.actor(ctx, role)
	if err != nil {
		return err
	}
	return w.postOp(ctx, a, "/api/v2/me/devices/"+a.DeviceID, map[string]any{"operationName": op}, false)
}

// V36: the supervision call is the monitored call (id, callUuid, connId and callType agree).
func sameCallAs(ctx context.Context, supervisor, agent string) error {
	w := worldFrom(ctx)
	wctx, cancel := w.waitCtx(ctx)
	defer cancel()
	agree := func([]eventlog.Entry) bool {
		s, okS := pick(callBook(w.log.Entries(supervisor)), activeCall)
		a, okA := pick(callBook(w.log.Entries(agent)), activeCall)
		return okS && okA && s.ID != "" && s.ID == a.ID && s.CallUUID != "" && s.CallUUID == a.CallUUID &&
			s.ConnID != "" && s.ConnID == a.ConnID && s.CallType != "" && s.CallType == a.CallType
	}
	if err := w.log.Watch(wctx, supervisor, agree); err != nil {
		return fmt.Errorf("%s's supervision call and %s's call do not agree on id, callUuid, connId and callType within %s\n%s's call book:\n%s\n%s's call book:\n%s",
			supervisor, agent, w.opts.Deadline, supervisor, describeBookFull(callBook(w.log.Entries(supervisor))), agent, describeBookFull(callBook(w.log.Entries(agent))))
	}
	return nil
}

func describeBookFull(book []bookCall) string {
	if len(book) == 0 {
		return "  (no call notifications received)"
	}
	out := ""
	for _, c := range book {
		out += fmt.Sprintf("  id=%s callUuid=%s connId=%s callType=%s state=%s\n", c.ID, c.CallUUID, c.ConnID, c.CallType, c.State)
	}
	return out
}
