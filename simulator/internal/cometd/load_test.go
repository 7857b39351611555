package cometd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
)

// loadReceiver is one polling client of the load spec.
type loadReceiver struct {
	c        *client
	user     string
	useAck   bool
	abort    float64 // share of connects the client aborts at a random moment
	want     int
	received atomic.Int64
	progress chan struct{} // signalled after each delivered batch
}

// run polls until want messages arrived, checking that seq values come exactly in order: 0, 1, 2, ...
func (r *loadReceiver) run(ctx context.Context, rng *rand.Rand) (aborted int, err error) {
	var batch float64
	for int(r.received.Load()) < r.want {
		if ctx.Err() != nil {
			return aborted, fmt.Errorf("%s: gave up after %d of %d messages", r.user, r.received.Load(), r.want)
		}
		extra := map[string]any{}
		if r.useAck {
			extra["ext"] = map[string]any{"ack": batch}
		}
		pollCtx, cancel := context.WithCancel(ctx)
		if rng.Float64() < r.abort {
			aborted++
			t := time.AfterFunc(time.Duration(rng.IntN(3000))*time.Microsecond, cancel)
			defer t.Stop()
		}
		resp, postErr := r.c.post(pollCtx, "", r.c.connectMsg(extra))
		cancel()
		if postErr != nil {
			if errors.Is(postErr, context.Canceled) && ctx.Err() == nil {
				continue // an abort of ours: whatever that reply held must come again
			}
			return aborted, fmt.Errorf("%s: connect: %w", r.user, postErr)
		}
		if resp.status != 200 {
			return aborted, fmt.Errorf("%s: connect: HTTP %d %s", r.user, resp.status, resp.body)
		}
		events, rep, splitErr := splitConnect(resp.msgs)
		if splitErr != nil {
			return aborted, fmt.Errorf("%s: %w", r.user, splitErr)
		}
		if !rep.ok() {
			return aborted, fmt.Errorf("%s: connect failed: %+v", r.user, rep)
		}
		if n, ok := rep.Ext["ack"].(float64); ok {
			batch = n
		}
		for _, e := range events {
			var d struct{ Seq int }
			if err := json.Unmarshal(e.Data, &d); err != nil {
				return aborted, fmt.Errorf("%s: bad event %s: %w", r.user, e.Data, err)
			}
			next := int(r.received.Load())
			if d.Seq != next {
				return aborted, fmt.Errorf("%s: expected seq %d, got %d (channel %s)", r.user, next, d.Seq, e.Channel)
			}
			if want := channelFor(d.Seq); e.Channel != want {
				return aborted, fmt.Errorf("%s: seq %d came on %s, published on %s", r.user, d.Seq, e.Channel, want)
			}
			r.received.Add(1)
		}
		if len(events) > 0 {
			select {
			case r.progress <- struct{}{}:
			default:
			}
		}
	}
	return aborted, nil
}

func channelFor(seq int) string {
	if seq%3 == 0 {
		return ChannelCalls
	}
	return ChannelDevices
}

// publish sends want messages in random bursts; between bursts it sometimes waits for the receiver to catch up,
// so that publishing overlaps with held, answered and aborted polls instead of finishing before the first one.
func publish(ctx context.Context, s *Server, r *loadReceiver, rng *rand.Rand) error {
	for seq := 0; seq < r.want; {
		burst := 1 + rng.IntN(12)
		for i := 0; i < burst && seq < r.want; i++ {
			s.Publish(r.user, channelFor(seq), json.RawMessage(fmt.Sprintf(`{"seq":%d}`, seq)))
			seq++
		}
		if rng.IntN(2) == 0 {
			continue
		}
		for int(r.received.Load()) < seq-6 {
			select {
			case <-r.progress:
			case <-ctx.Done():
				return fmt.Errorf("%s: receiver stuck at %d of %d published", r.user, r.received.Load(), seq)
			}
		}
	}
	return nil
}

var _ = Describe("delivery under load", func() {
	DescribeTable("every session receives its complete sequence, in order",
		func(sessions, perSession int, useAck bool, abort float64) {
			before := gleak.Goroutines()
			f := newFixture(Config{Timeout: 250 * time.Millisecond, MaxInterval: 10 * time.Second})
			receivers := make([]*loadReceiver, sessions)
			for i := range receivers {
				r := &loadReceiver{user: fmt.Sprintf("load%02d", i), useAck: useAck, abort: abort, want: perSession,
					progress: make(chan struct{}, 1)}
				r.c = f.newClient(r.user)
				var ext map[string]any
				if useAck {
					ext = map[string]any{"ext": map[string]any{"ack": true}}
				}
				hs, err := r.c.handshake(ext)
				Expect(err).NotTo(HaveOccurred())
				Expect(hs.ok()).To(BeTrue())
				Expect(r.c.subscribe(ChannelAll)).To(HaveField("Successful", HaveValue(BeTrue())))
				receivers[i] = r
			}

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				errs    []string
				aborted int
			)
			report := func(err error) {
				if err != nil {
					mu.Lock()
					errs = append(errs, err.Error())
					mu.Unlock()
					cancel()
				}
			}
			for i, r := range receivers {
				wg.Add(2)
				go func() {
					defer wg.Done()
					n, err := r.run(ctx, rand.New(rand.NewPCG(uint64(i), 1)))
					mu.Lock()
					aborted += n
					mu.Unlock()
					report(err)
				}()
				go func() {
					defer wg.Done()
					report(publish(ctx, f.srv, r, rand.New(rand.NewPCG(uint64(i), 2))))
				}()
			}
			wg.Wait()
			if len(errs) > 0 {
				// The first failure cancels everyone else; it is the one that matters.
				Fail(fmt.Sprintf("first failure: %s\n(%d failures in all; later ones:\n%s)",
					errs[0], len(errs), strings.Join(errs[1:min(len(errs), 6)], "\n")))
			}
			if abort > 0 {
				Expect(aborted).To(BeNumerically(">", 0), "no poll was aborted; the spec proved nothing about aborts")
			}
			for _, r := range receivers {
				Expect(r.received.Load()).To(BeEquivalentTo(perSession), r.user)
			}
			AddReportEntry("aborted polls", aborted)

			for _, r := range receivers {
				msgs, err := r.c.exchange(map[string]any{"channel": channelDisconnect, "clientId": r.c.id})
				Expect(err).NotTo(HaveOccurred())
				Expect(msgs[0].ok()).To(BeTrue())
			}
			Expect(f.srv.Sessions()).To(BeZero())
			f.close()
			for _, r := range receivers {
				r.c.closeIdle()
			}
			Eventually(gleak.Goroutines).WithTimeout(5 * time.Second).ShouldNot(gleak.HaveLeaked(before))
		},
		Entry("50 sessions x 200 messages, ack extension, a fifth of the polls aborted at random", 50, 200, true, 0.2),
		Entry("50 sessions x 200 messages, plain clients, no aborts", 50, 200, false, 0.0),
	)
})
