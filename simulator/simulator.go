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
	"sync"
	"time"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/clock"
	"github.com/coachsim/coachsim/simulator/internal/cometd"
	"github.com/coachsim/coachsim/simulator/internal/engine"
	"github.com/coachsim/coachsim/simulator/internal/restapi"
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
	cometd     cometd.Config
}

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
	eng     *engine.Engine
	rest    *restapi.Server
	notify  *cometd.Server
	handler http.Handler
	log     *slog.Logger
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
	sim := &Simulator{env: env, log: cfg.logger}
	sim.eng = engine.New(voice.New(env, voice.Options{Deviations: cfg.deviations}), engine.Options{Clock: cfg.clock})
	ccfg := cfg.cometd
	ccfg.Logger = cfg.logger
	var rest *restapi.Server
	sim.notify = cometd.New(ccfg, func(r *http.Request) (string, bool) { return rest.UserOf(r) })
	rest = restapi.New(sim.eng, env, restapi.Options{Logger: cfg.logger, Notifications: sim.notify})
	sim.rest = rest
	sim.handler = rest.Handler()
	sim.eng.Subscribe(func(batch []engine.Published) {
		for _, p := range batch {
			sim.notify.Publish(p.UserID, p.Channel, p.Data)
		}
	})
	return sim
}

// Handler serves the API.
func (s *Simulator) Handler() http.Handler { return s.handler }

// Environment is the environment the simulator was built from.
func (s *Simulator) Environment() *fixtures.Environment { return s.env }

// Observe registers fn to receive every published notification, in order; the returned func stops it. fn
// must not block.
func (s *Simulator) Observe(fn func(Notification)) (stop func()) {
	return s.eng.Subscribe(func(batch []engine.Published) {
		for _, p := range batch {
			fn(Notification{UserID: p.UserID, Channel: p.Channel, Data: p.Data})
		}
	})
}

// ExpireNotificationSessions ends every CometD session at once, as a server restart would.
func (s *Simulator) ExpireNotificationSessions() { s.notify.ExpireAll() }

// Close stops the simulator: held long polls are answered and the engine stops.
func (s *Simulator) Close() {
	s.close.Do(func() {
		s.notify.Close()
		s.eng.Close()
	})
}

// Loopback is a simulator served on a loopback port, for tests and the embedded conformance target.
type Loopback struct {
	*Simulator
	// URL is the base URL, e.g. http://127.0.0.1:41234.
	URL string
	srv *http.Server
	ln  net.Listener
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
	lb := &Loopback{Simulator: New(env, opts...), URL: env.BaseURL, ln: ln}
	lb.srv = &http.Server{Handler: lb.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = lb.srv.Serve(ln) }()
	return lb, nil
}

// Close stops serving and stops the simulator.
func (l *Loopback) Close() {
	l.Simulator.Close() // answers held long polls first
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.srv.Shutdown(ctx); err != nil {
		_ = l.srv.Close()
	}
}
