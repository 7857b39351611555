// Package restapi serves the GWS v2 Voice API over HTTP (gorilla/mux): routes, authentication (HTTP Basic and
// JSESSIONID sessions, optional CSRF protection), JSON decoding of operation bodies, and the one table from
// domain errors to statusCode and HTTP status. directory.go serves /me and the users and devices reads with
// their permission rule (SPEC §11.4, §11.5).
//
// Concurrency contract: a Server is safe for concurrent use. It holds no voice state: every operation goes to
// the engine, and the operation's notifications are released only after the HTTP reply has been written and
// flushed.
package restapi

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/engine"
	"github.com/coachsim/coachsim/simulator/internal/strictjson"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// MaxBodyBytes is the largest request body accepted.
const MaxBodyBytes = 1 << 20

// Options configure a Server.
type Options struct {
	Logger *slog.Logger
	// Notifications, when set, serves the CometD endpoint at /api/v2/notifications and every sub-path.
	Notifications http.Handler
	// Faults, when set, can make a user's next operation fail (fault injection by the control API).
	Faults FailureInjector
	// Sessions bound the HTTP sessions (expiry, per-user cap); zero fields take the defaults.
	Sessions SessionLimits
	// AuthChallenge deliberately answers unauthenticated requests with HTTP 401 and a Basic challenge instead
	// of 403 (a deviation for the conformance suite's own tests).
	AuthChallenge bool
	// Now is the clock of HTTP session expiry (default time.Now): sessions live on wall time whatever clock
	// the voice environment runs on.
	Now func() time.Time
}

// FailureInjector hands out injected failures: TakeFailure reports, once, the statusCode a user's next
// operation must fail with.
type FailureInjector interface {
	TakeFailure(userID string) (statusCode int, ok bool)
}

// Server is the REST face of one simulator.
type Server struct {
	eng      *engine.Engine
	env      *fixtures.Environment
	sessions *sessions
	log      *slog.Logger
	router   *mux.Router
	faults   FailureInjector
	// challenge: the AuthChallenge deviation
	challenge bool
}

type ctxKey int

const identityKey ctxKey = 1

// New builds the REST server for an environment whose state the engine owns.
func New(eng *engine.Engine, env *fixtures.Environment, opts Options) *Server {
	s := &Server{eng: eng, env: env, sessions: newSessions(env, opts.Sessions, opts.Now), log: opts.Logger, faults: opts.Faults,
		challenge: opts.AuthChallenge}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	r := mux.NewRouter().SkipClean(true) // unclean paths never reach it (CleanPaths); never redirect
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &APIError{Code: StatusNotFound, Message: fmt.Sprintf("no resource at %s", r.URL.Path)})
	})
	route(r, "/api/v2/diagnostics/version", s.version, nil)
	if opts.Notifications != nil {
		r.PathPrefix("/api/v2/notifications").Handler(opts.Notifications)
	}
	api := r.PathPrefix("/api/v2").Subrouter()
	api.NotFoundHandler = r.NotFoundHandler
	api.Use(s.authenticated)
	for _, rt := range []struct {
		path      string
		get, post http.HandlerFunc
	}{
		{"/me", s.getMe, s.postOp(voice.ResMe)},
		{"/me/devices", s.getDevices, nil},
		{"/me/devices/{id}", s.getMyDevice, s.postOp(voice.ResDevice)},
		{"/me/devices/{id}/calls", nil, s.postOp(voice.ResDeviceCalls)},
		{"/me/calls", s.getCalls, nil},
		{"/me/calls/{id}", s.getCall, s.postOp(voice.ResCall)},
		{"/me/channels", s.getChannels, nil},
		{"/me/channels/{id}", s.getChannel, s.postOp(voice.ResChannel)},
		{"/devices", s.getAllDevices, nil},
		{"/devices/{id}", s.getDevice, nil},
		{"/users", s.getUsers, nil},
		{"/users/{id}", s.getUser, nil},
		{"/users/{id}/devices", s.getUserDevices, nil},
	} {
		route(api, rt.path, rt.get, rt.post)
	}
	s.router = r
	return s
}

