package bayeux

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultTimeoutMargin = 10 * time.Second
	DefaultBackoffMin    = 100 * time.Millisecond
	DefaultBackoffMax    = 5 * time.Second
	// defaultServerTimeout is the hold time assumed until the server advises one (CometD's default).
	defaultServerTimeout = 30 * time.Second
	maxResponseBody      = 32 << 20
)

// Config says where and how a Client talks.
type Config struct {
	// URL is the Bayeux endpoint, e.g. "http://127.0.0.1:8080/api/v2/notifications".
	URL string
	// HTTPClient sends every request. The caller supplies authentication state here (a cookie jar, a
	// transport adding Basic auth). Nil means a fresh &http.Client{}.
	HTTPClient *http.Client
	// Header is added to every request (e.g. Authorization). It is copied by New.
	Header http.Header
	// Logger receives debug traces of every exchange and warnings for failures. Nil discards.
	Logger *slog.Logger
	// OnMeta, if set, receives state changes and failures for diagnostics (see MetaEvent).
	OnMeta func(MetaEvent)
	// TimeoutMargin is added to the server's advised timeout to bound a /meta/connect, and bounds every other
	// request on its own. Zero means DefaultTimeoutMargin.
	TimeoutMargin time.Duration
	// BackoffMin and BackoffMax bound the delay between retries after failures; the delay doubles from min to
	// max and resets after a successful /meta/connect. Zero means DefaultBackoffMin / DefaultBackoffMax.
	BackoffMin, BackoffMax time.Duration
	// PlainPaths posts every message to URL itself. By default handshake, connect and disconnect go to
	// URL+"/handshake", URL+"/connect" and URL+"/disconnect" as CometD clients do; (un)subscribe go to URL.
	PlainPaths bool
}

// MetaKind classifies a MetaEvent.
type MetaKind int

// The kinds of meta events.
const (
	// MetaStateChanged: the connection state changed (From, To, Event).
	MetaStateChanged MetaKind = iota + 1
	// MetaHandshakeFailed: a handshake was refused (ServerError holds the server's text) or did not get through.
	MetaHandshakeFailed
	// MetaSubscribeFailed: a subscription was refused or its request failed (Subscription names it).
	MetaSubscribeFailed
	// MetaConnectFailed: a /meta/connect was refused or failed.
	MetaConnectFailed
	// MetaGaveUp: the server advised the client to stop; the loop ended.
	MetaGaveUp
)

// String returns the kind's name.
func (k MetaKind) String() string {
	switch k {
	case MetaStateChanged:
		return "state-changed"
	case MetaHandshakeFailed:
		return "handshake-failed"
	case MetaSubscribeFailed:
		return "subscribe-failed"
	case MetaConnectFailed:
		return "connect-failed"
	case MetaGaveUp:
		return "gave-up"
	}
	return "MetaKind(" + strconv.Itoa(int(k)) + ")"
}

// MetaEvent is a diagnostic event of the client: a state change or a failure.
type MetaEvent struct {
	Kind         MetaKind
	Time         time.Time
	From, To     State  // for MetaStateChanged
	Event        Event  // for MetaStateChanged
	Channel      string // the meta channel concerned, for failures
	Subscription string // for MetaSubscribeFailed
	ServerError  string // the server's error string when the server refused
	Err          error  // the failure, if any
}

