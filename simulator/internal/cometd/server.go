package cometd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coachsim/coachsim/simulator/internal/netguard"
)

// Authenticator resolves the authenticated user of an HTTP request (Basic header or JSESSIONID cookie).
// The simulator supplies it; ok=false means unauthenticated.
type Authenticator func(r *http.Request) (user string, ok bool)

// Defaults applied to zero (or negative) Config fields.
const (
	// DefaultTimeout is how long a /meta/connect is held, as CometD servers do by default.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxInterval is how long a session survives without a /meta/connect (the GWS setting).
	DefaultMaxInterval = 15 * time.Second
	// DefaultQueueLimit is how many messages may wait for one session between two polls.
	DefaultQueueLimit = 10000
	// DefaultMaxBodyBytes bounds a request body.
	DefaultMaxBodyBytes = 1 << 20
)

// Config tunes a Server. The zero value is usable: every zero field takes its default.
type Config struct {
	// Timeout is the longest a /meta/connect is held waiting for messages (default 30s). It is advertised in
	// advice.timeout (ms); a client's own smaller advice.timeout is honoured, 0 meaning "answer at once".
	// An http.Server in front of this handler needs a WriteTimeout (if any) comfortably above Timeout.
	Timeout time.Duration
	// MaxInterval is how long a session lives without a /meta/connect, counted from the end of the last connect
	// reply (or from the handshake); a held connect keeps the session alive (default 15s).
	MaxInterval time.Duration
	// QueueLimit bounds the messages queued for one session between polls, unacknowledged ones included
	// (default 10000). One more ends the session.
	QueueLimit int
	// MaxBodyBytes bounds a request body (default 1 MiB); larger requests get HTTP 413.
	MaxBodyBytes int64
	// Logger receives session lifecycle lines; nil discards them.
	Logger *slog.Logger
	// HandshakeGuard, when set, is asked about every authenticated handshake request; a non-nil error fails the
	// handshake with "403::<error>" (the simulator refuses a handshake without the CSRF token when CSRF
	// protection is on).
	HandshakeGuard func(r *http.Request) error
	// Now is the clock used for expiry bookkeeping (default time.Now). Timers still run on real time, but every
	// request and Sessions check deadlines against this clock, so a test can advance it to expire sessions.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxInterval <= 0 {
		c.MaxInterval = DefaultMaxInterval
	}
	if c.QueueLimit <= 0 {
		c.QueueLimit = DefaultQueueLimit
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Server is the Bayeux long-polling endpoint. Create it with New; the zero value is not usable.
type Server struct {
	cfg   Config
	retry *advice // see retryAdvice
	auth  Authenticator
	log   *slog.Logger

	mu       sync.RWMutex
	closed   bool
	sessions map[string]*session            // by clientId
	byUser   map[string]map[string]*session // user -> clientId -> session

	held     sync.WaitGroup // connects currently held
	returned atomic.Int64   // events given back because their reply did not reach the client
}

// Returned is how many events were given back to their session's queue (and sent again) because the reply
// carrying them failed or never reached its client.
func (s *Server) Returned() int64 { return s.returned.Load() }

// New returns a Server. auth is called on every request; a nil auth treats every request as unauthenticated.
func New(cfg Config, auth Authenticator) *Server {
	cfg = cfg.withDefaults()
	if auth == nil {
		auth = func(*http.Request) (string, bool) { return "", false }
	}
	ms := cfg.Timeout.Milliseconds()
	return &Server{
		retry:    &advice{Reconnect: reconnectRetry, Interval: 0, Timeout: &ms},
		cfg:      cfg,
		auth:     auth,
		log:      cfg.Logger,
		sessions: make(map[string]*session),
		byUser:   make(map[string]map[string]*session),
	}
}

// caller is who sent a request, as the Authenticator saw it.
type caller struct {
	user     string
	ok       bool
	guardErr error // why Config.HandshakeGuard refuses a handshake from this request
}

// Limits of what an unauthenticated request may send: only a body that is small and came with the headers is
// read (to answer a handshake with a Bayeux reply); anything else is refused without reading it.
const (
	unauthenticatedBodyLimit = 16 << 10
	unauthenticatedBodyWait  = time.Second
)

// ServeHTTP answers one Bayeux request. Mount it at /api/v2/notifications and every path below it.
//
// The caller is authenticated before any body is read. Requests that cannot be read as Bayeux messages are
// refused at the HTTP level with a GWS error body; everything else is answered with a JSON array of Bayeux
// replies.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Upgrade") != "" {
		refuse(w, http.StatusBadRequest, 2, "websocket transport is not supported here; use long-polling")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		refuse(w, http.StatusBadRequest, 2, fmt.Sprintf("method %s is not supported: bayeux long-polling requests must be POST", r.Method))
		return
	}
	if s.isClosed() {
		refuse(w, http.StatusInternalServerError, 4, "notification service is shut down")
		return
	}
	form := false
	switch ct := r.Header.Get("Content-Type"); ct {
	case "", "application/json", "application/json;charset=UTF-8": // the usual ones, known without parsing
	default:
		switch mt, _, err := mime.ParseMediaType(ct); {
		case err == nil && mt == "application/json":
		case err == nil && mt == "application/x-www-form-urlencoded":
			form = true
		default:
			refuse(w, http.StatusBadRequest, 10, "Content-Type must be application/json (or a form with message parameters)")
			return
		}
	}
	user, ok := s.auth(r)
	who := caller{user: user, ok: ok}
	var body []byte
	if !ok {
		netguard.Probation(r.Context(), true)
		data, prompt := netguard.ReadBodyWithin(w, r, unauthenticatedBodyLimit, unauthenticatedBodyWait)
		netguard.Probation(r.Context(), false)
		if !prompt {
			w.Header().Set("Connection", "close")
			refuse(w, http.StatusForbidden, 20, "Access denied")
			return
		}
		body = data
	} else {
		data, err := readBody(r, s.cfg.MaxBodyBytes)
		if err != nil {
			w.Header().Set("Connection", "close")
			refuse(w, http.StatusBadRequest, 10, err.Error())
			return
		}
		body = data
		if s.cfg.HandshakeGuard != nil {
			who.guardErr = s.cfg.HandshakeGuard(r)
		}
	}
	msgs, err := parseRequest(body, form)
	if err != nil {
		code := 10
		if errors.Is(err, ErrEmptyBatch) || errors.Is(err, ErrMissingChannel) || errors.Is(err, ErrNoMessageParam) {
			code = 1
		}
		refuse(w, http.StatusBadRequest, code, err.Error())
		return
	}
	out, commits, write := s.handle(r.Context(), who, msgs)
	if !write {
		return // the client gave up on a held connect; nobody reads an answer
	}
	h := w.Header()
	h["Content-Type"] = replyContentType // shared, never modified: net/http only reads them
	h["Cache-Control"] = replyCacheControl
	h.Set("Content-Length", strconv.Itoa(len(out)))
	if len(commits) > 0 {
		if conn := netguard.ConnOf(r.Context()); conn != nil && conn.PeerGone() {
			// The client left while the reply was being made: writing would lose its events.
			for _, commit := range commits {
				commit(errAborted)
			}
			return
		}
	}
	netguard.BeforeWrite(r.Context())
	_, werr := w.Write(out)
	if werr == nil {
		if ferr := http.NewResponseController(w).Flush(); ferr != nil && !errors.Is(ferr, http.ErrNotSupported) {
			werr = ferr
		}
	}
	for _, commit := range commits {
		commit(werr)
	}
}

