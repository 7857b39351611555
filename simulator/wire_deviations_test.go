package simulator

import (
	"net/http"
	"net/http/httptest"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("WireDeviations", func() {
	const call = `{"messageType":"CallStateChangeMessage","notificationType":"StatusChange","phoneNumber":"5001",` +
		`"call":{"id":"c1","state":"Established","duration":"7","vendor":{"x":1}},"metrics":{}}`
	const device = `{"messageType":"DeviceStateChangeMessage","devices":[{"id":"d","phoneNumber":"5001"}]}`

	It("leaves every notification alone when off", func() {
		Expect(string(WireDeviations{}.notification([]byte(call)))).To(Equal(call))
	})

	It("breaks only what it names, only on call notifications", func() {
		d := WireDeviations{WrongPhoneNumber: true}
		Expect(string(d.notification([]byte(call)))).To(MatchJSON(
			`{"messageType":"CallStateChangeMessage","notificationType":"StatusChange","phoneNumber":"0000",` +
				`"call":{"id":"c1","state":"Established","duration":"7","vendor":{"x":1}},"metrics":{}}`))
		d = WireDeviations{NumericDuration: true}
		Expect(string(d.notification([]byte(call)))).To(MatchJSON(
			`{"messageType":"CallStateChangeMessage","notificationType":"StatusChange","phoneNumber":"5001",` +
				`"call":{"id":"c1","state":"Established","duration":7,"vendor":{"x":1}},"metrics":{}}`))
		both := WireDeviations{WrongPhoneNumber: true, NumericDuration: true}
		Expect(string(both.notification([]byte(device)))).To(Equal(device))
	})

	It("removes the advice of 402 replies only", func() {
		inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "999")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`[{"channel":"/meta/connect","successful":false,"error":"402::Unknown client",` +
				`"advice":{"reconnect":"handshake","interval":0}},{"channel":"/meta/subscribe","successful":true,` +
				`"advice":{"reconnect":"retry"}}]`))
		})
		h := WireDeviations{NoHandshakeAdvice: true}.handler(inner)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/v2/notifications/connect", nil))
		Expect(rec.Code).To(Equal(http.StatusOK))
		Expect(rec.Header().Get("Content-Length")).To(BeEmpty())
		Expect(rec.Body.String()).To(MatchJSON(`[{"channel":"/meta/connect","successful":false,"error":"402::Unknown client"},` +
			`{"channel":"/meta/subscribe","successful":true,"advice":{"reconnect":"retry"}}]`))

		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v2/me", nil))
		Expect(rec.Header().Get("Content-Length")).To(Equal("999"), "other paths pass through untouched")

		rec = httptest.NewRecorder()
		WireDeviations{}.handler(inner).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/v2/notifications", nil))
		Expect(rec.Body.String()).To(ContainSubstring(`"advice":{"reconnect":"handshake"`), "off: replies untouched")
	})
})
