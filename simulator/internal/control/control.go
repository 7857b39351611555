// Package control serves the simulator's control API under /sim/v1: reset to the fixture's initial state,
// advance a virtual clock, place a call from outside, read the whole state, and inject faults. It exists for
// tests and demonstrations; a GWS server has nothing like it, so the conformance suite never uses it.
//
// Every request carries "Authorization: Bearer TOKEN". Replies and errors have the shape of the GWS API
// ({"statusCode":0,...} or {"statusCode":N,"statusMessage":"..."}) and the same statusCode -> HTTP table.
//
// Concurrency contract: the handler is safe for concurrent use; every change goes through the engine.
package control

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/clock"
	"github.com/coachsim/coachsim/simulator/internal/engine"
	"github.com/coachsim/coachsim/simulator/internal/restapi"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// Prefix is where the control API is served.
const Prefix = "/sim/v1"

// MaxAdvance is the longest single clock advance accepted.
const MaxAdvance = 7 * 24 * time.Hour

// Config wires the control API to one simulator.
type Config struct {
	Token  string
	Engine *engine.Engine
	Env    *fixtures.Environment
	Faults *Faults
	// Reset puts the simulator back in the fixture's initial state.
	Reset func(ctx context.Context) error
	// ExpireSessions ends every CometD session.
	ExpireSessions func()
	// Quiescent reports whether every notification so far is delivered (GET /quiescence, quiescence.go).
	Quiescent func() bool
	// Seed is the script's seed, for the state report (0: no script).
	Seed   uint64
	Logger *slog.Logger
}

type api struct{ cfg Config }

// Handler serves the control API at Prefix.
func Handler(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	a := &api{cfg: cfg}
	r := mux.NewRouter()
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		restapi.WriteError(w, &restapi.APIError{Code: restapi.StatusNotFound, Message: "no control resource at " + r.URL.Path})
	})
	for _, rt := range []struct {
		path    string
		methods map[string]http.HandlerFunc
	}{
		{"/reset", map[string]http.HandlerFunc{http.MethodPost: a.reset}},
		{"/clock/advance", map[string]http.HandlerFunc{http.MethodPost: a.advance}},
		{"/calls", map[string]http.HandlerFunc{http.MethodPost: a.inbound}},
		{"/calls/{id}", map[string]http.HandlerFunc{http.MethodDelete: a.disconnect}},
		{"/state", map[string]http.HandlerFunc{http.MethodGet: a.state}},
		{"/quiescence", map[string]http.HandlerFunc{http.MethodGet: a.quiescence}},
		{"/faults", map[string]http.HandlerFunc{http.MethodGet: a.getFaults, http.MethodPost: a.postFaults,
			http.MethodDelete: a.clearFaults}},
	} {
		route(r, Prefix+rt.path, rt.methods)
	}
	return a.authorized(r)
}

// route serves path with one handler per method and answers any other method with statusCode 2 naming the
// methods allowed. Routes are registered on the root router with full paths: gorilla/mux forgets a method
// mismatch inside a PathPrefix subrouter and would answer 404.
func route(r *mux.Router, path string, methods map[string]http.HandlerFunc) {
	allowed := make([]string, 0, len(methods))
	for m, h := range methods {
		r.HandleFunc(path, h).Methods(m)
		allowed = append(allowed, m)
	}
	sort.Strings(allowed)
	allow := strings.Join(allowed, ", ")
	r.HandleFunc(path, func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Allow", allow)
		restapi.WriteError(w, &restapi.APIError{Code: restapi.StatusInvalidState,
			Message: fmt.Sprintf("method %s is not supported on %s (allowed: %s)", req.Method, req.URL.Path, allow)})
	})
}

