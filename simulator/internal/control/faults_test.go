package control_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/simulator/internal/restapi"
)

// of keeps the notifications published to one user.
func of(userID string, list []seen) []seen {
	var out []seen
	for _, n := range list {
		if n.UserID == userID {
			out = append(out, n)
		}
	}
	return out
}

// dnd reads a DeviceStateChangeMessage's doNotDisturb, or "" when the data is something else.
func dnd(data []byte) string {
	GinkgoHelper()
	m := decodeData(data)
	if m["messageType"] != "DeviceStateChangeMessage" {
		return ""
	}
	devices, _ := m["devices"].([]any)
	Expect(devices).To(HaveLen(1))
	dev, _ := devices[0].(map[string]any)
	state, _ := dev["doNotDisturb"].(string)
	return state
}

var _ = Describe("Injected failures (failNext)", func() {
	var r *rig
	BeforeEach(func() { r = startDefault() })

	DescribeTable("fail exactly the user's next operation with the statusCode and its HTTP status, change nothing, and let the following one succeed",
		func(code int) {
			httpStatus := restapi.HTTPStatus(code) // the one table, pinned row by row in the restapi specs
			before := r.state()
			Expect(r.post(faultsURL, fail("agent1", code))).To(succeed())
			agent1 := r.as("agent1")

			rep := agent1.deviceOp("DoNotDisturbOn")
			Expect(rep).To(beGWSError(httpStatus, code))
			Expect(rep.Message()).To(ContainSubstring("DoNotDisturbOn"))
			Expect(r.state()).To(Equal(before))
			Expect(r.faults()["failNext"]).To(BeEmpty())
			Consistently(r.recorded, 50*time.Millisecond).Should(BeEmpty())

			Expect(agent1.deviceOp("DoNotDisturbOn")).To(succeed())
			Expect(userSnapshot(r.state(), "agent1")).To(HaveKeyWithValue("doNotDisturb", true))
			Eventually(r.recorded).Should(HaveLen(1))
		},
		Entry("1 missing parameter", 1),
		Entry("2 invalid state", 2),
		Entry("3 forbidden", 3),
		Entry("4 internal error", 4),
		Entry("5 no permission", 5),
		Entry("6 not found", 6),
		Entry("8 password change required", 8),
		Entry("9 processing incomplete", 9),
		Entry("10 invalid value", 10),
		Entry("11 read-only property", 11),
		Entry("12 cannot retrieve", 12),
		Entry("13 cannot create", 13),
		Entry("14 cannot delete", 14),
		Entry("15 cannot update", 15),
		Entry("16 cannot assign", 16),
		Entry("17 cannot unassign", 17),
		Entry("18 already exists", 18),
		Entry("19 in use", 19),
		Entry("20 not authenticated", 20),
	)

	It("does not touch other users' operations", func() {
		Expect(r.post(faultsURL, fail("agent1", 5))).To(succeed())
		agent2 := r.as("agent2")
		Expect(agent2.deviceOp("DoNotDisturbOn")).To(succeed())
		Expect(agent2.deviceOp("DoNotDisturbOff")).To(succeed())
		Expect(r.as("supervisor1").deviceOp("DoNotDisturbOn")).To(succeed())
		Expect(r.faults()["failNext"]).To(Equal(map[string]any{"agent1": 5.0}))

		Expect(r.as("agent1").deviceOp("DoNotDisturbOn")).To(beGWSError(http.StatusForbidden, 5))
		Expect(r.as("agent1").deviceOp("DoNotDisturbOn")).To(succeed())
	})

	It("waits for an operation: reads and control requests do not take it", func() {
		Expect(r.post(faultsURL, fail("agent1", 19))).To(succeed())
		agent1 := r.as("agent1")
		Expect(agent1.get("/api/v2/me")).To(succeed())
		Expect(agent1.get("/api/v2/me/devices?fields=*")).To(succeed())
		Expect(agent1.get("/api/v2/me/calls?fields=*")).To(succeed())
		id := r.inbound("+14155550100", "5001")
		Expect(r.faults()["failNext"]).To(Equal(map[string]any{"agent1": 19.0}))

		// Any operation takes it: here Answer on a call, which stays Ringing.
		Expect(agent1.callOp(id, "Answer")).To(beGWSError(http.StatusConflict, 19))
		Expect(agent1.calls()[0]).To(HaveKeyWithValue("state", "Ringing"))
		Expect(agent1.callOp(id, "Answer")).To(succeed())
		Expect(agent1.calls()[0]).To(HaveKeyWithValue("state", "Established"))
	})

	It("is taken by a session-cookie request as by a Basic one", func() {
		agent1 := r.as("agent1")
		Expect(agent1.get("/api/v2/me")).To(succeed())
		Expect(r.post(faultsURL, fail("agent1", 3))).To(succeed())
		dev := "/api/v2/me/devices/" + r.user("agent1").Device.ID
		Expect(agent1.do(http.MethodPost, dev, map[string]any{"operationName": "DoNotDisturbOn"}, false)).To(beGWSError(http.StatusForbidden, 3))
		Expect(agent1.do(http.MethodPost, dev, map[string]any{"operationName": "DoNotDisturbOn"}, false)).To(succeed())
	})

	It("is gone after DELETE /sim/v1/faults", func() {
		Expect(r.post(faultsURL, fail("agent1", 3))).To(succeed())
		Expect(r.control(http.MethodDelete, faultsURL, nil)).To(succeed())
		Expect(r.as("agent1").deviceOp("DoNotDisturbOn")).To(succeed())
	})

	It("fails once per injection, the latest code winning", func() {
		Expect(r.post(faultsURL, fail("agent1", 3))).To(succeed())
		Expect(r.post(faultsURL, fail("agent1", 13))).To(succeed())
		agent1 := r.as("agent1")
		Expect(agent1.deviceOp("DoNotDisturbOn")).To(beGWSError(http.StatusInternalServerError, 13))
		Expect(agent1.deviceOp("DoNotDisturbOn")).To(succeed())
	})
})

