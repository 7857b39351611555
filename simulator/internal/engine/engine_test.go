package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/clock"
	"github.com/coachsim/coachsim/simulator/internal/engine"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

func frozen() time.Time { return time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC) }

// recorder is a sink that keeps every batch it is given.
type recorder struct {
	mu      sync.Mutex
	batches [][]engine.Published
}

func (r *recorder) sink(b []engine.Published) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, append([]engine.Published(nil), b...))
}

func (r *recorder) seqs() []uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := []uint64{}
	for _, b := range r.batches {
		out = append(out, b[0].Seq)
	}
	return out
}

func (r *recorder) all() []engine.Published {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []engine.Published
	for _, b := range r.batches {
		out = append(out, b...)
	}
	return out
}

// fixture is an engine over the default environment with one recording sink.
type fixture struct {
	env *fixtures.Environment
	eng *engine.Engine
	rec *recorder
	ctx context.Context
}

func newFixture() *fixture {
	env := fixtures.Default()
	f := &fixture{env: env, eng: engine.New(voice.New(env, voice.Options{}), engine.Options{Clock: clock.Func(frozen)}),
		rec: &recorder{}, ctx: context.Background()}
	f.eng.Subscribe(f.rec.sink)
	DeferCleanup(f.eng.Close)
	return f
}

func (f *fixture) user(name string) fixtures.User {
	GinkgoHelper()
	u, ok := f.env.UserByName(name)
	Expect(ok).To(BeTrue(), "no user %q", name)
	return u
}

func (f *fixture) dnd(name string, on bool) voice.Request {
	u := f.user(name)
	op := voice.OpDoNotDisturbOff
	if on {
		op = voice.OpDoNotDisturbOn
	}
	return voice.Request{UserID: u.ID, Resource: voice.ResDevice, ResourceID: u.Device.ID, Operation: op}
}

func (f *fixture) do(r voice.Request) *engine.Ticket {
	GinkgoHelper()
	t, err := f.eng.Do(f.ctx, r)
	Expect(err).NotTo(HaveOccurred())
	Expect(t).NotTo(BeNil())
	return t
}

// dndOf decodes the doNotDisturb value of a published DeviceStateChangeMessage from its JSON.
func dndOf(p engine.Published) string {
	GinkgoHelper()
	var m struct {
		Devices []struct {
			DoNotDisturb string `json:"doNotDisturb"`
		} `json:"devices"`
	}
	Expect(json.Unmarshal(p.Data, &m)).To(Succeed())
	Expect(m.Devices).To(HaveLen(1))
	return m.Devices[0].DoNotDisturb
}

