package gws

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// User is the user resource returned by GET /api/v2/me. Devices and Calls are filled only when the matching
// subresources were requested. Raw keeps the JSON object as received, so fields this type does not name stay
// available.
type User struct {
	ID        string   `json:"id"`
	UserName  string   `json:"userName"`
	FirstName string   `json:"firstName"`
	LastName  string   `json:"lastName"`
	Roles     []string `json:"roles"`
	URI       string   `json:"uri"`
	Path      string   `json:"path"`
	Devices   []Device `json:"devices,omitempty"`
	Calls     []Call   `json:"calls,omitempty"`

	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a user and keeps a copy of the raw object.
func (u *User) UnmarshalJSON(data []byte) error {
	type plain User
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*u = User(p)
	u.Raw = bytes.Clone(data)
	return nil
}

// HasRole reports whether the user has the given role, e.g. "ROLE_SUPERVISOR".
func (u User) HasRole(role string) bool { return slices.Contains(u.Roles, role) }

// UserState is the agent state carried by a device.
type UserState struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	State       string `json:"state"`              // Ready, NotReady
	WorkMode    string `json:"workMode,omitempty"` // e.g. AfterCallWork, AuxWork
}

// MonitoringState is a supervisor device's monitoring subscription.
type MonitoringState struct {
	State           string `json:"state"` // ListenIn, Coach, BargeIn
	Mode            string `json:"mode"`  // NextCall, AllCalls
	Scope           string `json:"scope"` // Agent, Call
	TargetDeviceURI string `json:"targetDeviceUri"`
}

// TargetDeviceID is the id of the monitored device: the last path segment of TargetDeviceURI.
func (m MonitoringState) TargetDeviceID() string { return DeviceIDFromURI(m.TargetDeviceURI) }

