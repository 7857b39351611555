package eventlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// Matcher decides whether an Entry is the one a reader waits for, and explains why not.
type Matcher interface {
	// Mismatches returns nothing when e matches, and otherwise what differs (at least one Mismatch).
	// The number of mismatches ranks near misses: fewer is closer.
	Mismatches(e Entry) []Mismatch
	// String describes what the matcher expects, for error messages.
	String() string
}

// Matches reports whether m accepts e.
func Matches(m Matcher, e Entry) bool { return len(m.Mismatches(e)) == 0 }

// Mismatch is one difference between what was expected and what arrived.
type Mismatch struct {
	Path string // where, e.g. "data.call.participants[1].phoneNumber"; "channel" for the channel
	Want string // the expectation, compact
	Got  string // what was there, compact, or "(absent)"
	Note string // optional explanation
}

// String renders the mismatch on one line.
func (m Mismatch) String() string {
	s := fmt.Sprintf("%s: want %s, got %s", m.Path, m.Want, m.Got)
	if m.Note != "" {
		s += " (" + m.Note + ")"
	}
	return s
}

const absent = "(absent)"

// ArrayMode says how an expected JSON array matches an actual one. In every mode an expected empty array
// matches only an empty actual array, and elements are compared with the same subset rules as the rest.
type ArrayMode int

const (
	// ArrayContains (the default): every expected element matches a distinct actual element, in any order;
	// the actual array may hold more. Use it for "the participants include 5001".
	ArrayContains ArrayMode = iota
	// ArraySameElements: as ArrayContains, and the two arrays have the same length. For scalar elements this
	// is set equality (with multiplicity), e.g. "the capabilities are exactly these".
	ArraySameElements
	// ArrayOrdered: the arrays have the same length and element i matches element i.
	ArrayOrdered
)

// String names the mode.
func (m ArrayMode) String() string {
	switch m {
	case ArrayContains:
		return "contains"
	case ArraySameElements:
		return "same elements"
	case ArrayOrdered:
		return "ordered"
	}
	return "ArrayMode(" + strconv.Itoa(int(m)) + ")"
}

// ErrBadExpectation: an expectation could not be built (e.g. its JSON does not parse).
var ErrBadExpectation = errors.New("eventlog: invalid expectation")

// CompareJSON reports how actual fails to contain expected, under the subset rules of the package
// documentation: objects match when every expected member matches (extra members never fail; an expected
// null matches an absent member or a null), arrays follow mode, scalars compare by value (numbers
// numerically, so 1 equals 1.0). Paths in the result start at root. It returns an error wrapping
// ErrBadExpectation if expected is not JSON, and a plain error if actual is not.
func CompareJSON(root string, expected, actual []byte, mode ArrayMode) ([]Mismatch, error) {
	want, err := decodeJSON(expected)
	if err != nil {
		return nil, fmt.Errorf("%w: expected JSON: %v", ErrBadExpectation, err)
	}
	got, err := decodeJSON(actual)
	if err != nil {
		return nil, fmt.Errorf("eventlog: actual JSON: %w", err)
	}
	return diff(root, want, got, mode), nil
}

// JSONSubset matches entries whose data contains expected (see CompareJSON).
func JSONSubset(expected []byte, mode ArrayMode) (Matcher, error) {
	want, err := decodeJSON(expected)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadExpectation, err)
	}
	desc := "data contains " + compact(want)
	if mode != ArrayContains {
		desc += " (arrays: " + mode.String() + ")"
	}
	return &subsetMatcher{want: want, mode: mode, desc: desc}, nil
}

// Expect describes a GWS notification: each non-empty field must match.
type Expect struct {
	Channel          string          // e.g. "/v2/me/calls"
	MessageType      string          // data.messageType, e.g. "CallStateChangeMessage"
	NotificationType string          // data.notificationType, e.g. "StatusChange"
	Data             json.RawMessage // a JSON subset of data (see CompareJSON)
	Arrays           ArrayMode       // how arrays in Data match
}