var _ = Describe("Engine", func() {
	var f *fixture
	BeforeEach(func() { f = newFixture() })

	It("holds an operation's notifications until its ticket is released, then delivers them encoded", func() {
		t := f.do(f.dnd("agent1", true))
		Expect(f.rec.all()).To(BeEmpty(), "nothing goes out before Release")
		t.Release()
		got := f.rec.all()
		Expect(got).To(HaveLen(1))
		p := got[0]
		Expect(p.Seq).To(Equal(uint64(1)))
		Expect(p.UserID).To(Equal(f.user("agent1").ID))
		Expect(p.Channel).To(Equal(voice.ChannelDevices))
		want, err := json.Marshal(p.Value)
		Expect(err).NotTo(HaveOccurred())
		Expect(p.Data).To(MatchJSON(want))
		Expect(p.Value).To(BeAssignableToTypeOf(voice.DeviceStateChange{}))
		Expect(dndOf(p)).To(Equal("On"))

		t.Release() // a second release is harmless
		var none *engine.Ticket
		none.Release()
		Expect(f.rec.all()).To(HaveLen(1))
	})

	It("delivers batches in sequence order even when tickets are released out of order", func() {
		t1 := f.do(f.dnd("agent1", true))
		t2 := f.do(f.dnd("agent2", true))
		t3 := f.do(f.dnd("agent1", false))
		t3.Release()
		t2.Release()
		Expect(f.rec.all()).To(BeEmpty(), "later batches wait for the first one")
		t1.Release()
		Expect(f.rec.seqs()).To(Equal([]uint64{1, 2, 3}))
		all := f.rec.all()
		Expect([]string{all[0].UserID, all[1].UserID, all[2].UserID}).To(Equal(
			[]string{f.user("agent1").ID, f.user("agent2").ID, f.user("agent1").ID}))
		Expect([]string{dndOf(all[0]), dndOf(all[1]), dndOf(all[2])}).To(Equal([]string{"On", "On", "Off"}))
	})

	It("keeps one operation's notifications together, in the order the core produced them", func() {
		c, a := f.user("customer1"), f.user("agent1")
		f.do(voice.Request{UserID: c.ID, Resource: voice.ResDeviceCalls, ResourceID: c.Device.ID,
			Operation: voice.OpDial, Destination: a.Device.DN}).Release()
		Expect(f.rec.batches).To(HaveLen(1))
		Expect(f.rec.batches[0]).To(HaveLen(2))
		Expect(f.rec.batches[0][0].UserID).To(Equal(c.ID))
		Expect(f.rec.batches[0][1].UserID).To(Equal(a.ID))
	})

	It("gives a failed operation no ticket and no place in the order, so the outbox never stalls on it", func() {
		t1 := f.do(f.dnd("agent1", true))
		t, err := f.eng.Do(f.ctx, f.dnd("agent2", false)) // DND is already off
		Expect(err).To(MatchError(voice.ErrInvalidState))
		var oe *voice.OpError
		Expect(errors.As(err, &oe)).To(BeTrue())
		Expect(t).To(BeNil())
		t3 := f.do(f.dnd("agent2", true))
		t1.Release()
		t3.Release()
		Expect(f.rec.seqs()).To(Equal([]uint64{1, 2}))
	})

	It("lets an operation without notifications through without stalling later ones", func() {
		a := f.user("agent1")
		quiet := f.do(voice.Request{UserID: a.ID, Resource: voice.ResMe, Operation: voice.OpEndContactCenterSession})
		t2 := f.do(f.dnd("agent1", true))
		t2.Release()
		Expect(f.rec.all()).To(BeEmpty())
		quiet.Release()
		Expect(f.rec.seqs()).To(Equal([]uint64{2}), "the empty batch is skipped, the next one delivered")
	})

	It("lets Read see the state the operations left, at the engine's time", func() {
		f.do(f.dnd("agent3", true)).Release()
		var dnd string
		var at time.Time
		Expect(f.eng.Read(f.ctx, func(st *voice.State, now time.Time) {
			dnd = st.UserDevices(f.user("agent3").ID)[0].DoNotDisturb
			at = now
		})).To(Succeed())
		Expect(dnd).To(Equal("On"))
		Expect(at).To(Equal(frozen()))
		Expect(f.eng.Now()).To(Equal(frozen()))
	})

	It("calls every sink in subscription order and stops calling a cancelled one", func() {
		var mu sync.Mutex
		var order []string
		sink := func(name string) engine.Sink {
			return func([]engine.Published) {
				mu.Lock()
				defer mu.Unlock()
				order = append(order, name)
			}
		}
		cancelA := f.eng.Subscribe(sink("a"))
		f.eng.Subscribe(sink("b"))
		f.do(f.dnd("agent1", true)).Release()
		cancelA()
		f.do(f.dnd("agent1", false)).Release()
		Expect(order).To(Equal([]string{"a", "b", "b"}))
		Expect(f.rec.seqs()).To(Equal([]uint64{1, 2}))
	})

	It("lets a caller waiting for a busy loop give up when its context ends", func() {
		entered, unblock := make(chan struct{}), make(chan struct{})
		readDone := make(chan error, 1)
		go func() {
			readDone <- f.eng.Read(f.ctx, func(*voice.State, time.Time) {
				close(entered)
				<-unblock
			})
		}()
		Eventually(entered).Should(BeClosed())
		ctx, cancel := context.WithCancel(f.ctx)
		cancel()
		_, err := f.eng.Do(ctx, f.dnd("agent1", true))
		Expect(err).To(MatchError(context.Canceled))
		close(unblock)
		Eventually(readDone).Should(Receive(BeNil()))
		Expect(f.eng.Read(f.ctx, func(st *voice.State, _ time.Time) {
			Expect(st.UserDevices(f.user("agent1").ID)[0].DoNotDisturb).To(Equal("Off"), "the abandoned operation never ran")
		})).To(Succeed())
	})

	It("serialises many concurrent callers: every user's notifications in order, one global sequence", func() {
		const perUser = 40
		names := []string{"customer1", "agent1", "agent2", "agent3", "supervisor1", "supervisor2", "customer2"}
		var wg sync.WaitGroup
		for _, name := range names {
			wg.Add(2)
			go func() {
				defer GinkgoRecover()
				defer wg.Done()
				for i := range perUser {
					t, err := f.eng.Do(f.ctx, f.dnd(name, i%2 == 0))
					Expect(err).NotTo(HaveOccurred())
					if i%3 == 0 { // release some tickets late, from another goroutine
						wg.Add(1)
						go func() { defer wg.Done(); t.Release() }()
					} else {
						t.Release()
					}
				}
			}()
			go func() { // readers racing the writers
				defer GinkgoRecover()
				defer wg.Done()
				for range perUser {
					Expect(f.eng.Read(f.ctx, func(st *voice.State, _ time.Time) { _ = st.UserDevices(f.user(name).ID) })).To(Succeed())
				}
			}()
		}
		wg.Wait()

		total := perUser * len(names)
		want := make([]uint64, total)
		for i := range want {
			want[i] = uint64(i + 1)
		}
		Expect(f.rec.seqs()).To(Equal(want), "every batch delivered once, in sequence order")
		seen := map[string][]string{}
		for _, p := range f.rec.all() {
			seen[p.UserID] = append(seen[p.UserID], dndOf(p))
		}
		for _, name := range names {
			got := seen[f.user(name).ID]
			Expect(got).To(HaveLen(perUser))
			for i, v := range got {
				Expect(v).To(Equal(map[bool]string{true: "On", false: "Off"}[i%2 == 0]), "%s's notification %d out of order", name, i)
			}
		}
	})
})