// Device is a device resource, as returned by the device reads and carried by DeviceStateChangeMessage.
// SupervisorMonitoringState is nil when the resource has no monitoring subscription. Raw keeps the JSON object
// as received.
type Device struct {
	ID                        string           `json:"id"`
	DeviceState               string           `json:"deviceState"` // Active, Inactive
	UserState                 UserState        `json:"userState"`
	PhoneNumber               string           `json:"phoneNumber"`
	E164Number                string           `json:"e164Number"`
	TelephonyNetwork          string           `json:"telephonyNetwork"` // Private, Public
	DoNotDisturb              string           `json:"doNotDisturb"`     // On, Off
	ForwardTo                 string           `json:"forwardTo,omitempty"`
	VoiceEnvironmentURI       string           `json:"voiceEnvironmentUri"`
	Capabilities              []string         `json:"capabilities"`
	SupervisorMonitoringState *MonitoringState `json:"supervisorMonitoringState,omitempty"`

	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a device and keeps a copy of the raw object.
func (d *Device) UnmarshalJSON(data []byte) error {
	type plain Device
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*d = Device(p)
	d.Raw = bytes.Clone(data)
	return nil
}

// HasCapability reports whether the device currently offers the named operation.
func (d Device) HasCapability(op string) bool { return slices.Contains(d.Capabilities, op) }

// HasMonitoringState reports whether the device carries a supervisorMonitoringState.
func (d Device) HasMonitoringState() bool { return d.SupervisorMonitoringState != nil }

// HasDoNotDisturb reports whether do-not-disturb is on.
func (d Device) HasDoNotDisturb() bool { return d.DoNotDisturb == "On" }

// Participant is one of the other parties of a call. Older servers sent participants as plain phone-number
// strings; those decode into PhoneNumber.
type Participant struct {
	PhoneNumber          string `json:"phoneNumber"`
	Digits               string `json:"digits,omitempty"`
	FormattedPhoneNumber string `json:"formattedPhoneNumber,omitempty"`
	E164Number           string `json:"e164Number,omitempty"`
}

// UnmarshalJSON accepts a participant object or a bare phone-number string.
func (p *Participant) UnmarshalJSON(data []byte) error {
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '"' {
		var s string
		if err := json.Unmarshal(trimmed, &s); err != nil {
			return err
		}
		*p = Participant{PhoneNumber: s}
		return nil
	}
	type plain Participant
	var q plain
	if err := json.Unmarshal(data, &q); err != nil {
		return err
	}
	*p = Participant(q)
	return nil
}

// Number is the participant's phone number, falling back to digits when phoneNumber is empty.
func (p Participant) Number() string {
	if p.PhoneNumber != "" {
		return p.PhoneNumber
	}
	return p.Digits
}

// Call is a call resource, as returned by the call reads and carried by CallStateChangeMessage. Duration is the
// documented string of seconds; a number is accepted and kept as its decimal text. Raw keeps the JSON object as
// received.
type Call struct {
	ID                    string         `json:"id"`
	State                 string         `json:"state"` // Dialing, Ringing, Established, Held, Released
	CallUUID              string         `json:"callUuid"`
	ConnID                string         `json:"connId"`
	DeviceURI             string         `json:"deviceUri"`
	Participants          []Participant  `json:"participants"`
	DNIS                  string         `json:"dnis,omitempty"`
	ANI                   string         `json:"ani,omitempty"`
	CallType              string         `json:"callType"` // Internal, Inbound, Outbound, Consult
	Capabilities          []string       `json:"capabilities"`
	UserData              map[string]any `json:"userData,omitempty"`
	Duration              string         `json:"duration"`
	Mute                  string         `json:"mute"` // On, Off
	SupervisorListeningIn bool           `json:"supervisorListeningIn"`
	MonitoredUserMuted    bool           `json:"monitoredUserMuted"`
	Monitoring            bool           `json:"monitoring"`
	ParentCallURI         string         `json:"parentCallUri,omitempty"`
	ParentCallPath        string         `json:"parentCallPath,omitempty"`
	URI                   string         `json:"uri"`
	Path                  string         `json:"path"`

	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a call and keeps a copy of the raw object.
func (c *Call) UnmarshalJSON(data []byte) error {
	type plain Call
	var aux struct {
		plain
		Duration flexString `json:"duration"`
	}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*c = Call(aux.plain)
	c.Duration = string(aux.Duration)
	c.Raw = bytes.Clone(data)
	return nil
}

// ParticipantNumbers lists the participants' phone numbers in the order received.
func (c Call) ParticipantNumbers() []string {
	out := make([]string, 0, len(c.Participants))
	for _, p := range c.Participants {
		out = append(out, p.Number())
	}
	return out
}

// HasParticipant reports whether a participant has the given phone number.
func (c Call) HasParticipant(number string) bool {
	return slices.ContainsFunc(c.Participants, func(p Participant) bool { return p.Number() == number })
}

// HasCapability reports whether the call currently offers the named operation.
func (c Call) HasCapability(op string) bool { return slices.Contains(c.Capabilities, op) }

// IsMuted reports whether the call's mute flag is On.
func (c Call) IsMuted() bool { return c.Mute == "On" }

// DeviceID is the id of the device the call belongs to: the last path segment of DeviceURI.
func (c Call) DeviceID() string { return DeviceIDFromURI(c.DeviceURI) }

// DeviceIDFromURI returns the last path segment of a device URI (any host, any prefix), which is how device
// URIs are compared. A URI with a query or fragment has it ignored; a trailing slash is ignored.
func DeviceIDFromURI(uri string) string {
	if i := strings.IndexAny(uri, "?#"); i >= 0 {
		uri = uri[:i]
	}
	uri = strings.TrimRight(uri, "/")
	if i := strings.LastIndexByte(uri, '/'); i >= 0 {
		return uri[i+1:]
	}
	return uri
}

// flexString decodes a JSON string, or a JSON number kept as its literal text. null leaves it empty.
type flexString string

func (f *flexString) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case bytes.Equal(data, []byte("null")):
		return nil
	case len(data) > 0 && data[0] == '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	default:
		var n json.Number
		if err := json.Unmarshal(data, &n); err != nil {
			return fmt.Errorf("want a string or a number, got %s", data)
		}
		*f = flexString(n.String())
		return nil
	}
}
