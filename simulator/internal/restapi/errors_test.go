package restapi_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/simulator/internal/apitest"
	"github.com/coachsim/coachsim/simulator/internal/restapi"
)

var _ = Describe("HTTPStatus", func() {
	DescribeTable("maps every statusCode to its HTTP status",
		func(code, want int) { Expect(restapi.HTTPStatus(code)).To(Equal(want)) },
		Entry("0 success", 0, http.StatusOK),
		Entry("1 missing parameter", 1, http.StatusBadRequest),
		Entry("2 invalid in the current state", 2, http.StatusBadRequest),
		Entry("3 forbidden", 3, http.StatusForbidden),
		Entry("4 internal error", 4, http.StatusInternalServerError),
		Entry("5 no permission", 5, http.StatusForbidden),
		Entry("6 not found", 6, http.StatusNotFound),
		Entry("7 partial success", 7, http.StatusOK),
		Entry("8 password change required", 8, http.StatusInternalServerError),
		Entry("9 processing incomplete", 9, http.StatusInternalServerError),
		Entry("10 invalid value", 10, http.StatusBadRequest),
		Entry("11 read-only property", 11, http.StatusBadRequest),
		Entry("12 cannot retrieve", 12, http.StatusInternalServerError),
		Entry("13 cannot create", 13, http.StatusInternalServerError),
		Entry("14 cannot delete", 14, http.StatusInternalServerError),
		Entry("15 cannot update", 15, http.StatusInternalServerError),
		Entry("16 cannot assign", 16, http.StatusInternalServerError),
		Entry("17 cannot unassign", 17, http.StatusInternalServerError),
		Entry("18 already exists", 18, http.StatusConflict),
		Entry("19 in use", 19, http.StatusConflict),
		Entry("20 not authenticated", 20, http.StatusForbidden),
		Entry("an undocumented code", 21, http.StatusInternalServerError),
		Entry("a negative code", -1, http.StatusInternalServerError),
	)

	It("names the documented statusCodes with their numbers", func() {
		Expect([]int{
			restapi.StatusOK, restapi.StatusMissingParameter, restapi.StatusInvalidState, restapi.StatusForbidden,
			restapi.StatusInternal, restapi.StatusNoPermission, restapi.StatusNotFound, restapi.StatusInvalidValue,
			restapi.StatusInUse, restapi.StatusNotAuthenticated,
		}).To(Equal([]int{0, 1, 2, 3, 4, 5, 6, 10, 19, 20}))
	})
})

// badRequest is one request that must fail. In path and in the string values of an op body, {dev} is the
// acting user's device id, {dev:NAME} another user's, {uri:NAME} a device URI and {call} the call between
// customer1 and agent1.
type badRequest struct {
	as     string // user name; "" sends no credentials
	pass   string // password, when not the user's own
	method string // default POST
	path   string
	body   any
	status int
	code   int
	says   string // a substring the statusMessage must contain, if any
}

