package eventlog

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestCompareJSON(t *testing.T) {
	tests := []struct {
		name     string
		want     string
		got      string
		mode     ArrayMode
		mismatch []string // substrings of the rendered mismatches, in order; none means a match
	}{
		{name: "equal objects", want: `{"a":1,"b":"x"}`, got: `{"b":"x","a":1}`},
		{name: "extra actual members never fail", want: `{"a":1}`, got: `{"a":1,"b":{"c":[1,2]}}`},
		{name: "empty object matches any object", want: `{}`, got: `{"a":1}`},
		{name: "missing member", want: `{"a":1,"b":2}`, got: `{"a":1}`, mismatch: []string{`data.b: want 2, got (absent)`}},
		{name: "nested value differs", want: `{"call":{"state":"Established"}}`, got: `{"call":{"state":"Ringing","id":"c1"}}`,
			mismatch: []string{`data.call.state: want "Established", got "Ringing"`}},
		{name: "mismatches are listed by sorted key", want: `{"z":1,"a":2}`, got: `{"z":0,"a":0}`,
			mismatch: []string{`data.a: want 2, got 0`, `data.z: want 1, got 0`}},
		{name: "null matches an absent member", want: `{"supervisorMonitoringState":null}`, got: `{"id":"d1"}`},
		{name: "null matches a null member", want: `{"x":null}`, got: `{"x":null}`},
		{name: "null rejects a present value", want: `{"devices":[{"supervisorMonitoringState":null}]}`,
			got:      `{"devices":[{"supervisorMonitoringState":{"state":"ListenIn"}}]}`,
			mismatch: []string{`data.devices[0].supervisorMonitoringState: want null or absent, got {"state":"ListenIn"}`}},
		{name: "string vs number", want: `{"duration":"0"}`, got: `{"duration":0}`,
			mismatch: []string{`data.duration: want "0", got 0 (want a string, got a number)`}},
		{name: "number vs string", want: `{"n":1}`, got: `{"n":"1"}`, mismatch: []string{`want a number, got a string`}},
		{name: "numbers compare numerically", want: `{"n":1,"m":2.50,"k":1e2}`, got: `{"n":1.0,"m":2.5,"k":100}`},
		{name: "numbers differ", want: `{"n":1}`, got: `{"n":1.5}`, mismatch: []string{`data.n: want 1, got 1.5`}},
		{name: "booleans", want: `{"monitoring":true}`, got: `{"monitoring":false}`, mismatch: []string{`want true, got false`}},
		{name: "boolean vs string", want: `{"monitoring":true}`, got: `{"monitoring":"true"}`, mismatch: []string{`want a boolean, got a string`}},
		{name: "object vs array", want: `{"call":{}}`, got: `{"call":[]}`, mismatch: []string{`want an object, got an array`}},
		{name: "object vs null", want: `{"call":{"id":"x"}}`, got: `{"call":null}`, mismatch: []string{`want an object, got null`}},
		{name: "top-level kind differs", want: `{"a":1}`, got: `[1]`, mismatch: []string{`data: want {"a":1}, got [1]`}},
		{name: "odd keys are quoted in paths", want: `{"a-b":{"c d":1}}`, got: `{"a-b":{"c d":2}}`,
			mismatch: []string{`data["a-b"]["c d"]: want 1, got 2`}},

		{name: "contains: subset in any order", want: `["Hangup","Answer"]`, got: `["Answer","Hold","Hangup"]`},
		{name: "contains: needs distinct elements", want: `["Hangup","Hangup"]`, got: `["Hangup","Hold"]`,
			mismatch: []string{`data: want an element "Hangup", got ["Hangup","Hold"] (expected element 1 has no match)`}},
		{name: "contains: missing scalar shows the whole array", want: `{"capabilities":["SwitchToBargeIn"]}`, got: `{"capabilities":["Hangup"]}`,
			mismatch: []string{`data.capabilities: want an element "SwitchToBargeIn", got ["Hangup"]`}},
		{name: "contains: objects as subsets", want: `{"participants":[{"phoneNumber":"5001"},{"phoneNumber":"5000"}]}`,
			got: `{"participants":[{"phoneNumber":"5000","digits":"5000"},{"phoneNumber":"5001","digits":"5001"}]}`},
		{name: "contains: pairing needs an augmenting path", want: `[{"a":1},{"a":1,"b":2}]`, got: `[{"a":1,"b":2},{"a":1}]`},
		{name: "contains: unmatched object explained against the nearest element",
			want:     `{"participants":[{"phoneNumber":"5002","digits":"5002"}]}`,
			got:      `{"participants":[{"phoneNumber":"9","digits":"9","x":1},{"phoneNumber":"5001","digits":"5002"}]}`,
			mismatch: []string{`data.participants[1].phoneNumber: want "5002", got "5001" (expected element 0 has no match; nearest is element 1)`}},
		{name: "contains: nothing left to pair", want: `[{"a":1},{"a":2}]`, got: `[{"a":1}]`,
			mismatch: []string{`expected element 1 has no match and no element is left`}},
		{name: "empty expected array matches only an empty array", want: `{"capabilities":[]}`, got: `{"capabilities":["Hangup"]}`,
			mismatch: []string{`data.capabilities: want [], got ["Hangup"] (expected an empty array)`}},
		{name: "empty matches empty", want: `{"capabilities":[]}`, got: `{"capabilities":[]}`},
		{name: "array vs object", want: `{"devices":[{}]}`, got: `{"devices":{}}`, mismatch: []string{`want an array, got an object`}},

		{name: "same elements: order free", mode: ArraySameElements, want: `["a","b"]`, got: `["b","a"]`},
		{name: "same elements: extra element fails", mode: ArraySameElements, want: `["a","b"]`, got: `["b","a","c"]`,
			mismatch: []string{`data: want 2 elements, got 3 elements: ["b","a","c"]`}},
		{name: "same elements: applies to nested arrays", mode: ArraySameElements,
			want: `{"call":{"capabilities":["Hangup"]}}`, got: `{"call":{"capabilities":["Hangup","Hold"]}}`,
			mismatch: []string{`data.call.capabilities: want 1 elements, got 2 elements`}},

		{name: "ordered: same order", mode: ArrayOrdered, want: `["a",{"x":1}]`, got: `["a",{"x":1,"y":2}]`},
		{name: "ordered: swapped", mode: ArrayOrdered, want: `["a","b"]`, got: `["b","a"]`,
			mismatch: []string{`data[0]: want "a", got "b"`, `data[1]: want "b", got "a"`}},
		{name: "ordered: too short", mode: ArrayOrdered, want: `["a","b"]`, got: `["a"]`,
			mismatch: []string{`data: want 2 elements, got 1 elements`, `data[1]: want "b", got (absent)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mm, err := CompareJSON("data", []byte(tt.want), []byte(tt.got), tt.mode)
			if err != nil {
				t.Fatalf("CompareJSON: %v", err)
			}
			if len(tt.mismatch) == 0 {
				if len(mm) != 0 {
					t.Fatalf("want a match, got mismatches %v", mm)
				}
				return
			}
			if len(mm) != len(tt.mismatch) {
				t.Fatalf("want %d mismatch(es) %q, got %d: %v", len(tt.mismatch), tt.mismatch, len(mm), mm)
			}
			for i, want := range tt.mismatch {
				if got := mm[i].String(); !strings.Contains(got, want) {
					t.Errorf("mismatch %d = %q, want it to contain %q", i, got, want)
				}
			}
		})
	}
}

func TestCompareJSONRejectsBadInput(t *testing.T) {
	if _, err := CompareJSON("data", []byte(`{"a":`), []byte(`{}`), ArrayContains); !errors.Is(err, ErrBadExpectation) {
		t.Errorf("bad expected JSON: err = %v, want ErrBadExpectation", err)
	}
	if _, err := CompareJSON("data", []byte(`{} {}`), []byte(`{}`), ArrayContains); !errors.Is(err, ErrBadExpectation) {
		t.Errorf("trailing data: err = %v, want ErrBadExpectation", err)
	}
	_, err := CompareJSON("data", []byte(`{}`), []byte(`nope`), ArrayContains)
	if err == nil || errors.Is(err, ErrBadExpectation) {
		t.Errorf("bad actual JSON: err = %v, want a non-expectation error", err)
	}
	if _, err := JSONSubset([]byte(``), ArrayContains); !errors.Is(err, ErrBadExpectation) {
		t.Errorf("empty expectation: err = %v", err)
	}
	if _, err := Notification(Expect{Data: json.RawMessage(`[`)}); !errors.Is(err, ErrBadExpectation) {
		t.Errorf("Notification with bad data: err = %v", err)
	}
}

func entry(channel, data string) Entry {
	return Entry{Seq: 1, Role: "supervisor1", Channel: channel, Data: json.RawMessage(data)}
}

const ringing = `{"messageType":"CallStateChangeMessage","notificationType":"StatusChange",` +
	`"call":{"id":"c1","state":"Ringing","capabilities":["Answer"]},"phoneNumber":"5005"}`

func TestNotificationMatcher(t *testing.T) {
	m := MustNotification(Expect{
		Channel:          "/v2/me/calls",
		MessageType:      "CallStateChangeMessage",
		NotificationType: "StatusChange",
		Data:             json.RawMessage(`{"call":{"state":"Ringing"}}`),
	})
	tests := []struct {
		name     string
		e        Entry
		mismatch []string
	}{
		{"matches", entry("/v2/me/calls", ringing), nil},
		{"wrong channel", entry("/v2/me/devices", ringing), []string{`channel: want "/v2/me/calls", got "/v2/me/devices"`}},
		{"wrong notification type", entry("/v2/me/calls", strings.Replace(ringing, `"StatusChange"`, `"ParticipantsUpdated"`, 1)),
			[]string{`data.notificationType: want "StatusChange", got "ParticipantsUpdated"`}},
		{"wrong message type and state", entry("/v2/me/calls", `{"messageType":"DeviceStateChangeMessage","call":{"state":"Released"}}`),
			[]string{`data.messageType: want "CallStateChangeMessage"`, `data.notificationType: want "StatusChange", got (absent)`, `data.call.state: want "Ringing", got "Released"`}},
		{"data not JSON", entry("/v2/me/calls", `garbage`), []string{`data: want valid JSON`, `data: want valid JSON`, `data: want valid JSON`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mm := m.Mismatches(tt.e)
			if len(mm) != len(tt.mismatch) {
				t.Fatalf("got %d mismatches %v, want %q", len(mm), mm, tt.mismatch)
			}
			for i, want := range tt.mismatch {
				if !strings.Contains(mm[i].String(), want) {
					t.Errorf("mismatch %d = %q, want it to contain %q", i, mm[i], want)
				}
			}
		})
	}
	wantDesc := `channel=/v2/me/calls and messageType=CallStateChangeMessage and notificationType=StatusChange and data contains {"call":{"state":"Ringing"}}`
	if m.String() != wantDesc {
		t.Errorf("String() = %q, want %q", m.String(), wantDesc)
	}
	if anything := MustNotification(Expect{}); !Matches(anything, entry("/x", `1`)) || anything.String() != "any notification" {
		t.Errorf("empty Expect should match anything, described as %q", anything.String())
	}
	exact := MustNotification(Expect{Data: json.RawMessage(`{"call":{"capabilities":["Answer","Hangup"]}}`), Arrays: ArraySameElements})
	if Matches(exact, entry("/v2/me/calls", ringing)) {
		t.Error("ArraySameElements should require both capabilities")
	}
	if !strings.Contains(exact.String(), "(arrays: same elements)") {
		t.Errorf("description should name the array mode: %q", exact.String())
	}
}

func TestMustNotificationPanicsOnBadData(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustNotification did not panic on invalid JSON")
		}
	}()
	MustNotification(Expect{Data: json.RawMessage(`{`)})
}

func TestCombinators(t *testing.T) {
	calls, devices := ChannelIs("/v2/me/calls"), ChannelIs("/v2/me/devices")
	ringingState := MustNotification(Expect{Data: json.RawMessage(`{"call":{"state":"Ringing"}}`)})
	e := entry("/v2/me/calls", ringing)
	tests := []struct {
		name  string
		m     Matcher
		match bool
		desc  string
	}{
		{"all true", All(calls, ringingState), true, `channel=/v2/me/calls and data contains {"call":{"state":"Ringing"}}`},
		{"all with one false", All(calls, devices), false, ""},
		{"any with one true", AnyOf(devices, calls), true, `any of (channel=/v2/me/devices) or (channel=/v2/me/calls)`},
		{"any all false", AnyOf(devices, ChannelIs("/x")), false, ""},
		{"any of nothing", AnyOf(), false, ""},
		{"not of a match", Not(calls), false, `not (channel=/v2/me/calls)`},
		{"not of a miss", Not(devices), true, ""},
		{"where true", Where("has data", func(e Entry) bool { return len(e.Data) > 0 }), true, "has data"},
		{"where false", Where("role is agent1", func(e Entry) bool { return e.Role == "agent1" }), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mm := tt.m.Mismatches(e)
			if got := len(mm) == 0; got != tt.match {
				t.Fatalf("match = %v, want %v (mismatches %v)", got, tt.match, mm)
			}
			if tt.desc != "" && tt.m.String() != tt.desc {
				t.Errorf("String() = %q, want %q", tt.m.String(), tt.desc)
			}
		})
	}
	// AnyOf reports the closest alternative.
	mm := AnyOf(All(devices, ChannelIs("/y")), ChannelIs("/z")).Mismatches(e)
	if len(mm) != 1 || !strings.Contains(mm[0].String(), `"/z"`) {
		t.Errorf("AnyOf should report the alternative with fewest mismatches, got %v", mm)
	}
}
