package gws

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Receiver is who received a notification: the DNs and device ids of the user's devices (GET /api/v2/me).
type Receiver struct {
	DNs       []string
	DeviceIDs []string
}

// Violation is one way a notification breaks the shapes of SPEC.md §2.1.
type Violation struct {
	// Member is the JSON path of the member at fault, from the data object: "phoneNumber",
	// "call.duration", "devices[0].supervisorMonitoringState.mode".
	Member string
	// Problem says what is wrong, naming what was expected and what arrived.
	Problem string
}

func (v Violation) String() string { return v.Member + ": " + v.Problem }

// Enumerations of SPEC.md §2.1 (the reference's documented values, with the intermediate userState of §10.3).
var (
	callStates         = []string{"Dialing", "Ringing", "Established", "Held", "Released"}
	callTypes          = []string{"Internal", "Inbound", "Outbound", "Consult"}
	onOff              = []string{"On", "Off"}
	recordingStates    = []string{"Stopped", "Recording", "Paused"}
	deviceStates       = []string{"Active", "Inactive"}
	userStates         = []string{"Ready", "NotReady", "LoggedOut", "LoggedIn"}
	telephonyNetworks  = []string{"Private", "Public"}
	monitoringStates   = []string{"ListenIn", "Coach", "BargeIn"}
	monitoringModes    = []string{"NextCall", "AllCalls"}
	monitoringScopes   = []string{"Agent", "Call"}
	voiceChannels      = []string{"/v2/me/calls", "/v2/me/devices"}
	participantStrings = []string{"phoneNumber", "digits", "formattedPhoneNumber", "e164Number", "location"}
)

// Validate checks the data of one notification received on channel by r against the shapes of SPEC.md
// §2.1 and returns every violation found (none: nil). It works on the JSON as received, not on the decoded
// model, so that a member of the wrong JSON type is seen even where the model is lenient (a numeric
// duration). Members it does not name are never a violation (SPEC.md §10.6), nor are message types and
// notificationTypes it does not know (§10.4); optional members are checked only when present.
func Validate(channel string, data []byte, r Receiver) []Violation {
	v := &validator{r: r}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return []Violation{{Member: "(data)", Problem: "expected a JSON object, got invalid JSON: " + err.Error()}}
	}
	obj, ok := root.(map[string]any)
	if !ok {
		return []Violation{{Member: "(data)", Problem: "expected a JSON object, got " + kindOf(root)}}
	}
	mt, present := obj["messageType"]
	switch {
	case !present && slices.Contains(voiceChannels, channel):
		v.add("messageType", "expected a string naming the message, got no member")
	case present:
		v.str(obj, "messageType", "", true)
	}
	switch mt {
	case CallStateChangeMessage:
		v.callMessage(obj)
	case DeviceStateChangeMessage:
		v.deviceMessage(obj)
	case ErrorMessage:
		v.str(obj, "devicePath", "", true)
		v.str(obj, "deviceUri", "", true)
	}
	if _, ok := obj["metrics"]; ok {
		v.object(obj, "metrics", "")
	}
	return v.out
}

type validator struct {
	r   Receiver
	out []Violation
}

