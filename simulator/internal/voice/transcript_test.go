package voice_test

// Transcript tests: each file in testdata/transcripts is one situation written as a conversation with the
// core. A block is one or more command lines, a line "----", and what the core answered: every notification
// the commands caused, in production order, one line each, or the error of a refused command. Blocks are
// separated by a blank line; lines starting with # are comments.
//
//	dial customer1 5001 userData={"segment":"gold"}
//	----
//	customer1 call#1 StatusChange Dialing parts=[5001] dur=0 data={"segment":"gold"} caps=[...]
//
// go test ./simulator/internal/voice -run TestTranscripts -update rewrites the answers from what the core
// does now; the diff is then reviewed like code. Commands:
//
//	login USER...                               StartContactCenterSession + Ready
//	dial USER NUMBER [userData=JSON]            Dial from the user's device
//	inbound FROM TO [userData=JSON]             a call from outside the environment
//	call USER OP [#N] [key=value]...            an operation on the user's call #N (default: its only call);
//	                                            keys: destination, userData, key, digits, participant,
//	                                            otherCall (#N), consultCall (#N)
//	device USER OP [key=value]...               an operation on the user's device (destination, target, scope,
//	                                            mode: the monitoring parameters; target is a user name)
//	advance SECONDS                             the clock moves on
//	show USER                                   the user's calls as a read would return them
//
// Calls are numbered #1, #2, … in the order they first appear in a transcript.

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

var update = flag.Bool("update", false, "rewrite the answers of the transcript files in testdata/transcripts")