var (
	replyContentType  = []string{"application/json;charset=UTF-8"}
	replyCacheControl = []string{"no-cache, no-store"}
)

// refuse answers a request that gets no Bayeux reply with a GWS error body.
func refuse(w http.ResponseWriter, status, code int, text string) {
	body, _ := json.Marshal(struct {
		StatusCode    int    `json:"statusCode"`
		StatusMessage string `json:"statusMessage"`
	}{code, text})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// handle processes a batch and returns the encoded response, or write=false when there is nobody to answer.
// Each commit must be called with the outcome of writing the response: events handed to it are given back to
// their session when the write failed or never reached the client.
func (s *Server) handle(ctx context.Context, who caller, msgs []message) (out []byte, commits []func(error), write bool) {
	// A handshake is answered alone: the other messages of its batch are ignored, as Bayeux requires.
	for i := range msgs {
		if msgs[i].Channel == channelHandshake {
			return encodeArray([][]byte{mustMarshal(s.handshake(who, &msgs[i]))}), nil, true
		}
	}
	// A connect is held only when it travels alone; batched with other messages (Faye's first connect rides
	// with its subscribe) it is answered at once so the other replies are not delayed.
	canHold := len(msgs) == 1
	parts := make([][]byte, 0, len(msgs))
	for i := range msgs {
		m := &msgs[i]
		if m.Channel != channelConnect {
			parts = append(parts, mustMarshal(s.dispatch(who, m)))
			continue
		}
		events, rep, commit, ok := s.connect(ctx, who, m, canHold)
		if !ok {
			for _, c := range commits {
				c(errAborted)
			}
			return nil, nil, false
		}
		if commit != nil {
			commits = append(commits, commit)
		}
		// Events go before the connect reply: some clients only hand over events that precede it.
		parts = append(parts, events...)
		parts = append(parts, mustMarshal(rep))
	}
	return encodeArray(parts), commits, true
}

// errAborted stands for a reply that was never written because its client gave up.
var errAborted = errors.New("client gave up before the reply was written")

func (s *Server) dispatch(who caller, m *message) reply {
	switch m.Channel {
	case channelSubscribe:
		return s.subscribe(who, m)
	case channelUnsubscribe:
		return s.unsubscribe(who, m)
	case channelDisconnect:
		return s.disconnect(who, m)
	}
	rep := reply{Channel: m.Channel, ID: m.replyID()}
	switch {
	case strings.HasPrefix(m.Channel, metaPrefix):
		rep.Error = bayeuxError(404, []string{m.Channel}, "Unknown meta channel")
	case !validChannelName(m.Channel):
		rep.Error = bayeuxError(400, []string{m.Channel}, "Invalid channel name")
	default:
		// A publish. Check the session first so that a lost session is reported as such.
		if m.ClientID != "" {
			if _, errRep := s.resolve(who, m); errRep != nil {
				return *errRep
			}
		}
		rep.Error = bayeuxError(403, []string{m.ClientID, m.Channel}, "Publish denied: clients only receive here")
	}
	return rep
}

func (s *Server) handshake(who caller, m *message) reply {
	rep := reply{
		Channel:                  channelHandshake,
		ID:                       m.replyID(),
		Version:                  bayeuxVersion,
		MinimumVersion:           bayeuxVersion,
		SupportedConnectionTypes: []string{connectionTypeLongPolling},
	}
	switch {
	case !who.ok:
		rep.Error = errTextUnauthenticated
		rep.Advice = &advice{Reconnect: reconnectNone}
		return rep
	case who.guardErr != nil:
		rep.Error = bayeuxError(403, nil, who.guardErr.Error())
		rep.Advice = &advice{Reconnect: reconnectNone}
		return rep
	case !m.offersLongPolling():
		rep.Error = bayeuxError(400, nil, "No common connection type: this server supports long-polling only")
		rep.Advice = &advice{Reconnect: reconnectNone}
		return rep
	}
	sess := &session{id: newClientID(), user: who.user, ack: m.wantsAck(), subs: make(map[string]struct{}), returned: &s.returned}
	sess.mu.Lock()
	sess.deadline = s.cfg.Now().Add(s.cfg.MaxInterval)
	sess.expiry = time.AfterFunc(s.cfg.MaxInterval, func() { s.expire(sess) })
	sess.mu.Unlock()

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		sess.expiry.Stop()
		rep.Error = bayeuxError(503, nil, "Notification service is shut down")
		rep.Advice = &advice{Reconnect: reconnectNone}
		return rep
	}
	s.sessions[sess.id] = sess
	perUser := s.byUser[sess.user]
	if perUser == nil {
		perUser = make(map[string]*session)
		s.byUser[sess.user] = perUser
	}
	perUser[sess.id] = sess
	s.mu.Unlock()

	s.log.Info("cometd session created", "user", sess.user, "clientId", shortID(sess.id), "ack", sess.ack)
	rep.Successful = true
	rep.ClientID = sess.id
	rep.Advice = s.retryAdvice()
	if sess.ack {
		rep.Ext = json.RawMessage(`{"ack":true}`)
	}
	return rep
}

