package control_test

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/restapi"
)

// refused is one control request that must fail. In path, {external} is the id of the call from outside
// that rings agent1 and {internal} the id of customer1's call to agent2.
type refused struct {
	method string // default POST
	path   string
	body   any
	status int
	code   int
	says   string // a substring the statusMessage must contain
}

// padded is a JSON body of exactly size bytes: head, then spaces, then tail.
func padded(head, tail string, size int) string {
	return head + strings.Repeat(" ", size-len(head)-len(tail)) + tail
}

const (
	advanceURL = "/sim/v1/clock/advance"
	callsURL   = "/sim/v1/calls"
	faultsURL  = "/sim/v1/faults"
	resetURL   = "/sim/v1/reset"
	stateURL   = "/sim/v1/state"
)

func fail(user string, code any) map[string]any {
	return map[string]any{"failNext": map[string]any{"user": user, "statusCode": code}}
}

var _ = Describe("Refused control requests", func() {
	var (
		r                  *rig
		external, internal string
		before             map[string]any
	)

	// Every refusal is tried against a busy state, with faults pending: supervisor1 coaches agent1, a call
	// from outside rings agent1, customer1 calls agent2, agent3 is in DoNotDisturb, notifications are delayed
	// by 250 ms and customer2's next operation is set to fail.
	BeforeEach(func() {
		r = startDefault()
		Expect(r.as("supervisor1").deviceOp("Coach", "targetDeviceUri", r.URL+"/api/v2/devices/"+r.user("agent1").Device.ID)).To(succeed())
		external = r.inbound("+14155550100", "5001")
		customer1 := r.as("customer1")
		Expect(customer1.post("/api/v2/me/devices/"+r.user("customer1").Device.ID+"/calls",
			map[string]any{"operationName": "Dial", "destination": map[string]any{"phoneNumber": "5002"}})).To(succeed())
		calls := customer1.calls()
		Expect(calls).To(HaveLen(1))
		internal, _ = calls[0]["id"].(string)
		Expect(r.as("agent3").deviceOp("DoNotDisturbOn")).To(succeed())
		Expect(r.post(faultsURL, map[string]any{"delayNotificationsMs": 250, "failNext": map[string]any{"user": "customer2", "statusCode": 4}})).To(succeed())
		before = r.world()
		Expect(stateCalls(before["state"].(map[string]any))).To(HaveLen(2))
	})

	DescribeTable("answer a GWS error with the HTTP status of its statusCode and change nothing",
		func(c refused) {
			method := c.method
			if method == "" {
				method = http.MethodPost
			}
			path := strings.NewReplacer("{external}", external, "{internal}", internal).Replace(c.path)
			rep := r.control(method, path, c.body)
			Expect(rep).To(beGWSError(c.status, c.code))
			Expect(restapi.HTTPStatus(c.code)).To(Equal(c.status), "the entry disagrees with the one table")
			if c.says != "" {
				Expect(rep.Message()).To(ContainSubstring(c.says), "%s", rep.GomegaString())
			}
			Expect(r.world()).To(Equal(before), "after %s", rep.GomegaString())
		},

		// Bodies, on every endpoint that reads one.
		Entry("reset: an unknown member", refused{path: resetURL, body: `{"hard":true}`, status: 400, code: 10, says: "hard"}),
		Entry("reset: an array", refused{path: resetURL, body: `[]`, status: 400, code: 10, says: "object"}),
		Entry("reset: a number", refused{path: resetURL, body: `5`, status: 400, code: 10, says: "object"}),
		Entry("reset: not JSON", refused{path: resetURL, body: `reset please`, status: 400, code: 10}),
		Entry("reset: a truncated object", refused{path: resetURL, body: `{`, status: 400, code: 10}),
		Entry("reset: two objects", refused{path: resetURL, body: `{} {}`, status: 400, code: 10, says: "one JSON object"}),
		Entry("reset: a body over 1 MiB", refused{path: resetURL, body: padded("{", "}", restapi.MaxBodyBytes+1), status: 400, code: 10, says: "too large"}),

		Entry("advance: no seconds", refused{path: advanceURL, body: `{}`, status: 400, code: 1, says: "seconds"}),
		Entry("advance: an empty body", refused{path: advanceURL, body: ``, status: 400, code: 1, says: "seconds"}),
		Entry("advance: seconds null", refused{path: advanceURL, body: `{"seconds":null}`, status: 400, code: 1, says: "seconds"}),
		Entry("advance: zero seconds", refused{path: advanceURL, body: `{"seconds":0}`, status: 400, code: 10, says: "seconds"}),
		Entry("advance: negative seconds", refused{path: advanceURL, body: `{"seconds":-30}`, status: 400, code: 10, says: "seconds"}),
		Entry("advance: more than a week", refused{path: advanceURL, body: `{"seconds":604800.5}`, status: 400, code: 10, says: "604800"}),
		Entry("advance: far too many seconds", refused{path: advanceURL, body: `{"seconds":1e300}`, status: 400, code: 10, says: "seconds"}),
		Entry("advance: seconds as a string", refused{path: advanceURL, body: `{"seconds":"30"}`, status: 400, code: 10, says: "seconds"}),
		Entry("advance: seconds as a bool", refused{path: advanceURL, body: `{"seconds":true}`, status: 400, code: 10, says: "seconds"}),
		Entry("advance: seconds as an object", refused{path: advanceURL, body: `{"seconds":{"value":30}}`, status: 400, code: 10, says: "seconds"}),
		Entry("advance: an unknown member", refused{path: advanceURL, body: `{"seconds":30,"minutes":1}`, status: 400, code: 10, says: "minutes"}),
		Entry("advance: a misspelt member", refused{path: advanceURL, body: `{"second":30}`, status: 400, code: 10, says: "second"}),
		Entry("advance: trailing data", refused{path: advanceURL, body: `{"seconds":30} {"seconds":30}`, status: 400, code: 10}),
		Entry("advance: a trailing value", refused{path: advanceURL, body: `{"seconds":30} 30`, status: 400, code: 10}),
		Entry("advance: a body over 1 MiB", refused{path: advanceURL, body: padded(`{"seconds":`, `30}`, restapi.MaxBodyBytes+1), status: 400, code: 10, says: "too large"}),

		Entry("calls: no from", refused{path: callsURL, body: `{"to":"5001"}`, status: 400, code: 1, says: "from"}),
		Entry("calls: no to", refused{path: callsURL, body: `{"from":"+14155550100"}`, status: 400, code: 1, says: "to"}),
		Entry("calls: an empty object", refused{path: callsURL, body: `{}`, status: 400, code: 1}),
		Entry("calls: an empty body", refused{path: callsURL, body: ``, status: 400, code: 1}),
		Entry("calls: from is not a number", refused{path: callsURL, body: `{"from":"alice","to":"5001"}`, status: 400, code: 10, says: "alice"}),
		Entry("calls: from is a bare plus", refused{path: callsURL, body: `{"from":"+","to":"5001"}`, status: 400, code: 10}),
		Entry("calls: from is customer1's DN", refused{path: callsURL, body: `{"from":"5000","to":"5001"}`, status: 400, code: 10, says: "customer1"}),
		Entry("calls: from is an agent's DN", refused{path: callsURL, body: `{"from":"5002","to":"5001"}`, status: 400, code: 10, says: "agent2"}),
		Entry("calls: from is the routing point", refused{path: callsURL, body: `{"from":"7000","to":"5001"}`, status: 400, code: 10, says: "routing point"}),
		Entry("calls: to is unknown", refused{path: callsURL, body: `{"from":"+14155550100","to":"9999"}`, status: 404, code: 6, says: "9999"}),
		Entry("calls: to is a user name", refused{path: callsURL, body: `{"from":"+14155550100","to":"agent1"}`, status: 404, code: 6}),
		Entry("calls: from as a number", refused{path: callsURL, body: `{"from":14155550100,"to":"5001"}`, status: 400, code: 10, says: "from"}),
		Entry("calls: to as a number", refused{path: callsURL, body: `{"from":"+14155550100","to":5001}`, status: 400, code: 10, says: "to"}),
		Entry("calls: an unknown member", refused{path: callsURL, body: `{"from":"+14155550100","to":"5001","via":"7000"}`, status: 400, code: 10, says: "via"}),
		Entry("calls: trailing data", refused{path: callsURL, body: `{"from":"+14155550100","to":"5001"}{}`, status: 400, code: 10}),
		Entry("calls: a body over 1 MiB", refused{path: callsURL, body: padded(`{"from":"+14155550100",`, `"to":"5001"}`, restapi.MaxBodyBytes+1), status: 400, code: 10, says: "too large"}),

		Entry("hang-up: an unknown call", refused{method: http.MethodDelete, path: callsURL + "/01CS0000000000000000000000000099", status: 404, code: 6, says: "01CS0000000000000000000000000099"}),
		Entry("hang-up: a call with no external caller", refused{method: http.MethodDelete, path: callsURL + "/{internal}", status: 404, code: 6}),

		Entry("faults: an empty object", refused{path: faultsURL, body: `{}`, status: 400, code: 1, says: "expireSessions"}),
		Entry("faults: an empty body", refused{path: faultsURL, body: ``, status: 400, code: 1}),
		Entry("faults: expireSessions false alone", refused{path: faultsURL, body: `{"expireSessions":false}`, status: 400, code: 1}),
		Entry("faults: a negative delay", refused{path: faultsURL, body: `{"delayNotificationsMs":-1}`, status: 400, code: 10, says: "delayNotificationsMs"}),
		Entry("faults: a delay over a minute", refused{path: faultsURL, body: `{"delayNotificationsMs":60001}`, status: 400, code: 10, says: "delayNotificationsMs"}),
		Entry("faults: a delay as a string", refused{path: faultsURL, body: `{"delayNotificationsMs":"100"}`, status: 400, code: 10, says: "delayNotificationsMs"}),
		Entry("faults: expireSessions as a string", refused{path: faultsURL, body: `{"expireSessions":"yes"}`, status: 400, code: 10, says: "expireSessions"}),
		Entry("faults: failNext as a string", refused{path: faultsURL, body: `{"failNext":"agent1"}`, status: 400, code: 10, says: "failNext"}),
		Entry("faults: failNext without a user", refused{path: faultsURL, body: `{"failNext":{"statusCode":4}}`, status: 400, code: 1, says: "failNext.user"}),
		Entry("faults: failNext without a statusCode", refused{path: faultsURL, body: `{"failNext":{"user":"agent1"}}`, status: 400, code: 1, says: "failNext.statusCode"}),
		Entry("faults: failNext empty", refused{path: faultsURL, body: `{"failNext":{}}`, status: 400, code: 1}),
		Entry("faults: failNext for an unknown user", refused{path: faultsURL, body: fail("nobody", 4), status: 404, code: 6, says: "nobody"}),
		Entry("faults: failNext for a user id instead of a name", refused{path: faultsURL, body: fail(fixtures.Default().Users[1].ID, 4), status: 404, code: 6}),
		Entry("faults: failNext statusCode 0 (success)", refused{path: faultsURL, body: fail("agent1", 0), status: 400, code: 10, says: "statusCode"}),
		Entry("faults: failNext statusCode 7 (partial success)", refused{path: faultsURL, body: fail("agent1", 7), status: 400, code: 10, says: "7"}),
		Entry("faults: failNext statusCode 21 (undocumented)", refused{path: faultsURL, body: fail("agent1", 21), status: 400, code: 10, says: "21"}),
		Entry("faults: failNext statusCode -1", refused{path: faultsURL, body: fail("agent1", -1), status: 400, code: 10}),
		Entry("faults: failNext statusCode as a string", refused{path: faultsURL, body: fail("agent1", "4"), status: 400, code: 10, says: "statusCode"}),
		Entry("faults: failNext statusCode not whole", refused{path: faultsURL, body: fail("agent1", 4.5), status: 400, code: 10, says: "statusCode"}),
		Entry("faults: failNext with an unknown member", refused{path: faultsURL, body: `{"failNext":{"user":"agent1","statusCode":4,"times":2}}`, status: 400, code: 10, says: "times"}),
		Entry("faults: an unknown member", refused{path: faultsURL, body: `{"dropNotifications":true}`, status: 400, code: 10, says: "dropNotifications"}),
		Entry("faults: trailing data", refused{path: faultsURL, body: `{"delayNotificationsMs":5} {"delayNotificationsMs":6}`, status: 400, code: 10}),
		Entry("faults: a body over 1 MiB", refused{path: faultsURL, body: padded(`{"delayNotificationsMs":`, `5}`, restapi.MaxBodyBytes+1), status: 400, code: 10, says: "too large"}),

		// Pending: the decoder accepts what is not one JSON object. json.Decoder.More reports false before a
		// stray '}' or ']', so trailing closing delimiters pass (and the request takes effect), and a null body
		// decodes into the empty struct.
		Entry("advance: a trailing closing brace", refused{path: advanceURL, body: `{"seconds":30}}`, status: 400, code: 10}),
		Entry("advance: a trailing closing bracket", refused{path: advanceURL, body: `{"seconds":30}]`, status: 400, code: 10}),
		Entry("faults: a trailing closing brace", refused{path: faultsURL, body: `{"delayNotificationsMs":5}}`, status: 400, code: 10}),
		Entry("reset: null", refused{path: resetURL, body: `null`, status: 400, code: 10, says: "object"}),

		// A request is validated whole before anything changes.
		Entry("faults: a valid delay with an unknown failNext user", refused{path: faultsURL,
			body: map[string]any{"delayNotificationsMs": 10, "failNext": map[string]any{"user": "nobody", "statusCode": 4}}, status: 404, code: 6}),
		Entry("faults: a valid delay with a non-injectable statusCode", refused{path: faultsURL,
			body: map[string]any{"delayNotificationsMs": 10, "failNext": map[string]any{"user": "agent1", "statusCode": 0}}, status: 400, code: 10}),
		Entry("faults: a valid failNext with a bad delay", refused{path: faultsURL,
			body: map[string]any{"delayNotificationsMs": -5, "failNext": map[string]any{"user": "agent1", "statusCode": 4}}, status: 400, code: 10}),

		// Methods and paths. Pending: a wrong method on any route but the last one registered (the /faults
		// routes) gets 404/6 instead of 400/2 (gorilla/mux#751: a PathPrefix subrouter's routes inherit the
		// prefix matcher, which clears the method mismatch); see the report of the change that added these.
		Entry("GET reset", refused{method: http.MethodGet, path: resetURL, status: 400, code: 2, says: "GET"}),
		Entry("GET advance", refused{method: http.MethodGet, path: advanceURL, status: 400, code: 2}),
		Entry("PUT advance", refused{method: http.MethodPut, path: advanceURL, body: `{"seconds":30}`, status: 400, code: 2, says: "PUT"}),
		Entry("GET calls", refused{method: http.MethodGet, path: callsURL, status: 400, code: 2}),
		Entry("DELETE calls", refused{method: http.MethodDelete, path: callsURL, status: 400, code: 2}),
		Entry("GET one call", refused{method: http.MethodGet, path: callsURL + "/{external}", status: 400, code: 2}),
		Entry("POST one call", refused{method: http.MethodPost, path: callsURL + "/{external}", body: `{}`, status: 400, code: 2}),
		Entry("POST state", refused{method: http.MethodPost, path: stateURL, body: `{}`, status: 400, code: 2, says: "POST"}),
		Entry("DELETE state", refused{method: http.MethodDelete, path: stateURL, status: 400, code: 2}),
		Entry("PUT faults", refused{method: http.MethodPut, path: faultsURL, body: `{"delayNotificationsMs":5}`, status: 400, code: 2}),
		Entry("PATCH faults", refused{method: http.MethodPatch, path: faultsURL, body: `{"delayNotificationsMs":5}`, status: 400, code: 2}),
		Entry("an unknown resource", refused{method: http.MethodGet, path: "/sim/v1/users", status: 404, code: 6, says: "/sim/v1/users"}),
		Entry("the prefix itself", refused{method: http.MethodGet, path: "/sim/v1", status: 404, code: 6}),
		Entry("the prefix with a slash", refused{method: http.MethodGet, path: "/sim/v1/", status: 404, code: 6}),
		Entry("a resource below reset", refused{path: resetURL + "/now", status: 404, code: 6}),
		Entry("clock without advance", refused{path: "/sim/v1/clock", body: `{"seconds":30}`, status: 404, code: 6}),
	)

	It("refuses to advance the real clock with statusCode 2, and changes nothing", func() {
		rr := startRig(fixtures.Default()) // the wall clock
		Expect(rr.as("agent3").deviceOp("DoNotDisturbOn")).To(succeed())
		was := withoutNow(rr.state())
		rep := rr.post(advanceURL, map[string]any{"seconds": 30})
		Expect(rep).To(beGWSError(http.StatusBadRequest, 2))
		Expect(rep.Message()).To(ContainSubstring("real clock"))
		Expect(withoutNow(rr.state())).To(Equal(was))
		// Validation comes first: a bad body is refused as such.
		Expect(rr.post(advanceURL, `{"seconds":0}`)).To(beGWSError(http.StatusBadRequest, 10))
	})
})
