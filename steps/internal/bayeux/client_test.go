package bayeux_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"

	"github.com/coachsim/coachsim/steps/internal/bayeux"
)

// recorder keeps what a client hands over, for specs to wait on.
type recorder struct {
	mu   sync.Mutex
	msgs []bayeux.Message
	meta []bayeux.MetaEvent
}

func (r *recorder) onMessage(m bayeux.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
}

func (r *recorder) onMeta(e bayeux.MetaEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.meta = append(r.meta, e)
}

func (r *recorder) Messages() []bayeux.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.msgs)
}

func (r *recorder) Meta(kind bayeux.MetaKind) []bayeux.MetaEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []bayeux.MetaEvent
	for _, e := range r.meta {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// States is the sequence of states entered, starting from Unconnected.
func (r *recorder) States() []bayeux.State {
	out := []bayeux.State{bayeux.Unconnected}
	for _, e := range r.Meta(bayeux.MetaStateChanged) {
		out = append(out, e.To)
	}
	return out
}

func dataOf(msgs []bayeux.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Channel + " " + string(m.Data)
	}
	return out
}

var _ = Describe("Client against an in-test Bayeux server", func() {
	var (
		baseline  []gleak.Goroutine
		srv       *fakeServer
		transport *http.Transport
		rec       *recorder
		client    *bayeux.Client
		ctx       context.Context
	)

	newClient := func(mods ...func(*bayeux.Config)) *bayeux.Client {
		cfg := bayeux.Config{
			URL:           srv.URL(),
			HTTPClient:    &http.Client{Transport: transport},
			Header:        http.Header{"X-Test-Auth": {"secret"}},
			OnMeta:        rec.onMeta,
			TimeoutMargin: time.Second,
			BackoffMin:    5 * time.Millisecond,
			BackoffMax:    40 * time.Millisecond,
		}
		for _, m := range mods {
			m(&cfg)
		}
		client = bayeux.New(cfg, rec.onMessage)
		return client
	}

	BeforeEach(func() {
		baseline = gleak.Goroutines()
		srv = newFakeServer()
		transport = &http.Transport{}
		rec = &recorder{}
		client = nil
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
		DeferCleanup(cancel)
	})

	AfterEach(func() {
		if client != nil {
			closeCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = client.Close(closeCtx)
			cancel()
		}
		srv.Close()
		transport.CloseIdleConnections()
		Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(baseline))
	})

	It("handshakes, subscribes, and delivers every message raw and in order", func() {
		c := newClient()
		Expect(c.State()).To(Equal(bayeux.Unconnected))
		Expect(c.Connect(ctx, "/v2/me/devices", "/v2/me/calls", "/v2/me/calls")).To(Succeed())
		Expect(c.State()).To(Equal(bayeux.Connected))
		Expect(c.Subscriptions()).To(Equal([]string{"/v2/me/devices", "/v2/me/calls"}))
		Expect(srv.Subscribed()).To(Equal([]string{"/v2/me/calls", "/v2/me/devices"}))

		seen := srv.Seen()
		Expect(seen[0].Channel).To(Equal("/meta/handshake"))
		Expect(seen[0].Path).To(Equal("/notifications/handshake"))
		Expect(seen[0].Msg).To(HaveKeyWithValue("version", "1.0"))
		Expect(seen[0].Msg).To(HaveKeyWithValue("supportedConnectionTypes", ConsistOf("long-polling")))
		Expect(seen[1].Channel).To(Equal("/meta/subscribe"))
		Expect(seen[1].Path).To(Equal("/notifications"))
		Expect(seen[1].Msg).To(HaveKeyWithValue("clientId", "client001"))

		Eventually(func() int { return srv.Count("/meta/connect", "") }).Should(BeNumerically(">=", 1))
		srv.Publish("/v2/me/calls", map[string]any{"n": 1})
		srv.Publish("/v2/me/devices", map[string]any{"n": 2})
		Eventually(rec.Messages).Should(HaveLen(2))
		srv.Publish("/v2/me/calls", map[string]any{"n": 3})
		Eventually(rec.Messages).Should(HaveLen(3))

		msgs := rec.Messages()
		Expect(dataOf(msgs)).To(Equal([]string{`/v2/me/calls {"n":1}`, `/v2/me/devices {"n":2}`, `/v2/me/calls {"n":3}`}))
		Expect(string(msgs[0].Raw)).To(MatchJSON(`{"channel":"/v2/me/calls","data":{"n":1}}`))
		Expect(msgs[0].Received).NotTo(BeZero())
		Expect(msgs[2].Received).To(BeTemporally(">=", msgs[0].Received))

		for _, m := range srv.Seen() {
			Expect(m.Auth).To(Equal("secret"), "header on %s", m.Channel)
			if m.Channel == "/meta/connect" {
				Expect(m.Path).To(Equal("/notifications/connect"))
				Expect(m.Msg).To(HaveKeyWithValue("connectionType", "long-polling"))
			}
		}
		Expect(rec.States()).To(Equal([]bayeux.State{bayeux.Unconnected, bayeux.Handshaking, bayeux.Connected}))
		Expect(c.Advice()).To(Equal(bayeux.Advice{Reconnect: "retry", Timeout: 200 * time.Millisecond}))
	})

	It("posts everything to the URL itself with PlainPaths", func() {
		c := newClient(func(cfg *bayeux.Config) { cfg.PlainPaths = true })
		Expect(c.Connect(ctx, "/v2/me/calls")).To(Succeed())
		Eventually(func() int { return srv.Count("/meta/connect", "") }).Should(BeNumerically(">=", 1))
		Expect(c.Close(ctx)).To(Succeed())
		for _, m := range srv.Seen() {
			Expect(m.Path).To(Equal("/notifications"), m.Channel)
		}
	})

	It("hands over events that ride on a subscribe reply before Connect returns", func() {
		srv.set(func(s *fakeServer) { s.greet = true })
		c := newClient()
		Expect(c.Connect(ctx, "/v2/me/calls")).To(Succeed())
		Expect(dataOf(rec.Messages())).To(Equal([]string{`/v2/me/calls {"hello":"v2/me/calls"}`}))
	})

	It("surfaces a refused handshake with the server's error text and stays reusable", func() {
		srv.set(func(s *fakeServer) { s.requiredAuth = "other" })
		c := newClient()
		err := c.Connect(ctx, "/v2/me/calls")
		Expect(err).To(MatchError(ContainSubstring("401::Authentication required")))
		Expect(errors.Is(err, bayeux.ErrRefused)).To(BeTrue())
		Expect(errors.Is(err, bayeux.ErrSessionUnknown)).To(BeFalse())
		var serr *bayeux.ServerError
		Expect(errors.As(err, &serr)).To(BeTrue())
		Expect(serr.Code).To(Equal(401))
		Expect(serr.Channel).To(Equal(bayeux.ChannelHandshake))
		Expect(c.State()).To(Equal(bayeux.Unconnected))
		Expect(rec.Meta(bayeux.MetaHandshakeFailed)).To(ConsistOf(
			HaveField("ServerError", "401::Authentication required")))

		srv.set(func(s *fakeServer) { s.requiredAuth = "secret" })
		Expect(c.Connect(ctx, "/v2/me/calls")).To(Succeed())
		Expect(c.State()).To(Equal(bayeux.Connected))
	})

	It("reports an HTTP error status with the body the server sent", func() {
		srv.set(func(s *fakeServer) { s.handshakeHTTP = http.StatusUnauthorized })
		err := newClient().Connect(ctx, "/v2/me/calls")
		Expect(errors.Is(err, bayeux.ErrHTTPStatus)).To(BeTrue())
		var herr *bayeux.HTTPError
		Expect(errors.As(err, &herr)).To(BeTrue())
		Expect(herr.Status).To(Equal(401))
		Expect(err).To(MatchError(ContainSubstring("Access denied")))
	})

	It("reports a transport failure and a bad URL", func() {
		c := newClient(func(cfg *bayeux.Config) { cfg.URL = "http://127.0.0.1:1/notifications" })
		err := c.Connect(ctx)
		Expect(errors.Is(err, bayeux.ErrTransport)).To(BeTrue(), "%v", err)
		Expect(err).To(MatchError(ContainSubstring("/meta/handshake")))

		err = newClient(func(cfg *bayeux.Config) { cfg.URL = "notifications" }).Connect(ctx)
		Expect(errors.Is(err, bayeux.ErrConfig)).To(BeTrue())
	})

	It("fails Connect on a refused subscription and releases the session", func() {
		srv.set(func(s *fakeServer) { s.denied["/v2/forbidden"] = true })
		c := newClient()
		err := c.Connect(ctx, "/v2/me/calls", "/v2/forbidden")
		Expect(err).To(MatchError(ContainSubstring("Subscription denied")))
		var serr *bayeux.ServerError
		Expect(errors.As(err, &serr)).To(BeTrue())
		Expect(serr.Subscription).To(Equal("/v2/forbidden"))
		Expect(serr.Code).To(Equal(403))
		Expect(c.State()).To(Equal(bayeux.Disconnected))
		Expect(srv.Count("/meta/disconnect", "")).To(Equal(1))
		Expect(srv.Sessions()).To(Equal(0))
		Expect(rec.Meta(bayeux.MetaSubscribeFailed)).To(ConsistOf(HaveField("Subscription", "/v2/forbidden")))
		Expect(c.Connect(ctx, "/v2/me/calls")).To(MatchError(bayeux.ErrClosed))
	})

	It("re-handshakes and re-subscribes every channel after a 402, then keeps delivering", func() {
		var mu sync.Mutex
		var subsWhenConnected [][]string
		c := newClient(func(cfg *bayeux.Config) {
			cfg.OnMeta = func(e bayeux.MetaEvent) {
				rec.onMeta(e)
				if e.Kind == bayeux.MetaStateChanged && e.To == bayeux.Connected && e.From == bayeux.Handshaking {
					mu.Lock()
					subsWhenConnected = append(subsWhenConnected, srv.Subscribed())
					mu.Unlock()
				}
			}
		})
		Expect(c.Connect(ctx, "/v2/me/devices")).To(Succeed())
		Expect(c.Subscribe(ctx, "/v2/me/calls")).To(Succeed())
		Eventually(func() int { return srv.Count("/meta/connect", "") }).Should(BeNumerically(">=", 1))

		srv.Forget()
		Eventually(func() int { return srv.Count("/meta/handshake", "") }).Should(Equal(2))
		Eventually(func() int { return srv.Count("/meta/subscribe", "/v2/me/calls") }).Should(Equal(2))
		Eventually(func() int { return srv.Count("/meta/subscribe", "/v2/me/devices") }).Should(Equal(2))
		Eventually(srv.Subscribed).Should(Equal([]string{"/v2/me/calls", "/v2/me/devices"}))
		Eventually(c.State).Should(Equal(bayeux.Connected))
		mu.Lock()
		Expect(subsWhenConnected).To(HaveLen(2))
		Expect(subsWhenConnected[1]).To(Equal([]string{"/v2/me/calls", "/v2/me/devices"}),
			"Connected is entered only once every subscription is back in place")
		mu.Unlock()

		Expect(rec.States()).To(ContainElements(bayeux.Handshaking, bayeux.Connected, bayeux.Handshaking, bayeux.Connected))
		Expect(rec.Meta(bayeux.MetaConnectFailed)).To(ContainElement(And(
			HaveField("ServerError", "402::Unknown client"),
			HaveField("Err", MatchError(bayeux.ErrSessionUnknown)))))

		Eventually(func() int { return srv.Count("/meta/connect", "") }).Should(BeNumerically(">=", 2))
		srv.Publish("/v2/me/calls", "after")
		Eventually(func() []string { return dataOf(rec.Messages()) }).Should(Equal([]string{`/v2/me/calls "after"`}))
	})

	It("waits the advised interval between connects", func() {
		srv.set(func(s *fakeServer) { s.hold = 10 * time.Millisecond; s.interval = 80 * time.Millisecond })
		c := newClient()
		Expect(c.Connect(ctx, "/v2/me/calls")).To(Succeed())
		Eventually(func() int { return srv.Count("/meta/connect", "") }, "3s").Should(BeNumerically(">=", 3))
		Expect(c.Advice().Interval).To(Equal(80 * time.Millisecond))
		timings := srv.ConnectTimings()
		for i := 1; i < len(timings); i++ {
			Expect(timings[i].arrived.Sub(timings[i-1].replied)).To(BeNumerically(">=", 80*time.Millisecond),
				"gap before connect %d", i+1)
		}
	})

	It("stops for good when the server advises reconnect none", func() {
		srv.set(func(s *fakeServer) { s.nextAdvice = map[string]any{"reconnect": "none"} })
		c := newClient()
		Expect(c.Connect(ctx, "/v2/me/calls")).To(Succeed())
		Eventually(c.State).Should(Equal(bayeux.Disconnected))
		Expect(rec.Meta(bayeux.MetaGaveUp)).To(HaveLen(1))
		connects := srv.Count("/meta/connect", "")
		Consistently(func() int { return srv.Count("/meta/connect", "") }, "100ms").Should(Equal(connects))
		Expect(c.Subscribe(ctx, "/v2/me/devices")).To(MatchError(bayeux.ErrNotConnected))
		Expect(c.Close(ctx)).To(Succeed())
		Expect(srv.Count("/meta/disconnect", "")).To(Equal(0), "no session is left to disconnect")
	})

	It("aborts a connect held past the advised timeout plus margin, then reconnects", func() {
		srv.set(func(s *fakeServer) { s.hold = 50 * time.Millisecond; s.stallConnects = 1 })
		c := newClient(func(cfg *bayeux.Config) { cfg.TimeoutMargin = 150 * time.Millisecond })
		Expect(c.Connect(ctx, "/v2/me/calls")).To(Succeed())
		Eventually(func() []bayeux.MetaEvent { return rec.Meta(bayeux.MetaConnectFailed) }).Should(ContainElement(
			HaveField("Err", MatchError(context.DeadlineExceeded))))
		Eventually(rec.States).Should(ContainElements(bayeux.Reconnecting, bayeux.Connected))
		Eventually(c.State).Should(Equal(bayeux.Connected))
		srv.Publish("/v2/me/calls", 1)
		Eventually(rec.Messages).Should(HaveLen(1))
	})

	It("retries with back-off after HTTP errors and refused connects", func() {
		srv.set(func(s *fakeServer) { s.failConnects = 2; s.refuseConnects = 1 })
		c := newClient()
		Expect(c.Connect(ctx, "/v2/me/calls")).To(Succeed())
		Eventually(func() []bayeux.MetaEvent { return rec.Meta(bayeux.MetaConnectFailed) }).Should(HaveLen(3))
		failures := rec.Meta(bayeux.MetaConnectFailed)
		Expect(failures[0].Err).To(MatchError(bayeux.ErrHTTPStatus))
		Expect(failures[1].Err).To(MatchError(ContainSubstring("HTTP 500")))
		Expect(failures[2].ServerError).To(Equal("499::busy"))
		Expect(failures[2].Err).To(MatchError(bayeux.ErrRefused))
		Eventually(c.State).Should(Equal(bayeux.Connected))
		Expect(rec.States()).To(Equal([]bayeux.State{bayeux.Unconnected, bayeux.Handshaking, bayeux.Connected,
			bayeux.Reconnecting, bayeux.Connected}))
		Expect(srv.Count("/meta/handshake", "")).To(Equal(1), "a retry keeps the session")
		srv.Publish("/v2/me/calls", 2)
		Eventually(rec.Messages).Should(HaveLen(1))
	})

	It("subscribes and unsubscribes on a running client", func() {
		c := newClient()
		Expect(c.Subscribe(ctx, "/v2/me/calls")).To(MatchError(bayeux.ErrNotConnected))
		Expect(c.Connect(ctx, "/v2/me/calls")).To(Succeed())
		Expect(c.Connect(ctx, "/v2/me/calls")).To(MatchError(bayeux.ErrAlreadyConnected))
		Expect(c.Subscribe(ctx, "/v2/me/devices")).To(Succeed())
		Expect(c.Unsubscribe(ctx, "/v2/me/calls")).To(Succeed())
		Expect(c.Subscriptions()).To(Equal([]string{"/v2/me/devices"}))
		Expect(srv.Subscribed()).To(Equal([]string{"/v2/me/devices"}))

		srv.set(func(s *fakeServer) { s.denied["/nope"] = true })
		err := c.Subscribe(ctx, "/nope")
		Expect(err).To(MatchError(ContainSubstring("403:")))
		Expect(c.Subscriptions()).To(Equal([]string{"/v2/me/devices"}), "a refused channel is not kept")
		Expect(c.State()).To(Equal(bayeux.Connected), "a refused Subscribe does not hurt the session")
	})

	It("closes: disconnects, aborts the held connect at once, and stays closed", func() {
		srv.set(func(s *fakeServer) { s.hold = time.Minute })
		c := newClient()
		Expect(c.Connect(ctx, "/v2/me/calls")).To(Succeed())
		Eventually(func() int { return srv.Count("/meta/connect", "") }).Should(Equal(1))

		start := time.Now()
		Expect(c.Close(ctx)).To(Succeed())
		Expect(time.Since(start)).To(BeNumerically("<", 2*time.Second))
		Expect(c.State()).To(Equal(bayeux.Disconnected))
		Expect(srv.Seen()).To(ContainElement(And(
			HaveField("Channel", "/meta/disconnect"),
			HaveField("Msg", HaveKeyWithValue("clientId", "client001")))))
		Expect(srv.Sessions()).To(Equal(0))

		Expect(c.Close(ctx)).To(Succeed())
		Expect(c.Connect(ctx)).To(MatchError(bayeux.ErrClosed))
		Expect(c.Subscribe(ctx, "/x")).To(MatchError(bayeux.ErrClosed))
		Expect(rec.States()).To(HaveLen(4))
		Expect(rec.States()[3]).To(Equal(bayeux.Disconnected))
	})

	It("aborts a Connect still handshaking when closed", func() {
		srv.set(func(s *fakeServer) { s.stallHandshake = true })
		c := newClient()
		result := make(chan error, 1)
		go func() { result <- c.Connect(ctx, "/v2/me/calls") }()
		Eventually(func() int { return srv.Count("/meta/handshake", "") }).Should(Equal(1))
		Expect(c.Close(ctx)).To(Succeed())
		var err error
		Eventually(result).Should(Receive(&err))
		Expect(err).To(MatchError(bayeux.ErrClosed))
		Expect(c.State()).To(Equal(bayeux.Disconnected))
	})

	It("hands the raw data of a GWS-like notification through untouched", func() {
		c := newClient()
		Expect(c.Connect(ctx, "/v2/me/calls")).To(Succeed())
		Eventually(func() int { return srv.Count("/meta/connect", "") }).Should(BeNumerically(">=", 1))
		payload := json.RawMessage(`{"messageType":"CallStateChangeMessage","notificationType":"StatusChange","call":{"id":"c1","state":"Ringing"},"phoneNumber":"5005"}`)
		srv.Publish("/v2/me/calls", payload)
		Eventually(rec.Messages).Should(HaveLen(1))
		Expect(string(rec.Messages()[0].Data)).To(MatchJSON(payload))
	})
})
