package voice_test

// This file is the small language the voice specs are written in: a world over one voice.State with a clock
// that moves only when a spec says so, request helpers named after what a user does, a per-user inbox of the
// notifications the core produced, a matcher for "this user received exactly these, in this order", and a
// snapshot of everything a client can read, to prove that a refused operation changed nothing.

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// epoch is the world's starting time; the clock only moves through world.advance.
func epoch() time.Time { return time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC) }

// otherHost is a base URL that is not the environment's: device URIs are matched by id whatever host they name.
const otherHost = "http://elsewhere.example:9999"

// world is one voice.State plus everything the specs need to drive and observe it.
type world struct {
	env    *fixtures.Environment
	st     *voice.State
	now    time.Time
	byName map[string]fixtures.User
	byID   map[string]string // user id -> user name
	devDN  map[string]string // device id -> DN
	inbox  map[string][]voice.Notification
	all    []voice.Notification // every notification, in production order
}

// newWorld builds a world over the default environment, changed by configure.
func newWorld(configure ...func(*fixtures.Environment)) *world {
	return newWorldWith(voice.Options{}, configure...)
}

// newWorldWith builds a world with core options.
func newWorldWith(opts voice.Options, configure ...func(*fixtures.Environment)) *world {
	env := fixtures.Default()
	for _, f := range configure {
		f(env)
	}
	w := &world{
		env:    env,
		st:     voice.New(env, opts),
		now:    epoch(),
		byName: map[string]fixtures.User{},
		byID:   map[string]string{},
		devDN:  map[string]string{},
		inbox:  map[string][]voice.Notification{},
	}
	for _, u := range env.Users {
		w.byName[u.UserName] = u
		w.byID[u.ID] = u.UserName
		w.devDN[u.Device.ID] = u.Device.DN
	}
	return w
}

func manualSupervisorAnswer(env *fixtures.Environment) {
	off := false
	env.SupervisorAutoAnswer = &off
}

func sipCluster(env *fixtures.Environment) { env.SIPCluster = true }

// advance moves the clock.
func (w *world) advance(d time.Duration) { w.now = w.now.Add(d) }

func (w *world) user(name string) fixtures.User {
	GinkgoHelper()
	u, ok := w.byName[name]
	if !ok {
		Fail(fmt.Sprintf("no user %q in the environment", name))
	}
	return u
}

func (w *world) userID(name string) string   { return w.user(name).ID }
func (w *world) deviceID(name string) string { return w.user(name).Device.ID }
func (w *world) dn(name string) string       { return w.user(name).Device.DN }

// deviceURI names a user's device on the environment's own host.
func (w *world) deviceURI(name string) string {
	return w.env.BaseURL + "/api/v2/devices/" + w.deviceID(name)
}

// foreignDeviceURI names a user's device on another host.
func (w *world) foreignDeviceURI(name string) string {
	return otherHost + "/api/v2/devices/" + w.deviceID(name)
}

// try applies one request as the named user and records what it produced. It fills in UserID, and the
// user's own device id when a device resource is addressed without one.
func (w *world) try(name string, r voice.Request) ([]voice.Notification, error) {
	GinkgoHelper()
	r.UserID = w.userID(name)
	if (r.Resource == voice.ResDevice || r.Resource == voice.ResDeviceCalls) && r.ResourceID == "" {
		r.ResourceID = w.deviceID(name)
	}
	notes, err := w.st.Apply(w.now, r)
	if err != nil {
		Expect(notes).To(BeEmpty(), "a refused %s returned notifications", r.Operation)
		return nil, err
	}
	for _, n := range notes {
		w.record(n)
	}
	return notes, nil
}

// do applies a request that must succeed.
func (w *world) do(name string, r voice.Request) []voice.Notification {
	GinkgoHelper()
	notes, err := w.try(name, r)
	Expect(err).NotTo(HaveOccurred(), "%s by %s", r.Operation, name)
	return notes
}

