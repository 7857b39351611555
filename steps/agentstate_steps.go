package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// agentStateSteps: agent-state requests, StartContactCenterSession with several channels, reads of any path
// (the users and devices listings of SPEC §11.5) and supervision aimed at a device found in a listing.
type agentStateSteps struct{}

func (agentStateSteps) phrases() map[string]any {
	return map[string]any{
		"V60": requestAgentState,
		"V61": startSessionWithChannels,
		"V62": readPath,
		"V63": superviseListedDevice,
		"V64": replyLacksHeader,
	}
}

// V60
func requestAgentState(ctx context.Context, role, verb, state, reason, code string) error {
	w := worldFrom(ctx)
	a, err := w.actor(ctx, role)
	if err != nil {
		return err
	}
	body := map[string]any{"operationName": state}
	if reason != "" {
		body["reason"] = reason
	}
	if code != "" {
		body["reasonCode"] = code
	}
	return w.postOp(ctx, a, "/api/v2/me/channels/voice", body, verb == "requests")
}

// V61
func startSessionWithChannels(ctx context.Context, role, list string) error {
	w := worldFrom(ctx)
	a, err := w.actor(ctx, role)
	if err != nil {
		return err
	}
	channels := strings.Split(list, ", ")
	return w.postOp(ctx, a, "/api/v2/me", map[string]any{"operationName": "StartContactCenterSession", "channels": channels}, false)
}

// pathPlaceholder is ${role.userId} or ${role.deviceId} inside a path.
var pathPlaceholder = regexp.MustCompile(`\$\{([a-z0-9]+)\.(userId|deviceId)\}`)

// expandPath replaces the placeholders of a path with the roles' ids, logging the roles in as needed.
func (w *World) expandPath(ctx context.Context, path string) (string, error) {
	var err error
	out := pathPlaceholder.ReplaceAllStringFunc(path, func(m string) string {
		parts := pathPlaceholder.FindStringSubmatch(m)
		a, aerr := w.actor(ctx, parts[1])
		if aerr != nil {
			err = aerr
			return m
		}
		if parts[2] == "userId" {
			return a.UserID
		}
		return a.DeviceID
	})
	return out, err
}

// V62
func readPath(ctx context.Context, role, verb, path string) error {
	w := worldFrom(ctx)
	a, err := w.actor(ctx, role)
	if err != nil {
		return err
	}
	p, err := w.expandPath(ctx, path)
	if err != nil {
		return err
	}
	return w.send(ctx, a, "GET", p, nil, verb == "reads", fmt.Sprintf("%s GET %s", role, p))
}

// V63: the device of the second role is looked up in the last reply, by its phoneNumber, wherever the reply
// nests it; its id names the targetDeviceUri.
func superviseListedDevice(ctx context.Context, role, kind, target string) error {
	w := worldFrom(ctx)
	r, err := w.last()
	if err != nil {
		return err
	}
	t, err := w.actor(ctx, target)
	if err != nil {
		return err
	}
	var body any
	if json.Unmarshal(r.Body, &body) != nil {
		return fmt.Errorf("%s: the reply body is not JSON: %s", r.what, r.Body)
	}
	id, ok := findDevice(body, t.DN)
	if !ok {
		return fmt.Errorf("%s: expected a device with phoneNumber %q (%s's) and an id in the reply, received: %s",
			r.what, t.DN, target, r.Body)
	}
	a, err := w.actor(ctx, role)
	if err != nil {
		return err
	}
	return w.postOp(ctx, a, "/api/v2/me/devices/"+a.DeviceID, map[string]any{"operationName": kind,
		"targetDeviceUri": w.baseURL + "/api/v2/devices/" + id}, true)
}

// findDevice searches a JSON value for an object with the given phoneNumber and a string id.
func findDevice(v any, dn string) (string, bool) {
	switch x := v.(type) {
	case map[string]any:
		if x["phoneNumber"] == dn {
			if id, ok := x["id"].(string); ok && id != "" {
				return id, true
			}
		}
		for _, child := range x {
			if id, ok := findDevice(child, dn); ok {
				return id, true
			}
		}
	case []any:
		for _, child := range x {
			if id, ok := findDevice(child, dn); ok {
				return id, true
			}
		}
	}
	return "", false
}

// V64
func replyLacksHeader(ctx context.Context, name string) error {
	r, err := worldFrom(ctx).last()
	if err != nil {
		return err
	}
	if got := r.Header.Values(name); len(got) > 0 {
		return fmt.Errorf("%s: expected no %s header, got %q (HTTP %d)", r.what, name, got, r.HTTPStatus)
	}
	return nil
}
