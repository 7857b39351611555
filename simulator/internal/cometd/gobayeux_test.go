package cometd

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/sigmavirus24/gobayeux/v2"
)

// basicAuth adds a Basic Authorization header to every request.
type basicAuth struct {
	user, pass string
	base       *http.Transport
}

func (b *basicAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.SetBasicAuth(b.user, b.pass)
	return b.base.RoundTrip(r)
}

var _ = Describe("interoperability with gobayeux v2", func() {
	It("handshakes, subscribes to /v2/me/devices and receives what is published, in order", func() {
		before := gleak.Goroutines()
		f := newFixture(Config{Timeout: 2 * time.Second, MaxInterval: 10 * time.Second})
		rt := &basicAuth{user: "alice", pass: testPassword, base: &http.Transport{}}
		c, err := gobayeux.NewClient(f.url(""), gobayeux.WithHTTPTransport(rt))
		Expect(err).NotTo(HaveOccurred())

		recv := make(chan []gobayeux.Message, 16)
		c.Subscribe(ChannelDevices, recv)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		errs := c.Start(ctx)

		Eventually(func() int { return subscribers(f.srv, "alice", ChannelDevices) }).
			WithTimeout(5*time.Second).Should(Equal(1), "gobayeux never subscribed")
		Consistently(errs).WithTimeout(50 * time.Millisecond).ShouldNot(Receive())

		payloads := []string{
			`{"messageType":"DeviceStateChangeMessage","n":1}`,
			`{"messageType":"DeviceStateChangeMessage","n":2}`,
			`{"messageType":"DeviceStateChangeMessage","n":3}`,
		}
		f.srv.Publish("bob", ChannelDevices, json.RawMessage(`{"not":"alice's"}`))
		for _, p := range payloads {
			f.srv.Publish("alice", ChannelDevices, json.RawMessage(p))
		}
		var got []string
		Eventually(func(g Gomega) {
			select {
			case batch := <-recv:
				for _, m := range batch {
					g.Expect(m.Channel).To(BeEquivalentTo(ChannelDevices))
					got = append(got, string(m.Data))
				}
			case err := <-errs:
				g.Expect(err).NotTo(HaveOccurred(), "gobayeux reported an error")
			default:
			}
			g.Expect(got).To(HaveLen(len(payloads)))
		}).WithTimeout(5*time.Second).WithPolling(10*time.Millisecond).Should(Succeed(), "received so far: %v", got)
		Expect(got).To(Equal(payloads))

		// Stopping: gobayeux reports its cancelled context once and its goroutine ends.
		cancel()
		Eventually(errs).WithTimeout(5 * time.Second).Should(Receive())
		f.close()
		rt.base.CloseIdleConnections()
		Eventually(gleak.Goroutines).WithTimeout(5 * time.Second).ShouldNot(gleak.HaveLeaked(before))
	})
})