// String renders the event on one line.
func (e MetaEvent) String() string {
	if e.Kind == MetaStateChanged {
		return fmt.Sprintf("%s %s -> %s (%s)", e.Kind, e.From, e.To, e.Event)
	}
	s := e.Kind.String() + " " + e.Channel
	if e.Subscription != "" {
		s += " " + e.Subscription
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Client is a Bayeux long-polling client. Create it with New; it is safe for concurrent use.
type Client struct {
	cfg       Config
	onMessage func(Message)
	log       *slog.Logger
	ids       atomic.Uint64

	// opMu serialises the exchanges that create or change the session: handshakes with their
	// re-subscriptions, Subscribe, Unsubscribe and the final disconnect. /meta/connect does not take it.
	opMu sync.Mutex
	// deliverMu makes onMessage calls sequential; metaMu does the same for OnMeta.
	deliverMu sync.Mutex
	metaMu    sync.Mutex

	mu           sync.Mutex // guards the fields below
	state        State
	clientID     string
	advice       Advice
	subs         []string // channels the client wants, re-subscribed after every re-handshake
	closed       bool
	abortConnect context.CancelFunc // cancels an in-flight Connect
	stopLoop     context.CancelFunc
	loopDone     chan struct{}
}

// New returns an Unconnected client. onMessage receives every non-meta message the server delivers, in the
// order received; nil discards them. Nothing is sent before Connect.
func New(cfg Config, onMessage func(Message)) *Client {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.TimeoutMargin <= 0 {
		cfg.TimeoutMargin = DefaultTimeoutMargin
	}
	if cfg.BackoffMin <= 0 {
		cfg.BackoffMin = DefaultBackoffMin
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = DefaultBackoffMax
	}
	if cfg.BackoffMax < cfg.BackoffMin {
		cfg.BackoffMax = cfg.BackoffMin
	}
	cfg.Header = cfg.Header.Clone()
	return &Client{
		cfg:       cfg,
		onMessage: onMessage,
		log:       cfg.Logger.With("component", "bayeux", "url", cfg.URL),
		advice:    Advice{Reconnect: ReconnectRetry, Timeout: defaultServerTimeout},
	}
}

// State returns the current connection state.
func (c *Client) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// ClientID returns the clientId of the current session; empty while there is none (before the first
// handshake, and from the moment the client starts a new handshake until the server grants one).
func (c *Client) ClientID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.clientID
}

// Advice returns the server's standing advice (defaults until the server gives some).
func (c *Client) Advice() Advice {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.advice
}

// Subscriptions returns the channels the client keeps subscribed, in the order first subscribed.
func (c *Client) Subscriptions() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.subs)
}

// Connect handshakes, subscribes to channels and starts the long-poll loop; it returns once every
// subscription is confirmed, or with the first failure. ctx bounds only this set-up: the loop runs until
// Close or until the server advises reconnect "none".
//
// A refused handshake returns a *ServerError carrying the server's error text, and leaves the client
// Unconnected so that Connect may be called again. A failure after the handshake (a refused subscription,
// a transport error) releases the session with /meta/disconnect and leaves the client Disconnected.
func (c *Client) Connect(ctx context.Context, channels ...string) error {
	if err := c.checkURL(); err != nil {
		return err
	}
	c.opMu.Lock()
	defer c.opMu.Unlock()

	c.mu.Lock()
	switch {
	case c.closed:
		c.mu.Unlock()
		return ErrClosed
	case c.loopDone != nil:
		c.mu.Unlock()
		return ErrAlreadyConnected
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.abortConnect = cancel
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.abortConnect = nil
		c.mu.Unlock()
	}()

	if err := c.fire(EventHandshake); err != nil {
		return err
	}
	if err := c.handshake(ctx); err != nil {
		_ = c.fire(EventHandshakeFailed)
		c.emitFailure(MetaHandshakeFailed, ChannelHandshake, "", err)
		if c.isClosed() {
			return errors.Join(ErrClosed, err)
		}
		return err
	}
	accepted, refused, err := c.metaSubscription(ctx, ChannelSubscribe, channels)
	c.addSubs(accepted)
	c.reportRefusals(refused)
	if err != nil {
		c.emitFailure(MetaSubscribeFailed, ChannelSubscribe, "", err)
	}
	err = joinRefusals(err, refused)
	if err == nil && c.isClosed() {
		err = ErrClosed
	}
	if err != nil {
		c.abandon(ctx)
		return err
	}
	_ = c.fire(EventHandshakeOK)

	loopCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	c.mu.Lock()
	c.stopLoop, c.loopDone = stop, done
	c.mu.Unlock()
	go c.run(loopCtx, done)
	return nil
}

