// Package clock is the simulator's time source. The engine reads the time and schedules scripted actions
// only through a Clock, so that a script can run on the wall clock, faster than it, or only when told to.
//
//   - Real is the wall clock.
//   - Virtual starts at a fixed epoch and runs at a speed factor of real time (speed 0: it stands still);
//     Advance moves it forward at once.
//   - Func adapts a plain time function, for tests that freeze time.
//
// Concurrency contract: every Clock here is safe for concurrent use.
package clock

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// Clock tells the time and how long, in real time, it takes to reach a given time.
type Clock interface {
	// Now is the current time on this clock.
	Now() time.Time
	// Until is the real time to wait until the clock reads t (0 when it already does), and false when the
	// clock will not get there on its own (a stopped virtual clock: only Advance moves it).
	Until(t time.Time) (time.Duration, bool)
}

// Advancer is a clock that can be moved forward at once.
type Advancer interface {
	Clock
	Advance(d time.Duration)
}

// Real is the wall clock.
type Real struct{}

// Now is time.Now.
func (Real) Now() time.Time { return time.Now() }

// Until is time.Until, never negative.
func (Real) Until(t time.Time) (time.Duration, bool) { return max(time.Until(t), 0), true }

// Func is a clock read from a function, e.g. a frozen time in tests. Time passes on it as real time does.
type Func func() time.Time

// Now calls the function.
func (f Func) Now() time.Time { return f() }

// Until is the distance from the function's time, taken as real time.
func (f Func) Until(t time.Time) (time.Duration, bool) { return max(t.Sub(f()), 0), true }

// Epoch is where a virtual clock starts unless told otherwise: a fixed instant, so that runs repeat exactly.
var Epoch = time.Date(2026, time.January, 5, 9, 0, 0, 0, time.UTC)

// Virtual is a clock that runs at a multiple of real time and can be advanced.
type Virtual struct {
	real func() time.Time

	mu     sync.Mutex
	base   time.Time // the virtual time at anchor
	anchor time.Time // a real time
	speed  float64
}

// NewVirtual returns a clock reading start that runs at speed times real time (0: stands still until
// advanced). Speeds below 0, NaN or infinite are errors.
func NewVirtual(start time.Time, speed float64) (*Virtual, error) {
	return newVirtual(start, speed, time.Now)
}

func newVirtual(start time.Time, speed float64, real func() time.Time) (*Virtual, error) {
	if speed < 0 || math.IsNaN(speed) || math.IsInf(speed, 0) {
		return nil, fmt.Errorf("clock speed must be a number >= 0, not %v", speed)
	}
	return &Virtual{real: real, base: start, anchor: real(), speed: speed}, nil
}

// Now is the virtual time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.nowLocked()
}

func (v *Virtual) nowLocked() time.Time {
	if v.speed == 0 {
		return v.base
	}
	elapsed := v.real().Sub(v.anchor)
	return v.base.Add(time.Duration(float64(elapsed) * v.speed))
}

// Until is the real time until the virtual clock reads t; false at speed 0 (only Advance gets there).
func (v *Virtual) Until(t time.Time) (time.Duration, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	ahead := t.Sub(v.nowLocked())
	if ahead <= 0 {
		return 0, true
	}
	if v.speed == 0 {
		return 0, false
	}
	return time.Duration(math.Ceil(float64(ahead) / v.speed)), true
}

// Advance moves the clock forward by d at once (d <= 0 does nothing). Whoever schedules on the clock must
// hear of it: the simulator advances only through its engine, which then runs what fell due.
func (v *Virtual) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.base = v.nowLocked().Add(d)
	v.anchor = v.real()
}

// Speed is the clock's speed factor.
func (v *Virtual) Speed() float64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.speed
}
