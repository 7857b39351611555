package control_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gcustom"
	"github.com/onsi/gomega/types"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator"
	"github.com/coachsim/coachsim/simulator/internal/apitest"
)

// token is the control token of every simulator under test.
const token = "spec-token-0f3c"

// requestTimeout bounds every request a spec makes, so that a stuck server fails the spec instead of hanging.
const requestTimeout = 10 * time.Second

// epoch is where a virtual clock starts (simulator.NewVirtualClock).
var epoch = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// seen is one notification as sim.Observe reported it, with the wall time it was reported at.
type seen struct {
	simulator.Notification
	at time.Time
}

// rig is one simulator served on a loopback port, with a recorder of everything it published.
type rig struct {
	*simulator.Loopback
	hc *http.Client

	mu        sync.Mutex
	published []seen
}

// stoppedClock is a virtual clock at speed 0: time moves only when advanced.
func stoppedClock() simulator.Option {
	GinkgoHelper()
	vc, err := simulator.NewVirtualClock(0)
	Expect(err).NotTo(HaveOccurred())
	return simulator.WithClock(vc)
}

// startRig serves a simulator for env with the control API on (token) and the given options; it is closed
// when the spec ends.
func startRig(env *fixtures.Environment, opts ...simulator.Option) *rig {
	GinkgoHelper()
	return serve(env, append([]simulator.Option{simulator.WithControl(token)}, opts...)...)
}

// serve serves a simulator for env with exactly the given options; it is closed when the spec ends.
func serve(env *fixtures.Environment, opts ...simulator.Option) *rig {
	GinkgoHelper()
	lb, err := simulator.StartLoopback(env, opts...)
	Expect(err).NotTo(HaveOccurred())
	r := &rig{Loopback: lb, hc: &http.Client{Timeout: requestTimeout}}
	stop := lb.Observe(func(n simulator.Notification) {
		at := time.Now()
		r.mu.Lock()
		defer r.mu.Unlock()
		r.published = append(r.published, seen{Notification: n, at: at})
	})
	DeferCleanup(func() {
		stop()
		lb.Close()
	})
	return r
}

// startDefault serves the default environment on a stopped virtual clock.
func startDefault(opts ...simulator.Option) *rig {
	GinkgoHelper()
	return startRig(fixtures.Default(), append([]simulator.Option{stoppedClock()}, opts...)...)
}

// recorded is a copy of everything published so far.
func (r *rig) recorded() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]seen(nil), r.published...)
}

// user returns a user of the simulator's environment by name.
func (r *rig) user(name string) fixtures.User {
	GinkgoHelper()
	u, ok := r.Environment().UserByName(name)
	Expect(ok).To(BeTrue(), "no user %q in the environment", name)
	return u
}

// reply is one HTTP answer, kept with its request line for failure messages.
type reply = apitest.Reply

// haveStatus matches a reply with this HTTP status and statusCode; succeed, HTTP 200 with statusCode 0.
var (
	haveStatus = apitest.HaveStatus
	succeed    = apitest.Acknowledged
)

// beGWSError matches a GWS error reply: this HTTP status, a JSON body of exactly statusCode and a non-empty
// statusMessage.
func beGWSError(httpStatus, statusCode int) types.GomegaMatcher {
	return gcustom.MakeMatcher(func(r reply) (bool, error) {
		if r.Status != httpStatus || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			return false, nil
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(r.Body, &m) != nil || len(m) != 2 {
			return false, nil
		}
		var code int
		var msg string
		if json.Unmarshal(m["statusCode"], &code) != nil || json.Unmarshal(m["statusMessage"], &msg) != nil {
			return false, nil
		}
		return code == statusCode && strings.TrimSpace(msg) != "", nil
	}).WithTemplate(fmt.Sprintf("Expected a JSON error of HTTP %d with exactly statusCode %d and a statusMessage{{if .NegatedFailure}} not{{end}}, got\n{{.FormattedActual}}",
		httpStatus, statusCode))
}

