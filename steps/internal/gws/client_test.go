package gws_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/steps/internal/gws"
)

const okBody = `{"statusCode":0}`

func mustClient(base, user, password string, opts gws.Options) *gws.Client {
	c, err := gws.New(base, user, password, opts)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(c.CloseIdleConnections)
	return c
}

var _ = Describe("New", func() {
	DescribeTable("rejects unusable base URLs",
		func(base string) {
			_, err := gws.New(base, "agent1", "password", gws.Options{})
			Expect(err).To(MatchError(gws.ErrBadBaseURL))
		},
		Entry("empty", ""),
		Entry("no scheme", "127.0.0.1:8080"),
		Entry("other scheme", "ftp://127.0.0.1:8080"),
		Entry("no host", "http://"),
		Entry("query", "http://127.0.0.1:8080/?x=1"),
		Entry("user info", "http://u:p@127.0.0.1:8080"),
	)

	It("keeps a path prefix and drops the trailing slash", func() {
		c := mustClient("http://127.0.0.1:8080/gws/", "agent1", "password", gws.Options{})
		Expect(c.BaseURL()).To(Equal("http://127.0.0.1:8080/gws"))
		Expect(c.URL("/api/v2/me")).To(Equal("http://127.0.0.1:8080/gws/api/v2/me"))
		Expect(c.UserName()).To(Equal("agent1"))
	})

	It("builds canonical device URIs, escaping the id", func() {
		c := mustClient("http://127.0.0.1:8080", "agent1", "password", gws.Options{})
		Expect(c.DeviceURI("9c14cad7-17c4")).To(Equal("http://127.0.0.1:8080/api/v2/devices/9c14cad7-17c4"))
		Expect(c.DeviceURI("a/b")).To(Equal("http://127.0.0.1:8080/api/v2/devices/a%2Fb"))
	})
})

var _ = Describe("Authentication and session", func() {
	var (
		fake *fakeGWS
		ctx  context.Context
	)
	BeforeEach(func() {
		fake = newFake()
		ctx = context.Background()
		fake.on("GET", "/api/v2/me", 200, `{"statusCode":0,"user":`+sample("user_agent.json")+`}`)
		fake.on("GET", "/api/v2/diagnostics/version", 200, `{"statusCode":0,"version":"8.5.200.50"}`)
		fake.on("POST", "/api/v2/me", 200, okBody)
	})

	It("sends HTTP Basic on every request", func() {
		c := mustClient(fake.URL(), "agent1", "password", gws.Options{})
		_, err := c.Version(ctx)
		Expect(err).NotTo(HaveOccurred())
		_, err = c.Me(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.MeOperation(ctx, "StartContactCenterSession", map[string]any{"channels": []string{"voice"}})).To(Succeed())

		reqs := fake.seen()
		Expect(reqs).To(HaveLen(3))
		for _, r := range reqs {
			Expect(r.HasBasic).To(BeTrue(), "%s %s without Basic", r.Method, r.RequestURI)
			Expect(r.BasicUser).To(Equal("agent1"))
			Expect(r.BasicPass).To(Equal("password"))
		}
	})

	It("sends no credentials from an anonymous client", func() {
		c := mustClient(fake.URL(), "", "", gws.Options{})
		v, err := c.Version(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(v).To(Equal("8.5.200.50"))
		Expect(fake.seen()[0].HasBasic).To(BeFalse())
		Expect(fake.seen()[0].Header.Get("Authorization")).To(BeEmpty())
	})

	It("keeps the JSESSIONID cookie and sends it back", func() {
		c := mustClient(fake.URL(), "agent1", "password", gws.Options{})
		for range 3 {
			_, err := c.Me(ctx)
			Expect(err).NotTo(HaveOccurred())
		}
		reqs := fake.seen()
		Expect(reqs[0].SessionID).To(BeEmpty())
		Expect(reqs[1].SessionID).To(Equal("session-1"))
		Expect(reqs[2].SessionID).To(Equal("session-1"))
	})

	It("keeps one session per client", func() {
		a := mustClient(fake.URL(), "agent1", "password", gws.Options{})
		b := mustClient(fake.URL(), "agent2", "password", gws.Options{})
		for _, c := range []*gws.Client{a, b, a, b} {
			_, err := c.Me(ctx)
			Expect(err).NotTo(HaveOccurred())
		}
		reqs := fake.seen()
		Expect(reqs[2].BasicUser).To(Equal("agent1"))
		Expect(reqs[2].SessionID).To(Equal("session-1"))
		Expect(reqs[3].BasicUser).To(Equal("agent2"))
		Expect(reqs[3].SessionID).To(Equal("session-2"))
	})

	It("shares session and credentials through HTTPClient", func() {
		fake.on("POST", "/api/v2/notifications/handshake", 200, `[{"successful":true}]`)
		c := mustClient(fake.URL(), "supervisor1", "password", gws.Options{})
		_, err := c.Me(ctx)
		Expect(err).NotTo(HaveOccurred())

		resp, err := c.HTTPClient().Post(fake.URL()+"/api/v2/notifications/handshake", "application/json",
			strings.NewReader(`[{"channel":"/meta/handshake"}]`))
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Body.Close()).To(Succeed())
		Expect(resp.StatusCode).To(Equal(200))

		last := fake.seen()[1]
		Expect(last.RequestURI).To(Equal("/api/v2/notifications/handshake"))
		Expect(last.BasicUser).To(Equal("supervisor1"))
		Expect(last.SessionID).To(Equal("session-1"))
	})
})

