package restapi_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/apitest"
	"github.com/coachsim/coachsim/simulator/internal/clock"
	"github.com/coachsim/coachsim/simulator/internal/engine"
	"github.com/coachsim/coachsim/simulator/internal/restapi"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// frozenClock is the clock of every stack under test: call durations stay "0", so two reads of the same
// state give the same bytes.
func frozenClock() time.Time { return time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC) }

// requestTimeout bounds every request a spec makes, so a stuck server fails the spec instead of hanging it.
const requestTimeout = 10 * time.Second

// stack is one simulator (voice core, engine, REST adapter) behind a real HTTP server.
type stack struct {
	env *fixtures.Environment
	eng *engine.Engine
	api *restapi.Server
	srv *httptest.Server
}

// newStack builds a stack for the default environment, changed by configure. The caller closes it.
func newStack(configure ...func(*fixtures.Environment)) *stack {
	return newStackWith(restapi.Options{}, configure...)
}

// newStackWith is newStack with REST options.
func newStackWith(opts restapi.Options, configure ...func(*fixtures.Environment)) *stack {
	env := fixtures.Default()
	for _, f := range configure {
		f(env)
	}
	eng := engine.New(voice.New(env, voice.Options{}), engine.Options{Clock: clock.Func(frozenClock)})
	api := restapi.New(eng, env, opts)
	return &stack{env: env, eng: eng, api: api, srv: httptest.NewServer(api.Handler())}
}

// startStack builds a stack that is closed when the spec ends.
func startStack(configure ...func(*fixtures.Environment)) *stack {
	st := newStack(configure...)
	DeferCleanup(st.close)
	return st
}

func (st *stack) close() {
	st.srv.Close()
	st.eng.Close()
}

func withCSRF(env *fixtures.Environment) { env.CSRF = true }

// user returns a user of the environment by user name.
func (st *stack) user(name string) fixtures.User {
	GinkgoHelper()
	for _, u := range st.env.Users {
		if u.UserName == name {
			return u
		}
	}
	Fail(fmt.Sprintf("no user %q in the environment", name))
	return fixtures.User{}
}

// userNames lists every user of the environment, in fixture order.
func (st *stack) userNames() []string {
	names := make([]string, len(st.env.Users))
	for i, u := range st.env.Users {
		names[i] = u.UserName
	}
	return names
}

// deviceURI is the public URI of a user's device, as the server spells it.
func (st *stack) deviceURI(name string) string {
	GinkgoHelper()
	return st.env.BaseURL + "/api/v2/devices/" + st.user(name).Device.ID
}

// client is one HTTP client with its own cookie jar. It sends Basic credentials on every request unless
// it was made without them, and echoes the CSRF token it last received on every POST.
type client struct {
	st         *stack
	http       *http.Client
	basic      bool
	name, pass string
	csrfHeader string // header name the server asked for (X-CSRF-HEADER)
	csrfToken  string
}

// client returns a fresh client (empty cookie jar) that authenticates as the named user with Basic.
func (st *stack) client(name string) *client {
	GinkgoHelper()
	u := st.user(name)
	c := st.anonymous()
	c.basic, c.name, c.pass = true, u.UserName, u.Password
	return c
}

// anonymous returns a fresh client that sends no credentials.
func (st *stack) anonymous() *client {
	GinkgoHelper()
	jar, err := cookiejar.New(nil)
	Expect(err).NotTo(HaveOccurred())
	return &client{st: st, http: &http.Client{Jar: jar, Timeout: requestTimeout}}
}

// cookieOnly is the same client (same jar) without Basic credentials.
func (c *client) cookieOnly() *client {
	cp := *c
	cp.basic = false
	return &cp
}

// withBasic is the same client (same jar) sending other Basic credentials.
func (c *client) withBasic(name, pass string) *client {
	cp := *c
	cp.basic, cp.name, cp.pass = true, name, pass
	return &cp
}

// sessionCookie returns the JSESSIONID the jar holds for the server, or "".
func (c *client) sessionCookie() string {
	GinkgoHelper()
	u, err := url.Parse(c.st.srv.URL + "/api/v2/")
	Expect(err).NotTo(HaveOccurred())
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == restapi.SessionCookie {
			return ck.Value
		}
	}
	return ""
}

func (c *client) get(path string) reply {
	GinkgoHelper()
	return c.do(http.MethodGet, path, nil, nil)
}

// post sends body (a string is sent as is, anything else as its JSON encoding).
func (c *client) post(path string, body any) reply {
	GinkgoHelper()
	return c.do(http.MethodPost, path, body, nil)
}

// do sends one request and fails the spec if no reply arrives. Headers in extra are set last, so they
// override the client's own.
func (c *client) do(method, path string, body any, extra http.Header) reply {
	GinkgoHelper()
	r, err := c.send(method, path, body, extra)
	Expect(err).NotTo(HaveOccurred())
	return r
}

