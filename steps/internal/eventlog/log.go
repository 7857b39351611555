package eventlog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Entry is one received notification. Entries are immutable once appended.
type Entry struct {
	Seq      int             // position in the whole log, from 1, in order of Append
	Role     string          // who received it, e.g. "supervisor1"
	Channel  string          // e.g. "/v2/me/calls"
	Data     json.RawMessage // the notification's data as received
	Received time.Time
}

// String summarises the entry on one line: sequence, role, channel, and the message and notification types
// when the data carries them.
func (e Entry) String() string {
	var head struct {
		MessageType      string `json:"messageType"`
		NotificationType string `json:"notificationType"`
	}
	_ = json.Unmarshal(e.Data, &head)
	s := fmt.Sprintf("#%d %s %s", e.Seq, e.Role, e.Channel)
	if head.MessageType != "" {
		s += " " + head.MessageType
	}
	if head.NotificationType != "" {
		s += "/" + head.NotificationType
	}
	return s
}

// Pretty renders the entry as a header line and its data as indented JSON, every line prefixed by indent.
func (e Entry) Pretty(indent string) string {
	var b strings.Builder
	b.WriteString(indent)
	b.WriteString(e.String())
	if !e.Received.IsZero() {
		b.WriteString(" at ")
		b.WriteString(e.Received.Format("15:04:05.000"))
	}
	b.WriteString("\n")
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, e.Data, indent+"  ", "  "); err != nil {
		pretty.Reset()
		pretty.WriteString(string(e.Data))
	}
	b.WriteString(indent + "  ")
	b.Write(pretty.Bytes())
	b.WriteString("\n")
	return b.String()
}

// Log is an append-only, concurrency-safe log of received notifications with a read cursor per role.
// The zero value is not usable; call New.
type Log struct {
	mu       sync.Mutex
	entries  []Entry
	byRole   map[string][]int // role -> indexes into entries, in order
	cursor   map[string]int   // role -> position in byRole[role] before which ordered reads have moved on
	examined map[int]bool     // Seq -> taken by an Await
	changed  chan struct{}    // closed (and replaced) by every Append

	// The action window (see Step and Sent): entries with Seq > mark arrived after the action under test
	// was sent.
	mark      int
	armed     bool // the next Sent starts a new window
	inActions bool // the step running is an action step
}

// New returns an empty log.
func New() *Log {
	return &Log{
		byRole:   map[string][]int{},
		cursor:   map[string]int{},
		examined: map[int]bool{},
		changed:  make(chan struct{}),
		armed:    true,
	}
}

// Step tells the log that a step begins and whether it is an action step (one that sends requests to the
// server). The first action step after any other kind of step arms a new action window: the next Sent
// starts it. Consecutive action steps ("When customer1 dials agent1 / And agent1 answers") are one action
// under test and share the window that the first request of the first of them started.
func (l *Log) Step(action bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if action && !l.inActions {
		l.armed = true
	}
	l.inActions = action
}

// Sent tells the log that a request of an action is about to be sent. When a window is armed it starts here,
// for every role at once: what arrived so far is before the action, whatever arrives from now on is after
// it. Until the first Sent the window is the whole log.
func (l *Log) Sent() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.armed {
		l.mark = len(l.entries)
		l.armed = false
	}
}

// Mark is the sequence number of the last entry received before the current action window started (0: the
// window is the whole log).
func (l *Log) Mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mark
}

// windowLocked is the position in byRole[role] of the role's first entry inside the action window.
func (l *Log) windowLocked(role string) int {
	idxs := l.byRole[role]
	pos := len(idxs)
	for pos > 0 && l.entries[idxs[pos-1]].Seq > l.mark {
		pos--
	}
	return pos
}

// fromLocked is where a wait of role starts: inside the action window and, for ordered waits, not before
// the cursor.
func (l *Log) fromLocked(role string, ordered bool) int {
	from := l.windowLocked(role)
	if ordered && l.cursor[role] > from {
		from = l.cursor[role]
	}
	return from
}