// connect answers a /meta/connect, holding it when allowed until something is queued, the hold time passes,
// the client gives up, a newer connect supersedes it or the session ends. ok=false means the client gave up.
// commit, when not nil, must be called with the outcome of writing the reply that carries events.
func (s *Server) connect(ctx context.Context, who caller, m *message, canHold bool) (events [][]byte, rep reply, commit func(error), ok bool) {
	sess, errRep := s.resolve(who, m)
	if errRep != nil {
		return nil, *errRep, nil, true
	}
	if m.ConnectionType == nil || *m.ConnectionType != connectionTypeLongPolling {
		return nil, reply{Channel: channelConnect, ID: m.replyID(), ClientID: sess.id,
			Error:  bayeuxError(400, []string{sess.id}, "connectionType must be long-polling"),
			Advice: &advice{Reconnect: reconnectNone}}, nil, true
	}
	conn := netguard.ConnOf(ctx)
	hold := s.cfg.Timeout
	if t, given := m.adviceTimeout(); given && t < hold {
		hold = t
	}
	if !canHold {
		hold = 0
	}
	ackN, acked := m.ackBatch()

	sess.mu.Lock()
	if sess.ended != alive {
		reason := sess.ended
		sess.mu.Unlock()
		return nil, endedReply(channelConnect, m, reason), nil, true
	}
	if sess.ack && acked {
		sess.acknowledgeLocked(ackN)
	}
	if hold <= 0 || sess.readyLocked(conn) {
		events, rep, commit = s.connectReplyLocked(sess, m, conn)
		sess.mu.Unlock()
		return events, rep, commit, true
	}
	m.detach() // a held connect keeps nothing of its request's text
	p := newHeldPoll()
	if old := sess.poll; old != nil {
		old.signal() // Bayeux allows one outstanding connect: the older one answers now, empty.
	}
	sess.poll = p
	sess.expiry.Stop()
	s.held.Add(1)
	sess.mu.Unlock()
	defer s.held.Done()

	timer := time.NewTimer(hold)
	defer timer.Stop()
	for {
		timedOut := false
		select {
		case <-p.wake:
		case <-timer.C:
			timedOut = true
		case <-ctx.Done():
		}
		sess.mu.Lock()
		switch {
		case sess.ended == endDisconnected:
			// The client's own disconnect released this connect: it succeeded, and the client must not
			// reconnect (as CometD servers answer). A 402 here would make CometD clients fail the disconnect.
			sess.mu.Unlock()
			return nil, reply{Channel: channelConnect, ID: m.replyID(), Successful: true,
				Advice: &advice{Reconnect: reconnectNone}}, nil, true
		case sess.ended != alive:
			reason := sess.ended
			sess.mu.Unlock()
			return nil, endedReply(channelConnect, m, reason), nil, true
		case sess.poll != p:
			// Superseded: the newer connect owns the queue and the idle clock.
			sess.mu.Unlock()
			return nil, reply{Channel: channelConnect, ID: m.replyID(), Successful: true, Advice: s.retryAdvice()}, nil, true
		case ctx.Err() != nil, sess.readyLocked(conn) && conn != nil && conn.PeerGone():
			// The client aborted (perhaps so recently that only the kernel knows yet): take nothing, so the
			// next connect gets it all.
			sess.poll = nil
			sess.connectEndedLocked(s.cfg.Now(), s.cfg.MaxInterval)
			sess.mu.Unlock()
			return nil, reply{}, nil, false
		case timedOut || sess.readyLocked(conn):
			sess.poll = nil
			events, rep, commit = s.connectReplyLocked(sess, m, conn)
			sess.mu.Unlock()
			return events, rep, commit, true
		}
		sess.mu.Unlock()
	}
}