// route serves path with GET and/or POST (nil: not served) and answers any other method with a statusCode 2
// error naming the methods the path allows. The fallback is an explicit route because mux forgets a method
// mismatch when a later route of the same sub-router matches the request's prefix, and would answer 404.
func route(r *mux.Router, path string, get, post http.HandlerFunc) {
	var allowed []string
	if get != nil {
		r.HandleFunc(path, get).Methods(http.MethodGet)
		allowed = append(allowed, http.MethodGet)
	}
	if post != nil {
		r.HandleFunc(path, post).Methods(http.MethodPost)
		allowed = append(allowed, http.MethodPost)
	}
	allow := strings.Join(allowed, ", ")
	r.HandleFunc(path, func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, &APIError{Code: StatusInvalidState,
			Message: fmt.Sprintf("method %s is not supported on %s (allowed: %s)", req.Method, req.URL.Path, allow)})
	})
}

// Handler returns the HTTP handler, with request logging. A trailing slash is ignored, since the GWS
// documentation itself writes POST /api/v2/me/ for StartContactCenterSession.
func (s *Server) Handler() http.Handler { return s.logged(CleanPaths(withoutTrailingSlash(s.router))) }

// CleanPaths answers a request whose path is not clean — an empty segment ("//"), a "." or ".." segment, or an
// encoded slash ("%2F") — with a GWS 404 (statusCode 6) instead of passing it on: no redirect, and no chance
// that a proxy and the server resolve it to different resources. One trailing slash is clean (it is ignored).
func CleanPaths(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !cleanPath(r.URL) {
			writeError(w, &APIError{Code: StatusNotFound, Message: fmt.Sprintf("no resource at %q: the path is not clean", r.URL.EscapedPath())})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func cleanPath(u *url.URL) bool {
	if raw := strings.ToLower(u.RawPath); strings.Contains(raw, "%2f") || strings.Contains(raw, "%5c") {
		return false
	}
	p := u.Path
	if p == "" || p[0] != '/' {
		return false
	}
	segs := strings.Split(p[1:], "/")
	for i, seg := range segs {
		switch seg {
		case ".", "..":
			return false
		case "":
			if i == len(segs)-1 {
				continue // "/" itself, or one trailing slash
			}
			return false
		}
		if strings.ContainsRune(seg, '\\') {
			return false
		}
	}
	return true
}

// withoutTrailingSlash serves /api/v2/me/ as /api/v2/me.
func withoutTrailingSlash(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
			u := *r.URL
			u.Path, u.RawPath = strings.TrimRight(p, "/"), ""
			r = r.WithContext(r.Context()) // a shallow copy whose URL may be replaced
			r.URL = &u
		}
		next.ServeHTTP(w, r)
	})
}

// UserOf authenticates a request (Basic or session cookie) without creating a session.
func (s *Server) UserOf(r *http.Request) (string, bool) { return s.sessions.UserOf(r) }

// HandshakeGuard is the check the CometD endpoint applies to a handshake: with CSRF protection on, the
// request must carry its session's CSRF token as every POST does (nil when CSRF protection is off).
func (s *Server) HandshakeGuard() func(*http.Request) error {
	if !s.env.CSRF {
		return nil
	}
	return func(r *http.Request) error {
		if !s.sessions.csrfValid(r) {
			return errCSRF
		}
		return nil
	}
}

// Sessions is the number of HTTP sessions held.
func (s *Server) Sessions() int { return s.sessions.count() }

// logged logs one line per request at Debug level (coachsim serve --log-requests). When the logger does not
// log Debug, requests pass through untouched: nothing is recorded, timed or formatted on the hot path.
func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.log.Enabled(r.Context(), slog.LevelDebug) || strings.HasPrefix(r.URL.Path, "/api/v2/notifications") {
			next.ServeHTTP(w, r) // long polls would drown the log
			return
		}
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration", time.Since(start).Round(time.Microsecond))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// authenticated resolves the caller, sets the session cookie and enforces CSRF when enabled.
func (s *Server) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := s.sessions.authenticate(r, true)
		if !ok {
			// HTTP 403 and no challenge, as a live GWS answers (behaviour.md §2): a browser must not open its
			// own login dialog over the desktop's login form.
			if s.challenge {
				w.Header().Set("WWW-Authenticate", `Basic realm="coachsim"`)
				writeJSON(w, http.StatusUnauthorized, errorBody{StatusCode: StatusNotAuthenticated, StatusMessage: "Access denied"})
				return
			}
			writeError(w, &APIError{Code: StatusNotAuthenticated, Message: "Access denied"})
			return
		}
		if id.setCookie {
			http.SetCookie(w, sessionCookie(id.sessionID))
		}
		if s.env.CSRF {
			if r.Method == http.MethodGet {
				w.Header().Set(csrfHeaderName, csrfTokenHeader)
				w.Header().Set(csrfTokenHeader, id.csrf)
			} else if id.csrf == "" || subtle.ConstantTimeCompare([]byte(r.Header.Get(csrfTokenHeader)), []byte(id.csrf)) != 1 {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, errCSRF.Error())
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), identityKey, id)))
	})
}

