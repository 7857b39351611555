package simulator_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator"
)

// hostile is one request an attacker, a broken client or a confused proxy might send.
type hostile struct {
	name, method, path, contentType, body string
	user, pass                            string // Basic credentials; empty user: none
	header                                http.Header
}

var _ = Describe("hostile input against a served simulator", func() {
	// Every request is refused with a GWS error body (statusCode and statusMessage) or, on the notification
	// endpoint, with Bayeux replies that all failed; none gets a 5xx; and the simulator's state, read through
	// the control API, is the same afterwards.
	It("refuses every one of several hundred malformed, oversized, cross-user and protocol-violating requests and changes nothing", func() {
		const token = "hostile-test"
		vc, err := simulator.NewVirtualClock(0)
		Expect(err).NotTo(HaveOccurred())
		env := fixtures.Default()
		sim, err := simulator.StartLoopback(env, simulator.WithControl(token), simulator.WithClock(vc))
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(sim.Close)
		hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

		send := func(h hostile) (int, []byte) {
			GinkgoHelper()
			req, err := http.NewRequest(h.method, sim.URL+"/", strings.NewReader(h.body))
			Expect(err).NotTo(HaveOccurred())
			req.URL.Opaque = h.path // sent exactly as written
			if h.contentType != "" {
				req.Header.Set("Content-Type", h.contentType)
			}
			if h.user != "" {
				req.SetBasicAuth(h.user, h.pass)
			}
			for k, v := range h.header {
				req.Header[k] = v
			}
			resp, err := hc.Do(req)
			Expect(err).NotTo(HaveOccurred(), h.name)
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, data
		}
		state := func() string {
			GinkgoHelper()
			code, data := send(hostile{method: http.MethodGet, path: "/sim/v1/state",
				header: http.Header{"Authorization": {"Bearer " + token}}})
			Expect(code).To(Equal(http.StatusOK), string(data))
			return string(data)
		}
		user := func(name string) fixtures.User {
			for _, u := range env.Users {
				if u.UserName == name {
					return u
				}
			}
			Fail("no user " + name)
			return fixtures.User{}
		}

		// A CometD session of supervisor1, for cross-user attempts on it.
		code, data := send(hostile{method: http.MethodPost, path: "/api/v2/notifications/handshake", contentType: "application/json",
			user: "supervisor1", pass: "password", body: `[{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["long-polling"]}]`})
		Expect(code).To(Equal(http.StatusOK))
		var hs []map[string]any
		Expect(json.Unmarshal(data, &hs)).To(Succeed())
		supClient, _ := hs[0]["clientId"].(string)
		Expect(supClient).NotTo(BeEmpty())

		var reqs []hostile
		add := func(h hostile) { reqs = append(reqs, h) }
		agentDev := user("agent1").Device.ID
		supDev := user("supervisor1").Device.ID
		opPaths := []string{"/api/v2/me", "/api/v2/me/devices/" + agentDev, "/api/v2/me/devices/" + agentDev + "/calls",
			"/api/v2/me/channels/voice", "/api/v2/me/calls/nope"}
		bodies := []string{``, ` `, `null`, `[]`, `"Ready"`, `42`, `{`, `{"operationName":`, `{"operationName":"Ready"} x`,
			`{"operationName":"Ready"}{"operationName":"Ready"}`, `{"operationName":"Ready","operationName":"NotReady"}`,
			`{"OperationName":"Ready"}`, `{"operationname":"DoNotDisturbOn"}`, `{"operationName":7}`, `{"operationName":""}`,
			`{"operationName":"Fly"}`, `{"operationName":"Dial","destination":{"phoneNumber":"5002","phoneNumber":"5003"}}`,
			`{"operationName":"Dial","destination":7}`, `{"operationName":"StartContactCenterSession","channels":"voice"}`,
			`{"operationName":null}`, "\x00\x01\x02", `{"operationName":"DoNotDisturbOn","x":{"y":1,"y":2}}`,
			`{"operationName":"Coach","targetDeviceUri":true}`, strings.Repeat("[", 5000)}
		for _, p := range opPaths {
			for _, b := range bodies {
				add(hostile{name: "malformed " + b, method: http.MethodPost, path: p, contentType: "application/json", body: b, user: "agent1", pass: "password"})
			}
			for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=z", "application/json-patch+json"} {
				add(hostile{name: "content type " + ct, method: http.MethodPost, path: p, contentType: ct, body: `{"operationName":"DoNotDisturbOn"}`, user: "agent1", pass: "password"})
			}
			add(hostile{name: "oversized", method: http.MethodPost, path: p, contentType: "application/json",
				body: `{"operationName":"DoNotDisturbOn","pad":"` + strings.Repeat("a", 1<<20) + `"}`, user: "agent1", pass: "password"})
			for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch} {
				add(hostile{name: "method " + m, method: m, path: p, contentType: "application/json", body: `{"operationName":"DoNotDisturbOn"}`, user: "agent1", pass: "password"})
			}
			for _, who := range [][2]string{{"", ""}, {"agent1", "wrong"}, {"nobody", "password"}, {"agent1", ""}} {
				add(hostile{name: "credentials " + who[0] + ":" + who[1], method: http.MethodPost, path: p, contentType: "application/json",
					body: `{"operationName":"DoNotDisturbOn"}`, user: who[0], pass: who[1]})
			}
			add(hostile{name: "forged cookie", method: http.MethodPost, path: p, contentType: "application/json",
				body: `{"operationName":"DoNotDisturbOn"}`, header: http.Header{"Cookie": {"JSESSIONID=forged"}}})
		}
		// Cross-user: another user's device and calls through /me paths.
		for _, name := range []string{"agent1", "agent2", "customer1", "supervisor2"} {
			for _, op := range []string{"DoNotDisturbOn", "ListenIn", "Coach", "BargeIn", "CancelSupervisorMonitoring", "Dial"} {
				add(hostile{name: name + " on supervisor1's device", method: http.MethodPost, path: "/api/v2/me/devices/" + supDev,
					contentType: "application/json", body: fmt.Sprintf(`{"operationName":%q,"destination":{"phoneNumber":"5001"}}`, op), user: name, pass: "password"})
			}
			add(hostile{name: name + " reads supervisor1's device via /me", method: http.MethodGet, path: "/api/v2/me/devices/" + supDev, user: name, pass: "password"})
		}
		// Unclean paths.
		for _, p := range []string{"/api/v2/me/../me", "/api/v2/./me", "/api/v2//me", "/api/v2/me%2Fdevices", "/api/v2/me/devices/..%2F..%2Fme",
			"/sim/v1/../api/v2/me", "/api/v2/notifications/../me", "/api/v2/me/.", "//api/v2/me", "/api/v2/me//"} {
			for _, m := range []string{http.MethodGet, http.MethodPost} {
				add(hostile{name: "unclean " + p, method: m, path: p, contentType: "application/json", body: `{"operationName":"DoNotDisturbOn"}`, user: "agent1", pass: "password"})
			}
		}
		// The notification endpoint.
		bayeux := []string{`[{"channel":"/meta/connect","clientId":"` + supClient + `","connectionType":"long-polling"}]`,
			`[{"channel":"/meta/subscribe","clientId":"` + supClient + `","subscription":"/v2/me/*"}]`,
			`[{"channel":"/meta/disconnect","clientId":"` + supClient + `"}]`,
			`[{"channel":"/meta/unsubscribe","clientId":"` + supClient + `","subscription":"/v2/me/calls"}]`}
		for _, name := range []string{"agent1", "agent2", "customer2"} {
			for _, b := range bayeux {
				add(hostile{name: name + " uses supervisor1's clientId", method: http.MethodPost, path: "/api/v2/notifications", contentType: "application/json", body: b, user: name, pass: "password"})
			}
		}
		for _, b := range []string{``, `[]`, `{`, `hello`, `[1]`, `[null]`, `[{"id":"1"}]`, `[{"channel":5}]`, `[{"Channel":"/meta/handshake"}]`,
			`[{"channel":"/meta/handshake","channel":"/meta/connect"}]`, `[{"channel":"/meta/connect"}][]`,
			`[{"channel":"/meta/connect","clientId":"` + supClient + `"}]`, `[{"channel":"/meta/connect","clientId":"nope","connectionType":"long-polling"}]`,
			`[{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["websocket"]}]`,
			`[{"channel":"/meta/subscribe","clientId":"nope","subscription":"/meta/foo"}]`, `[{"channel":"/v2/me/calls","data":{}}]`,
			`[{"channel":"/meta/unknown"}]`, `[{"channel":"/a//b","data":1}]`, strings.Repeat(`[`, 3000)} {
			for _, sfx := range []string{"", "/connect", "/handshake/"} {
				add(hostile{name: "bayeux " + b, method: http.MethodPost, path: "/api/v2/notifications" + sfx, contentType: "application/json", body: b, user: "agent2", pass: "password"})
			}
			add(hostile{name: "bayeux unauthenticated " + b, method: http.MethodPost, path: "/api/v2/notifications", contentType: "application/json", body: b})
		}
		for _, ct := range []string{"text/plain", "multipart/form-data; boundary=q"} {
			add(hostile{name: "bayeux type " + ct, method: http.MethodPost, path: "/api/v2/notifications", contentType: ct,
				body: `[{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["long-polling"]}]`, user: "agent2", pass: "password"})
		}
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
			add(hostile{name: "bayeux method " + m, method: m, path: "/api/v2/notifications", user: "agent2", pass: "password"})
		}
		add(hostile{name: "bayeux oversized", method: http.MethodPost, path: "/api/v2/notifications", contentType: "application/json",
			body: `[{"channel":"/meta/connect","x":"` + strings.Repeat("b", 1<<20) + `"}]`, user: "agent2", pass: "password"})
		add(hostile{name: "websocket upgrade", method: http.MethodGet, path: "/api/v2/notifications", user: "agent2", pass: "password",
			header: http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}}})
		// The control API without or with a wrong token.
		for _, p := range []string{"/sim/v1/state", "/sim/v1/reset", "/sim/v1/faults", "/sim/v1/clock/advance"} {
			for _, auth := range []string{"", "Bearer wrong", "Basic " + token} {
				h := http.Header{}
				if auth != "" {
					h.Set("Authorization", auth)
				}
				add(hostile{name: "control " + p + " " + auth, method: http.MethodPost, path: p, contentType: "application/json", body: `{}`, header: h})
			}
		}
		Expect(len(reqs)).To(BeNumerically(">=", 300))

		before := state()
		for _, h := range reqs {
			code, data := send(h)
			Expect(code).To(BeNumerically("<", 500), "%s %s (%s): HTTP %d %s", h.method, h.path, h.name, code, clip(data))
			Expect(refusal(data)).To(Succeed(), "%s %s (%s): HTTP %d %s", h.method, h.path, h.name, code, clip(data))
		}
		Expect(state()).To(Equal(before), "the state changed")
		AddReportEntry("hostile requests refused", len(reqs))
	})
})

// refusal checks that a reply is a GWS error or a batch of failed Bayeux replies.
func refusal(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var msgs []map[string]any
		if err := json.Unmarshal(data, &msgs); err != nil {
			return err
		}
		if len(msgs) == 0 {
			return fmt.Errorf("an empty Bayeux reply")
		}
		for _, m := range msgs {
			if ok, _ := m["successful"].(bool); ok {
				return fmt.Errorf("a Bayeux reply succeeded: %v", m)
			}
			if e, _ := m["error"].(string); e == "" {
				return fmt.Errorf("a failed Bayeux reply without error: %v", m)
			}
		}
		return nil
	}
	var body struct {
		StatusCode    *int   `json:"statusCode"`
		StatusMessage string `json:"statusMessage"`
	}
	if err := json.Unmarshal(data, &body); err != nil {
		return fmt.Errorf("not a GWS body: %w", err)
	}
	if body.StatusCode == nil || *body.StatusCode == 0 || body.StatusMessage == "" {
		return fmt.Errorf("not a GWS error")
	}
	return nil
}

func clip(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}