// connectReplyLocked takes the session's pending events for a successful connect reply and restarts the idle
// clock. The events of a reply without the ack extension stay with the session until the write is known to
// have reached the client (see session.settleLocked).
func (s *Server) connectReplyLocked(sess *session, m *message, conn *netguard.Conn) ([][]byte, reply, func(error)) {
	var events [][]byte
	var batch int64
	var commit func(error)
	if sess.readyLocked(conn) {
		events, batch, commit = sess.takeLocked(conn)
	}
	sess.connectEndedLocked(s.cfg.Now(), s.cfg.MaxInterval)
	rep := reply{Channel: channelConnect, ID: m.replyID(), Successful: true, Advice: s.retryAdvice()}
	if batch > 0 {
		rep.Ext = mustMarshal(map[string]int64{"ack": batch})
	}
	return events, rep, commit
}

func (s *Server) subscribe(who caller, m *message) reply {
	rep := reply{Channel: channelSubscribe, ID: m.replyID(), Subscription: m.Subscription}
	sess, errRep := s.resolve(who, m)
	if errRep != nil {
		errRep.Subscription = m.Subscription
		return *errRep
	}
	channels, ok := parseSubscription(m.subscription)
	if !ok {
		rep.Error = bayeuxError(400, []string{sess.id}, "Missing or invalid subscription")
		return rep
	}
	for _, c := range channels {
		if !subscribable(c) {
			rep.Error = bayeuxError(403, []string{sess.id, c}, "Subscription denied")
			return rep
		}
	}
	sess.mu.Lock()
	if sess.ended != alive {
		reason := sess.ended
		sess.mu.Unlock()
		r := endedReply(channelSubscribe, m, reason)
		r.Subscription = m.Subscription
		return r
	}
	for _, c := range channels {
		sess.subs[c] = struct{}{}
	}
	sess.mu.Unlock()
	rep.Successful = true
	return rep
}