var _ = Describe("CSRF", func() {
	var (
		fake *fakeGWS
		ctx  context.Context
	)
	BeforeEach(func() {
		fake = newFake()
		ctx = context.Background()
		fake.on("GET", "/api/v2/me", 200, `{"statusCode":0,"user":`+sample("user_agent.json")+`}`)
		fake.on("POST", "/api/v2/me/channels/voice", 200, okBody)
	})

	It("learns the token from a GET and sends it on POST", func() {
		fake.enableCSRF("X-CSRF-TOKEN", "4a92be65-ec55-4aa2-b9df-9518fd870f2f")
		c := mustClient(fake.URL(), "agent1", "password", gws.Options{})

		_, _, ok := c.CSRFToken()
		Expect(ok).To(BeFalse())
		err := c.ChannelOperation(ctx, "voice", "Ready", nil)
		Expect(err).To(MatchError(gws.ErrBadResponse), "the fake must refuse a POST without token")
		status, ok := gws.HTTPStatusOf(err)
		Expect(ok).To(BeTrue())
		Expect(status).To(Equal(http.StatusForbidden))
		Expect(err.Error()).To(ContainSubstring("Missing or invalid Csrf token"))

		_, err = c.Me(ctx)
		Expect(err).NotTo(HaveOccurred())
		header, token, ok := c.CSRFToken()
		Expect(ok).To(BeTrue())
		Expect(header).To(Equal("X-CSRF-TOKEN"))
		Expect(token).To(Equal("4a92be65-ec55-4aa2-b9df-9518fd870f2f"))

		Expect(c.ChannelOperation(ctx, "voice", "Ready", nil)).To(Succeed())
		last := fake.seen()[2]
		Expect(last.Header.Get("X-CSRF-TOKEN")).To(Equal("4a92be65-ec55-4aa2-b9df-9518fd870f2f"))
	})

	It("uses the header name the server announces", func() {
		fake.enableCSRF("X-Custom-Csrf", "tok-1")
		c := mustClient(fake.URL(), "agent1", "password", gws.Options{})
		_, err := c.Me(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.ChannelOperation(ctx, "voice", "Ready", nil)).To(Succeed())
		Expect(fake.seen()[1].Header.Get("X-Custom-Csrf")).To(Equal("tok-1"))
		Expect(fake.seen()[0].Header.Get("X-Custom-Csrf")).To(BeEmpty(), "no token on GET")
	})

	It("defaults the header name when only the token is sent", func() {
		fake.enableCSRF("", "tok-2")
		c := mustClient(fake.URL(), "agent1", "password", gws.Options{})
		_, err := c.Me(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.ChannelOperation(ctx, "voice", "Ready", nil)).To(Succeed())
		Expect(fake.seen()[1].Header.Get("X-CSRF-TOKEN")).To(Equal("tok-2"))
	})

	It("sends no token when disabled", func() {
		fake.enableCSRF("X-CSRF-TOKEN", "tok-3")
		c := mustClient(fake.URL(), "agent1", "password", gws.Options{DisableCSRF: true})
		_, err := c.Me(ctx)
		Expect(err).NotTo(HaveOccurred())
		err = c.ChannelOperation(ctx, "voice", "Ready", nil)
		status, _ := gws.HTTPStatusOf(err)
		Expect(status).To(Equal(http.StatusForbidden))
		Expect(fake.seen()[1].Header.Get("X-CSRF-TOKEN")).To(BeEmpty())
	})
})

