package cometd

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
)

var _ = Describe("the Bayeux endpoint over HTTP", func() {
	var (
		f     *fixture
		alice *client
		ctx   context.Context
	)

	BeforeEach(func() {
		f = newFixture(Config{Timeout: 10 * time.Second, MaxInterval: 10 * time.Second})
		alice = f.newClient("alice")
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
		DeferCleanup(cancel)
		DeferCleanup(func() {
			f.close()
			alice.closeIdle()
		})
	})

	It("runs handshake, subscribe, connect and delivery with Basic first and the session cookie after", func() {
		hs, err := alice.handshake(map[string]any{"id": "1", "minimumVersion": "1.0"})
		Expect(err).NotTo(HaveOccurred())
		Expect(hs.ok()).To(BeTrue(), "handshake failed: %+v", hs)
		Expect(hs.ClientID).To(MatchRegexp(`^[0-9a-f]{40}$`))
		Expect(hs.Version).To(Equal("1.0"))
		Expect(hs.SupportedConnectionTypes).To(ContainElement("long-polling"))
		Expect(string(hs.ID)).To(Equal(`"1"`))
		Expect(hs.Advice).To(Equal(map[string]any{"reconnect": "retry", "interval": 0.0, "timeout": 10000.0}))

		alice.basic = false // from here on only the JSESSIONID cookie authenticates
		sub, err := alice.subscribe(ChannelDevices)
		Expect(err).NotTo(HaveOccurred())
		Expect(sub.ok()).To(BeTrue(), "subscribe failed: %+v", sub)
		Expect(string(sub.Subscription)).To(Equal(`"/v2/me/devices"`))
		sub, err = alice.subscribe([]string{ChannelCalls})
		Expect(err).NotTo(HaveOccurred())
		Expect(sub.ok()).To(BeTrue(), "subscribe failed: %+v", sub)
		Expect(string(sub.Subscription)).To(Equal(`["/v2/me/calls"]`))

		events, rep, err := alice.connectNow()
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.ok()).To(BeTrue())
		Expect(events).To(BeEmpty())

		f.srv.Publish("alice", ChannelDevices, json.RawMessage(`{"n":1}`))
		f.srv.Publish("alice", ChannelCalls, json.RawMessage(`{"n":2}`))
		f.srv.Publish("alice", ChannelDevices, json.RawMessage(`{"n":3}`))
		msgs, err := alice.exchange(alice.connectMsg(map[string]any{"id": "9"}))
		Expect(err).NotTo(HaveOccurred())
		events, rep, err = splitConnect(msgs)
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.ok()).To(BeTrue())
		Expect(string(rep.ID)).To(Equal(`"9"`))
		Expect(dataStrings(events)).To(Equal([]string{
			`/v2/me/devices {"n":1}`, `/v2/me/calls {"n":2}`, `/v2/me/devices {"n":3}`,
		}))
		for _, e := range events {
			Expect(e.ClientID).To(BeEmpty(), "a delivery must not carry a clientId")
		}
	})

	DescribeTable("answers on every path under the mount",
		func(hsSuffix, connectSuffix string) {
			r, err := alice.post(ctx, hsSuffix, alice.handshakeMsg(nil))
			Expect(err).NotTo(HaveOccurred())
			Expect(r.status).To(Equal(http.StatusOK), r.body)
			Expect(r.msgs).To(HaveLen(1))
			Expect(r.msgs[0].ok()).To(BeTrue(), "%+v", r.msgs[0])
			alice.id = r.msgs[0].ClientID
			r, err = alice.post(ctx, connectSuffix, alice.connectMsg(map[string]any{"advice": map[string]any{"timeout": 0}}))
			Expect(err).NotTo(HaveOccurred())
			Expect(r.status).To(Equal(http.StatusOK), r.body)
			Expect(r.msgs).To(HaveLen(1))
			Expect(r.msgs[0].ok()).To(BeTrue(), "%+v", r.msgs[0])
		},
		Entry("the mount itself", "", ""),
		Entry("CometD JS suffixes", "/handshake", "/connect"),
		Entry("trailing slash", "/", "/"),
		Entry("any other suffix", "/whatever/deeper", "/subscribe"),
	)

	It("refuses WebSocket upgrades with a non-101 status so clients fall back to long-polling", func() {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url(""), nil)
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "websocket")
		req.Header.Set("Sec-WebSocket-Version", "13")
		req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		req.SetBasicAuth("alice", testPassword)
		resp, err := alice.hc.Do(req)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusBadRequest))
		Expect(gwsError(resp)).To(HaveKeyWithValue("statusCode", BeEquivalentTo(2)))
	})

	It("answers other methods with a GWS statusCode 2 (HTTP 400) naming the method", func() {
		resp, err := alice.hc.Get(f.url("/connect"))
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusBadRequest))
		Expect(resp.Header.Get("Allow")).To(Equal(http.MethodPost))
		Expect(gwsError(resp)).To(And(HaveKeyWithValue("statusCode", BeEquivalentTo(2)),
			HaveKeyWithValue("statusMessage", ContainSubstring("GET"))))
	})

	DescribeTable("refuses bodies that are not JSON or a form, reading nothing",
		func(contentType string) {
			r, err := alice.postRaw(ctx, "", contentType, `[{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["long-polling"]}]`)
			Expect(err).NotTo(HaveOccurred())
			Expect(r.status).To(Equal(http.StatusBadRequest))
			Expect(r.body).To(And(ContainSubstring(`"statusCode":10`), ContainSubstring("Content-Type")))
		},
		Entry("text/plain (what a cross-site form can send)", "text/plain"),
		Entry("multipart", "multipart/form-data; boundary=x"),
		Entry("unparsable", "application/json; ===="),
	)

	DescribeTable("answers unreadable bodies with HTTP 400 and a clear message",
		func(body, text string) {
			r, err := alice.postRaw(ctx, "", jsonType, body)
			Expect(err).NotTo(HaveOccurred())
			Expect(r.status).To(Equal(http.StatusBadRequest))
			Expect(r.body).To(ContainSubstring(text))
			Expect(r.body).To(MatchRegexp(`^\{"statusCode":(1|10),"statusMessage":".+"\}$`))
		},
		Entry("bad JSON", `{"channel":`, "not a JSON object or array"),
		Entry("missing channel", `[{"clientId":"x"}]`, "message 0: message has no channel"),
		Entry("empty batch", `[]`, "no bayeux message"),
	)

	It("answers oversized bodies with a GWS statusCode 10 (HTTP 400)", func() {
		big := `[{"channel":"/meta/connect","x":"` + strings.Repeat("a", DefaultMaxBodyBytes) + `"}]`
		r, err := alice.postRaw(ctx, "", jsonType, big)
		Expect(err).NotTo(HaveOccurred())
		Expect(r.status).To(Equal(http.StatusBadRequest))
		Expect(r.body).To(And(ContainSubstring(`"statusCode":10`), ContainSubstring("too large")))
	})

	It("accepts a form-encoded message parameter", func() {
		body := "message=" + urlEscape(`[{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["long-polling"],"id":"5"}]`)
		r, err := alice.postRaw(ctx, "", formType, body)
		Expect(err).NotTo(HaveOccurred())
		Expect(r.status).To(Equal(http.StatusOK), r.body)
		Expect(r.msgs).To(HaveLen(1))
		Expect(r.msgs[0].ok()).To(BeTrue())
		Expect(string(r.msgs[0].ID)).To(Equal(`"5"`))
	})

	It("accepts a single JSON object and still answers with an array", func() {
		r, err := alice.postRaw(ctx, "", jsonType, `{"channel":"/meta/handshake","version":"1.0"}`)
		Expect(err).NotTo(HaveOccurred())
		Expect(r.status).To(Equal(http.StatusOK), r.body)
		Expect(strings.TrimSpace(r.body)).To(HavePrefix("["))
		Expect(r.msgs).To(HaveLen(1))
		Expect(r.msgs[0].ok()).To(BeTrue())
	})

	It("answers only the handshake of a batch that holds one", func() {
		msgs, err := alice.exchange(alice.handshakeMsg(nil), map[string]any{"channel": channelConnect, "clientId": "x"})
		Expect(err).NotTo(HaveOccurred())
		Expect(msgs).To(HaveLen(1))
		Expect(msgs[0].Channel).To(Equal(channelHandshake))
	})

	It("fails a handshake that offers no long-polling", func() {
		msgs, err := alice.exchange(map[string]any{"channel": channelHandshake, "version": "1.0", "supportedConnectionTypes": []string{"websocket"}})
		Expect(err).NotTo(HaveOccurred())
		Expect(msgs[0].ok()).To(BeFalse())
		Expect(msgs[0].Error).To(HavePrefix("400:"))
		Expect(msgs[0].SupportedConnectionTypes).To(Equal([]string{"long-polling"}))
	})

	DescribeTable("echoes the id of every meta reply in the shape it came in",
		func(id any, want string) {
			_, err := alice.handshake(nil)
			Expect(err).NotTo(HaveOccurred())
			m := map[string]any{"channel": channelSubscribe, "clientId": alice.id, "subscription": ChannelCalls}
			if id != nil {
				m["id"] = id
			}
			msgs, err := alice.exchange(m)
			Expect(err).NotTo(HaveOccurred())
			Expect(string(msgs[0].ID)).To(Equal(want))
		},
		Entry("string id", "42", `"42"`),
		Entry("numeric id", 42, `42`),
		Entry("no id", nil, ``),
	)

	Context("with an authenticated session", func() {
		BeforeEach(func() {
			hs, err := alice.handshake(nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(hs.ok()).To(BeTrue())
		})

		DescribeTable("Bayeux-level failures are replies with successful:false",
			func(msg func() map[string]any, errPattern string, reconnect string) {
				msgs, err := alice.exchange(msg())
				Expect(err).NotTo(HaveOccurred())
				Expect(msgs).To(HaveLen(1))
				Expect(msgs[0].ok()).To(BeFalse(), "%+v", msgs[0])
				Expect(msgs[0].Error).To(MatchRegexp(errPattern))
				Expect(string(msgs[0].ID)).To(Equal(`"77"`))
				if reconnect != "" {
					Expect(msgs[0].Advice).To(HaveKeyWithValue("reconnect", reconnect))
				}
			},
			Entry("unknown meta channel", func() map[string]any {
				return map[string]any{"channel": "/meta/unknown", "clientId": alice.id, "id": "77"}
			}, `^404:/meta/unknown:Unknown meta channel$`, ""),
			Entry("connect without clientId", func() map[string]any {
				return map[string]any{"channel": channelConnect, "connectionType": "long-polling", "id": "77"}
			}, `^402::Missing clientId$`, "handshake"),
			Entry("subscribe with an unknown clientId", func() map[string]any {
				return map[string]any{"channel": channelSubscribe, "clientId": "feedbeef", "subscription": ChannelCalls, "id": "77"}
			}, `^402::Unknown client$`, "handshake"),
			Entry("subscribe without subscription", func() map[string]any {
				return map[string]any{"channel": channelSubscribe, "clientId": alice.id, "id": "77"}
			}, `^400:[0-9a-f]{40}:Missing or invalid subscription$`, ""),
			Entry("publish to a notification channel", func() map[string]any {
				return map[string]any{"channel": ChannelDevices, "clientId": alice.id, "data": map[string]any{}, "id": "77"}
			}, `^403:[0-9a-f]{40},/v2/me/devices:Publish denied`, ""),
			Entry("publish to a service channel without clientId", func() map[string]any {
				return map[string]any{"channel": "/service/echo", "data": 1, "id": "77"}
			}, `^403:,/service/echo:Publish denied`, ""),
			Entry("channel without leading slash", func() map[string]any {
				return map[string]any{"channel": "v2/me/devices", "clientId": alice.id, "id": "77"}
			}, `^400:v2/me/devices:Invalid channel name$`, ""),
		)

		DescribeTable("denies subscriptions outside /v2/me/devices, /v2/me/calls and /v2/me/*, echoing the shape",
			func(sub any, echo, denied string) {
				rep, err := alice.subscribe(sub)
				Expect(err).NotTo(HaveOccurred())
				Expect(rep.ok()).To(BeFalse())
				Expect(rep.Error).To(Equal("403:" + alice.id + "," + denied + ":Subscription denied"))
				Expect(string(rep.Subscription)).To(Equal(echo))
				Expect(subscribers(f.srv, "alice", ChannelCalls)).To(BeZero(), "a denied batch must not subscribe anything")
			},
			Entry("another channel", "/v2/users", `"/v2/users"`, "/v2/users"),
			Entry("a deep wildcard", "/v2/me/**", `"/v2/me/**"`, "/v2/me/**"),
			Entry("a meta channel", "/meta/connect", `"/meta/connect"`, "/meta/connect"),
			Entry("one bad channel in an array", []string{ChannelCalls, "/v2/other"}, `["/v2/me/calls","/v2/other"]`, "/v2/other"),
		)

		It("refuses a request without authentication and leaves the session alone", func() {
			alice.basic = false
			alice.hc.Jar = nil
			msgs, err := alice.exchange(alice.connectMsg(nil))
			Expect(err).NotTo(HaveOccurred())
			Expect(msgs[0].ok()).To(BeFalse())
			Expect(msgs[0].Error).To(HavePrefix("401:"))
			Expect(msgs[0].Advice).To(HaveKeyWithValue("reconnect", "handshake"))
			Expect(f.srv.Sessions()).To(Equal(1))
		})

		It("refuses another user's use of the clientId and leaves the session alone", func() {
			mallory := f.newClient("mallory")
			DeferCleanup(mallory.closeIdle)
			mallory.id = alice.id
			for _, m := range []map[string]any{
				mallory.connectMsg(map[string]any{"advice": map[string]any{"timeout": 0}}),
				{"channel": channelSubscribe, "clientId": alice.id, "subscription": ChannelAll},
				{"channel": channelDisconnect, "clientId": alice.id},
			} {
				msgs, err := mallory.exchange(m)
				Expect(err).NotTo(HaveOccurred())
				Expect(msgs[0].ok()).To(BeFalse(), "%s was accepted for another user: %+v", m["channel"], msgs[0])
				Expect(msgs[0].Error).To(Equal("403:" + alice.id + ":Client belongs to another user"))
			}
			Expect(subscribers(f.srv, "alice", ChannelCalls)).To(BeZero())
			_, rep, err := alice.connectNow()
			Expect(err).NotTo(HaveOccurred())
			Expect(rep.ok()).To(BeTrue(), "alice's session was harmed: %+v", rep)
		})

		It("answers a connect batched with a subscribe at once, with both replies (Faye's first request)", func() {
			start := time.Now()
			msgs, err := alice.exchange(
				alice.connectMsg(map[string]any{"id": "2"}),
				map[string]any{"channel": channelSubscribe, "clientId": alice.id, "subscription": ChannelCalls, "id": "3"},
			)
			Expect(err).NotTo(HaveOccurred())
			Expect(time.Since(start)).To(BeNumerically("<", 2*time.Second), "the batched connect was held")
			Expect(msgs).To(HaveLen(2))
			Expect(msgs[0].Channel).To(Equal(channelConnect))
			Expect(msgs[0].ok()).To(BeTrue())
			Expect(msgs[1].Channel).To(Equal(channelSubscribe))
			Expect(msgs[1].ok()).To(BeTrue())
		})

		It("unsubscribes", func() {
			Expect(alice.subscribe(ChannelAll)).To(HaveField("Successful", HaveValue(BeTrue())))
			msgs, err := alice.exchange(map[string]any{"channel": channelUnsubscribe, "clientId": alice.id, "subscription": []string{ChannelAll}})
			Expect(err).NotTo(HaveOccurred())
			Expect(msgs[0].ok()).To(BeTrue())
			Expect(string(msgs[0].Subscription)).To(Equal(`["/v2/me/*"]`))
			f.srv.Publish("alice", ChannelCalls, json.RawMessage(`1`))
			events, _, err := alice.connectNow()
			Expect(err).NotTo(HaveOccurred())
			Expect(events).To(BeEmpty())
		})
	})

	It("fails an unauthenticated handshake with 401 and tells the client to stop", func() {
		alice.pass = "wrong"
		hs, err := alice.handshake(map[string]any{"id": "1"})
		Expect(err).NotTo(HaveOccurred())
		Expect(hs.ok()).To(BeFalse())
		Expect(hs.Error).To(MatchRegexp(`^401:`))
		Expect(hs.ClientID).To(BeEmpty())
		Expect(hs.Advice).To(HaveKeyWithValue("reconnect", "none"))
		Expect(string(hs.ID)).To(Equal(`"1"`))
		Expect(f.srv.Sessions()).To(BeZero())
	})

	It("hands out distinct clientIds", func() {
		seen := map[string]bool{}
		for range 20 {
			hs, err := alice.handshake(nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(seen).NotTo(HaveKey(hs.ClientID))
			seen[hs.ClientID] = true
		}
		Expect(f.srv.Sessions()).To(Equal(20))
	})
})

