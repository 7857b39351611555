package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/cucumber/godog"

	"github.com/coachsim/coachsim/features"
	"github.com/coachsim/coachsim/steps/internal/eventlog"
	"github.com/coachsim/coachsim/steps/internal/gws"
)

// actionPhrases are the phrases that send requests as the behaviour under test (features/README.md, "Action
// window"). Settling steps (V01, V03, V04, V05, V83) also send requests, but they set the stage and end an
// action like any assertion does. Every phrase of the vocabulary is in exactly one of the two sets
// (TestEveryPhraseIsClassified).
var actionPhrases = map[string]bool{
	"V02": true, "V07": true, "V08": true, "V09": true, "V10": true, "V11": true, "V12": true, "V13": true,
	"V14": true, "V15": true, "V16": true, "V17": true, "V18": true, "V19": true, "V20": true, "V27": true,
	"V28": true, "V50": true, "V51": true, "V52": true, "V53": true, "V54": true, "V60": true, "V61": true,
	"V62": true, "V63": true, "V80": true, "V82": true, "V84": true,
}

// otherPhrases are the settling steps and the assertions.
var otherPhrases = map[string]bool{
	"V01": true, "V03": true, "V04": true, "V05": true, "V06": true, "V21": true, "V22": true, "V23": true,
	"V24": true, "V25": true, "V26": true, "V29": true, "V30": true, "V31": true, "V32": true, "V33": true,
	"V34": true, "V35": true, "V36": true, "V37": true, "V64": true, "V81": true, "V83": true,
}

// registerWindows tells each scenario's event log where steps begin and which of them are actions, so that
// the log can start an action window at the first request of every run of consecutive action steps.
func registerWindows(sc *godog.ScenarioContext, v *features.Vocabulary) {
	sc.StepContext().Before(func(ctx context.Context, st *godog.Step) (context.Context, error) {
		w, _ := ctx.Value(worldKey{}).(*World)
		if w == nil {
			return ctx, nil
		}
		action := false
		for _, p := range v.Match(st.Text) {
			action = action || actionPhrases[p.ID]
		}
		w.log.Step(action)
		return ctx, nil
	})
}

// A named change is what an absence step (V33) forbids: each kind looks at the role's call and device
// notifications and recognises one change of state, measured against what the role knew before (features/
// README.md, "Named changes").
type changeKind string

const (
	changeNewCall      changeKind = "new call"
	changeRelease      changeKind = "release of its call"
	changeSubscription changeKind = "change to its subscription"
	changeCalls        changeKind = "change to its calls"
	changeParticipants changeKind = "change to its call's participants"
	changeAnything     changeKind = "change of any kind"
)

// parseChange maps the words of V33 to a kind ("their" reads as "its").
func parseChange(words string) (changeKind, error) {
	k := changeKind(strings.ReplaceAll(words, "their", "its"))
	switch k {
	case changeNewCall, changeRelease, changeSubscription, changeCalls, changeParticipants, changeAnything:
		return k, nil
	}
	return "", fmt.Errorf("unknown change %q", words)
}

// callFacts are the members of a call that make its state; a notification that leaves all of them as they
// were changes nothing (behaviour.md §10.1, §10.2). userData, duration, metrics, extensions and members the
// suite does not know are not state.
var callFacts = []string{"state", "participants", "capabilities", "mute", "monitoredUserMuted", "supervisorListeningIn",
	"monitoring", "callType", "recordingState"}

// deviceFacts are the members of a device that make its state.
var deviceFacts = []string{"deviceState", "userState", "doNotDisturb", "forwardTo", "supervisorMonitoringState", "capabilities"}

// facts is a resource's state: fact name -> canonical JSON ("" when absent or null).
type facts map[string]string

// callFactsOf reads a call's state. participants compare as a set of phone numbers and capabilities as a
// set of names (behaviour.md §10.7); absent booleans read as false, as the model decodes them.
func callFactsOf(c *gws.Call) facts {
	var numbers []string
	for _, p := range c.Participants {
		numbers = append(numbers, p.PhoneNumber)
	}
	var extra struct {
		RecordingState any `json:"recordingState"`
	}
	_ = json.Unmarshal(c.Raw, &extra)
	return facts{
		"state":                 canonical(nonEmpty(c.State)),
		"participants":          canonicalSet(numbers),
		"capabilities":          canonicalSet(c.Capabilities),
		"mute":                  canonical(nonEmpty(c.Mute)),
		"monitoredUserMuted":    canonical(c.MonitoredUserMuted),
		"supervisorListeningIn": canonical(c.SupervisorListeningIn),
		"monitoring":            canonical(c.Monitoring),
		"callType":              canonical(nonEmpty(c.CallType)),
		"recordingState":        canonical(extra.RecordingState),
	}
}

// deviceFactsOf reads a device's state; a supervisorMonitoringState names its target by device id, whatever
// the host of its URI (behaviour.md §2), and a userState is its state and work mode.
func deviceFactsOf(d gws.Device) facts {
	f := facts{
		"deviceState":               canonical(nonEmpty(d.DeviceState)),
		"userState":                 "",
		"doNotDisturb":              canonical(nonEmpty(d.DoNotDisturb)),
		"forwardTo":                 canonical(nonEmpty(d.ForwardTo)),
		"supervisorMonitoringState": "",
		"capabilities":              canonicalSet(d.Capabilities),
	}
	if d.UserState != (gws.UserState{}) {
		f["userState"] = canonical(map[string]any{"state": nonEmpty(d.UserState.State), "workMode": nonEmpty(d.UserState.WorkMode)})
	}
	if m := d.SupervisorMonitoringState; m != nil {
		f["supervisorMonitoringState"] = canonical(map[string]any{"state": m.State, "mode": m.Mode, "scope": m.Scope,
			"target": m.TargetDeviceID()})
	}
	return f
}

