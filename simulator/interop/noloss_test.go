package interop_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator"
)

// abortingClient drives one pollClient in a connect loop from its own goroutine, aborting (cancelling the
// context of) about half of its long polls after a random delay of under maxAbort. What it receives is read by
// the spec's goroutine under mu.
type abortingClient struct {
	c        *pollClient
	rng      *rand.Rand // used by the loop goroutine only
	maxAbort time.Duration
	done     chan struct{}

	mu      sync.Mutex
	got     []string // canonical data of every event received, in arrival order
	aborted int
	err     error // why the loop stopped, when not because it was told to
}

func (a *abortingClient) received() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.got...)
}

func (a *abortingClient) failure() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// run polls until ctx ends or a request fails for another reason than its own abort.
func (a *abortingClient) run(ctx context.Context) {
	defer close(a.done)
	for ctx.Err() == nil {
		reqCtx, stop := ctx, context.CancelFunc(func() {})
		if a.rng.IntN(2) == 0 {
			reqCtx, stop = context.WithTimeout(ctx, time.Duration(a.rng.Int64N(int64(a.maxAbort))))
		}
		events, err := a.c.connect(reqCtx, nil)
		stop()
		a.mu.Lock()
		switch {
		case ctx.Err() != nil:
		case errors.Is(err, errAborted):
			a.aborted++
		case err != nil:
			a.err = err
		}
		for _, e := range events {
			a.got = append(a.got, canonical(e.Data))
		}
		failed := a.err != nil
		a.mu.Unlock()
		if failed {
			return
		}
	}
}

// firstDifference describes where got departs from want, for failure messages.
func firstDifference(want, got []string) string {
	for i := range min(len(want), len(got)) {
		if want[i] != got[i] {
			return fmt.Sprintf("first difference at #%d: published %s, received %s", i, want[i], got[i])
		}
	}
	return fmt.Sprintf("published %d, received %d (one is a prefix of the other)", len(want), len(got))
}

var _ = Describe("no loss, no repetition, no reordering through the whole stack", func() {
	// This spec proves that, for every default user at once, every notification the simulator publishes
	// reaches that user's CometD session exactly once and in publication order, even though the client aborts
	// half of its long polls at random moments — before they are sent, while the server holds them, and while
	// the server is writing a reply that carries events. REST operations (DoNotDisturb toggles) run
	// concurrently for all users, so the users' streams interleave in the engine and the notification server.
	//
	// An aborted long poll whose reply the server had already filled is lost on the wire. The server keeps
	// such events only for sessions that negotiated the Bayeux acknowledgement extension (see the cometd
	// package documentation: without it, events handed to a reply that never arrives are gone), so these
	// clients use it: {"ack":true} at handshake, the last batch number received on each connect. The spec
	// counts the batches the server had to send again.
	//
	// It also proves that nothing outlives the clients and the simulator: after the clients stop and the
	// simulator closes, no goroutine started during the spec is left (gleak).
	It("delivers every user's notifications complete and in order while long polls are aborted at random", func() {
		const toggles = 60 // DoNotDisturb switches per user, each one notification
		before := gleak.Goroutines()

		sim, err := simulator.StartLoopback(fixtures.Default(), simulator.WithCometD(250*time.Millisecond, 5*time.Second, 0))
		Expect(err).NotTo(HaveOccurred())
		closed := false
		closeSim := func() {
			if !closed {
				closed = true
				sim.Close()
			}
		}
		DeferCleanup(closeSim)
		pub := record(sim)
		transport := &http.Transport{MaxIdleConnsPerHost: 64}
		DeferCleanup(transport.CloseIdleConnections)
		hc := &http.Client{Transport: transport, Timeout: 10 * time.Second}
		api := newREST(sim.URL)
		DeferCleanup(api.close)

		ctx, stopClients := context.WithCancel(context.Background())
		DeferCleanup(stopClients)
		clients := make(map[string]*abortingClient, len(defaultUsers))
		for i, name := range defaultUsers {
			c := newPollClient(sim.URL, name, hc, true)
			Expect(c.handshake(ctx)).To(Succeed())
			Expect(c.subscribe(ctx, "/v2/me/*")).To(Succeed())
			a := &abortingClient{
				c:        c,
				rng:      rand.New(rand.NewPCG(uint64(GinkgoRandomSeed()), uint64(i))),
				maxAbort: 3 * time.Millisecond,
				done:     make(chan struct{}),
			}
			clients[name] = a
			go a.run(ctx)
		}
		stopped := func() {
			stopClients()
			for _, a := range clients {
				<-a.done
			}
		}
		DeferCleanup(stopped)

		By("toggling DoNotDisturb for every user concurrently")
		var wg sync.WaitGroup
		restErrs := make(chan error, len(defaultUsers))
		for _, name := range defaultUsers {
			wg.Go(func() {
				for k := range toggles {
					if err := api.dnd(ctx, name, k%2 == 0); err != nil {
						restErrs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(restErrs)
		for err := range restErrs {
			Expect(err).NotTo(HaveOccurred())
		}

		By("waiting until every user has received as many notifications as were published for it")
		Eventually(func(g Gomega) {
			for _, name := range defaultUsers {
				a := clients[name]
				g.Expect(a.failure()).NotTo(HaveOccurred(), "%s's long-polling loop stopped", name)
				want := pub.of(name)
				g.Expect(want).To(HaveLen(toggles), "notifications published for %s", name)
				g.Expect(len(a.received())).To(BeNumerically(">=", len(want)),
					"%s: %s", name, firstDifference(canonicalData(want), a.received()))
			}
		}).WithTimeout(15 * time.Second).WithPolling(10 * time.Millisecond).Should(Succeed())
		stopped()

		totalAborted, totalRecovered := 0, 0
		for _, name := range defaultUsers {
			a := clients[name]
			Expect(a.failure()).NotTo(HaveOccurred())
			want := canonicalData(pub.of(name))
			for k, w := range want {
				wantDND := map[bool]string{true: "On", false: "Off"}[k%2 == 0]
				Expect(dndOf([]byte(w))).To(Equal(wantDND), "%s: published #%d is not the DoNotDisturb%s it should be: %s", name, k, wantDND, w)
			}
			Expect(a.received()).To(Equal(want), "%s: %s", name, firstDifference(want, a.received()))
			totalAborted += a.aborted
			totalRecovered += a.c.recovered
		}
		AddReportEntry("aborted long polls", totalAborted)
		AddReportEntry("replies lost with their events and sent again (ack extension)", totalRecovered)
		GinkgoWriter.Printf("%d long polls aborted, %d replies lost and recovered through the ack extension\n", totalAborted, totalRecovered)
		Expect(totalAborted).To(BeNumerically(">", 0), "no long poll was aborted: the spec did not exercise what it claims")
		Expect(totalRecovered).To(BeNumerically(">", 0),
			"no reply carrying events was lost to an abort: the spec did not exercise the ack extension's redelivery")

		By("disconnecting, closing the simulator and checking that no goroutine is left")
		dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, name := range defaultUsers {
			Expect(clients[name].c.disconnect(dctx)).To(Succeed())
		}
		closeSim()
		api.close()
		transport.CloseIdleConnections()
		Eventually(gleak.Goroutines).WithTimeout(5 * time.Second).ShouldNot(gleak.HaveLeaked(before))
	})
})