// Notification builds the matcher for x. With every field empty it matches any entry.
func Notification(x Expect) (Matcher, error) {
	var ms []Matcher
	if x.Channel != "" {
		ms = append(ms, ChannelIs(x.Channel))
	}
	for _, f := range []struct{ key, value string }{
		{"messageType", x.MessageType},
		{"notificationType", x.NotificationType},
	} {
		if f.value != "" {
			ms = append(ms, &subsetMatcher{want: map[string]any{f.key: f.value}, desc: f.key + "=" + f.value})
		}
	}
	if len(bytes.TrimSpace(x.Data)) > 0 {
		m, err := JSONSubset(x.Data, x.Arrays)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return All(ms...), nil
}

// MustNotification is Notification for expectations known to be valid; it panics otherwise.
func MustNotification(x Expect) Matcher {
	m, err := Notification(x)
	if err != nil {
		panic(err)
	}
	return m
}

// ChannelIs matches entries received on channel.
func ChannelIs(channel string) Matcher { return channelMatcher(channel) }

type channelMatcher string

func (c channelMatcher) Mismatches(e Entry) []Mismatch {
	if e.Channel == string(c) {
		return nil
	}
	return []Mismatch{{Path: "channel", Want: strconv.Quote(string(c)), Got: strconv.Quote(e.Channel)}}
}

func (c channelMatcher) String() string { return "channel=" + string(c) }

type subsetMatcher struct {
	want any
	mode ArrayMode
	desc string
}

func (m *subsetMatcher) Mismatches(e Entry) []Mismatch {
	got, err := decodeJSON(e.Data)
	if err != nil {
		return []Mismatch{{Path: "data", Want: "valid JSON", Got: truncate(string(e.Data)), Note: err.Error()}}
	}
	return diff("data", m.want, got, m.mode)
}

func (m *subsetMatcher) String() string { return m.desc }

// All matches entries that every m matches; with no matcher it matches everything.
func All(ms ...Matcher) Matcher { return allMatcher(slices.Clone(ms)) }

type allMatcher []Matcher

func (a allMatcher) Mismatches(e Entry) []Mismatch {
	var out []Mismatch
	for _, m := range a {
		out = append(out, m.Mismatches(e)...)
	}
	return out
}

func (a allMatcher) String() string {
	if len(a) == 0 {
		return "any notification"
	}
	parts := make([]string, len(a))
	for i, m := range a {
		parts[i] = m.String()
	}
	return strings.Join(parts, " and ")
}

// AnyOf matches entries that at least one m matches; its mismatches are those of the closest alternative.
func AnyOf(ms ...Matcher) Matcher { return anyMatcher(slices.Clone(ms)) }

type anyMatcher []Matcher

func (a anyMatcher) Mismatches(e Entry) []Mismatch {
	var best []Mismatch
	for i, m := range a {
		mm := m.Mismatches(e)
		if len(mm) == 0 {
			return nil
		}
		if i == 0 || len(mm) < len(best) {
			best = mm
		}
	}
	if len(a) == 0 {
		return []Mismatch{{Path: "(entry)", Want: "one of no alternatives", Got: "an entry"}}
	}
	return best
}

func (a anyMatcher) String() string {
	parts := make([]string, len(a))
	for i, m := range a {
		parts[i] = "(" + m.String() + ")"
	}
	return "any of " + strings.Join(parts, " or ")
}

// Not matches entries that m does not match.
func Not(m Matcher) Matcher { return notMatcher{m} }

type notMatcher struct{ m Matcher }

func (n notMatcher) Mismatches(e Entry) []Mismatch {
	if len(n.m.Mismatches(e)) > 0 {
		return nil
	}
	return []Mismatch{{Path: "(entry)", Want: "not " + n.m.String(), Got: "a match"}}
}

func (n notMatcher) String() string { return "not (" + n.m.String() + ")" }

// Where matches entries for which pred is true; desc says what pred checks.
func Where(desc string, pred func(Entry) bool) Matcher { return predMatcher{desc: desc, pred: pred} }

type predMatcher struct {
	desc string
	pred func(Entry) bool
}

func (p predMatcher) Mismatches(e Entry) []Mismatch {
	if p.pred(e) {
		return nil
	}
	return []Mismatch{{Path: "(entry)", Want: p.desc, Got: "false"}}
}

func (p predMatcher) String() string { return p.desc }

// decodeJSON decodes exactly one JSON value, keeping numbers exact.
func decodeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if err == io.EOF {
			return nil, errors.New("empty JSON")
		}
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

// diff lists how got fails to contain want, at path.
func diff(path string, want, got any, mode ArrayMode) []Mismatch {
	switch w := want.(type) {
	case nil:
		if got != nil {
			return []Mismatch{{Path: path, Want: "null", Got: compact(got)}}
		}
		return nil
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []Mismatch{typeMismatch(path, want, got)}
		}
		var out []Mismatch
		for _, k := range sortedKeys(w) {
			p := joinKey(path, k)
			gv, present := g[k]
			switch {
			case w[k] == nil:
				if present && gv != nil {
					out = append(out, Mismatch{Path: p, Want: "null or absent", Got: compact(gv)})
				}
			case !present:
				out = append(out, Mismatch{Path: p, Want: compact(w[k]), Got: absent})
			default:
				out = append(out, diff(p, w[k], gv, mode)...)
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok {
			return []Mismatch{typeMismatch(path, want, got)}
		}
		return diffArray(path, w, g, mode)
	case json.Number:
		g, ok := got.(json.Number)
		if !ok {
			return []Mismatch{typeMismatch(path, want, got)}
		}
		if !numbersEqual(w, g) {
			return []Mismatch{{Path: path, Want: w.String(), Got: g.String()}}
		}
		return nil
	default: // string, bool
		if kindOf(want) != kindOf(got) {
			return []Mismatch{typeMismatch(path, want, got)}
		}
		if want != got {
			return []Mismatch{{Path: path, Want: compact(want), Got: compact(got)}}
		}
		return nil
	}
}

func diffArray(path string, want, got []any, mode ArrayMode) []Mismatch {
	if len(want) == 0 {
		if len(got) == 0 {
			return nil
		}
		return []Mismatch{{Path: path, Want: "[]", Got: compact(got), Note: "expected an empty array"}}
	}
	var out []Mismatch
	if mode != ArrayContains && len(want) != len(got) {
		out = append(out, Mismatch{Path: path, Want: fmt.Sprintf("%d elements", len(want)),
			Got: fmt.Sprintf("%d elements: %s", len(got), compact(got))})
	}
	if mode == ArrayOrdered {
		for i, w := range want {
			if i >= len(got) {
				out = append(out, Mismatch{Path: index(path, i), Want: compact(w), Got: absent})
				continue
			}
			out = append(out, diff(index(path, i), w, got[i], mode)...)
		}
		return out
	}

	// Unordered: find the largest set of exact pairs (maximum bipartite matching), then explain the rest.
	diffs := make([][][]Mismatch, len(want))
	for i, w := range want {
		diffs[i] = make([][]Mismatch, len(got))
		for j, g := range got {
			diffs[i][j] = diff(index(path, j), w, g, mode)
		}
	}
	wantOf := matchPairs(len(want), len(got), func(i, j int) bool { return len(diffs[i][j]) == 0 })
	used := make([]bool, len(got))
	matched := make([]bool, len(want))
	for j, i := range wantOf {
		if i >= 0 {
			used[j], matched[i] = true, true
		}
	}
	for i, w := range want {
		if matched[i] {
			continue
		}
		if _, composite := w.(map[string]any); !composite {
			out = append(out, Mismatch{Path: path, Want: "an element " + compact(w), Got: compact(got),
				Note: fmt.Sprintf("expected element %d has no match", i)})
			continue
		}
		best := -1
		for j := range got {
			if !used[j] && (best < 0 || len(diffs[i][j]) < len(diffs[i][best])) {
				best = j
			}
		}
		if best < 0 {
			out = append(out, Mismatch{Path: path, Want: "an element " + compact(w), Got: compact(got),
				Note: fmt.Sprintf("expected element %d has no match and no element is left", i)})
			continue
		}
		used[best] = true
		near := slices.Clone(diffs[i][best])
		near[0].Note = strings.TrimPrefix(near[0].Note+"; ", "; ") +
			fmt.Sprintf("expected element %d has no match; nearest is element %d", i, best)
		out = append(out, near...)
	}
	return out
}

// matchPairs computes a maximum matching between n expected and m actual elements over the pairs ok
// accepts (augmenting paths). It returns, for each actual element, the expected one paired with it or -1.
func matchPairs(n, m int, ok func(i, j int) bool) []int {
	wantOf := make([]int, m)
	for j := range wantOf {
		wantOf[j] = -1
	}
	var augment func(i int, seen []bool) bool
	augment = func(i int, seen []bool) bool {
		for j := 0; j < m; j++ {
			if seen[j] || !ok(i, j) {
				continue
			}
			seen[j] = true
			if wantOf[j] < 0 || augment(wantOf[j], seen) {
				wantOf[j] = i
				return true
			}
		}
		return false
	}
	for i := 0; i < n; i++ {
		augment(i, make([]bool, m))
	}
	return wantOf
}

func numbersEqual(a, b json.Number) bool {
	if a == b {
		return true
	}
	x, okx := new(big.Rat).SetString(a.String())
	y, oky := new(big.Rat).SetString(b.String())
	return okx && oky && x.Cmp(y) == 0
}

func typeMismatch(path string, want, got any) Mismatch {
	return Mismatch{Path: path, Want: compact(want), Got: compact(got),
		Note: "want " + kindOf(want) + ", got " + kindOf(got)}
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func joinKey(path, key string) string {
	simple := key != ""
	for i, r := range key {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			simple = false
			break
		}
	}
	if simple {
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// compact renders a decoded JSON value on one line, truncated.
func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return truncate(string(b))
}

func truncate(s string) string {
	const max = 240
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
