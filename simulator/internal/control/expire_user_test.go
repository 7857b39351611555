package control_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("Expiring one user's CometD sessions (expireSessionsOf)", func() {
	var r *rig
	BeforeEach(func() { r = startDefault() })

	It("ends that user's sessions with 402 and handshake advice, and nobody else's", func() {
		held := r.bayeux("agent1").open().listen()
		other := r.bayeux("agent2").open()
		first, _ := other.connectNow()
		Expect(first.Successful).To(BeTrue())

		Expect(r.post(faultsURL, map[string]any{"expireSessionsOf": "agent1"})).To(succeed())

		var ended bmsg
		Eventually(held.ended).WithTimeout(requestTimeout).Should(Receive(&ended))
		Expect(ended.Successful).To(BeFalse())
		Expect(ended.Error).To(Equal("402::Unknown client"))
		Expect(ended.Advice).To(HaveKeyWithValue("reconnect", "handshake"))

		next, _ := other.connectNow()
		Expect(next.Successful).To(BeTrue(), "agent2's session must survive: %+v", next)
	})

	It("refuses an unknown or empty user name and changes nothing", func() {
		b := r.bayeux("agent1").open()
		Expect(r.post(faultsURL, map[string]any{"expireSessionsOf": "nobody"})).To(beGWSError(http.StatusNotFound, 6))
		Expect(r.post(faultsURL, map[string]any{"expireSessionsOf": ""})).To(beGWSError(http.StatusBadRequest, 10))
		Expect(r.post(faultsURL, `{"expireSessionsOf":5}`)).To(beGWSError(http.StatusBadRequest, 10))
		next, _ := b.connectNow()
		Expect(next.Successful).To(BeTrue(), "%+v", next)
	})
})
