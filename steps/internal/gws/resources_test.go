package gws_test

import (
	"encoding/json"
	"errors"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/steps/internal/gws"
)

func decode[T any](name string) T {
	var v T
	Expect(json.Unmarshal([]byte(sample(name)), &v)).To(Succeed())
	return v
}

var _ = Describe("Device", func() {
	It("decodes a monitoring supervisor's device", func() {
		d := decode[gws.Device]("device_supervisor.json")
		Expect(d.ID).To(Equal("efe1ab32-53f9-43ce-b65e-5768c61f7d4a"))
		Expect(d.DeviceState).To(Equal("Active"))
		Expect(d.UserState).To(Equal(gws.UserState{ID: "9430250E-0A1B-421F-B372-F29E69366DED",
			DisplayName: "Ready", State: "Ready"}))
		Expect(d.PhoneNumber).To(Equal("5005"))
		Expect(d.E164Number).To(Equal("5005"))
		Expect(d.TelephonyNetwork).To(Equal("Private"))
		Expect(d.DoNotDisturb).To(Equal("Off"))
		Expect(d.HasDoNotDisturb()).To(BeFalse())
		Expect(d.VoiceEnvironmentURI).To(HaveSuffix("/api/v2/voice-environments/370ef5e6-9e3c-4d91-9588-7f4dfe67e011"))
		Expect(d.Capabilities).To(HaveLen(6))
		Expect(d.HasCapability("CancelSupervisorMonitoring")).To(BeTrue())
		Expect(d.HasCapability("DoNotDisturbOff")).To(BeFalse())
		Expect(d.HasMonitoringState()).To(BeTrue())
		Expect(*d.SupervisorMonitoringState).To(Equal(gws.MonitoringState{State: "ListenIn", Mode: "AllCalls",
			Scope: "Call", TargetDeviceURI: "http://127.0.0.1:8080/api/v2/devices/9c14cad7-17c4-48d0-8492-7cf0ff92c224"}))
		Expect(d.SupervisorMonitoringState.TargetDeviceID()).To(Equal("9c14cad7-17c4-48d0-8492-7cf0ff92c224"))
		Expect(string(d.Raw)).To(MatchJSON(sample("device_supervisor.json")))
	})

	It("decodes an agent's device without monitoring and keeps unknown fields in Raw", func() {
		d := decode[gws.Device]("device_agent_notready.json")
		Expect(d.SupervisorMonitoringState).To(BeNil())
		Expect(d.HasMonitoringState()).To(BeFalse())
		Expect(d.UserState.State).To(Equal("NotReady"))
		Expect(d.UserState.WorkMode).To(Equal("AfterCallWork"))
		Expect(d.HasDoNotDisturb()).To(BeTrue())
		Expect(d.ForwardTo).To(Equal("5002"))

		var extra struct {
			VendorExtra struct{ Rack int } `json:"vendorExtra"`
		}
		Expect(json.Unmarshal(d.Raw, &extra)).To(Succeed())
		Expect(extra.VendorExtra.Rack).To(Equal(7))
	})

	It("keeps Raw per element of a notification's device list", func() {
		var msg struct {
			Devices []gws.Device `json:"devices"`
		}
		payload := `{"messageType":"DeviceStateChangeMessage","devices":[` +
			sample("device_supervisor.json") + `,` + sample("device_agent_notready.json") + `]}`
		Expect(json.Unmarshal([]byte(payload), &msg)).To(Succeed())
		Expect(msg.Devices).To(HaveLen(2))
		Expect(string(msg.Devices[0].Raw)).To(MatchJSON(sample("device_supervisor.json")))
		Expect(string(msg.Devices[1].Raw)).To(MatchJSON(sample("device_agent_notready.json")))
	})

	It("round-trips through JSON without its Raw field", func() {
		d := decode[gws.Device]("device_agent_notready.json")
		out, err := json.Marshal(d)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(out)).NotTo(ContainSubstring("Raw"))
		Expect(string(out)).NotTo(ContainSubstring("supervisorMonitoringState"))
		var again gws.Device
		Expect(json.Unmarshal(out, &again)).To(Succeed())
		again.Raw, d.Raw = nil, nil
		Expect(again).To(Equal(d))
	})
})

