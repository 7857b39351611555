package gws

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Version reads the server version (GET /api/v2/diagnostics/version; the server needs no credentials for it).
func (c *Client) Version(ctx context.Context) (string, error) {
	const path = "/api/v2/diagnostics/version"
	var reply struct {
		Version *string `json:"version"`
	}
	resp, err := c.get(ctx, path, &reply)
	if err != nil {
		return "", err
	}
	if reply.Version == nil {
		return "", missing(path, "version", resp)
	}
	return *reply.Version, nil
}

// Me reads the current user (GET /api/v2/me), with the named subresources (e.g. "devices", "calls", or "*")
// when given. Subresources are taken from inside the user object; when a server puts them beside it instead,
// they are picked up from there.
func (c *Client) Me(ctx context.Context, subresources ...string) (User, error) {
	path := "/api/v2/me"
	if len(subresources) > 0 {
		escaped := make([]string, len(subresources))
		for i, s := range subresources {
			escaped[i] = queryValue(s)
		}
		path += "?subresources=" + strings.Join(escaped, ",")
	}
	var reply struct {
		User    *User    `json:"user"`
		Devices []Device `json:"devices"`
		Calls   []Call   `json:"calls"`
	}
	resp, err := c.get(ctx, path, &reply)
	if err != nil {
		return User{}, err
	}
	if reply.User == nil {
		return User{}, missing(path, "user", resp)
	}
	u := *reply.User
	if u.Devices == nil {
		u.Devices = reply.Devices
	}
	if u.Calls == nil {
		u.Calls = reply.Calls
	}
	return u, nil
}

// Devices lists the user's devices with all fields (GET /api/v2/me/devices?fields=*). An absent list is empty.
func (c *Client) Devices(ctx context.Context) ([]Device, error) {
	var reply struct {
		Devices []Device `json:"devices"`
	}
	if _, err := c.get(ctx, "/api/v2/me/devices?fields=*", &reply); err != nil {
		return nil, err
	}
	return reply.Devices, nil
}

// Device reads one of the user's devices (GET /api/v2/me/devices/{id}).
func (c *Client) Device(ctx context.Context, id string) (Device, error) {
	path := "/api/v2/me/devices/" + url.PathEscape(id)
	var reply struct {
		Device *Device `json:"device"`
	}
	resp, err := c.get(ctx, path, &reply)
	if err != nil {
		return Device{}, err
	}
	if reply.Device == nil {
		return Device{}, missing(path, "device", resp)
	}
	return *reply.Device, nil
}

// Calls lists the user's active calls with all fields (GET /api/v2/me/calls?fields=*). An absent list is
// empty.
func (c *Client) Calls(ctx context.Context) ([]Call, error) {
	var reply struct {
		Calls []Call `json:"calls"`
	}
	if _, err := c.get(ctx, "/api/v2/me/calls?fields=*", &reply); err != nil {
		return nil, err
	}
	return reply.Calls, nil
}

// Call reads one of the user's calls (GET /api/v2/me/calls/{id}).
func (c *Client) Call(ctx context.Context, id string) (Call, error) {
	path := "/api/v2/me/calls/" + url.PathEscape(id)
	var reply struct {
		Call *Call `json:"call"`
	}
	resp, err := c.get(ctx, path, &reply)
	if err != nil {
		return Call{}, err
	}
	if reply.Call == nil {
		return Call{}, missing(path, "call", resp)
	}
	return *reply.Call, nil
}

// DeviceOperation performs a device operation such as ListenIn, Coach, BargeIn, CancelSupervisorMonitoring or
// DoNotDisturbOn (POST /api/v2/me/devices/{id}). params are added to the body beside operationName; op wins
// over an "operationName" key in params.
func (c *Client) DeviceOperation(ctx context.Context, deviceID, op string, params map[string]any) error {
	return c.post(ctx, "/api/v2/me/devices/"+url.PathEscape(deviceID), op, params)
}

// Dial places a call from a device to a phone number (POST /api/v2/me/devices/{id}/calls).
func (c *Client) Dial(ctx context.Context, deviceID, phoneNumber string) error {
	return c.post(ctx, "/api/v2/me/devices/"+url.PathEscape(deviceID)+"/calls", "Dial",
		map[string]any{"destination": map[string]string{"phoneNumber": phoneNumber}})
}

// CallOperation performs a call operation such as Answer, Hangup, SingleStepTransfer or SwitchToBargeIn
// (POST /api/v2/me/calls/{id}). params are added to the body beside operationName.
func (c *Client) CallOperation(ctx context.Context, callID, op string, params map[string]any) error {
	return c.post(ctx, "/api/v2/me/calls/"+url.PathEscape(callID), op, params)
}

// ChannelOperation performs an agent-state operation on a channel, e.g. Ready or NotReady on "voice"
// (POST /api/v2/me/channels/{channel}). params are added to the body beside operationName.
func (c *Client) ChannelOperation(ctx context.Context, channel, op string, params map[string]any) error {
	return c.post(ctx, "/api/v2/me/channels/"+url.PathEscape(channel), op, params)
}

// MeOperation performs a user-level operation, StartContactCenterSession or EndContactCenterSession
// (POST /api/v2/me). params are added to the body beside operationName.
func (c *Client) MeOperation(ctx context.Context, op string, params map[string]any) error {
	return c.post(ctx, "/api/v2/me", op, params)
}

// encodeOperation renders an operation body with operationName first and then params in key order; op wins
// over an "operationName" key in params. params is not modified.
func encodeOperation(op string, params map[string]any) ([]byte, error) {
	var b bytes.Buffer
	name, err := json.Marshal(op)
	if err != nil {
		return nil, err
	}
	b.WriteString(`{"operationName":`)
	b.Write(name)
	for _, k := range slices.Sorted(maps.Keys(params)) {
		if k == "operationName" {
			continue
		}
		key, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		val, err := json.Marshal(params[k])
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", k, err)
		}
		b.WriteByte(',')
		b.Write(key)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// queryValue escapes one query value, leaving "*" readable.
func queryValue(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "%2A", "*")
}

func missing(path, field string, resp Response) error {
	return &ResponseError{Method: http.MethodGet, Path: path, HTTPStatus: resp.HTTPStatus,
		Reason: `no "` + field + `" in the reply`, Body: resp.Body}
}
