package steps

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coachsim/coachsim/steps/internal/bayeux"
)

// sessionLossSteps: CometD session loss and recovery (features/README.md, "CometD session loss").
type sessionLossSteps struct{}

func (sessionLossSteps) phrases() map[string]any {
	return map[string]any{
		"V80": sendsUnknownClientID,
		"V81": answers402Handshake,
		"V82": sessionExpires,
		"V83": handshakesAgain,
		"V84": opensSessionWrongPassword,
	}
}

// expiryMargin is added to the profile's max interval when a step waits for a target to end a session on
// its own: servers sweep expired sessions periodically, not the instant they expire.
func expiryMargin(maxInterval time.Duration) time.Duration { return 2*time.Second + maxInterval/10 }

// sessionLoss is the scenario's session-loss evidence. World.mu does not guard it: steps run sequentially.
type sessionLoss struct {
	probe     map[string]any // the reply to V80's meta message (nil when none was found)
	probeText string         // the whole HTTP reply of V80, for messages
	probeWhat string         // what V80 sent
}

// lostSession is the session of a role that V82 had the server end.
type lostSession struct {
	clientID string // the clientId the server ended
	mark     int    // number of meta events of the role's client before the loss
}

// pollGate is the transport of a role's CometD client. While shut it holds every request back until it
// opens again, as a client that lost its network would; that is how a step makes a server end a session
// through the public API only.
type pollGate struct {
	base http.RoundTripper

	mu   sync.Mutex
	shut bool
	open chan struct{} // closed when the gate opens
	held chan struct{} // closed when the first request is held after the gate shut
	once bool
}

func newPollGate(base http.RoundTripper) *pollGate {
	if base == nil {
		base = http.DefaultTransport
	}
	return &pollGate{base: base}
}

// RoundTrip sends req, first waiting while the gate is shut.
func (g *pollGate) RoundTrip(req *http.Request) (*http.Response, error) {
	g.mu.Lock()
	if g.shut {
		open := g.open
		if !g.once {
			g.once = true
			close(g.held)
		}
		g.mu.Unlock()
		select {
		case <-open:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	} else {
		g.mu.Unlock()
	}
	return g.base.RoundTrip(req)
}

// close shuts the gate; the channel returned is closed once a request is being held.
func (g *pollGate) close() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.shut {
		g.shut, g.once = true, false
		g.open, g.held = make(chan struct{}), make(chan struct{})
	}
	return g.held
}

// reopen lets held and later requests through.
func (g *pollGate) reopen() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.shut {
		g.shut = false
		close(g.open)
	}
}

// metaWatch records a role's CometD client's meta events (bayeux.Config.OnMeta) and wakes waiters.
type metaWatch struct {
	mu      sync.Mutex
	events  []bayeux.MetaEvent
	changed chan struct{}
}

func newMetaWatch() *metaWatch { return &metaWatch{changed: make(chan struct{})} }

func (m *metaWatch) record(e bayeux.MetaEvent) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, e)
	close(m.changed)
	m.changed = make(chan struct{})
}

// since returns the events after the first n, and a channel closed at the next event.
func (m *metaWatch) since(n int) ([]bayeux.MetaEvent, <-chan struct{}) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.events[min(n, len(m.events)):]), m.changed
}

func (m *metaWatch) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.events)
}

