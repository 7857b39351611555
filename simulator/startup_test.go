package simulator_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator"
)

// The startup replay drives a served simulator through HTTP only, as a desktop does when it starts (the
// sequence a Workspace Web Edition client sent a live GWS, gws-voice-api.md §1.4): a probe without
// credentials, the login reads, the version, the session with voice and chat, the CometD handshake and a
// subscription to each documented channel, then the agent states. Every reply must succeed and every
// notification must have the documented shape.

// desktop is one browser: a cookie jar, Basic credentials once logged in, a CometD client id.
type desktop struct {
	base       string
	hc         *http.Client
	user, pass string
	clientID   string
	notes      chan map[string]any
	stop       chan struct{}
	done       chan struct{}
}

func newDesktop(base string) *desktop {
	jar, err := cookiejar.New(nil)
	Expect(err).NotTo(HaveOccurred())
	return &desktop{base: base, hc: &http.Client{Jar: jar, Timeout: 40 * time.Second},
		notes: make(chan map[string]any, 256), stop: make(chan struct{}), done: make(chan struct{})}
}

// reply is one HTTP reply as the desktop sees it.
type reply struct {
	what   string
	status int
	header http.Header
	body   []byte
}

func (r reply) object() map[string]any {
	GinkgoHelper()
	var m map[string]any
	Expect(json.Unmarshal(r.body, &m)).To(Succeed(), "%s: %s", r.what, r.body)
	return m
}

func (d *desktop) send(method, path string, body any) reply {
	GinkgoHelper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		Expect(err).NotTo(HaveOccurred())
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, d.base+path, rd)
	Expect(err).NotTo(HaveOccurred())
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if d.user != "" {
		req.SetBasicAuth(d.user, d.pass)
	}
	resp, err := d.hc.Do(req)
	Expect(err).NotTo(HaveOccurred(), "%s %s", method, path)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return reply{what: method + " " + path, status: resp.StatusCode, header: resp.Header, body: data}
}

// ok sends a request that must succeed with HTTP 200 and the given statusCode.
func (d *desktop) ok(method, path string, body any, statusCode int) map[string]any {
	GinkgoHelper()
	r := d.send(method, path, body)
	Expect(r.status).To(Equal(http.StatusOK), "%s: %s", r.what, r.body)
	m := r.object()
	Expect(m).To(HaveKeyWithValue("statusCode", float64(statusCode)), "%s: %s", r.what, r.body)
	return m
}

// bayeux posts Bayeux messages to the notification endpoint and returns the replies.
func (d *desktop) bayeux(sub string, msgs ...map[string]any) []map[string]any {
	GinkgoHelper()
	r := d.send(http.MethodPost, "/api/v2/notifications"+sub, msgs)
	Expect(r.status).To(Equal(http.StatusOK), "%s: %s", r.what, r.body)
	var out []map[string]any
	Expect(json.Unmarshal(r.body, &out)).To(Succeed(), "%s: %s", r.what, r.body)
	return out
}

// handshake opens the CometD session and subscribes to the channels, each in its own message as CometD JS
// sends them, then long-polls in the background, handing every data message to notes.
func (d *desktop) handshake(channels ...string) {
	GinkgoHelper()
	hs := d.bayeux("/handshake", map[string]any{"channel": "/meta/handshake", "version": "1.0",
		"supportedConnectionTypes": []string{"long-polling"}})
	Expect(hs).NotTo(BeEmpty())
	Expect(hs[0]).To(HaveKeyWithValue("successful", true), "handshake: %v", hs)
	d.clientID = hs[0]["clientId"].(string)
	for _, ch := range channels {
		rep := d.bayeux("", map[string]any{"channel": "/meta/subscribe", "clientId": d.clientID, "subscription": ch})
		Expect(rep).To(ContainElement(And(HaveKeyWithValue("channel", "/meta/subscribe"),
			HaveKeyWithValue("successful", true), HaveKeyWithValue("subscription", ch))), "subscribe %s: %v", ch, rep)
	}
	go func() {
		defer GinkgoRecover()
		defer close(d.done)
		for {
			select {
			case <-d.stop:
				return
			default:
			}
			r := d.send(http.MethodPost, "/api/v2/notifications/connect",
				[]map[string]any{{"channel": "/meta/connect", "clientId": d.clientID, "connectionType": "long-polling"}})
			if r.status != http.StatusOK {
				return
			}
			var msgs []map[string]any
			if json.Unmarshal(r.body, &msgs) != nil {
				return
			}
			if !d.collect(msgs) {
				return
			}
		}
	}()
}