func (s *Server) unsubscribe(who caller, m *message) reply {
	rep := reply{Channel: channelUnsubscribe, ID: m.replyID(), Subscription: m.Subscription}
	sess, errRep := s.resolve(who, m)
	if errRep != nil {
		errRep.Subscription = m.Subscription
		return *errRep
	}
	channels, ok := parseSubscription(m.subscription)
	if !ok {
		rep.Error = bayeuxError(400, []string{sess.id}, "Missing or invalid subscription")
		return rep
	}
	sess.mu.Lock()
	for _, c := range channels {
		delete(sess.subs, c)
	}
	sess.mu.Unlock()
	rep.Successful = true
	return rep
}

func (s *Server) disconnect(who caller, m *message) reply {
	sess, errRep := s.resolve(who, m)
	if errRep != nil {
		return *errRep
	}
	if !s.end(sess, endDisconnected, nil) {
		return unknownClientReply(channelDisconnect, m, reconnectHandshake)
	}
	return reply{Channel: channelDisconnect, ID: m.replyID(), Successful: true}
}

// resolve finds the live session a message names and checks it belongs to the caller. On failure it returns
// the reply to send instead.
func (s *Server) resolve(who caller, m *message) (*session, *reply) {
	fail := func(text string) (*session, *reply) {
		return nil, &reply{Channel: m.Channel, ID: m.replyID(), Error: text, Advice: &advice{Reconnect: reconnectHandshake}}
	}
	if !who.ok {
		return fail(errTextUnauthenticated)
	}
	if m.ClientID == "" {
		return fail(errTextMissingClientID)
	}
	s.mu.RLock()
	sess := s.sessions[m.ClientID]
	s.mu.RUnlock()
	if sess == nil {
		return fail(errTextUnknownClient)
	}
	if sess.user != who.user {
		// The session stays untouched: another user cannot end or read it.
		return fail(bayeuxError(403, []string{m.ClientID}, "Client belongs to another user"))
	}
	now := s.cfg.Now()
	if s.end(sess, endExpired, func(x *session) bool { return x.dueLocked(now) }) {
		return fail(errTextUnknownClient)
	}
	return sess, nil
}

// end ends sess for reason if it is alive and cond (checked under the session lock, nil meaning true) holds,
// then forgets it. It reports whether this call ended the session.
func (s *Server) end(sess *session, reason endReason, cond func(*session) bool) bool {
	sess.mu.Lock()
	if sess.ended != alive || (cond != nil && !cond(sess)) {
		sess.mu.Unlock()
		return false
	}
	sess.endLocked(reason)
	sess.mu.Unlock()
	s.forget(sess, reason)
	return true
}

// forget removes an ended session from the indexes and logs why it ended.
func (s *Server) forget(sess *session, reason endReason) {
	s.mu.Lock()
	if s.sessions[sess.id] == sess {
		delete(s.sessions, sess.id)
	}
	if perUser := s.byUser[sess.user]; perUser != nil && perUser[sess.id] == sess {
		delete(perUser, sess.id)
		if len(perUser) == 0 {
			delete(s.byUser, sess.user)
		}
	}
	s.mu.Unlock()
	attrs := []any{"user", sess.user, "clientId", shortID(sess.id), "reason", reason.String()}
	switch reason {
	case endOverflow:
		s.log.Warn("cometd session ended: queue overflow", append(attrs, "queueLimit", s.cfg.QueueLimit)...)
	case endExpired:
		s.log.Info("cometd session expired", append(attrs, "maxInterval", s.cfg.MaxInterval)...)
	case endClosed:
		s.log.Debug("cometd session ended", attrs...)
	default:
		s.log.Info("cometd session ended", attrs...)
	}
}