func (v *validator) add(member, format string, args ...any) {
	v.out = append(v.out, Violation{Member: member, Problem: fmt.Sprintf(format, args...)})
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// kindOf names a decoded JSON value's type, with the value when it is short.
func kindOf(x any) string {
	switch t := x.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", t)
	case json.Number:
		return "the number " + t.String()
	case bool:
		return fmt.Sprintf("the boolean %t", t)
	case []any:
		return fmt.Sprintf("an array of %d", len(t))
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", x)
}

// str checks that obj[name] is a string (non-empty when nonEmpty); when required, its absence is a
// violation. It returns the string and whether it is one.
func (v *validator) str(obj map[string]any, name, prefix string, required bool) (string, bool) {
	x, ok := obj[name]
	if !ok {
		if required {
			v.add(join(prefix, name), "expected a string, got no member")
		}
		return "", false
	}
	s, ok := x.(string)
	if !ok {
		v.add(join(prefix, name), "expected a string, got %s", kindOf(x))
		return "", false
	}
	return s, true
}

// nonEmpty is str that also refuses "".
func (v *validator) nonEmpty(obj map[string]any, name, prefix string, required bool) (string, bool) {
	s, ok := v.str(obj, name, prefix, required)
	if ok && s == "" {
		v.add(join(prefix, name), `expected a non-empty string, got ""`)
		return "", false
	}
	return s, ok
}

// enum checks that obj[name] is a string among values.
func (v *validator) enum(obj map[string]any, name, prefix string, required bool, values []string) {
	s, ok := v.str(obj, name, prefix, required)
	if ok && !slices.Contains(values, s) {
		v.add(join(prefix, name), "expected one of %s, got %q", strings.Join(values, ", "), s)
	}
}

func (v *validator) boolean(obj map[string]any, name, prefix string) {
	if x, ok := obj[name]; ok {
		if _, isBool := x.(bool); !isBool {
			v.add(join(prefix, name), "expected a boolean, got %s", kindOf(x))
		}
	}
}

func (v *validator) object(obj map[string]any, name, prefix string) (map[string]any, bool) {
	x, ok := obj[name]
	if !ok {
		v.add(join(prefix, name), "expected an object, got no member")
		return nil, false
	}
	o, ok := x.(map[string]any)
	if !ok {
		v.add(join(prefix, name), "expected an object, got %s", kindOf(x))
	}
	return o, ok
}

func (v *validator) array(obj map[string]any, name, prefix string) ([]any, bool) {
	x, ok := obj[name]
	if !ok {
		v.add(join(prefix, name), "expected an array, got no member")
		return nil, false
	}
	a, ok := x.([]any)
	if !ok {
		v.add(join(prefix, name), "expected an array, got %s", kindOf(x))
	}
	return a, ok
}

// stringList checks an array of strings and returns them.
func (v *validator) stringList(obj map[string]any, name, prefix string) ([]string, bool) {
	list, ok := v.array(obj, name, prefix)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(list))
	good := true
	for i, x := range list {
		s, isStr := x.(string)
		if !isStr {
			v.add(fmt.Sprintf("%s[%d]", join(prefix, name), i), "expected a string, got %s", kindOf(x))
			good = false
			continue
		}
		out = append(out, s)
	}
	return out, good
}

func (v *validator) knownDN(dn string) bool { return slices.Contains(v.r.DNs, dn) }

func (v *validator) knownDevice(uri string) bool {
	return slices.Contains(v.r.DeviceIDs, DeviceIDFromURI(uri))
}

func listed(xs []string) string {
	if len(xs) == 0 {
		return "(none known)"
	}
	s := slices.Clone(xs)
	sort.Strings(s)
	return strings.Join(s, ", ")
}

func (v *validator) callMessage(obj map[string]any) {
	v.nonEmpty(obj, "notificationType", "", true)
	if dn, ok := v.str(obj, "phoneNumber", "", true); ok && len(v.r.DNs) > 0 && !v.knownDN(dn) {
		v.add("phoneNumber", "expected the receiving user's DN (%s), got %q", listed(v.r.DNs), dn)
	}
	if _, ok := obj["extensions"]; ok {
		v.object(obj, "extensions", "")
	}
	call, ok := v.object(obj, "call", "")
	if !ok {
		return
	}
	const p = "call"
	v.nonEmpty(call, "id", p, true)
	v.str(call, "callUuid", p, true)
	v.str(call, "connId", p, true)
	if uri, ok := v.nonEmpty(call, "deviceUri", p, true); ok && len(v.r.DeviceIDs) > 0 && !v.knownDevice(uri) {
		v.add("call.deviceUri", "expected a device of the receiving user (%s), got %q", listed(v.r.DeviceIDs), uri)
	}
	state, _ := v.str(call, "state", p, true)
	if state != "" && !slices.Contains(callStates, state) {
		v.add("call.state", "expected one of %s, got %q", strings.Join(callStates, ", "), state)
	}
	v.enum(call, "callType", p, true, callTypes)
	v.enum(call, "mute", p, true, onOff)
	v.enum(call, "recordingState", p, false, recordingStates)
	if caps, ok := v.stringList(call, "capabilities", p); ok && state == "Released" && len(caps) > 0 {
		v.add("call.capabilities", "expected [] on a Released call, got %s", strings.Join(caps, ", "))
	}
	v.duration(call)
	v.participants(call)
	for _, b := range []string{"supervisorListeningIn", "monitoredUserMuted", "monitoring"} {
		v.boolean(call, b, p)
	}
	for _, s := range []string{"dnis", "ani", "parentCallUri", "parentCallPath"} {
		v.str(call, s, p, false)
	}
	v.nonEmpty(call, "uri", p, true)
	v.nonEmpty(call, "path", p, true)
	if _, ok := call["userData"]; ok {
		v.object(call, "userData", p)
	}
}