// Subscribe adds subscriptions on a connected client and waits for the server's replies. Accepted channels
// are kept and re-subscribed after any re-handshake; refused ones are reported as *ServerError (joined).
func (c *Client) Subscribe(ctx context.Context, channels ...string) error {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	if err := c.requireSession(); err != nil {
		return err
	}
	accepted, refused, err := c.metaSubscription(ctx, ChannelSubscribe, channels)
	c.addSubs(accepted)
	c.reportRefusals(refused)
	return joinRefusals(err, refused)
}

// Unsubscribe removes subscriptions on a connected client and waits for the server's replies. The channels
// are forgotten (not re-subscribed later) even if the server's reply is a failure.
func (c *Client) Unsubscribe(ctx context.Context, channels ...string) error {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	if err := c.requireSession(); err != nil {
		return err
	}
	c.removeSubs(channels)
	_, refused, err := c.metaSubscription(ctx, ChannelUnsubscribe, channels)
	return joinRefusals(err, refused)
}

// Close stops the loop (aborting a held /meta/connect), waits for it, sends /meta/disconnect if a session
// exists, and leaves the client Disconnected. It also aborts a Connect in progress. ctx bounds the wait and
// the disconnect request. Close may be called more than once; later calls only wait for the loop.
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	c.closed = true
	abort, stop, done := c.abortConnect, c.stopLoop, c.loopDone
	c.mu.Unlock()
	if abort != nil {
		abort()
	}
	if stop != nil {
		stop()
	}
	if done != nil {
		select {
		case <-done:
		case <-ctx.Done():
			return fmt.Errorf("bayeux: close: the connect loop did not stop: %w", ctx.Err())
		}
	}

	c.opMu.Lock()
	defer c.opMu.Unlock()
	c.mu.Lock()
	id := c.clientID
	c.clientID = ""
	c.mu.Unlock()
	var err error
	if id != "" {
		err = c.disconnect(ctx, id)
	}
	if c.State() != Disconnected {
		_ = c.fire(EventClose)
	}
	return err
}

// run is the long-poll loop. It owns the /meta/connect cycle and re-handshakes when the server asks.
func (c *Client) run(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	b := backoff{min: c.cfg.BackoffMin, max: c.cfg.BackoffMax}
	next := step{act: actConnect}
	for {
		if !pause(ctx, next.delay) {
			return
		}
		switch next.act {
		case actConnect:
			next = c.connectOnce(ctx, &b)
		case actHandshake:
			next = c.rehandshake(ctx, &b)
		default:
			return
		}
	}
}

type action int

const (
	actStop action = iota
	actConnect
	actHandshake
)

type step struct {
	act   action
	delay time.Duration
}

// connectOnce sends one /meta/connect and decides what comes next from the outcome and the advice.
func (c *Client) connectOnce(ctx context.Context, b *backoff) step {
	c.mu.Lock()
	id, adv := c.clientID, c.advice
	c.mu.Unlock()
	req := request{Channel: ChannelConnect, ID: c.newID(), ClientID: id, ConnectionType: connectionType}
	replies, err := c.exchange(ctx, "connect", []request{req}, max(adv.Timeout, 0)+c.cfg.TimeoutMargin)
	if ctx.Err() != nil {
		return step{act: actStop}
	}
	var r *reply
	if err == nil {
		r, err = findReply(replies, make([]bool, len(replies)), req)
	}
	if err != nil {
		_ = c.fire(EventConnectFailed)
		c.emitFailure(MetaConnectFailed, ChannelConnect, "", err)
		return step{act: actConnect, delay: b.next()}
	}
	adv = c.takeAdvice(r.Advice)
	if r.ok() {
		_ = c.fire(EventConnectOK)
		b.reset()
		return c.follow(adv)
	}
	serr := newServerError(ChannelConnect, "", r.errorText())
	c.emitFailure(MetaConnectFailed, ChannelConnect, "", serr)
	switch {
	case adv.Reconnect == ReconnectNone || adv.Interval < 0:
		return c.giveUp(serr)
	case serr.Code == 402 || adv.Reconnect == ReconnectHandshake:
		return step{act: actHandshake, delay: max(adv.Interval, b.next())}
	}
	_ = c.fire(EventConnectFailed)
	return step{act: actConnect, delay: max(adv.Interval, b.next())}
}