// expire runs on the session's timer: it ends the session if it is still idle past its deadline, or re-arms
// the timer when the deadline moved (or the injected clock lags behind real time).
func (s *Server) expire(sess *session) {
	now := s.cfg.Now()
	sess.mu.Lock()
	if sess.ended != alive || sess.poll != nil {
		sess.mu.Unlock()
		return
	}
	if now.Before(sess.deadline) {
		sess.expiry.Reset(sess.deadline.Sub(now))
		sess.mu.Unlock()
		return
	}
	sess.endLocked(endExpired)
	sess.mu.Unlock()
	s.forget(sess, endExpired)
}

// Publish delivers data on channel to every session of user subscribed to a matching channel. It never blocks on
// a slow client. data is already-encoded JSON (the "data" member of the delivered message); invalid JSON is
// dropped with an error log, since it would corrupt every response that carried it. The event is encoded as
// encoding/json writes it (data compacted).
func (s *Server) Publish(user, channel string, data json.RawMessage) {
	if !json.Valid(data) {
		s.log.Error("cometd publish dropped: data is not valid JSON", "user", user, "channel", channel)
		return
	}
	s.publish(user, channel, func() []byte { return mustMarshal(event{Channel: channel, Data: data}) })
}

// PublishEncoded is Publish for data as json.Marshal produced it (the engine encodes every notification once):
// it is neither checked nor encoded again. The event is assembled by appending bytes, once, and the same bytes
// are queued for every session that receives it; they equal what Publish would queue.
func (s *Server) PublishEncoded(user, channel string, data json.RawMessage) {
	s.publish(user, channel, func() []byte {
		return appendEvent(make([]byte, 0, len(channel)+len(data)+24), channel, data)
	})
}

// publish queues the event made by payload (called only when the user has a session) for the user's sessions.
func (s *Server) publish(user, channel string, payload func() []byte) {
	s.mu.RLock()
	perUser := s.byUser[user]
	if len(perUser) == 0 {
		s.mu.RUnlock()
		return
	}
	event := payload()
	var overflow []*session
	for _, sess := range perUser {
		if sess.deliver(channel, event, s.cfg.QueueLimit) == overflowed {
			overflow = append(overflow, sess)
		}
	}
	s.mu.RUnlock()
	for _, sess := range overflow {
		s.forget(sess, endOverflow)
	}
}

// ExpireAll ends every session at once, as if the server had lost them all. Held connects are answered with
// "402::Unknown client" and reconnect advice "handshake"; later messages naming those sessions get the same.
func (s *Server) ExpireAll() {
	n := 0
	for _, sess := range s.snapshot() {
		if s.end(sess, endExpireAll, nil) {
			n++
		}
	}
	s.log.Info("cometd sessions expired on request", "count", n)
}

// Close ends every session, releases held long polls and waits until they have returned, stops all timers,
// and makes ServeHTTP answer 503 from then on. It is idempotent.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	for _, sess := range s.snapshot() {
		s.end(sess, endClosed, nil)
	}
	s.held.Wait()
}

// Sessions returns the number of live sessions. Sessions idle past MaxInterval by the configured clock are
// ended here if their timer has not done so yet.
func (s *Server) Sessions() int {
	now := s.cfg.Now()
	n := 0
	for _, sess := range s.snapshot() {
		if s.end(sess, endExpired, func(x *session) bool { return x.dueLocked(now) }) {
			continue
		}
		sess.mu.Lock()
		if sess.ended == alive {
			n++
		}
		sess.mu.Unlock()
	}
	return n
}

func (s *Server) snapshot() []*session {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		out = append(out, sess)
	}
	return out
}

func (s *Server) isClosed() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.closed
}

// retryAdvice is the advice of every successful handshake and connect reply; one value, shared, never modified.
func (s *Server) retryAdvice() *advice { return s.retry }

// endedReply answers a message for a session that has ended. A connect arriving after the session's own
// disconnect is told not to reconnect; every other case is told to handshake again.
func endedReply(channel string, m *message, reason endReason) reply {
	if reason == endDisconnected && channel == channelConnect {
		return unknownClientReply(channel, m, reconnectNone)
	}
	return unknownClientReply(channel, m, reconnectHandshake)
}

func unknownClientReply(channel string, m *message, reconnect string) reply {
	return reply{Channel: channel, ID: m.replyID(), Error: errTextUnknownClient, Advice: &advice{Reconnect: reconnect}}
}

// newClientID returns 160 random bits, hex encoded.
func newClientID() string {
	var b [20]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails; it aborts the program if the system source does
	return hex.EncodeToString(b[:])
}

// shortID keeps logs readable without printing a whole session token.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
