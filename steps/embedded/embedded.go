// Package embedded is the conformance suite's default target: a fresh coachsim simulator, served on a
// loopback port, for every scenario. Scenarios reach it over HTTP and CometD like any other server; since no
// two scenarios share one, they run concurrently and in random order without interfering. Its control API is
// served too, for what an isolated server allows: the quiescence probe of absence checks
// (steps.ControlTarget) and ending CometD sessions on demand (steps.SessionExpirer).
//
// Concurrency contract: a Target is safe for concurrent use; each Acquire starts an independent simulator.
package embedded

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator"
	"github.com/coachsim/coachsim/steps"
)

// Target starts a simulator of the default environment (behaviour.md §1) per scenario.
type Target struct {
	// Options are passed to every simulator (e.g. deviations, for the suite's own tests).
	Options []simulator.Option
}

// Acquire starts a simulator; a scenario that needs a SIP Cluster gets one whose environment says so.
func (t Target) Acquire(_ context.Context, needs steps.Needs) (string, func(), error) {
	env := fixtures.Default()
	env.SIPCluster = needs.SIPCluster
	opts := append([]simulator.Option{simulator.WithControl(controlToken)}, t.Options...)
	lb, err := simulator.StartLoopback(env, opts...)
	if err != nil {
		return "", nil, err
	}
	return lb.URL, lb.Close, nil
}

// controlToken guards the control API of every embedded simulator; absence checks use its quiescence probe.
var controlToken = rand.Text()

// ControlToken is the bearer token of the embedded simulators' control API (steps.ControlTarget).
func (Target) ControlToken() string { return controlToken }

// Isolated is true: every scenario has a simulator of its own.
func (Target) Isolated() bool { return true }

// ExpireSessions ends every CometD session of the simulator at baseURL through its control API
// (POST /sim/v1/faults {"expireSessions":true}), as if the server had lost them.
func (Target) ExpireSessions(ctx context.Context, baseURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/sim/v1/faults",
		bytes.NewReader([]byte(`{"expireSessions":true}`)))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+controlToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("control API: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("control API: POST /sim/v1/faults: HTTP %d %s", resp.StatusCode, bytes.TrimSpace(body))
	}
	return nil
}
