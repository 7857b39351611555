package simulator

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/engine"
)

// The delivery specs drive the notification delay of the control API's fault injection directly: a delivery
// reading a delay the spec turns, publishing into a recorder. The last spec checks the same through a whole
// simulator.
func TestSimulator(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "simulator")
}

// drainerCreator is where a delivery starts its goroutine.
const drainerCreator = "github.com/coachsim/coachsim/simulator.(*delivery).deliver"

// drainers lists the goroutines deliveries started that are still alive.
func drainers() []gleak.Goroutine {
	var out []gleak.Goroutine
	for _, g := range gleak.Goroutines() {
		if g.CreatorFunction == drainerCreator {
			out = append(out, g)
		}
	}
	return out
}

// knob is a delay the spec turns while the delivery reads it.
type knob struct{ ns atomic.Int64 }

func (k *knob) set(d time.Duration) { k.ns.Store(int64(d)) }
func (k *knob) get() time.Duration  { return time.Duration(k.ns.Load()) }

// sink records what a delivery published and when, and counts publish calls that overlapped.
type sink struct {
	inside   atomic.Int32
	overlaps atomic.Int32

	mu  sync.Mutex
	got []string
	at  []time.Time
}

func (s *sink) publish(p engine.Published) {
	if s.inside.Add(1) > 1 {
		s.overlaps.Add(1)
	}
	defer s.inside.Add(-1)
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, p.Channel)
	s.at = append(s.at, now)
}

// published lists the names published so far, in order.
func (s *sink) published() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{}, s.got...)
}

// when is the time the i-th item was published.
func (s *sink) when(i int) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.at[i]
}

// batch makes a batch whose items are named by their channel.
func batch(names ...string) []engine.Published {
	out := make([]engine.Published, len(names))
	for i, n := range names {
		out[i] = engine.Published{UserID: "u", Channel: n, Data: []byte(`{}`)}
	}
	return out
}