// send sends one request; it makes no assertion, so goroutines other than the spec's may use it.
func (c *client) send(method, path string, body any, extra http.Header) (reply, error) {
	rd, err := apitest.BodyReader(body)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	req, err := http.NewRequest(method, c.st.srv.URL+path, rd)
	if err != nil {
		return reply{}, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.basic {
		req.SetBasicAuth(c.name, c.pass)
	}
	if method != http.MethodGet && c.csrfHeader != "" {
		req.Header.Set(c.csrfHeader, c.csrfToken)
	}
	for k, vs := range extra {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, fmt.Errorf("reading the reply to %s %s: %w", method, path, err)
	}
	if name := resp.Header.Get("X-CSRF-HEADER"); name != "" {
		c.csrfHeader, c.csrfToken = name, resp.Header.Get(name)
	}
	return reply{Method: method, Path: path, Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

// reply is one HTTP answer, kept with its request line for failure messages.
type reply = apitest.Reply

// haveStatus matches a reply with this HTTP status and statusCode; succeed, HTTP 200 with statusCode 0.
var (
	haveStatus = apitest.HaveStatus
	succeed    = apitest.Acknowledged
)

// at walks a decoded JSON value along keys (object members) and ints (array indices).
func at(v any, path ...any) any {
	GinkgoHelper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			Expect(ok).To(BeTrue(), "expected an object holding %q, got %v", k, v)
			v = m[k]
		case int:
			a, ok := v.([]any)
			Expect(ok).To(BeTrue(), "expected an array with index %d, got %v", k, v)
			Expect(len(a)).To(BeNumerically(">", k), "array too short for index %d: %v", k, v)
			v = a[k]
		}
	}
	return v
}

// op is the body of an operation.
type op map[string]any

// dial makes the named user dial a number with destination {"phoneNumber": to}.
func (c *client) dial(to string) reply {
	GinkgoHelper()
	return c.post("/api/v2/me/devices/"+c.st.user(c.name).Device.ID+"/calls",
		op{"operationName": "Dial", "destination": op{"phoneNumber": to}})
}

// deviceOp posts an operation on the client user's own device.
func (c *client) deviceOp(body op) reply {
	GinkgoHelper()
	return c.post("/api/v2/me/devices/"+c.st.user(c.name).Device.ID, body)
}

// callOp posts an operation on one of the client user's calls.
func (c *client) callOp(callID string, body op) reply {
	GinkgoHelper()
	return c.post("/api/v2/me/calls/"+callID, body)
}

// calls reads the client user's calls with fields=*.
func (c *client) calls() []any {
	GinkgoHelper()
	r := c.get("/api/v2/me/calls?fields=*")
	Expect(r).To(succeed())
	calls, ok := r.Object()["calls"].([]any)
	Expect(ok).To(BeTrue(), "no calls array in %s", r.GomegaString())
	return calls
}

// onlyCallID returns the id of the client user's single call.
func (c *client) onlyCallID() string {
	GinkgoHelper()
	calls := c.calls()
	Expect(calls).To(HaveLen(1), "%s should have exactly one call", c.name)
	id, _ := at(calls, 0, "id").(string)
	Expect(id).NotTo(BeEmpty())
	return id
}

// device reads the client user's own device with fields=*.
func (c *client) device() map[string]any {
	GinkgoHelper()
	r := c.get("/api/v2/me/devices?fields=*")
	Expect(r).To(succeed())
	d, ok := at(r.Object(), "devices", 0).(map[string]any)
	Expect(ok).To(BeTrue(), "no device in %s", r.GomegaString())
	return d
}

// participants lists the phoneNumber of every participant of a decoded call.
func participants(call any) []string {
	GinkgoHelper()
	list, ok := at(call, "participants").([]any)
	Expect(ok).To(BeTrue(), "participants is not an array in %v", call)
	out := make([]string, 0, len(list))
	for _, p := range list {
		n, _ := at(p, "phoneNumber").(string)
		out = append(out, n)
	}
	return out
}

// snapshot is everything every user can read about calls and devices: GET /api/v2/me/calls?fields=* and
// /api/v2/me/devices?fields=* per user, as raw bodies.
type snapshot map[string]string

// snapshot reads the state of every user, each through a fresh Basic client.
func (st *stack) snapshot() snapshot {
	GinkgoHelper()
	out := snapshot{}
	for _, name := range st.userNames() {
		c := st.client(name)
		for _, path := range []string{"/api/v2/me/calls?fields=*", "/api/v2/me/devices?fields=*"} {
			r := c.get(path)
			Expect(r).To(succeed())
			out[name+" "+path] = string(r.Body)
		}
	}
	return out
}