var _ = Describe("Errors", func() {
	var (
		st     *stack
		callID string
	)

	// Every error is tried against a busy state: supervisor1 coaches agent1 (Agent scope) on an established
	// call from customer1, agent2 has a contact-center session, agent3 is in DoNotDisturb.
	BeforeEach(func() {
		st = startStack()
		sup1, agent1 := st.client("supervisor1"), st.client("agent1")
		Expect(sup1.deviceOp(op{"operationName": "Coach", "targetDeviceUri": st.deviceURI("agent1"),
			"supervisorMonitoringScope": "Agent"})).To(succeed())
		Expect(st.client("customer1").dial("5001")).To(succeed())
		callID = agent1.onlyCallID()
		Expect(agent1.callOp(callID, op{"operationName": "Answer"})).To(succeed())
		Expect(sup1.calls()).To(HaveLen(1), "supervisor1 is on the call")
		Expect(st.client("agent2").post("/api/v2/me", op{"operationName": "StartContactCenterSession", "channels": []string{"voice"}})).To(succeed())
		Expect(st.client("agent3").deviceOp(op{"operationName": "DoNotDisturbOn"})).To(succeed())
	})

	expand := func(as, s string) string {
		pairs := []string{"{call}", callID}
		if as != "" {
			pairs = append(pairs, "{dev}", st.user(as).Device.ID)
		}
		for _, name := range st.userNames() {
			pairs = append(pairs, "{dev:"+name+"}", st.user(name).Device.ID, "{uri:"+name+"}", st.deviceURI(name))
		}
		return strings.NewReplacer(pairs...).Replace(s)
	}

	send := func(b badRequest) reply {
		GinkgoHelper()
		c := st.anonymous()
		if b.as != "" {
			c = st.client(b.as)
		}
		if b.pass != "" {
			c = c.withBasic(b.as, b.pass)
		}
		body := b.body
		if o, ok := body.(op); ok {
			cp := op{}
			for k, v := range o {
				if s, ok := v.(string); ok {
					v = expand(b.as, s)
				}
				cp[k] = v
			}
			body = cp
		}
		method := b.method
		if method == "" {
			method = http.MethodPost
		}
		return c.do(method, expand(b.as, b.path), body, nil)
	}

	DescribeTable("refuses operations that are not application/json with statusCode 10, changing nothing",
		func(contentType string) {
			before := st.snapshot()
			c := st.client("agent2")
			req := c.do(http.MethodGet, "/api/v2/me", nil, nil) // the session first, so that only the type is wrong
			Expect(req).To(succeed())
			ct := []string{contentType}
			if contentType == "" {
				ct = nil
			}
			r := c.do(http.MethodPost, "/api/v2/me/devices/"+st.user("agent2").Device.ID, `{"operationName":"DoNotDisturbOn"}`,
				http.Header{"Content-Type": ct})
			Expect(r).To(haveStatus(http.StatusBadRequest, restapi.StatusInvalidValue))
			Expect(r.Message()).To(ContainSubstring("application/json"))
			Expect(st.snapshot()).To(Equal(before))
		},
		Entry("text/plain, as a cross-site form can send", "text/plain"),
		Entry("a form", "application/x-www-form-urlencoded"),
		Entry("no Content-Type", ""),
		Entry("JSON's look-alike", "application/jsonp"),
	)

	It("accepts application/json with parameters", func() {
		c := st.client("agent2")
		r := c.do(http.MethodPost, "/api/v2/me/devices/"+st.user("agent2").Device.ID, `{"operationName":"DoNotDisturbOn"}`,
			http.Header{"Content-Type": {"application/json; charset=UTF-8"}})
		Expect(r).To(succeed())
	})

	DescribeTable("refuses with the statusCode of the table and changes nothing",
		func(b badRequest) {
			before := st.snapshot()
			r := send(b)
			Expect(r).To(haveStatus(b.status, b.code))
			Expect(r.Header.Get("Content-Type")).To(HavePrefix("application/json"))
			Expect(r.Message()).NotTo(BeEmpty(), "every error carries a statusMessage: %s", r.GomegaString())
			if b.says != "" {
				Expect(r.Message()).To(ContainSubstring(b.says))
			}
			Expect(st.snapshot()).To(Equal(before), "state after %s", r.GomegaString())
		},

		// statusCode 1: a required parameter is missing.
		Entry("empty body", badRequest{as: "agent2", path: "/api/v2/me/devices/{dev}", body: "", status: 400, code: 1}),
		Entry("blank body", badRequest{as: "agent2", path: "/api/v2/me/devices/{dev}", body: " \n\t", status: 400, code: 1}),
		Entry("JSON null", badRequest{as: "agent2", path: "/api/v2/me/devices/{dev}", body: "null", status: 400, code: 1}),
		Entry("no operationName", badRequest{as: "agent2", path: "/api/v2/me", body: "{}", status: 400, code: 1, says: "operationName"}),
		Entry("empty operationName", badRequest{as: "agent2", path: "/api/v2/me", body: op{"operationName": ""}, status: 400, code: 1}),
		Entry("Dial without destination", badRequest{as: "customer2", path: "/api/v2/me/devices/{dev}/calls",
			body: op{"operationName": "Dial"}, status: 400, code: 1}),
		Entry("Dial with an empty destination object", badRequest{as: "customer2", path: "/api/v2/me/devices/{dev}/calls",
			body: op{"operationName": "Dial", "destination": op{}}, status: 400, code: 1}),
		Entry("Coach without targetDeviceUri", badRequest{as: "supervisor2", path: "/api/v2/me/devices/{dev}",
			body: op{"operationName": "Coach"}, status: 400, code: 1, says: "targetDeviceUri"}),
		Entry("SingleStepTransfer without destination", badRequest{as: "agent1", path: "/api/v2/me/calls/{call}",
			body: op{"operationName": "SingleStepTransfer"}, status: 400, code: 1}),

		// statusCode 2: not valid in the current state (unknown operations, operations not in capabilities).
		Entry("unknown operation on /me", badRequest{as: "agent2", path: "/api/v2/me", body: op{"operationName": "Fly"}, status: 400, code: 2}),
		Entry("unknown operation on a device", badRequest{as: "agent2", path: "/api/v2/me/devices/{dev}",
			body: op{"operationName": "Fly"}, status: 400, code: 2}),
		Entry("unknown operation on a call", badRequest{as: "agent1", path: "/api/v2/me/calls/{call}",
			body: op{"operationName": "Fly"}, status: 400, code: 2}),
		Entry("unknown operation on the voice channel", badRequest{as: "agent2", path: "/api/v2/me/channels/voice",
			body: op{"operationName": "Fly"}, status: 400, code: 2}),
		Entry("Dial posted on the device itself", badRequest{as: "customer2", path: "/api/v2/me/devices/{dev}",
			body: op{"operationName": "Dial", "destination": "5002"}, status: 400, code: 2}),
		Entry("another operation posted on a device's calls", badRequest{as: "customer2", path: "/api/v2/me/devices/{dev}/calls",
			body: op{"operationName": "Answer"}, status: 400, code: 2}),
		Entry("DoNotDisturbOff while off", badRequest{as: "agent2", path: "/api/v2/me/devices/{dev}",
			body: op{"operationName": "DoNotDisturbOff"}, status: 400, code: 2}),
		Entry("DoNotDisturbOn while on", badRequest{as: "agent3", path: "/api/v2/me/devices/{dev}",
			body: op{"operationName": "DoNotDisturbOn"}, status: 400, code: 2}),
		Entry("Answer on an established call", badRequest{as: "agent1", path: "/api/v2/me/calls/{call}",
			body: op{"operationName": "Answer"}, status: 400, code: 2}),
		Entry("Retrieve on a call that is not held", badRequest{as: "agent1", path: "/api/v2/me/calls/{call}",
			body: op{"operationName": "Retrieve"}, status: 400, code: 2}),
		Entry("CancelSupervisorMonitoring without a subscription", badRequest{as: "supervisor2", path: "/api/v2/me/devices/{dev}",
			body: op{"operationName": "CancelSupervisorMonitoring"}, status: 400, code: 2}),
		Entry("Ready without a contact-center session", badRequest{as: "agent3", path: "/api/v2/me/channels/voice",
			body: op{"operationName": "Ready"}, status: 400, code: 2}),
		Entry("transfer to a DoNotDisturb device", badRequest{as: "agent1", path: "/api/v2/me/calls/{call}",
			body: op{"operationName": "SingleStepTransfer", "destination": op{"phoneNumber": "5003"}}, status: 400, code: 2}),
		Entry("a method the path does not serve", badRequest{as: "agent1", method: http.MethodDelete, path: "/api/v2/me/calls/{call}",
			status: 400, code: 2, says: "DELETE"}),

		// statusCode 3: forbidden.
		Entry("a supervisor targeting its own device", badRequest{as: "supervisor2", path: "/api/v2/me/devices/{dev}",
			body: op{"operationName": "Coach", "targetDeviceUri": "{uri:supervisor2}"}, status: 403, code: 3}),
		Entry("a subscribed supervisor targeting its own device", badRequest{as: "supervisor1", path: "/api/v2/me/devices/{dev}",
			body: op{"operationName": "ListenIn", "targetDeviceUri": "{uri:supervisor1}"}, status: 403, code: 3}),

		// statusCode 5: the user lacks the feature.
		Entry("an agent trying to coach", badRequest{as: "agent2", path: "/api/v2/me/devices/{dev}",
			body: op{"operationName": "Coach", "targetDeviceUri": "{uri:agent3}"}, status: 403, code: 5}),
		Entry("an agent cancelling supervision", badRequest{as: "agent2", path: "/api/v2/me/devices/{dev}",
			body: op{"operationName": "CancelSupervisorMonitoring"}, status: 403, code: 5}),

		// statusCode 6: not found, including other users' devices and calls.
		Entry("another user's device", badRequest{as: "agent2", path: "/api/v2/me/devices/{dev:agent1}",
			body: op{"operationName": "DoNotDisturbOn"}, status: 404, code: 6}),
		Entry("dialling from another user's device", badRequest{as: "agent2", path: "/api/v2/me/devices/{dev:agent1}/calls",
			body: op{"operationName": "Dial", "destination": "5000"}, status: 404, code: 6}),
		Entry("another user's call", badRequest{as: "agent2", path: "/api/v2/me/calls/{call}",
			body: op{"operationName": "Hangup"}, status: 404, code: 6}),
		Entry("reading another user's call", badRequest{as: "agent2", method: http.MethodGet, path: "/api/v2/me/calls/{call}",
			status: 404, code: 6}),
		Entry("an unknown call", badRequest{as: "agent1", path: "/api/v2/me/calls/no-such-call",
			body: op{"operationName": "Hangup"}, status: 404, code: 6}),
		Entry("an unknown target device", badRequest{as: "supervisor2", path: "/api/v2/me/devices/{dev}",
			body: op{"operationName": "ListenIn", "targetDeviceUri": "http://127.0.0.1:8080/api/v2/devices/nope"}, status: 404, code: 6}),
		Entry("a transfer to an unknown number", badRequest{as: "agent1", path: "/api/v2/me/calls/{call}",
			body: op{"operationName": "SingleStepTransfer", "destination": op{"phoneNumber": "9999"}}, status: 404, code: 6}),
		Entry("an unknown channel", badRequest{as: "agent2", path: "/api/v2/me/channels/chat",
			body: op{"operationName": "Ready"}, status: 404, code: 6}),
		Entry("an unknown path", badRequest{as: "agent2", path: "/api/v2/me/mailbox",
			body: op{"operationName": "Ready"}, status: 404, code: 6}),

		// statusCode 10: invalid values, malformed bodies, wrong types.
		Entry("malformed JSON", badRequest{as: "agent2", path: "/api/v2/me/devices/{dev}", body: `{"operationName":`, status: 400, code: 10}),
		// statusCode 1: bodies a proxy could read differently from the server.
		Entry("trailing garbage", badRequest{as: "agent2", path: "/api/v2/me/devices/{dev}",
			body: `{"operationName":"DoNotDisturbOn"} and more`, status: 400, code: 1, says: "data after"}),
		Entry("a second object", badRequest{as: "agent2", path: "/api/v2/me/devices/{dev}",
			body: `{"operationName":"DoNotDisturbOn"}{"operationName":"DoNotDisturbOff"}`, status: 400, code: 1}),
		Entry("operationName twice", badRequest{as: "agent2", path: "/api/v2/me/devices/{dev}",
			body: `{"operationName":"DoNotDisturbOn","operationName":"DoNotDisturbOff"}`, status: 400, code: 1, says: "duplicate member \"operationName\""}),
		Entry("a nested member twice", badRequest{as: "customer2", path: "/api/v2/me/devices/{dev}/calls",
			body: `{"operationName":"Dial","destination":{"phoneNumber":"5001","phoneNumber":"5002"}}`, status: 400, code: 1, says: "destination.phoneNumber"}),
		Entry("an unknown member twice", badRequest{as: "agent2", path: "/api/v2/me/devices/{dev}",
			body: `{"operationName":"DoNotDisturbOn","userData":{},"userData":{}}`, status: 400, code: 1}),
		Entry("operationName in another case", badRequest{as: "agent2", path: "/api/v2/me/devices/{dev}",
			body: `{"OperationName":"DoNotDisturbOn"}`, status: 400, code: 1, says: "operationName"}),
		Entry("destination spelled in another case: not a destination", badRequest{as: "customer2", path: "/api/v2/me/devices/{dev}/calls",
			body: `{"operationName":"Dial","Destination":{"phoneNumber":"5001"}}`, status: 400, code: 1, says: "destination"}),
		Entry("a body that is an array", badRequest{as: "agent2", path: "/api/v2/me/devices/{dev}", body: `[]`,
			status: 400, code: 10, says: "JSON object"}),
		Entry("a body that is a string", badRequest{as: "agent2", path: "/api/v2/me/devices/{dev}", body: `"DoNotDisturbOn"`,
			status: 400, code: 10, says: "JSON object"}),
		Entry("operationName: 5", badRequest{as: "agent2", path: "/api/v2/me/devices/{dev}", body: `{"operationName":5}`,
			status: 400, code: 10, says: "operationName"}),
		Entry("destination: 7", badRequest{as: "customer2", path: "/api/v2/me/devices/{dev}/calls",
			body: `{"operationName":"Dial","destination":7}`, status: 400, code: 10, says: "destination"}),
		Entry("destination.phoneNumber: 5001", badRequest{as: "customer2", path: "/api/v2/me/devices/{dev}/calls",
			body: `{"operationName":"Dial","destination":{"phoneNumber":5001}}`, status: 400, code: 10, says: "destination"}),
		Entry("targetDeviceUri: true", badRequest{as: "supervisor2", path: "/api/v2/me/devices/{dev}",
			body: `{"operationName":"Coach","targetDeviceUri":true}`, status: 400, code: 10, says: "targetDeviceUri"}),
		Entry("channels: \"voice\"", badRequest{as: "agent3", path: "/api/v2/me",
			body: `{"operationName":"StartContactCenterSession","channels":"voice"}`, status: 400, code: 1, says: "channels"}),
		Entry("an unknown scope", badRequest{as: "supervisor2", path: "/api/v2/me/devices/{dev}",
			body: op{"operationName": "Coach", "targetDeviceUri": "{uri:agent2}", "supervisorMonitoringScope": "Sideways"}, status: 400, code: 10}),
		Entry("an unknown mode", badRequest{as: "supervisor2", path: "/api/v2/me/devices/{dev}",
			body: op{"operationName": "Coach", "targetDeviceUri": "{uri:agent2}", "supervisorMonitoringMode": "Forever"}, status: 400, code: 10}),
		Entry("only channels the back end cannot serve", badRequest{as: "agent3", path: "/api/v2/me",
			body: op{"operationName": "StartContactCenterSession", "channels": []string{"chat"}}, status: 500, code: 4,
			says: "Interaction server connection is not opened"}),
		Entry("no channels", badRequest{as: "agent3", path: "/api/v2/me",
			body: op{"operationName": "StartContactCenterSession"}, status: 400, code: 1, says: "channels"}),
		Entry("a NotReady reason that is not a string", badRequest{as: "agent2", path: "/api/v2/me/channels/voice",
			body: `{"operationName":"NotReady","reasonCode":7}`, status: 400, code: 10, says: "reasonCode"}),
		Entry("a transfer to the call's own party", badRequest{as: "agent1", path: "/api/v2/me/calls/{call}",
			body: op{"operationName": "SingleStepTransfer", "destination": "5000"}, status: 400, code: 10}),
		Entry("another user's device to an agent", badRequest{as: "agent1", method: http.MethodGet, path: "/api/v2/devices/{dev:supervisor1}",
			status: 404, code: 6}),
		Entry("the users of the contact center to an agent", badRequest{as: "agent1", method: http.MethodGet, path: "/api/v2/users",
			status: 403, code: 5}),

		// statusCode 19: in use.
		Entry("a second supervisor on a supervised agent", badRequest{as: "supervisor2", path: "/api/v2/me/devices/{dev}",
			body: op{"operationName": "Coach", "targetDeviceUri": "{uri:agent1}"}, status: 409, code: 19}),

		// statusCode 20: not authenticated.
		Entry("no credentials", badRequest{path: "/api/v2/me/devices/{dev:agent1}",
			body: op{"operationName": "DoNotDisturbOn"}, status: 403, code: 20}),
		Entry("a wrong password", badRequest{as: "agent1", pass: "guess", path: "/api/v2/me/calls/{call}",
			body: op{"operationName": "Hangup"}, status: 403, code: 20}),
	)

	Describe("request body size", func() {
		// padded returns a DoNotDisturbOn body of exactly n bytes.
		padded := func(n int) string {
			head, tail := `{"operationName":"DoNotDisturbOn","pad":"`, `"}`
			return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
		}

		It("refuses a body over 1 MiB with a clear statusCode 10, and changes nothing", func() {
			before := st.snapshot()
			r := st.client("agent2").post("/api/v2/me/devices/"+st.user("agent2").Device.ID, padded(restapi.MaxBodyBytes+64))
			Expect(r).To(haveStatus(http.StatusBadRequest, restapi.StatusInvalidValue))
			Expect(r.Message()).To(ContainSubstring(fmt.Sprint(restapi.MaxBodyBytes)))
			Expect(st.snapshot()).To(Equal(before))
		})

		It("accepts a body of exactly 1 MiB", func() {
			agent2 := st.client("agent2")
			Expect(agent2.post("/api/v2/me/devices/"+st.user("agent2").Device.ID, padded(restapi.MaxBodyBytes))).To(succeed())
			Expect(agent2.device()).To(HaveKeyWithValue("doNotDisturb", "On"))
		})
	})

	It("reports a domain error in words that name the operation and the reason", func() {
		r := st.client("agent1").callOp(callID, op{"operationName": "Answer"})
		Expect(r).To(haveStatus(http.StatusBadRequest, restapi.StatusInvalidState))
		Expect(r.Message()).To(And(ContainSubstring("Answer"), ContainSubstring("Established")))
	})
})

