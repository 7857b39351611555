// Package engine is the single owner of the simulator's voice state.
//
// One goroutine (the loop) holds the *voice.State; every operation and every read runs on it, one at a time,
// in arrival order. The loop also runs an optional Actor (the script that makes the environment busy on its
// own): whenever the actor's next action falls due on the clock, and before every operation or read, the
// loop lets the actor act at the exact time each action was scheduled for, so that a script's trace depends
// only on the script and its seed, never on how fast the loop got there. An operation's notifications are stamped with a sequence number and encoded to JSON, then
// wait in an outbox until the caller releases them (the REST adapter releases after writing its HTTP reply, as
// behaviour.md §2 requires). The outbox delivers batches to sinks strictly in sequence order, so every user
// sees its notifications in the order the core produced them, whatever order callers release in.
//
// Concurrency contract: all methods are safe for concurrent use. Sinks are called one batch at a time, in
// order, from whichever goroutine released the batch that unblocked the outbox; a sink must not block and must
// not call back into the engine.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/coachsim/coachsim/simulator/internal/clock"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// ErrClosed is returned by calls made after Close.
var ErrClosed = errors.New("engine closed")

// ErrNotAdvanceable is returned by Advance when the engine runs on a clock that cannot be advanced.
var ErrNotAdvanceable = errors.New("the clock is not virtual: only a virtual clock can be advanced")

// Actor acts in the environment on its own: the script's callers, agents and supervisors. Its methods run on
// the engine's loop only, one at a time, so an Actor needs no locking.
type Actor interface {
	// Next is when the actor next wants to act; false when nothing is scheduled.
	Next() (time.Time, bool)
	// Act performs the actor's earliest scheduled action, at time at (what Next returned), applying
	// operations to st, and returns the notifications they caused, in order.
	Act(st *voice.State, at time.Time) []voice.Notification
	// Observe shows the actor every notification a change made by someone else caused (an API client or the
	// control API), right after the change, so that it can react (schedule an answer, say).
	Observe(now time.Time, notes []voice.Notification)
}

// Change is one change of the state made on the loop at time now: the notifications it caused, or an error
// and no change at all.
type Change func(st *voice.State, now time.Time) ([]voice.Notification, error)

// Published is one notification ready for delivery.
type Published struct {
	Seq     uint64 // position of its batch in the global order
	UserID  string
	Channel string
	Data    json.RawMessage
	Value   any // the typed payload (voice.DeviceStateChange or voice.CallStateChange)
}

// Sink receives batches of published notifications, in order.
type Sink func(batch []Published)

// Options configure an engine.
type Options struct {
	// Clock is the time source; nil means the wall clock.
	Clock clock.Clock
	// Actor, when set, acts on its own as its actions fall due.
	Actor Actor
	// Sinks are subscribed before the loop starts, so that they see everything, including what the actor
	// does the moment the engine starts. Subscribe adds sinks later.
	Sinks []Sink
}

// Engine serialises access to one voice.State.
type Engine struct {
	clock clock.Clock
	tasks chan func()
	quit  chan struct{}
	done  chan struct{}
	once  sync.Once

	// Owned by the loop goroutine.
	st    *voice.State
	actor Actor
	acted uint64 // actions the actor performed

	mu      sync.Mutex // guards the outbox and the sinks
	closed  bool       // set by Close: nothing is delivered any more
	seq     uint64
	pending []*batch
	sinks   map[int]Sink
	nextID  int
}

type batch struct {
	seq      uint64
	items    []Published
	released bool
}

// New starts an engine owning st.
func New(st *voice.State, opts Options) *Engine {
	e := &Engine{
		clock: opts.Clock,
		tasks: make(chan func()),
		quit:  make(chan struct{}),
		done:  make(chan struct{}),
		sinks: map[int]Sink{},
		st:    st,
		actor: opts.Actor,
	}
	if e.clock == nil {
		e.clock = clock.Real{}
	}
	for _, s := range opts.Sinks {
		e.sinks[e.nextID] = s
		e.nextID++
	}
	go e.loop()
	return e
}

func (e *Engine) loop() {
	defer close(e.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		e.actDue(e.clock.Now())
		var wake <-chan time.Time
		if e.actor != nil {
			if at, ok := e.actor.Next(); ok {
				if d, ok := e.clock.Until(at); ok {
					timer.Reset(d)
					wake = timer.C
				}
			}
		}
		select {
		case task := <-e.tasks:
			task()
		case <-wake:
		case <-e.quit:
			return
		}
		timer.Stop()
	}
}

// actDue lets the actor perform, in order, every action scheduled at or before now, each at its own time.
// Their notifications go out at once (after any batch still waiting for its release).
func (e *Engine) actDue(now time.Time) {
	for e.actor != nil {
		at, ok := e.actor.Next()
		if !ok || at.After(now) {
			return
		}
		notes := e.actor.Act(e.st, at)
		e.acted++
		if len(notes) > 0 {
			b := e.enqueue(len(notes))
			fill(b, notes)
			e.release(b)
		}
	}
}

// Close stops the loop; pending batches are dropped, and tickets released afterwards deliver nothing. It is
// idempotent.
func (e *Engine) Close() {
	e.once.Do(func() { close(e.quit) })
	<-e.done
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	e.pending = nil
}