// collect hands data messages to notes; false when the server ended the session.
func (d *desktop) collect(msgs []map[string]any) bool {
	alive := true
	for _, m := range msgs {
		ch, _ := m["channel"].(string)
		if strings.HasPrefix(ch, "/meta/") {
			if ch == "/meta/connect" && m["successful"] != true {
				alive = false
			}
			continue
		}
		select {
		case d.notes <- m:
		case <-d.stop:
			return false
		}
	}
	return alive
}

// next waits (deadline 5 s) for the next notification.
func (d *desktop) next(what string) map[string]any {
	GinkgoHelper()
	select {
	case m := <-d.notes:
		return m
	case <-time.After(5 * time.Second):
		Fail("expected a notification: " + what + "; none arrived within 5 s")
	}
	return nil
}

// close disconnects the CometD session and waits for the long poll to end.
func (d *desktop) close() {
	close(d.stop)
	if d.clientID != "" {
		_ = d.send(http.MethodPost, "/api/v2/notifications/disconnect",
			[]map[string]any{{"channel": "/meta/disconnect", "clientId": d.clientID}})
	}
}

// deviceNote checks a DeviceStateChangeMessage of the user's own device and returns that device.
func deviceNote(m map[string]any, deviceID, dn string) map[string]any {
	GinkgoHelper()
	Expect(m).To(HaveKeyWithValue("channel", "/v2/me/devices"), "%v", m)
	data, ok := m["data"].(map[string]any)
	Expect(ok).To(BeTrue(), "a notification without data: %v", m)
	Expect(data).To(HaveKeyWithValue("messageType", "DeviceStateChangeMessage"))
	Expect(data).To(HaveKey("metrics"))
	devices, _ := data["devices"].([]any)
	Expect(devices).To(HaveLen(1), "%v", data)
	dev := devices[0].(map[string]any)
	Expect(dev).To(HaveKeyWithValue("id", deviceID))
	Expect(dev).To(HaveKeyWithValue("phoneNumber", dn))
	Expect(dev).To(HaveKeyWithValue("deviceState", "Active"))
	Expect(dev["capabilities"]).To(ContainElements("DoNotDisturbOn", "ForwardCallsOn"),
		"an agent device offers DND and forwarding in every state (SPEC §11.1)")
	return dev
}

