package reports

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Sequence diagram geometry, in SVG user units (pixels).
const (
	seqMarginLeft = 64  // room for the relative time of each row
	seqGap        = 240 // distance between lifelines
	seqHeadTop    = 8
	seqHeadHeight = 26
	seqTop        = seqHeadTop + seqHeadHeight + 14
	seqEventRow   = 38 // an arrow with a label above and a hint below
	seqStepRow    = 24 // a step separator
	seqBottom     = 12
	seqCharWidth  = 6.4 // average glyph width of the 11px label font, for truncation
	serverName    = "server"
)

// seqDiagram is a laid-out sequence diagram, ready for the template.
type seqDiagram struct {
	Width, Height int
	Lifelines     []seqLifeline
	Rows          []seqRow
}

type seqLifeline struct {
	Name     string
	X        int // centre
	BoxX     int // left edge of the head box
	BoxW     int
	Server   bool
	LineFrom int // y where the dashed lifeline starts
	LineTo   int
}

// seqRow is one horizontal row of the diagram: a step separator, a REST request, a notification, or the
// notification a failed step waited for and never got.
type seqRow struct {
	Kind   string // "step", "req", "note", "missing", "fail"
	Class  string // extra CSS class: the step's outcome, "err" for an HTTP error
	Y      int
	Time   string // offset from the scenario's start, e.g. "+120ms"
	X1, X2 int    // arrow from, to (arrow head at X2)
	Head   string // polygon points of the arrow head
	LabelX int
	Label  string
	Sub    string
	Title  string // hover text: the whole exchange or notification
	Width  int    // for step and fail rows: the width of the separator line
	HitX   int    // hit box, so a hover anywhere near the arrow shows the title
	HitY   int
	HitW   int
	HitH   int
	TextX  int // for step rows: x of the step text
	LineY  int // y of the arrow or separator line
	SubY   int
	LabelY int
}

// seqEvent is one thing that happened, before layout.
type seqEvent struct {
	at    time.Time
	order int // ties: steps first, then in recording order
	seq   int
	build func(d *diagramBuilder, y int) seqRow
	role  string // "" for steps
}

type diagramBuilder struct {
	x     map[string]int // lifeline centre by name
	width int
}

