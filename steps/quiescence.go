package steps

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// ControlTarget is a Target that serves the coachsim control API (the embedded simulator does): absence
// checks use its quiescence probe.
type ControlTarget interface {
	Target
	// ControlToken is the bearer token of the control API of every server Acquire returns.
	ControlToken() string
}

// quiescenceProbe asks a coachsim control API whether every operation so far has published all its
// notifications and every session's queue is delivered (GET /sim/v1/quiescence). Once it says so, an
// absence check has seen everything the action caused and its quiet period may end early. Against a server
// without the probe (no token configured, or the request fails) the quiet period applies unchanged, and
// after one failure the scenario stops asking.
type quiescenceProbe struct {
	url, token string
	client     *http.Client
	off        atomic.Bool
}

func newQuiescenceProbe(opts Options, base string) quiescenceProbe {
	token := opts.ControlToken
	if ct, ok := opts.Target.(ControlTarget); ok {
		token = ct.ControlToken() // the target knows its own
	}
	return quiescenceProbe{url: base + "/sim/v1/quiescence", token: token,
		client: &http.Client{Timeout: opts.Quiet + opts.Deadline}}
}

// quietContext returns the context of one quiet period: it ends after the quiet period, or as soon as the probe
// reports quiescence.
func (w *World) quietContext(ctx context.Context) (context.Context, context.CancelFunc) {
	qctx, cancel := context.WithTimeout(ctx, w.opts.Quiet)
	p := &w.probe
	if p.token == "" || p.off.Load() {
		return qctx, cancel
	}
	go func() {
		if p.ask(qctx, w.opts.Quiet) {
			cancel()
		}
	}()
	return qctx, cancel
}

// ask waits up to wait for the server to be quiescent and reports whether it was.
func (p *quiescenceProbe) ask(ctx context.Context, wait time.Duration) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"?waitMs="+strconv.FormatInt(wait.Milliseconds(), 10), nil)
	if err != nil {
		p.off.Store(true)
		return false
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	resp, err := p.client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			p.off.Store(true)
		}
		return false
	}
	defer resp.Body.Close()
	var body struct {
		Quiescent bool `json:"quiescent"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&body) != nil {
		p.off.Store(true)
		return false
	}
	return body.Quiescent
}