// record checks the invariants every notification keeps and files it in its user's inbox.
func (w *world) record(n voice.Notification) {
	GinkgoHelper()
	name, ok := w.byID[n.UserID]
	Expect(ok).To(BeTrue(), "notification for unknown user id %q", n.UserID)
	u := w.byName[name]
	switch d := n.Data.(type) {
	case voice.DeviceStateChange:
		Expect(n.Channel).To(Equal(voice.ChannelDevices))
		Expect(d.MessageType).To(Equal(voice.MessageDeviceStateChange))
		Expect(d.Devices).To(HaveLen(1))
		Expect(d.Devices[0].ID).To(Equal(u.Device.ID), "a device message went to a user who does not own the device")
	case voice.CallStateChange:
		Expect(n.Channel).To(Equal(voice.ChannelCalls))
		Expect(d.MessageType).To(Equal(voice.MessageCallStateChange))
		Expect(d.PhoneNumber).To(Equal(u.Device.DN), "phoneNumber must be the receiver's DN")
		Expect(d.Call.DeviceURI).To(Equal(w.deviceURI(name)), "deviceUri must be the receiver's device")
		Expect(d.Call.CallUUID).To(Equal(d.Call.ID))
		Expect(d.Call.URI).To(Equal(w.env.BaseURL + "/api/v2/me/calls/" + d.Call.ID))
		Expect(d.Call.Path).To(Equal("/calls/" + d.Call.ID))
		if d.Call.State == "Released" {
			Expect(d.Call.Capabilities).To(BeEmpty(), "a Released call offers no capabilities")
		}
	default:
		Fail(fmt.Sprintf("unexpected notification payload %T", n.Data))
	}
	w.inbox[name] = append(w.inbox[name], n)
	w.all = append(w.all, n)
}

// take returns the user's unread notifications and marks them read.
func (w *world) take(name string) []voice.Notification {
	out := w.inbox[name]
	delete(w.inbox, name)
	return out
}

// drain marks every notification read.
func (w *world) drain() { clear(w.inbox) }

// expect asserts that the user received exactly these notifications, in this order, since the last check.
func (w *world) expect(name string, wants ...want) {
	GinkgoHelper()
	Expect(w.take(name)).To(receiveExactly(w, wants...), "notifications of %s", name)
}

// expectQuiet asserts that the named users (every user when none is named) have nothing unread.
func (w *world) expectQuiet(names ...string) {
	GinkgoHelper()
	if len(names) == 0 {
		for _, u := range w.env.Users {
			names = append(names, u.UserName)
		}
	}
	for _, name := range names {
		Expect(w.take(name)).To(receiveExactly(w), "notifications of %s", name)
	}
}

// ---- requests -------------------------------------------------------------------------------------------

func callReq(callID string, op voice.Operation) voice.Request {
	return voice.Request{Resource: voice.ResCall, ResourceID: callID, Operation: op}
}

func destReq(callID string, op voice.Operation, dest string) voice.Request {
	r := callReq(callID, op)
	r.Destination = dest
	return r
}

func deviceReq(op voice.Operation) voice.Request {
	return voice.Request{Resource: voice.ResDevice, Operation: op}
}

func channelReq(op voice.Operation) voice.Request {
	return voice.Request{Resource: voice.ResChannel, ResourceID: "voice", Operation: op}
}

func meReq(op voice.Operation, channels ...string) voice.Request {
	return voice.Request{Resource: voice.ResMe, Operation: op, Channels: channels}
}

func dialReq(dest string) voice.Request {
	return voice.Request{Resource: voice.ResDeviceCalls, Operation: voice.OpDial, Destination: dest}
}

// superviseReq is ListenIn/Coach/BargeIn aimed at a target device URI; scope and mode as sent ("" = absent).
func superviseReq(kind voice.MonitorType, targetURI string, scope voice.Scope, mode voice.Mode) voice.Request {
	return voice.Request{Resource: voice.ResDevice, Operation: voice.Operation(kind), TargetDeviceURI: targetURI,
		Scope: string(scope), Mode: string(mode)}
}

// dial places a call from one user to a number and returns the caller's new call id.
func (w *world) dial(from, to string) string {
	GinkgoHelper()
	before := w.callIDs(from)
	w.do(from, dialReq(to))
	for _, c := range w.callsOf(from) {
		if !slices.Contains(before, c.ID) {
			return c.ID
		}
	}
	// The call may already be over (unknown number, DND): find it in the caller's notifications.
	for i := len(w.all) - 1; i >= 0; i-- {
		if d, ok := w.all[i].Data.(voice.CallStateChange); ok && w.byID[w.all[i].UserID] == from {
			return d.Call.ID
		}
	}
	Fail(fmt.Sprintf("%s dialled %s but has no new call", from, to))
	return ""
}

