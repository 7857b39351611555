package interop_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator"
)

// The call-handling benchmarks: a contact center of n customer/agent pairs, one supervisor coaching every
// tenth agent (AllCalls, Call scope, auto-answered: the supervisor joins each of that agent's calls), served
// on loopback and driven over HTTP only.

// httpCenter is a served center and the users that drive it.
type httpCenter struct {
	sim                     *simulator.Loopback
	hc                      *http.Client
	customers, agents, sups []fixtures.User
}

func startCenter(b *testing.B, n int) *httpCenter {
	b.Helper()
	env := &fixtures.Environment{Name: fmt.Sprintf("center-%d", n)}
	c := &httpCenter{}
	for i := range n {
		c.customers = append(c.customers, fixtures.User{UserName: fmt.Sprintf("customer%d", i), Password: password,
			Role: fixtures.RoleCustomer, Device: fixtures.Device{DN: fmt.Sprint(20000 + i)}})
		c.agents = append(c.agents, fixtures.User{UserName: fmt.Sprintf("agent%d", i), Password: password,
			Role: fixtures.RoleAgent, Device: fixtures.Device{DN: fmt.Sprint(40000 + i)}})
		if i%10 == 0 {
			c.sups = append(c.sups, fixtures.User{UserName: fmt.Sprintf("supervisor%d", i), Password: password,
				Role: fixtures.RoleSupervisor, Device: fixtures.Device{DN: fmt.Sprint(60000 + i)}})
		}
	}
	env.Users = append(append(append(env.Users, c.customers...), c.agents...), c.sups...)
	env, err := fixtures.Normalize(env)
	if err != nil {
		b.Fatal(err)
	}
	c.customers, c.agents, c.sups = env.Users[:n], env.Users[n:2*n], env.Users[2*n:]
	// Every client here comes from 127.0.0.1: lift the per-address connection cap.
	c.sim, err = simulator.StartLoopback(env, simulator.WithLimits(simulator.Limits{MaxConnsPerClient: -1}))
	if err != nil {
		b.Fatal(err)
	}
	transport := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024}
	c.hc = &http.Client{Transport: transport, Timeout: benchDeadline}
	b.Cleanup(func() {
		c.sim.Close()
		transport.CloseIdleConnections()
	})
	ctx := context.Background()
	for k, sup := range c.sups {
		target := c.agents[10*k]
		if err := c.post(ctx, sup, "/api/v2/me/devices/"+sup.Device.ID, map[string]any{"operationName": "Coach",
			"targetDeviceUri": c.sim.URL + "/api/v2/devices/" + target.Device.ID}); err != nil {
			b.Fatal(err)
		}
	}
	return c
}

// post sends an operation as u (Basic auth) and requires statusCode 0.
func (c *httpCenter) post(ctx context.Context, u fixtures.User, path string, body map[string]any) error {
	data, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.sim.URL+path, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.SetBasicAuth(u.UserName, u.Password)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	reply, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !bytes.HasPrefix(reply, []byte(`{"statusCode":0`)) {
		return fmt.Errorf("%s POST %s %s: HTTP %d %s %v", u.UserName, path, data, resp.StatusCode, bytes.TrimSpace(reply), err)
	}
	return nil
}