// rehandshake replaces a lost session and re-subscribes every kept channel before polling resumes. The
// client stays Handshaking until the subscriptions are back, so Connected always means "subscribed".
func (c *Client) rehandshake(ctx context.Context, b *backoff) step {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	if ctx.Err() != nil {
		return step{act: actStop}
	}
	c.mu.Lock()
	c.clientID = ""
	c.mu.Unlock()
	_ = c.fire(EventHandshake)
	if err := c.handshake(ctx); err != nil {
		if ctx.Err() != nil {
			return step{act: actStop}
		}
		_ = c.fire(EventHandshakeFailed)
		c.emitFailure(MetaHandshakeFailed, ChannelHandshake, "", err)
		adv := c.Advice()
		if adv.Reconnect == ReconnectNone {
			return c.giveUp(err)
		}
		return step{act: actHandshake, delay: max(adv.Interval, b.next())}
	}
	_, refused, err := c.metaSubscription(ctx, ChannelSubscribe, c.Subscriptions())
	if ctx.Err() != nil {
		return step{act: actStop}
	}
	c.reportRefusals(refused)
	sessionLost := slices.ContainsFunc(refused, func(e *ServerError) bool { return e.Code == 402 })
	if err != nil || sessionLost {
		if err != nil {
			c.emitFailure(MetaSubscribeFailed, ChannelSubscribe, "", err)
		}
		_ = c.fire(EventHandshakeFailed)
		return step{act: actHandshake, delay: b.next()}
	}
	_ = c.fire(EventHandshakeOK)
	return c.follow(c.Advice())
}

// follow turns standing advice after a successful exchange into the next step.
func (c *Client) follow(adv Advice) step {
	switch {
	case adv.Reconnect == ReconnectNone || adv.Interval < 0:
		return c.giveUp(nil)
	case adv.Reconnect == ReconnectHandshake:
		return step{act: actHandshake, delay: adv.Interval}
	}
	return step{act: actConnect, delay: adv.Interval}
}

// giveUp ends the loop on the server's advice.
func (c *Client) giveUp(cause error) step {
	c.mu.Lock()
	c.clientID = ""
	adv := c.advice
	c.mu.Unlock()
	_ = c.fire(EventGiveUp)
	ev := MetaEvent{Kind: MetaGaveUp, Channel: ChannelConnect, Err: cause}
	if cause == nil {
		ev.Err = fmt.Errorf("server advised reconnect %q, interval %v", adv.Reconnect, adv.Interval)
	}
	var serr *ServerError
	if errors.As(cause, &serr) {
		ev.ServerError = serr.Text
	}
	c.emit(ev)
	return step{act: actStop}
}

// handshake sends /meta/handshake and, on success, installs the new clientId and advice.
func (c *Client) handshake(ctx context.Context) error {
	req := request{
		Channel:                  ChannelHandshake,
		ID:                       c.newID(),
		Version:                  bayeuxVersion,
		MinimumVersion:           bayeuxVersion,
		SupportedConnectionTypes: []string{connectionType},
	}
	replies, err := c.exchange(ctx, "handshake", []request{req}, c.cfg.TimeoutMargin)
	if err != nil {
		return err
	}
	r, err := findReply(replies, make([]bool, len(replies)), req)
	if err != nil {
		return err
	}
	if !r.ok() {
		c.takeAdvice(r.Advice)
		return newServerError(ChannelHandshake, "", r.errorText())
	}
	if r.ClientID == "" {
		return &ProtocolError{Channel: ChannelHandshake, Reason: "successful handshake without clientId", Body: snippet(r.raw)}
	}
	if len(r.SupportedConnectionTypes) > 0 && !slices.Contains(r.SupportedConnectionTypes, connectionType) {
		c.log.Warn("server does not list long-polling among its connection types; trying anyway",
			"supportedConnectionTypes", r.SupportedConnectionTypes)
	}
	c.mu.Lock()
	c.clientID = r.ClientID
	fresh := c.advice
	fresh.Reconnect = ReconnectRetry
	c.advice = fresh.merge(r.Advice)
	c.mu.Unlock()
	return nil
}

