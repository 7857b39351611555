package steps

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/coachsim/coachsim/steps/internal/eventlog"
)

func callEntry(kind, id, state string, extra string) eventlog.Entry {
	data := `{"messageType":"CallStateChangeMessage","notificationType":"` + kind + `","phoneNumber":"5001",` +
		`"call":{"id":"` + id + `","state":"` + state + `"` + extra + `}}`
	return eventlog.Entry{Channel: "/v2/me/calls", Data: json.RawMessage(data)}
}

func deviceEntry(id string, extra string) eventlog.Entry {
	data := `{"messageType":"DeviceStateChangeMessage","devices":[{"id":"` + id + `","deviceState":"Active",` +
		`"userState":{"id":"x","displayName":"Not Ready","state":"NotReady"},"doNotDisturb":"Off"` + extra + `}]}`
	return eventlog.Entry{Channel: "/v2/me/devices", Data: json.RawMessage(data)}
}

const (
	twoParties   = `,"participants":[{"phoneNumber":"5000"},{"phoneNumber":"5001"}],"capabilities":["Hangup","Hold"]`
	threeParties = `,"participants":[{"phoneNumber":"5001"},{"phoneNumber":"5000"},{"phoneNumber":"5005"}],"capabilities":["Hold","Hangup"]`
	listenIn     = `,"supervisorMonitoringState":{"state":"ListenIn","mode":"AllCalls","scope":"Call","targetDeviceUri":"http://a/api/v2/devices/d1"}`
)

