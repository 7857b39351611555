package restapi_test

import (
	"encoding/json"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/engine"
	"github.com/coachsim/coachsim/simulator/internal/restapi"
)

// The parameters of the call-data operations, decoded from real request bodies (behaviour.md §12): userData
// on Dial and the user-data operations, key, digits, participant, otherCallUri, and ForwardCallsOn's
// destination in both documented forms.
var _ = Describe("Call data operations over HTTP", func() {
	var (
		st                           *stack
		customer1, agent1, sup1, ag3 *client
		mu                           sync.Mutex
		published                    []engine.Published
	)
	BeforeEach(func() {
		st = startStack(func(env *fixtures.Environment) {
			for i := range env.Users {
				if env.Users[i].UserName == "agent3" {
					env.Users[i].Features = append(env.Users[i].Features, fixtures.FeatureVoiceRecording)
				}
			}
		})
		customer1, agent1, sup1, ag3 = st.client("customer1"), st.client("agent1"), st.client("supervisor1"), st.client("agent3")
		mu.Lock()
		published = nil
		mu.Unlock()
		DeferCleanup(st.eng.Subscribe(func(batch []engine.Published) {
			mu.Lock()
			defer mu.Unlock()
			published = append(published, batch...)
		}))
	})
	// kinds lists the notificationTypes published to a user so far.
	kinds := func(name string) []string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for _, p := range published {
			if p.UserID != st.user(name).ID {
				continue
			}
			var d struct {
				NotificationType string `json:"notificationType"`
			}
			_ = json.Unmarshal(p.Data, &d)
			out = append(out, d.NotificationType)
		}
		return out
	}
	// failWith: refused with this statusCode and its HTTP status from the one table.
	failWith := func(code int) types.GomegaMatcher { return haveStatus(restapi.HTTPStatus(code), code) }
	dialWithData := func(data any) string {
		GinkgoHelper()
		Expect(customer1.post("/api/v2/me/devices/"+st.user("customer1").Device.ID+"/calls",
			op{"operationName": "Dial", "destination": op{"phoneNumber": "5001"}, "userData": data})).To(succeed())
		return agent1.onlyCallID()
	}

	It("shows Dial's userData on the ringing call and on the coaching supervisor's call; AttachUserData reaches every party", func() {
		Expect(sup1.deviceOp(op{"operationName": "Coach", "targetDeviceUri": st.deviceURI("agent1")})).To(succeed())
		id := dialWithData(op{"segment": "gold"})
		Expect(at(agent1.calls(), 0, "state")).To(Equal("Ringing"))
		Expect(at(agent1.calls(), 0, "userData")).To(Equal(map[string]any{"segment": "gold"}))
		Expect(agent1.callOp(id, op{"operationName": "Answer"})).To(succeed())
		Expect(at(sup1.calls(), 0, "userData")).To(Equal(map[string]any{"segment": "gold"}))

		Expect(agent1.callOp(id, op{"operationName": "AttachUserData", "userData": op{"case": op{"id": 7}}})).To(succeed())
		for _, c := range []*client{agent1, customer1, sup1} {
			Expect(at(c.calls(), 0, "userData", "case", "id")).To(Equal(7.0), c.name)
		}
		Eventually(func() []string { return kinds("supervisor1") }).Should(ContainElement("AttachedDataChanged"))
		for _, name := range []string{"agent1", "customer1", "supervisor1"} {
			Expect(kinds(name)).To(ContainElement("AttachedDataChanged"), name)
		}

		Expect(customer1.callOp(id, op{"operationName": "DeleteUserDataPair", "key": "segment"})).To(succeed())
		Expect(at(agent1.calls(), 0, "userData")).To(Equal(map[string]any{"case": map[string]any{"id": 7.0}}))
		Expect(agent1.callOp(id, op{"operationName": "DeleteUserData"})).To(succeed())
		Expect(agent1.calls()[0]).NotTo(HaveKey("userData"))
	})

	It("refuses userData that is not an object, values that are neither strings, numbers nor objects, and a missing key", func() {
		id := dialWithData(op{"a": "1"})
		before := st.snapshot()
		Expect(agent1.callOp(id, op{"operationName": "AttachUserData", "userData": "gold"})).To(failWith(10))
		Expect(agent1.callOp(id, op{"operationName": "AttachUserData", "userData": op{"flag": false}})).To(failWith(10))
		Expect(agent1.callOp(id, op{"operationName": "AttachUserData"})).To(failWith(1))
		Expect(agent1.callOp(id, op{"operationName": "DeleteUserDataPair"})).To(failWith(1))
		Expect(agent1.callOp(id, op{"operationName": "SendDtmf", "digits": "12"})).To(failWith(2), "a ringing call offers no SendDtmf")
		Expect(st.snapshot()).To(Equal(before))
	})

	It("sends DTMF, swaps calls by otherCallUri, removes a participant and records", func() {
		Expect(customer1.dial("5003")).To(succeed())
		id := ag3.onlyCallID()
		Expect(ag3.callOp(id, op{"operationName": "Answer"})).To(succeed())
		Expect(ag3.callOp(id, op{"operationName": "SendDtmf", "digits": "42"})).To(succeed())
		Expect(ag3.callOp(id, op{"operationName": "SendDtmf", "digits": "4*"})).To(failWith(10))
		Eventually(func() []string { return kinds("agent3") }).Should(ContainElement("DtmfSent"))

		Expect(ag3.callOp(id, op{"operationName": "StartCallRecording"})).To(succeed())
		Expect(at(ag3.calls(), 0, "recordingState")).To(Equal("Recording"))
		Expect(customer1.callOp(id, op{"operationName": "StartCallRecording"})).To(failWith(5))
		Expect(customer1.calls()[0]).NotTo(HaveKey("recordingState"))

		Expect(ag3.callOp(id, op{"operationName": "InitiateConference", "destination": op{"phoneNumber": "5001"}})).To(succeed())
		var consult string
		for _, c := range ag3.calls() {
			if at(c, "callType") == "Consult" {
				consult, _ = at(c, "id").(string)
			}
		}
		Expect(consult).NotTo(BeEmpty())
		Expect(ag3.callOp(id, op{"operationName": "SwapCalls", "otherCallUri": "http://x/api/v2/me/calls/nope"})).To(failWith(10))
		Expect(ag3.callOp(id, op{"operationName": "SwapCalls", "otherCallUri": st.srv.URL + "/api/v2/me/calls/" + consult})).To(succeed())
		Expect(ag3.callOp(consult, op{"operationName": "CompleteConference"})).To(succeed())
		Expect(agent1.callOp(agent1.onlyCallID(), op{"operationName": "Answer"})).To(succeed())
		Expect(participants(at(ag3.calls(), 0))).To(ConsistOf("5000", "5001"))
		Expect(ag3.callOp(id, op{"operationName": "RemoveParticipantFromConference"})).To(failWith(1))
		Expect(ag3.callOp(id, op{"operationName": "RemoveParticipantFromConference", "participant": "5001"})).To(succeed())
		Expect(agent1.calls()).To(BeEmpty())
		Expect(participants(at(ag3.calls(), 0))).To(ConsistOf("5000"))
	})

	DescribeTable("ForwardCallsOn takes its destination as a string or as {phoneNumber}",
		func(dest any) {
			Expect(agent1.deviceOp(op{"operationName": "ForwardCallsOn", "destination": dest})).To(succeed())
			d := agent1.device()
			Expect(d).To(HaveKeyWithValue("forwardTo", "5002"))
			Expect(d["capabilities"]).To(ContainElement("ForwardCallsOff"))
			Expect(d["capabilities"]).NotTo(ContainElement("ForwardCallsOn"))
			Expect(customer1.dial("5001")).To(succeed())
			Expect(agent1.calls()).To(BeEmpty(), "the forwarding device sees nothing")
			Expect(st.client("agent2").calls()).To(HaveLen(1))
			Expect(agent1.deviceOp(op{"operationName": "ForwardCallsOff"})).To(succeed())
			Expect(agent1.device()).NotTo(HaveKey("forwardTo"))
		},
		Entry("a plain string", "5002"),
		Entry("an object", op{"phoneNumber": "5002"}),
	)
})