// metaSubscription sends one (un)subscribe message per channel in a single request. It returns the channels
// the server accepted, the refusals, and err when the exchange as a whole failed.
func (c *Client) metaSubscription(ctx context.Context, channel string, channels []string) (accepted []string, refused []*ServerError, err error) {
	channels = dedup(channels)
	if len(channels) == 0 {
		return nil, nil, nil
	}
	c.mu.Lock()
	id := c.clientID
	c.mu.Unlock()
	if id == "" {
		return nil, nil, ErrNotConnected
	}
	reqs := make([]request, len(channels))
	for i, ch := range channels {
		reqs[i] = request{Channel: channel, ID: c.newID(), ClientID: id, Subscription: ch}
	}
	replies, err := c.exchange(ctx, "", reqs, c.cfg.TimeoutMargin)
	if err != nil {
		return nil, nil, err
	}
	used := make([]bool, len(replies))
	var missing []error
	for _, req := range reqs {
		r, err := findReply(replies, used, req)
		if err != nil {
			missing = append(missing, err)
			continue
		}
		c.takeAdvice(r.Advice)
		if !r.ok() {
			refused = append(refused, newServerError(channel, req.Subscription, r.errorText()))
			continue
		}
		accepted = append(accepted, req.Subscription)
	}
	return accepted, refused, errors.Join(missing...)
}

// disconnect sends /meta/disconnect for session id. A server that already forgot the session is not an error.
func (c *Client) disconnect(ctx context.Context, id string) error {
	req := request{Channel: ChannelDisconnect, ID: c.newID(), ClientID: id}
	replies, err := c.exchange(ctx, "disconnect", []request{req}, c.cfg.TimeoutMargin)
	if err != nil {
		return err
	}
	r, err := findReply(replies, make([]bool, len(replies)), req)
	if err != nil {
		return err
	}
	if !r.ok() {
		if serr := newServerError(ChannelDisconnect, "", r.errorText()); serr.Code != 402 {
			return serr
		}
	}
	return nil
}

// abandon releases the session of a Connect that failed after its handshake and closes the client for good.
func (c *Client) abandon(ctx context.Context) {
	c.mu.Lock()
	id := c.clientID
	c.clientID = ""
	c.closed = true
	c.mu.Unlock()
	if id != "" {
		if err := c.disconnect(context.WithoutCancel(ctx), id); err != nil {
			c.log.Warn("disconnect after failed connect", "err", err)
		}
	}
	_ = c.fire(EventClose)
}

