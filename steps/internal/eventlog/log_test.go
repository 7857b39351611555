package eventlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func state(s string) Matcher {
	return MustNotification(Expect{Channel: "/v2/me/calls", Data: json.RawMessage(`{"call":{"state":"` + s + `"}}`)})
}

func callData(s string) json.RawMessage {
	return json.RawMessage(`{"messageType":"CallStateChangeMessage","notificationType":"StatusChange","call":{"id":"c1","state":"` + s + `"}}`)
}

func withTimeout(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func seqs(es []Entry) []int {
	out := make([]int, len(es))
	for i, e := range es {
		out[i] = e.Seq
	}
	return out
}

func equalInts(a, b []int) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func TestAppendAndSnapshots(t *testing.T) {
	l := New()
	data := []byte(`{"n":1}`)
	e1 := l.Append("agent1", "/v2/me/calls", data, time.Time{})
	data[1] = 'X' // the log keeps its own copy
	l.Append("supervisor1", "/v2/me/devices", json.RawMessage(`{"n":2}`), time.Unix(10, 0))
	l.Append("agent1", "/v2/me/calls", json.RawMessage(`{"n":3}`), time.Unix(11, 0))

	if e1.Seq != 1 || e1.Received.IsZero() {
		t.Errorf("first entry = %+v, want Seq 1 and a receive time", e1)
	}
	if got := seqs(l.Entries("agent1")); !equalInts(got, []int{1, 3}) {
		t.Errorf("Entries(agent1) = %v, want [1 3]", got)
	}
	if got := string(l.Entries("agent1")[0].Data); got != `{"n":1}` {
		t.Errorf("stored data = %s, want the data as appended", got)
	}
	if got := seqs(l.All()); !equalInts(got, []int{1, 2, 3}) {
		t.Errorf("All() = %v", got)
	}
	if got := fmt.Sprint(l.Roles()); got != "[agent1 supervisor1]" {
		t.Errorf("Roles() = %s", got)
	}
	if got := l.Entries("nobody"); len(got) != 0 {
		t.Errorf("Entries(nobody) = %v", got)
	}
}

func TestAwaitKeepsSkippedEntriesVisible(t *testing.T) {
	l := New()
	ctx := withTimeout(t, 2*time.Second)
	l.Append("supervisor1", "/v2/me/calls", callData("Dialing"), time.Time{})     // 1
	l.Append("supervisor1", "/v2/me/calls", callData("Ringing"), time.Time{})     // 2
	l.Append("agent1", "/v2/me/calls", callData("Established"), time.Time{})      // 3
	l.Append("supervisor1", "/v2/me/calls", callData("Established"), time.Time{}) // 4
	l.Append("supervisor1", "/v2/me/calls", callData("Dialing"), time.Time{})     // 5

	e, err := l.Await(ctx, "supervisor1", state("Ringing"))
	if err != nil || e.Seq != 2 {
		t.Fatalf("Await(Ringing) = %v, %v; want entry 2", e, err)
	}
	if got := seqs(l.Unexamined("supervisor1")); !equalInts(got, []int{1, 4, 5}) {
		t.Errorf("Unexamined = %v, want [1 4 5]: a passed-over entry must stay visible", got)
	}
	// Ordered: Dialing #1 is behind the cursor, so the next Dialing is #5.
	if e, err := l.Await(ctx, "supervisor1", state("Dialing")); err != nil || e.Seq != 5 {
		t.Fatalf("ordered Await(Dialing) = %v, %v; want entry 5", e, err)
	}
	// Unordered still finds #4 and #1, and does not move the cursor.
	if e, err := l.AwaitUnordered(ctx, "supervisor1", state("Dialing")); err != nil || e.Seq != 1 {
		t.Fatalf("AwaitUnordered(Dialing) = %v, %v; want entry 1", e, err)
	}
	if e, err := l.AwaitUnordered(ctx, "supervisor1", state("Established")); err != nil || e.Seq != 4 {
		t.Fatalf("AwaitUnordered(Established) = %v, %v; want entry 4", e, err)
	}
	if got := l.Unexamined("supervisor1"); len(got) != 0 {
		t.Errorf("Unexamined = %v, want none", got)
	}
	// Roles are independent: agent1's entry is untouched by supervisor1's reads.
	if got := seqs(l.Unexamined("agent1")); !equalInts(got, []int{3}) {
		t.Errorf("Unexamined(agent1) = %v, want [3]", got)
	}
}

func TestAwaitWaitsForAppend(t *testing.T) {
	l := New()
	ctx := withTimeout(t, 2*time.Second)
	got := make(chan Entry, 1)
	errs := make(chan error, 1)
	go func() {
		e, err := l.Await(ctx, "agent1", state("Established"))
		if err != nil {
			errs <- err
			return
		}
		got <- e
	}()
	l.Append("agent1", "/v2/me/calls", callData("Ringing"), time.Time{})
	l.Append("agent2", "/v2/me/calls", callData("Established"), time.Time{})
	l.Append("agent1", "/v2/me/calls", callData("Established"), time.Time{})
	select {
	case e := <-got:
		if e.Seq != 3 || e.Role != "agent1" {
			t.Errorf("Await returned %v, want entry 3 of agent1", e)
		}
	case err := <-errs:
		t.Fatalf("Await failed: %v", err)
	case <-ctx.Done():
		t.Fatal("Await did not return after the matching Append")
	}
}

// Concurrent appenders for several roles; one ordered reader per role must see every entry of its role, in
// the order appended, while the other roles' traffic interleaves.
func TestAwaitWithConcurrentAppenders(t *testing.T) {
	const roles, perRole = 4, 60
	l := New()
	ctx := withTimeout(t, 5*time.Second)
	var wg sync.WaitGroup
	for r := range roles {
		wg.Go(func() {
			role := fmt.Sprintf("user%d", r)
			for n := range perRole {
				l.Append(role, "/v2/me/calls", json.RawMessage(fmt.Sprintf(`{"n":%d}`, n)), time.Time{})
			}
		})
	}
	readerErrs := make(chan error, roles)
	for r := range roles {
		wg.Go(func() {
			role := fmt.Sprintf("user%d", r)
			for n := range perRole {
				m, err := JSONSubset([]byte(fmt.Sprintf(`{"n":%d}`, n)), ArrayContains)
				if err != nil {
					readerErrs <- err
					return
				}
				if _, err := l.Await(ctx, role, m); err != nil {
					readerErrs <- fmt.Errorf("%s entry %d: %w", role, n, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(readerErrs)
	for err := range readerErrs {
		t.Error(err)
	}
	for r := range roles {
		if left := l.Unexamined(fmt.Sprintf("user%d", r)); len(left) != 0 {
			t.Errorf("user%d has %d unexamined entries", r, len(left))
		}
	}
	if got := len(l.All()); got != roles*perRole {
		t.Errorf("log holds %d entries, want %d", got, roles*perRole)
	}
}

func TestAwaitTimeoutCarriesEvidence(t *testing.T) {
	l := New()
	l.Append("supervisor1", "/v2/me/calls", callData("Dialing"), time.Time{})                           // 1, consumed below
	l.Append("supervisor1", "/v2/me/devices", json.RawMessage(`{"devices":[]}`), time.Time{})           // 2, skipped
	l.Append("supervisor1", "/v2/me/calls", callData("Released"), time.Time{})                          // 3, consumed
	l.Append("supervisor1", "/v2/me/calls", callData("Ringing"), time.Time{})                           // 4
	l.Append("supervisor1", "/v2/me/devices", json.RawMessage(`{"devices":[{"id":"d"}]}`), time.Time{}) // 5
	l.Append("agent1", "/v2/me/calls", callData("Established"), time.Time{})                            // 6, other role
	if _, err := l.Await(withTimeout(t, time.Second), "supervisor1", state("Dialing")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Await(withTimeout(t, time.Second), "supervisor1", state("Released")); err != nil {
		t.Fatal(err)
	}

	want := MustNotification(Expect{
		Channel: "/v2/me/calls", MessageType: "CallStateChangeMessage",
		Data: json.RawMessage(`{"call":{"state":"Established","mute":"On"}}`),
	})
	_, err := l.Await(withTimeout(t, 30*time.Millisecond), "supervisor1", want)
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want *TimeoutError", err)
	}
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err should wrap ErrTimeout and the context error: %v", err)
	}
	if got := seqs(te.Arrived); !equalInts(got, []int{4, 5}) {
		t.Errorf("Arrived = %v, want [4 5] (after the cursor, this role only)", got)
	}
	if got := seqs(te.Earlier); !equalInts(got, []int{2}) {
		t.Errorf("Earlier = %v, want [2]", got)
	}
	if te.Closest == nil || te.Closest.Seq != 4 {
		t.Fatalf("Closest = %v, want entry 4", te.Closest)
	}
	if te.Waited < 30*time.Millisecond {
		t.Errorf("Waited = %v, want at least the context's 30ms", te.Waited)
	}
	msg := err.Error()
	for _, want := range []string{
		"supervisor1 did not receive the expected notification",
		`expected: channel=/v2/me/calls and messageType=CallStateChangeMessage and data contains {"call":{"mute":"On","state":"Established"}}`,
		"received since the action and the cursor (2):",
		"#4 supervisor1 /v2/me/calls CallStateChangeMessage/StatusChange",
		`"state": "Ringing"`, // pretty-printed data
		"#5 supervisor1 /v2/me/devices",
		"closest: #4 supervisor1 /v2/me/calls CallStateChangeMessage/StatusChange, 2 mismatch(es):",
		`data.call.mute: want "On", got (absent)`,
		`data.call.state: want "Established", got "Ringing"`,
		"unexamined before the action or the cursor (1): #2 supervisor1 /v2/me/devices;",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error text lacks %q; it is:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "agent1") {
		t.Errorf("error text shows another role's entries:\n%s", msg)
	}
}

func TestAwaitTimeoutNamesOutOfOrderMatchAndEmptyLog(t *testing.T) {
	l := New()
	l.Append("agent1", "/v2/me/calls", callData("Ringing"), time.Time{})
	l.Append("agent1", "/v2/me/calls", callData("Established"), time.Time{})
	if _, err := l.Await(withTimeout(t, time.Second), "agent1", state("Established")); err != nil {
		t.Fatal(err)
	}
	_, err := l.Await(withTimeout(t, 20*time.Millisecond), "agent1", state("Ringing"))
	var te *TimeoutError
	if !errors.As(err, &te) || te.EarlierMatch == nil || te.EarlierMatch.Seq != 1 {
		t.Fatalf("err = %v, want a TimeoutError naming entry 1 as an earlier match", err)
	}
	for _, want := range []string{"received since the action and the cursor: nothing", "note: #1 agent1 /v2/me/calls CallStateChangeMessage/StatusChange matches but arrived before the action was sent or before"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error text lacks %q:\n%s", want, err)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = New().AwaitUnordered(ctx, "nobody", state("Ringing"))
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "received since the action and not yet examined: nothing") {
		t.Errorf("cancelled wait on an empty log: %v", err)
	}
}

func TestAwaitNone(t *testing.T) {
	t.Run("quiet period passes", func(t *testing.T) {
		l := New()
		l.Append("agent2", "/v2/me/calls", callData("Ringing"), time.Time{})      // another role
		l.Append("supervisor1", "/v2/me/calls", callData("Ringing"), time.Time{}) // does not match
		if err := l.AwaitNone(withTimeout(t, 20*time.Millisecond), "supervisor1", state("Released")); err != nil {
			t.Errorf("AwaitNone = %v, want nil", err)
		}
	})
	t.Run("a match already after the cursor fails at once", func(t *testing.T) {
		l := New()
		l.Append("supervisor1", "/v2/me/calls", callData("Released"), time.Time{})
		err := l.AwaitNone(withTimeout(t, 2*time.Second), "supervisor1", state("Released"))
		var ue *UnexpectedError
		if !errors.As(err, &ue) || !errors.Is(err, ErrUnexpected) || ue.Entry.Seq != 1 {
			t.Fatalf("AwaitNone = %v, want *UnexpectedError for entry 1", err)
		}
		for _, want := range []string{"supervisor1 received a notification showing what must not happen", "forbidden: channel=/v2/me/calls", `"state": "Released"`} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error text lacks %q:\n%s", want, err)
			}
		}
	})
	t.Run("a match arriving during the period fails", func(t *testing.T) {
		l := New()
		ctx := withTimeout(t, 2*time.Second)
		done := make(chan error, 1)
		go func() { done <- l.AwaitNone(ctx, "supervisor1", state("Released")) }()
		l.Append("supervisor1", "/v2/me/calls", callData("Ringing"), time.Time{})
		l.Append("supervisor1", "/v2/me/calls", callData("Released"), time.Time{})
		select {
		case err := <-done:
			var ue *UnexpectedError
			if !errors.As(err, &ue) || ue.Entry.Seq != 2 {
				t.Errorf("AwaitNone = %v, want *UnexpectedError for entry 2", err)
			}
		case <-ctx.Done():
			t.Fatal("AwaitNone did not notice the forbidden entry")
		}
	})
	t.Run("entries before the action window or examined do not count, entries behind the cursor do", func(t *testing.T) {
		l := New()
		l.Append("supervisor1", "/v2/me/calls", callData("Released"), time.Time{}) // before the action
		l.Sent()
		l.Append("supervisor1", "/v2/me/calls", callData("Ringing"), time.Time{})
		l.Append("supervisor1", "/v2/me/calls", json.RawMessage(`{"call":{"id":"c3","state":"Released"}}`), time.Time{}) // examined below
		third := MustNotification(Expect{Data: json.RawMessage(`{"call":{"id":"c3"}}`)})
		if e, err := l.Await(withTimeout(t, time.Second), "supervisor1", third); err != nil || e.Seq != 3 {
			t.Fatalf("Await = %v, %v; want entry 3", e, err)
		}
		if err := l.AwaitNone(withTimeout(t, 20*time.Millisecond), "supervisor1", state("Released")); err != nil {
			t.Errorf("AwaitNone = %v, want nil", err)
		}
		// Ringing #2 is behind the cursor now, but it arrived after the action: it counts.
		err := l.AwaitNone(withTimeout(t, time.Second), "supervisor1", state("Ringing"))
		var ue *UnexpectedError
		if !errors.As(err, &ue) || ue.Entry.Seq != 2 || ue.Mark != 1 {
			t.Errorf("AwaitNone(Ringing) = %v, want *UnexpectedError for entry 2 after mark 1", err)
		}
	})
}

func TestActionWindow(t *testing.T) {
	ctx := withTimeout(t, time.Second)
	l := New()
	l.Append("agent1", "/v2/me/calls", callData("Ringing"), time.Time{}) // 1: caused by set-up
	// "Given agent1 ... (action)": the first action of a run starts the window at its first request.
	l.Step(true)
	l.Sent()
	if l.Mark() != 1 {
		t.Fatalf("Mark = %d, want 1", l.Mark())
	}
	l.Append("agent1", "/v2/me/calls", callData("Established"), time.Time{}) // 2
	// A second request of the same step and a following action step keep the window.
	l.Sent()
	l.Step(true)
	l.Sent()
	if l.Mark() != 1 {
		t.Errorf("consecutive actions moved the mark to %d", l.Mark())
	}
	// An assertion step, then an action step: a new window at its first request.
	l.Step(false)
	l.Append("agent1", "/v2/me/calls", callData("Ringing"), time.Time{}) // 3: before the next action
	l.Step(true)
	if l.Mark() != 1 {
		t.Errorf("the window must start when a request is sent, not when the step starts")
	}
	l.Sent()
	if l.Mark() != 3 {
		t.Fatalf("Mark = %d, want 3", l.Mark())
	}
	l.Append("agent1", "/v2/me/calls", callData("Released"), time.Time{}) // 4
	// A positive wait does not look before the window, although the cursor is at the start.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err := l.Await(short, "agent1", state("Ringing"))
	var te *TimeoutError
	if !errors.As(err, &te) || te.EarlierMatch == nil || te.EarlierMatch.Seq != 1 {
		t.Fatalf("Await(Ringing) = %v; want a timeout noting entry 1 before the window", err)
	}
	if !strings.Contains(err.Error(), "before the action was sent") {
		t.Errorf("timeout text should say the match came before the action:\n%s", err)
	}
	if e, err := l.Await(ctx, "agent1", state("Released")); err != nil || e.Seq != 4 {
		t.Fatalf("Await(Released) = %v, %v; want entry 4", e, err)
	}
}

// releaseDetector is a test detector: a call whose state becomes Released.
type releaseDetector struct{ last map[string]string }

func (d *releaseDetector) Observe(e Entry) string {
	var m struct {
		Call struct{ ID, State string } `json:"call"`
	}
	if json.Unmarshal(e.Data, &m) != nil || m.Call.ID == "" {
		return ""
	}
	prev := d.last[m.Call.ID]
	d.last[m.Call.ID] = m.Call.State
	if m.Call.State == "Released" && prev != "Released" {
		return "call " + m.Call.ID + ": " + prev + " -> Released"
	}
	return ""
}

func (d *releaseDetector) String() string { return "a call released" }

func TestAwaitNoChange(t *testing.T) {
	released := func(id string) json.RawMessage {
		return json.RawMessage(`{"messageType":"CallStateChangeMessage","call":{"id":"` + id + `","state":"Released"}}`)
	}
	t.Run("a repeated snapshot of a state known before the action is no change", func(t *testing.T) {
		l := New()
		l.Append("supervisor1", "/v2/me/calls", released("c1"), time.Time{})
		l.Sent()
		l.Append("supervisor1", "/v2/me/calls", released("c1"), time.Time{})                                     // repeat
		l.Append("supervisor1", "/v2/me/calls", json.RawMessage(`{"messageType":"VendorMessage"}`), time.Time{}) // other kind
		l.Append("supervisor1", "/v2/me/calls", callData("Established"), time.Time{})                            // c1 again, not released
		l.Append("agent1", "/v2/me/calls", released("c9"), time.Time{})                                          // another role
		if err := l.AwaitNoChange(withTimeout(t, 20*time.Millisecond), "supervisor1", &releaseDetector{map[string]string{}}); err != nil {
			t.Errorf("AwaitNoChange = %v, want nil", err)
		}
	})
	t.Run("the change fails at once, with what changed", func(t *testing.T) {
		l := New()
		l.Append("supervisor1", "/v2/me/calls", callData("Established"), time.Time{})
		l.Sent()
		l.Append("supervisor1", "/v2/me/calls", json.RawMessage(`{"messageType":"CallStateChangeMessage","notificationType":"AttachedDataChanged","call":{"id":"c1","state":"Established"}}`), time.Time{})
		l.Append("supervisor1", "/v2/me/calls", released("c1"), time.Time{})
		err := l.AwaitNoChange(withTimeout(t, 2*time.Second), "supervisor1", &releaseDetector{map[string]string{}})
		var ue *UnexpectedError
		if !errors.As(err, &ue) || ue.Entry.Seq != 3 || !strings.Contains(err.Error(), "change: call c1: Established -> Released") {
			t.Fatalf("AwaitNoChange = %v, want the release of c1 (entry 3)", err)
		}
	})
	t.Run("an examined entry is the state, not a change", func(t *testing.T) {
		l := New()
		l.Sent()
		l.Append("supervisor1", "/v2/me/calls", released("c1"), time.Time{})
		if _, err := l.Await(withTimeout(t, time.Second), "supervisor1", state("Released")); err != nil {
			t.Fatal(err)
		}
		l.Append("supervisor1", "/v2/me/calls", released("c1"), time.Time{})
		if err := l.AwaitNoChange(withTimeout(t, 20*time.Millisecond), "supervisor1", &releaseDetector{map[string]string{}}); err != nil {
			t.Errorf("AwaitNoChange = %v, want nil", err)
		}
	})
	t.Run("a change arriving during the quiet period fails", func(t *testing.T) {
		l := New()
		l.Sent()
		ctx := withTimeout(t, 2*time.Second)
		done := make(chan error, 1)
		go func() { done <- l.AwaitNoChange(ctx, "supervisor1", &releaseDetector{map[string]string{}}) }()
		l.Append("supervisor1", "/v2/me/calls", callData("Established"), time.Time{})
		l.Append("supervisor1", "/v2/me/calls", released("c1"), time.Time{})
		select {
		case err := <-done:
			var ue *UnexpectedError
			if !errors.As(err, &ue) || ue.Entry.Seq != 2 {
				t.Errorf("AwaitNoChange = %v, want *UnexpectedError for entry 2", err)
			}
		case <-ctx.Done():
			t.Fatal("AwaitNoChange did not notice the change")
		}
	})
}

func TestAcknowledge(t *testing.T) {
	l := New()
	l.Append("agent1", "/v2/me/devices", json.RawMessage(`{}`), time.Time{})
	l.Append("agent1", "/v2/me/calls", callData("Ringing"), time.Time{})
	if n := l.Acknowledge("agent1"); n != 2 {
		t.Errorf("Acknowledge = %d, want 2", n)
	}
	if got := l.Unexamined("agent1"); len(got) != 0 {
		t.Errorf("Unexamined after Acknowledge = %v", got)
	}
	if _, err := l.Await(withTimeout(t, 20*time.Millisecond), "agent1", state("Ringing")); !errors.Is(err, ErrTimeout) {
		t.Errorf("Await after Acknowledge = %v, want a timeout (the old entry is behind the cursor)", err)
	}
	l.Append("agent1", "/v2/me/calls", callData("Ringing"), time.Time{})
	if e, err := l.Await(withTimeout(t, time.Second), "agent1", state("Ringing")); err != nil || e.Seq != 3 {
		t.Errorf("Await of a new entry = %v, %v; want entry 3", e, err)
	}
}

func TestEntryRendering(t *testing.T) {
	e := Entry{Seq: 7, Role: "agent1", Channel: "/v2/me/calls", Data: callData("Ringing"),
		Received: time.Date(2024, 1, 2, 3, 4, 5, 6_000_000, time.UTC)}
	if got, want := e.String(), "#7 agent1 /v2/me/calls CallStateChangeMessage/StatusChange"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	pretty := e.Pretty("  ")
	if !strings.HasPrefix(pretty, "  #7 agent1 /v2/me/calls CallStateChangeMessage/StatusChange at 03:04:05.006\n    {\n") ||
		!strings.Contains(pretty, "\n      \"call\": {\n") {
		t.Errorf("Pretty() =\n%s", pretty)
	}
	bad := Entry{Seq: 1, Role: "r", Channel: "/c", Data: json.RawMessage(`not json`)}
	if got := bad.Pretty(""); !strings.Contains(got, "not json") || bad.String() != "#1 r /c" {
		t.Errorf("rendering of non-JSON data: %q / %q", got, bad.String())
	}
}
