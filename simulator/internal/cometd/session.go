package cometd

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/coachsim/coachsim/simulator/internal/netguard"
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
	// returned counts events given back to a queue because their reply did not reach the client (shared by
	// every session of a server; nil in tests of the session alone)
	returned *atomic.Int64

	mu       sync.Mutex
	ended    endReason
	subs     map[string]struct{}
	queue    [][]byte   // encoded events not yet handed to a connect reply
	inflight []inflight // ack mode: events sent but not acknowledged, oldest first
	batch    int64      // ack mode: number of the last batch sent
	sent     *sentBatch // without ack: events of the last reply, until it is known to have reached the client
	poll     *heldPoll
	deadline time.Time   // expiry instant while no connect is held
	expiry   *time.Timer // fires at deadline; stopped while a connect is held
}

// sentBatch is the events of one connect reply of a session without the ack extension. They leave the
// session for good only once the reply was written and its connection did not show that the client threw it
// away; otherwise they go back to the head of the queue, in order.
type sentBatch struct {
	events    [][]byte
	conn      *netguard.Conn // nil when the connection cannot be watched
	writing   bool           // the reply is being written
	failed    bool           // the write failed or the client never took the reply
	writtenAt time.Time      // when the write ended
	recheck   bool           // a wake-up is scheduled for the end of settleGrace
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
	if len(s.queue)+len(s.inflight)+s.sentLenLocked() >= limit {
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

func (s *session) sentLenLocked() int {
	if s.sent == nil {
		return 0
	}
	return len(s.sent.events)
}

// readyLocked reports whether a connect reply would carry something now. The events of the previous reply are
// settled first; while that reply is still being written nothing is ready, so that nothing overtakes it.
func (s *session) readyLocked(cur *netguard.Conn) bool {
	if !s.settleLocked(cur) {
		return false
	}
	return len(s.queue) > 0 || len(s.inflight) > 0
}

// settleGrace is how long a reply's fate may stay open when the next connect comes on another connection while
// the reply's own connection still looks healthy: a client that gave up on the reply has closed that connection,
// and its kernel's reset may still be on its way; a client that read it and moved to another pooled connection
// waits this long once.
const settleGrace = 50 * time.Millisecond

// settleLocked decides the fate of the previous reply's events: gone when the reply was written and its
// connection shows no sign that the client dropped it (a reset: the client closed with the reply unread, or the
// reply reached a socket already closed; or a close before the reply was acknowledged), back at the head of the
// queue otherwise. cur is the connection of the connect asking. It reports false while the reply is still being
// written, or while its fate is open (see settleGrace).
func (s *session) settleLocked(cur *netguard.Conn) bool {
	b := s.sent
	if b == nil {
		return true
	}
	if b.writing {
		return false
	}
	failed := b.failed || (b.conn != nil && b.conn.DeliveryFailed())
	if !failed && b.conn != nil && cur != b.conn && !b.conn.PeerGone() {
		if wait := settleGrace - time.Since(b.writtenAt); wait > 0 {
			if !b.recheck {
				b.recheck = true
				time.AfterFunc(wait, func() {
					s.mu.Lock()
					if s.poll != nil {
						s.poll.signal()
					}
					s.mu.Unlock()
				})
			}
			return false
		}
	}
	if failed {
		s.queue = append(append(make([][]byte, 0, len(b.events)+len(s.queue)), b.events...), s.queue...)
		if s.returned != nil {
			s.returned.Add(int64(len(b.events)))
		}
	}
	s.sent = nil
	return true
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
// there is nothing to send). Without ack the events wait in s.sent until commit is called with the outcome of
// the write and the next connect settles them. With ack, unacknowledged events are sent again ahead of the new
// ones under a fresh batch number, and stay until acknowledged.
func (s *session) takeLocked(conn *netguard.Conn) ([][]byte, int64, func(error)) {
	if !s.ack {
		out := s.queue
		s.queue = nil
		if len(out) == 0 {
			return nil, 0, nil
		}
		b := &sentBatch{events: out, conn: conn, writing: true}
		s.sent = b
		return out, 0, func(err error) { s.written(b, err) }
	}
	if len(s.queue) == 0 && len(s.inflight) == 0 {
		return nil, 0, nil
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
	return out, s.batch, nil
}

// written records the outcome of writing the reply that carried b. A failed write, or a connection the client
// reset, gives the events back at once; a held connect waiting behind the write is woken either way.
func (s *session) written(b *sentBatch, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sent != b {
		return // the session ended meanwhile
	}
	b.writing, b.writtenAt = false, time.Now()
	if err != nil || (b.conn != nil && b.conn.DeliveryFailed()) {
		b.failed = true
		s.settleLocked(b.conn)
	}
	if s.poll != nil {
		s.poll.signal()
	}
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
	s.sent = nil
	s.expiry.Stop()
	if s.poll != nil {
		s.poll.signal()
	}
}