// nonEmpty is s, or nil (absent) when s is empty.
func nonEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func canonical(v any) string {
	if v == nil {
		return ""
	}
	b, _ := json.Marshal(v) // maps marshal with sorted keys
	return string(b)
}

func canonicalSet(list []string) string {
	if len(list) == 0 {
		return "[]"
	}
	s := slices.Clone(list)
	sort.Strings(s)
	return canonical(slices.Compact(s))
}

// diff lists the facts that differ, "name: old -> new", in fact order.
func diff(order []string, old, cur facts) []string {
	var out []string
	for _, k := range order {
		if old[k] != cur[k] {
			out = append(out, fmt.Sprintf("%s: %s -> %s", k, shown(old[k]), shown(cur[k])))
		}
	}
	return out
}

func shown(s string) string {
	if s == "" {
		return "(absent)"
	}
	return s
}

// changeDetector follows one role's calls and devices through its notifications and recognises a change of
// one kind. A new one is built for every check.
type changeDetector struct {
	kind     changeKind
	role     string
	deviceID string
	calls    map[string]facts
	devices  map[string]facts
}

// newChangeDetector starts from what the role's device looked like when it logged in (login may be empty).
func newChangeDetector(kind changeKind, a *Actor) *changeDetector {
	d := &changeDetector{kind: kind, role: a.Role, deviceID: a.DeviceID, calls: map[string]facts{}, devices: map[string]facts{}}
	var dev gws.Device
	if len(a.LoginDevice) > 0 && json.Unmarshal(a.LoginDevice, &dev) == nil {
		d.devices[a.DeviceID] = deviceFactsOf(dev)
	}
	return d
}

func (d *changeDetector) String() string {
	return fmt.Sprintf("%s's %s", d.role, map[changeKind]string{
		changeNewCall:      "notification of a call it did not have before",
		changeRelease:      "call released",
		changeSubscription: "supervision subscription changed",
		changeCalls:        "calls changed (a new call, or a call's state, participants, capabilities, mute or monitoring)",
		changeParticipants: "call's participants changed",
		changeAnything:     "calls or device changed, or a notification about a device that is not its own",
	}[d.kind])
}

func (d *changeDetector) Observe(e eventlog.Entry) string {
	n, _ := gws.DecodeNotification(e.Channel, e.Data) // what could be decoded is judged; the validator reports the rest
	switch {
	case n.IsCall() && n.Call != nil && n.Call.ID != "":
		id := n.Call.ID
		cur := callFactsOf(n.Call)
		old, known := d.calls[id]
		d.calls[id] = cur
		return d.callChange(id, old, known, cur)
	case n.IsDevice():
		var out []string
		for _, dev := range n.Devices {
			cur := deviceFactsOf(dev)
			old, known := d.devices[dev.ID]
			d.devices[dev.ID] = cur
			if why := d.deviceChange(dev.ID, old, known, cur); why != "" {
				out = append(out, why)
			}
		}
		return strings.Join(out, "; ")
	}
	return ""
}

func (d *changeDetector) callChange(id string, old facts, known bool, cur facts) string {
	switch d.kind {
	case changeNewCall:
		if !known {
			return fmt.Sprintf("a call it did not have: %s (state %s)", id, shown(cur["state"]))
		}
	case changeRelease:
		if cur["state"] == `"Released"` && (!known || old["state"] != `"Released"`) {
			return fmt.Sprintf("call %s: state %s -> \"Released\"", id, shown(old["state"]))
		}
	case changeParticipants:
		if known && old["participants"] != cur["participants"] {
			return fmt.Sprintf("call %s: participants %s -> %s", id, old["participants"], cur["participants"])
		}
	case changeCalls, changeAnything:
		if !known {
			return fmt.Sprintf("a call it did not have: %s (state %s)", id, shown(cur["state"]))
		}
		if ds := diff(callFacts, old, cur); len(ds) > 0 {
			return fmt.Sprintf("call %s: %s", id, strings.Join(ds, ", "))
		}
	}
	return ""
}

func (d *changeDetector) deviceChange(id string, old facts, known bool, cur facts) string {
	switch d.kind {
	case changeSubscription:
		if id != d.deviceID {
			return ""
		}
		if old["supervisorMonitoringState"] != cur["supervisorMonitoringState"] {
			return fmt.Sprintf("device %s: supervisorMonitoringState %s -> %s", id,
				shown(old["supervisorMonitoringState"]), shown(cur["supervisorMonitoringState"]))
		}
	case changeAnything:
		if id != d.deviceID {
			return fmt.Sprintf("a notification about device %q, which is not its own (%s)", id, d.deviceID)
		}
		if !known {
			return "" // nothing known to compare with: this is the state
		}
		if ds := diff(deviceFacts, old, cur); len(ds) > 0 {
			return fmt.Sprintf("device %s: %s", id, strings.Join(ds, ", "))
		}
	}
	return ""
}

// quietChange runs an absence check of a named change over the quiet period.
func (w *World) quietChange(ctx context.Context, role string, kind changeKind) error {
	a, err := w.actor(ctx, role)
	if err != nil {
		return err
	}
	qctx, cancel := w.quietContext(ctx)
	defer cancel()
	return w.log.AwaitNoChange(qctx, role, newChangeDetector(kind, a))
}
