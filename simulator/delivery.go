package simulator

import (
	"sync"
	"time"

	"github.com/coachsim/coachsim/simulator/internal/engine"
)

// delivery hands published notifications to the CometD endpoint, holding each batch back by the injected
// notification delay (control API fault injection). Batches always leave in the order they came: while
// anything is held back, later batches queue behind it even when the delay has meanwhile been lowered.
//
// Concurrency contract: deliver is an engine sink (called one batch at a time, must not block); close may be
// called from any goroutine, once. A goroutine runs only while batches are held back.
type delivery struct {
	delay   func() time.Duration
	publish func(engine.Published)

	mu      sync.Mutex
	held    []heldBatch
	running bool
	closed  bool
	quit    chan struct{}
	idle    sync.WaitGroup
}

type heldBatch struct {
	due   time.Time
	items []engine.Published
}

func newDelivery(delay func() time.Duration, publish func(engine.Published)) *delivery {
	return &delivery{delay: delay, publish: publish, quit: make(chan struct{})}
}

func (d *delivery) deliver(batch []engine.Published) {
	wait := d.delay()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	if wait <= 0 && len(d.held) == 0 {
		for _, p := range batch {
			d.publish(p)
		}
		return
	}
	d.held = append(d.held, heldBatch{due: time.Now().Add(wait), items: batch})
	if !d.running {
		d.running = true
		d.idle.Add(1)
		go d.drain()
	}
}

// drain publishes held batches as they fall due, and ends when none is left.
func (d *delivery) drain() {
	defer d.idle.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		d.mu.Lock()
		if len(d.held) == 0 || d.closed {
			d.running = false
			d.mu.Unlock()
			return
		}
		head := d.held[0]
		if wait := time.Until(head.due); wait > 0 {
			d.mu.Unlock()
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-d.quit:
			}
			continue
		}
		d.held = d.held[1:]
		for _, p := range head.items {
			d.publish(p)
		}
		d.mu.Unlock()
	}
}

// drop discards whatever is held back (the simulator was reset: it belongs to a state that is gone).
func (d *delivery) drop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.held = nil
}

// close drops whatever is held back and waits for the goroutine to end.
func (d *delivery) close() {
	d.mu.Lock()
	if !d.closed {
		d.closed = true
		d.held = nil
		close(d.quit)
	}
	d.mu.Unlock()
	d.idle.Wait()
}
