package engine_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/clock"
	"github.com/coachsim/coachsim/simulator/internal/engine"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// dndToggles returns, for each user of the environment, the two requests that switch DND on and off.
func dndToggles(env *fixtures.Environment) [][2]voice.Request {
	out := make([][2]voice.Request, 0, len(env.Users))
	for _, u := range env.Users {
		r := voice.Request{UserID: u.ID, Resource: voice.ResDevice, ResourceID: u.Device.ID}
		on, off := r, r
		on.Operation, off.Operation = voice.OpDoNotDisturbOn, voice.OpDoNotDisturbOff
		out = append(out, [2]voice.Request{on, off})
	}
	return out
}

func benchEngine(b *testing.B) (*engine.Engine, [][2]voice.Request, *atomic.Int64) {
	env := fixtures.Default()
	eng := engine.New(voice.New(env, voice.Options{}), engine.Options{Clock: clock.Func(frozen)})
	b.Cleanup(eng.Close)
	var delivered atomic.Int64
	eng.Subscribe(func(batch []engine.Published) { delivered.Add(int64(len(batch))) })
	return eng, dndToggles(env), &delivered
}

// BenchmarkDoRelease measures one operation through the engine: apply, encode, hold, release, deliver.
func BenchmarkDoRelease(b *testing.B) {
	eng, toggles, delivered := benchEngine(b)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		t, err := eng.Do(ctx, toggles[0][i%2])
		if err != nil {
			b.Fatal(err)
		}
		t.Release()
	}
	if delivered.Load() == 0 {
		b.Fatal("nothing delivered")
	}
}

// BenchmarkDoReleaseParallel measures the same with every user of the environment acting at once.
func BenchmarkDoReleaseParallel(b *testing.B) {
	eng, toggles, delivered := benchEngine(b)
	ctx := context.Background()
	var next atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		pair := toggles[int(next.Add(1)-1)%len(toggles)]
		on := true
		for pb.Next() {
			r := pair[1]
			if on {
				r = pair[0]
			}
			t, err := eng.Do(ctx, r)
			if err != nil { // two goroutines may share a user: a refused toggle is fine, flip and go on
				on = !on
				continue
			}
			on = !on
			t.Release()
		}
	})
	if delivered.Load() == 0 {
		b.Fatal("nothing delivered")
	}
}