var _ = Describe("Requests", func() {
	var (
		fake *fakeGWS
		c    *gws.Client
		ctx  context.Context
	)
	BeforeEach(func() {
		fake = newFake()
		c = mustClient(fake.URL(), "supervisor1", "password", gws.Options{})
		ctx = context.Background()
	})

	DescribeTable("operations post the documented path and body",
		func(call func(*gws.Client) error, wantURI, wantBody string) {
			fake.on("POST", wantURI, 200, okBody)
			Expect(call(c)).To(Succeed())
			reqs := fake.seen()
			Expect(reqs).To(HaveLen(1))
			Expect(reqs[0].Method).To(Equal("POST"))
			Expect(reqs[0].RequestURI).To(Equal(wantURI))
			Expect(reqs[0].Header.Get("Content-Type")).To(Equal("application/json"))
			Expect(string(reqs[0].Body)).To(MatchJSON(wantBody))
			Expect(string(reqs[0].Body)).To(HavePrefix(`{"operationName":`))
		},
		Entry("Dial",
			func(c *gws.Client) error { return c.Dial(ctx, "dev-5001", "5002") },
			"/api/v2/me/devices/dev-5001/calls",
			`{"operationName":"Dial","destination":{"phoneNumber":"5002"}}`),
		Entry("Coach on a device",
			func(c *gws.Client) error {
				return c.DeviceOperation(ctx, "dev-5005", "Coach", map[string]any{
					"targetDeviceUri":           "http://127.0.0.1:8080/api/v2/devices/dev-5001",
					"supervisorMonitoringScope": "Agent",
					"supervisorMonitoringMode":  "NextCall",
					"operationName":             "ignored",
				})
			},
			"/api/v2/me/devices/dev-5005",
			`{"operationName":"Coach","targetDeviceUri":"http://127.0.0.1:8080/api/v2/devices/dev-5001",
			  "supervisorMonitoringScope":"Agent","supervisorMonitoringMode":"NextCall"}`),
		Entry("Answer on a call",
			func(c *gws.Client) error { return c.CallOperation(ctx, "CALL01", "Answer", nil) },
			"/api/v2/me/calls/CALL01",
			`{"operationName":"Answer"}`),
		Entry("SingleStepTransfer with a destination",
			func(c *gws.Client) error {
				return c.CallOperation(ctx, "CALL01", "SingleStepTransfer",
					map[string]any{"destination": map[string]string{"phoneNumber": "5002"}})
			},
			"/api/v2/me/calls/CALL01",
			`{"operationName":"SingleStepTransfer","destination":{"phoneNumber":"5002"}}`),
		Entry("Ready on the voice channel",
			func(c *gws.Client) error { return c.ChannelOperation(ctx, "voice", "Ready", nil) },
			"/api/v2/me/channels/voice",
			`{"operationName":"Ready"}`),
		Entry("StartContactCenterSession",
			func(c *gws.Client) error {
				return c.MeOperation(ctx, "StartContactCenterSession", map[string]any{"channels": []string{"voice"}})
			},
			"/api/v2/me",
			`{"operationName":"StartContactCenterSession","channels":["voice"]}`),
		Entry("an id that needs escaping",
			func(c *gws.Client) error { return c.CallOperation(ctx, "a b/c", "Hangup", nil) },
			"/api/v2/me/calls/a%20b%2Fc",
			`{"operationName":"Hangup"}`),
	)

	It("does not modify the caller's params", func() {
		fake.on("POST", "/api/v2/me/calls/C1", 200, okBody)
		params := map[string]any{"operationName": "X", "key": "k"}
		Expect(c.CallOperation(ctx, "C1", "DeleteUserDataPair", params)).To(Succeed())
		Expect(params).To(Equal(map[string]any{"operationName": "X", "key": "k"}))
	})

	It("reports an unencodable parameter without sending anything", func() {
		err := c.CallOperation(ctx, "C1", "Hangup", map[string]any{"bad": make(chan int)})
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("bad"))
		Expect(fake.seen()).To(BeEmpty())
	})

	DescribeTable("reads use the documented paths",
		func(read func(*gws.Client) error, wantURI, body string) {
			fake.on("GET", wantURI, 200, body)
			Expect(read(c)).To(Succeed())
			Expect(fake.seen()).To(HaveLen(1))
			Expect(fake.seen()[0].RequestURI).To(Equal(wantURI))
		},
		Entry("Me", func(c *gws.Client) error { _, err := c.Me(ctx); return err },
			"/api/v2/me", `{"statusCode":0,"user":{"id":"u1"}}`),
		Entry("Me with subresources", func(c *gws.Client) error { _, err := c.Me(ctx, "features", "devices"); return err },
			"/api/v2/me?subresources=features,devices", `{"statusCode":0,"user":{"id":"u1"}}`),
		Entry("Me with all subresources", func(c *gws.Client) error { _, err := c.Me(ctx, "*"); return err },
			"/api/v2/me?subresources=*", `{"statusCode":0,"user":{"id":"u1"}}`),
		Entry("Devices", func(c *gws.Client) error { _, err := c.Devices(ctx); return err },
			"/api/v2/me/devices?fields=*", `{"statusCode":0,"devices":[]}`),
		Entry("Device", func(c *gws.Client) error { _, err := c.Device(ctx, "d1"); return err },
			"/api/v2/me/devices/d1", `{"statusCode":0,"device":{"id":"d1"}}`),
		Entry("Calls", func(c *gws.Client) error { _, err := c.Calls(ctx); return err },
			"/api/v2/me/calls?fields=*", `{"statusCode":0,"calls":[]}`),
		Entry("Call", func(c *gws.Client) error { _, err := c.Call(ctx, "c1"); return err },
			"/api/v2/me/calls/c1", `{"statusCode":0,"call":{"id":"c1"}}`),
	)
})

