// Package simulator is the public face of coachsim's device simulator: a simulated voice environment served
// behind the GWS v2 Voice API (REST under /api/v2 and CometD notifications at /api/v2/notifications).
//
// The binary and every test use only this package: New builds a simulator from an environment, Handler
// serves it, Close stops it. Inside, a pure voice core is owned by a single engine goroutine; the REST and
// CometD adapters only translate.
//
// Concurrency contract: a Simulator is safe for concurrent use; Close must be called once when done.
package simulator

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/clock"
	"github.com/coachsim/coachsim/simulator/internal/cometd"
	"github.com/coachsim/coachsim/simulator/internal/control"
	"github.com/coachsim/coachsim/simulator/internal/engine"
	"github.com/coachsim/coachsim/simulator/internal/netguard"
	"github.com/coachsim/coachsim/simulator/internal/restapi"
	"github.com/coachsim/coachsim/simulator/internal/script"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// Deviations make the simulator deliberately violate the specification. They exist only so that the
// conformance suite's own tests can prove the suite catches each violation; never use them otherwise.
type Deviations = voice.Deviations

// Notification is one notification as the simulator published it to a user.
type Notification struct {
	UserID  string
	Channel string
	Data    []byte // JSON of the message's data member
}

// Option configures a Simulator.
type Option func(*config)

type config struct {
	logger     *slog.Logger
	clock      clock.Clock
	deviations Deviations
	wire       WireDeviations
	cometd     cometd.Config
	seed       uint64
	control    string
	observers  []func(Notification)
	limits     Limits
	sessions   SessionLimits
	noise      *Noise // WithNoise (noise.go)
}

// SessionLimits bound the HTTP sessions: idle expiry (default 30 minutes) and a cap per user (default 16).
// Requests authenticated by Basic alone share one session per user.
type SessionLimits = restapi.SessionLimits

// WithSessionLimits sets the HTTP session limits (zero fields keep their defaults).
func WithSessionLimits(l SessionLimits) Option { return func(c *config) { c.sessions = l } }

// Limits are the HTTP server limits of Serve and StartLoopback: header and body read timeouts (a body must
// arrive at a minimum rate), the write timeout of one reply (a long poll's hold is not counted), the idle
// timeout, connection caps (global and per client address) and the shutdown grace for requests in flight. Zero
// fields take the defaults documented on each field; negative ones switch that limit off.
type Limits = netguard.Limits

// WithLimits sets the HTTP server limits (zero fields keep their defaults).
func WithLimits(l Limits) Option { return func(c *config) { c.limits = l } }

// Clock is a time source for the simulator (WithClock).
type Clock = clock.Clock

// VirtualClock is a clock that runs at a multiple of real time, or stands still, and can be advanced.
type VirtualClock = clock.Virtual

// NewVirtualClock returns a virtual clock starting at a fixed epoch (2026-01-05T09:00:00Z, so that runs
// repeat exactly) and running at speed times real time; speed 0 stands still until advanced.
func NewVirtualClock(speed float64) (*VirtualClock, error) {
	return clock.NewVirtual(clock.Epoch, speed)
}

// WithSeed seeds the environment's script (0: the script's own seed, or 1).
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithObserver registers fn to receive every published notification from the very start, including what a
// script does the moment the simulator starts (Observe, called after New, may miss those). fn must not block.
func WithObserver(fn func(Notification)) Option {
	return func(c *config) { c.observers = append(c.observers, fn) }
}

