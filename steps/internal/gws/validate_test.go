package gws_test

import (
	"encoding/json"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/steps/internal/gws"
)

// edit decodes a JSON object, applies fn to it and encodes it again.
func edit(data string, fn func(m map[string]any)) string {
	var m map[string]any
	Expect(json.Unmarshal([]byte(data), &m)).To(Succeed())
	fn(m)
	out, err := json.Marshal(m)
	Expect(err).NotTo(HaveOccurred())
	return string(out)
}

func sub(m map[string]any, path ...string) map[string]any {
	for _, p := range path {
		m = m[p].(map[string]any)
	}
	return m
}

const agentDevice = "631608b3-ceb1-472b-ba05-2ae39555b0d1" // the device of call_established.json

var _ = Describe("Validate", func() {
	receiver := gws.Receiver{DNs: []string{"5001"}, DeviceIDs: []string{agentDevice}}
	supervisor := gws.Receiver{DNs: []string{"5005"}, DeviceIDs: []string{"efe1ab32-53f9-43ce-b65e-5768c61f7d4a"}}
	call := func() string {
		return `{"notificationType":"StatusChange","call":` + sample("call_established.json") +
			`,"phoneNumber":"5001","extensions":{"BusinessCall":0},"messageType":"CallStateChangeMessage"}`
	}
	device := func() string {
		return `{"messageType":"DeviceStateChangeMessage","devices":[` + sample("device_supervisor.json") + `]}`
	}
	members := func(vs []gws.Violation) []string {
		out := []string{}
		for _, v := range vs {
			out = append(out, v.Member)
		}
		return out
	}

	It("accepts the documented samples, live members and vendor extensions", func() {
		Expect(gws.Validate("/v2/me/calls", []byte(call()), receiver)).To(BeEmpty())
		Expect(gws.Validate("/v2/me/devices", []byte(device()), supervisor)).To(BeEmpty())
		live := edit(call(), func(m map[string]any) {
			m["metrics"] = map[string]any{"eventProcessing": map[string]any{"serverProcessingTimeTotalMs": -1}}
			m["extensions"] = map[string]any{"OriginationDN": "1003", "NO_ANSWER_TIMEOUT": 15}
			m["vendorOnly"] = []any{1, "two"}
			c := sub(m, "call")
			c["case"] = []any{}
			c["recordingState"] = "Paused"
			c["userData"] = map[string]any{"WWE_PARTY_1003": map[string]any{"username": "test1"}, "n": 3}
			c["vendorFlag"] = 12
		})
		Expect(gws.Validate("/v2/me/calls", []byte(live), receiver)).To(BeEmpty())
	})

	It("accepts unknown message types, ErrorMessage, and data without messageType off the voice channels", func() {
		Expect(gws.Validate("/v2/me/calls", []byte(`{"messageType":"VendorMessage","call":7}`), receiver)).To(BeEmpty())
		Expect(gws.Validate("/v2/me/devices", []byte(`{"messageType":"ErrorMessage","devicePath":"/devices/d",`+
			`"deviceUri":"http://h/api/v2/devices/d","metrics":{}}`), receiver)).To(BeEmpty())
		Expect(gws.Validate("/v2/me/channels", []byte(`{"channels":[]}`), receiver)).To(BeEmpty())
	})

	It("accepts the intermediate and Inactive devices of §10.3 and §11.1", func() {
		loggedIn := edit(device(), func(m map[string]any) {
			d := m["devices"].([]any)[0].(map[string]any)
			d["userState"] = map[string]any{"state": "LoggedIn"}
			delete(d, "supervisorMonitoringState")
		})
		Expect(gws.Validate("/v2/me/devices", []byte(loggedIn), supervisor)).To(BeEmpty())
		inactive := edit(device(), func(m map[string]any) {
			d := m["devices"].([]any)[0].(map[string]any)
			d["deviceState"] = "Inactive"
			delete(d, "userState")
		})
		Expect(gws.Validate("/v2/me/devices", []byte(inactive), supervisor)).To(BeEmpty())
	})

	DescribeTable("names each violation of a call notification",
		func(fn func(m map[string]any), member, problem string) {
			vs := gws.Validate("/v2/me/calls", []byte(edit(call(), fn)), receiver)
			Expect(members(vs)).To(Equal([]string{member}), "%v", vs)
			Expect(vs[0].Problem).To(ContainSubstring(problem))
		},
		Entry("another user's DN", func(m map[string]any) { m["phoneNumber"] = "5002" },
			"phoneNumber", `expected the receiving user's DN (5001), got "5002"`),
		Entry("no phoneNumber", func(m map[string]any) { delete(m, "phoneNumber") }, "phoneNumber", "got no member"),
		Entry("a numeric phoneNumber", func(m map[string]any) { m["phoneNumber"] = 5001 }, "phoneNumber", "the number 5001"),
		Entry("no notificationType", func(m map[string]any) { delete(m, "notificationType") }, "notificationType", "no member"),
		Entry("a numeric duration", func(m map[string]any) { sub(m, "call")["duration"] = 7 },
			"call.duration", "expected a string, got the number 7"),
		Entry("a fractional duration string", func(m map[string]any) { sub(m, "call")["duration"] = "7.5" },
			"call.duration", "whole seconds"),
		Entry("no duration", func(m map[string]any) { delete(sub(m, "call"), "duration") }, "call.duration", "no member"),
		Entry("capabilities a string", func(m map[string]any) { sub(m, "call")["capabilities"] = "Hangup" },
			"call.capabilities", "expected an array"),
		Entry("a capability not a string", func(m map[string]any) { sub(m, "call")["capabilities"] = []any{"Hangup", 3} },
			"call.capabilities[1]", "the number 3"),
		Entry("capabilities on a Released call", func(m map[string]any) { sub(m, "call")["state"] = "Released" },
			"call.capabilities", "expected [] on a Released call"),
		Entry("an unknown call state", func(m map[string]any) { sub(m, "call")["state"] = "Completed" },
			"call.state", `got "Completed"`),
		Entry("an unknown callType", func(m map[string]any) { sub(m, "call")["callType"] = "internal" },
			"call.callType", "Internal, Inbound, Outbound, Consult"),
		Entry("mute a boolean", func(m map[string]any) { sub(m, "call")["mute"] = false }, "call.mute", "the boolean false"),
		Entry("an unknown recordingState", func(m map[string]any) { sub(m, "call")["recordingState"] = "On" },
			"call.recordingState", `got "On"`),
		Entry("a participant as a bare string", func(m map[string]any) { sub(m, "call")["participants"] = []any{"5002"} },
			"call.participants[0]", "expected an object"),
		Entry("a participant without phoneNumber", func(m map[string]any) {
			sub(m, "call")["participants"] = []any{map[string]any{"digits": "5002"}}
		}, "call.participants[0].phoneNumber", "no member"),
		Entry("participants an object", func(m map[string]any) { sub(m, "call")["participants"] = map[string]any{} },
			"call.participants", "expected an array, got an object"),
		Entry("a flag as a string", func(m map[string]any) { sub(m, "call")["monitoring"] = "false" },
			"call.monitoring", "expected a boolean"),
		Entry("another user's device", func(m map[string]any) {
			sub(m, "call")["deviceUri"] = "http://h/api/v2/devices/someone-else"
		}, "call.deviceUri", "a device of the receiving user"),
		Entry("userData an array", func(m map[string]any) { sub(m, "call")["userData"] = []any{} }, "call.userData", "an object"),
		Entry("extensions a string", func(m map[string]any) { m["extensions"] = "BusinessCall" }, "extensions", "an object"),
		Entry("no call", func(m map[string]any) { delete(m, "call") }, "call", "expected an object, got no member"),
	)

	DescribeTable("names each violation of a device notification",
		func(fn func(d map[string]any), member, problem string) {
			data := edit(device(), func(m map[string]any) { fn(m["devices"].([]any)[0].(map[string]any)) })
			vs := gws.Validate("/v2/me/devices", []byte(data), supervisor)
			Expect(members(vs)).To(Equal([]string{member}), "%v", vs)
			Expect(vs[0].Problem).To(ContainSubstring(problem))
		},
		Entry("another user's DN", func(d map[string]any) { d["phoneNumber"] = "5001" },
			"devices[0].phoneNumber", "receiving user's DN (5005)"),
		Entry("another user's device", func(d map[string]any) { d["id"] = "x" }, "devices[0].id", "a device of the receiving user"),
		Entry("an unknown deviceState", func(d map[string]any) { d["deviceState"] = "Up" }, "devices[0].deviceState", "Active, Inactive"),
		Entry("an unknown agent state", func(d map[string]any) { sub(d, "userState")["state"] = "Busy" },
			"devices[0].userState.state", `got "Busy"`),
		Entry("an Active device without userState", func(d map[string]any) { delete(d, "userState") },
			"devices[0].userState", "no member"),
		Entry("doNotDisturb a boolean", func(d map[string]any) { d["doNotDisturb"] = true }, "devices[0].doNotDisturb", "boolean"),
		Entry("an unknown telephonyNetwork", func(d map[string]any) { d["telephonyNetwork"] = "SIP" },
			"devices[0].telephonyNetwork", "Private, Public"),
		Entry("capabilities missing", func(d map[string]any) { delete(d, "capabilities") }, "devices[0].capabilities", "no member"),
		Entry("an unknown monitoring state", func(d map[string]any) { sub(d, "supervisorMonitoringState")["state"] = "Whisper" },
			"devices[0].supervisorMonitoringState.state", "ListenIn, Coach, BargeIn"),
		Entry("an unknown monitoring mode", func(d map[string]any) { sub(d, "supervisorMonitoringState")["mode"] = "Once" },
			"devices[0].supervisorMonitoringState.mode", "NextCall, AllCalls"),
		Entry("no monitoring scope", func(d map[string]any) { delete(sub(d, "supervisorMonitoringState"), "scope") },
			"devices[0].supervisorMonitoringState.scope", "no member"),
		Entry("no targetDeviceUri", func(d map[string]any) { delete(sub(d, "supervisorMonitoringState"), "targetDeviceUri") },
			"devices[0].supervisorMonitoringState.targetDeviceUri", "no member"),
		Entry("monitoring state null", func(d map[string]any) { d["supervisorMonitoringState"] = nil },
			"devices[0].supervisorMonitoringState", "or no member, got null"),
	)

	It("names envelope violations", func() {
		for _, tc := range []struct{ channel, data, member string }{
			{"/v2/me/calls", `[]`, "(data)"},
			{"/v2/me/calls", `{`, "(data)"},
			{"/v2/me/calls", `{"call":{}}`, "messageType"},
			{"/v2/me/devices", `{"messageType":7}`, "messageType"},
			{"/v2/me/devices", `{"messageType":"DeviceStateChangeMessage","devices":[]}`, "devices"},
			{"/v2/me/devices", `{"messageType":"DeviceStateChangeMessage","devices":["d"]}`, "devices[0]"},
			{"/v2/me/devices", `{"messageType":"ErrorMessage","deviceUri":"u"}`, "devicePath"},
			{"/v2/me/devices", `{"messageType":"ErrorMessage","devicePath":"p","deviceUri":"u","metrics":[]}`, "metrics"},
		} {
			vs := gws.Validate(tc.channel, []byte(tc.data), receiver)
			Expect(members(vs)).To(ContainElement(tc.member), tc.data)
			for _, v := range vs {
				Expect(v.String()).To(HavePrefix(v.Member + ": "))
				Expect(strings.Contains(v.Problem, "expected")).To(BeTrue(), v.Problem)
			}
		}
	})

	It("reports every violation of one notification", func() {
		data := edit(call(), func(m map[string]any) {
			m["phoneNumber"] = "9999"
			sub(m, "call")["duration"] = 12
		})
		Expect(members(gws.Validate("/v2/me/calls", []byte(data), receiver))).To(
			ConsistOf("phoneNumber", "call.duration"))
	})
})
