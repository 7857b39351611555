package cometd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coachsim/coachsim/simulator/internal/apitest"
)

const (
	testPassword = "password"
	endpoint     = "/api/v2/notifications"
	cookieName   = "JSESSIONID"
)

// wireMsg is a decoded message of a server response.
type wireMsg struct {
	Channel                  string          `json:"channel"`
	ID                       json.RawMessage `json:"id,omitempty"`
	Successful               *bool           `json:"successful,omitempty"`
	ClientID                 string          `json:"clientId,omitempty"`
	Version                  string          `json:"version,omitempty"`
	SupportedConnectionTypes []string        `json:"supportedConnectionTypes,omitempty"`
	Error                    string          `json:"error,omitempty"`
	Advice                   map[string]any  `json:"advice,omitempty"`
	Subscription             json.RawMessage `json:"subscription,omitempty"`
	Data                     json.RawMessage `json:"data,omitempty"`
	Ext                      map[string]any  `json:"ext,omitempty"`
}

func (m wireMsg) ok() bool { return m.Successful != nil && *m.Successful }

// syncBuffer collects log output from concurrent goroutines.
type syncBuffer = apitest.Buffer

// fakeClock is an injectable clock that only moves when told to.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a Server behind an httptest.Server, with an authenticator that accepts Basic user:password and a
// JSESSIONID cookie handed out on the first Basic-authenticated request, as the simulator does.
type fixture struct {
	srv  *Server
	ts   *httptest.Server
	logs *syncBuffer

	mu     sync.Mutex
	tokens map[string]string // cookie value -> user
}

func newFixture(cfg Config) *fixture {
	f := &fixture{logs: &syncBuffer{}, tokens: make(map[string]string)}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	f.srv = New(cfg, f.authenticate)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); ok && p == testPassword {
			if _, err := r.Cookie(cookieName); err != nil {
				http.SetCookie(w, &http.Cookie{Name: cookieName, Value: f.issue(u), Path: "/", HttpOnly: true})
			}
		}
		f.srv.ServeHTTP(w, r)
	})
	mux := http.NewServeMux()
	mux.Handle(endpoint, h)
	mux.Handle(endpoint+"/", h)
	f.ts = httptest.NewServer(mux)
	return f
}

func (f *fixture) issue(user string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	tok := hex.EncodeToString(b[:])
	f.mu.Lock()
	f.tokens[tok] = user
	f.mu.Unlock()
	return tok
}

func (f *fixture) authenticate(r *http.Request) (string, bool) {
	if u, p, ok := r.BasicAuth(); ok {
		return u, p == testPassword
	}
	if c, err := r.Cookie(cookieName); err == nil {
		f.mu.Lock()
		defer f.mu.Unlock()
		u, ok := f.tokens[c.Value]
		return u, ok
	}
	return "", false
}

// close releases held polls first, then stops the HTTP server.
func (f *fixture) close() {
	f.srv.Close()
	f.ts.Close()
}

func (f *fixture) url(suffix string) string { return f.ts.URL + endpoint + suffix }

// client is a minimal Bayeux client over plain net/http with a cookie jar.
type client struct {
	f     *fixture
	hc    *http.Client
	user  string
	pass  string
	basic bool // send the Basic header (otherwise rely on the cookie)
	id    string
}

func (f *fixture) newClient(user string) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		panic(err)
	}
	return &client{f: f, hc: &http.Client{Jar: jar, Transport: &http.Transport{}}, user: user, pass: testPassword, basic: true}
}

func (c *client) closeIdle() { c.hc.CloseIdleConnections() }

// response is one HTTP exchange.
type response struct {
	status int
	body   string
	msgs   []wireMsg
}

func (c *client) postRaw(ctx context.Context, suffix, contentType, body string) (response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.f.url(suffix), strings.NewReader(body))
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Content-Type", contentType)
	if c.basic {
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	out := response{status: resp.StatusCode, body: string(raw)}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, &out.msgs); err != nil {
			return out, fmt.Errorf("response is not a JSON array of messages: %w: %s", err, raw)
		}
	}
	return out, nil
}