var _ = Describe("Unclean paths", func() {
	var st *stack
	BeforeEach(func() { st = startStack() })

	DescribeTable("are answered with a GWS 404 (statusCode 6), never a redirect, and change nothing",
		func(method, rawPath string) {
			before := st.snapshot()
			var body any
			if method == http.MethodPost {
				body = op{"operationName": "DoNotDisturbOn"}
			}
			hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			req, err := http.NewRequest(method, st.srv.URL+"/", nil)
			Expect(err).NotTo(HaveOccurred())
			req.URL.Opaque = rawPath // sent exactly as written
			if body != nil {
				rd, _ := apitest.BodyReader(body)
				req.Body = io.NopCloser(rd)
				req.Header.Set("Content-Type", "application/json")
			}
			req.SetBasicAuth("agent2", "password")
			resp, err := hc.Do(req)
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			Expect(resp.StatusCode).To(Equal(http.StatusNotFound), "%s %s -> %d %s", method, rawPath, resp.StatusCode, data)
			Expect(resp.Header.Get("Location")).To(BeEmpty())
			Expect(string(data)).To(MatchRegexp(`^\{"statusCode":6,"statusMessage":".+"\}\s*$`))
			Expect(st.snapshot()).To(Equal(before))
		},
		Entry("a dot-dot segment", http.MethodGet, "/api/v2/me/devices/../calls"),
		Entry("a dot-dot segment, POST", http.MethodPost, "/api/v2/me/calls/../devices/"+"00000000-0000-4000-8000-000000005002"),
		Entry("a dot segment", http.MethodGet, "/api/v2/./me"),
		Entry("a trailing dot", http.MethodGet, "/api/v2/me/."),
		Entry("a double slash", http.MethodGet, "/api/v2//me"),
		Entry("a double slash, POST", http.MethodPost, "//api/v2/me/devices/00000000-0000-4000-8000-000000005002"),
		Entry("two trailing slashes", http.MethodGet, "/api/v2/me//"),
		Entry("an encoded slash", http.MethodGet, "/api/v2/me%2Fdevices"),
		Entry("an encoded slash in lower case", http.MethodPost, "/api/v2/me/devices%2f00000000-0000-4000-8000-000000005002"),
		Entry("an encoded dot-dot", http.MethodGet, "/api/v2/me/devices/%2E%2E/calls"),
		Entry("on the notification endpoint", http.MethodPost, "/api/v2/notifications/../me"),
	)

	It("still ignores one trailing slash", func() {
		Expect(st.client("agent2").get("/api/v2/me/")).To(succeed())
	})
})