var _ = Describe("Decoding replies", func() {
	var (
		fake *fakeGWS
		c    *gws.Client
		ctx  context.Context
	)
	BeforeEach(func() {
		fake = newFake()
		c = mustClient(fake.URL(), "supervisor1", "password", gws.Options{})
		ctx = context.Background()
	})

	It("decodes a user", func() {
		fake.on("GET", "/api/v2/me", 200, `{"statusCode":0,"user":`+sample("user_agent.json")+`}`)
		u, err := c.Me(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(u.ID).To(Equal("0fa24a6f7a3c4f7f8d2a3e2b1c0d9e8f"))
		Expect(u.UserName).To(Equal("agent1"))
		Expect(u.FirstName).To(Equal("Agent"))
		Expect(u.LastName).To(Equal("One"))
		Expect(u.Roles).To(Equal([]string{"ROLE_AGENT"}))
		Expect(u.HasRole("ROLE_AGENT")).To(BeTrue())
		Expect(u.HasRole("ROLE_SUPERVISOR")).To(BeFalse())
		Expect(u.Path).To(Equal("/users/0fa24a6f7a3c4f7f8d2a3e2b1c0d9e8f"))
		Expect(u.URI).To(HaveSuffix(u.Path))
		Expect(u.Devices).To(BeEmpty())
		Expect(string(u.Raw)).To(MatchJSON(sample("user_agent.json")))
	})

	It("decodes subresources inside the user", func() {
		user := strings.TrimSuffix(strings.TrimSpace(sample("user_agent.json")), "}") +
			`,"devices":[` + sample("device_agent_notready.json") + `],"calls":[` + sample("call_established.json") + `]}`
		fake.on("GET", "/api/v2/me?subresources=*", 200, `{"statusCode":0,"user":`+user+`}`)
		u, err := c.Me(ctx, "*")
		Expect(err).NotTo(HaveOccurred())
		Expect(u.Devices).To(HaveLen(1))
		Expect(u.Devices[0].PhoneNumber).To(Equal("5001"))
		Expect(u.Calls).To(HaveLen(1))
		Expect(u.Calls[0].State).To(Equal("Established"))
	})

	It("picks up subresources beside the user", func() {
		fake.on("GET", "/api/v2/me?subresources=devices", 200,
			`{"statusCode":0,"user":`+sample("user_agent.json")+`,"devices":[`+sample("device_supervisor.json")+`]}`)
		u, err := c.Me(ctx, "devices")
		Expect(err).NotTo(HaveOccurred())
		Expect(u.Devices).To(HaveLen(1))
		Expect(u.Devices[0].PhoneNumber).To(Equal("5005"))
	})

	It("decodes device lists and single devices", func() {
		fake.on("GET", "/api/v2/me/devices?fields=*", 200,
			`{"statusCode":0,"devices":[`+sample("device_supervisor.json")+`,`+sample("device_agent_notready.json")+`]}`)
		fake.on("GET", "/api/v2/me/devices/efe1ab32-53f9-43ce-b65e-5768c61f7d4a", 200,
			`{"statusCode":0,"device":`+sample("device_supervisor.json")+`}`)

		devices, err := c.Devices(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(devices).To(HaveLen(2))
		Expect(devices[0].ID).To(Equal("efe1ab32-53f9-43ce-b65e-5768c61f7d4a"))
		Expect(devices[1].ID).To(Equal("9c14cad7-17c4-48d0-8492-7cf0ff92c224"))

		d, err := c.Device(ctx, "efe1ab32-53f9-43ce-b65e-5768c61f7d4a")
		Expect(err).NotTo(HaveOccurred())
		Expect(d.SupervisorMonitoringState).NotTo(BeNil())
		Expect(d.SupervisorMonitoringState.State).To(Equal("ListenIn"))
		Expect(string(d.Raw)).To(MatchJSON(sample("device_supervisor.json")))
	})

	It("decodes call lists and single calls", func() {
		fake.on("GET", "/api/v2/me/calls?fields=*", 200,
			`{"statusCode":0,"calls":[`+sample("call_established.json")+`,`+sample("call_supervisor.json")+`]}`)
		fake.on("GET", "/api/v2/me/calls/011DJV5JI898NB2L04000VTAES00000I", 200,
			`{"statusCode":0,"call":`+sample("call_supervisor.json")+`}`)

		calls, err := c.Calls(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(calls).To(HaveLen(2))
		Expect(calls[1].ParticipantNumbers()).To(Equal([]string{"5000", "5001"}))

		call, err := c.Call(ctx, "011DJV5JI898NB2L04000VTAES00000I")
		Expect(err).NotTo(HaveOccurred())
		Expect(call.HasCapability("SwitchToListenIn")).To(BeTrue())
		Expect(string(call.Raw)).To(MatchJSON(sample("call_supervisor.json")))
	})

	It("treats absent lists as empty", func() {
		fake.on("GET", "/api/v2/me/calls?fields=*", 200, okBody)
		calls, err := c.Calls(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(calls).To(BeEmpty())
	})

	It("accepts a singular read without statusCode", func() {
		fake.on("GET", "/api/v2/me/devices/d1", 200, `{"device":{"id":"d1","deviceState":"Active"}}`)
		d, err := c.Device(ctx, "d1")
		Expect(err).NotTo(HaveOccurred())
		Expect(d.DeviceState).To(Equal("Active"))
	})

	DescribeTable("a missing wrapper is a malformed response",
		func(read func(*gws.Client) error, uri string) {
			fake.on("GET", uri, 200, `{"statusCode":0,"uris":["x"]}`)
			err := read(c)
			Expect(err).To(MatchError(gws.ErrBadResponse))
			var re *gws.ResponseError
			Expect(errors.As(err, &re)).To(BeTrue())
			Expect(re.Path).To(Equal(uri))
			Expect(re.HTTPStatus).To(Equal(200))
			Expect(re.Error()).To(ContainSubstring(`uris`), "the body is quoted as evidence")
		},
		Entry("user", func(c *gws.Client) error { _, err := c.Me(ctx); return err }, "/api/v2/me"),
		Entry("device", func(c *gws.Client) error { _, err := c.Device(ctx, "d1"); return err }, "/api/v2/me/devices/d1"),
		Entry("call", func(c *gws.Client) error { _, err := c.Call(ctx, "c1"); return err }, "/api/v2/me/calls/c1"),
		Entry("version", func(c *gws.Client) error { _, err := c.Version(ctx); return err }, "/api/v2/diagnostics/version"),
	)

	It("reports a body of the wrong shape with its decoding error", func() {
		fake.on("GET", "/api/v2/me/devices?fields=*", 200, `{"statusCode":0,"devices":{"id":"not-a-list"}}`)
		_, err := c.Devices(ctx)
		Expect(err).To(MatchError(gws.ErrBadResponse))
		var typeErr *json.UnmarshalTypeError
		Expect(errors.As(err, &typeErr)).To(BeTrue())
	})

	It("reports a 2xx reply that is not JSON", func() {
		fake.on("GET", "/api/v2/me", 200, `<html>login</html>`)
		_, err := c.Me(ctx)
		Expect(err).To(MatchError(gws.ErrBadResponse))
		Expect(err.Error()).To(ContainSubstring("<html>login</html>"))
	})

	It("refuses bodies larger than the limit", func() {
		small := mustClient(fake.URL(), "agent1", "password", gws.Options{MaxBodyBytes: 64})
		fake.on("GET", "/api/v2/me/calls?fields=*", 200, `{"statusCode":0,"calls":[`+sample("call_established.json")+`]}`)
		_, err := small.Calls(ctx)
		Expect(err).To(MatchError(gws.ErrBadResponse))
		Expect(err.Error()).To(ContainSubstring("larger than 64 bytes"))
	})
})

var _ = Describe("Errors", func() {
	var (
		fake *fakeGWS
		c    *gws.Client
		ctx  context.Context
	)
	BeforeEach(func() {
		fake = newFake()
		c = mustClient(fake.URL(), "supervisor1", "password", gws.Options{})
		ctx = context.Background()
	})

	It("turns a non-zero statusCode into a *StatusError with every field", func() {
		fake.on("POST", "/api/v2/me/devices/dev-5005", 409, `{"statusCode":19,"statusMessage":"Target already supervised"}`)
		err := c.DeviceOperation(ctx, "dev-5005", "ListenIn", map[string]any{"targetDeviceUri": "x"})
		var se *gws.StatusError
		Expect(errors.As(err, &se)).To(BeTrue(), "got %v", err)
		Expect(*se).To(Equal(gws.StatusError{HTTPStatus: 409, StatusCode: 19,
			StatusMessage: "Target already supervised", Method: "POST", Path: "/api/v2/me/devices/dev-5005"}))
		Expect(gws.IsStatus(err, gws.CodeInUse)).To(BeTrue())
		Expect(gws.IsStatus(err, gws.CodeForbidden)).To(BeFalse())
		Expect(err.Error()).To(Equal(`gws: POST /api/v2/me/devices/dev-5005: statusCode 19 (resource already in use): ` +
			`"Target already supervised" [HTTP 409]`))
		status, ok := gws.HTTPStatusOf(err)
		Expect(ok).To(BeTrue())
		Expect(status).To(Equal(409))
	})

	It("treats a non-zero statusCode as an error even with HTTP 200", func() {
		fake.on("POST", "/api/v2/me/calls/c1", 200, `{"statusCode":2,"statusMessage":"Invalid state"}`)
		err := c.CallOperation(ctx, "c1", "Retrieve", nil)
		Expect(gws.IsStatus(err, gws.CodeInvalidParameter)).To(BeTrue())
		status, _ := gws.HTTPStatusOf(err)
		Expect(status).To(Equal(200))
	})

	It("reports refused authentication on reads as statusCode 20", func() {
		fake.on("GET", "/api/v2/me", 401, `{"statusCode":20,"statusMessage":"Access denied"}`)
		_, err := c.Me(ctx)
		Expect(gws.IsStatus(err, gws.CodeNotAuthenticated)).To(BeTrue())
		var se *gws.StatusError
		Expect(errors.As(err, &se)).To(BeTrue())
		Expect(se.Method).To(Equal("GET"))
		Expect(se.HTTPStatus).To(Equal(401))
	})

	It("treats an HTTP error with statusCode 0 as malformed", func() {
		fake.on("POST", "/api/v2/me", 500, okBody)
		err := c.MeOperation(ctx, "EndContactCenterSession", nil)
		Expect(err).To(MatchError(gws.ErrBadResponse))
		Expect(gws.IsStatus(err, 0)).To(BeFalse())
	})

	It("treats an unknown route's plain-text 404 as malformed, keeping the status", func() {
		err := c.CallOperation(ctx, "nowhere", "Hangup", nil)
		Expect(err).To(MatchError(gws.ErrBadResponse))
		status, _ := gws.HTTPStatusOf(err)
		Expect(status).To(Equal(404))
	})

	It("treats an acknowledgement without statusCode as malformed", func() {
		fake.on("POST", "/api/v2/me", 200, `{}`)
		Expect(c.MeOperation(ctx, "StartContactCenterSession", nil)).To(MatchError(gws.ErrBadResponse))
	})

	It("reports an unreachable server as ErrUnreachable", func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		addr := ln.Addr().String()
		Expect(ln.Close()).To(Succeed())

		var exchanges []gws.Exchange
		dead := mustClient("http://"+addr, "agent1", "password", gws.Options{
			OnExchange: func(e gws.Exchange) { exchanges = append(exchanges, e) },
		})
		_, err = dead.Version(ctx)
		Expect(err).To(MatchError(gws.ErrUnreachable))
		var ne *gws.NetworkError
		Expect(errors.As(err, &ne)).To(BeTrue())
		Expect(ne.Unreachable).To(BeTrue())
		Expect(ne.Path).To(Equal("/api/v2/diagnostics/version"))
		Expect(gws.IsStatus(err, 0)).To(BeFalse())
		_, ok := gws.HTTPStatusOf(err)
		Expect(ok).To(BeFalse())

		Expect(exchanges).To(HaveLen(1))
		Expect(exchanges[0].HTTPStatus).To(BeZero())
		Expect(exchanges[0].Err).To(HaveOccurred())
	})

	It("reports a cancelled request as the context's error, not as unreachable", func() {
		arrived := make(chan struct{})
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(arrived)
			<-r.Context().Done()
		}))
		DeferCleanup(slow.Close)
		sc := mustClient(slow.URL, "agent1", "password", gws.Options{})

		cctx, cancel := context.WithCancel(ctx)
		go func() {
			defer GinkgoRecover()
			select {
			case <-arrived:
			case <-time.After(5 * time.Second):
				Fail("the request never reached the server")
			}
			cancel()
		}()
		_, err := sc.Me(cctx)
		Expect(err).To(MatchError(context.Canceled))
		Expect(err).NotTo(MatchError(gws.ErrUnreachable))
		var ne *gws.NetworkError
		Expect(errors.As(err, &ne)).To(BeTrue())
	})

	It("bounds typed requests by Options.Timeout but leaves HTTPClient unbounded", func() {
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}))
		DeferCleanup(slow.Close)
		sc := mustClient(slow.URL, "agent1", "password", gws.Options{Timeout: 50 * time.Millisecond})

		_, err := sc.Calls(ctx)
		Expect(err).To(MatchError(context.DeadlineExceeded))
		Expect(err).NotTo(MatchError(gws.ErrUnreachable))
		Expect(sc.HTTPClient().Timeout).To(BeZero())
	})
})