var _ = Describe("Call", func() {
	It("decodes an established call", func() {
		c := decode[gws.Call]("call_established.json")
		Expect(c.ID).To(Equal("01RCC3N118B1V0SL8O7GK2LAES000010"))
		Expect(c.State).To(Equal("Established"))
		Expect(c.CallUUID).To(Equal(c.ID))
		Expect(c.ConnID).To(Equal("0071027198180020"))
		Expect(c.DeviceURI).To(Equal("http://127.0.0.1:8080/api/v2/devices/631608b3-ceb1-472b-ba05-2ae39555b0d1"))
		Expect(c.DeviceID()).To(Equal("631608b3-ceb1-472b-ba05-2ae39555b0d1"))
		Expect(c.Participants).To(Equal([]gws.Participant{{PhoneNumber: "9165550104", Digits: "9165550104",
			FormattedPhoneNumber: "(916) 555-0104", E164Number: "+19165550104"}}))
		Expect(c.DNIS).To(Equal("9165550104"))
		Expect(c.ANI).To(BeEmpty())
		Expect(c.CallType).To(Equal("Internal"))
		Expect(c.HasCapability("Hold")).To(BeTrue())
		Expect(c.HasCapability("Retrieve")).To(BeFalse())
		Expect(c.UserData).To(Equal(map[string]any{"AccountNumber": "12345678"}))
		Expect(c.Duration).To(Equal("7"))
		Expect(c.Mute).To(Equal("Off"))
		Expect(c.IsMuted()).To(BeFalse())
		Expect(c.SupervisorListeningIn).To(BeFalse())
		Expect(c.MonitoredUserMuted).To(BeFalse())
		Expect(c.Monitoring).To(BeFalse())
		Expect(c.URI).To(HaveSuffix("/api/v2/me/calls/01RCC3N118B1V0SL8O7GK2LAES000010"))
		Expect(c.Path).To(Equal("/calls/01RCC3N118B1V0SL8O7GK2LAES000010"))
		Expect(string(c.Raw)).To(MatchJSON(sample("call_established.json")))
	})

	It("decodes a supervisor's monitoring call", func() {
		c := decode[gws.Call]("call_supervisor.json")
		Expect(c.ParticipantNumbers()).To(Equal([]string{"5000", "5001"}))
		Expect(c.HasParticipant("5001")).To(BeTrue())
		Expect(c.HasParticipant("5002")).To(BeFalse())
		Expect(c.HasCapability("SwitchToListenIn")).To(BeTrue())
		Expect(c.Duration).To(Equal("21"))
		Expect(c.Participants[0].E164Number).To(BeEmpty())
	})

	It("tolerates older and looser encodings: string participants, numeric duration", func() {
		c := decode[gws.Call]("call_consult.json")
		Expect(c.Participants).To(Equal([]gws.Participant{{PhoneNumber: "5002"}}))
		Expect(c.ParticipantNumbers()).To(Equal([]string{"5002"}))
		Expect(c.Duration).To(Equal("0"))
		Expect(c.ANI).To(Equal("5001"))
		Expect(c.CallType).To(Equal("Consult"))
		Expect(c.Capabilities).To(BeEmpty())
		Expect(c.Capabilities).NotTo(BeNil(), "an empty list stays distinguishable from an absent one")
		Expect(c.SupervisorListeningIn).To(BeTrue())
		Expect(c.MonitoredUserMuted).To(BeTrue())
		Expect(c.Monitoring).To(BeTrue())
		Expect(c.ParentCallURI).To(HaveSuffix("/api/v2/me/calls/011DJV5JI898NB2L04000VTAES00000I"))
		Expect(c.ParentCallPath).To(Equal("/calls/011DJV5JI898NB2L04000VTAES00000I"))
	})

	DescribeTable("duration encodings",
		func(raw string, want string) {
			var c gws.Call
			Expect(json.Unmarshal([]byte(`{"id":"x","duration":`+raw+`}`), &c)).To(Succeed())
			Expect(c.Duration).To(Equal(want))
		},
		Entry("string", `"12"`, "12"),
		Entry("integer", `12`, "12"),
		Entry("fraction", `1.5`, "1.5"),
		Entry("null", `null`, ""),
	)

	It("rejects a duration that is neither string nor number", func() {
		var c gws.Call
		Expect(json.Unmarshal([]byte(`{"duration":{"s":1}}`), &c)).NotTo(Succeed())
		Expect(json.Unmarshal([]byte(`{"duration":true}`), &c)).NotTo(Succeed())
	})

	It("falls back to digits when a participant has no phoneNumber", func() {
		var c gws.Call
		Expect(json.Unmarshal([]byte(`{"participants":[{"digits":"5003"}]}`), &c)).To(Succeed())
		Expect(c.ParticipantNumbers()).To(Equal([]string{"5003"}))
	})

	It("reports a wrongly typed flag instead of guessing", func() {
		var c gws.Call
		Expect(json.Unmarshal([]byte(`{"monitoring":"yes"}`), &c)).NotTo(Succeed())
	})
})