// TestChangeDetectors: each named change fails on the change it names, measured against the role's last
// view, and never on what SPEC.md §10 allows (repeats, AttachedDataChanged, data-only changes, other kinds).
func TestChangeDetectors(t *testing.T) {
	login := json.RawMessage(`{"id":"d9","deviceState":"Active","userState":{"state":"NotReady"},"doNotDisturb":"Off","capabilities":[]}`)
	tests := []struct {
		name    string
		kind    changeKind
		history []eventlog.Entry // the role's view before the checked entry
		entry   eventlog.Entry
		want    string // substring of the change; "" means no change
	}{
		{"new call: a call never seen", changeNewCall, nil, callEntry("StatusChange", "c1", "Ringing", ""), "a call it did not have: c1"},
		{"new call: a known call changing", changeNewCall, []eventlog.Entry{callEntry("StatusChange", "c1", "Ringing", "")},
			callEntry("StatusChange", "c1", "Established", ""), ""},
		{"release: Established to Released", changeRelease, []eventlog.Entry{callEntry("StatusChange", "c1", "Established", "")},
			callEntry("StatusChange", "c1", "Released", ""), `call c1: state "Established" -> "Released"`},
		{"release: repeated Released", changeRelease, []eventlog.Entry{callEntry("StatusChange", "c1", "Released", "")},
			callEntry("StatusChange", "c1", "Released", ""), ""},
		{"release: another state", changeRelease, []eventlog.Entry{callEntry("StatusChange", "c1", "Established", "")},
			callEntry("StatusChange", "c1", "Held", ""), ""},
		{"calls: repeated snapshot, participants and capabilities in another order", changeCalls,
			[]eventlog.Entry{callEntry("StatusChange", "c1", "Established", twoParties)},
			callEntry("StatusChange", "c1", "Established", `,"participants":[{"phoneNumber":"5001"},{"phoneNumber":"5000"}],"capabilities":["Hold","Hangup"]`), ""},
		{"calls: AttachedDataChanged changes only data and duration", changeCalls,
			[]eventlog.Entry{callEntry("StatusChange", "c1", "Established", twoParties+`,"duration":"3"`)},
			callEntry("AttachedDataChanged", "c1", "Established", twoParties+`,"duration":"9","userData":{"k":"v"},"metrics":{"x":1}`), ""},
		{"calls: mute changes", changeCalls,
			[]eventlog.Entry{callEntry("StatusChange", "c1", "Established", `,"mute":"On"`)},
			callEntry("StatusChange", "c1", "Established", `,"mute":"Off"`), `call c1: mute: "On" -> "Off"`},
		{"calls: a capability added", changeCalls,
			[]eventlog.Entry{callEntry("StatusChange", "c1", "Established", twoParties)},
			callEntry("StatusChange", "c1", "Established", `,"participants":[{"phoneNumber":"5000"},{"phoneNumber":"5001"}],"capabilities":["Hangup","Hold","SwitchToBargeIn"]`),
			`capabilities: ["Hangup","Hold"] -> ["Hangup","Hold","SwitchToBargeIn"]`},
		{"calls: a new call", changeCalls, []eventlog.Entry{callEntry("StatusChange", "c1", "Established", "")},
			callEntry("StatusChange", "c2", "Ringing", ""), "a call it did not have: c2"},
		{"participants: somebody added", changeParticipants,
			[]eventlog.Entry{callEntry("StatusChange", "c1", "Established", twoParties)},
			callEntry("ParticipantsUpdated", "c1", "Established", threeParties), `participants ["5000","5001"] -> ["5000","5001","5005"]`},
		{"participants: state changes, participants do not", changeParticipants,
			[]eventlog.Entry{callEntry("StatusChange", "c1", "Established", twoParties)},
			callEntry("StatusChange", "c1", "Held", twoParties), ""},
		{"participants: first sight of a call is its state", changeParticipants, nil,
			callEntry("StatusChange", "c1", "Established", threeParties), ""},
		{"subscription: none at login, one appears", changeSubscription, nil, deviceEntry("d9", listenIn), `supervisorMonitoringState (absent) -> {"mode":"AllCalls"`},
		{"subscription: repeated with another host in the target URI", changeSubscription, []eventlog.Entry{deviceEntry("d9", listenIn)},
			deviceEntry("d9", strings.Replace(listenIn, "http://a/", "https://b:8443/", 1)), ""},
		{"subscription: cancelled", changeSubscription, []eventlog.Entry{deviceEntry("d9", listenIn)}, deviceEntry("d9", ""),
			`-> (absent)`},
		{"subscription: agent state changes are not the subscription", changeSubscription, nil,
			deviceEntry("d9", `,"doNotDisturb":"On"`), ""},
		{"anything: repeated device at login state", changeAnything, nil, deviceEntry("d9", `,"capabilities":[]`), ""},
		{"anything: own device changes", changeAnything, nil, deviceEntry("d9", `,"capabilities":[],"userState":{"state":"Ready"}`),
			`userState: {"state":"NotReady","workMode":null} -> {"state":"Ready","workMode":null}`},
		{"anything: a device that is not its own", changeAnything, nil, deviceEntry("d1", ""), `device "d1", which is not its own`},
		{"anything: a call", changeAnything, nil, callEntry("StatusChange", "c1", "Ringing", ""), "a call it did not have"},
		{"anything: unknown message kinds", changeAnything, nil,
			eventlog.Entry{Channel: "/v2/me/channels", Data: json.RawMessage(`{"messageType":"VendorDiagnosticsMessage","devices":[{"id":"zz"}]}`)}, ""},
		{"anything: an ErrorMessage", changeAnything, nil,
			eventlog.Entry{Channel: "/v2/me/calls", Data: json.RawMessage(`{"messageType":"ErrorMessage","errorMessage":"x"}`)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newChangeDetector(tt.kind, &Actor{Role: "supervisor1", DeviceID: "d9", LoginDevice: login})
			for _, e := range tt.history {
				d.Observe(e)
			}
			got := d.Observe(tt.entry)
			if tt.want == "" && got != "" {
				t.Fatalf("change %q, want none", got)
			}
			if tt.want != "" && !strings.Contains(got, tt.want) {
				t.Fatalf("change %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

// TestEveryPhraseIsClassified: a new phrase must say whether it is an action, or the action windows would
// silently start in the wrong place.
func TestEveryPhraseIsClassified(t *testing.T) {
	v, err := vocabulary()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range v.Phrases {
		if actionPhrases[p.ID] == otherPhrases[p.ID] {
			t.Errorf("phrase %s %s must be in exactly one of actionPhrases and otherPhrases (steps/changes.go)", p.ID, p.Pattern)
		}
	}
}

func TestParseChange(t *testing.T) {
	for _, words := range []string{"new call", "release of their call", "change to their call's participants", "change of any kind"} {
		if _, err := parseChange(words); err != nil {
			t.Errorf("parseChange(%q): %v", words, err)
		}
	}
	if _, err := parseChange("change to its mood"); err == nil {
		t.Error("parseChange accepted an unknown change")
	}
}
