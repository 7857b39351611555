package longpoll

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Fire publishes trigger number seq (0, 1, ...) stamped with stamp, the time it was meant to be sent.
type Fire func(ctx context.Context, seq int, stamp time.Time) error

// Plan says how many triggers to send and how fast.
type Plan struct {
	Count int
	// Rate is triggers per second on an open-loop schedule: trigger i is due at start + i/Rate and carries
	// that intended time as its stamp, whether or not the sender was free then. 0: closed loop, as fast as
	// Workers senders can go, each trigger stamped when it is sent.
	Rate    float64
	Workers int // concurrent senders (0: 32)
}

// Drive sends plan.Count triggers through fire and returns when all were sent or the first one failed. It
// returns the time the first trigger was due.
func Drive(ctx context.Context, fire Fire, plan Plan) (time.Time, error) {
	workers := plan.Workers
	if workers <= 0 {
		workers = 32
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		first    error
		failOnce sync.Once
		wg       sync.WaitGroup
	)
	failed := func(err error) {
		failOnce.Do(func() { first = err; cancel() })
	}
	start := time.Now()
	if plan.Rate <= 0 {
		var next atomic.Int64
		for range workers {
			wg.Go(func() {
				for {
					i := int(next.Add(1) - 1)
					if i >= plan.Count || ctx.Err() != nil {
						return
					}
					if err := fire(ctx, i, time.Now()); err != nil {
						failed(err)
						return
					}
				}
			})
		}
		wg.Wait()
		return start, first
	}
	type due struct {
		seq int
		at  time.Time
	}
	queue := make(chan due, plan.Count)
	for range workers {
		wg.Go(func() {
			for d := range queue {
				if ctx.Err() != nil {
					continue
				}
				if err := fire(ctx, d.seq, d.at); err != nil {
					failed(err)
				}
			}
		})
	}
	interval := time.Duration(float64(time.Second) / plan.Rate)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for i := 0; i < plan.Count && ctx.Err() == nil; i++ {
		at := start.Add(time.Duration(i) * interval)
		if wait := time.Until(at); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
			}
		}
		queue <- due{i, at}
	}
	close(queue)
	wg.Wait()
	return start, first
}