// duration: a string of whole seconds (SPEC.md §12.8).
func (v *validator) duration(call map[string]any) {
	s, ok := v.str(call, "duration", "call", true)
	if !ok {
		return
	}
	if s == "" || strings.Trim(s, "0123456789") != "" {
		v.add("call.duration", "expected a string of whole seconds, got %q", s)
	}
}

// participants: objects whose phoneNumber is a non-empty string (SPEC.md §12.8).
func (v *validator) participants(call map[string]any) {
	list, ok := v.array(call, "participants", "call")
	if !ok {
		return
	}
	for i, x := range list {
		at := fmt.Sprintf("call.participants[%d]", i)
		o, isObj := x.(map[string]any)
		if !isObj {
			v.add(at, "expected an object {phoneNumber, digits, formattedPhoneNumber, e164Number}, got %s", kindOf(x))
			continue
		}
		v.nonEmpty(o, "phoneNumber", at, true)
		for _, name := range participantStrings[1:] {
			v.str(o, name, at, false)
		}
	}
}

func (v *validator) deviceMessage(obj map[string]any) {
	list, ok := v.array(obj, "devices", "")
	if !ok {
		return
	}
	if len(list) == 0 {
		v.add("devices", "expected at least one device, got an empty array")
	}
	for i, x := range list {
		at := fmt.Sprintf("devices[%d]", i)
		d, isObj := x.(map[string]any)
		if !isObj {
			v.add(at, "expected a device object, got %s", kindOf(x))
			continue
		}
		v.device(d, at)
	}
}

func (v *validator) device(d map[string]any, at string) {
	if id, ok := v.nonEmpty(d, "id", at, true); ok && len(v.r.DeviceIDs) > 0 && !slices.Contains(v.r.DeviceIDs, id) {
		v.add(join(at, "id"), "expected a device of the receiving user (%s), got %q", listed(v.r.DeviceIDs), id)
	}
	if dn, ok := v.str(d, "phoneNumber", at, true); ok && len(v.r.DNs) > 0 && !v.knownDN(dn) {
		v.add(join(at, "phoneNumber"), "expected the receiving user's DN (%s), got %q", listed(v.r.DNs), dn)
	}
	state, _ := v.str(d, "deviceState", at, true)
	if state != "" && !slices.Contains(deviceStates, state) {
		v.add(join(at, "deviceState"), "expected one of %s, got %q", strings.Join(deviceStates, ", "), state)
	}
	v.enum(d, "telephonyNetwork", at, true, telephonyNetworks)
	v.enum(d, "doNotDisturb", at, true, onOff)
	v.stringList(d, "capabilities", at)
	v.str(d, "forwardTo", at, false)
	v.str(d, "e164Number", at, false)
	v.str(d, "voiceEnvironmentUri", at, false)
	// An Inactive device has no userState (SPEC.md §11.1); any other has one.
	if _, has := d["userState"]; has || state != "Inactive" {
		if us, ok := v.object(d, "userState", at); ok {
			p := join(at, "userState")
			v.enum(us, "state", p, true, userStates)
			v.str(us, "id", p, false)
			v.str(us, "displayName", p, false)
			v.str(us, "workMode", p, false)
		}
	}
	if x, has := d["supervisorMonitoringState"]; has {
		p := join(at, "supervisorMonitoringState")
		ms, isObj := x.(map[string]any)
		if !isObj {
			v.add(p, "expected an object {state, mode, scope, targetDeviceUri}, or no member, got %s", kindOf(x))
			return
		}
		v.enum(ms, "state", p, true, monitoringStates)
		v.enum(ms, "mode", p, true, monitoringModes)
		v.enum(ms, "scope", p, true, monitoringScopes)
		// Empty when the subscription names only a routing point's phoneNumber (SPEC.md §3).
		v.str(ms, "targetDeviceUri", p, true)
	}
}