var _ = Describe("Closing the engine", func() {
	It("stops the loop without leaking goroutines; later calls return ErrClosed", func() {
		before := gleak.Goroutines()
		env := fixtures.Default()
		eng := engine.New(voice.New(env, voice.Options{}), engine.Options{})
		u, _ := env.UserByName("agent1")
		req := voice.Request{UserID: u.ID, Resource: voice.ResDevice, ResourceID: u.Device.ID, Operation: voice.OpDoNotDisturbOn}
		t, err := eng.Do(context.Background(), req)
		Expect(err).NotTo(HaveOccurred())
		t.Release()
		Expect(eng.Now()).To(BeTemporally("~", time.Now(), time.Minute), "without Options.Now the engine uses the wall clock")

		eng.Close()
		eng.Close() // idempotent
		Eventually(gleak.Goroutines).WithTimeout(3 * time.Second).ShouldNot(gleak.HaveLeaked(before))

		_, err = eng.Do(context.Background(), req)
		Expect(err).To(MatchError(engine.ErrClosed))
		Expect(eng.Read(context.Background(), func(*voice.State, time.Time) {
			Fail("Read ran after Close")
		})).To(MatchError(engine.ErrClosed))
	})

	It("drops batches still waiting for their tickets", func() {
		f := newFixture()
		t := f.do(f.dnd("agent1", true))
		f.eng.Close()
		t.Release()
		Expect(f.rec.all()).To(BeEmpty())
	})

	It("returns from Close while callers wait, and they get ErrClosed", func() {
		f := newFixture()
		entered, unblock := make(chan struct{}), make(chan struct{})
		go func() {
			defer GinkgoRecover()
			_ = f.eng.Read(f.ctx, func(*voice.State, time.Time) { close(entered); <-unblock })
		}()
		Eventually(entered).Should(BeClosed())
		results := make(chan error, 4)
		for range cap(results) {
			go func() {
				_, err := f.eng.Do(f.ctx, f.dnd("agent1", true))
				results <- err
			}()
		}
		closed := make(chan struct{})
		go func() { f.eng.Close(); close(closed) }()
		Consistently(closed, "50ms").ShouldNot(BeClosed(), "Close waits for the operation in progress")
		close(unblock)
		Eventually(closed).Should(BeClosed())
		for range cap(results) {
			var err error
			Eventually(results).Should(Receive(&err))
			Expect(err).To(SatisfyAny(BeNil(), MatchError(engine.ErrClosed)), fmt.Sprint(err))
		}
	})
})