// post sends msgs as a JSON array to the endpoint plus suffix.
func (c *client) post(ctx context.Context, suffix string, msgs ...map[string]any) (response, error) {
	body, err := json.Marshal(msgs)
	if err != nil {
		return response{}, err
	}
	return c.postRaw(ctx, suffix, "application/json;charset=UTF-8", string(body))
}

// exchange posts with a 5s deadline and insists on HTTP 200.
func (c *client) exchange(msgs ...map[string]any) ([]wireMsg, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := c.post(ctx, "", msgs...)
	if err != nil {
		return nil, err
	}
	if r.status != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %s", r.status, r.body)
	}
	return r.msgs, nil
}

func (c *client) handshakeMsg(extra map[string]any) map[string]any {
	m := map[string]any{"channel": channelHandshake, "version": "1.0", "supportedConnectionTypes": []string{"long-polling"}}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// handshake performs a handshake and remembers the clientId.
func (c *client) handshake(extra map[string]any) (wireMsg, error) {
	msgs, err := c.exchange(c.handshakeMsg(extra))
	if err != nil {
		return wireMsg{}, err
	}
	if len(msgs) != 1 {
		return wireMsg{}, fmt.Errorf("handshake answered with %d messages: %+v", len(msgs), msgs)
	}
	if msgs[0].ok() {
		c.id = msgs[0].ClientID
	}
	return msgs[0], nil
}

func (c *client) connectMsg(extra map[string]any) map[string]any {
	m := map[string]any{"channel": channelConnect, "clientId": c.id, "connectionType": "long-polling"}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// connectNow sends a connect with advice.timeout 0 and returns the delivered events and the connect reply.
func (c *client) connectNow() ([]wireMsg, wireMsg, error) {
	msgs, err := c.exchange(c.connectMsg(map[string]any{"advice": map[string]any{"timeout": 0}}))
	if err != nil {
		return nil, wireMsg{}, err
	}
	return splitConnect(msgs)
}

// splitConnect separates a connect response into its events and its (last) connect reply.
func splitConnect(msgs []wireMsg) ([]wireMsg, wireMsg, error) {
	if len(msgs) == 0 || msgs[len(msgs)-1].Channel != channelConnect {
		return nil, wireMsg{}, fmt.Errorf("connect response does not end with the connect reply: %+v", msgs)
	}
	return msgs[:len(msgs)-1], msgs[len(msgs)-1], nil
}

func (c *client) subscribe(sub any) (wireMsg, error) {
	msgs, err := c.exchange(map[string]any{"channel": channelSubscribe, "clientId": c.id, "subscription": sub})
	if err != nil {
		return wireMsg{}, err
	}
	if len(msgs) != 1 {
		return wireMsg{}, fmt.Errorf("subscribe answered with %d messages: %+v", len(msgs), msgs)
	}
	return msgs[0], nil
}

// heldConnects counts sessions with a /meta/connect currently held.
func heldConnects(s *Server) int {
	n := 0
	for _, sess := range s.snapshot() {
		sess.mu.Lock()
		if sess.poll != nil {
			n++
		}
		sess.mu.Unlock()
	}
	return n
}

// subscribers counts the live sessions of user that would receive a message on channel.
func subscribers(s *Server, user, channel string) int {
	n := 0
	for _, sess := range s.snapshot() {
		sess.mu.Lock()
		if sess.user == user && sess.ended == alive && sess.subscribedLocked(channel) {
			n++
		}
		sess.mu.Unlock()
	}
	return n
}

// dataStrings renders the data of events for readable assertions.
func dataStrings(events []wireMsg) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Channel + " " + string(e.Data)
	}
	return out
}

func urlEscape(s string) string { return url.QueryEscape(s) }

// gwsError decodes a GWS error body (HTTP-level refusals of the endpoint).
func gwsError(resp *http.Response) map[string]any {
	var m map[string]any
	data, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(data, &m)
	return m
}