var _ = Describe("delivery", func() {
	var (
		delay *knob
		out   *sink
		d     *delivery
		shut  func()
	)
	BeforeEach(func() {
		delay, out = &knob{}, &sink{}
		d = newDelivery(delay.get, out.publish)
		var once sync.Once
		shut = func() { once.Do(d.close) }
		DeferCleanup(func() {
			shut()
			Eventually(drainers).Should(BeEmpty(), "a delivery goroutine outlived close")
			Expect(out.overlaps.Load()).To(BeZero(), "publish calls overlapped")
		})
	})

	It("publishes at once, on the caller's goroutine, without a delay", func() {
		d.deliver(batch("a", "b"))
		Expect(out.published()).To(Equal([]string{"a", "b"}), "published before deliver returned")
		d.deliver(batch("c"))
		Expect(out.published()).To(Equal([]string{"a", "b", "c"}))
		Expect(drainers()).To(BeEmpty(), "no goroutine for a zero delay")
	})

	It("holds a batch back by the delay read when it came, then publishes it whole and in order", func() {
		const wait = 150 * time.Millisecond
		delay.set(wait)
		start := time.Now()
		d.deliver(batch("a", "b", "c"))
		got, running := out.published(), drainers()
		if time.Since(start) < wait { // (a stalled machine may have published already)
			Expect(got).To(BeEmpty())
			Expect(running).To(HaveLen(1), "one goroutine while something is held")
		}
		delay.set(time.Hour) // read once per batch: raising it later does not hold "a" longer
		Eventually(out.published).WithTimeout(5 * time.Second).Should(Equal([]string{"a", "b", "c"}))
		Expect(out.when(0).Sub(start)).To(BeNumerically(">=", wait))
		Eventually(drainers).Should(BeEmpty(), "the goroutine ends when nothing is held")
	})

	It("keeps batches in the order they came when the delay is lowered while some are held", func() {
		const wait = 150 * time.Millisecond
		delay.set(wait)
		start := time.Now()
		d.deliver(batch("a1", "a2"))
		delay.set(0)
		d.deliver(batch("b")) // no delay of its own, yet behind "a"
		want := []string{"a1", "a2", "b", "c", "d"}
		got := out.published()
		Expect(got).To(Equal(want[:len(got)]), "b did not overtake a, nor leave on the caller's goroutine")
		delay.set(20 * time.Millisecond)
		d.deliver(batch("c"))
		delay.set(0)
		d.deliver(batch("d"))
		Eventually(out.published).WithTimeout(5 * time.Second).Should(Equal(want))
		Expect(out.when(0).Sub(start)).To(BeNumerically(">=", wait))
		for i := 1; i < 5; i++ {
			Expect(out.when(i)).NotTo(BeTemporally("<", out.when(i-1)))
		}
		Eventually(drainers).Should(BeEmpty())

		// Once the backlog is gone, a zero delay publishes at once again.
		d.deliver(batch("e"))
		Expect(out.published()).To(HaveLen(6))
	})

	It("keeps the order through many batches while the delay changes concurrently", func() {
		stop := make(chan struct{})
		turned := make(chan struct{})
		go func() {
			defer close(turned)
			steps := []time.Duration{0, time.Millisecond, 0, 3 * time.Millisecond, 500 * time.Microsecond}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
					delay.set(steps[i%len(steps)])
				}
			}
		}()
		var want []string
		for i := range 300 {
			name := fmt.Sprintf("n%03d", i)
			want = append(want, name)
			d.deliver(batch(name))
		}
		close(stop)
		Eventually(turned).Should(BeClosed())
		Eventually(out.published).WithTimeout(5 * time.Second).Should(Equal(want))
	})

	It("drops what is held at close and publishes nothing afterwards", func() {
		const wait = 100 * time.Millisecond
		delay.set(wait)
		start := time.Now()
		d.deliver(batch("a"))
		delay.set(0)
		d.deliver(batch("b"))
		shut()
		closed := out.published()
		if time.Since(start) < wait { // (on a stalled machine "a" may have been due before close)
			Expect(closed).To(BeEmpty())
		}
		Eventually(drainers).Should(BeEmpty(), "close waited for the goroutine")
		d.deliver(batch("c")) // after close, even a zero delay publishes nothing
		Consistently(out.published, 3*wait).Should(Equal(closed), "nothing held at close came out later")
	})

	It("closes at once when a batch is held for long", func() {
		delay.set(time.Hour)
		d.deliver(batch("a"))
		done := make(chan struct{})
		go func() {
			defer close(done)
			shut()
		}()
		Eventually(done).WithTimeout(5 * time.Second).Should(BeClosed())
		Expect(out.published()).To(BeEmpty())
	})

	It("closes when nothing was ever held", func() {
		shut()
		Expect(drainers()).To(BeEmpty())
	})
})

var _ = Describe("A simulator with notifications held back", func() {
	It("leaves no goroutine behind when closed", func() {
		before := gleak.Goroutines()
		const token = "t"
		sim := New(fixtures.Default(), WithControl(token))
		h := sim.Handler()
		serve := func(method, path, body string, auth string) *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(method, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", auth)
			h.ServeHTTP(rec, req)
			return rec
		}
		Expect(serve(http.MethodPost, "/sim/v1/faults", `{"delayNotificationsMs":60000}`, "Bearer "+token).Code).To(Equal(http.StatusOK))
		agent1 := "Basic " + base64.StdEncoding.EncodeToString([]byte("agent1:password"))
		rec := serve(http.MethodPost, "/api/v2/me/devices/00000000-0000-4000-8000-000000005001",
			`{"operationName":"DoNotDisturbOn"}`, agent1)
		Expect(rec.Code).To(Equal(http.StatusOK), rec.Body.String())
		Eventually(drainers).Should(HaveLen(1), "the notification is held back")

		sim.Close()
		Eventually(gleak.Goroutines).WithTimeout(5 * time.Second).ShouldNot(gleak.HaveLeaked(before))
	})
})