func identityOf(r *http.Request) identity {
	id, _ := r.Context().Value(identityKey).(identity)
	return id
}

// writeJSON writes a complete JSON reply: the body is encoded first, so that the reply carries its
// Content-Length and leaves in one write (with the operation handler's Flush) instead of a chunked body and
// its terminator. The body is the encoder's output: no HTML escaping, and a final newline.
func writeJSON(w http.ResponseWriter, status int, body any) {
	buf := replyBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 64<<10 {
			replyBuffers.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil { // only the adapter's own reply types reach here
		buf.Reset()
		ae := &APIError{Code: StatusInternal, Message: "encoding the reply: " + err.Error()}
		status = HTTPStatus(ae.Code)
		_ = json.NewEncoder(buf).Encode(errorBody{StatusCode: ae.Code, StatusMessage: ae.Message})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// replyBuffers recycles reply bodies; a buffer grown past 64 KiB (a large call list) is not kept.
var replyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

type errorBody struct {
	StatusCode    int    `json:"statusCode"`
	StatusMessage string `json:"statusMessage"`
}

func writeError(w http.ResponseWriter, err error) {
	ae := toAPIError(err)
	writeJSON(w, HTTPStatus(ae.Code), errorBody{StatusCode: ae.Code, StatusMessage: ae.Message})
}

func (s *Server) version(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"statusCode": 0, "version": s.env.Version})
}

// decodeOperation reads an operation's body and turns it into a voice.Request, or an APIError naming what is
// wrong.
func decodeOperation(w http.ResponseWriter, r *http.Request) (voice.Request, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return voice.Request{}, &APIError{Code: StatusInvalidValue, Message: fmt.Sprintf("request body exceeds %d bytes", MaxBodyBytes)}
		}
		return voice.Request{}, &APIError{Code: StatusInvalidValue, Message: "cannot read request body: " + err.Error()}
	}
	return DecodeOperation(data)
}

// DecodeOperation turns an operation body into a voice.Request (without user and resource), or an APIError
// naming what is wrong. The body must be exactly one JSON object with no member named twice (statusCode 1
// otherwise, as for a missing operationName); members are matched by exact, case-sensitive names.
func DecodeOperation(data []byte) (voice.Request, error) {
	var req voice.Request
	if trimmed := bytes.TrimSpace(data); len(trimmed) == 0 || string(trimmed) == "null" {
		return req, &APIError{Code: StatusMissingParameter, Message: "request body is empty: operationName is required"}
	}
	members, err := strictjson.Object(data)
	switch {
	case errors.Is(err, strictjson.ErrDuplicate), errors.Is(err, strictjson.ErrTrailing):
		return req, &APIError{Code: StatusMissingParameter, Message: "request body refused: " + err.Error()}
	case errors.Is(err, strictjson.ErrNotObject):
		return req, &APIError{Code: StatusInvalidValue, Message: "request body must be a JSON object"}
	case err != nil:
		return req, &APIError{Code: StatusInvalidValue, Message: "request body is not valid JSON: " + err.Error()}
	}
	str := func(name string, out *string) error {
		raw, ok := members[name]
		if !ok || string(raw) == "null" {
			return nil
		}
		if json.Unmarshal(raw, out) != nil {
			return &APIError{Code: StatusInvalidValue, Message: fmt.Sprintf("parameter %q must be of type string", name)}
		}
		return nil
	}
	var opName string
	for _, f := range []struct {
		name string
		out  *string
	}{
		{"operationName", &opName},
		{"targetDeviceUri", &req.TargetDeviceURI},
		{"supervisorMonitoringScope", &req.Scope},
		{"supervisorMonitoringMode", &req.Mode},
		{"phoneNumber", &req.PhoneNumber},
		{"consultCallUri", &req.ConsultCallURI},
		{"key", &req.Key},
		{"digits", &req.Digits},
		{"participant", &req.Participant},
		{"otherCallUri", &req.OtherCallURI},
		{"reason", &req.Reason},
		{"reasonCode", &req.ReasonCode},
		{"wrapUpTime", &req.WrapUpTime},
		{"workmode", &req.WorkMode},
	} {
		if err := str(f.name, f.out); err != nil {
			return voice.Request{}, err
		}
	}
	if opName == "" {
		return voice.Request{}, &APIError{Code: StatusMissingParameter, Message: "operationName is required"}
	}
	req.Operation = voice.Operation(opName)
	if raw, ok := members["userData"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &req.UserData); err != nil {
			return voice.Request{}, &APIError{Code: StatusInvalidValue, Message: `parameter "userData" must be of type object`}
		}
	}
	if raw, ok := members["channels"]; ok && string(raw) != "null" {
		if json.Unmarshal(raw, &req.Channels) != nil {
			// statusCode 1, as for missing channels (behaviour.md §11.2)
			return voice.Request{}, &APIError{Code: StatusMissingParameter, Message: `parameter "channels" must be a list of channel names`}
		}
	}
	dest, err := decodeDestination(members["destination"])
	if err != nil {
		return voice.Request{}, err
	}
	req.Destination = dest
	return req, nil
}

