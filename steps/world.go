package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/coachsim/coachsim/steps/internal/bayeux"
	"github.com/coachsim/coachsim/steps/internal/eventlog"
	"github.com/coachsim/coachsim/steps/internal/gws"
)

// World is the state of one scenario: the target, one REST client and one CometD session per role, the
// event log of everything the roles received, call aliases and the outcome of the last request.
type World struct {
	opts       Options
	scenarioID string
	baseURL    string
	release    func()

	mu      sync.Mutex // guards actors and clients (steps run sequentially, CometD callbacks do not)
	actors  map[string]*Actor
	clients map[string]*gws.Client // each role's one REST client, created on first use

	log        *eventlog.Log
	sipCluster bool
	lastReply  *reply           // the last REST reply (features/README.md, "Last reply")
	lastMatch  *eventlog.Entry  // the last matched notification
	bayeux     []bayeuxExchange // handshake/subscribe replies of V27/V28, for V29
	probe      quiescenceProbe  // ends quiet periods early where the target can tell (quiescence.go)
	shapes     shapeChecks      // notifications breaking SPEC.md §2.1, reported at the end of the step
	loss       sessionLoss      // V80's reply, for V81
}

// reply is one REST reply as a step saw it.
type reply struct {
	what       string // e.g. "supervisor1 POST /api/v2/me/devices/... Coach"
	HTTPStatus int
	Header     http.Header
	Body       []byte
}

// Actor is one role logged in to the target.
type Actor struct {
	Role     string
	REST     *gws.Client
	CometD   *bayeux.Client
	UserID   string
	DeviceID string
	DN       string
	// LoginDevice is the role's device as GET read it when the role logged in: what the role knows of its
	// device until a notification says otherwise.
	LoginDevice json.RawMessage

	gate *pollGate    // the CometD client's transport: V82 holds its polls back
	meta *metaWatch   // the CometD client's meta events, for V82/V83
	lost *lostSession // the session V82 had the server end
}

type worldKey struct{}

// worldFrom returns the scenario's World.
func worldFrom(ctx context.Context) *World {
	w, _ := ctx.Value(worldKey{}).(*World)
	if w == nil {
		panic("steps: no World in context (the Before hook did not run)")
	}
	return w
}

func newWorld(ctx context.Context, opts Options, scenarioID string, needs Needs) (*World, error) {
	// A shared target's scenarios each hold one role set of the pool for their whole run; an isolated
	// target gives every scenario a server of its own, where the first set is everyone's.
	set := opts.Profile.Sets()[0]
	releaseSet := func() {}
	if !opts.Target.Isolated() {
		var err error
		if set, _, releaseSet, err = opts.Pool.Acquire(ctx); err != nil {
			return nil, err
		}
	}
	opts.Profile.Roles, opts.Profile.RoutingPoint = set.Roles, set.RoutingPoint
	base, releaseTarget, err := opts.Target.Acquire(ctx, needs)
	if err != nil {
		releaseSet()
		return nil, fmt.Errorf("acquiring the target: %w", err)
	}
	release := func() { releaseTarget(); releaseSet() }
	sip := opts.Profile.SIPCluster
	if opts.Target.Isolated() {
		sip = needs.SIPCluster
	}
	return &World{
		opts: opts, scenarioID: scenarioID, baseURL: strings.TrimSuffix(base, "/"), release: release,
		actors: map[string]*Actor{}, clients: map[string]*gws.Client{}, log: eventlog.New(), sipCluster: sip,
		probe: newQuiescenceProbe(opts, strings.TrimSuffix(base, "/")),
	}, nil
}

// waitCtx bounds an "eventually" wait.
func (w *World) waitCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, w.opts.Deadline)
}

// restClient returns the role's REST client (its cookie jar is the role's HTTP session), without sending
// anything.
func (w *World) restClient(role string) (*gws.Client, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.clients[role]; c != nil {
		return c, nil
	}
	cred, ok := w.opts.Profile.Roles[role]
	if !ok {
		return nil, fmt.Errorf("role %q is not in the run profile (known: %s)", role, strings.Join(w.roleNames(), ", "))
	}
	c, err := w.newClient(role, cred.User, cred.Password)
	if err != nil {
		return nil, err
	}
	w.clients[role] = c
	return c, nil
}

func (w *World) newClient(role, user, password string) (*gws.Client, error) {
	obs := w.opts.Observer
	id := w.scenarioID
	return gws.New(w.baseURL, user, password, gws.Options{
		Timeout: w.opts.Deadline,
		OnExchange: func(ex gws.Exchange) {
			if obs != nil {
				obs.Exchange(id, Exchange{Role: role, Method: ex.Method, Path: ex.Path, RequestBody: ex.RequestBody,
					HTTPStatus: ex.HTTPStatus, ResponseBody: ex.ResponseBody, Started: ex.Started, Finished: ex.Finished})
			}
		},
	})
}

func (w *World) roleNames() []string {
	var names []string
	for r := range w.opts.Profile.Roles {
		names = append(names, r)
	}
	sort.Strings(names)
	return names
}