func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "transcripts", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts found: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			blocks, err := parseTranscript(string(data))
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			tr := newTranscript(t)
			changed := false
			for i := range blocks {
				b := &blocks[i]
				got := tr.run(b.commands)
				if got != b.answer {
					if *update {
						b.answer = got
						changed = true
						continue
					}
					t.Errorf("%s:%d: %s\nwant:\n%s\ngot:\n%s", file, b.line, strings.Join(b.commands, "\n"), b.answer, got)
				}
			}
			if changed {
				if err := os.WriteFile(file, []byte(renderTranscript(blocks)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

type block struct {
	comments []string // comment lines before the commands
	commands []string
	answer   string
	line     int
}

func parseTranscript(src string) ([]block, error) {
	var out []block
	lines := strings.Split(src, "\n")
	for i := 0; i < len(lines); {
		var b block
		for i < len(lines) && (strings.TrimSpace(lines[i]) == "" || strings.HasPrefix(lines[i], "#")) {
			if strings.HasPrefix(lines[i], "#") {
				b.comments = append(b.comments, lines[i])
			} else {
				b.comments = nil // a blank line ends a comment that belongs to no block
			}
			i++
		}
		if i >= len(lines) {
			break
		}
		b.line = i + 1
		for i < len(lines) && lines[i] != "----" {
			if strings.TrimSpace(lines[i]) == "" {
				return nil, fmt.Errorf("line %d: a command block must end with ----", b.line)
			}
			b.commands = append(b.commands, lines[i])
			i++
		}
		if i >= len(lines) {
			return nil, fmt.Errorf("line %d: missing ----", b.line)
		}
		i++ // ----
		var answer []string
		for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
			answer = append(answer, lines[i])
			i++
		}
		b.answer = strings.Join(answer, "\n")
		out = append(out, b)
	}
	return out, nil
}

func renderTranscript(blocks []block) string {
	var sb strings.Builder
	for i, b := range blocks {
		if i > 0 {
			sb.WriteString("\n")
		}
		for _, c := range b.comments {
			sb.WriteString(c + "\n")
		}
		for _, c := range b.commands {
			sb.WriteString(c + "\n")
		}
		sb.WriteString("----\n")
		if b.answer != "" {
			sb.WriteString(b.answer + "\n")
		}
	}
	return sb.String()
}

// transcript drives one voice.State over the default environment plus a user with api-voice-recording.
type transcript struct {
	t      *testing.T
	env    *fixtures.Environment
	st     *voice.State
	now    time.Time
	byName map[string]fixtures.User
	byID   map[string]string
	calls  map[string]int // call id -> #N
	ids    []string       // #N -> call id
}

func newTranscript(t *testing.T) *transcript {
	env := fixtures.Default()
	for i := range env.Users {
		if env.Users[i].UserName == "agent3" { // the one user who records calls
			env.Users[i].Features = append(env.Users[i].Features, fixtures.FeatureVoiceRecording)
		}
	}
	tr := &transcript{t: t, env: env, st: voice.New(env, voice.Options{}), now: epoch(),
		byName: map[string]fixtures.User{}, byID: map[string]string{}, calls: map[string]int{}}
	for _, u := range env.Users {
		tr.byName[u.UserName] = u
		tr.byID[u.ID] = u.UserName
	}
	return tr
}

func (tr *transcript) run(commands []string) string {
	var out []string
	for _, line := range commands {
		notes, err := tr.command(line)
		if err != nil {
			var oe *voice.OpError
			if errors.As(err, &oe) {
				out = append(out, "error: "+oe.Error())
			} else {
				out = append(out, "error: "+err.Error())
			}
			continue
		}
		for _, n := range notes {
			out = append(out, tr.render(n))
		}
	}
	return strings.Join(out, "\n")
}

// fields splits a command line on spaces, keeping JSON values (which may hold spaces) whole.
func fields(line string) []string {
	var out []string
	depth := 0
	inString := false
	start := -1
	for i, r := range line {
		switch {
		case inString:
			if r == '"' && line[i-1] != '\\' {
				inString = false
			}
		case r == '"':
			inString = true
		case r == '{' || r == '[':
			depth++
		case r == '}' || r == ']':
			depth--
		case r == ' ' && depth == 0:
			if start >= 0 {
				out = append(out, line[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, line[start:])
	}
	return out
}

func (tr *transcript) user(name string) (fixtures.User, error) {
	u, ok := tr.byName[name]
	if !ok {
		return u, fmt.Errorf("no user %q", name)
	}
	return u, nil
}

func (tr *transcript) command(line string) ([]voice.Notification, error) {
	f := fields(line)
	if len(f) == 0 {
		return nil, fmt.Errorf("empty command")
	}
	switch f[0] {
	case "advance":
		secs, err := strconv.Atoi(f[1])
		if err != nil {
			return nil, err
		}
		tr.now = tr.now.Add(time.Duration(secs) * time.Second)
		return nil, nil
	case "login":
		var all []voice.Notification
		for _, name := range f[1:] {
			for _, r := range []voice.Request{
				{Resource: voice.ResMe, Operation: voice.OpStartContactCenterSession, Channels: []string{"voice"}},
				{Resource: voice.ResChannel, ResourceID: "voice", Operation: voice.OpReady},
			} {
				notes, err := tr.apply(name, r)
				if err != nil {
					return all, err
				}
				all = append(all, notes...)
			}
		}
		return all, nil
	case "dial":
		u, err := tr.user(f[1])
		if err != nil {
			return nil, err
		}
		r := voice.Request{Resource: voice.ResDeviceCalls, ResourceID: u.Device.ID, Operation: voice.OpDial, Destination: f[2]}
		if err := tr.params(&r, f[3:]); err != nil {
			return nil, err
		}
		return tr.apply(f[1], r)
	case "inbound":
		in := voice.InboundCall{From: f[1], To: f[2]}
		var r voice.Request
		if err := tr.params(&r, f[3:]); err != nil {
			return nil, err
		}
		in.UserData = r.UserData
		_, notes, err := tr.st.InboundWith(tr.now, in)
		return notes, err
	case "call":
		u, err := tr.user(f[1])
		if err != nil {
			return nil, err
		}
		r := voice.Request{Resource: voice.ResCall, Operation: voice.Operation(f[2])}
		rest := f[3:]
		if len(rest) > 0 && strings.HasPrefix(rest[0], "#") {
			if r.ResourceID, err = tr.callID(rest[0]); err != nil {
				return nil, err
			}
			rest = rest[1:]
		} else {
			calls := tr.st.UserCalls(u.ID, tr.now)
			if len(calls) != 1 {
				return nil, fmt.Errorf("%s has %d calls: name one with #N", f[1], len(calls))
			}
			r.ResourceID = calls[0].ID
		}
		if err := tr.params(&r, rest); err != nil {
			return nil, err
		}
		return tr.apply(f[1], r)
	case "device":
		u, err := tr.user(f[1])
		if err != nil {
			return nil, err
		}
		r := voice.Request{Resource: voice.ResDevice, ResourceID: u.Device.ID, Operation: voice.Operation(f[2])}
		if err := tr.params(&r, f[3:]); err != nil {
			return nil, err
		}
		return tr.apply(f[1], r)
	case "show":
		u, err := tr.user(f[1])
		if err != nil {
			return nil, err
		}
		var notes []voice.Notification
		for _, c := range tr.st.UserCalls(u.ID, tr.now) {
			notes = append(notes, voice.Notification{UserID: u.ID, Channel: "read",
				Data: voice.CallStateChange{NotificationType: "read", Call: c}})
		}
		return notes, nil
	}
	return nil, fmt.Errorf("unknown command %q", f[0])
}

func (tr *transcript) callID(ref string) (string, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(ref, "#"))
	if err != nil || n < 1 || n > len(tr.ids) {
		return "", fmt.Errorf("no call %s", ref)
	}
	return tr.ids[n-1], nil
}

func (tr *transcript) params(r *voice.Request, kv []string) error {
	for _, p := range kv {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return fmt.Errorf("parameter %q is not key=value", p)
		}
		switch k {
		case "destination":
			r.Destination = v
		case "userData":
			if err := json.Unmarshal([]byte(v), &r.UserData); err != nil {
				return fmt.Errorf("userData: %v", err)
			}
		case "key":
			r.Key = v
		case "digits":
			r.Digits = v
		case "participant":
			r.Participant = v
		case "otherCall", "consultCall":
			id, err := tr.callID(v)
			if err != nil {
				return err
			}
			uri := tr.env.BaseURL + "/api/v2/me/calls/" + id
			if k == "otherCall" {
				r.OtherCallURI = uri
			} else {
				r.ConsultCallURI = uri
			}
		case "target":
			u, err := tr.user(v)
			if err != nil {
				return err
			}
			r.TargetDeviceURI = tr.env.BaseURL + "/api/v2/devices/" + u.Device.ID
		case "scope":
			r.Scope = v
		case "mode":
			r.Mode = v
		default:
			return fmt.Errorf("unknown parameter %q", k)
		}
	}
	return nil
}

func (tr *transcript) apply(name string, r voice.Request) ([]voice.Notification, error) {
	u, err := tr.user(name)
	if err != nil {
		return nil, err
	}
	r.UserID = u.ID
	return tr.st.Apply(tr.now, r)
}

// render writes one notification on one line: who, what, and the members a client acts on.
func (tr *transcript) render(n voice.Notification) string {
	who := tr.byID[n.UserID]
	switch d := n.Data.(type) {
	case voice.DeviceStateChange:
		v := d.Devices[0]
		state := "Inactive"
		if v.UserState != nil {
			state = v.UserState.State
		}
		s := fmt.Sprintf("%s device %s dnd=%s", who, state, v.DoNotDisturb)
		if v.ForwardTo != "" {
			s += " forwardTo=" + v.ForwardTo
		}
		if m := v.SupervisorMonitoringState; m != nil {
			s += fmt.Sprintf(" monitoring=%s/%s/%s", m.State, m.Scope, m.Mode)
		}
		return s + fmt.Sprintf(" caps=%v", v.Capabilities)
	case voice.CallStateChange:
		c := d.Call
		num, ok := tr.calls[c.ID]
		if !ok {
			tr.ids = append(tr.ids, c.ID)
			num = len(tr.ids)
			tr.calls[c.ID] = num
		}
		s := fmt.Sprintf("%s call#%d %s %s parts=%v dur=%s", who, num, d.NotificationType, c.State, c.ParticipantNumbers(), c.Duration)
		if c.CallType != voice.CallInternal {
			s += " type=" + string(c.CallType)
		}
		for _, flag := range []struct {
			on   bool
			name string
		}{{c.Monitoring, "monitoring"}, {c.Mute == "On", "mute"}, {c.SupervisorListeningIn, "listenedIn"}, {c.MonitoredUserMuted, "agentMuted"}} {
			if flag.on {
				s += " " + flag.name
			}
		}
		if c.RecordingState != "" {
			s += " rec=" + c.RecordingState
		}
		if len(c.UserData) > 0 {
			data, _ := json.Marshal(c.UserData)
			s += " data=" + string(data)
		}
		if d.Extensions == nil && d.NotificationType != "read" {
			s += " noExtensions"
		}
		return s + fmt.Sprintf(" caps=%v", c.Capabilities)
	}
	return fmt.Sprintf("%s %T", who, n.Data)
}