// decodeDestination accepts {"phoneNumber":"5002"} and, as some documented samples send, a plain "5002".
func decodeDestination(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var plain string
	if err := json.Unmarshal(raw, &plain); err == nil {
		return plain, nil
	}
	bad := &APIError{Code: StatusInvalidValue, Message: `parameter "destination" must be {"phoneNumber":"..."}`}
	obj, err := strictjson.Members(raw)
	if err != nil {
		return "", bad
	}
	var phone string
	if p, ok := obj["phoneNumber"]; ok && string(p) != "null" && json.Unmarshal(p, &phone) != nil {
		return "", bad
	}
	return phone, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// postOp handles every operation POST: decode, run on the engine, reply, then release the notifications.
func (s *Server) postOp(res voice.Resource) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := identityOf(r)
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			writeError(w, &APIError{Code: StatusInvalidValue, Message: "operations need Content-Type: application/json"})
			return
		}
		req, err := decodeOperation(w, r)
		if err != nil {
			writeError(w, err)
			return
		}
		req.UserID = id.userID
		req.Resource = res
		req.ResourceID = mux.Vars(r)["id"]
		if s.faults != nil {
			if code, ok := s.faults.TakeFailure(id.userID); ok {
				writeError(w, &APIError{Code: code, Message: fmt.Sprintf("injected fault: %s fails with statusCode %d", req.Operation, code)})
				return
			}
		}
		// A request that fails in the back end still causes its ErrorMessage (behaviour.md §11.8): the change
		// succeeds for the engine, which holds the message until the error reply is written.
		var (
			result  voice.Result
			backend error
		)
		ticket, err := s.eng.Change(r.Context(), func(st *voice.State, now time.Time) ([]voice.Notification, error) {
			res, notes, err := st.ApplyResult(now, req)
			if err != nil && len(notes) > 0 && errors.Is(err, voice.ErrBackend) {
				backend = err
				return notes, nil
			}
			result = res
			return notes, err
		})
		if err != nil {
			writeError(w, err)
			return
		}
		defer ticket.Release()
		switch {
		case backend != nil:
			writeError(w, backend)
		case result.Partial():
			writeJSON(w, HTTPStatus(StatusPartialSuccess), map[string]any{"statusCode": StatusPartialSuccess,
				"failed": result.Failed, "succeeded": result.Succeeded})
		default:
			if res == voice.ResMe && req.Operation == voice.OpEndContactCenterSession && id.sessionID != "" {
				s.sessions.invalidate(id.sessionID)
			}
			writeJSON(w, http.StatusOK, map[string]int{"statusCode": 0})
		}
		_ = http.NewResponseController(w).Flush()
	}
}

// read runs a query on the engine.
func (s *Server) read(w http.ResponseWriter, r *http.Request, fn func(st *voice.State, now time.Time)) bool {
	if err := s.eng.Read(r.Context(), fn); err != nil {
		writeError(w, &APIError{Code: StatusInternal, Message: err.Error()})
		return false
	}
	return true
}

