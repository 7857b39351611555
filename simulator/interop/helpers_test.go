package interop_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator"
	"github.com/coachsim/coachsim/simulator/internal/apitest"
)

// password is every default user's password (test data).
const password = "password"

// notificationsPath is where the simulator serves CometD.
const notificationsPath = "/api/v2/notifications"

// defaultUsers are the seven users of the default environment, by user name.
var defaultUsers = []string{"customer1", "agent1", "agent2", "agent3", "supervisor1", "supervisor2", "customer2"}

// defaultEnv is parsed once: specs and benchmarks only read it (every simulator gets its own copy from
// fixtures.Default()).
var defaultEnv = fixtures.Default()

// userOf returns a default user by name; it panics on a name the default environment does not have, which is
// a bug in the test itself.
func userOf(name string) fixtures.User {
	u, ok := defaultEnv.UserByName(name)
	if !ok {
		panic("interop: no default user " + name)
	}
	return u
}

// published records what the simulator published, per user id, in publication order. It is filled from the
// engine's sink (which must not block) and read by the specs: both sides lock mu.
type published struct {
	mu     sync.Mutex
	byUser map[string][]simulator.Notification
}

// record starts recording sim's notifications, for as long as sim runs.
func record(sim *simulator.Loopback) *published {
	p := &published{byUser: map[string][]simulator.Notification{}}
	sim.Observe(func(n simulator.Notification) {
		p.mu.Lock()
		defer p.mu.Unlock()
		n.Data = bytes.Clone(n.Data)
		p.byUser[n.UserID] = append(p.byUser[n.UserID], n)
	})
	return p
}

// of returns a copy of what was published for the user with this user name.
func (p *published) of(userName string) []simulator.Notification {
	id := userOf(userName).ID
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]simulator.Notification(nil), p.byUser[id]...)
}

// canonical re-encodes JSON so that two encodings of the same value compare equal as strings (key order,
// spacing and escaping differ between the Go server and JavaScript clients). Invalid JSON is returned marked.
func canonical(data []byte) string {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Sprintf("<invalid JSON %q: %v>", data, err)
	}
	out, err := json.Marshal(v) // maps are encoded with sorted keys
	if err != nil {
		return fmt.Sprintf("<unencodable %q: %v>", data, err)
	}
	return string(out)
}

// canonicalData returns the canonical data of each notification.
func canonicalData(ns []simulator.Notification) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = canonical(n.Data)
	}
	return out
}

// rest performs GWS REST operations as default users with HTTP Basic auth.
type rest struct {
	base string
	hc   *http.Client
}

func newREST(base string) *rest {
	return &rest{base: base, hc: &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}}
}

// close releases the client's idle connections so that no goroutine of it survives.
func (r *rest) close() { r.hc.CloseIdleConnections() }

// operate POSTs {"operationName": op} to path as user and requires HTTP 200 with statusCode 0.
func (r *rest) operate(ctx context.Context, user, path, op string) error {
	body, _ := json.Marshal(map[string]string{"operationName": op})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.SetBasicAuth(user, password)
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s POST %s %s: %w", user, path, op, err)
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s POST %s %s: reading reply: %w", user, path, op, err)
	}
	var status struct {
		StatusCode *int `json:"statusCode"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(reply, &status) != nil || status.StatusCode == nil || *status.StatusCode != 0 {
		return fmt.Errorf("%s POST %s %s: HTTP %d %s", user, path, op, resp.StatusCode, strings.TrimSpace(string(reply)))
	}
	return nil
}

// dnd switches the user's own device's DoNotDisturb on or off; each switch publishes one
// DeviceStateChangeMessage for that user on /v2/me/devices.
func (r *rest) dnd(ctx context.Context, user string, on bool) error {
	op := "DoNotDisturbOff"
	if on {
		op = "DoNotDisturbOn"
	}
	return r.operate(ctx, user, "/api/v2/me/devices/"+userOf(user).Device.ID, op)
}

// dndOf extracts doNotDisturb ("On"/"Off") from a DeviceStateChangeMessage, or "" if data is something else.
func dndOf(data []byte) string {
	var m struct {
		MessageType string `json:"messageType"`
		Devices     []struct {
			DoNotDisturb string `json:"doNotDisturb"`
		} `json:"devices"`
	}
	if json.Unmarshal(data, &m) != nil || m.MessageType != "DeviceStateChangeMessage" || len(m.Devices) != 1 {
		return ""
	}
	return m.Devices[0].DoNotDisturb
}

// syncBuffer collects what other goroutines write.
type syncBuffer = apitest.Buffer