// buildDiagram lays out a scenario's timeline: one lifeline per role plus one for the server (in the
// middle, so arrows stay short), then one row per step start, REST exchange and notification in time
// order, and for each failed step a marker where it failed: a dashed red arrow to the waiting role for a
// notification that never arrived, or a red line otherwise. It returns nil when the scenario recorded no
// traffic and no failure.
func buildDiagram(s Scenario) *seqDiagram {
	origin := s.Started
	var events []seqEvent
	roles := []string{}
	seen := map[string]bool{}
	addRole := func(r string) {
		if !seen[r] {
			seen[r] = true
			roles = append(roles, r)
		}
	}
	for i, st := range s.Steps {
		if st.Started.IsZero() {
			continue
		}
		events = append(events, seqEvent{at: st.Started, order: 0, seq: i, build: func(d *diagramBuilder, y int) seqRow {
			return stepRow(st, y, d.width)
		}})
	}
	for i, ex := range s.Exchanges {
		role := roleName(ex.Role)
		events = append(events, seqEvent{at: ex.Started, order: 1, seq: i, role: role, build: func(d *diagramBuilder, y int) seqRow {
			return exchangeRow(ex, role, d.x[role], d.x[serverName], y)
		}})
	}
	for i, n := range s.Notifications {
		role := roleName(n.Role)
		events = append(events, seqEvent{at: n.Received, order: 1, seq: len(s.Exchanges) + i, role: role, build: func(d *diagramBuilder, y int) seqRow {
			return notificationRow(n, role, d.x[serverName], d.x[role], y)
		}})
	}
	// Roles in order of first appearance in time.
	slices.SortStableFunc(events, func(a, b seqEvent) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		if a.order != b.order {
			return a.order - b.order
		}
		return a.seq - b.seq
	})
	for _, e := range events {
		if e.role != "" {
			addRole(e.role)
		}
	}
	failures := 0
	for i, st := range s.Steps {
		if st.Outcome != Failed {
			continue
		}
		failures++
		at := st.Finished
		if at.IsZero() {
			at = st.Started
		}
		role := ""
		if st.Expected != "" || st.Closest != "" {
			role = waitingRole(st, roles)
			if role != "" {
				addRole(role)
			}
		}
		events = append(events, seqEvent{at: at, order: 2, seq: i, role: role, build: func(d *diagramBuilder, y int) seqRow {
			if role == "" {
				return failRow(st, y, d.width)
			}
			return missingRow(st, d.x[serverName], d.x[role], y)
		}})
	}
	if len(s.Exchanges) == 0 && len(s.Notifications) == 0 && failures == 0 {
		return nil
	}
	slices.SortStableFunc(events, func(a, b seqEvent) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		if a.order != b.order {
			return a.order - b.order
		}
		return a.seq - b.seq
	})
	if origin.IsZero() && len(events) > 0 {
		origin = events[0].at
	}

	// Lifelines: roles split around the server.
	half := (len(roles) + 1) / 2
	names := append(append(slices.Clone(roles[:half]), serverName), roles[half:]...)
	d := &seqDiagram{Width: seqMarginLeft + len(names)*seqGap}
	b := &diagramBuilder{x: map[string]int{}, width: d.Width}
	for i, n := range names {
		x := seqMarginLeft + i*seqGap + seqGap/2
		b.x[n] = x
		w := min(seqGap-20, 24+int(float64(utf8.RuneCountInString(n))*7.2))
		d.Lifelines = append(d.Lifelines, seqLifeline{Name: n, X: x, BoxX: x - w/2, BoxW: w, Server: n == serverName,
			LineFrom: seqHeadTop + seqHeadHeight})
	}
	y := seqTop
	for _, e := range events {
		h := seqEventRow
		if e.order == 0 {
			h = seqStepRow
		}
		row := e.build(b, y)
		if !e.at.IsZero() {
			row.Time = "+" + formatOffset(e.at.Sub(origin))
		}
		d.Rows = append(d.Rows, row)
		y += h
	}
	d.Height = y + seqBottom
	for i := range d.Lifelines {
		d.Lifelines[i].LineTo = d.Height - seqBottom/2
	}
	return d
}

func roleName(r string) string {
	if r = strings.TrimSpace(r); r == "" || r == serverName {
		return "(" + cmp.Or(r, "unknown") + " role)"
	}
	return r
}

// waitingRole is the role a failed wait belonged to: Step.Role, else the lifeline named first in the
// error's first line, else the one named first in the step text; "" when none is found.
func waitingRole(st Step, roles []string) string {
	if st.Role != "" {
		return roleName(st.Role)
	}
	for _, text := range []string{firstLine(st.Error), st.Text} {
		best, bestAt := "", -1
		for _, r := range roles {
			if at := wordIndex(text, r); at >= 0 && (bestAt < 0 || at < bestAt) {
				best, bestAt = r, at
			}
		}
		if best != "" {
			return best
		}
	}
	return ""
}

