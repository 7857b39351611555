package restapi_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/simulator/internal/restapi"
)

const accessDenied = `{"statusCode":20,"statusMessage":"Access denied"}`

var _ = Describe("Authentication", func() {
	var st *stack

	BeforeEach(func() { st = startStack() })

	userName := func(c *client) any {
		GinkgoHelper()
		r := c.get("/api/v2/me")
		Expect(r).To(succeed())
		return at(r.Object(), "user", "userName")
	}

	DescribeTable("refuses a request without valid credentials with HTTP 403, statusCode 20 and no challenge",
		func(makeClient func() *client, method string) {
			var body any
			if method == http.MethodPost {
				body = op{"operationName": "DoNotDisturbOn"}
			}
			r := makeClient().do(method, "/api/v2/me/devices/"+st.user("agent1").Device.ID, body, nil)
			Expect(r.Status).To(Equal(http.StatusForbidden), r.GomegaString())
			Expect(r.Body).To(MatchJSON(accessDenied))
			Expect(r.Header.Values("WWW-Authenticate")).To(BeEmpty(), "no challenge: a browser must not open a login dialog")
			Expect(r.Header.Values("Set-Cookie")).To(BeEmpty())
		},
		Entry("no credentials, GET", func() *client { return st.anonymous() }, http.MethodGet),
		Entry("no credentials, POST", func() *client { return st.anonymous() }, http.MethodPost),
		Entry("wrong password", func() *client { return st.anonymous().withBasic("agent1", "wrong") }, http.MethodGet),
		Entry("empty password", func() *client { return st.anonymous().withBasic("agent1", "") }, http.MethodGet),
		Entry("unknown user", func() *client { return st.anonymous().withBasic("nobody", "password") }, http.MethodPost),
	)

	It("refuses a forged session cookie", func() {
		r := st.anonymous().do(http.MethodGet, "/api/v2/me", nil, http.Header{"Cookie": {restapi.SessionCookie + "=forged"}})
		Expect(r.Status).To(Equal(http.StatusForbidden), r.GomegaString())
		Expect(r.Body).To(MatchJSON(accessDenied))
	})

	It("sets a JSESSIONID cookie on the first Basic request and keeps it", func() {
		c := st.client("agent1")
		r := c.get("/api/v2/me")
		Expect(r).To(succeed())
		set := (&http.Response{Header: r.Header}).Cookies()
		Expect(set).To(HaveLen(1))
		Expect(set[0].Name).To(Equal("JSESSIONID"))
		Expect(set[0].Value).NotTo(BeEmpty())
		Expect(set[0].Path).To(Equal("/"))
		Expect(set[0].HttpOnly).To(BeTrue())

		again := c.get("/api/v2/me")
		Expect(again).To(succeed())
		Expect(again.Header.Values("Set-Cookie")).To(BeEmpty(), "Basic of the session's own user reuses the session")
		Expect(c.sessionCookie()).To(Equal(set[0].Value))
	})

	It("gives every client that keeps its cookie a session of its own", func() {
		a, b := st.client("agent1"), st.client("agent1")
		Expect(a.get("/api/v2/me")).To(succeed())
		Expect(a.get("/api/v2/me")).To(succeed()) // presents the cookie: the session is a's
		Expect(b.get("/api/v2/me")).To(succeed())
		Expect(a.sessionCookie()).NotTo(Equal(b.sessionCookie()))
	})

	It("lets requests that never send the cookie share one session per user", func() {
		var cookies []string
		for range 5 {
			r := st.anonymous().withBasic("agent1", "password").get("/api/v2/me")
			Expect(r).To(succeed())
			set := (&http.Response{Header: r.Header}).Cookies()
			Expect(set).To(HaveLen(1))
			cookies = append(cookies, set[0].Value)
		}
		Expect(cookies).To(HaveEach(cookies[0]))
		other := st.anonymous().withBasic("agent2", "password").get("/api/v2/me")
		Expect((&http.Response{Header: other.Header}).Cookies()[0].Value).NotTo(Equal(cookies[0]), "another user's")
		Expect(st.api.Sessions()).To(Equal(2))
	})

	It("hands out the cookie HttpOnly and SameSite=Lax", func() {
		r := st.client("agent1").get("/api/v2/me")
		Expect(r.Header.Get("Set-Cookie")).To(And(ContainSubstring("HttpOnly"), ContainSubstring("SameSite=Lax")))
	})

	It("accepts the session cookie alone afterwards, for reads and operations", func() {
		c := st.client("agent1")
		Expect(c.get("/api/v2/me")).To(succeed())
		byCookie := c.cookieOnly()
		Expect(userName(byCookie)).To(Equal("agent1"))
		Expect(byCookie.deviceOp(op{"operationName": "DoNotDisturbOn"})).To(succeed())
		Expect(st.client("agent1").device()).To(HaveKeyWithValue("doNotDisturb", "On"))
	})

	It("refuses a valid cookie together with a wrong Basic password", func() {
		c := st.client("agent1")
		Expect(c.get("/api/v2/me")).To(succeed())
		r := c.withBasic("agent1", "wrong").get("/api/v2/me")
		Expect(r.Status).To(Equal(http.StatusForbidden), r.GomegaString())
	})

	It("invalidates the session on EndContactCenterSession", func() {
		c := st.client("agent1")
		Expect(c.post("/api/v2/me", op{"operationName": "StartContactCenterSession", "channels": []string{"voice"}})).To(succeed())
		byCookie := c.cookieOnly()
		Expect(userName(byCookie)).To(Equal("agent1"))

		Expect(byCookie.post("/api/v2/me", op{"operationName": "EndContactCenterSession"})).To(succeed())
		r := byCookie.get("/api/v2/me")
		Expect(r.Status).To(Equal(http.StatusForbidden), "the cookie of an ended session: %s", r.GomegaString())
		Expect(r.Body).To(MatchJSON(accessDenied))

		Expect(userName(c)).To(Equal("agent1"), "Basic still works and opens a new session")
		Expect(userName(c.cookieOnly())).To(Equal("agent1"))
	})

	It("does not end other sessions of the same user on EndContactCenterSession", func() {
		a, b := st.client("agent1"), st.client("agent1")
		Expect(a.get("/api/v2/me")).To(succeed())
		Expect(userName(a.cookieOnly())).To(Equal("agent1")) // a's own session from now on
		Expect(b.get("/api/v2/me")).To(succeed())
		Expect(a.cookieOnly().post("/api/v2/me", op{"operationName": "EndContactCenterSession"})).To(succeed())
		Expect(userName(b.cookieOnly())).To(Equal("agent1"))
	})

	It("acts as the Basic user when a session cookie of another user comes along", func() {
		c := st.client("agent1")
		Expect(c.get("/api/v2/me")).To(succeed())
		asAgent2 := c.withBasic("agent2", "password")
		Expect(userName(asAgent2)).To(Equal("agent2"))

		Expect(asAgent2.post("/api/v2/me/devices/"+st.user("agent2").Device.ID, op{"operationName": "DoNotDisturbOn"})).To(succeed())
		r := asAgent2.post("/api/v2/me/devices/"+st.user("agent1").Device.ID, op{"operationName": "DoNotDisturbOn"})
		Expect(r).To(haveStatus(http.StatusNotFound, restapi.StatusNotFound), "agent1's device is not agent2's")
		Expect(st.client("agent2").device()).To(HaveKeyWithValue("doNotDisturb", "On"))
		Expect(st.client("agent1").device()).To(HaveKeyWithValue("doNotDisturb", "Off"))
	})

	Describe("UserOf", func() {
		It("resolves a request by Basic or by session cookie, and refuses anything else", func() {
			c := st.client("supervisor1")
			Expect(c.get("/api/v2/me")).To(succeed())
			want := st.user("supervisor1").ID

			byBasic := httptest.NewRequest(http.MethodPost, "/api/v2/notifications/handshake", nil)
			byBasic.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("supervisor1:password")))
			userOf := func(r *http.Request) string {
				id, ok := st.api.UserOf(r)
				Expect(ok).To(BeTrue())
				return id
			}
			Expect(userOf(byBasic)).To(Equal(want))

			byCookie := httptest.NewRequest(http.MethodPost, "/api/v2/notifications/handshake", nil)
			byCookie.AddCookie(&http.Cookie{Name: restapi.SessionCookie, Value: c.sessionCookie()})
			Expect(userOf(byCookie)).To(Equal(want))

			for name, r := range map[string]*http.Request{
				"nothing":        httptest.NewRequest(http.MethodPost, "/api/v2/notifications", nil),
				"wrong password": basicRequest("supervisor1", "nope"),
				"forged cookie":  cookieRequest("forged"),
			} {
				_, ok := st.api.UserOf(r)
				Expect(ok).To(BeFalse(), name)
			}
		})
	})
})

