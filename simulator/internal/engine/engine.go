// Package engine is the single owner of the simulator's voice state.
//
// One goroutine (the loop) holds the *voice.State; every operation and every read runs on it, one at a time,
// in arrival order. An operation's notifications are stamped with a sequence number and encoded to JSON, then
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

	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// ErrClosed is returned by calls made after Close.
var ErrClosed = errors.New("engine closed")

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
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Engine serialises access to one voice.State.
type Engine struct {
	now   func() time.Time
	tasks chan func(*voice.State)
	quit  chan struct{}
	done  chan struct{}
	once  sync.Once

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
		now:   opts.Now,
		tasks: make(chan func(*voice.State)),
		quit:  make(chan struct{}),
		done:  make(chan struct{}),
		sinks: map[int]Sink{},
	}
	if e.now == nil {
		e.now = time.Now
	}
	go e.loop(st)
	return e
}

func (e *Engine) loop(st *voice.State) {
	defer close(e.done)
	for {
		select {
		case task := <-e.tasks:
			task(st)
		case <-e.quit:
			return
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

// run executes fn on the loop and waits for it.
func (e *Engine) run(ctx context.Context, fn func(*voice.State)) error {
	finished := make(chan struct{})
	task := func(st *voice.State) {
		defer close(finished)
		fn(st)
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
	var (
		notes []voice.Notification
		opErr error
		b     *batch
	)
	err := e.run(ctx, func(st *voice.State) {
		notes, opErr = st.Apply(e.now(), req)
		if opErr == nil {
			b = e.enqueue(len(notes))
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
	return e.run(ctx, func(st *voice.State) { fn(st, e.now()) })
}

// Now is the engine's clock.
func (e *Engine) Now() time.Time { return e.now() }

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