// Append records a notification received by role and wakes every waiter. data is copied. A zero received
// time is replaced by the current time. It returns the stored entry.
func (l *Log) Append(role, channel string, data json.RawMessage, received time.Time) Entry {
	if received.IsZero() {
		received = time.Now()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e := Entry{
		Seq:      len(l.entries) + 1,
		Role:     role,
		Channel:  channel,
		Data:     bytes.Clone(data),
		Received: received,
	}
	l.entries = append(l.entries, e)
	l.byRole[role] = append(l.byRole[role], len(l.entries)-1)
	close(l.changed)
	l.changed = make(chan struct{})
	return e
}

// Await waits until an unexamined entry of role inside the action window and after the role's cursor
// matches m, marks it examined, moves the cursor just past it and returns it. Entries it passed over stay
// unexamined: Unexamined still reports them and AwaitUnordered can still take them, but later Await calls do
// not look behind the cursor. This is how a reader asserts per-role order. When ctx ends first it returns a
// *TimeoutError listing what did arrive.
func (l *Log) Await(ctx context.Context, role string, m Matcher) (Entry, error) {
	return l.await(ctx, role, m, true)
}

// AwaitUnordered is Await without the order constraint: it takes the first unexamined entry of role inside
// the action window that matches m, before or after the cursor, and leaves the cursor where it is.
func (l *Log) AwaitUnordered(ctx context.Context, role string, m Matcher) (Entry, error) {
	return l.await(ctx, role, m, false)
}

func (l *Log) await(ctx context.Context, role string, m Matcher, ordered bool) (Entry, error) {
	start := time.Now()
	for {
		l.mu.Lock()
		idxs := l.byRole[role]
		from := l.fromLocked(role, ordered)
		for pos := from; pos < len(idxs); pos++ {
			e := l.entries[idxs[pos]]
			if l.examined[e.Seq] || !Matches(m, e) {
				continue
			}
			l.examined[e.Seq] = true
			if ordered {
				l.cursor[role] = pos + 1
			}
			l.mu.Unlock()
			return e, nil
		}
		changed := l.changed
		l.mu.Unlock()

		select {
		case <-changed:
		case <-ctx.Done():
			return Entry{}, l.timeoutError(role, m, ordered, time.Since(start), ctx.Err())
		}
	}
}

// AwaitNone watches role's unexamined entries inside the action window, present and arriving, until ctx
// ends: it returns nil if none matches m by then, and an *UnexpectedError as soon as one does. The cursor
// does not matter: an entry a positive wait passed over still arrived after the action. ctx must end (give
// it a deadline): its lifetime is the quiet period. Nothing is marked examined. Use it for a state that no
// notification may show (a call listing somebody); for a change that must not happen use AwaitNoChange.
func (l *Log) AwaitNone(ctx context.Context, role string, m Matcher) error {
	return l.AwaitNoChange(ctx, role, stateDetector{m})
}

// A Detector recognises, in the notifications of one role, the change an absence check forbids ("the
// supervisor's call is released", "a participant is added"). It keeps what it needs of the role's state
// from the entries it is shown. A Detector is used by one check only.
type Detector interface {
	// Observe is shown every entry of the role, once, in order of arrival, and returns what e changes of
	// the watched state ("" when nothing). Observe updates the detector's state whether or not the entry
	// counts: entries before the action window and entries a positive wait took are the state the change is
	// measured from.
	Observe(e Entry) string
	// String names the forbidden change, for error messages.
	String() string
}

// stateDetector forbids any entry matching a matcher, whatever came before.
type stateDetector struct{ m Matcher }

func (d stateDetector) Observe(e Entry) string {
	if Matches(d.m, e) {
		return "it matches"
	}
	return ""
}

func (d stateDetector) String() string { return d.m.String() }

// AwaitNoChange shows d every entry of role in order, those already received and those arriving until ctx
// ends, and fails with an *UnexpectedError as soon as an entry inside the action window that no positive
// wait took shows d's change. Entries before the window and examined ones only build d's state, so a
// repeated snapshot of a state already known, or a notification about something else, never fails the
// check. ctx must end: its lifetime is the quiet period (it may end early, once the server says nothing more
// is on its way); every entry appended before it ended is looked at. Nothing is marked examined.
func (l *Log) AwaitNoChange(ctx context.Context, role string, d Detector) error {
	next := 0 // position in byRole[role] of the next entry to show d
	for last := false; ; {
		l.mu.Lock()
		idxs := l.byRole[role]
		var batch []Entry
		var counts []bool
		for ; next < len(idxs); next++ {
			e := l.entries[idxs[next]]
			batch = append(batch, e)
			counts = append(counts, e.Seq > l.mark && !l.examined[e.Seq])
		}
		changed := l.changed
		mark := l.mark
		l.mu.Unlock()

		for i, e := range batch {
			if why := d.Observe(e); why != "" && counts[i] {
				return &UnexpectedError{Role: role, Forbidden: d.String(), Change: why, Entry: e, Mark: mark}
			}
		}
		if last {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			last = true // one more pass: everything appended before the period ended counts
		}
	}
}

// Entries returns every entry of role, in order.
func (l *Log) Entries(role string) []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Entry, 0, len(l.byRole[role]))
	for _, i := range l.byRole[role] {
		out = append(out, l.entries[i])
	}
	return out
}

// All returns every entry of every role, in order of Append.
func (l *Log) All() []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.entries)
}

// Roles returns the roles that have entries, in order of their first entry.
func (l *Log) Roles() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var roles []string
	for _, e := range l.entries {
		if !slices.Contains(roles, e.Role) {
			roles = append(roles, e.Role)
		}
	}
	return roles
}

// Unexamined returns the entries of role that no Await has taken, in order, wherever the cursor is.
func (l *Log) Unexamined(role string) []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Entry
	for _, i := range l.byRole[role] {
		if e := l.entries[i]; !l.examined[e.Seq] {
			out = append(out, e)
		}
	}
	return out
}

// Acknowledge marks every entry of role received so far as examined and moves the cursor past them, for
// readers that deliberately ignore what came before (e.g. set-up noise). It returns how many entries it
// marked.
func (l *Log) Acknowledge(role string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, i := range l.byRole[role] {
		if seq := l.entries[i].Seq; !l.examined[seq] {
			l.examined[seq] = true
			n++
		}
	}
	l.cursor[role] = len(l.byRole[role])
	return n
}

