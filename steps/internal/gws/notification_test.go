package gws_test

import (
	"encoding/json"
	"errors"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/steps/internal/gws"
)

var _ = Describe("Notification", func() {
	callData := func() string {
		return `{"notificationType":"StatusChange","call":` + sample("call_established.json") +
			`,"phoneNumber":"5001","extensions":{"BusinessCall":0},"messageType":"CallStateChangeMessage",` +
			`"metrics":{"eventProcessing":{"serverProcessingTimeTotalMs":3}},"vendorOnly":{"x":1}}`
	}

	It("decodes a call notification into the call resource and keeps the data as received", func() {
		n, err := gws.DecodeNotification("/v2/me/calls", []byte(callData()))
		Expect(err).NotTo(HaveOccurred())
		Expect(n.Channel).To(Equal("/v2/me/calls"))
		Expect(n.IsCall()).To(BeTrue())
		Expect(n.IsDevice()).To(BeFalse())
		Expect(n.NotificationType).To(Equal("StatusChange"))
		Expect(n.PhoneNumber).To(Equal("5001"))
		Expect(n.Call).NotTo(BeNil())
		Expect(n.Call.State).To(Equal("Established"))
		Expect(n.Call.Duration).To(Equal("7"))
		Expect(string(n.Call.Raw)).To(MatchJSON(sample("call_established.json")))
		Expect(string(n.Extensions)).To(MatchJSON(`{"BusinessCall":0}`))
		Expect(string(n.Metrics)).To(MatchJSON(`{"eventProcessing":{"serverProcessingTimeTotalMs":3}}`))
		Expect(string(n.Raw)).To(MatchJSON(callData()))
		Expect(n.Kind()).To(Equal("CallStateChangeMessage/StatusChange Established"))
	})

	It("decodes every device of a device notification", func() {
		data := `{"messageType":"DeviceStateChangeMessage","devices":[` + sample("device_supervisor.json") + `,` +
			sample("device_agent_notready.json") + `]}`
		n, err := gws.DecodeNotification("/v2/me/devices", []byte(data))
		Expect(err).NotTo(HaveOccurred())
		Expect(n.IsDevice()).To(BeTrue())
		Expect(n.Call).To(BeNil())
		Expect(n.Devices).To(HaveLen(2))
		Expect(n.Devices[0].SupervisorMonitoringState.State).To(Equal("ListenIn"))
		Expect(n.Devices[1].UserState.WorkMode).To(Equal("AfterCallWork"))
		Expect(string(n.Devices[1].Raw)).To(MatchJSON(sample("device_agent_notready.json")))
		Expect(n.Kind()).To(Equal("DeviceStateChangeMessage"))
	})

	It("decodes an ErrorMessage's device", func() {
		n, err := gws.DecodeNotification("/v2/me/devices", []byte(
			`{"messageType":"ErrorMessage","devicePath":"/devices/d1","deviceUri":"http://h/api/v2/devices/d1","metrics":{}}`))
		Expect(err).NotTo(HaveOccurred())
		Expect(n.MessageType).To(Equal(gws.ErrorMessage))
		Expect(n.DevicePath).To(Equal("/devices/d1"))
		Expect(gws.DeviceIDFromURI(n.DeviceURI)).To(Equal("d1"))
	})

	It("keeps an unknown message type as raw data only", func() {
		n, err := gws.DecodeNotification("/v2/me/channels", []byte(`{"messageType":"ChannelStateChangeMessageV2","channels":[]}`))
		Expect(err).NotTo(HaveOccurred())
		Expect(n.MessageType).To(Equal("ChannelStateChangeMessageV2"))
		Expect(n.Call).To(BeNil())
		Expect(n.Devices).To(BeNil())
		Expect(string(n.Raw)).To(MatchJSON(`{"messageType":"ChannelStateChangeMessageV2","channels":[]}`))
	})

	It("names the member at fault and keeps what could be decoded", func() {
		data := `{"messageType":"CallStateChangeMessage","notificationType":7,"phoneNumber":"5001",` +
			`"call":{"id":"c1","capabilities":"Hangup"}}`
		n, err := gws.DecodeNotification("/v2/me/calls", []byte(data))
		var de *gws.DecodeError
		Expect(errors.As(err, &de)).To(BeTrue())
		Expect(de.Problems).To(HaveLen(2))
		Expect(de.Problems[0]).To(ContainSubstring("data.notificationType"))
		Expect(de.Problems[1]).To(ContainSubstring("data.call"))
		Expect(de.Problems[1]).To(ContainSubstring("capabilities"))
		Expect(n.MessageType).To(Equal(gws.CallStateChangeMessage))
		Expect(n.PhoneNumber).To(Equal("5001"))
		Expect(n.Call).To(BeNil())
		Expect(string(n.Raw)).To(MatchJSON(data))
	})

	It("refuses data that is not an object, keeping it raw", func() {
		for _, data := range []string{`[1]`, `"x"`, `null`, `{`} {
			n, err := gws.DecodeNotification("/v2/me/calls", []byte(data))
			Expect(err).To(MatchError(ContainSubstring("not a JSON object")), data)
			Expect(string(n.Raw)).To(Equal(data))
		}
	})

	It("reports a bad device by its index and keeps the good ones", func() {
		data := `{"messageType":"DeviceStateChangeMessage","devices":[{"id":"d0"},{"id":5},{"id":"d2"}]}`
		n, err := gws.DecodeNotification("/v2/me/devices", []byte(data))
		Expect(err).To(MatchError(ContainSubstring("data.devices[1]")))
		Expect(n.Devices).To(HaveLen(2))
		Expect(n.Devices[1].ID).To(Equal("d2"))
		var v any
		Expect(json.Unmarshal(n.Raw, &v)).To(Succeed())
	})
})
