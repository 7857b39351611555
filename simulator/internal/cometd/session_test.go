package cometd

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// step is one operation on a session's delivery bookkeeping.
type step struct {
	publish string // queue this payload
	ack     int64  // acknowledge this batch before taking (when >= 0)
	take    bool
	want    []string // payloads the take must return
	batch   int64    // batch number the take must report
}

func publishStep(p string) step { return step{publish: p, ack: -1} }
func takeStep(ack int64, batch int64, want ...string) step {
	return step{ack: ack, take: true, want: want, batch: batch}
}

var _ = Describe("session delivery bookkeeping", func() {
	newSession := func(ack bool) *session {
		s := &session{id: "s", user: "u", ack: ack, subs: map[string]struct{}{ChannelAll: {}}}
		s.expiry = time.AfterFunc(time.Hour, func() {})
		DeferCleanup(func() { s.expiry.Stop() })
		return s
	}

	DescribeTable("what each connect reply carries",
		func(ack bool, steps []step) {
			s := newSession(ack)
			s.mu.Lock()
			defer s.mu.Unlock()
			for i, st := range steps {
				if st.publish != "" {
					s.queue = append(s.queue, []byte(st.publish))
					continue
				}
				if st.ack >= 0 {
					s.acknowledgeLocked(st.ack)
				}
				got, batch, _ := s.takeLocked(nil)
				strs := make([]string, len(got))
				for j, g := range got {
					strs[j] = string(g)
				}
				Expect(strs).To(Equal(append([]string{}, st.want...)), "step %d", i)
				Expect(batch).To(Equal(st.batch), "step %d", i)
			}
		},
		Entry("without ack, events leave on the first reply", false, []step{
			publishStep("1"), publishStep("2"), takeStep(-1, 0, "1", "2"), takeStep(-1, 0), publishStep("3"), takeStep(-1, 0, "3"),
		}),
		Entry("with ack, an acknowledged batch is not sent again", true, []step{
			publishStep("1"), takeStep(0, 1, "1"), publishStep("2"), takeStep(1, 2, "2"), takeStep(2, 0),
		}),
		Entry("with ack, a lost batch is repeated ahead of newer events", true, []step{
			publishStep("1"), takeStep(0, 1, "1"), publishStep("2"), takeStep(0, 2, "1", "2"), takeStep(2, 0),
		}),
		Entry("with ack, a stale connect's late batch does not duplicate what the client acknowledged", true, []step{
			publishStep("1"),
			takeStep(0, 1, "1"), // the live connect: the client receives batch 1
			publishStep("2"),
			takeStep(0, 2, "1", "2"), // a stale connect processed late: batch 2 goes nowhere
			takeStep(1, 3, "2"),      // the client acknowledges 1: only "2" is still owed
			takeStep(3, 0),
		}),
	)

	It("counts unacknowledged events against the queue limit", func() {
		s := newSession(true)
		Expect(s.deliver(ChannelCalls, []byte("1"), 2)).To(Equal(queued))
		s.mu.Lock()
		_, batch, _ := s.takeLocked(nil)
		s.mu.Unlock()
		Expect(batch).To(Equal(int64(1)))
		Expect(s.deliver(ChannelCalls, []byte("2"), 2)).To(Equal(queued))
		Expect(s.deliver(ChannelCalls, []byte("3"), 2)).To(Equal(overflowed))
		Expect(s.ended).To(Equal(endOverflow))
		Expect(s.deliver(ChannelCalls, []byte("4"), 2)).To(Equal(skipped))
	})

	It("names its end reasons", func() {
		for r, want := range map[endReason]string{alive: "alive", endExpired: "expired", endDisconnected: "disconnected",
			endOverflow: "queue overflow", endExpireAll: "expired on request", endClosed: "server closed", endReason(99): "unknown"} {
			Expect(r.String()).To(Equal(want))
		}
	})
})
