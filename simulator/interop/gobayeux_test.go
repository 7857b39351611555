package interop_test

import (
	"context"
	"net/http"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/sigmavirus24/gobayeux/v2"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator"
)

// basicAuthTransport adds HTTP Basic credentials to every request gobayeux sends; gobayeux itself has no notion
// of authentication, so a RoundTripper is how a GWS client logs it in.
type basicAuthTransport struct {
	user, password string
	next           http.RoundTripper
}

func (t *basicAuthTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.SetBasicAuth(t.user, t.password)
	return t.next.RoundTrip(r)
}

// subscribeWatch is a gobayeux extension that closes subscribed once a successful /meta/subscribe reply
// arrives: the only way to know, from outside gobayeux, that the server has recorded the subscription.
type subscribeWatch struct {
	once       sync.Once
	subscribed chan struct{}
}

func (w *subscribeWatch) Incoming(m *gobayeux.Message) {
	if m.Channel == gobayeux.MetaSubscribe && m.Successful {
		w.once.Do(func() { close(w.subscribed) })
	}
}
func (w *subscribeWatch) Outgoing(*gobayeux.Message)                {}
func (w *subscribeWatch) Registered(string, *gobayeux.BayeuxClient) {}
func (w *subscribeWatch) Unregistered()                             {}

var _ = Describe("gobayeux v2 (a Go Bayeux client nobody here wrote), through the whole stack", func() {
	var (
		before    []gleak.Goroutine
		sim       *simulator.Loopback
		pub       *published
		api       *rest
		transport *http.Transport
	)

	BeforeEach(func() {
		before = gleak.Goroutines()
		var err error
		sim, err = simulator.StartLoopback(fixtures.Default())
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(sim.Close)
		pub = record(sim)
		api = newREST(sim.URL)
		DeferCleanup(api.close)
		transport = &http.Transport{}
		DeferCleanup(transport.CloseIdleConnections)
	})

	// start runs a gobayeux client for user (no credentials when user is ""), subscribed to /v2/me/devices.
	// Its error channel is drained into a buffered channel so that gobayeux never blocks on it.
	start := func(user string) (recv chan []gobayeux.Message, errs chan error, watch *subscribeWatch, stop func()) {
		GinkgoHelper()
		var rt http.RoundTripper = transport
		if user != "" {
			rt = &basicAuthTransport{user: user, password: password, next: transport}
		}
		c, err := gobayeux.NewClient(sim.URL+notificationsPath, gobayeux.WithHTTPTransport(rt))
		Expect(err).NotTo(HaveOccurred())
		watch = &subscribeWatch{subscribed: make(chan struct{})}
		Expect(c.UseExtension(watch)).To(Succeed())
		recv = make(chan []gobayeux.Message, 16)
		c.Subscribe("/v2/me/devices", recv)
		ctx, cancel := context.WithCancel(context.Background())
		raw := c.Start(ctx)
		// gobayeux's goroutine ends right after sending its one error (a failed handshake, or the cancelled
		// context); forwarding it to a buffered channel means gobayeux never blocks on it.
		errs = make(chan error, 1)
		ended := make(chan struct{})
		go func() {
			defer close(ended)
			errs <- <-raw
		}()
		stop = func() {
			cancel()
			Eventually(ended).WithTimeout(5*time.Second).Should(BeClosed(), "gobayeux did not stop after its context was cancelled")
		}
		DeferCleanup(stop)
		return recv, errs, watch, stop
	}

	// This spec proves that gobayeux, logged in as agent1 with Basic auth supplied by an http.RoundTripper,
	// handshakes at /api/v2/notifications, subscribes to /v2/me/devices and receives the
	// DeviceStateChangeMessages that REST DoNotDisturbOn and DoNotDisturbOff produce, exactly as published and
	// in order; and that the client, the simulator and the transport leave no goroutine behind.
	It("receives the notifications of REST operations, in order, with Basic auth from a RoundTripper", func() {
		recv, errs, watch, stop := start("agent1")
		Eventually(watch.subscribed).WithTimeout(5*time.Second).Should(BeClosed(), func() string {
			select {
			case err := <-errs:
				return "gobayeux never subscribed; it reported: " + err.Error()
			default:
				return "gobayeux never subscribed and reported no error"
			}
		})

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var got []gobayeux.Message
		for _, on := range []bool{true, false} {
			Expect(api.dnd(ctx, "agent1", on)).To(Succeed())
			want := len(got) + 1
			Eventually(func(g Gomega) {
				select {
				case batch := <-recv:
					got = append(got, batch...)
				case err := <-errs:
					g.Expect(err).NotTo(HaveOccurred(), "gobayeux reported an error")
				default:
				}
				g.Expect(got).To(HaveLen(want))
			}).WithTimeout(5*time.Second).WithPolling(5*time.Millisecond).Should(Succeed(), "received so far: %v", got)
		}
		gotData := make([]string, len(got))
		for i, m := range got {
			Expect(string(m.Channel)).To(Equal("/v2/me/devices"))
			gotData[i] = canonical(m.Data)
		}
		Expect(gotData).To(Equal(canonicalData(pub.of("agent1"))))
		Expect([]string{dndOf(got[0].Data), dndOf(got[1].Data)}).To(Equal([]string{"On", "Off"}))
		Consistently(errs).WithTimeout(20 * time.Millisecond).ShouldNot(Receive())

		stop()
		sim.Close()
		api.close()
		transport.CloseIdleConnections()
		Eventually(gleak.Goroutines).WithTimeout(5 * time.Second).ShouldNot(gleak.HaveLeaked(before))
	})

	// This spec proves that the endpoint really authenticates gobayeux: without credentials its handshake is
	// refused and it reports the failure instead of polling.
	It("is refused without credentials", func() {
		_, errs, watch, _ := start("")
		var err error
		Eventually(errs).WithTimeout(5 * time.Second).Should(Receive(&err))
		Expect(err).To(MatchError(ContainSubstring("401")))
		Expect(watch.subscribed).NotTo(BeClosed())
	})
})