// op performs a call operation on the user's only call.
func (w *world) op(name string, op voice.Operation) {
	GinkgoHelper()
	w.do(name, callReq(w.callOf(name).ID, op))
}

// opOn performs a call operation on a given call of the user.
func (w *world) opOn(name, callID string, op voice.Operation) {
	GinkgoHelper()
	w.do(name, callReq(callID, op))
}

// transferTo performs a destination operation (SingleStepTransfer, InitiateTransfer, InitiateConference) on
// the user's only call.
func (w *world) transferTo(name string, op voice.Operation, dest string) {
	GinkgoHelper()
	w.do(name, destReq(w.callOf(name).ID, op, dest))
}

func (w *world) answer(name string) {
	GinkgoHelper()
	w.do(name, callReq(w.ringingCall(name).ID, voice.OpAnswer))
}

// login starts the users' contact-center sessions and makes them Ready.
func (w *world) login(names ...string) {
	GinkgoHelper()
	for _, n := range names {
		w.do(n, meReq(voice.OpStartContactCenterSession, "voice"))
		w.do(n, channelReq(voice.OpReady))
	}
}

// supervise subscribes a supervisor to an agent and checks that only the supervisor heard of it.
func (w *world) supervise(sup string, kind voice.MonitorType, agent string, scope voice.Scope, mode voice.Mode) {
	GinkgoHelper()
	w.do(sup, superviseReq(kind, w.deviceURI(agent), scope, mode))
	w.expect(sup, dev().mon(kind, mode, scope, w.dn(agent)))
}

// ---- reads ----------------------------------------------------------------------------------------------

func (w *world) callsOf(name string) []voice.Call { return w.st.UserCalls(w.userID(name), w.now) }

func (w *world) callIDs(name string) []string {
	var ids []string
	for _, c := range w.callsOf(name) {
		ids = append(ids, c.ID)
	}
	return ids
}

// callOf returns the user's only active call.
func (w *world) callOf(name string) voice.Call {
	GinkgoHelper()
	calls := w.callsOf(name)
	Expect(calls).To(HaveLen(1), "%s should have exactly one call", name)
	return calls[0]
}

// callIn returns the user's view of a given call.
func (w *world) callIn(name, callID string) voice.Call {
	GinkgoHelper()
	c, ok := w.st.UserCall(w.userID(name), callID, w.now)
	Expect(ok).To(BeTrue(), "%s is not on call %s", name, callID)
	return c
}

func (w *world) ringingCall(name string) voice.Call {
	GinkgoHelper()
	var ringing []voice.Call
	for _, c := range w.callsOf(name) {
		if c.State == "Ringing" {
			ringing = append(ringing, c)
		}
	}
	Expect(ringing).To(HaveLen(1), "%s should have exactly one ringing call", name)
	return ringing[0]
}

func (w *world) deviceOf(name string) voice.Device {
	GinkgoHelper()
	ds := w.st.UserDevices(w.userID(name))
	Expect(ds).To(HaveLen(1))
	return ds[0]
}

// snapshot renders everything every user can read (devices, calls, channels), one line per resource list.
func (w *world) snapshot() string {
	var b strings.Builder
	for _, u := range w.env.Users {
		devs, _ := json.Marshal(w.st.UserDevices(u.ID))
		calls, _ := json.Marshal(w.st.UserCalls(u.ID, w.now))
		chans, _ := json.Marshal(w.st.Channels(u.ID))
		fmt.Fprintf(&b, "%s devices %s\n%s calls %s\n%s channels %s\n", u.UserName, devs, u.UserName, calls, u.UserName, chans)
	}
	return b.String()
}

// refuse asserts that a request fails with the sentinel (an *OpError wrapping it), emits nothing and leaves
// every readable resource as it was.
func (w *world) refuse(name string, r voice.Request, sentinel error) *voice.OpError {
	GinkgoHelper()
	before := w.snapshot()
	unread := len(w.all)
	_, err := w.try(name, r)
	Expect(err).To(MatchError(sentinel), "%s by %s", r.Operation, name)
	var oe *voice.OpError
	Expect(errors.As(err, &oe)).To(BeTrue(), "the error should be a *voice.OpError, got %T", err)
	Expect(oe.Op).To(Equal(string(r.Operation)))
	Expect(w.all).To(HaveLen(unread), "a refused operation produced notifications")
	Expect(w.snapshot()).To(Equal(before), "a refused operation changed state")
	return oe
}

