package cometd

import (
	"sync"
	"time"
)

// endReason says why a session ended; the zero value means it is still alive.
type endReason int

const (
	alive endReason = iota
	endExpired
	endDisconnected
	endOverflow
	endExpireAll
	endClosed
)

func (r endReason) String() string {
	switch r {
	case alive:
		return "alive"
	case endExpired:
		return "expired"
	case endDisconnected:
		return "disconnected"
	case endOverflow:
		return "queue overflow"
	case endExpireAll:
		return "expired on request"
	case endClosed:
		return "server closed"
	}
	return "unknown"
}

// inflight is an event sent to an ack-mode client and kept until acknowledged. first is the batch it was first
// sent in: every later batch repeats all unacknowledged events, so a client that acknowledges batch n has
// received every event whose first batch is n or lower.
type inflight struct {
	first int64
	data  []byte
}

// heldPoll is a /meta/connect waiting in its request goroutine. wake is signalled whenever the waiter should
// look at the session again (something queued, superseded, session ended).
type heldPoll struct {
	wake chan struct{}
}

func newHeldPoll() *heldPoll { return &heldPoll{wake: make(chan struct{}, 1)} }

func (p *heldPoll) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// session is one Bayeux client. id, user and ack never change; everything else is guarded by mu.
type session struct {
	id   string
	user string
	ack  bool // the client negotiated the acknowledgement extension

	mu       sync.Mutex
	ended    endReason
	subs     map[string]struct{}
	queue    [][]byte   // encoded events not yet handed to a connect reply
	inflight []inflight // ack mode: events sent but not acknowledged, oldest first
	batch    int64      // ack mode: number of the last batch sent
	poll     *heldPoll
	deadline time.Time   // expiry instant while no connect is held
	expiry   *time.Timer // fires at deadline; stopped while a connect is held
}

// deliverResult tells Publish what happened to one session.
type deliverResult int

const (
	skipped deliverResult = iota
	queued
	overflowed
)

// deliver queues payload if the session subscribes to channel. When the queue is full the session ends.
func (s *session) deliver(channel string, payload []byte, limit int) deliverResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended != alive || !s.subscribedLocked(channel) {
		return skipped
	}
	if len(s.queue)+len(s.inflight) >= limit {
		s.endLocked(endOverflow)
		return overflowed
	}
	s.queue = append(s.queue, payload)
	if s.poll != nil {
		s.poll.signal()
	}
	return queued
}

func (s *session) subscribedLocked(channel string) bool {
	for p := range s.subs {
		if matches(p, channel) {
			return true
		}
	}
	return false
}

// pendingLocked reports whether a connect reply would carry something.
func (s *session) pendingLocked() bool {
	return len(s.queue) > 0 || len(s.inflight) > 0
}

// acknowledgeLocked releases the events the client confirms having received with batch n. Acknowledgements
// that arrive late (a stale connect processed after a newer one) release nothing more than they should.
func (s *session) acknowledgeLocked(n int64) {
	i := 0
	for i < len(s.inflight) && s.inflight[i].first <= n {
		i++
	}
	if i > 0 {
		s.inflight = append(s.inflight[:0:0], s.inflight[i:]...)
	}
}

// takeLocked returns the events for a connect reply and, in ack mode, the batch number they travel in (0 when
// there is nothing to send). Without ack the events leave the session for good. With ack, unacknowledged events
// are sent again ahead of the new ones under a fresh batch number, and stay until acknowledged.
func (s *session) takeLocked() ([][]byte, int64) {
	if !s.ack {
		out := s.queue
		s.queue = nil
		return out, 0
	}
	if !s.pendingLocked() {
		return nil, 0
	}
	s.batch++
	for _, data := range s.queue {
		s.inflight = append(s.inflight, inflight{first: s.batch, data: data})
	}
	s.queue = nil
	out := make([][]byte, len(s.inflight))
	for i, e := range s.inflight {
		out[i] = e.data
	}
	return out, s.batch
}

// connectEndedLocked starts the idle clock at the end of a connect reply.
func (s *session) connectEndedLocked(now time.Time, maxInterval time.Duration) {
	s.deadline = now.Add(maxInterval)
	s.expiry.Reset(maxInterval)
}

// dueLocked reports whether the session has gone MaxInterval without a connect.
func (s *session) dueLocked(now time.Time) bool {
	return s.ended == alive && s.poll == nil && !now.Before(s.deadline)
}

// endLocked ends the session: drops its queue, stops its timer and wakes a held connect so it answers now.
func (s *session) endLocked(reason endReason) {
	s.ended = reason
	s.queue = nil
	s.inflight = nil
	s.expiry.Stop()
	if s.poll != nil {
		s.poll.signal()
	}
}
