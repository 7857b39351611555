package voice

// The types in this file are the wire shapes of the GWS v2 resources and notifications. They are plain values:
// every view is a fresh copy built from the core's state, safe to hand to another goroutine.

// UserState is a device's agent state. ID and DisplayName are empty only in the intermediate LoggedIn state
// (behaviour.md §11.2); Reason and ReasonCode are the ones a NotReady request gave (§11.3).
type UserState struct {
	ID          string `json:"id,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	State       string `json:"state"`
	WorkMode    string `json:"workMode,omitempty"` // AfterCallWork or AuxWork
	Reason      string `json:"reason,omitempty"`
	ReasonCode  string `json:"reasonCode,omitempty"`
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
	UserState                 *UserState       `json:"userState,omitempty"` // nil on an Inactive device
	PhoneNumber               string           `json:"phoneNumber"`
	E164Number                string           `json:"e164Number"`
	TelephonyNetwork          string           `json:"telephonyNetwork"`
	DoNotDisturb              string           `json:"doNotDisturb"`
	VoiceEnvironmentURI       string           `json:"voiceEnvironmentUri"`
	ForwardTo                 string           `json:"forwardTo,omitempty"`
	Capabilities              []Operation      `json:"capabilities"`
	SupervisorMonitoringState *MonitoringState `json:"supervisorMonitoringState,omitempty"`
}

// Participant is one other party of a call as a call resource lists it (behaviour.md §12.8).
type Participant struct {
	E164Number           string   `json:"e164Number"`
	FormattedPhoneNumber string   `json:"formattedPhoneNumber"`
	PhoneNumber          string   `json:"phoneNumber"`
	Digits               string   `json:"digits"`
	Country              *Country `json:"country,omitempty"`
}

// Country is the country of an external participant's number.
type Country struct {
	Name        string `json:"name"`
	Code        string `json:"code"`
	CallingCode string `json:"callingCode"`
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
	Capabilities          []Operation   `json:"capabilities"`
	UserData              UserData      `json:"userData,omitempty"`
	Duration              string        `json:"duration"`
	Mute                  string        `json:"mute"`
	SupervisorListeningIn bool          `json:"supervisorListeningIn"`
	MonitoredUserMuted    bool          `json:"monitoredUserMuted"`
	Monitoring            bool          `json:"monitoring"`
	RecordingState        string        `json:"recordingState,omitempty"`
	ParentCallURI         string        `json:"parentCallUri,omitempty"`
	ParentCallPath        string        `json:"parentCallPath,omitempty"`
	URI                   string        `json:"uri"`
	Path                  string        `json:"path"`
}

// DeviceStateChange is the data of a DeviceStateChangeMessage.
type DeviceStateChange struct {
	MessageType string   `json:"messageType"`
	Devices     []Device `json:"devices"`
	Metrics     *Metrics `json:"metrics,omitempty"`
}

// CallStateChange is the data of a CallStateChangeMessage.
type CallStateChange struct {
	MessageType      string         `json:"messageType"`
	NotificationType string         `json:"notificationType"`
	Call             Call           `json:"call"`
	PhoneNumber      string         `json:"phoneNumber"`
	Extensions       map[string]any `json:"extensions,omitempty"` // absent on AttachedDataChanged
	Metrics          *Metrics       `json:"metrics,omitempty"`
}

// ErrorMessage is the data of the ErrorMessage a device request that failed in the back end causes
// (behaviour.md §11.8): which device, and nothing about the error, which the HTTP reply carries.
type ErrorMessage struct {
	MessageType string   `json:"messageType"`
	DevicePath  string   `json:"devicePath"`
	DeviceURI   string   `json:"deviceUri"`
	Metrics     *Metrics `json:"metrics,omitempty"`
}

// Metrics is the metrics member live GWS puts on every notification (behaviour.md §12.8).
type Metrics struct {
	EventProcessing EventProcessing `json:"eventProcessing"`
}

// EventProcessing is the content of Metrics.
type EventProcessing struct {
	NodeProcessingTimeNanos     int64 `json:"nodeProcessingTimeNanos"`
	ServerGenerationTimestamp   int64 `json:"serverGenerationTimestamp"` // ms since 1970, the core's clock
	ServerProcessingTimeTotalMs int64 `json:"serverProcessingTimeTotalMs"`
}

// Notification is one message for one user: Data is a DeviceStateChange, a CallStateChange or an
// ErrorMessage.
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
func (c Call) HasCapability(op Operation) bool { return contains(c.Capabilities, op) }

// HasCapability reports whether the device lists op among its capabilities.
func (d Device) HasCapability(op Operation) bool { return contains(d.Capabilities, op) }

func contains[T comparable](list []T, s T) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