var _ = Describe("long polling", func() {
	var (
		f     *fixture
		alice *client
		clock *fakeClock
	)

	BeforeEach(func() {
		clock = newFakeClock()
		f = newFixture(Config{Timeout: 10 * time.Second, MaxInterval: time.Hour, Now: clock.Now})
		alice = f.newClient("alice")
		DeferCleanup(func() {
			f.close()
			alice.closeIdle()
		})
		hs, err := alice.handshake(nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(hs.ok()).To(BeTrue())
		Expect(alice.subscribe(ChannelAll)).To(HaveField("Successful", HaveValue(BeTrue())))
	})

	// sendConnect sends a connect in the background.
	sendConnect := func(ctx context.Context, extra map[string]any) <-chan response {
		done := make(chan response, 1)
		go func() {
			r, err := alice.post(ctx, "/connect", alice.connectMsg(extra))
			if err != nil {
				r = response{status: -1, body: err.Error()}
			}
			done <- r
		}()
		return done
	}
	// startConnect sends a connect in the background and waits until the server holds it.
	startConnect := func(ctx context.Context, extra map[string]any) <-chan response {
		GinkgoHelper()
		done := sendConnect(ctx, extra)
		Eventually(func() int { return heldConnects(f.srv) }).WithTimeout(2*time.Second).
			Should(Equal(1), "the connect was not held")
		return done
	}

	It("answers a connect carrying advice.timeout 0 at once, with advice", func() {
		start := time.Now()
		_, rep, err := alice.connectNow()
		Expect(err).NotTo(HaveOccurred())
		Expect(time.Since(start)).To(BeNumerically("<", 2*time.Second))
		Expect(rep.ok()).To(BeTrue())
		Expect(rep.Advice).To(Equal(map[string]any{"reconnect": "retry", "interval": 0.0, "timeout": 10000.0}))
	})

	It("honours a client's shorter advice.timeout", func() {
		start := time.Now()
		msgs, err := alice.exchange(alice.connectMsg(map[string]any{"advice": map[string]any{"timeout": 150}}))
		Expect(err).NotTo(HaveOccurred())
		elapsed := time.Since(start)
		Expect(elapsed).To(BeNumerically(">=", 150*time.Millisecond))
		Expect(elapsed).To(BeNumerically("<", 3*time.Second))
		Expect(msgs).To(HaveLen(1))
		Expect(msgs[0].ok()).To(BeTrue())
	})

	It("holds a connect until something is published, then delivers it with the reply", func() {
		done := startConnect(context.Background(), nil)
		Consistently(done).WithTimeout(100 * time.Millisecond).ShouldNot(Receive())
		f.srv.Publish("alice", ChannelDevices, json.RawMessage(`{"woken":true}`))
		var r response
		Eventually(done).WithTimeout(2 * time.Second).Should(Receive(&r))
		Expect(r.status).To(Equal(http.StatusOK), r.body)
		events, rep, err := splitConnect(r.msgs)
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.ok()).To(BeTrue())
		Expect(dataStrings(events)).To(Equal([]string{`/v2/me/devices {"woken":true}`}))
	})

	It("answers the older of two concurrent connects at once, empty, and delivers through the newer", func() {
		older := startConnect(context.Background(), map[string]any{"id": "1"})
		newer := sendConnect(context.Background(), map[string]any{"id": "2"})
		var r response
		Eventually(older).WithTimeout(2 * time.Second).Should(Receive(&r))
		Expect(heldConnects(f.srv)).To(Equal(1), "the newer connect should be the one held")
		Expect(r.msgs).To(HaveLen(1), "the superseded connect must carry no events")
		Expect(r.msgs[0].ok()).To(BeTrue())
		Expect(string(r.msgs[0].ID)).To(Equal(`"1"`))
		Consistently(newer).WithTimeout(100 * time.Millisecond).ShouldNot(Receive())

		f.srv.Publish("alice", ChannelCalls, json.RawMessage(`"x"`))
		Eventually(newer).WithTimeout(2 * time.Second).Should(Receive(&r))
		events, rep, err := splitConnect(r.msgs)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(rep.ID)).To(Equal(`"2"`))
		Expect(dataStrings(events)).To(Equal([]string{`/v2/me/calls "x"`}))
	})

	It("keeps the queue when the client aborts a held connect", func() {
		ctx, cancel := context.WithCancel(context.Background())
		done := startConnect(ctx, nil)
		cancel()
		Eventually(done).WithTimeout(2 * time.Second).Should(Receive())
		Eventually(func() int { return heldConnects(f.srv) }).WithTimeout(2 * time.Second).Should(BeZero())
		f.srv.Publish("alice", ChannelCalls, json.RawMessage(`1`))
		f.srv.Publish("alice", ChannelCalls, json.RawMessage(`2`))
		events, _, err := alice.connectNow()
		Expect(err).NotTo(HaveOccurred())
		Expect(dataStrings(events)).To(Equal([]string{"/v2/me/calls 1", "/v2/me/calls 2"}))
	})

	// The next two specs stage, under the session lock, a publish that lands in the instant between a held
	// connect losing its claim and noticing it, which HTTP timing alone cannot produce on demand.
	aliceSession := func() *session {
		GinkgoHelper()
		all := f.srv.snapshot()
		Expect(all).To(HaveLen(1))
		return all[0]
	}

	It("gives nothing to a superseded connect even when something is queued as it wakes", func() {
		older := startConnect(context.Background(), map[string]any{"id": "1"})
		sess := aliceSession()
		sess.mu.Lock()
		oldPoll := sess.poll
		sess.poll = newHeldPoll() // a newer connect has taken over...
		sess.queue = append(sess.queue, []byte(`{"channel":"/v2/me/calls","data":"raced"}`))
		oldPoll.signal() // ...and the older one is told to leave
		sess.mu.Unlock()
		var r response
		Eventually(older).WithTimeout(2 * time.Second).Should(Receive(&r))
		Expect(r.msgs).To(HaveLen(1), "the superseded connect carried events: %s", r.body)
		sess.mu.Lock()
		sess.poll = nil
		sess.mu.Unlock()
		events, _, err := alice.connectNow()
		Expect(err).NotTo(HaveOccurred())
		Expect(dataStrings(events)).To(Equal([]string{`/v2/me/calls "raced"`}))
	})

	It("gives nothing to an aborted connect even when something is queued as it notices", func() {
		ctx, cancel := context.WithCancel(context.Background())
		done := startConnect(ctx, nil)
		sess := aliceSession()
		sess.mu.Lock()
		sess.queue = append(sess.queue, []byte(`{"channel":"/v2/me/calls","data":"raced"}`)) // no wake-up signal
		sess.mu.Unlock()
		cancel()
		Eventually(done).WithTimeout(2 * time.Second).Should(Receive())
		Eventually(func() int { return heldConnects(f.srv) }).WithTimeout(2 * time.Second).Should(BeZero())
		events, _, err := alice.connectNow()
		Expect(err).NotTo(HaveOccurred())
		Expect(dataStrings(events)).To(Equal([]string{`/v2/me/calls "raced"`}))
	})

	It("resends an unacknowledged batch to a client using the ack extension", func() {
		acker := f.newClient("alice")
		DeferCleanup(acker.closeIdle)
		hs, err := acker.handshake(map[string]any{"ext": map[string]any{"ack": true}})
		Expect(err).NotTo(HaveOccurred())
		Expect(hs.Ext).To(HaveKeyWithValue("ack", true))
		Expect(acker.subscribe(ChannelCalls)).To(HaveField("Successful", HaveValue(BeTrue())))

		connect := func(ack int) ([]wireMsg, wireMsg) {
			msgs, err := acker.exchange(acker.connectMsg(map[string]any{"advice": map[string]any{"timeout": 0}, "ext": map[string]any{"ack": ack}}))
			Expect(err).NotTo(HaveOccurred())
			events, rep, err := splitConnect(msgs)
			Expect(err).NotTo(HaveOccurred())
			return events, rep
		}
		f.srv.Publish("alice", ChannelCalls, json.RawMessage(`1`))
		events, rep := connect(0)
		Expect(dataStrings(events)).To(Equal([]string{"/v2/me/calls 1"}))
		Expect(rep.Ext).To(HaveKeyWithValue("ack", 1.0))

		// The client pretends batch 1 never arrived: it is sent again, ahead of what came since.
		f.srv.Publish("alice", ChannelCalls, json.RawMessage(`2`))
		events, rep = connect(0)
		Expect(dataStrings(events)).To(Equal([]string{"/v2/me/calls 1", "/v2/me/calls 2"}))
		Expect(rep.Ext).To(HaveKeyWithValue("ack", 2.0))

		// Acknowledging batch 2 releases both.
		events, rep = connect(2)
		Expect(events).To(BeEmpty())
		Expect(rep.Ext).NotTo(HaveKey("ack"))
	})

	Context("session end", func() {
		expect402 := func(c *client, m map[string]any) {
			GinkgoHelper()
			msgs, err := c.exchange(m)
			Expect(err).NotTo(HaveOccurred())
			Expect(msgs).To(HaveLen(1))
			Expect(msgs[0].ok()).To(BeFalse())
			Expect(msgs[0].Error).To(Equal("402::Unknown client"))
			Expect(msgs[0].Advice).To(Equal(map[string]any{"reconnect": "handshake", "interval": 0.0}))
		}

		It("expires a session idle past MaxInterval by the injected clock", func() {
			_, rep, err := alice.connectNow()
			Expect(err).NotTo(HaveOccurred())
			Expect(rep.ok()).To(BeTrue())
			clock.Advance(59 * time.Minute)
			Expect(f.srv.Sessions()).To(Equal(1))
			clock.Advance(time.Minute)
			Expect(f.srv.Sessions()).To(BeZero())
			expect402(alice, alice.connectMsg(nil))
			Expect(f.logs.String()).To(ContainSubstring("cometd session expired"))
		})

		It("does not expire a session while its connect is held", func() {
			done := startConnect(context.Background(), nil)
			clock.Advance(2 * time.Hour)
			Expect(f.srv.Sessions()).To(Equal(1))
			f.srv.Publish("alice", ChannelCalls, json.RawMessage(`1`))
			var r response
			Eventually(done).WithTimeout(2 * time.Second).Should(Receive(&r))
			_, rep, err := splitConnect(r.msgs)
			Expect(err).NotTo(HaveOccurred())
			Expect(rep.ok()).To(BeTrue())
			// The idle clock restarts at the end of that reply.
			clock.Advance(59 * time.Minute)
			_, rep, err = alice.connectNow()
			Expect(err).NotTo(HaveOccurred())
			Expect(rep.ok()).To(BeTrue())
		})

		It("ends the session on /meta/disconnect and releases its held connect successfully, with reconnect none", func() {
			held := startConnect(context.Background(), nil)
			msgs, err := alice.exchange(map[string]any{"channel": channelDisconnect, "clientId": alice.id, "id": "4"})
			Expect(err).NotTo(HaveOccurred())
			Expect(msgs[0].ok()).To(BeTrue())
			Expect(string(msgs[0].ID)).To(Equal(`"4"`))
			var r response
			Eventually(held).WithTimeout(2 * time.Second).Should(Receive(&r))
			Expect(r.msgs).To(HaveLen(1))
			// Not a 402: the official CometD client would then report its own disconnect as failed.
			Expect(r.msgs[0].ok()).To(BeTrue())
			Expect(r.msgs[0].Error).To(BeEmpty())
			Expect(r.msgs[0].Advice).To(HaveKeyWithValue("reconnect", "none"))
			expect402(alice, alice.connectMsg(nil))
			expect402(alice, map[string]any{"channel": channelDisconnect, "clientId": alice.id})
			Expect(f.srv.Sessions()).To(BeZero())
		})

		It("ends every session on ExpireAll, answering held connects with 402 and handshake advice", func() {
			bob := f.newClient("bob")
			DeferCleanup(bob.closeIdle)
			Expect(bob.handshake(nil)).To(HaveField("Successful", HaveValue(BeTrue())))
			held := startConnect(context.Background(), nil)
			f.srv.ExpireAll()
			var r response
			Eventually(held).WithTimeout(2 * time.Second).Should(Receive(&r))
			Expect(r.msgs).To(HaveLen(1))
			Expect(r.msgs[0].Error).To(Equal("402::Unknown client"))
			Expect(r.msgs[0].Advice).To(HaveKeyWithValue("reconnect", "handshake"))
			expect402(alice, map[string]any{"channel": channelSubscribe, "clientId": alice.id, "subscription": ChannelCalls})
			expect402(bob, bob.connectMsg(nil))
			Expect(f.srv.Sessions()).To(BeZero())

			// Recovery: a new handshake and subscription work and receive again.
			Expect(alice.handshake(nil)).To(HaveField("Successful", HaveValue(BeTrue())))
			Expect(alice.subscribe(ChannelCalls)).To(HaveField("Successful", HaveValue(BeTrue())))
			f.srv.Publish("alice", ChannelCalls, json.RawMessage(`"again"`))
			events, _, err := alice.connectNow()
			Expect(err).NotTo(HaveOccurred())
			Expect(dataStrings(events)).To(Equal([]string{`/v2/me/calls "again"`}))
		})

		It("releases held connects on Close, answers statusCode 4 afterwards, and Close is idempotent", func() {
			held := startConnect(context.Background(), nil)
			f.srv.Close()
			Expect(heldConnects(f.srv)).To(BeZero(), "Close returned while a connect was still held")
			var r response
			Eventually(held).WithTimeout(2 * time.Second).Should(Receive(&r))
			Expect(r.msgs).To(HaveLen(1))
			Expect(r.msgs[0].ok()).To(BeFalse())
			f.srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			after, err := alice.post(ctx, "", alice.handshakeMsg(nil))
			Expect(err).NotTo(HaveOccurred())
			Expect(after.status).To(Equal(http.StatusInternalServerError))
			Expect(after.body).To(ContainSubstring(`"statusCode":4`))
			f.srv.Publish("alice", ChannelCalls, json.RawMessage(`1`)) // a no-op, not a panic
		})
	})
})

