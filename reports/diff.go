package reports

import (
	"bytes"
	"encoding/json"
	"strings"
)

// diffLine is one line of a line diff: Op is ' ' (both sides), '-' (expected only) or '+' (arrived only).
type diffLine struct {
	Op   string
	Text string
}

// Class is the CSS class of the line.
func (l diffLine) Class() string {
	switch l.Op {
	case "-":
		return "del"
	case "+":
		return "add"
	}
	return "same"
}

// evidence is what report.html shows for a failed wait: the expectation and the closest notification that
// arrived, both as pretty JSON when they hold JSON, and a line diff between the expectation and the
// closest notification cut down to the fields the expectation names.
type evidence struct {
	Expected      string // pretty JSON of the expectation, or its text
	ExpectedNote  string // the expectation's words around the JSON (channel, array mode...)
	Closest       string // the closest notification in full (pretty JSON), or its text
	ClosestHeader string // the words before the closest notification's JSON (sequence number, role, channel...)
	Diff          []diffLine
	Focused       bool // the diff compares the expectation's fields only
}

// maxDiffLines bounds the quadratic line diff; longer inputs are shown side by side without a diff.
const maxDiffLines = 1500

func evidenceOf(expected, closest string) *evidence {
	if strings.TrimSpace(expected) == "" && strings.TrimSpace(closest) == "" {
		return nil
	}
	ev := &evidence{Expected: strings.TrimSpace(expected), Closest: strings.TrimSpace(closest)}
	want, wantOK, before, after := extractJSON(expected)
	got, gotOK, header, _ := extractJSON(closest)
	if wantOK {
		ev.Expected = prettyValue(want)
		ev.ExpectedNote = strings.TrimSpace(strings.TrimSpace(before) + " … " + strings.TrimSpace(after))
		ev.ExpectedNote = strings.Trim(ev.ExpectedNote, " …")
	}
	if gotOK {
		ev.Closest = prettyValue(got)
		ev.ClosestHeader = strings.TrimSpace(header)
	}
	if ev.Closest == "" {
		return ev
	}
	left, right := ev.Expected, ev.Closest
	if wantOK && gotOK {
		right = prettyValue(project(want, got))
		ev.Focused = true
	}
	ev.Diff = lineDiff(strings.Split(left, "\n"), strings.Split(right, "\n"))
	return ev
}

// extractJSON finds the first JSON object or array in s and decodes it; before and after are the text
// around it.
func extractJSON(s string) (v any, ok bool, before, after string) {
	for i := 0; i < len(s); i++ {
		if s[i] != '{' && s[i] != '[' {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(s[i:]))
		dec.UseNumber()
		if err := dec.Decode(&v); err == nil {
			end := i + int(dec.InputOffset())
			return v, true, s[:i], s[end:]
		}
	}
	return nil, false, s, ""
}

// prettyValue marshals v indented, with object keys sorted, so both sides of a diff line up.
func prettyValue(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimRight(b.String(), "\n")
}

// prettyJSON indents a JSON text as it is (key order kept); text that is not JSON is returned unchanged.
func prettyJSON(s string) string {
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(s), "", "  "); err != nil {
		return s
	}
	return b.String()
}

// project keeps of got only what want asks about: for objects the keys want names (recursively), for
// arrays of objects the keys any element of want names. Keys missing from got stay missing, so the diff
// shows them as expected-only lines.
func project(want, got any) any {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return got
		}
		out := make(map[string]any, len(w))
		for k, wv := range w {
			if gv, ok := g[k]; ok {
				out[k] = project(wv, gv)
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok {
			return got
		}
		keys := map[string]any{}
		for _, e := range w {
			if m, ok := e.(map[string]any); ok {
				for k, v := range m {
					keys[k] = v
				}
			}
		}
		if len(keys) == 0 {
			return got
		}
		out := make([]any, len(g))
		for i, e := range g {
			out[i] = project(keys, e)
		}
		return out
	}
	return got
}

// lineDiff is a longest-common-subsequence diff of two line lists.
func lineDiff(a, b []string) []diffLine {
	if len(a) > maxDiffLines || len(b) > maxDiffLines {
		out := make([]diffLine, 0, len(a)+len(b))
		for _, l := range a {
			out = append(out, diffLine{"-", l})
		}
		for _, l := range b {
			out = append(out, diffLine{"+", l})
		}
		return out
	}
	// lcs[i][j] = length of the LCS of a[i:] and b[j:]
	w := len(b) + 1
	lcs := make([]int, (len(a)+1)*w)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	out := make([]diffLine, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			out = append(out, diffLine{" ", a[i]})
			i, j = i+1, j+1
		case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			out = append(out, diffLine{"-", a[i]})
			i++
		default:
			out = append(out, diffLine{"+", b[j]})
			j++
		}
	}
	for ; i < len(a); i++ {
		out = append(out, diffLine{"-", a[i]})
	}
	for ; j < len(b); j++ {
		out = append(out, diffLine{"+", b[j]})
	}
	return out
}
