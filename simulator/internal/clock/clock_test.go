package clock

import (
	"math"
	"testing"
	"time"
)

// fakeReal is a real-time source the test moves by hand.
type fakeReal struct{ t time.Time }

func (f *fakeReal) now() time.Time { return f.t }

func TestVirtualRunsAtItsSpeed(t *testing.T) {
	real := &fakeReal{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	cases := []struct {
		speed      float64
		realPassed time.Duration
		want       time.Duration // virtual time passed
	}{
		{0, time.Hour, 0},
		{1, 3 * time.Second, 3 * time.Second},
		{60, 2 * time.Second, 2 * time.Minute},
		{0.5, 10 * time.Second, 5 * time.Second},
	}
	for _, c := range cases {
		v, err := newVirtual(Epoch, c.speed, real.now)
		if err != nil {
			t.Fatal(err)
		}
		real.t = real.t.Add(c.realPassed)
		if got := v.Now().Sub(Epoch); got != c.want {
			t.Errorf("speed %v after %v real: virtual %v passed, want %v", c.speed, c.realPassed, got, c.want)
		}
	}
}

func TestVirtualAdvanceAndUntil(t *testing.T) {
	real := &fakeReal{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	v, _ := newVirtual(Epoch, 10, real.now)
	real.t = real.t.Add(time.Second) // 10s virtual
	v.Advance(time.Minute)           // 70s virtual
	if got := v.Now().Sub(Epoch); got != 70*time.Second {
		t.Fatalf("after advance: %v, want 70s", got)
	}
	real.t = real.t.Add(time.Second) // keeps running from the advanced time: 80s
	if got := v.Now().Sub(Epoch); got != 80*time.Second {
		t.Fatalf("running after advance: %v, want 80s", got)
	}
	if d, ok := v.Until(Epoch.Add(100 * time.Second)); !ok || d != 2*time.Second {
		t.Fatalf("until +20s virtual at speed 10: %v %v, want 2s true", d, ok)
	}
	if d, ok := v.Until(Epoch); !ok || d != 0 {
		t.Fatalf("until the past: %v %v, want 0 true", d, ok)
	}
	v.Advance(-time.Hour) // ignored
	if got := v.Now().Sub(Epoch); got != 80*time.Second {
		t.Fatalf("a negative advance moved the clock to %v", got)
	}
}

func TestStoppedVirtualNeverGetsThereAlone(t *testing.T) {
	v, _ := NewVirtual(Epoch, 0)
	if _, ok := v.Until(Epoch.Add(time.Nanosecond)); ok {
		t.Fatal("a stopped clock claims it will reach the future on its own")
	}
	if d, ok := v.Until(Epoch); !ok || d != 0 {
		t.Fatalf("until now: %v %v", d, ok)
	}
	v.Advance(time.Second)
	if !v.Now().Equal(Epoch.Add(time.Second)) {
		t.Fatalf("advance on a stopped clock: %v", v.Now())
	}
}

func TestBadSpeeds(t *testing.T) {
	for _, s := range []float64{-1, math.NaN(), math.Inf(1)} {
		if _, err := NewVirtual(Epoch, s); err == nil {
			t.Errorf("speed %v accepted", s)
		}
	}
}

func TestRealAndFunc(t *testing.T) {
	if d, ok := (Real{}).Until(time.Now().Add(-time.Hour)); !ok || d != 0 {
		t.Fatalf("Real until the past: %v %v", d, ok)
	}
	frozen := Func(func() time.Time { return Epoch })
	if d, ok := frozen.Until(Epoch.Add(5 * time.Second)); !ok || d != 5*time.Second {
		t.Fatalf("Func until: %v %v", d, ok)
	}
}
