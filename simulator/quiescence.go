package simulator

// quiescent reports whether every operation so far has published all its notifications and every CometD
// session's queue has been delivered: nothing waits in the engine's outbox, nothing is held back by an
// injected notification delay, and every session's client is back polling with nothing pending. A simulator
// that plays a script is never quiescent (the script acts on its own). Served by the control API as GET
// /sim/v1/quiescence.
func (s *Simulator) quiescent() bool {
	if s.env.Script != nil {
		return false
	}
	return s.eng.Outstanding() == 0 && !s.out.holding() && s.notify.Delivered()
}

// holding reports whether batches are held back by the notification delay.
func (d *delivery) holding() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.held) > 0
}