// offered returns the id of the agent's only call (GET /api/v2/me/calls).
func (c *httpCenter) offered(ctx context.Context, agent fixtures.User) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.sim.URL+"/api/v2/me/calls", nil)
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(agent.UserName, agent.Password)
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var list struct {
		URIs []string `json:"uris"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list.URIs) != 1 {
		return "", fmt.Errorf("%s GET /api/v2/me/calls: HTTP %d, %d calls, %v", agent.UserName, resp.StatusCode, len(list.URIs), err)
	}
	return list.URIs[0][strings.LastIndex(list.URIs[0], "/")+1:], nil
}

// dialAnswer places a call from pair i's customer to its agent and has the agent answer; answering is called
// just before the Answer is sent.
func (c *httpCenter) dialAnswer(ctx context.Context, i int, answering func(callID string)) (string, error) {
	cu, ag := c.customers[i], c.agents[i]
	if err := c.post(ctx, cu, "/api/v2/me/devices/"+cu.Device.ID+"/calls",
		map[string]any{"operationName": "Dial", "destination": map[string]string{"phoneNumber": ag.Device.DN}}); err != nil {
		return "", err
	}
	id, err := c.offered(ctx, ag)
	if err != nil {
		return "", err
	}
	if answering != nil {
		answering(id)
	}
	return id, c.post(ctx, ag, "/api/v2/me/calls/"+id, map[string]any{"operationName": "Answer"})
}

func (c *httpCenter) hangup(ctx context.Context, i int, id string) error {
	return c.post(ctx, c.customers[i], "/api/v2/me/calls/"+id, map[string]any{"operationName": "Hangup"})
}

// call is one whole call of pair i: Dial, Answer, then the customer hangs up.
func (c *httpCenter) call(ctx context.Context, i int) error {
	id, err := c.dialAnswer(ctx, i, nil)
	if err != nil {
		return err
	}
	return c.hangup(ctx, i, id)
}

// closedLoopWorkers drive pairs [0, 40) of a center, each worker its own ten pairs; pairs from 40 on are
// held on a call throughout, so that the center is as busy as it is large.
const closedLoopWorkers = 4

func (c *httpCenter) holdRest(b *testing.B) {
	ctx := context.Background()
	for i := closedLoopWorkers * 10; i < len(c.agents); i++ {
		if _, err := c.dialAnswer(ctx, i, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// burst runs perWorker calls on each worker at once and returns how long they took.
func (c *httpCenter) burst(perWorker int) (time.Duration, error) {
	ctx := context.Background()
	errs := make(chan error, closedLoopWorkers)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range closedLoopWorkers {
		wg.Go(func() {
			for k := range perWorker {
				if err := c.call(ctx, w+closedLoopWorkers*(k%10)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	return elapsed, <-errs
}

// BenchmarkHTTPCallsScaling is closed-loop Dial → Answer → Hangup over HTTP (four concurrent workers, each
// call also a GET of the agent's calls to learn the call id) on two served centers, 50 and 500 pairs, 10% of
// agents coached, every pair not being driven held on a call. The centers take turns, 40 calls each per op.
// Reported: calls/s of each and ratio-500/50 (target ≥ 0.9).
func BenchmarkHTTPCallsScaling(b *testing.B) {
	small, large := startCenter(b, 50), startCenter(b, 500)
	small.holdRest(b)
	large.holdRest(b)
	const perWorker = 10
	var ts, tl time.Duration
	calls := 0
	for b.Loop() {
		d, err := small.burst(perWorker)
		if err != nil {
			b.Fatal(err)
		}
		ts += d
		if d, err = large.burst(perWorker); err != nil {
			b.Fatal(err)
		}
		tl += d
		calls += perWorker * closedLoopWorkers
	}
	b.ReportMetric(float64(calls)/ts.Seconds(), "calls/s-50")
	b.ReportMetric(float64(calls)/tl.Seconds(), "calls/s-500")
	b.ReportMetric(ts.Seconds()/tl.Seconds(), "ratio-500/50")
}

// openLoopRate is the call rate of BenchmarkHTTPOpenLoop.
const openLoopRate = 500

// BenchmarkHTTPOpenLoop places calls at 500 calls/s, open loop, on a served center of 500 pairs: each op is
// one call (Dial, Answer, and the customer's Hangup 200 ms later), started on schedule whether or not earlier
// ones have finished. Every supervisor long-polls its notifications. For each call of a coached agent the
// benchmark times Answer (sent) → the supervisor's client having read the CallStateChangeMessage that shows its
// leg Established. Alongside, at the same rate, it times plain loopback round trips: a POST of a small JSON
// body with Basic auth to a bare net/http handler. Reported: p50/p99 of both in µs and p99-ratio (target ≤ 20).
// Run it for several seconds (-benchtime 10s): only one call in ten is timed.
func BenchmarkHTTPOpenLoop(b *testing.B) {
	c := startCenter(b, 500)
	ctx, cancel := context.WithCancel(context.Background())
	var pollers sync.WaitGroup
	defer func() {
		cancel()
		pollers.Wait()
	}()

	var mu sync.Mutex
	answered := map[string]time.Time{} // call id -> when its Answer was sent (coached agents only)
	established := map[string]time.Time{}
	failures := make(chan error, 64)
	fail := func(err error) {
		select {
		case failures <- err:
		default:
		}
	}
	for _, sup := range c.sups {
		pc := newPollClient(c.sim.URL, sup.UserName, c.hc, false)
		if err := pc.handshake(ctx); err != nil {
			b.Fatal(err)
		}
		if err := pc.subscribe(ctx, "/v2/me/calls"); err != nil {
			b.Fatal(err)
		}
		pollers.Go(func() {
			for ctx.Err() == nil {
				events, err := pc.connect(ctx, nil)
				if ctx.Err() != nil {
					return
				}
				if err != nil {
					fail(err)
					return
				}
				for _, e := range events {
					var m struct {
						Call struct{ ID, State string } `json:"call"`
					}
					if json.Unmarshal(e.Data, &m) == nil && m.Call.State == "Established" {
						mu.Lock()
						if _, seen := established[m.Call.ID]; !seen {
							established[m.Call.ID] = e.At
						}
						mu.Unlock()
					}
				}
			}
		})
	}

	bare := startBare(b)
	var rttMu sync.Mutex
	var rtts []time.Duration
	var calls sync.WaitGroup
	tick := time.NewTicker(time.Second / openLoopRate)
	defer tick.Stop()
	k := 0
	for b.Loop() {
		select {
		case <-tick.C:
		case err := <-failures:
			b.Fatal(err)
		}
		i := k % len(c.agents)
		k++
		coached := i%10 == 0
		calls.Go(func() {
			id, err := c.dialAnswer(ctx, i, func(id string) {
				if coached {
					mu.Lock()
					answered[id] = time.Now()
					mu.Unlock()
				}
			})
			if err != nil {
				fail(err)
				return
			}
			t := time.NewTimer(200 * time.Millisecond) // the call's length: pacing the load, not waiting on it
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
			if err := c.hangup(ctx, i, id); err != nil {
				fail(err)
			}
		})
		calls.Go(func() {
			d, err := bare.roundTrip()
			if err != nil {
				fail(err)
				return
			}
			rttMu.Lock()
			rtts = append(rtts, d)
			rttMu.Unlock()
		})
	}
	b.StopTimer()
	calls.Wait()
	select {
	case err := <-failures:
		b.Fatal(err)
	default:
	}
	// Every timed Answer must have reached its supervisor; wait for the last ones on their notifications.
	deadline := time.Now().Add(benchDeadline)
	var lat []time.Duration
	for {
		mu.Lock()
		missing := 0
		lat = lat[:0]
		for id, sent := range answered {
			if at, ok := established[id]; ok {
				lat = append(lat, at.Sub(sent))
			} else {
				missing++
			}
		}
		mu.Unlock()
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d supervisors' Established notifications did not arrive within %v", missing, len(answered), benchDeadline)
		}
		select {
		case err := <-failures:
			b.Fatal(err)
		case <-time.After(10 * time.Millisecond): // poll the map: arrivals are recorded by the pollers
		}
	}
	p50, p99 := percentiles(b, lat)
	r50, r99 := percentiles(b, rtts)
	b.ReportMetric(float64(p50.Microseconds()), "p50-µs")
	b.ReportMetric(float64(p99.Microseconds()), "p99-µs")
	b.ReportMetric(float64(r50.Microseconds()), "rtt-p50-µs")
	b.ReportMetric(float64(r99.Microseconds()), "rtt-p99-µs")
	b.ReportMetric(float64(p99)/float64(r99), "p99-ratio")
	b.ReportMetric(float64(len(lat)), "timed-calls")
}

// percentiles returns the 50th and 99th percentiles of d (sorted in place).
func percentiles(b *testing.B, d []time.Duration) (time.Duration, time.Duration) {
	if len(d) == 0 {
		b.Fatal("nothing was measured")
	}
	slices.Sort(d)
	at := func(p float64) time.Duration {
		i := int(float64(len(d))*p+0.999999) - 1
		return d[max(0, min(i, len(d)-1))]
	}
	return at(0.50), at(0.99)
}

// bareServer is the yardstick: a bare net/http handler answering {"statusCode":0} on loopback.
type bareServer struct {
	url string
	hc  *http.Client
}

func startBare(b *testing.B) *bareServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"statusCode":0}` + "\n"))
	}), ReadHeaderTimeout: benchDeadline}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	b.Cleanup(func() {
		_ = srv.Close()
		<-served
		transport.CloseIdleConnections()
	})
	return &bareServer{url: "http://" + ln.Addr().String() + "/api/v2/me/calls/x",
		hc: &http.Client{Transport: transport, Timeout: benchDeadline}}
}

func (s *bareServer) roundTrip() (time.Duration, error) {
	start := time.Now()
	req, err := http.NewRequest(http.MethodPost, s.url, strings.NewReader(`{"operationName":"Answer"}`))
	if err != nil {
		return 0, err
	}
	req.SetBasicAuth("agent1", password)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return time.Since(start), err
}
