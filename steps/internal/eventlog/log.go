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
}

// New returns an empty log.
func New() *Log {
	return &Log{
		byRole:   map[string][]int{},
		cursor:   map[string]int{},
		examined: map[int]bool{},
		changed:  make(chan struct{}),
	}
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

// Await waits until an unexamined entry of role after the role's cursor matches m, marks it examined,
// moves the cursor just past it and returns it. Entries it passed over stay unexamined: Unexamined still
// reports them and AwaitUnordered can still take them, but later Await calls do not look behind the cursor.
// This is how a reader asserts per-role order. When ctx ends first it returns a *TimeoutError listing what
// did arrive.
func (l *Log) Await(ctx context.Context, role string, m Matcher) (Entry, error) {
	return l.await(ctx, role, m, true)
}

// AwaitUnordered is Await without the order constraint: it takes the first unexamined entry of role that
// matches m, before or after the cursor, and leaves the cursor where it is.
func (l *Log) AwaitUnordered(ctx context.Context, role string, m Matcher) (Entry, error) {
	return l.await(ctx, role, m, false)
}

func (l *Log) await(ctx context.Context, role string, m Matcher, ordered bool) (Entry, error) {
	start := time.Now()
	for {
		l.mu.Lock()
		idxs := l.byRole[role]
		from := 0
		if ordered {
			from = l.cursor[role]
		}
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

// AwaitNone watches role's unexamined entries after the cursor, present and arriving, until ctx ends: it
// returns nil if none matches m by then, and an *UnexpectedError as soon as one does. ctx must end (give it
// a deadline): its lifetime is the quiet period. Nothing is marked examined.
func (l *Log) AwaitNone(ctx context.Context, role string, m Matcher) error {
	for {
		l.mu.Lock()
		idxs := l.byRole[role]
		for _, i := range idxs[l.cursor[role]:] {
			e := l.entries[i]
			if !l.examined[e.Seq] && Matches(m, e) {
				l.mu.Unlock()
				return &UnexpectedError{Role: role, Forbidden: m.String(), Entry: e}
			}
		}
		changed := l.changed
		l.mu.Unlock()

		select {
		case <-changed:
		case <-ctx.Done():
			return nil
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
	cur := 0
	if ordered {
		cur = l.cursor[role]
	}
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
// needs: the expectation, every unexamined entry of the role that arrived since the cursor, the closest of
// them with its first mismatches, and (for ordered waits) the unexamined entries before the cursor,
// flagging one that would have matched had it not come too early.
type TimeoutError struct {
	Role              string
	Expected          string        // the matcher's description
	Ordered           bool          // false for AwaitUnordered
	Waited            time.Duration // how long the wait lasted
	Arrived           []Entry       // unexamined entries the wait looked at (after the cursor if Ordered)
	Closest           *Entry        // the entry of Arrived with the fewest mismatches
	ClosestMismatches []Mismatch
	Earlier           []Entry // Ordered only: unexamined entries before the cursor
	EarlierMatch      *Entry  // Ordered only: an entry of Earlier that matches
	Cause             error   // the context's error
}

func (e *TimeoutError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "eventlog: %s did not receive the expected notification within %s\n", e.Role, e.Waited.Round(time.Millisecond))
	fmt.Fprintf(&b, "expected: %s\n", e.Expected)
	where := "since the cursor"
	if !e.Ordered {
		where = "and not yet examined"
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
		fmt.Fprintf(&b, "note: %s matches but arrived before an entry already awaited (out of order)\n", e.EarlierMatch)
	}
	if len(e.Earlier) > 0 {
		fmt.Fprintf(&b, "unexamined before the cursor (%d):", len(e.Earlier))
		for _, a := range e.Earlier {
			b.WriteString(" " + a.String() + ";")
		}
		b.WriteString("\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Unwrap returns ErrTimeout and the context's error.
func (e *TimeoutError) Unwrap() []error { return []error{ErrTimeout, e.Cause} }

// UnexpectedError is a notification that arrived during a quiet period (AwaitNone).
type UnexpectedError struct {
	Role      string
	Forbidden string // the matcher's description
	Entry     Entry
}

func (e *UnexpectedError) Error() string {
	return fmt.Sprintf("eventlog: %s received a notification it must not receive\nforbidden: %s\nreceived:\n%s",
		e.Role, e.Forbidden, strings.TrimSuffix(e.Entry.Pretty("  "), "\n"))
}

// Unwrap returns ErrUnexpected.
func (e *UnexpectedError) Unwrap() error { return ErrUnexpected }