// timeoutError gathers the evidence for a failed wait.
func (l *Log) timeoutError(role string, m Matcher, ordered bool, waited time.Duration, cause error) *TimeoutError {
	l.mu.Lock()
	defer l.mu.Unlock()
	te := &TimeoutError{Role: role, Expected: m.String(), Ordered: ordered, Waited: waited, Cause: cause}
	idxs := l.byRole[role]
	cur := l.fromLocked(role, ordered)
	for pos, i := range idxs {
		e := l.entries[i]
		if l.examined[e.Seq] {
			continue
		}
		if pos < cur {
			te.Earlier = append(te.Earlier, e)
			if te.EarlierMatch == nil && Matches(m, e) {
				te.EarlierMatch = &e
			}
			continue
		}
		te.Arrived = append(te.Arrived, e)
		if mm := m.Mismatches(e); te.Closest == nil || len(mm) < len(te.ClosestMismatches) {
			te.Closest, te.ClosestMismatches = &e, mm
		}
	}
	return te
}

// Sentinel errors of the log.
var (
	// ErrTimeout: the awaited notification did not arrive before the context ended.
	ErrTimeout = errors.New("eventlog: expected notification did not arrive")
	// ErrUnexpected: a notification arrived that must not.
	ErrUnexpected = errors.New("eventlog: unexpected notification")
)

// maxShownMismatches bounds the diff printed for the closest entry.
const maxShownMismatches = 5

// TimeoutError is a wait that ended without a match. It carries the evidence a reader of a failed scenario
// needs: the expectation, every unexamined entry of the role the wait looked at (inside the action window
// and, for ordered waits, after the cursor), the closest of them with its first mismatches, and the
// unexamined entries before that point, flagging one that would have matched had it not come too early.
type TimeoutError struct {
	Role              string
	Expected          string        // the matcher's description
	Ordered           bool          // false for AwaitUnordered
	Waited            time.Duration // how long the wait lasted
	Arrived           []Entry       // unexamined entries the wait looked at (in the window; after the cursor if Ordered)
	Closest           *Entry        // the entry of Arrived with the fewest mismatches
	ClosestMismatches []Mismatch
	Earlier           []Entry // unexamined entries before the action window or the cursor
	EarlierMatch      *Entry  // an entry of Earlier that matches
	Cause             error   // the context's error
}

func (e *TimeoutError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "eventlog: %s did not receive the expected notification within %s\n", e.Role, e.Waited.Round(time.Millisecond))
	fmt.Fprintf(&b, "expected: %s\n", e.Expected)
	where := "since the action and the cursor"
	if !e.Ordered {
		where = "since the action and not yet examined"
	}
	if len(e.Arrived) == 0 {
		fmt.Fprintf(&b, "received %s: nothing\n", where)
	} else {
		fmt.Fprintf(&b, "received %s (%d):\n", where, len(e.Arrived))
		for _, a := range e.Arrived {
			b.WriteString(a.Pretty("  "))
		}
	}
	if e.Closest != nil {
		fmt.Fprintf(&b, "closest: %s, %d mismatch(es):\n", e.Closest, len(e.ClosestMismatches))
		for i, m := range e.ClosestMismatches {
			if i == maxShownMismatches {
				fmt.Fprintf(&b, "  ... and %d more\n", len(e.ClosestMismatches)-i)
				break
			}
			b.WriteString("  " + m.String() + "\n")
		}
	}
	if e.EarlierMatch != nil {
		fmt.Fprintf(&b, "note: %s matches but arrived before the action was sent or before an entry already awaited (out of order)\n", e.EarlierMatch)
	}
	if len(e.Earlier) > 0 {
		fmt.Fprintf(&b, "unexamined before the action or the cursor (%d):", len(e.Earlier))
		for _, a := range e.Earlier {
			b.WriteString(" " + a.String() + ";")
		}
		b.WriteString("\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Unwrap returns ErrTimeout and the context's error.
func (e *TimeoutError) Unwrap() []error { return []error{ErrTimeout, e.Cause} }

// UnexpectedError is a notification that arrived during a quiet period (AwaitNone, AwaitNoChange) and shows
// what must not happen.
type UnexpectedError struct {
	Role      string
	Forbidden string // the forbidden change or state
	Change    string // what the entry changes, e.g. "call c1: state Established -> Released"
	Entry     Entry
	Mark      int // the last entry before the action window
}

func (e *UnexpectedError) Error() string {
	change := ""
	if e.Change != "" && e.Change != "it matches" {
		change = "\nchange: " + e.Change
	}
	return fmt.Sprintf("eventlog: %s received a notification showing what must not happen after the action (sent after #%d)\nforbidden: %s%s\nreceived:\n%s",
		e.Role, e.Mark, e.Forbidden, change, strings.TrimSuffix(e.Entry.Pretty("  "), "\n"))
}

// Unwrap returns ErrUnexpected.
func (e *UnexpectedError) Unwrap() error { return ErrUnexpected }