// actor returns the role, logged in: REST session, device discovered, CometD session subscribed to /v2/me/*.
func (w *World) actor(ctx context.Context, role string) (*Actor, error) {
	w.mu.Lock()
	a := w.actors[role]
	w.mu.Unlock()
	if a != nil {
		return a, nil
	}
	rest, err := w.restClient(role)
	if err != nil {
		return nil, err
	}
	me, err := rest.Me(ctx, "devices")
	if err != nil {
		return nil, fmt.Errorf("%s cannot log in: %w", role, err)
	}
	if len(me.Devices) == 0 {
		return nil, fmt.Errorf("%s has no device on the target", role)
	}
	a = &Actor{Role: role, REST: rest, UserID: me.ID, DeviceID: me.Devices[0].ID, DN: me.Devices[0].PhoneNumber,
		LoginDevice: me.Devices[0].Raw, gate: newPollGate(rest.HTTPClient().Transport), meta: newMetaWatch()}
	cometdHTTP := *rest.HTTPClient() // the same cookie jar and authentication, through the gate
	cometdHTTP.Transport = a.gate
	obs, id, recv := w.opts.Observer, w.scenarioID, receiverOf(me.Devices)
	a.CometD = bayeux.New(bayeux.Config{
		URL:        w.baseURL + "/api/v2/notifications",
		HTTPClient: &cometdHTTP,
		Logger:     slog.New(slog.DiscardHandler),
		OnMeta:     a.meta.record,
	}, func(m bayeux.Message) {
		w.checkShape(role, recv, w.log.Append(role, m.Channel, m.Data, m.Received))
		if obs != nil {
			obs.Notification(id, Received{Role: role, Channel: m.Channel, Data: m.Data, Received: m.Received})
		}
	})
	if err := a.CometD.Connect(ctx, "/v2/me/*"); err != nil {
		return nil, fmt.Errorf("%s cannot open a CometD session at %s/api/v2/notifications: %w", role, w.baseURL, err)
	}
	w.mu.Lock()
	w.actors[role] = a
	w.mu.Unlock()
	return a, nil
}

// number resolves a party named in a step: a role's DN, "the routing point", or a literal number.
func (w *World) number(ctx context.Context, party string) (string, error) {
	switch {
	case party == "the routing point":
		return w.opts.Profile.RoutingPoint, nil
	case strings.Trim(party, "0123456789+") == "":
		return party, nil
	}
	a, err := w.actor(ctx, party)
	if err != nil {
		return "", err
	}
	return a.DN, nil
}

// close ends the scenario: on a shared target every role is returned to a clean state first; then CometD
// sessions end and the target is released.
func (w *World) close(ctx context.Context) error {
	var errs []error
	if !w.opts.Target.Isolated() {
		errs = append(errs, w.cleanUp(ctx))
	}
	w.mu.Lock()
	actors := make([]*Actor, 0, len(w.actors))
	for _, a := range w.actors {
		actors = append(actors, a)
	}
	w.mu.Unlock()
	for _, a := range actors {
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = a.CometD.Close(cctx) // best effort: the session expires on its own otherwise
		cancel()
		a.REST.CloseIdleConnections()
	}
	if w.release != nil {
		w.release()
	}
	return errors.Join(errs...)
}

// cleanUp returns every role the scenario used to a clean state on a shared server: supervision cancelled,
// calls hung up, agents NotReady, DND off, contact-center sessions ended.
func (w *World) cleanUp(ctx context.Context) error {
	var errs []error
	w.mu.Lock()
	actors := make([]*Actor, 0, len(w.actors))
	for _, a := range w.actors {
		actors = append(actors, a)
	}
	w.mu.Unlock()
	sort.Slice(actors, func(i, j int) bool { return actors[i].Role < actors[j].Role })
	for _, a := range actors {
		dev, err := a.REST.Device(ctx, a.DeviceID)
		if err != nil {
			errs = append(errs, fmt.Errorf("clean-up of %s: %w", a.Role, err))
			continue
		}
		if dev.HasCapability("CancelSupervisorMonitoring") {
			_ = a.REST.DeviceOperation(ctx, a.DeviceID, "CancelSupervisorMonitoring", nil)
		}
		if dev.HasDoNotDisturb() {
			_ = a.REST.DeviceOperation(ctx, a.DeviceID, "DoNotDisturbOff", nil)
		}
	}
	// Hang up until nobody has a call left; a hang-up may end other parties' legs too.
	for round := 0; round < 4; round++ {
		left := 0
		for _, a := range actors {
			calls, err := a.REST.Calls(ctx)
			if err != nil {
				continue
			}
			for _, c := range calls {
				if c.State != "Released" && c.HasCapability("Hangup") {
					left++
					_ = a.REST.CallOperation(ctx, c.ID, "Hangup", nil)
				}
			}
		}
		if left == 0 {
			break
		}
	}
	for _, a := range actors {
		_ = a.REST.ChannelOperation(ctx, "voice", "NotReady", nil)
		_ = a.REST.MeOperation(ctx, "EndContactCenterSession", nil)
	}
	return errors.Join(errs...)
}