// ---- expected notifications ------------------------------------------------------------------------------

// want describes one expected notification. Call flags (supervisorListeningIn, mute, monitoredUserMuted,
// monitoring) and participants are always compared; capabilities and the call id only when set.
type want struct {
	device bool
	// device messages
	monitor string // "" = no supervisorMonitoringState, else "Kind/Mode/Scope->DN"
	dndVal  string // "" = not compared
	agentSt string // "" = not compared
	// call messages
	kind       string
	state      string
	parts      []string
	sli        bool
	muteOn     bool
	muted      bool
	monitoring bool
	callType   string // "" = not compared
	callID     string // "" = not compared
	caps       []voice.Operation
	capsSet    bool
}

func dev() want { return want{device: true} }

// mon expects a supervisorMonitoringState.
func (x want) mon(kind voice.MonitorType, mode voice.Mode, scope voice.Scope, targetDN string) want {
	x.monitor = fmt.Sprintf("%s/%s/%s->%s", kind, mode, scope, targetDN)
	return x
}
func (x want) dnd(v string) want   { x.dndVal = v; return x }
func (x want) agent(v string) want { x.agentSt = v; return x }

func callNote(kind, state string, parts []string) want {
	if parts == nil {
		parts = []string{}
	}
	return want{kind: kind, state: state, parts: parts}
}

// sc is a StatusChange, pu a ParticipantsUpdated, mu a MonitoredUserMutedStateChange; parts are the
// participants' phone numbers in order.
func sc(state string, parts ...string) want { return callNote(voice.NotifyStatusChange, state, parts) }
func pu(state string, parts ...string) want {
	return callNote(voice.NotifyParticipantsUpdated, state, parts)
}
func mu(state string, parts ...string) want {
	return callNote(voice.NotifyMonitoredUserMuted, state, parts)
}

func (x want) listenedIn() want          { x.sli = true; return x }
func (x want) muteOnFlag() want          { x.muteOn = true; return x }
func (x want) monitoredMuted() want      { x.muted = true; return x }
func (x want) supervising() want         { x.monitoring = true; return x }
func (x want) typ(t voice.CallType) want { x.callType = string(t); return x }
func (x want) on(callID string) want     { x.callID = callID; return x }
func (x want) withCaps(c ...voice.Operation) want {
	x.caps = append([]voice.Operation{}, c...)
	x.capsSet = true
	return x
}

// sliIf, muteIf: conditional flags, for tables.
func (x want) sliIf(b bool) want {
	x.sli = b
	return x
}
func (x want) muteIf(b bool) want {
	x.muteOn = b
	return x
}

// summarise renders a notification as the want that describes it fully.
func (w *world) summarise(n voice.Notification) want {
	switch d := n.Data.(type) {
	case voice.DeviceStateChange:
		v := d.Devices[0]
		x := want{device: true, dndVal: v.DoNotDisturb, agentSt: "none", caps: v.Capabilities, capsSet: true}
		if v.UserState != nil {
			x.agentSt = v.UserState.State
		}
		if m := v.SupervisorMonitoringState; m != nil {
			target := m.TargetDeviceURI
			if id := target[strings.LastIndex(target, "/")+1:]; w.devDN[id] != "" {
				target = w.devDN[id]
			}
			x.monitor = fmt.Sprintf("%s/%s/%s->%s", m.State, m.Mode, m.Scope, target)
		}
		return x
	case voice.CallStateChange:
		c := d.Call
		return want{kind: d.NotificationType, state: c.State, parts: c.ParticipantNumbers(), sli: c.SupervisorListeningIn,
			muteOn: c.Mute == "On", muted: c.MonitoredUserMuted, monitoring: c.Monitoring, callType: string(c.CallType),
			callID: c.ID, caps: c.Capabilities, capsSet: true}
	}
	return want{kind: fmt.Sprintf("%T", n.Data)}
}