var _ = Describe("Delayed notifications (delayNotificationsMs)", func() {
	var r *rig
	BeforeEach(func() { r = startDefault() })

	It("holds delivery back by the delay while the operation is published at once", func() {
		const delay = 400 * time.Millisecond
		Expect(r.post(faultsURL, map[string]any{"delayNotificationsMs": delay.Milliseconds()})).To(succeed())
		agent1ID := r.user("agent1").ID
		l := r.bayeux("agent1").open().listen()

		start := time.Now()
		Expect(r.as("agent1").deviceOp("DoNotDisturbOn")).To(succeed())
		Eventually(func() []seen { return of(agent1ID, r.recorded()) }).Should(HaveLen(1))
		published := of(agent1ID, r.recorded())[0]
		Expect(published.at.Sub(start)).To(BeNumerically("<", delay), "the engine published the change at once")

		ev := l.next(requestTimeout)
		Expect(ev.at.Sub(start)).To(BeNumerically(">=", delay), "delivered %v after the request", ev.at.Sub(start))
		Expect(ev.at).To(BeTemporally(">", published.at))
		Expect(ev.Channel).To(Equal(published.Channel))
		Expect(sameJSON(ev.Data, published.Data)).To(BeTrue())
		Expect(dnd(ev.Data)).To(Equal("On"))
	})

	It("delays every user's notifications, and 0 delivers at once again", func() {
		const delay = 300 * time.Millisecond
		Expect(r.post(faultsURL, map[string]any{"delayNotificationsMs": delay.Milliseconds()})).To(succeed())
		agent1 := r.bayeux("agent1").open().listen()
		customer1 := r.bayeux("customer1").open().listen()

		start := time.Now()
		Expect(r.as("customer1").post("/api/v2/me/devices/"+r.user("customer1").Device.ID+"/calls",
			map[string]any{"operationName": "Dial", "destination": map[string]any{"phoneNumber": "5001"}})).To(succeed())
		for _, l := range []*listener{agent1, customer1} {
			ev := l.next(requestTimeout)
			Expect(ev.Channel).To(Equal("/v2/me/calls"))
			Expect(ev.at.Sub(start)).To(BeNumerically(">=", delay))
		}

		Expect(r.post(faultsURL, map[string]any{"delayNotificationsMs": 0})).To(succeed())
		start = time.Now()
		Expect(r.as("agent1").deviceOp("DoNotDisturbOn")).To(succeed())
		for {
			ev := agent1.next(requestTimeout)
			if dnd(ev.Data) == "On" {
				Expect(ev.at.Sub(start)).To(BeNumerically("<", delay), "no delay any more")
				break
			}
		}
	})

	It("keeps the order of notifications when the delay is lowered while some are held", func() {
		const delay = 300 * time.Millisecond
		agent1ID := r.user("agent1").ID
		Expect(r.post(faultsURL, map[string]any{"delayNotificationsMs": delay.Milliseconds()})).To(succeed())
		l := r.bayeux("agent1").open().listen()
		agent1 := r.as("agent1")

		start := time.Now()
		Expect(agent1.deviceOp("DoNotDisturbOn")).To(succeed())
		Expect(r.post(faultsURL, map[string]any{"delayNotificationsMs": 0})).To(succeed())
		Expect(agent1.deviceOp("DoNotDisturbOff")).To(succeed())
		Expect(agent1.deviceOp("DoNotDisturbOn")).To(succeed())
		Expect(r.post(faultsURL, map[string]any{"delayNotificationsMs": 50})).To(succeed())
		Expect(agent1.deviceOp("DoNotDisturbOff")).To(succeed())
		Eventually(func() []seen { return of(agent1ID, r.recorded()) }).Should(HaveLen(4))

		published := of(agent1ID, r.recorded())
		var got []event
		for range published {
			got = append(got, l.next(requestTimeout))
		}
		Expect(got[0].at.Sub(start)).To(BeNumerically(">=", delay), "the first was held back")
		for i, ev := range got {
			Expect(sameJSON(ev.Data, published[i].Data)).To(BeTrue(), "notification %d out of order", i)
			Expect(ev.at).NotTo(BeTemporally("<", got[max(i-1, 0)].at))
		}
		Expect([]string{dnd(got[0].Data), dnd(got[1].Data), dnd(got[2].Data), dnd(got[3].Data)}).To(Equal([]string{"On", "Off", "On", "Off"}))
	})

	// Pending: a batch held back when the simulator is reset is still delivered after the reset, to the
	// sessions clients open afresh, so they see a change the reset undid (see the report of the change that
	// added this spec).
	It("drops notifications held back when the simulator is reset", func() {
		Expect(r.post(faultsURL, map[string]any{"delayNotificationsMs": 300})).To(succeed())
		Expect(r.as("agent1").deviceOp("DoNotDisturbOn")).To(succeed())
		Expect(r.post(resetURL, nil)).To(succeed())
		l := r.bayeux("agent1").open().listen()
		Expect(userSnapshot(r.state(), "agent1")).To(HaveKeyWithValue("doNotDisturb", false))
		Consistently(l.events, 600*time.Millisecond).ShouldNot(Receive(), "a notification from before the reset")
	})
})

