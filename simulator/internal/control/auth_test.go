package control_test

import (
	"encoding/base64"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator"
)

// every request the control API serves, with a body that would succeed.
var everyEndpoint = []struct {
	method, path string
	body         any
}{
	{http.MethodPost, "/sim/v1/reset", nil},
	{http.MethodPost, "/sim/v1/clock/advance", map[string]any{"seconds": 30}},
	{http.MethodPost, "/sim/v1/calls", map[string]any{"from": "+14155550100", "to": "5001"}},
	{http.MethodDelete, "/sim/v1/calls/{call}", nil},
	{http.MethodGet, "/sim/v1/state", nil},
	{http.MethodGet, "/sim/v1/faults", nil},
	{http.MethodPost, "/sim/v1/faults", map[string]any{"delayNotificationsMs": 5, "expireSessions": true}},
	{http.MethodDelete, "/sim/v1/faults", nil},
}

var _ = Describe("Authorization", func() {
	var (
		r      *rig
		callID string
		before map[string]any
	)

	// A state that every refused request could change: a call from outside rings agent1, agent3 is in
	// DoNotDisturb, and agent2's next operation is set to fail.
	BeforeEach(func() {
		r = startDefault()
		callID = r.inbound("+14155550100", "5001")
		Expect(r.as("agent3").deviceOp("DoNotDisturbOn")).To(succeed())
		Expect(r.post("/sim/v1/faults", map[string]any{"failNext": map[string]any{"user": "agent2", "statusCode": 4}})).To(succeed())
		before = r.world()
	})

	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("agent1:password"))

	DescribeTable("refuses a request without the right bearer token with HTTP 401, statusCode 20 and a Bearer challenge, and changes nothing",
		func(authorization string) {
			for _, ep := range everyEndpoint {
				path := ep.path
				if path == "/sim/v1/calls/{call}" {
					path = "/sim/v1/calls/" + callID
				}
				rep := r.raw(ep.method, path, authorization, ep.body)
				Expect(rep).To(beGWSError(http.StatusUnauthorized, 20))
				Expect(rep.Header.Get("WWW-Authenticate")).To(HavePrefix("Bearer "), "%s", rep.GomegaString())
				Expect(rep.Message()).To(ContainSubstring("Bearer"))
			}
			Expect(r.world()).To(Equal(before))
		},
		Entry("no Authorization header", ""),
		Entry("a wrong token", "Bearer not-the-token"),
		Entry("the token with a suffix", "Bearer "+token+"x"),
		Entry("a prefix of the token", "Bearer "+token[:len(token)-1]),
		Entry("the token without a scheme", token),
		Entry("the token under another scheme", "Token "+token),
		Entry("the token as Basic credentials", "Basic "+base64.StdEncoding.EncodeToString([]byte(token+":"))),
		Entry("a GWS user's Basic credentials", basic),
		Entry("an empty bearer token", "Bearer "),
	)

	It("checks the token before anything else: unknown paths and wrong methods get 401 too", func() {
		for _, probe := range []struct{ method, path string }{
			{http.MethodGet, "/sim/v1/nothing-here"},
			{http.MethodGet, "/sim/v1"},
			{http.MethodGet, "/sim/v1/reset"},
			{http.MethodPut, "/sim/v1/faults"},
		} {
			Expect(r.raw(probe.method, probe.path, "", nil)).To(beGWSError(http.StatusUnauthorized, 20))
		}
	})

	It("serves every endpoint to the right token", func() {
		for _, ep := range everyEndpoint {
			path := ep.path
			if path == "/sim/v1/calls/{call}" {
				path = "/sim/v1/calls/" + callID
			}
			Expect(r.control(ep.method, path, ep.body)).To(succeed())
		}
	})

	It("does not open the GWS API to the token, nor the control API to GWS sessions", func() {
		Expect(r.raw(http.MethodGet, "/api/v2/me", "Bearer "+token, nil)).To(beGWSError(http.StatusForbidden, 20))
		agent1 := r.as("agent1")
		Expect(agent1.get("/api/v2/me")).To(succeed()) // agent1 now has a session cookie
		rep := agent1.do(http.MethodGet, "/sim/v1/state", nil, false)
		Expect(rep).To(beGWSError(http.StatusUnauthorized, 20))
	})
})

var _ = Describe("Without a control token", func() {
	DescribeTable("the simulator serves no control API: /sim/v1 is an unknown GWS resource",
		func(withEmptyToken bool) {
			opts := []simulator.Option{stoppedClock()}
			if withEmptyToken {
				opts = append(opts, simulator.WithControl(""))
			}
			r := serve(fixtures.Default(), opts...)
			for _, ep := range everyEndpoint {
				rep := r.raw(ep.method, ep.path, "Bearer "+token, ep.body)
				Expect(rep).To(beGWSError(http.StatusNotFound, 6))
				Expect(rep.Header.Get("WWW-Authenticate")).To(BeEmpty())
			}
			// The GWS API is served as usual.
			Expect(r.as("agent1").get("/api/v2/me")).To(succeed())
		},
		Entry("WithControl not given", false),
		Entry("WithControl with an empty token", true),
	)
})
