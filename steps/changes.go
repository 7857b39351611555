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
)

// actionPhrases are the phrases that send requests as the behaviour under test (features/README.md, "Action
// window"). Settling steps (V01, V03, V04, V05) also send requests, but they set the stage and end an action
// like any assertion does.
var actionPhrases = map[string]bool{
	"V02": true, "V07": true, "V08": true, "V09": true, "V10": true, "V11": true, "V12": true, "V13": true,
	"V14": true, "V15": true, "V16": true, "V17": true, "V18": true, "V19": true, "V20": true, "V27": true,
	"V28": true, "V50": true, "V51": true, "V52": true, "V53": true, "V54": true,
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
// set of names (behaviour.md §10.7).
func callFactsOf(call map[string]any) facts {
	f := facts{}
	for _, k := range callFacts {
		switch k {
		case "participants":
			f[k] = canonicalSet(participantNumbers(call))
		case "capabilities":
			f[k] = canonicalSet(strs(call[k]))
		default:
			f[k] = canonical(call[k])
		}
	}
	return f
}

// deviceFactsOf reads a device's state; a supervisorMonitoringState names its target by device id, whatever
// the host of its URI (behaviour.md §2), and a userState is its state and work mode.
func deviceFactsOf(d map[string]any) facts {
	f := facts{}
	for _, k := range deviceFacts {
		switch k {
		case "capabilities":
			f[k] = canonicalSet(strs(d[k]))
		case "userState":
			us, _ := d[k].(map[string]any)
			if us == nil {
				f[k] = ""
			} else {
				f[k] = canonical(map[string]any{"state": us["state"], "workMode": us["workMode"]})
			}
		case "supervisorMonitoringState":
			sms, _ := d[k].(map[string]any)
			if sms == nil {
				f[k] = ""
			} else {
				uri, _ := sms["targetDeviceUri"].(string)
				f[k] = canonical(map[string]any{"state": sms["state"], "mode": sms["mode"], "scope": sms["scope"],
					"target": lastSegment(uri)})
			}
		default:
			f[k] = canonical(d[k])
		}
	}
	return f
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
	var dev map[string]any
	if json.Unmarshal(a.LoginDevice, &dev) == nil && dev != nil {
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
	if call, _ := callOf(e); call != nil {
		id, _ := call["id"].(string)
		if id == "" {
			return ""
		}
		cur := callFactsOf(call)
		old, known := d.calls[id]
		d.calls[id] = cur
		return d.callChange(id, old, known, cur)
	}
	var out []string
	for _, dev := range devicesOf(e) {
		id, _ := dev["id"].(string)
		cur := deviceFactsOf(dev)
		old, known := d.devices[id]
		d.devices[id] = cur
		if why := d.deviceChange(id, old, known, cur); why != "" {
			out = append(out, why)
		}
	}
	return strings.Join(out, "; ")
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
