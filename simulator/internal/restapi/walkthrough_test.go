package restapi_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The walkthrough of the README, through REST only: a supervisor coaches an agent, a customer calls the
// agent, the agent transfers the call to a colleague; what the supervisor sees depends on the scope.
var _ = Describe("Walkthrough: Coach, then a transfer", func() {
	var (
		st                              *stack
		sup1, customer1, agent1, agent2 *client
		customerCallView                func() map[string]any
	)

	BeforeEach(func() {
		st = startStack()
		sup1, customer1 = st.client("supervisor1"), st.client("customer1")
		agent1, agent2 = st.client("agent1"), st.client("agent2")
		customerCallView = func() map[string]any {
			GinkgoHelper()
			calls := customer1.calls()
			Expect(calls).To(HaveLen(1))
			return calls[0].(map[string]any)
		}
	})

	// coachedCall runs the common start and returns the call id: supervisor1 coaches agent1 with the given
	// scope, customer1 dials 5001, agent1 answers, and supervisor1 is on the call.
	coachedCall := func(scope string) string {
		GinkgoHelper()
		By("supervisor1 coaches agent1 with " + scope + " scope")
		Expect(sup1.deviceOp(op{"operationName": "Coach", "targetDeviceUri": st.deviceURI("agent1"),
			"supervisorMonitoringScope": scope})).To(succeed())
		Expect(sup1.device()).To(HaveKeyWithValue("supervisorMonitoringState", map[string]any{
			"state": "Coach", "mode": "AllCalls", "scope": scope, "targetDeviceUri": st.deviceURI("agent1"),
		}))
		Expect(sup1.calls()).To(BeEmpty(), "no call before agent1 receives one")

		By("customer1 dials 5001 and agent1 answers")
		Expect(customer1.dial("5001")).To(succeed())
		id := agent1.onlyCallID()
		Expect(sup1.calls()).To(BeEmpty(), "a ringing call is not supervised yet")
		Expect(agent1.callOp(id, op{"operationName": "Answer"})).To(succeed())

		By("supervisor1 reads an established monitoring call with both parties")
		calls := sup1.calls()
		Expect(calls).To(HaveLen(1))
		call := calls[0]
		Expect(call).To(HaveKeyWithValue("id", id))
		Expect(call).To(HaveKeyWithValue("state", "Established"))
		Expect(call).To(HaveKeyWithValue("monitoring", true))
		Expect(call).To(HaveKeyWithValue("mute", "Off"), "a coach can talk to the agent")
		Expect(call).To(HaveKeyWithValue("deviceUri", st.deviceURI("supervisor1")))
		Expect(participants(call)).To(ConsistOf("5000", "5001"))

		By("agent1 hears the coach; customer1 does not see the coach")
		agentCall := agent1.calls()[0]
		Expect(agentCall).To(HaveKeyWithValue("supervisorListeningIn", true))
		Expect(participants(agentCall)).To(ConsistOf("5000", "5005"))
		Expect(participants(customerCallView())).To(ConsistOf("5001"))
		return id
	}

	It("with Agent scope, the supervisor leaves with agent1 and never reaches agent2", func() {
		id := coachedCall("Agent")

		By("agent1 transfers the call to 5002 in one step")
		Expect(agent1.callOp(id, op{"operationName": "SingleStepTransfer", "destination": op{"phoneNumber": "5002"}})).To(succeed())
		Expect(agent1.calls()).To(BeEmpty())
		Expect(sup1.calls()).To(BeEmpty(), "supervisor1's call is released with agent1")
		Expect(at(agent2.calls(), 0, "state")).To(Equal("Ringing"))

		By("agent2 answers: the call goes on without supervisor1")
		Expect(agent2.callOp(id, op{"operationName": "Answer"})).To(succeed())
		Expect(sup1.calls()).To(BeEmpty())
		b := agent2.calls()[0]
		Expect(b).To(HaveKeyWithValue("state", "Established"))
		Expect(b).To(HaveKeyWithValue("supervisorListeningIn", false))
		Expect(participants(b)).To(ConsistOf("5000"))
		Expect(participants(customerCallView())).To(ConsistOf("5002"))

		By("the AllCalls subscription stays on agent1")
		Expect(at(sup1.device(), "supervisorMonitoringState", "targetDeviceUri")).To(Equal(st.deviceURI("agent1")))
	})

	// coachingReachesAgent2 checks behaviour.md §5 (Call scope, Coach): B's call shows the supervisor.
	coachingReachesAgent2 := func() {
		GinkgoHelper()
		b := agent2.calls()[0]
		Expect(b).To(HaveKeyWithValue("state", "Established"))
		Expect(b).To(HaveKeyWithValue("supervisorListeningIn", true))
		Expect(participants(b)).To(ConsistOf("5000", "5005"))
		Expect(participants(at(sup1.calls(), 0))).To(ConsistOf("5000", "5002"))
	}

	It("with Call scope, the supervisor stays with the call, lists the customer and agent2, and coaches agent2", func() {
		id := coachedCall("Call")

		By("agent1 transfers the call to 5002 in one step")
		Expect(agent1.callOp(id, op{"operationName": "SingleStepTransfer", "destination": op{"phoneNumber": "5002"}})).To(succeed())
		Expect(agent1.calls()).To(BeEmpty())
		calls := sup1.calls()
		Expect(calls).To(HaveLen(1), "supervisor1 stays on the call")
		Expect(calls[0]).To(HaveKeyWithValue("state", "Established"))
		Expect(participants(calls[0])).To(ConsistOf("5000"), "agent1 left; agent2 is not connected yet")

		By("agent2 answers: supervisor1's call lists the customer and agent2")
		Expect(agent2.callOp(id, op{"operationName": "Answer"})).To(succeed())
		calls = sup1.calls()
		Expect(calls).To(HaveLen(1))
		Expect(calls[0]).To(HaveKeyWithValue("id", id))
		Expect(calls[0]).To(HaveKeyWithValue("state", "Established"))
		Expect(calls[0]).To(HaveKeyWithValue("monitoring", true))
		Expect(participants(calls[0])).To(ConsistOf("5000", "5002"))
		Expect(participants(customerCallView())).To(ConsistOf("5002"))

		By("coaching now reaches agent2")
		coachingReachesAgent2()
		Expect(at(sup1.device(), "supervisorMonitoringState", "targetDeviceUri")).To(Equal(st.deviceURI("agent1")),
			"the subscription still names agent1")

		By("the customer hangs up: everyone's call ends")
		Expect(customer1.callOp(id, op{"operationName": "Hangup"})).To(succeed())
		Expect(sup1.calls()).To(BeEmpty())
		Expect(agent2.calls()).To(BeEmpty())
	})

	It("with Call scope and a two-step transfer, coaching reaches agent2", func() {
		id := coachedCall("Call")

		By("agent1 consults agent2, agent2 answers, agent1 completes the transfer")
		Expect(agent1.callOp(id, op{"operationName": "InitiateTransfer", "destination": op{"phoneNumber": "5002"}})).To(succeed())
		consult := agent2.onlyCallID()
		Expect(agent2.callOp(consult, op{"operationName": "Answer"})).To(succeed())
		Expect(agent1.callOp(id, op{"operationName": "CompleteTransfer"})).To(succeed())
		Expect(agent1.calls()).To(BeEmpty())
		coachingReachesAgent2()
	})
})