// exchange posts reqs in one HTTP request and returns the parsed response. Non-meta messages found in the
// response are delivered to onMessage before it returns.
func (c *Client) exchange(ctx context.Context, suffix string, reqs []request, timeout time.Duration) ([]reply, error) {
	channel := reqs[0].Channel
	body, err := json.Marshal(reqs)
	if err != nil {
		return nil, &ProtocolError{Channel: channel, Reason: "cannot encode request: " + err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint(suffix), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	for k, vs := range c.cfg.Header {
		for _, v := range vs {
			hreq.Header.Add(k, v)
		}
	}
	hreq.Header.Set("Content-Type", "application/json;charset=UTF-8")
	hreq.Header.Set("Accept", "application/json")
	c.log.Debug("bayeux request", "channel", channel, "body", string(body))

	resp, err := c.cfg.HTTPClient.Do(hreq)
	if err != nil {
		return nil, &TransportError{Channel: channel, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return nil, &TransportError{Channel: channel, Err: err}
	}
	received := time.Now()
	c.log.Debug("bayeux response", "channel", channel, "status", resp.StatusCode, "body", snippet(data))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &HTTPError{Channel: channel, Status: resp.StatusCode, Body: snippet(data)}
	}
	replies, err := parseResponse(channel, data)
	if err != nil {
		return nil, err
	}
	c.deliver(replies, received)
	return replies, nil
}

// deliver hands every non-meta message to onMessage, one call at a time.
func (c *Client) deliver(replies []reply, received time.Time) {
	c.deliverMu.Lock()
	defer c.deliverMu.Unlock()
	for i := range replies {
		r := &replies[i]
		if r.isMeta() || c.onMessage == nil {
			continue
		}
		c.onMessage(Message{Channel: r.Channel, Data: r.Data, Raw: r.raw, Received: received})
	}
}

// fire applies ev through Transition and reports a change of state.
func (c *Client) fire(ev Event) error {
	c.mu.Lock()
	from := c.state
	to, err := Transition(from, ev)
	if err == nil {
		c.state = to
	}
	c.mu.Unlock()
	if err != nil {
		c.log.Error("state machine refused an event", "err", err)
		return err
	}
	if to != from {
		c.emit(MetaEvent{Kind: MetaStateChanged, From: from, To: to, Event: ev})
	}
	return nil
}

// emitFailure reports err as a meta event of kind k.
func (c *Client) emitFailure(k MetaKind, channel, subscription string, err error) {
	ev := MetaEvent{Kind: k, Channel: channel, Subscription: subscription, Err: err}
	var serr *ServerError
	if errors.As(err, &serr) {
		ev.ServerError = serr.Text
	}
	c.emit(ev)
}

func (c *Client) reportRefusals(refused []*ServerError) {
	for _, e := range refused {
		c.emitFailure(MetaSubscribeFailed, e.Channel, e.Subscription, e)
	}
}

func (c *Client) emit(ev MetaEvent) {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	if ev.Kind == MetaStateChanged {
		c.log.Debug("bayeux state", "from", ev.From, "to", ev.To, "event", ev.Event)
	} else {
		c.log.Warn("bayeux "+ev.Kind.String(), "channel", ev.Channel, "subscription", ev.Subscription, "err", ev.Err)
	}
	if c.cfg.OnMeta == nil {
		return
	}
	c.metaMu.Lock()
	defer c.metaMu.Unlock()
	c.cfg.OnMeta(ev)
}

// takeAdvice merges w into the standing advice and returns the result.
func (c *Client) takeAdvice(w *wireAdvice) Advice {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.advice = c.advice.merge(w)
	return c.advice
}

func (c *Client) requireSession() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return ErrClosed
	case c.clientID == "" || (c.state != Connected && c.state != Reconnecting):
		return fmt.Errorf("%w (state %s)", ErrNotConnected, c.state)
	}
	return nil
}

func (c *Client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func (c *Client) addSubs(channels []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range channels {
		if !slices.Contains(c.subs, ch) {
			c.subs = append(c.subs, ch)
		}
	}
}

func (c *Client) removeSubs(channels []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.subs = slices.DeleteFunc(c.subs, func(s string) bool { return slices.Contains(channels, s) })
}

func (c *Client) newID() string { return strconv.FormatUint(c.ids.Add(1), 10) }

func (c *Client) checkURL() error {
	u, err := url.Parse(c.cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: URL %q is not an absolute http(s) URL", ErrConfig, c.cfg.URL)
	}
	return nil
}

func (c *Client) endpoint(suffix string) string {
	base := c.cfg.URL
	for len(base) > 0 && base[len(base)-1] == '/' {
		base = base[:len(base)-1]
	}
	if suffix == "" || c.cfg.PlainPaths {
		return base
	}
	return base + "/" + suffix
}

// joinRefusals folds subscription refusals into one error.
func joinRefusals(err error, refused []*ServerError) error {
	errs := []error{err}
	for _, r := range refused {
		errs = append(errs, r)
	}
	return errors.Join(errs...)
}

func dedup(channels []string) []string {
	out := make([]string, 0, len(channels))
	for _, ch := range channels {
		if ch != "" && !slices.Contains(out, ch) {
			out = append(out, ch)
		}
	}
	return out
}

// backoff doubles a retry delay from min to max.
type backoff struct {
	min, max, cur time.Duration
}

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur = min(2*b.cur, b.max)
	}
	return b.cur
}

func (b *backoff) reset() { b.cur = 0 }

// pause waits d (none if d <= 0) unless ctx ends first; it reports whether the loop should go on.
func pause(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