var _ = Describe("session expiry on real timers", func() {
	It("expires an idle session after MaxInterval and tells its client to handshake again", func() {
		f := newFixture(Config{Timeout: 400 * time.Millisecond, MaxInterval: 150 * time.Millisecond})
		alice := f.newClient("alice")
		DeferCleanup(func() {
			f.close()
			alice.closeIdle()
		})
		Expect(alice.handshake(nil)).To(HaveField("Successful", HaveValue(BeTrue())))

		// A held connect (400ms) outlives MaxInterval (150ms) without the session expiring.
		msgs, err := alice.exchange(alice.connectMsg(nil))
		Expect(err).NotTo(HaveOccurred())
		Expect(msgs[0].ok()).To(BeTrue(), "held connect: %+v", msgs[0])
		Expect(f.srv.Sessions()).To(Equal(1))

		// Then nothing: the timer ends the session without any request arriving.
		Eventually(f.srv.Sessions).WithTimeout(3 * time.Second).WithPolling(20 * time.Millisecond).Should(BeZero())
		Eventually(f.logs.String).Should(MatchRegexp(`level=INFO msg="cometd session expired" user=alice`))
		msgs, err = alice.exchange(alice.connectMsg(nil))
		Expect(err).NotTo(HaveOccurred())
		Expect(msgs[0].Error).To(Equal("402::Unknown client"))
		Expect(msgs[0].Advice).To(Equal(map[string]any{"reconnect": "handshake", "interval": 0.0}))
	})
})

