package voice

// The types in this file are the wire shapes of the GWS v2 resources and notifications. They are plain values:
// every view is a fresh copy built from the core's state, safe to hand to another goroutine.

// UserState is a device's agent state.
type UserState struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	State       string `json:"state"`
	WorkMode    string `json:"workMode,omitempty"` // AfterCallWork while wrapping up
}

// MonitoringState is a supervisor device's supervisorMonitoringState.
type MonitoringState struct {
	State           MonitorType `json:"state"`
	Mode            Mode        `json:"mode"`
	Scope           Scope       `json:"scope"`
	TargetDeviceURI string      `json:"targetDeviceUri"`
}

// Device is the GWS device resource.
type Device struct {
	ID                        string           `json:"id"`
	DeviceState               string           `json:"deviceState"`
	UserState                 UserState        `json:"userState"`
	PhoneNumber               string           `json:"phoneNumber"`
	E164Number                string           `json:"e164Number"`
	TelephonyNetwork          string           `json:"telephonyNetwork"`
	DoNotDisturb              string           `json:"doNotDisturb"`
	VoiceEnvironmentURI       string           `json:"voiceEnvironmentUri"`
	Capabilities              []string         `json:"capabilities"`
	SupervisorMonitoringState *MonitoringState `json:"supervisorMonitoringState,omitempty"`
}

// Participant is one other party of a call as a call resource lists it.
type Participant struct {
	E164Number           string `json:"e164Number"`
	FormattedPhoneNumber string `json:"formattedPhoneNumber"`
	PhoneNumber          string `json:"phoneNumber"`
	Digits               string `json:"digits"`
}

// Call is the GWS call resource, as seen by one device.
type Call struct {
	ID                    string        `json:"id"`
	State                 string        `json:"state"`
	CallUUID              string        `json:"callUuid"`
	ConnID                string        `json:"connId"`
	DeviceURI             string        `json:"deviceUri"`
	Participants          []Participant `json:"participants"`
	ANI                   string        `json:"ani,omitempty"`
	DNIS                  string        `json:"dnis"`
	CallType              CallType      `json:"callType"`
	Capabilities          []string      `json:"capabilities"`
	Duration              string        `json:"duration"`
	Mute                  string        `json:"mute"`
	SupervisorListeningIn bool          `json:"supervisorListeningIn"`
	MonitoredUserMuted    bool          `json:"monitoredUserMuted"`
	Monitoring            bool          `json:"monitoring"`
	ParentCallURI         string        `json:"parentCallUri,omitempty"`
	ParentCallPath        string        `json:"parentCallPath,omitempty"`
	URI                   string        `json:"uri"`
	Path                  string        `json:"path"`
}

// DeviceStateChange is the data of a DeviceStateChangeMessage.
type DeviceStateChange struct {
	MessageType string   `json:"messageType"`
	Devices     []Device `json:"devices"`
}

// CallStateChange is the data of a CallStateChangeMessage.
type CallStateChange struct {
	MessageType      string         `json:"messageType"`
	NotificationType string         `json:"notificationType"`
	Call             Call           `json:"call"`
	PhoneNumber      string         `json:"phoneNumber"`
	Extensions       map[string]int `json:"extensions"`
}

// Notification is one message for one user: Data is a DeviceStateChange or a CallStateChange.
type Notification struct {
	UserID  string
	Channel string
	Data    any
}

// Participant numbers of a call view, in order; handy in tests and logs.
func (c Call) ParticipantNumbers() []string {
	out := make([]string, len(c.Participants))
	for i, p := range c.Participants {
		out[i] = p.PhoneNumber
	}
	return out
}

// HasCapability reports whether the call lists op among its capabilities.
func (c Call) HasCapability(op string) bool { return contains(c.Capabilities, op) }

// HasCapability reports whether the device lists op among its capabilities.
func (d Device) HasCapability(op string) bool { return contains(d.Capabilities, op) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
