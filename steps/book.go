package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/coachsim/coachsim/steps/internal/eventlog"
	"github.com/coachsim/coachsim/steps/internal/gws"
)

// bookCall is what a role's call book knows of one call: the latest resource its notifications carried,
// decoded with the harness's notification model (gws.DecodeNotification).
type bookCall struct {
	gws.Call
	first int // order of first appearance
}

func (c bookCall) has(op string) bool { return c.HasCapability(op) }

// callBook builds a role's call book from its notifications (features/README.md, "Call book").
func callBook(entries []eventlog.Entry) []bookCall {
	byID := map[string]*bookCall{}
	n := 0
	for _, e := range entries {
		if e.Channel != "/v2/me/calls" {
			continue
		}
		note, _ := gws.DecodeNotification(e.Channel, e.Data)
		if !note.IsCall() || note.Call == nil || note.Call.ID == "" {
			continue
		}
		c := bookCall{Call: *note.Call}
		if prev, ok := byID[c.ID]; ok {
			c.first = prev.first
		} else {
			n++
			c.first = n
		}
		byID[c.ID] = &c
	}
	out := make([]bookCall, 0, len(byID))
	for _, c := range byID {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].first < out[j].first })
	return out
}

// callKind selects a call from a book: the most recently first-seen call that satisfies it.
type callKind struct {
	name string
	ok   func(bookCall) bool
}

func stateIn(states ...string) func(bookCall) bool {
	return func(c bookCall) bool {
		for _, s := range states {
			if c.State == s {
				return true
			}
		}
		return false
	}
}

var (
	ringingCall     = callKind{"a ringing call", stateIn("Ringing")}
	activeCall      = callKind{"an active call (Dialing, Ringing or Established)", stateIn("Dialing", "Ringing", "Established")}
	establishedCall = callKind{"an established call", stateIn("Established")}
	heldCall        = callKind{"a held call", stateIn("Held")}
)

func pick(book []bookCall, k callKind) (bookCall, bool) {
	for i := len(book) - 1; i >= 0; i-- {
		if k.ok(book[i]) {
			return book[i], true
		}
	}
	return bookCall{}, false
}

// awaitCall waits (global deadline) until the role's call book has a call of kind k and returns it.
func (w *World) awaitCall(ctx context.Context, role string, k callKind) (bookCall, error) {
	return w.awaitCallWhere(ctx, role, k.name, func(book []bookCall) (bookCall, bool) { return pick(book, k) })
}

func (w *World) awaitCallWhere(ctx context.Context, role, what string, find func([]bookCall) (bookCall, bool)) (bookCall, error) {
	wctx, cancel := w.waitCtx(ctx)
	defer cancel()
	var found bookCall
	err := w.log.Watch(wctx, role, func(entries []eventlog.Entry) bool {
		c, ok := find(callBook(entries))
		found = c
		return ok
	})
	if err != nil {
		return bookCall{}, fmt.Errorf("%s has no %s within %s; its call book:\n%s", role, what, w.opts.Deadline, describeBook(callBook(w.log.Entries(role))))
	}
	return found, nil
}

func describeBook(book []bookCall) string {
	if len(book) == 0 {
		return "  (no call notifications received)"
	}
	var b strings.Builder
	for _, c := range book {
		var nums []string
		for _, p := range c.Participants {
			nums = append(nums, p.PhoneNumber)
		}
		fmt.Fprintf(&b, "  %s %s type=%s participants=%v capabilities=%v\n", c.ID, c.State, c.CallType, nums, c.Capabilities)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

var placeholder = regexp.MustCompile(`\$\{([a-z0-9]+)\.([A-Za-z]+)\}`)

// deviceURIMark stands, in normalised JSON, for "a device URI naming this device id, whatever the host".
const deviceURIMark = "device-uri:"

// expand replaces ${role.attr} placeholders in a doc string (features/README.md, "Placeholders").
func (w *World) expand(ctx context.Context, doc string) (string, error) {
	var err error
	out := placeholder.ReplaceAllStringFunc(doc, func(m string) string {
		parts := placeholder.FindStringSubmatch(m)
		a, aerr := w.actor(ctx, parts[1])
		if aerr != nil {
			err = aerr
			return m
		}
		switch parts[2] {
		case "dn":
			return a.DN
		case "deviceId":
			return a.DeviceID
		case "userName":
			return w.opts.Profile.Roles[a.Role].User
		case "deviceUri":
			return deviceURIMark + a.DeviceID
		}
		err = fmt.Errorf("unknown placeholder attribute %q in %s", parts[2], m)
		return m
	})
	return out, err
}

// deviceIDs are the device ids of the roles logged in so far.
func (w *World) deviceIDs() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var ids []string
	for _, a := range w.actors {
		ids = append(ids, a.DeviceID)
	}
	return ids
}

// normalised wraps a matcher so that device URIs in the actual data compare by device id (behaviour.md §2).
type normalised struct {
	inner eventlog.Matcher
	ids   []string
}

func (n normalised) String() string { return n.inner.String() }

func (n normalised) Mismatches(e eventlog.Entry) []eventlog.Mismatch {
	var v any
	if json.Unmarshal(e.Data, &v) != nil {
		return n.inner.Mismatches(e)
	}
	v = markDeviceURIs(v, n.ids)
	data, _ := json.Marshal(v)
	e.Data = data
	return n.inner.Mismatches(e)
}

func markDeviceURIs(v any, ids []string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			x[k] = markDeviceURIs(val, ids)
		}
	case []any:
		for i, val := range x {
			x[i] = markDeviceURIs(val, ids)
		}
	case string:
		if strings.Contains(x, "/devices/") {
			last := x[strings.LastIndex(strings.TrimRight(x, "/"), "/")+1:]
			last = strings.TrimRight(last, "/")
			for _, id := range ids {
				if last == id {
					return deviceURIMark + id
				}
			}
		}
	}
	return v
}

// notificationMatcher builds the matcher of a device or call notification whose resource contains doc.
func (w *World) notificationMatcher(ctx context.Context, kind, callType, doc string) (eventlog.Matcher, error) {
	x := eventlog.Expect{}
	var body string
	if doc != "" {
		expanded, err := w.expand(ctx, doc)
		if err != nil {
			return nil, err
		}
		if !json.Valid([]byte(expanded)) {
			return nil, fmt.Errorf("the step's doc string is not valid JSON:\n%s", expanded)
		}
		body = expanded
	}
	switch kind {
	case "device":
		x.Channel, x.MessageType = "/v2/me/devices", "DeviceStateChangeMessage"
		if body != "" {
			x.Data = json.RawMessage(`{"devices":[` + body + `]}`)
		}
	default:
		x.Channel, x.MessageType, x.NotificationType = "/v2/me/calls", "CallStateChangeMessage", callType
		if body != "" {
			x.Data = json.RawMessage(`{"call":` + body + `}`)
		}
	}
	m, err := eventlog.Notification(x)
	if err != nil {
		return nil, err
	}
	return normalised{inner: m, ids: w.deviceIDs()}, nil
}
