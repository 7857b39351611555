package cometd

// Delivered reports whether every live session has nothing left to deliver: its queue is empty, nothing
// awaits an acknowledgement, no reply is being written, and its client is back with a held connect, which a
// long-polling client sends only after it has read the previous reply. A session whose client is not
// polling at the moment counts as not delivered. Safe for concurrent use.
func (s *Server) Delivered() bool {
	for _, sess := range s.snapshot() {
		if !sess.delivered() {
			return false
		}
	}
	return true
}

func (s *session) delivered() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended != alive {
		return true
	}
	if len(s.queue) > 0 || len(s.inflight) > 0 || s.poll == nil {
		return false
	}
	return s.sent == nil || !s.sent.writing && !s.sent.failed
}