var _ = Describe("Raw", func() {
	var (
		fake *fakeGWS
		c    *gws.Client
		ctx  context.Context
	)
	BeforeEach(func() {
		fake = newFake()
		c = mustClient(fake.URL(), "supervisor1", "password", gws.Options{})
		ctx = context.Background()
	})

	It("sends the body untouched and returns the reply with its error", func() {
		fake.onWithHeader("POST", "/api/v2/me/devices/d1", 400, `{"statusCode":10,"statusMessage":"bad scope"}`,
			map[string]string{"X-Extra": "yes"})
		body := []byte(`{"operationName":"ListenIn","supervisorMonitoringScope":42`)
		resp, err := c.Raw(ctx, "POST", "/api/v2/me/devices/d1", body)
		Expect(gws.IsStatus(err, gws.CodeValidationError)).To(BeTrue())
		Expect(resp.HTTPStatus).To(Equal(400))
		Expect(resp.HasStatusCode).To(BeTrue())
		Expect(resp.StatusCode).To(Equal(10))
		Expect(resp.StatusMessage).To(Equal("bad scope"))
		Expect(resp.Header.Get("X-Extra")).To(Equal("yes"))
		Expect(string(resp.Body)).To(MatchJSON(`{"statusCode":10,"statusMessage":"bad scope"}`))
		Expect(fake.seen()[0].Body).To(Equal(body))
		Expect(fake.seen()[0].Header.Get("Content-Type")).To(Equal("application/json"))
	})

	It("returns success bodies with no error", func() {
		fake.on("GET", "/api/v2/me/devices", 200, `{"statusCode":0,"uris":["http://h/api/v2/devices/d1"]}`)
		resp, err := c.Raw(ctx, "GET", "/api/v2/me/devices", nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(0))
		Expect(resp.HasStatusCode).To(BeTrue())
		Expect(fake.seen()[0].Body).To(BeEmpty())
		Expect(fake.seen()[0].Header.Get("Content-Type")).To(BeEmpty())
	})

	It("returns non-GWS error replies with ErrBadResponse and the reply", func() {
		resp, err := c.Raw(ctx, "DELETE", "/api/v2/me", nil)
		Expect(err).To(MatchError(gws.ErrBadResponse))
		Expect(resp.HTTPStatus).To(Equal(404))
		Expect(resp.HasStatusCode).To(BeFalse())
		Expect(string(resp.Body)).To(ContainSubstring("404 page not found"))
	})

	It("returns an oversized reply with its error", func() {
		small := mustClient(fake.URL(), "agent1", "password", gws.Options{MaxBodyBytes: 8})
		fake.on("GET", "/api/v2/me", 200, `{"statusCode":0,"user":{"id":"u1"}}`)
		resp, err := small.Raw(ctx, "GET", "/api/v2/me", nil)
		Expect(err).To(MatchError(gws.ErrBadResponse))
		Expect(resp.HTTPStatus).To(Equal(200))
		Expect(resp.Body).To(HaveLen(9), "read stops one byte past the limit")
	})

	It("requires a path relative to the base URL", func() {
		_, err := c.Raw(ctx, "GET", "api/v2/me", nil)
		Expect(err).To(MatchError(ContainSubstring("must start with /")))
		Expect(fake.seen()).To(BeEmpty())
	})
})

