package eventlog

import "context"

// Watch waits until cond, given every entry of role received so far, returns true. It neither examines
// entries nor moves the cursor: it is for readers that derive state from the whole log (such as a role's
// current calls). cond may also read other roles' entries: it is re-evaluated after every Append to the log,
// whatever the role. When ctx ends first Watch returns ctx's error.
func (l *Log) Watch(ctx context.Context, role string, cond func(entries []Entry) bool) error {
	for {
		l.mu.Lock()
		changed := l.changed // taken before cond runs, so no Append can slip between the two unseen
		l.mu.Unlock()
		if cond(l.Entries(role)) {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