var _ = Describe("a desktop's startup sequence replayed against a served simulator", func() {
	It("gets a successful reply to every request and documented notifications for every agent state", func() {
		env := fixtures.Default()
		sim, err := simulator.StartLoopback(env)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(sim.Close)
		agent, ok := env.UserByName("agent1")
		Expect(ok).To(BeTrue())
		d := newDesktop(sim.URL)
		DeferCleanup(d.close)

		By("probing for a session without credentials: 403, statusCode 20, no login dialog")
		probe := d.send(http.MethodGet, "/api/v2/me?subresources=features,devices,channels", nil)
		Expect(probe.status).To(Equal(http.StatusForbidden), string(probe.body))
		Expect(probe.body).To(MatchJSON(`{"statusCode":20,"statusMessage":"Access denied"}`))
		Expect(probe.header.Values("WWW-Authenticate")).To(BeEmpty())

		By("logging in with Basic")
		d.user, d.pass = agent.UserName, agent.Password
		me := d.ok(http.MethodGet, "/api/v2/me?subresources=features,devices,channels", nil, 0)["user"].(map[string]any)
		Expect(me).To(HaveKeyWithValue("userName", "agent1"))
		Expect(me).To(HaveKey("emailAddress"))
		Expect(me).To(HaveKey("contactCenterId"))
		Expect(me["features"]).To(ContainElement(And(HaveKeyWithValue("id", "api-voice"),
			HaveKeyWithValue("displayName", "Voice API"), HaveKeyWithValue("description", "API for Voice"),
			HaveKeyWithValue("autoAssignOnContactCenterCreate", true),
			HaveKeyWithValue("uri", sim.URL+"/api/v2/features/api-voice"), HaveKeyWithValue("path", "/features/api-voice"))))
		Expect(me["devices"]).To(HaveLen(1))
		dev := me["devices"].([]any)[0].(map[string]any)
		Expect(dev).To(HaveKeyWithValue("id", agent.Device.ID))
		Expect(dev["userState"]).To(Equal(map[string]any{"id": "0F7F5003-EF26-4D13-A6Ef-D0C7EC819BEB",
			"displayName": "Offline", "state": "LoggedOut"}), "Offline before the session")

		By("reading the version, StartContactCenterSession with voice and chat (a partial success)")
		Expect(d.ok(http.MethodGet, "/api/v2/diagnostics/version", nil, 0)).To(HaveKey("version"))
		start := d.ok(http.MethodPost, "/api/v2/me", map[string]any{"operationName": "StartContactCenterSession",
			"channels": []string{"voice", "chat"}}, 7)
		Expect(start["succeeded"]).To(Equal([]any{map[string]any{"statusCode": 0.0, "channel": "voice"}}))
		Expect(start["failed"]).To(ConsistOf(And(HaveKeyWithValue("channel", "multimedia"), HaveKeyWithValue("statusCode", 4.0))))

		By("re-reading /me/ with a trailing slash and the subresources the desktop asks for")
		me = d.ok(http.MethodGet, "/api/v2/me/?subresources=devices,calls,channels,interactions,chats", nil, 0)["user"].(map[string]any)
		Expect(me["calls"]).To(Equal([]any{}))
		Expect(me).NotTo(HaveKey("channels"))
		Expect(me).NotTo(HaveKey("interactions"))
		Expect(at(me, "devices", 0, "userState", "state")).To(Equal("NotReady"))
		d.ok(http.MethodGet, "/api/v2/devices/"+agent.Device.ID, nil, 0)

		By("opening CometD and subscribing to every documented channel")
		d.handshake("/v2/me/devices", "/v2/me/calls", "/v2/me/channels", "/notifications/services")

		By("going through the agent states")
		steps := []struct {
			body map[string]any
			want map[string]any
		}{
			{map[string]any{"operationName": "Ready"},
				map[string]any{"id": "9430250E-0A1B-421F-B372-F29E69366DED", "displayName": "Ready", "state": "Ready"}},
			{map[string]any{"operationName": "NotReady", "reason": "Lunch", "reasonCode": "1"},
				map[string]any{"id": "900D55CC-2BB0-431F-8BF9-D3525B383BE6", "displayName": "Not Ready", "state": "NotReady",
					"reason": "Lunch", "reasonCode": "1"}},
			{map[string]any{"operationName": "AuxWork"},
				map[string]any{"id": "2B36138D-C564-4562-A8CB-3C32D564F296", "displayName": "AuxWork", "state": "NotReady", "workMode": "AuxWork"}},
			{map[string]any{"operationName": "AuxWork"}, // the state the agent has: the device again
				map[string]any{"id": "2B36138D-C564-4562-A8CB-3C32D564F296", "displayName": "AuxWork", "state": "NotReady", "workMode": "AuxWork"}},
			{map[string]any{"operationName": "AfterCallWork", "wrapUpTime": "20"},
				map[string]any{"id": "D3663509-3D82-4DD3-A82E-2EA8EFA02AEF", "displayName": "AfterCallWork", "state": "NotReady", "workMode": "AfterCallWork"}},
			{map[string]any{"operationName": "Offline"},
				map[string]any{"id": "0F7F5003-EF26-4D13-A6Ef-D0C7EC819BEB", "displayName": "Offline", "state": "LoggedOut"}},
		}
		for _, s := range steps {
			d.ok(http.MethodPost, "/api/v2/me/channels/voice", s.body, 0)
			got := deviceNote(d.next(fmt.Sprintf("the device after %v", s.body)), agent.Device.ID, agent.Device.DN)
			Expect(got["userState"]).To(Equal(s.want), "after %v", s.body)
		}

		By("after Offline the HTTP session stays, and agent states need a new session")
		Expect(d.send(http.MethodPost, "/api/v2/me/channels/voice", map[string]any{"operationName": "Ready"}).object()).
			To(HaveKeyWithValue("statusCode", 2.0))
		Consistently(d.notes).WithTimeout(200*time.Millisecond).ShouldNot(Receive(), "a refused request notifies nothing")
	})
})

// at walks a decoded JSON value by keys and indexes.
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}