// WithControl serves the control API under /sim/v1 for requests bearing this token (empty: not served).
func WithControl(token string) Option { return func(c *config) { c.control = token } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithClock sets the clock the simulator reads and schedules scripted actions on (default: the wall clock).
func WithClock(c clock.Clock) Option { return func(cfg *config) { cfg.clock = c } }

// WithDeviations makes the simulator deviate from the specification (suite self-tests only).
func WithDeviations(d Deviations) Option { return func(c *config) { c.deviations = d } }

// WithCometD tunes the notification endpoint: long-poll hold, session expiry without a connect, and the
// per-session queue bound. Zero values keep the defaults.
func WithCometD(timeout, maxInterval time.Duration, queueLimit int) Option {
	return func(c *config) {
		c.cometd.Timeout, c.cometd.MaxInterval, c.cometd.QueueLimit = timeout, maxInterval, queueLimit
	}
}

// Simulator is one running simulated environment.
type Simulator struct {
	env     *fixtures.Environment
	cfg     config
	eng     *engine.Engine
	faults  *control.Faults
	out     *delivery
	rest    *restapi.Server
	notify  *cometd.Server
	handler http.Handler
	log     *slog.Logger
	noise   *noiser // nil without WithNoise
	close   sync.Once
}

// New builds a simulator for env (as returned by the fixtures loader).
func New(env *fixtures.Environment, opts ...Option) *Simulator {
	cfg := config{}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	if cfg.clock == nil {
		cfg.clock = clock.Real{}
	}
	sim := &Simulator{env: env, cfg: cfg, log: cfg.logger, faults: control.NewFaults()}
	// The notification endpoint and every sink exist before the engine starts: a script acts at once.
	ccfg := cfg.cometd
	ccfg.Logger = cfg.logger
	var rest *restapi.Server // UserOf is only called for requests, which come once New has returned
	ccfg.HandshakeGuard = func(r *http.Request) error {
		if guard := rest.HandshakeGuard(); guard != nil {
			return guard(r)
		}
		return nil
	}
	notify := cometd.New(ccfg, func(r *http.Request) (string, bool) { return rest.UserOf(r) })
	sim.notify = notify
	sim.out = newDelivery(sim.faults.Delay, func(p engine.Published) {
		notify.PublishEncoded(p.UserID, p.Channel, cfg.wire.notification(p.Data))
	})
	sinks := []engine.Sink{sim.out.deliver}
	for _, fn := range cfg.observers {
		sinks = append(sinks, observer(fn))
	}
	st, actor := sim.fresh(cfg.clock.Now())
	if cfg.noise != nil {
		sim.noise = newNoiser()
		sim.noise.seed(env, st)
		sinks[0] = sim.noise.wrap(sim.out.deliver)
	}
	sim.eng = engine.New(st, engine.Options{Clock: cfg.clock, Actor: actor, Sinks: sinks})
	rest = restapi.New(sim.eng, env, restapi.Options{Logger: cfg.logger, Notifications: sim.notify, Faults: sim.faults,
		Sessions: cfg.sessions, AuthChallenge: cfg.deviations.AuthChallenge})
	sim.rest = rest
	sim.handler = rest.Handler()
	if cfg.noise != nil {
		sim.handler = lateReplies(sim.handler, cfg.noise.ReplyDelay)
	}
	if cfg.control != "" {
		ctl := control.Handler(control.Config{Token: cfg.control, Engine: sim.eng, Env: env, Faults: sim.faults,
			Reset: sim.Reset, ExpireSessions: sim.notify.ExpireAll, ExpireSessionsOf: sim.notify.ExpireUser, Quiescent: sim.quiescent, Seed: sim.seed(),
			Logger: cfg.logger})
		api := sim.handler
		sim.handler = restapi.CleanPaths(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == control.Prefix || strings.HasPrefix(r.URL.Path, control.Prefix+"/") {
				ctl.ServeHTTP(w, r)
				return
			}
			api.ServeHTTP(w, r)
		}))
	}
	sim.handler = cfg.wire.handler(sim.handler)
	return sim
}

// fresh builds the fixture's initial state and, when the environment has a script, the director that plays
// it from start.
func (s *Simulator) fresh(start time.Time) (*voice.State, engine.Actor) {
	st := voice.New(s.env, voice.Options{Deviations: s.cfg.deviations})
	if s.env.Script == nil {
		return st, nil
	}
	return st, script.New(s.env, s.seed(), start, s.log)
}

// seed is the script's effective seed (0 without a script).
func (s *Simulator) seed() uint64 {
	switch {
	case s.env.Script == nil:
		return 0
	case s.cfg.seed != 0:
		return s.cfg.seed
	}
	return s.env.Script.SeedValue()
}