// send makes one request; body nil sends none, a string or []byte is sent as is, anything else as JSON.
// prepare may set headers. It makes no assertion, so other goroutines may use it.
func (r *rig) send(hc *http.Client, method, path string, body any, prepare func(*http.Request)) (reply, error) {
	rd, err := apitest.BodyReader(body)
	if err != nil {
		return reply{}, err
	}
	req, err := http.NewRequest(method, r.URL+path, rd)
	if err != nil {
		return reply{}, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if prepare != nil {
		prepare(req)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{Method: method, Path: path, Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

// raw makes one request with the given Authorization header ("" for none).
func (r *rig) raw(method, path, authorization string, body any) reply {
	GinkgoHelper()
	rep, err := r.send(r.hc, method, path, body, func(req *http.Request) {
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
	})
	Expect(err).NotTo(HaveOccurred())
	return rep
}

// control makes one control API request with the right token.
func (r *rig) control(method, path string, body any) reply {
	GinkgoHelper()
	return r.raw(method, path, "Bearer "+token, body)
}

func (r *rig) post(path string, body any) reply {
	GinkgoHelper()
	return r.control(http.MethodPost, path, body)
}

// state reads GET /sim/v1/state, decoded.
func (r *rig) state() map[string]any {
	GinkgoHelper()
	rep := r.control(http.MethodGet, "/sim/v1/state", nil)
	Expect(rep).To(succeed())
	return rep.Object()
}

// faults reads GET /sim/v1/faults: the faults member.
func (r *rig) faults() map[string]any {
	GinkgoHelper()
	rep := r.control(http.MethodGet, "/sim/v1/faults", nil)
	Expect(rep).To(succeed())
	f, ok := rep.Object()["faults"].(map[string]any)
	Expect(ok).To(BeTrue(), "no faults object in %s", rep.GomegaString())
	return f
}

// world is everything the control API shows: the state and the pending faults.
func (r *rig) world() map[string]any {
	GinkgoHelper()
	return map[string]any{"state": r.state(), "faults": r.faults()}
}

// inbound places a call from outside and returns its id.
func (r *rig) inbound(from, to string) string {
	GinkgoHelper()
	rep := r.post("/sim/v1/calls", map[string]any{"from": from, "to": to})
	Expect(rep).To(succeed())
	id, _ := rep.Object()["id"].(string)
	Expect(id).NotTo(BeEmpty(), "no call id in %s", rep.GomegaString())
	return id
}

// gws is a GWS API client of one user: Basic credentials on every request, and a cookie jar.
type gws struct {
	r    *rig
	name string
	pass string
	hc   *http.Client
}

// as returns a GWS client for the named user, with an empty cookie jar.
func (r *rig) as(name string) *gws {
	GinkgoHelper()
	jar, err := cookiejar.New(nil)
	Expect(err).NotTo(HaveOccurred())
	u := r.user(name)
	return &gws{r: r, name: u.UserName, pass: u.Password, hc: &http.Client{Jar: jar, Timeout: requestTimeout}}
}

func (g *gws) do(method, path string, body any, basic bool) reply {
	GinkgoHelper()
	rep, err := g.r.send(g.hc, method, path, body, func(req *http.Request) {
		if basic {
			req.SetBasicAuth(g.name, g.pass)
		}
	})
	Expect(err).NotTo(HaveOccurred())
	return rep
}

func (g *gws) get(path string) reply {
	GinkgoHelper()
	return g.do(http.MethodGet, path, nil, true)
}

func (g *gws) post(path string, body any) reply {
	GinkgoHelper()
	return g.do(http.MethodPost, path, body, true)
}

// deviceOp posts an operation on the user's own device.
func (g *gws) deviceOp(name string, params ...any) reply {
	GinkgoHelper()
	body := map[string]any{"operationName": name}
	for i := 0; i+1 < len(params); i += 2 {
		body[params[i].(string)] = params[i+1]
	}
	return g.post("/api/v2/me/devices/"+g.r.user(g.name).Device.ID, body)
}

// callOp posts an operation on one of the user's calls.
func (g *gws) callOp(callID, name string) reply {
	GinkgoHelper()
	return g.post("/api/v2/me/calls/"+callID, map[string]any{"operationName": name})
}

// calls reads the user's calls with fields=*.
func (g *gws) calls() []map[string]any {
	GinkgoHelper()
	rep := g.get("/api/v2/me/calls?fields=*")
	Expect(rep).To(succeed())
	var body struct {
		Calls []map[string]any `json:"calls"`
	}
	Expect(json.Unmarshal(rep.Body, &body)).To(Succeed())
	return body.Calls
}

// userSnapshot finds a user in a decoded state.
func userSnapshot(state map[string]any, name string) map[string]any {
	GinkgoHelper()
	users, _ := state["users"].([]any)
	for _, u := range users {
		if m, _ := u.(map[string]any); m["userName"] == name {
			return m
		}
	}
	Fail(fmt.Sprintf("no user %q in the state", name))
	return nil
}

// stateCalls lists the calls of a decoded state.
func stateCalls(state map[string]any) []map[string]any {
	GinkgoHelper()
	list, ok := state["calls"].([]any)
	Expect(ok).To(BeTrue(), "calls is not an array in the state")
	out := make([]map[string]any, 0, len(list))
	for _, c := range list {
		m, ok := c.(map[string]any)
		Expect(ok).To(BeTrue())
		out = append(out, m)
	}
	return out
}

// parties lists the legs of a decoded call of the state.
func parties(call map[string]any) []map[string]any {
	GinkgoHelper()
	list, ok := call["parties"].([]any)
	Expect(ok).To(BeTrue(), "parties is not an array in %v", call)
	out := make([]map[string]any, 0, len(list))
	for _, p := range list {
		m, ok := p.(map[string]any)
		Expect(ok).To(BeTrue())
		out = append(out, m)
	}
	return out
}

// withoutNow drops the clock's reading from a decoded state, for comparisons on a running clock.
func withoutNow(state map[string]any) map[string]any {
	out := make(map[string]any, len(state))
	for k, v := range state {
		out[k] = v
	}
	if clk, ok := state["clock"].(map[string]any); ok {
		c := make(map[string]any, len(clk))
		for k, v := range clk {
			if k != "now" {
				c[k] = v
			}
		}
		out["clock"] = c
	}
	return out
}

// decodeData decodes a notification's data.
func decodeData(data []byte) map[string]any {
	GinkgoHelper()
	var m map[string]any
	Expect(json.Unmarshal(data, &m)).To(Succeed())
	return m
}

// sameJSON reports whether two JSON texts are equal as values.
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}