// merge copies a struct's JSON members into m.
func merge(m map[string]any, v any) {
	data, _ := json.Marshal(v)
	_ = json.Unmarshal(data, &m)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// listing renders a collection: uris by default, full resources with fields=* (or a field list, which
// keeps only those members).
func listing(r *http.Request, name string, uris []string, items any) map[string]any {
	fields := r.URL.Query().Get("fields")
	if fields == "" {
		return map[string]any{"statusCode": 0, "uris": uris}
	}
	if fields == "*" {
		return map[string]any{"statusCode": 0, name: items}
	}
	var rows []any
	data, _ := json.Marshal(items)
	_ = json.Unmarshal(data, &rows)
	filtered := make([]map[string]any, 0, len(rows))
	for _, row := range rows {
		filtered = append(filtered, keepFields(row, fields))
	}
	return map[string]any{"statusCode": 0, name: filtered}
}

// keepFields renders v as a JSON object with only the named members (fields=a,b).
func keepFields(v any, fields string) map[string]any {
	var all map[string]any
	data, _ := json.Marshal(v)
	_ = json.Unmarshal(data, &all)
	out := map[string]any{}
	for _, k := range strings.Split(fields, ",") {
		k = strings.TrimSpace(k)
		if x, ok := all[k]; ok {
			out[k] = x
		}
	}
	return out
}

func (s *Server) getDevices(w http.ResponseWriter, r *http.Request) {
	id := identityOf(r)
	var devices []voice.Device
	var base string
	if !s.read(w, r, func(st *voice.State, _ time.Time) { devices, base = st.UserDevices(id.userID), st.BaseURL() }) {
		return
	}
	uris := make([]string, len(devices))
	for i, d := range devices {
		uris[i] = base + "/api/v2/devices/" + d.ID
	}
	writeJSON(w, http.StatusOK, listing(r, "devices", uris, devices))
}

func (s *Server) getMyDevice(w http.ResponseWriter, r *http.Request) {
	id := identityOf(r)
	want := mux.Vars(r)["id"]
	var found *voice.Device
	if !s.read(w, r, func(st *voice.State, _ time.Time) {
		for _, d := range st.UserDevices(id.userID) {
			if d.ID == want {
				found = &d
			}
		}
	}) {
		return
	}
	if found == nil {
		writeError(w, &APIError{Code: StatusNotFound, Message: fmt.Sprintf("device %q is not a device of this user", want)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"statusCode": 0, "device": found})
}

func (s *Server) getCalls(w http.ResponseWriter, r *http.Request) {
	id := identityOf(r)
	var calls []voice.Call
	if !s.read(w, r, func(st *voice.State, now time.Time) { calls = st.UserCalls(id.userID, now) }) {
		return
	}
	uris := make([]string, len(calls))
	for i, c := range calls {
		uris[i] = c.URI
	}
	writeJSON(w, http.StatusOK, listing(r, "calls", uris, calls))
}

func (s *Server) getCall(w http.ResponseWriter, r *http.Request) {
	id := identityOf(r)
	want := mux.Vars(r)["id"]
	var c voice.Call
	var ok bool
	if !s.read(w, r, func(st *voice.State, now time.Time) { c, ok = st.UserCall(id.userID, want, now) }) {
		return
	}
	if !ok {
		writeError(w, &APIError{Code: StatusNotFound, Message: fmt.Sprintf("call %q is not a call of this user", want)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"statusCode": 0, "call": c})
}

// getChannels lists the user's multimedia channel states: none (behaviour.md §11.4).
func (s *Server) getChannels(w http.ResponseWriter, r *http.Request) {
	id := identityOf(r)
	var chans []voice.ChannelState
	if !s.read(w, r, func(st *voice.State, _ time.Time) { chans = st.Channels(id.userID) }) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"statusCode": 0, "channels": chans})
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request) {
	id := identityOf(r)
	want := mux.Vars(r)["id"]
	var chans []voice.ChannelState
	if !s.read(w, r, func(st *voice.State, _ time.Time) { chans = st.Channels(id.userID) }) {
		return
	}
	for _, c := range chans {
		if c.Channel == want {
			writeJSON(w, http.StatusOK, map[string]any{"statusCode": 0, "channel": c})
			return
		}
	}
	writeError(w, &APIError{Code: StatusNotFound, Message: fmt.Sprintf("channel %q not found", want)})
}
