package engine_test

import (
	"context"
	"sort"
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

// togglingActor turns agent1's DoNotDisturb on and off at scheduled times and records when it acted and what
// it observed. Its methods run on the engine's loop; the test reads its record under the lock.
type togglingActor struct {
	user fixtures.User

	mu       sync.Mutex
	due      []time.Time
	acted    []time.Time
	observed int
	echo     time.Duration // when > 0, every observed change schedules one more action this much later
}

func (a *togglingActor) schedule(at ...time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.due = append(a.due, at...)
	sort.Slice(a.due, func(i, j int) bool { return a.due[i].Before(a.due[j]) })
}

func (a *togglingActor) Next() (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.due) == 0 {
		return time.Time{}, false
	}
	return a.due[0], true
}

func (a *togglingActor) Act(st *voice.State, at time.Time) []voice.Notification {
	a.mu.Lock()
	a.due = a.due[1:]
	a.acted = append(a.acted, at)
	on := len(a.acted)%2 == 1
	a.mu.Unlock()
	op := voice.OpDoNotDisturbOff
	if on {
		op = voice.OpDoNotDisturbOn
	}
	notes, err := st.Apply(at, voice.Request{UserID: a.user.ID, Resource: voice.ResDevice,
		ResourceID: a.user.Device.ID, Operation: op})
	Expect(err).NotTo(HaveOccurred())
	return notes
}

func (a *togglingActor) Observe(now time.Time, notes []voice.Notification) {
	a.mu.Lock()
	a.observed += len(notes)
	echo := a.echo
	a.mu.Unlock()
	if echo > 0 {
		a.schedule(now.Add(echo))
	}
}

func (a *togglingActor) actedAt() []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]time.Time(nil), a.acted...)
}

func (a *togglingActor) observedCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.observed
}

var _ = Describe("Engine with an actor", func() {
	var (
		env   *fixtures.Environment
		agent fixtures.User
		vc    *clock.Virtual
		actor *togglingActor
		rec   *recorder
		eng   *engine.Engine
		ctx   = context.Background()
	)
	start := clock.Epoch
	at := func(d time.Duration) time.Time { return start.Add(d) }

	BeforeEach(func() {
		env = fixtures.Default()
		agent, _ = env.UserByName("agent1")
		var err error
		vc, err = clock.NewVirtual(start, 0)
		Expect(err).NotTo(HaveOccurred())
		actor = &togglingActor{user: agent}
		rec = &recorder{}
	})
	startEngine := func() {
		eng = engine.New(voice.New(env, voice.Options{}), engine.Options{Clock: vc, Actor: actor})
		eng.Subscribe(rec.sink)
		DeferCleanup(eng.Close)
	}

	It("performs each action at its own scheduled time as the virtual clock is advanced past it", func() {
		actor.schedule(at(10*time.Second), at(5*time.Second), at(90*time.Second))
		startEngine()
		now, acted, err := eng.Advance(ctx, time.Minute)
		Expect(err).NotTo(HaveOccurred())
		Expect(now).To(Equal(at(time.Minute)))
		Expect(acted).To(Equal(2))
		Expect(actor.actedAt()).To(Equal([]time.Time{at(5 * time.Second), at(10 * time.Second)}))
		Expect(rec.all()).To(HaveLen(2), "the actor's notifications go out at once")
		Expect(dndOf(rec.all()[0])).To(Equal("On"))
		Expect(dndOf(rec.all()[1])).To(Equal("Off"))

		_, acted, err = eng.Advance(ctx, time.Minute)
		Expect(err).NotTo(HaveOccurred())
		Expect(acted).To(Equal(1))
		Expect(actor.actedAt()[2]).To(Equal(at(90 * time.Second)))
	})

	It("acts before an operation or a read that comes after the action's time", func() {
		actor.schedule(at(0))
		startEngine()
		var dnd string
		Expect(eng.Read(ctx, func(st *voice.State, _ time.Time) {
			dnd = st.UserDevices(agent.ID)[0].DoNotDisturb
		})).To(Succeed())
		Expect(dnd).To(Equal("On"), "the action due at the start ran before the read")
	})

	It("lets the actor observe changes made by others and react to them on the clock", func() {
		actor.echo = 3 * time.Second
		startEngine()
		sup, _ := env.UserByName("supervisor1")
		t, err := eng.Do(ctx, voice.Request{UserID: sup.ID, Resource: voice.ResDevice, ResourceID: sup.Device.ID,
			Operation: voice.OpDoNotDisturbOn})
		Expect(err).NotTo(HaveOccurred())
		t.Release()
		Expect(actor.observedCount()).To(Equal(1))
		Expect(actor.actedAt()).To(BeEmpty(), "the reaction waits for its time")
		_, acted, err := eng.Advance(ctx, 3*time.Second)
		Expect(err).NotTo(HaveOccurred())
		Expect(acted).To(Equal(1))
		Expect(actor.actedAt()).To(Equal([]time.Time{at(3 * time.Second)}))
	})

	It("runs the actor on a moving virtual clock without being told", func() {
		fast, err := clock.NewVirtual(start, 1000) // a virtual second per real millisecond
		Expect(err).NotTo(HaveOccurred())
		vc = fast
		actor.schedule(at(2 * time.Second))
		startEngine()
		Eventually(actor.actedAt).WithTimeout(5 * time.Second).Should(Equal([]time.Time{at(2 * time.Second)}))
	})

	It("starts afresh on Reset: the new state and actor replace the old ones", func() {
		actor.schedule(at(time.Second))
		startEngine()
		_, _, err := eng.Advance(ctx, 2*time.Second)
		Expect(err).NotTo(HaveOccurred())
		next := &togglingActor{user: agent}
		next.schedule(at(time.Hour))
		actor.schedule(at(3 * time.Second)) // must never run: this actor is gone
		Expect(eng.Reset(ctx, voice.New(env, voice.Options{}), next)).To(Succeed())
		var dnd string
		Expect(eng.Read(ctx, func(st *voice.State, _ time.Time) {
			dnd = st.UserDevices(agent.ID)[0].DoNotDisturb
		})).To(Succeed())
		Expect(dnd).To(Equal("Off"), "the fresh state")
		_, acted, err := eng.Advance(ctx, time.Hour)
		Expect(err).NotTo(HaveOccurred())
		Expect(acted).To(Equal(1))
		Expect(actor.actedAt()).To(HaveLen(1))
		Expect(next.actedAt()).To(Equal([]time.Time{at(time.Hour)}))
	})

	It("refuses to advance a clock that is not virtual", func() {
		e := engine.New(voice.New(env, voice.Options{}), engine.Options{})
		defer e.Close()
		_, _, err := e.Advance(ctx, time.Second)
		Expect(err).To(MatchError(engine.ErrNotAdvanceable))
	})

	It("leaves no goroutine behind when closed while waiting for an action", func() {
		before := gleak.Goroutines()
		real := &togglingActor{user: agent}
		real.schedule(time.Now().Add(time.Hour))
		e := engine.New(voice.New(env, voice.Options{}), engine.Options{Actor: real})
		e.Close()
		Eventually(gleak.Goroutines).WithTimeout(2 * time.Second).ShouldNot(gleak.HaveLeaked(before))
	})
})