var _ = Describe("DeviceIDFromURI", func() {
	DescribeTable("takes the last path segment",
		func(uri, want string) { Expect(gws.DeviceIDFromURI(uri)).To(Equal(want)) },
		Entry("canonical", "http://127.0.0.1:8080/api/v2/devices/abc", "abc"),
		Entry("other host", "http://localhost:9000/api/v2/devices/abc", "abc"),
		Entry("me path", "http://h/api/v2/me/devices/abc", "abc"),
		Entry("trailing slash", "http://h/api/v2/devices/abc/", "abc"),
		Entry("query", "http://h/api/v2/devices/abc?x=1", "abc"),
		Entry("bare id", "abc", "abc"),
		Entry("empty", "", ""),
	)
})

var _ = Describe("Error values", func() {
	It("names statusCodes", func() {
		Expect(gws.StatusText(gws.CodeNotFound)).To(Equal("resource not found"))
		Expect(gws.StatusText(gws.CodeNotAuthenticated)).To(Equal("not authenticated"))
		Expect(gws.StatusText(99)).To(Equal("unknown statusCode"))
		Expect(gws.StatusText(-1)).To(Equal("unknown statusCode"))
	})

	It("omits an empty statusMessage", func() {
		err := &gws.StatusError{HTTPStatus: 400, StatusCode: 1, Method: "POST", Path: "/api/v2/me"}
		Expect(err.Error()).To(Equal("gws: POST /api/v2/me: statusCode 1 (required parameter missing) [HTTP 400]"))
	})

	It("finds a StatusError through wrapping", func() {
		inner := &gws.StatusError{HTTPStatus: 404, StatusCode: 6, Method: "GET", Path: "/x"}
		wrapped := errors.Join(errors.New("step failed"), inner)
		Expect(gws.IsStatus(wrapped, 6)).To(BeTrue())
		Expect(gws.IsStatus(errors.New("plain"), 6)).To(BeFalse())
	})

	It("wraps the transport error of a NetworkError", func() {
		cause := errors.New("connection reset")
		ne := &gws.NetworkError{Method: "GET", Path: "/api/v2/me", Err: cause}
		Expect(errors.Is(ne, cause)).To(BeTrue())
		Expect(errors.Is(ne, gws.ErrUnreachable)).To(BeFalse())
		Expect(ne.Error()).To(Equal("gws: GET /api/v2/me: connection reset"))
		ne.Unreachable = true
		Expect(errors.Is(ne, gws.ErrUnreachable)).To(BeTrue())
		Expect(ne.Error()).To(ContainSubstring("target unreachable"))
	})

	It("truncates long evidence in a ResponseError", func() {
		body := make([]byte, 2000)
		for i := range body {
			body[i] = 'x'
		}
		re := &gws.ResponseError{Method: "GET", Path: "/p", HTTPStatus: 502, Reason: "HTTP error without a statusCode", Body: body}
		Expect(len(re.Error())).To(BeNumerically("<", 700))
		Expect(re.Error()).To(HaveSuffix("..."))
		Expect(re).To(MatchError(gws.ErrBadResponse))
	})
})
