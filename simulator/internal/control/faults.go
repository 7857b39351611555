package control

import (
	"sort"
	"sync"
	"time"
)

// Faults are the failures the control API has injected: a delay on every notification, and failures waiting
// for users' next operations.
//
// Concurrency contract: safe for concurrent use.
type Faults struct {
	mu       sync.Mutex
	delay    time.Duration
	failNext map[string]int // user id -> statusCode
}

// NewFaults returns a set with nothing injected.
func NewFaults() *Faults { return &Faults{failNext: map[string]int{}} }

// TakeFailure reports, once, the statusCode the user's next operation must fail with.
func (f *Faults) TakeFailure(userID string) (int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	code, ok := f.failNext[userID]
	delete(f.failNext, userID)
	return code, ok
}

// Delay is how long notifications are held before delivery.
func (f *Faults) Delay() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.delay
}

func (f *Faults) setDelay(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay = d
}

func (f *Faults) failNextOf(userID string, code int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext[userID] = code
}

// Clear removes every injected fault.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay = 0
	clear(f.failNext)
}

// pending lists the users with a failure waiting, sorted, with their statusCodes.
func (f *Faults) pending() (time.Duration, []string, map[string]int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := make([]string, 0, len(f.failNext))
	codes := make(map[string]int, len(f.failNext))
	for id, c := range f.failNext {
		ids = append(ids, id)
		codes[id] = c
	}
	sort.Strings(ids)
	return f.delay, ids, codes
}
