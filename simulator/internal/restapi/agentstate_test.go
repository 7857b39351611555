package restapi_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/simulator/internal/restapi"
)

var _ = Describe("StartContactCenterSession outcomes over HTTP (SPEC §11.2)", func() {
	var st *stack
	BeforeEach(func() { st = startStack() })

	start := func(channels ...string) reply {
		return st.client("agent1").post("/api/v2/me", op{"operationName": "StartContactCenterSession", "channels": channels})
	}

	It("answers voice alone with statusCode 0", func() {
		Expect(start("voice")).To(succeed())
	})

	It("answers voice and chat with HTTP 200, statusCode 7, voice succeeded and multimedia failed", func() {
		r := start("voice", "chat")
		Expect(r.Status).To(Equal(http.StatusOK))
		Expect(r.Body).To(MatchJSON(`{"statusCode":7,
			"failed":[{"statusCode":4,"statusMessage":"Interaction server connection is not opened","channel":"multimedia"}],
			"succeeded":[{"statusCode":0,"channel":"voice"}]}`))
		Expect(at(st.client("agent1").device(), "userState", "state")).To(Equal("NotReady"), "voice is logged in")
	})

	It("reports every non-voice channel together as one multimedia entry", func() {
		r := start("voice", "chat", "email")
		Expect(r.Object()["failed"]).To(HaveLen(1))
	})

	It("answers chat alone with statusCode 4 and HTTP 500, and starts nothing", func() {
		before := st.snapshot()
		r := start("chat")
		Expect(r).To(haveStatus(http.StatusInternalServerError, restapi.StatusInternal))
		Expect(st.snapshot()).To(Equal(before))
	})
})

var _ = Describe("Agent states over HTTP (SPEC §11.3)", func() {
	var (
		st     *stack
		agent1 *client
	)
	BeforeEach(func() {
		st = startStack()
		agent1 = st.client("agent1")
		Expect(agent1.post("/api/v2/me", op{"operationName": "StartContactCenterSession", "channels": []string{"voice"}})).To(succeed())
	})

	DescribeTable("accepts each operation and shows its userState",
		func(body op, want map[string]any) {
			Expect(agent1.post("/api/v2/me/channels/voice", body)).To(succeed())
			Expect(agent1.device()["userState"]).To(Equal(want))
		},
		Entry("Ready with workmode ManualIn", op{"operationName": "Ready", "workmode": "ManualIn"},
			map[string]any{"id": "9430250E-0A1B-421F-B372-F29E69366DED", "displayName": "Ready", "state": "Ready"}),
		Entry("NotReady with reason and reasonCode", op{"operationName": "NotReady", "reason": "Lunch", "reasonCode": "3"},
			map[string]any{"id": "900D55CC-2BB0-431F-8BF9-D3525B383BE6", "displayName": "Not Ready", "state": "NotReady",
				"reason": "Lunch", "reasonCode": "3"}),
		Entry("AfterCallWork with wrapUpTime", op{"operationName": "AfterCallWork", "wrapUpTime": "30"},
			map[string]any{"id": "D3663509-3D82-4DD3-A82E-2EA8EFA02AEF", "displayName": "AfterCallWork", "state": "NotReady", "workMode": "AfterCallWork"}),
		Entry("AuxWork", op{"operationName": "AuxWork"},
			map[string]any{"id": "2B36138D-C564-4562-A8CB-3C32D564F296", "displayName": "AuxWork", "state": "NotReady", "workMode": "AuxWork"}),
		Entry("Offline", op{"operationName": "Offline"},
			map[string]any{"id": "0F7F5003-EF26-4D13-A6Ef-D0C7EC819BEB", "displayName": "Offline", "state": "LoggedOut"}),
	)

	DescribeTable("refuses bad parameters with no change",
		func(body string, status, code int) {
			before := st.snapshot()
			r := agent1.post("/api/v2/me/channels/voice", body)
			Expect(r).To(haveStatus(status, code))
			Expect(st.snapshot()).To(Equal(before))
		},
		Entry("an unknown workmode", `{"operationName":"Ready","workmode":"Sideways"}`, http.StatusBadRequest, restapi.StatusInvalidValue),
		Entry("a reason that is a number", `{"operationName":"NotReady","reason":5}`, http.StatusBadRequest, restapi.StatusInvalidValue),
		Entry("a wrapUpTime that is a number", `{"operationName":"AfterCallWork","wrapUpTime":30}`, http.StatusBadRequest, restapi.StatusInvalidValue),
	)

	It("keeps the HTTP session after Offline; agent states then need a new contact-center session", func() {
		Expect(agent1.post("/api/v2/me/channels/voice", op{"operationName": "Offline"})).To(succeed())
		Expect(agent1.cookieOnly().get("/api/v2/me")).To(succeed())
		Expect(agent1.post("/api/v2/me/channels/voice", op{"operationName": "Ready"})).To(haveStatus(http.StatusBadRequest, restapi.StatusInvalidState))
	})
})