// Reset puts the simulator back in the fixture's initial state: a fresh voice state, the script (if any)
// starting again from now with the same seed, no injected faults (notifications held back by a delay are
// dropped), and every CometD session ended so that clients handshake again and read the state afresh. HTTP
// sessions stay valid.
func (s *Simulator) Reset(ctx context.Context) error {
	st, actor := s.fresh(s.eng.Now())
	if s.noise != nil {
		s.noise.seed(s.env, st)
	}
	if err := s.eng.Reset(ctx, st, actor); err != nil {
		return err
	}
	s.faults.Clear()
	s.out.drop()
	s.notify.ExpireAll()
	s.log.Info("simulator reset", "environment", s.env.Name)
	return nil
}

// Advance moves a virtual clock forward by d, letting the script play everything that falls due on the way;
// it returns how many scripted actions ran. On the real clock it fails.
func (s *Simulator) Advance(ctx context.Context, d time.Duration) (int, error) {
	_, n, err := s.eng.Advance(ctx, d)
	return n, err
}

// Handler serves the API.
func (s *Simulator) Handler() http.Handler { return s.handler }

// Environment is the environment the simulator was built from.
func (s *Simulator) Environment() *fixtures.Environment { return s.env }

// Observe registers fn to receive every published notification, in order; the returned func stops it. fn
// must not block.
func (s *Simulator) Observe(fn func(Notification)) (stop func()) {
	return s.eng.Subscribe(observer(fn))
}

func observer(fn func(Notification)) engine.Sink {
	return func(batch []engine.Published) {
		for _, p := range batch {
			fn(Notification{UserID: p.UserID, Channel: p.Channel, Data: p.Data})
		}
	}
}

// ExpireNotificationSessions ends every CometD session at once, as a server restart would.
func (s *Simulator) ExpireNotificationSessions() { s.notify.ExpireAll() }

// Served is a simulator's HTTP server on one listener, within the configured Limits.
type Served struct {
	srv *netguard.Server
}

// Serve serves the simulator on ln in the background. Close the Served (after closing the simulator, so that
// held long polls have been answered) to stop it.
func (s *Simulator) Serve(ln net.Listener) *Served {
	return &Served{srv: netguard.Serve(ln, s.Handler(), s.cfg.limits, s.log)}
}

// Limits are the effective limits, defaults applied.
func (sv *Served) Limits() Limits { return sv.srv.Limits() }

// Done receives what serving ended with: http.ErrServerClosed after Close, another error when it failed.
func (sv *Served) Done() <-chan error { return sv.srv.Done() }

// Close stops serving: idle and never-used connections close at once, requests in flight get the limits'
// shutdown grace, then everything left is closed.
func (sv *Served) Close() { sv.srv.Close() }

// Close stops the simulator: held long polls are answered and the engine stops.
func (s *Simulator) Close() {
	s.close.Do(func() {
		s.notify.Close()
		s.eng.Close()
		s.out.close()
	})
}

// Loopback is a simulator served on a loopback port, for tests and the embedded conformance target.
type Loopback struct {
	*Simulator
	// URL is the base URL, e.g. http://127.0.0.1:41234.
	URL    string
	served *Served
}

// StartLoopback serves a new simulator for env on 127.0.0.1 at a free port. The environment's base URL is
// set to the served address so that every uri the simulator emits points back at it; env itself is not
// modified.
func StartLoopback(env *fixtures.Environment, opts ...Option) (*Loopback, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	env = env.Clone()
	env.BaseURL = "http://" + ln.Addr().String()
	lb := &Loopback{Simulator: New(env, opts...), URL: env.BaseURL}
	lb.served = lb.Serve(ln)
	return lb, nil
}

// Limits are the loopback server's effective limits.
func (l *Loopback) Limits() Limits { return l.served.Limits() }

// Close stops the simulator and then serving; it does not wait for idle or never-used connections.
func (l *Loopback) Close() {
	l.Simulator.Close() // answers held long polls first
	l.served.Close()
}