// authorized refuses requests without the bearer token, comparing in constant time.
func (a *api) authorized(next http.Handler) http.Handler {
	want := []byte(a.cfg.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		// The scheme name is case-insensitive (RFC 9110 §11.1); the token is compared in constant time.
		if a.cfg.Token == "" || !strings.EqualFold(scheme, "Bearer") ||
			subtle.ConstantTimeCompare([]byte(token), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="coachsim control"`)
			// The control API keeps HTTP 401 with its Bearer challenge; the GWS API's 403 is for /api/v2.
			restapi.WriteJSON(w, http.StatusUnauthorized, map[string]any{"statusCode": restapi.StatusNotAuthenticated,
				"statusMessage": "Access denied: the control API needs Authorization: Bearer <token given to --control>"})
			a.cfg.Logger.Warn("control request refused", "method", r.Method, "path", r.URL.Path)
			return
		}
		next.ServeHTTP(w, r)
		a.cfg.Logger.Info("control request", "method", r.Method, "path", r.URL.Path,
			"duration", time.Since(start).Round(time.Microsecond))
	})
}

func bad(code int, format string, args ...any) error {
	return &restapi.APIError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// decode reads a JSON object body into v, refusing anything but one object (null included), unknown
// members, wrong types and trailing data. An empty body is an empty object.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, restapi.MaxBodyBytes))
	if err != nil {
		return bad(restapi.StatusInvalidValue, "cannot read the request body: %v", err)
	}
	trimmed := strings.TrimSpace(string(data))
	if trimmed == "" {
		data = []byte("{}")
	} else if trimmed[0] != '{' {
		return bad(restapi.StatusInvalidValue, "the body must be a JSON object")
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return bad(restapi.StatusInvalidValue, "%q must be of type %s", te.Field, te.Type)
		}
		return bad(restapi.StatusInvalidValue, "the body must be a JSON object: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad(restapi.StatusInvalidValue, "the body must hold one JSON object and nothing after it")
	}
	return nil
}

func ok(w http.ResponseWriter, body map[string]any) {
	if body == nil {
		body = map[string]any{}
	}
	body["statusCode"] = 0
	restapi.WriteJSON(w, http.StatusOK, body)
}

// POST /sim/v1/reset
func (a *api) reset(w http.ResponseWriter, r *http.Request) {
	if err := decode(w, r, &struct{}{}); err != nil {
		restapi.WriteError(w, err)
		return
	}
	if err := a.cfg.Reset(r.Context()); err != nil {
		restapi.WriteError(w, err)
		return
	}
	ok(w, map[string]any{"now": a.cfg.Engine.Now()})
}

// POST /sim/v1/clock/advance {"seconds": N}
func (a *api) advance(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Seconds *float64 `json:"seconds"`
	}
	if err := decode(w, r, &body); err != nil {
		restapi.WriteError(w, err)
		return
	}
	switch {
	case body.Seconds == nil:
		restapi.WriteError(w, bad(restapi.StatusMissingParameter, "seconds is required"))
		return
	case *body.Seconds <= 0 || *body.Seconds > MaxAdvance.Seconds():
		restapi.WriteError(w, bad(restapi.StatusInvalidValue, "seconds must be more than 0 and at most %v", MaxAdvance.Seconds()))
		return
	}
	d := time.Duration(*body.Seconds * float64(time.Second))
	now, acted, err := a.cfg.Engine.Advance(r.Context(), d)
	if errors.Is(err, engine.ErrNotAdvanceable) {
		restapi.WriteError(w, bad(restapi.StatusInvalidState, "the simulator runs on the real clock; start it with --clock virtual to advance time"))
		return
	}
	if err != nil {
		restapi.WriteError(w, err)
		return
	}
	ok(w, map[string]any{"now": now, "actions": acted})
}

// POST /sim/v1/calls {"from": "+14155550100", "to": "7000", "userData": {"segment": "gold"}}; userData is
// optional and attached to the new call.
func (a *api) inbound(w http.ResponseWriter, r *http.Request) {
	var body struct {
		From     string         `json:"from"`
		To       string         `json:"to"`
		UserData voice.UserData `json:"userData"`
	}
	if err := decode(w, r, &body); err != nil {
		restapi.WriteError(w, err)
		return
	}
	var id string
	ticket, err := a.cfg.Engine.Change(r.Context(), func(st *voice.State, now time.Time) ([]voice.Notification, error) {
		var notes []voice.Notification
		var err error
		id, notes, err = st.InboundWith(now, voice.InboundCall{From: body.From, To: body.To, UserData: body.UserData})
		return notes, err
	})
	if err != nil {
		restapi.WriteError(w, err)
		return
	}
	defer ticket.Release()
	ok(w, map[string]any{"id": id})
}

// DELETE /sim/v1/calls/{id}: the external caller hangs up.
func (a *api) disconnect(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	ticket, err := a.cfg.Engine.Change(r.Context(), func(st *voice.State, now time.Time) ([]voice.Notification, error) {
		return st.Disconnect(now, id)
	})
	if err != nil {
		restapi.WriteError(w, err)
		return
	}
	defer ticket.Release()
	ok(w, nil)
}

// GET /sim/v1/state
func (a *api) state(w http.ResponseWriter, r *http.Request) {
	var snap voice.Snapshot
	var now time.Time
	if err := a.cfg.Engine.Read(r.Context(), func(st *voice.State, t time.Time) {
		snap, now = st.Snapshot(t), t
	}); err != nil {
		restapi.WriteError(w, err)
		return
	}
	clk := map[string]any{"kind": "real", "now": now}
	if v, isVirtual := a.cfg.Engine.Clock().(*clock.Virtual); isVirtual {
		clk["kind"], clk["speed"] = "virtual", v.Speed()
	}
	body := map[string]any{"environment": a.cfg.Env.Name, "clock": clk, "users": snap.Users, "calls": snap.Calls,
		"supervision": snap.Supervision, "routingPoints": snap.RoutingPoints}
	if a.cfg.Seed != 0 {
		body["seed"] = a.cfg.Seed
	}
	ok(w, body)
}

// faultsBody is what POST /sim/v1/faults accepts; any combination of members may be given at once.
type faultsBody struct {
	ExpireSessions       bool      `json:"expireSessions"`
	DelayNotificationsMs *float64  `json:"delayNotificationsMs"`
	FailNext             *failNext `json:"failNext"`
}

type failNext struct {
	User       string `json:"user"`
	StatusCode *int   `json:"statusCode"`
}

// injectable reports whether statusCode may be injected: any documented failure code.
func injectable(code int) bool { return code >= 1 && code <= 20 && code != 7 }

// POST /sim/v1/faults
func (a *api) postFaults(w http.ResponseWriter, r *http.Request) {
	var body faultsBody
	if err := decode(w, r, &body); err != nil {
		restapi.WriteError(w, err)
		return
	}
	if !body.ExpireSessions && body.DelayNotificationsMs == nil && body.FailNext == nil {
		restapi.WriteError(w, bad(restapi.StatusMissingParameter, "give at least one of expireSessions, delayNotificationsMs, failNext"))
		return
	}
	// Validate everything before changing anything.
	var delay time.Duration
	if ms := body.DelayNotificationsMs; ms != nil {
		if *ms < 0 || *ms > 60_000 {
			restapi.WriteError(w, bad(restapi.StatusInvalidValue, "delayNotificationsMs must be from 0 to 60000"))
			return
		}
		delay = time.Duration(*ms * float64(time.Millisecond))
	}
	var failUser fixtures.User
	if f := body.FailNext; f != nil {
		var found bool
		switch {
		case f.User == "":
			restapi.WriteError(w, bad(restapi.StatusMissingParameter, "failNext.user is required"))
			return
		case f.StatusCode == nil:
			restapi.WriteError(w, bad(restapi.StatusMissingParameter, "failNext.statusCode is required"))
			return
		case !injectable(*f.StatusCode):
			restapi.WriteError(w, bad(restapi.StatusInvalidValue, "failNext.statusCode must be a GWS failure code: 1-6 or 8-20, not %d", *f.StatusCode))
			return
		}
		if failUser, found = a.cfg.Env.UserByName(f.User); !found {
			restapi.WriteError(w, bad(restapi.StatusNotFound, "failNext.user %q is not a user of this environment", f.User))
			return
		}
	}
	if body.DelayNotificationsMs != nil {
		a.cfg.Faults.setDelay(delay)
	}
	if body.FailNext != nil {
		a.cfg.Faults.failNextOf(failUser.ID, *body.FailNext.StatusCode)
	}
	if body.ExpireSessions {
		a.cfg.ExpireSessions()
	}
	a.writeFaults(w)
}

// GET /sim/v1/faults
func (a *api) getFaults(w http.ResponseWriter, _ *http.Request) { a.writeFaults(w) }

// DELETE /sim/v1/faults
func (a *api) clearFaults(w http.ResponseWriter, _ *http.Request) {
	a.cfg.Faults.Clear()
	a.writeFaults(w)
}

func (a *api) writeFaults(w http.ResponseWriter) {
	delay, ids, codes := a.cfg.Faults.pending()
	names := map[string]string{}
	for _, u := range a.cfg.Env.Users {
		names[u.ID] = u.UserName
	}
	fail := map[string]int{}
	for _, id := range ids {
		fail[names[id]] = codes[id]
	}
	ok(w, map[string]any{"faults": map[string]any{"delayNotificationsMs": delay.Milliseconds(), "failNext": fail}})
}