func basicRequest(user, pass string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/api/v2/notifications", nil)
	r.SetBasicAuth(user, pass)
	return r
}

func cookieRequest(value string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/api/v2/notifications", nil)
	r.AddCookie(&http.Cookie{Name: restapi.SessionCookie, Value: value})
	return r
}

// wallClock is a settable clock for HTTP session expiry.
type wallClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *wallClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *wallClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var _ = It("has no handshake guard while CSRF protection is off", func() {
	Expect(startStack().api.HandshakeGuard()).To(BeNil())
})

var _ = Describe("HTTP session limits", func() {
	var (
		st  *stack
		clk *wallClock
	)
	BeforeEach(func() {
		clk = &wallClock{t: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
		st = newStackWith(restapi.Options{Now: clk.now, Sessions: restapi.SessionLimits{IdleTimeout: time.Minute, MaxPerUser: 2}})
		DeferCleanup(st.close)
	})

	refusedAsUnauthenticated := func(r reply) {
		GinkgoHelper()
		Expect(r.Body).To(MatchJSON(accessDenied), r.GomegaString())
		Expect(r.Status).To(BeNumerically(">=", 400))
	}

	It("ends a session idle for the timeout: its cookie gets statusCode 20, a used one lives on", func() {
		idle, busy := st.client("agent1"), st.client("agent2")
		Expect(idle.get("/api/v2/me")).To(succeed())
		Expect(busy.get("/api/v2/me")).To(succeed())
		clk.advance(40 * time.Second)
		Expect(busy.cookieOnly().get("/api/v2/me")).To(succeed())
		clk.advance(40 * time.Second)
		refusedAsUnauthenticated(idle.cookieOnly().get("/api/v2/me"))
		Expect(busy.cookieOnly().get("/api/v2/me")).To(succeed(), "used 40s ago: still alive")
		Expect(idle.get("/api/v2/me")).To(succeed(), "Basic opens a new session")
		Expect(idle.cookieOnly().get("/api/v2/me")).To(succeed())
	})

	It("caps the sessions of a user, ending the least recently used", func() {
		a, b, c := st.client("agent1"), st.client("agent1"), st.client("agent1")
		for _, x := range []*client{a, b} {
			Expect(x.get("/api/v2/me")).To(succeed())
			Expect(x.cookieOnly().get("/api/v2/me")).To(succeed()) // claims it
			clk.advance(time.Second)
		}
		Expect(c.get("/api/v2/me")).To(succeed())
		refusedAsUnauthenticated(a.cookieOnly().get("/api/v2/me"))
		Expect(b.cookieOnly().get("/api/v2/me")).To(succeed())
		Expect(c.cookieOnly().get("/api/v2/me")).To(succeed())
		Expect(st.api.Sessions()).To(Equal(2))
	})

	It("keeps one session per user however many cookie-less Basic requests come", func() {
		for range 200 {
			Expect(st.anonymous().withBasic("agent1", "password").get("/api/v2/me/calls")).To(succeed())
		}
		Expect(st.api.Sessions()).To(Equal(1))
	})

	It("forgets expired sessions nobody presents again", func() {
		for _, name := range []string{"agent1", "agent2", "agent3"} {
			x := st.client(name)
			Expect(x.get("/api/v2/me")).To(succeed())
			Expect(x.cookieOnly().get("/api/v2/me")).To(succeed())
		}
		Expect(st.api.Sessions()).To(Equal(3))
		clk.advance(2 * time.Minute)
		Expect(st.client("supervisor1").get("/api/v2/me")).To(succeed()) // creating a session sweeps
		Expect(st.api.Sessions()).To(Equal(1))
	})
})

var _ = Describe("CSRF protection", func() {
	const refused = "Missing or invalid Csrf token"

	Context("when the environment turns it on", func() {
		var (
			st     *stack
			agent1 *client
			dndOn  op
			devURL string
		)

		BeforeEach(func() {
			st = startStack(withCSRF)
			agent1 = st.client("agent1")
			dndOn = op{"operationName": "DoNotDisturbOn"}
			devURL = "/api/v2/me/devices/" + st.user("agent1").Device.ID
		})

		It("hands out the header name and a token on every GET, stable within a session", func() {
			r := agent1.get("/api/v2/me")
			Expect(r).To(succeed())
			Expect(r.Header.Get("X-CSRF-HEADER")).To(Equal("X-CSRF-TOKEN"))
			token := r.Header.Get("X-CSRF-TOKEN")
			Expect(token).NotTo(BeEmpty())
			Expect(agent1.get("/api/v2/me/calls").Header.Get("X-CSRF-TOKEN")).To(Equal(token))
			Expect(st.client("agent1").get("/api/v2/me").Header.Get("X-CSRF-TOKEN")).NotTo(Equal(token),
				"another session has another token")
		})

		It("refuses a POST without a token with HTTP 403, and changes nothing", func() {
			before := st.snapshot()
			r := agent1.post(devURL, dndOn)
			Expect(r.Status).To(Equal(http.StatusForbidden), r.GomegaString())
			Expect(strings.TrimSpace(string(r.Body))).To(Equal(refused))
			Expect(st.snapshot()).To(Equal(before))
		})

		It("refuses a POST with a wrong token, and changes nothing", func() {
			Expect(agent1.get("/api/v2/me")).To(succeed())
			before := st.snapshot()
			r := agent1.do(http.MethodPost, devURL, dndOn, http.Header{"X-CSRF-TOKEN": {"not-the-token"}})
			Expect(r.Status).To(Equal(http.StatusForbidden), r.GomegaString())
			Expect(strings.TrimSpace(string(r.Body))).To(Equal(refused))
			Expect(st.snapshot()).To(Equal(before))
		})

		It("refuses the token of another session", func() {
			other := st.client("agent1")
			Expect(other.get("/api/v2/me")).To(succeed())
			token := other.get("/api/v2/me").Header.Get("X-CSRF-TOKEN") // with its cookie: other's own session
			Expect(agent1.get("/api/v2/me")).To(succeed())
			r := agent1.do(http.MethodPost, devURL, dndOn, http.Header{"X-CSRF-TOKEN": {token}})
			Expect(r.Status).To(Equal(http.StatusForbidden), r.GomegaString())
		})

		It("guards the CometD handshake the same way: the cookie alone is not enough, the token is", func() {
			guard := st.api.HandshakeGuard()
			Expect(guard).NotTo(BeNil())
			token := agent1.get("/api/v2/me").Header.Get("X-CSRF-TOKEN")
			handshake := func(h http.Header) *http.Request {
				r := httptest.NewRequest(http.MethodPost, "/api/v2/notifications/handshake", nil)
				r.AddCookie(&http.Cookie{Name: restapi.SessionCookie, Value: agent1.sessionCookie()})
				for k, v := range h {
					r.Header[k] = v
				}
				return r
			}
			Expect(guard(handshake(nil))).To(MatchError("Missing or invalid Csrf token"))
			Expect(guard(handshake(http.Header{"X-Csrf-Token": {"forged"}}))).To(HaveOccurred())
			Expect(guard(handshake(http.Header{"X-Csrf-Token": {token}}))).To(Succeed())
			Expect(guard(basicRequest("agent1", "password"))).To(HaveOccurred(), "Basic without a token")
		})

		It("accepts a POST carrying the session's token", func() {
			Expect(agent1.get("/api/v2/me")).To(succeed())
			Expect(agent1.post(devURL, dndOn)).To(succeed())
			Expect(agent1.device()).To(HaveKeyWithValue("doNotDisturb", "On"))
		})

		It("still answers a missing login with 403 before asking for a token", func() {
			r := st.anonymous().post(devURL, dndOn)
			Expect(r.Status).To(Equal(http.StatusForbidden))
			Expect(r.Body).To(MatchJSON(accessDenied))
		})
	})

	Context("when it is off (the default)", func() {
		It("neither hands out tokens nor asks for them", func() {
			st := startStack()
			agent1 := st.client("agent1")
			r := agent1.get("/api/v2/me")
			Expect(r.Header.Get("X-CSRF-HEADER")).To(BeEmpty())
			Expect(r.Header.Get("X-CSRF-TOKEN")).To(BeEmpty())
			Expect(agent1.deviceOp(op{"operationName": "DoNotDisturbOn"})).To(succeed())
		})
	})
})