var _ = Describe("delivery", func() {
	var (
		f            *fixture
		alice, bob   *client
		logsHaveWarn = func(f *fixture) string { return f.logs.String() }
	)

	BeforeEach(func() {
		f = newFixture(Config{Timeout: 10 * time.Second, MaxInterval: time.Minute, QueueLimit: 3})
		alice, bob = f.newClient("alice"), f.newClient("bob")
		DeferCleanup(func() {
			f.close()
			alice.closeIdle()
			bob.closeIdle()
		})
		for _, c := range []*client{alice, bob} {
			Expect(c.handshake(nil)).To(HaveField("Successful", HaveValue(BeTrue())))
			Expect(c.subscribe(ChannelAll)).To(HaveField("Successful", HaveValue(BeTrue())))
		}
	})

	It("gives each user only its own notifications", func() {
		f.srv.Publish("bob", ChannelDevices, json.RawMessage(`"for bob"`))
		f.srv.Publish("alice", ChannelCalls, json.RawMessage(`"for alice"`))
		f.srv.Publish("carol", ChannelCalls, json.RawMessage(`"for nobody here"`))
		events, _, err := alice.connectNow()
		Expect(err).NotTo(HaveOccurred())
		Expect(dataStrings(events)).To(Equal([]string{`/v2/me/calls "for alice"`}))
		events, _, err = bob.connectNow()
		Expect(err).NotTo(HaveOccurred())
		Expect(dataStrings(events)).To(Equal([]string{`/v2/me/devices "for bob"`}))
	})

	It("delivers to every session of the user, once each, only on subscribed channels", func() {
		second := f.newClient("alice")
		DeferCleanup(second.closeIdle)
		Expect(second.handshake(nil)).To(HaveField("Successful", HaveValue(BeTrue())))
		Expect(second.subscribe([]string{ChannelDevices, ChannelAll})).To(HaveField("Successful", HaveValue(BeTrue())))
		third := f.newClient("alice")
		DeferCleanup(third.closeIdle)
		Expect(third.handshake(nil)).To(HaveField("Successful", HaveValue(BeTrue())))
		Expect(third.subscribe(ChannelCalls)).To(HaveField("Successful", HaveValue(BeTrue())))

		f.srv.Publish("alice", ChannelDevices, json.RawMessage(`1`))
		for c, want := range map[*client][]string{
			alice:  {"/v2/me/devices 1"},
			second: {"/v2/me/devices 1"},
			third:  {},
		} {
			events, _, err := c.connectNow()
			Expect(err).NotTo(HaveOccurred())
			Expect(dataStrings(events)).To(Equal(want))
		}
	})

	It("drops data that is not JSON and keeps delivering the rest", func() {
		f.srv.Publish("alice", ChannelCalls, json.RawMessage(`{"broken":`))
		f.srv.Publish("alice", ChannelCalls, json.RawMessage(`{"fine":true}`))
		events, _, err := alice.connectNow()
		Expect(err).NotTo(HaveOccurred())
		Expect(dataStrings(events)).To(Equal([]string{`/v2/me/calls {"fine":true}`}))
		Expect(f.logs.String()).To(ContainSubstring("not valid JSON"))
	})

	It("ends a session whose queue overflows, with a warning, and leaves the others alone", func() {
		for i := range 3 {
			f.srv.Publish("alice", ChannelCalls, json.RawMessage(strings.Repeat("1", i+1)))
		}
		Expect(f.srv.Sessions()).To(Equal(2), "a full queue is not an overflow yet")
		f.srv.Publish("alice", ChannelCalls, json.RawMessage(`4`))
		Expect(f.srv.Sessions()).To(Equal(1))
		Expect(logsHaveWarn(f)).To(MatchRegexp(`level=WARN msg="cometd session ended: queue overflow" user=alice .*queueLimit=3`))
		msgs, err := alice.exchange(alice.connectMsg(nil))
		Expect(err).NotTo(HaveOccurred())
		Expect(msgs).To(HaveLen(1), "an overflowed session must deliver nothing")
		Expect(msgs[0].Error).To(Equal("402::Unknown client"))
		Expect(msgs[0].Advice).To(HaveKeyWithValue("reconnect", "handshake"))
		_, rep, err := bob.connectNow()
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.ok()).To(BeTrue())
	})
})

