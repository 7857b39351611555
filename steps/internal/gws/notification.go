package gws

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Message types a GWS v2 server publishes on the voice channels (SPEC.md §2, §11.8).
const (
	CallStateChangeMessage   = "CallStateChangeMessage"
	DeviceStateChangeMessage = "DeviceStateChangeMessage"
	ErrorMessage             = "ErrorMessage"
)

// Notification is the data of one CometD message a server published to a user, decoded once.
//
// The envelope members every voice notification may carry are typed; the resources use the same types as the
// REST reads (Call, Device), so a step compares a notification and a read the same way. Raw keeps the data
// object exactly as received, so members this type does not name (vendor extensions, members of message types
// it does not know) stay available to whoever needs them.
//
// A Notification is a plain value; its slices and Raw must be treated as read-only.
type Notification struct {
	// Channel is the Bayeux channel the message arrived on, e.g. "/v2/me/calls".
	Channel string
	// MessageType is data.messageType, e.g. "CallStateChangeMessage"; "" when absent or not a string.
	MessageType string
	// NotificationType is data.notificationType of a call notification, e.g. "StatusChange".
	NotificationType string
	// PhoneNumber is data.phoneNumber of a call notification: the DN of the receiving user's device.
	PhoneNumber string
	// Call is data.call of a CallStateChangeMessage; nil when the member is absent or could not be decoded.
	Call *Call
	// Devices is data.devices of a DeviceStateChangeMessage.
	Devices []Device
	// DevicePath and DeviceURI identify the device of an ErrorMessage (SPEC.md §11.8).
	DevicePath string
	DeviceURI  string
	// Extensions and Metrics are the optional members of the same names, as received (nil when absent).
	Extensions json.RawMessage
	Metrics    json.RawMessage

	// Raw is the data object as received.
	Raw json.RawMessage
}

// IsCall reports whether the notification is a CallStateChangeMessage.
func (n Notification) IsCall() bool { return n.MessageType == CallStateChangeMessage }

// IsDevice reports whether the notification is a DeviceStateChangeMessage.
func (n Notification) IsDevice() bool { return n.MessageType == DeviceStateChangeMessage }

// Kind names the notification on one line: "CallStateChangeMessage/StatusChange Established",
// "DeviceStateChangeMessage", or "(no messageType)".
func (n Notification) Kind() string {
	s := n.MessageType
	if s == "" {
		s = "(no messageType)"
	}
	if n.NotificationType != "" {
		s += "/" + n.NotificationType
	}
	if n.Call != nil && n.Call.State != "" {
		s += " " + n.Call.State
	}
	return s
}

// DecodeError says which members of a notification could not be decoded into the model. The Notification
// returned next to it still carries every member that could be decoded, and Raw.
type DecodeError struct {
	Problems []string // one per member, e.g. `data.call: json: cannot unmarshal ...`
}

func (e *DecodeError) Error() string {
	return "notification data: " + strings.Join(e.Problems, "; ")
}

// DecodeNotification decodes the data of a message received on channel. It decodes member by member, so one
// malformed member does not hide the others: it always returns the Notification with what could be decoded
// (and Raw), and a *DecodeError when the data is not a JSON object or a member the model types has the
// wrong JSON type. Members of a kind the message type does not use (a call on a device message) are decoded
// all the same when present; unknown members are ignored.
func DecodeNotification(channel string, data []byte) (Notification, error) {
	n := Notification{Channel: channel, Raw: bytes.Clone(data)}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil || members == nil {
		return n, &DecodeError{Problems: []string{"data is not a JSON object"}}
	}
	var problems []string
	str := func(name string, dst *string) {
		raw, ok := members[name]
		if !ok || isNull(raw) {
			return
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			problems = append(problems, fmt.Sprintf("data.%s: want a string, got %s", name, abbreviate(raw)))
		}
	}
	str("messageType", &n.MessageType)
	str("notificationType", &n.NotificationType)
	str("phoneNumber", &n.PhoneNumber)
	str("devicePath", &n.DevicePath)
	str("deviceUri", &n.DeviceURI)
	if raw, ok := members["call"]; ok && !isNull(raw) {
		var c Call
		if err := json.Unmarshal(raw, &c); err != nil {
			problems = append(problems, "data.call: "+describe(err))
		} else {
			n.Call = &c
		}
	}
	if raw, ok := members["devices"]; ok && !isNull(raw) {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			problems = append(problems, fmt.Sprintf("data.devices: want an array, got %s", abbreviate(raw)))
		}
		for i, item := range list {
			var d Device
			if err := json.Unmarshal(item, &d); err != nil {
				problems = append(problems, fmt.Sprintf("data.devices[%d]: %s", i, describe(err)))
				continue
			}
			n.Devices = append(n.Devices, d)
		}
	}
	if raw, ok := members["extensions"]; ok {
		n.Extensions = bytes.Clone(raw)
	}
	if raw, ok := members["metrics"]; ok {
		n.Metrics = bytes.Clone(raw)
	}
	if len(problems) > 0 {
		return n, &DecodeError{Problems: problems}
	}
	return n, nil
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// describe words a decoding error of a resource by the member at fault where encoding/json names it.
func describe(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Sprintf("member %s: want %s, got a JSON %s", te.Field, te.Type, te.Value)
	}
	return err.Error()
}

// abbreviate shortens a raw JSON value for a message.
func abbreviate(raw json.RawMessage) string {
	s := string(bytes.TrimSpace(raw))
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}