func describeEvents(events []bayeux.MetaEvent) string {
	if len(events) == 0 {
		return "  nothing"
	}
	var b strings.Builder
	for _, e := range events {
		fmt.Fprintf(&b, "  %s %s", e.Time.Format("15:04:05.000"), e)
		if e.ServerError != "" {
			fmt.Fprintf(&b, " [server: %s]", e.ServerError)
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// V80
func sendsUnknownClientID(ctx context.Context, role, channel string) error {
	w := worldFrom(ctx)
	a, err := w.actor(ctx, role)
	if err != nil {
		return err
	}
	base := w.baseURL + "/api/v2/notifications"
	id := "unknown-" + rand.Text()
	msg := map[string]any{"channel": "/meta/" + channel, "clientId": id, "id": "1"}
	endpoint := base
	switch channel {
	case "connect":
		msg["connectionType"] = "long-polling"
		endpoint = base + "/connect"
	case "subscribe":
		msg["subscription"] = "/v2/me/*"
	}
	r, text, err := metaRequest(ctx, a.REST.HTTPClient(), endpoint, msg)
	if err != nil {
		return fmt.Errorf("%s: /meta/%s at %s: %w", role, channel, endpoint, err)
	}
	w.loss = sessionLoss{probe: r, probeText: text, probeWhat: fmt.Sprintf("%s /meta/%s with clientId %q", role, channel, id)}
	return nil
}

// V81
func answers402Handshake(ctx context.Context) error {
	w := worldFrom(ctx)
	if w.loss.probeWhat == "" {
		return errors.New("no meta message with an unknown clientId was sent in this scenario")
	}
	const want = `a reply with "successful": false, an "error" beginning with 402 and "advice": {"reconnect": "handshake"}`
	r := w.loss.probe
	if r == nil {
		return fmt.Errorf("%s: expected %s; got no reply on that channel: %s", w.loss.probeWhat, want, w.loss.probeText)
	}
	var problems []string
	if r["successful"] != false {
		problems = append(problems, fmt.Sprintf("successful is %v", r["successful"]))
	}
	if e, _ := r["error"].(string); !strings.HasPrefix(e, "402") {
		problems = append(problems, fmt.Sprintf("error is %v", r["error"]))
	}
	adv, _ := r["advice"].(map[string]any)
	if adv == nil || adv["reconnect"] != "handshake" {
		problems = append(problems, fmt.Sprintf("advice is %v", r["advice"]))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: expected %s; got %s in the reply: %s", w.loss.probeWhat, want,
			strings.Join(problems, ", "), w.loss.probeText)
	}
	return nil
}

// V82
func sessionExpires(ctx context.Context, role string) error {
	w := worldFrom(ctx)
	a, err := w.actor(ctx, role)
	if err != nil {
		return err
	}
	if ex, ok := w.opts.Target.(SessionExpirer); ok {
		return w.expireEverySession(ctx, ex)
	}
	return w.waitOutMaxInterval(ctx, a)
}

// expireEverySession has the target end every session on demand, then waits until every logged-in role's
// client has a session again, so that later steps lose none of their notifications.
func (w *World) expireEverySession(ctx context.Context, ex SessionExpirer) error {
	w.mu.Lock()
	actors := make([]*Actor, 0, len(w.actors))
	for _, a := range w.actors {
		actors = append(actors, a)
	}
	w.mu.Unlock()
	for _, a := range actors {
		a.lost = &lostSession{clientID: a.CometD.ClientID(), mark: a.meta.len()}
	}
	if err := ex.ExpireSessions(ctx, w.baseURL); err != nil {
		return fmt.Errorf("ending the target's CometD sessions: %w", err)
	}
	for _, a := range actors {
		if err := w.awaitNewSession(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// waitOutMaxInterval makes the server end the role's session through the public API only: the role's
// client stops polling (its next request is held back), the step waits the profile's max interval plus a
// margin, and lets the held request go; it carries the old clientId, which the server no longer knows.
func (w *World) waitOutMaxInterval(ctx context.Context, a *Actor) error {
	id := a.CometD.ClientID()
	if id == "" {
		return fmt.Errorf("%s has no CometD session to lose (client %s)", a.Role, a.CometD.State())
	}
	a.lost = &lostSession{clientID: id, mark: a.meta.len()}
	held := a.gate.close()
	defer a.gate.reopen()
	// The request in flight is a held /meta/connect: it ends within the server's advised timeout.
	hold := a.CometD.Advice().Timeout + w.opts.Deadline
	select {
	case <-held:
	case <-time.After(hold):
		return fmt.Errorf("%s's CometD client sent no further request within %s after its long poll (the server's advised timeout plus the deadline)", a.Role, hold)
	case <-ctx.Done():
		return ctx.Err()
	}
	silence := w.opts.Profile.CometDMaxInterval + expiryMargin(w.opts.Profile.CometDMaxInterval)
	t := time.NewTimer(silence)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// V83
func handshakesAgain(ctx context.Context, role string) error {
	w := worldFrom(ctx)
	a, err := w.actor(ctx, role)
	if err != nil {
		return err
	}
	if a.lost == nil {
		return fmt.Errorf("%s's notification session has not been lost in this scenario", role)
	}
	return w.awaitNewSession(ctx, a)
}

// awaitNewSession waits until the server told the role's client that its session was gone (a refused meta
// message whose error begins with 402), and the client is connected again with a new clientId and its
// subscription to /v2/me/* back.
func (w *World) awaitNewSession(ctx context.Context, a *Actor) error {
	wctx, cancel := w.waitCtx(ctx)
	defer cancel()
	for {
		events, changed := a.meta.since(a.lost.mark)
		told := slices.ContainsFunc(events, func(e bayeux.MetaEvent) bool { return strings.HasPrefix(e.ServerError, "402") })
		id := a.CometD.ClientID()
		back := a.CometD.State() == bayeux.Connected && id != "" && id != a.lost.clientID &&
			slices.Contains(a.CometD.Subscriptions(), "/v2/me/*")
		if told && back {
			return nil
		}
		select {
		case <-changed:
		case <-wctx.Done():
			return fmt.Errorf("expected %s's CometD client, whose session %q the server ended, to be told so (an error beginning with 402), "+
				"handshake again and subscribe to /v2/me/* again within %s; it is %s with clientId %q; "+
				"received since the session was ended:\n%s", a.Role, a.lost.clientID, w.opts.Deadline, a.CometD.State(), id,
				describeEvents(events))
		}
	}
}

// V84
func opensSessionWrongPassword(ctx context.Context, role string) error {
	w := worldFrom(ctx)
	cred, ok := w.opts.Profile.Roles[role]
	if !ok {
		return fmt.Errorf("role %q is not in the run profile", role)
	}
	c, err := w.newClient(role, cred.User, cred.Password+"-wrong")
	if err != nil {
		return err
	}
	defer c.CloseIdleConnections()
	return w.openSession(ctx, c.HTTPClient(), "/v2/me/*", true)
}