// matches compares an actual summary with an expectation.
func (x want) matches(a want) bool {
	if x.device != a.device {
		return false
	}
	if x.capsSet && !sameOps(x.caps, a.caps) {
		return false
	}
	if x.device {
		return x.monitor == a.monitor && (x.dndVal == "" || x.dndVal == a.dndVal) &&
			(x.agentSt == "" || x.agentSt == a.agentSt)
	}
	return x.kind == a.kind && x.state == a.state && slices.Equal(x.parts, a.parts) && x.sli == a.sli &&
		x.muteOn == a.muteOn && x.muted == a.muted && x.monitoring == a.monitoring &&
		(x.callType == "" || x.callType == a.callType) && (x.callID == "" || x.callID == a.callID)
}

func (x want) String() string {
	var b strings.Builder
	if x.device {
		b.WriteString("DeviceStateChange")
		if x.monitor == "" {
			b.WriteString(" unmonitored")
		} else {
			b.WriteString(" monitoring=" + x.monitor)
		}
		if x.dndVal != "" {
			b.WriteString(" dnd=" + x.dndVal)
		}
		if x.agentSt != "" {
			b.WriteString(" " + x.agentSt)
		}
	} else {
		fmt.Fprintf(&b, "%s %s parts=%v", x.kind, x.state, x.parts)
		if x.callID != "" {
			b.WriteString(" call=…" + x.callID[len(x.callID)-3:])
		}
		if x.callType != "" {
			b.WriteString(" type=" + x.callType)
		}
		for _, f := range []struct {
			on   bool
			name string
		}{{x.sli, "supervisorListeningIn"}, {x.muteOn, "mute=On"}, {x.muted, "monitoredUserMuted"}, {x.monitoring, "monitoring"}} {
			if f.on {
				b.WriteString(" " + f.name)
			}
		}
	}
	if x.capsSet {
		fmt.Fprintf(&b, " caps=%v", x.caps)
	}
	return b.String()
}

// receiveExactly matches a user's notifications against the expected ones, in order and in number.
func receiveExactly(w *world, wants ...want) types.GomegaMatcher {
	return &inOrderMatcher{w: w, wants: wants}
}

type inOrderMatcher struct {
	w     *world
	wants []want
}

func (m *inOrderMatcher) Match(actual any) (bool, error) {
	notes, ok := actual.([]voice.Notification)
	if !ok {
		return false, fmt.Errorf("receiveExactly expects []voice.Notification, got %T", actual)
	}
	if len(notes) != len(m.wants) {
		return false, nil
	}
	for i, n := range notes {
		if !m.wants[i].matches(m.w.summarise(n)) {
			return false, nil
		}
	}
	return true, nil
}

func (m *inOrderMatcher) FailureMessage(actual any) string {
	notes, _ := actual.([]voice.Notification)
	var b strings.Builder
	fmt.Fprintf(&b, "expected %d notification(s), in this order:\n", len(m.wants))
	for i, x := range m.wants {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, x)
	}
	fmt.Fprintf(&b, "received %d:\n", len(notes))
	for i, n := range notes {
		mark := "  "
		if i >= len(m.wants) || !m.wants[i].matches(m.w.summarise(n)) {
			mark = "✗ "
		}
		fmt.Fprintf(&b, "%s%d. %s\n", mark, i+1, m.w.summarise(n))
	}
	return b.String()
}

func (m *inOrderMatcher) NegatedFailureMessage(any) string {
	return "expected the notifications not to match, but they did"
}

// heard maps user names to the notifications each must have received, in order.
type heard map[string][]want

// expectAll asserts every user's unread notifications at once: the users named get exactly what is listed,
// every other user nothing.
func (w *world) expectAll(h heard) {
	GinkgoHelper()
	for name := range h {
		w.user(name) // a typo in a user name must fail, not pass silently
	}
	for _, u := range w.env.Users {
		w.expect(u.UserName, h[u.UserName]...)
	}
}

// ps builds a participant list, skipping empty entries (for parties visible only in some modes).
func ps(numbers ...string) []string {
	out := []string{}
	for _, n := range numbers {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

// sameOps compares two capability lists as sets: their order means nothing (behaviour.md §8).
func sameOps(a, b []voice.Operation) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// when returns s if cond holds, else "".
func when(cond bool, s string) string {
	if cond {
		return s
	}
	return ""
}
