package engine

// Outstanding is the number of batches the core has produced that have not yet gone to the sinks: their
// operation has not released its ticket yet, or an earlier batch still holds them back. Zero means every
// operation so far has handed all its notifications on. Safe for concurrent use.
func (e *Engine) Outstanding() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.pending)
}