var _ = Describe("Exchange observer", func() {
	It("reports every request with its bodies, status and times", func() {
		fake := newFake()
		fake.on("POST", "/api/v2/me/devices/d1/calls", 200, okBody)
		fake.on("GET", "/api/v2/me/calls/c9", 404, `{"statusCode":6,"statusMessage":"Call not found"}`)

		var (
			mu   sync.Mutex
			got  []gws.Exchange
			tick int
		)
		start := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
		c := mustClient(fake.URL(), "agent1", "password", gws.Options{
			OnExchange: func(e gws.Exchange) { mu.Lock(); got = append(got, e); mu.Unlock() },
			Now: func() time.Time {
				mu.Lock()
				defer mu.Unlock()
				tick++
				return start.Add(time.Duration(tick) * time.Second)
			},
		})
		ctx := context.Background()
		Expect(c.Dial(ctx, "d1", "5002")).To(Succeed())
		_, err := c.Call(ctx, "c9")
		Expect(gws.IsStatus(err, gws.CodeNotFound)).To(BeTrue())

		mu.Lock()
		defer mu.Unlock()
		Expect(got).To(HaveLen(2))
		Expect(got[0].User).To(Equal("agent1"))
		Expect(got[0].Method).To(Equal("POST"))
		Expect(got[0].Path).To(Equal("/api/v2/me/devices/d1/calls"))
		Expect(string(got[0].RequestBody)).To(MatchJSON(`{"operationName":"Dial","destination":{"phoneNumber":"5002"}}`))
		Expect(got[0].HTTPStatus).To(Equal(200))
		Expect(string(got[0].ResponseBody)).To(MatchJSON(okBody))
		Expect(got[0].Started).To(Equal(start.Add(1 * time.Second)))
		Expect(got[0].Finished).To(Equal(start.Add(2 * time.Second)))
		Expect(got[0].Err).NotTo(HaveOccurred())

		Expect(got[1].Method).To(Equal("GET"))
		Expect(got[1].Path).To(Equal("/api/v2/me/calls/c9"))
		Expect(got[1].RequestBody).To(BeNil())
		Expect(got[1].HTTPStatus).To(Equal(404))
		Expect(string(got[1].ResponseBody)).To(ContainSubstring("Call not found"))
		Expect(got[1].Started.Before(got[1].Finished)).To(BeTrue())
	})

	It("is safe and complete under concurrent use", func() {
		fake := newFake()
		fake.on("GET", "/api/v2/me", 200, `{"statusCode":0,"user":{"id":"u1","userName":"agent1"}}`)
		fake.on("POST", "/api/v2/me/channels/voice", 200, okBody)
		fake.enableCSRF("X-CSRF-TOKEN", "tok")

		var (
			mu    sync.Mutex
			count = map[string]int{}
		)
		c := mustClient(fake.URL(), "agent1", "password", gws.Options{
			OnExchange: func(e gws.Exchange) { mu.Lock(); count[e.Method]++; mu.Unlock() },
		})
		ctx := context.Background()
		_, err := c.Me(ctx)
		Expect(err).NotTo(HaveOccurred())

		const workers = 16
		errs := make(chan error, 2*workers)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				_, err := c.Me(ctx)
				errs <- err
				errs <- c.ChannelOperation(ctx, "voice", "NotReady", nil)
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			Expect(err).NotTo(HaveOccurred())
		}
		mu.Lock()
		defer mu.Unlock()
		Expect(count).To(Equal(map[string]int{"GET": workers + 1, "POST": workers}))
		for _, r := range fake.seen()[1:] {
			Expect(r.SessionID).To(Equal("session-1"), "every later request reuses the first session")
		}
	})
})