var _ = Describe("goroutine hygiene", func() {
	It("leaves no goroutine behind after sessions end and after Close", func() {
		before := gleak.Goroutines()
		f := newFixture(Config{Timeout: 5 * time.Second, MaxInterval: 100 * time.Millisecond})
		clients := make([]*client, 5)
		for i := range clients {
			clients[i] = f.newClient("user" + string(rune('a'+i)))
			Expect(clients[i].handshake(nil)).To(HaveField("Successful", HaveValue(BeTrue())))
			Expect(clients[i].subscribe(ChannelAll)).To(HaveField("Successful", HaveValue(BeTrue())))
		}
		// Some polls are held, one is aborted, the rest simply stop polling and expire on their timers.
		ctx, cancel := context.WithCancel(context.Background())
		results := make(chan error, 3)
		for _, c := range clients[:3] {
			go func() {
				_, err := c.post(ctx, "", c.connectMsg(nil))
				results <- err
			}()
		}
		Eventually(func() int { return heldConnects(f.srv) }).WithTimeout(2 * time.Second).Should(Equal(3))
		cancel()
		for range 3 {
			Eventually(results).WithTimeout(2 * time.Second).Should(Receive())
		}
		Eventually(f.srv.Sessions).WithTimeout(3 * time.Second).WithPolling(20 * time.Millisecond).Should(BeZero())
		for _, c := range clients {
			c.closeIdle()
		}
		f.ts.Close()
		Eventually(gleak.Goroutines).WithTimeout(3 * time.Second).ShouldNot(gleak.HaveLeaked(before))

		// And a Close with held connects.
		before = gleak.Goroutines()
		g := newFixture(Config{Timeout: 5 * time.Second, MaxInterval: time.Minute})
		c := g.newClient("alice")
		Expect(c.handshake(nil)).To(HaveField("Successful", HaveValue(BeTrue())))
		go func() {
			_, err := c.post(context.Background(), "", c.connectMsg(nil))
			results <- err
		}()
		Eventually(func() int { return heldConnects(g.srv) }).WithTimeout(2 * time.Second).Should(Equal(1))
		g.close()
		Eventually(results).WithTimeout(2 * time.Second).Should(Receive(BeNil()))
		c.closeIdle()
		Eventually(gleak.Goroutines).WithTimeout(3 * time.Second).ShouldNot(gleak.HaveLeaked(before))
	})
})