// run executes fn on the loop at the clock's current time, after every action that fell due by then, and
// waits for it.
func (e *Engine) run(ctx context.Context, fn func(st *voice.State, now time.Time)) error {
	finished := make(chan struct{})
	task := func() {
		defer close(finished)
		now := e.clock.Now()
		e.actDue(now)
		fn(e.st, now)
	}
	select {
	case e.tasks <- task:
	case <-ctx.Done():
		return ctx.Err()
	case <-e.quit:
		return ErrClosed
	}
	<-finished
	return nil
}

// Ticket holds an operation's notifications until Release. The zero or nil Ticket releases nothing.
type Ticket struct {
	e *Engine
	b *batch
}

// Do applies one operation. On success the notifications wait in the outbox until the ticket is released;
// the caller must release it exactly once (after writing its reply), or the outbox stalls.
func (e *Engine) Do(ctx context.Context, req voice.Request) (*Ticket, error) {
	return e.Change(ctx, func(st *voice.State, now time.Time) ([]voice.Notification, error) {
		return st.Apply(now, req)
	})
}

// Change applies any change to the state (an operation, a call from outside…) the way Do does: on success
// the notifications wait until the ticket is released, and the actor observes them.
func (e *Engine) Change(ctx context.Context, fn Change) (*Ticket, error) {
	var (
		notes []voice.Notification
		opErr error
		b     *batch
	)
	err := e.run(ctx, func(st *voice.State, now time.Time) {
		notes, opErr = fn(st, now)
		if opErr == nil {
			b = e.enqueue(len(notes))
			if e.actor != nil && len(notes) > 0 {
				e.actor.Observe(now, notes)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if opErr != nil {
		return nil, opErr
	}
	fill(b, notes)
	return &Ticket{e: e, b: b}, nil
}

// Read runs fn on the loop with exclusive access to the state, for queries. fn must not keep references to
// the state or mutate it.
func (e *Engine) Read(ctx context.Context, fn func(st *voice.State, now time.Time)) error {
	return e.run(ctx, fn)
}

// Now is the engine's clock.
func (e *Engine) Now() time.Time { return e.clock.Now() }

// Clock is the engine's time source.
func (e *Engine) Clock() clock.Clock { return e.clock }

// Advance moves a virtual clock forward by d and lets the actor perform everything that falls due on the
// way, each action at its own time. It returns the clock's new time and how many actions were performed.
func (e *Engine) Advance(ctx context.Context, d time.Duration) (time.Time, int, error) {
	adv, ok := e.clock.(clock.Advancer)
	if !ok {
		return time.Time{}, 0, ErrNotAdvanceable
	}
	var (
		now   time.Time
		acted uint64
	)
	err := e.run(ctx, func(*voice.State, time.Time) {
		before := e.acted
		adv.Advance(d)
		now = e.clock.Now()
		e.actDue(now)
		acted = e.acted - before
	})
	return now, int(acted), err
}

// Reset replaces the state and the actor (nil: none), as if the engine had just started with them. Batches
// already produced still go out when released.
func (e *Engine) Reset(ctx context.Context, st *voice.State, actor Actor) error {
	return e.run(ctx, func(*voice.State, time.Time) {
		e.st, e.actor = st, actor
	})
}

// enqueue reserves the next place in the global order. Called on the loop only, so sequence order equals
// the order in which the core produced the batches.
func (e *Engine) enqueue(n int) *batch {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	b := &batch{seq: e.seq, items: make([]Published, 0, n)}
	e.pending = append(e.pending, b)
	return b
}

func fill(b *batch, notes []voice.Notification) {
	for _, n := range notes {
		data, err := json.Marshal(n.Data)
		if err != nil { // the view types always encode; keep the invariant loud
			panic("engine: encoding notification: " + err.Error())
		}
		b.items = append(b.items, Published{Seq: b.seq, UserID: n.UserID, Channel: n.Channel, Data: data, Value: n.Data})
	}
}

// Release lets the ticket's notifications go out, after every earlier batch.
func (t *Ticket) Release() {
	if t == nil || t.b == nil {
		return
	}
	t.e.release(t.b)
	t.b = nil
}

func (e *Engine) release(b *batch) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	b.released = true
	for len(e.pending) > 0 && e.pending[0].released {
		head := e.pending[0]
		e.pending[0] = nil
		e.pending = e.pending[1:]
		if len(head.items) == 0 {
			continue
		}
		for _, id := range e.sinkOrder() {
			e.sinks[id](head.items)
		}
	}
}

func (e *Engine) sinkOrder() []int {
	ids := make([]int, 0, len(e.sinks))
	for id := range e.sinks {
		ids = append(ids, id)
	}
	for i := 1; i < len(ids); i++ { // insertion sort: a handful of sinks
		for j := i; j > 0 && ids[j] < ids[j-1]; j-- {
			ids[j], ids[j-1] = ids[j-1], ids[j]
		}
	}
	return ids
}

// Subscribe adds a sink; the returned func removes it.
func (e *Engine) Subscribe(s Sink) (cancel func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := e.nextID
	e.nextID++
	e.sinks[id] = s
	return func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		delete(e.sinks, id)
	}
}