var _ = Describe("Expiring CometD sessions (expireSessions)", func() {
	var r *rig
	BeforeEach(func() { r = startDefault() })

	It("answers a held connect, and the next connect of a session, with 402 and handshake advice", func() {
		held := r.bayeux("agent1").open().listen()
		idle := r.bayeux("supervisor1").open()
		first, _ := idle.connectNow()
		Expect(first.Successful).To(BeTrue())

		rep := r.post(faultsURL, map[string]any{"expireSessions": true})
		Expect(rep).To(succeed())

		var ended bmsg
		Eventually(held.ended).WithTimeout(requestTimeout).Should(Receive(&ended))
		Expect(ended.Successful).To(BeFalse())
		Expect(ended.Error).To(Equal("402::Unknown client"))
		Expect(ended.Advice).To(HaveKeyWithValue("reconnect", "handshake"))

		next, events := idle.connectNow()
		Expect(next.Successful).To(BeFalse())
		Expect(next.Error).To(Equal("402::Unknown client"))
		Expect(next.Advice).To(HaveKeyWithValue("reconnect", "handshake"))
		Expect(events).To(BeEmpty())

		// Nothing else changed, and a new session receives again.
		Expect(r.faults()).To(Equal(map[string]any{"delayNotificationsMs": 0.0, "failNext": map[string]any{}}))
		again := r.bayeux("supervisor1").open().listen()
		Expect(r.as("supervisor1").deviceOp("DoNotDisturbOn")).To(succeed())
		Expect(dnd(again.next(requestTimeout).Data)).To(Equal("On"))
	})

	It("expires nothing when the request that asks for it is refused", func() {
		b := r.bayeux("agent1").open()
		rep := r.post(faultsURL, map[string]any{"expireSessions": true, "failNext": map[string]any{"user": "nobody", "statusCode": 4}})
		Expect(rep).To(beGWSError(http.StatusNotFound, 6))
		Expect(r.post(faultsURL, `{"expireSessions":true,"delayNotificationsMs":-1}`)).To(beGWSError(http.StatusBadRequest, 10))
		next, _ := b.connectNow()
		Expect(next.Successful).To(BeTrue(), "%+v", next)
	})

	It("may come with other faults in one request", func() {
		b := r.bayeux("agent1").open()
		rep := r.post(faultsURL, map[string]any{"expireSessions": true, "delayNotificationsMs": 25,
			"failNext": map[string]any{"user": "agent2", "statusCode": 12}})
		Expect(rep).To(succeed())
		Expect(rep.Object()["faults"]).To(Equal(map[string]any{"delayNotificationsMs": 25.0, "failNext": map[string]any{"agent2": 12.0}}))
		next, _ := b.connectNow()
		Expect(next.Error).To(Equal("402::Unknown client"))
	})
})