// wordIndex is the index of word in s where it stands as a whole word, or -1.
func wordIndex(s, word string) int {
	if word == "" {
		return -1
	}
	from := 0
	for {
		i := strings.Index(s[from:], word)
		if i < 0 {
			return -1
		}
		i += from
		end := i + len(word)
		if (i == 0 || !isWordByte(s[i-1])) && (end == len(s) || !isWordByte(s[end])) {
			return i
		}
		from = i + 1
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// formatOffset prints a non-negative offset compactly: "0ms", "850ms", "1.25s".
func formatOffset(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < time.Second {
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
}

// arrow fills the geometry of an arrow row from x1 to x2 on a row starting at y.
func arrow(r *seqRow, x1, x2, y int) {
	r.X1, r.X2 = x1, x2
	r.LineY = y + 17
	r.LabelY = r.LineY - 5
	r.SubY = r.LineY + 13
	r.LabelX = (x1 + x2) / 2
	dir := 1
	if x2 < x1 {
		dir = -1
	}
	r.Head = fmt.Sprintf("%d,%d %d,%d %d,%d", x2, r.LineY, x2-dir*8, r.LineY-4, x2-dir*8, r.LineY+4)
	r.HitX, r.HitW = min(x1, x2), max(abs(x2-x1), 8)
	r.HitY, r.HitH = y+1, seqEventRow-2
	room := int(float64(max(abs(x2-x1)-12, 40)) / seqCharWidth)
	r.Label = clip(r.Label, room)
	r.Sub = clip(r.Sub, room)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// clip shortens s to at most n runes, ending with an ellipsis when cut.
func clip(s string, n int) string {
	if n < 2 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func stepRow(st Step, y, width int) seqRow {
	r := seqRow{Kind: "step", Class: "o-" + string(cmpOutcome(st.Outcome)), Y: y, LineY: y + seqStepRow/2 + 4,
		TextX: seqMarginLeft + 6, Width: width}
	r.LabelY = r.LineY - 1
	r.Label = clip(strings.TrimSpace(st.Keyword)+" "+st.Text, int(float64(width-seqMarginLeft-12)/seqCharWidth))
	return r
}

func cmpOutcome(o Outcome) Outcome {
	if o == "" {
		return Skipped
	}
	return o
}

// operationLabel names a REST request the way a reader thinks of it: "POST Coach" for an operation,
// "GET /me/calls" for a read (the /api/v2 prefix and the query left out).
func operationLabel(ex Exchange) string {
	method := strings.ToUpper(cmp.Or(ex.Method, "GET"))
	if op := operationOf(ex); op != "" {
		return method + " " + op
	}
	p, _, _ := strings.Cut(ex.Path, "?")
	if u, err := url.Parse(p); err == nil && u.Path != "" {
		p = u.Path
	}
	p = strings.TrimPrefix(p, "/api/v2")
	if p == "" {
		p = "/"
	}
	return method + " " + p
}

func exchangeRow(ex Exchange, role string, x1, x2, y int) seqRow {
	r := seqRow{Kind: "req", Y: y}
	r.Label = operationLabel(ex)
	if ex.HTTPStatus != 0 {
		r.Label += " → " + strconv.Itoa(ex.HTTPStatus)
	} else {
		r.Label += " → no reply"
	}
	if ex.HTTPStatus == 0 || ex.HTTPStatus >= 400 {
		r.Class = "err"
	}
	r.Sub = restHint(ex)
	arrow(&r, x1, x2, y)
	var t strings.Builder
	fmt.Fprintf(&t, "%s → server: %s %s", role, strings.ToUpper(ex.Method), ex.Path)
	if ex.HTTPStatus != 0 {
		fmt.Fprintf(&t, " → HTTP %d", ex.HTTPStatus)
	}
	if d := span(ex.Started, ex.Finished); d > 0 {
		fmt.Fprintf(&t, " in %s", formatOffset(d))
	}
	if strings.TrimSpace(ex.RequestBody) != "" {
		t.WriteString("\n\nrequest:\n" + prettyJSON(ex.RequestBody))
	}
	if strings.TrimSpace(ex.ResponseBody) != "" {
		t.WriteString("\n\nresponse:\n" + prettyJSON(ex.ResponseBody))
	}
	r.Title = t.String()
	return r
}

// restHint is a short note under a request arrow: the statusCode and statusMessage of an error reply.
func restHint(ex Exchange) string {
	h := headOfReply(ex.ResponseBody)
	if h.code != "" && h.code != "0" {
		return strings.TrimSpace("statusCode " + h.code + " " + h.message)
	}
	return ""
}

type replyHead struct{ code, message string }

func headOfReply(body string) replyHead {
	h := headOf(body)
	if h.raw == nil {
		return replyHead{}
	}
	var r replyHead
	switch c := h.raw["statusCode"].(type) {
	case float64:
		r.code = strconv.FormatFloat(c, 'f', -1, 64)
	case string:
		r.code = c
	}
	r.message, _ = h.raw["statusMessage"].(string)
	return r
}

func notificationRow(n Notification, role string, x1, x2, y int) seqRow {
	r := seqRow{Kind: "note", Y: y}
	h := headOf(n.Data)
	switch {
	case h.MessageType != "" && h.NotificationType != "":
		r.Label = h.MessageType + "/" + h.NotificationType
	case h.MessageType != "":
		r.Label = h.MessageType
	case h.NotificationType != "":
		r.Label = h.NotificationType
	default:
		r.Label = cmp.Or(n.Channel, "notification")
	}
	r.Sub = notificationHint(h.raw)
	arrow(&r, x1, x2, y)
	r.Title = fmt.Sprintf("server → %s on %s\n\n%s", role, cmp.Or(n.Channel, "(no channel)"), prettyJSON(n.Data))
	return r
}

// notificationHint summarises a notification: a call's state and the numbers of the other parties, or a
// device's supervision or agent state.
func notificationHint(m map[string]any) string {
	if m == nil {
		return ""
	}
	var parts []string
	if call, ok := m["call"].(map[string]any); ok {
		if st, ok := call["state"].(string); ok {
			parts = append(parts, st)
		}
		if ps, ok := call["participants"].([]any); ok {
			var nums []string
			for _, p := range ps {
				if pm, ok := p.(map[string]any); ok {
					if num, ok := pm["phoneNumber"].(string); ok {
						nums = append(nums, num)
					}
				} else if s, ok := p.(string); ok {
					nums = append(nums, s)
				}
			}
			parts = append(parts, "["+strings.Join(nums, " ")+"]")
		}
		if call["monitoring"] == true {
			parts = append(parts, "monitoring")
		}
		if call["supervisorListeningIn"] == true {
			parts = append(parts, "listened in")
		}
		if mute, ok := call["mute"].(string); ok && mute == "On" {
			parts = append(parts, "mute")
		}
		return strings.Join(parts, " · ")
	}
	if devs, ok := m["devices"].([]any); ok {
		for _, d := range devs {
			dm, ok := d.(map[string]any)
			if !ok {
				continue
			}
			if sms, ok := dm["supervisorMonitoringState"].(map[string]any); ok {
				for _, k := range []string{"state", "mode", "scope"} {
					if v, ok := sms[k].(string); ok {
						parts = append(parts, v)
					}
				}
			} else if us, ok := dm["userState"].(map[string]any); ok {
				if v, ok := us["state"].(string); ok {
					parts = append(parts, v)
				}
				if v, ok := us["workMode"].(string); ok {
					parts = append(parts, v)
				}
				parts = append(parts, "no supervision")
			}
			if dnd, ok := dm["doNotDisturb"].(string); ok && dnd == "On" {
				parts = append(parts, "DND")
			}
		}
		return strings.Join(parts, " · ")
	}
	return ""
}

func missingRow(st Step, x1, x2, y int) seqRow {
	r := seqRow{Kind: "missing", Y: y}
	want, ok, _, _ := extractJSON(st.Expected)
	if ok {
		r.Label = "expected " + compactValue(want)
	} else {
		r.Label = "expected " + cmp.Or(firstLine(st.Expected), "a notification")
	}
	r.Sub = "✗ never arrived: " + strings.TrimSpace(st.Keyword) + " " + strings.TrimSuffix(st.Text, ":")
	arrow(&r, x1, x2, y)
	r.Title = "never arrived — " + strings.TrimSpace(st.Keyword) + " " + st.Text + "\n\n" + st.Error
	return r
}

func failRow(st Step, y, width int) seqRow {
	r := seqRow{Kind: "fail", Class: "o-failed", Y: y, LineY: y + seqEventRow/2 + 4, TextX: seqMarginLeft + 6,
		Width: width}
	r.LabelY = r.LineY - 4
	r.Label = clip("✗ "+strings.TrimSpace(st.Keyword)+" "+strings.TrimSuffix(st.Text, ":")+": "+firstLine(st.Error),
		int(float64(width-seqMarginLeft-12)/seqCharWidth))
	r.HitX, r.HitY, r.HitW, r.HitH = seqMarginLeft, y+1, width-seqMarginLeft, seqEventRow-2
	r.Title = st.Error
	return r
}

// compactValue prints a decoded JSON value on one line.
func compactValue(v any) string {
	s := prettyValue(v)
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		b.WriteString(strings.TrimSpace(line))
		if strings.HasSuffix(line, ",") || strings.HasSuffix(line, ":") {
			b.WriteByte(' ')
		}
	}
	return b.String()
}
