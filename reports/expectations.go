package reports

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Kinds of problem an *ExpectationError reports; test for them with errors.Is.
var (
	// ErrMalformed: the file is not YAML of the expected shape (unknown key, wrong kind of value, missing
	// id or reason).
	ErrMalformed = errors.New("malformed expectations")
	// ErrDuplicateID: two entries name the same conformance ID.
	ErrDuplicateID = errors.New("conformance ID listed twice")
)

// ExpectationError is a problem in an expectations file, located by line (0 when the file could not be
// read or parsed at all).
type ExpectationError struct {
	Path string
	Line int
	Msg  string
	Err  error // ErrMalformed, ErrDuplicateID, or the error that stopped the read
}

// Error formats the problem as path:line: msg.
func (e *ExpectationError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// Unwrap returns the kind of problem.
func (e *ExpectationError) Unwrap() error { return e.Err }

// Expectation is one expected failure: a conformance ID and why it is expected to fail.
type Expectation struct {
	ID     string
	Reason string
	Line   int // where it is in the file
}

// Expectations is the content of an expectations file: the conformance IDs a vendor knows to fail. The zero
// value expects nothing. An ID names one scenario, or every row of an outline ("SUP-JOIN-001" covers
// "SUP-JOIN-001/coach"; "SUP-JOIN-001/coach" covers that row alone).
type Expectations struct {
	Path     string
	Failures []Expectation // in file order, IDs unique
}

// LoadExpectations reads a YAML expectations file:
//
//	expectedFailures:
//	  - id: SUP-SCOPE-004
//	    reason: "agent scope release not implemented yet (ticket 123)"
//
// An empty file expects nothing. Problems are *ExpectationError with the file and line: ErrMalformed for a
// wrong shape, an unknown key, or an entry without id or reason; ErrDuplicateID when an ID comes twice.
func LoadExpectations(path string) (Expectations, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Expectations{}, &ExpectationError{Path: path, Msg: err.Error(), Err: err}
	}
	return parseExpectations(path, data)
}

func parseExpectations(path string, data []byte) (Expectations, error) {
	exp := Expectations{Path: path}
	bad := func(n *yaml.Node, format string, args ...any) error {
		return &ExpectationError{Path: path, Line: n.Line, Msg: fmt.Sprintf(format, args...), Err: ErrMalformed}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return exp, &ExpectationError{Path: path, Line: yamlErrorLine(err), Msg: "not valid YAML: " + err.Error(), Err: ErrMalformed}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return exp, nil // empty file
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return exp, nil
	}
	if root.Kind != yaml.MappingNode {
		return exp, bad(root, "the file must be a mapping with the key expectedFailures")
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		if key.Value != "expectedFailures" {
			return exp, bad(key, "unknown key %q (the only key is expectedFailures)", key.Value)
		}
		if val.Kind == yaml.ScalarNode && val.Tag == "!!null" {
			continue
		}
		if val.Kind != yaml.SequenceNode {
			return exp, bad(val, "expectedFailures must be a list of {id, reason}")
		}
		for _, item := range val.Content {
			e, err := parseExpectation(item, bad)
			if err != nil {
				return exp, err
			}
			if first, dup := seen[e.ID]; dup {
				return exp, &ExpectationError{Path: path, Line: e.Line,
					Msg: fmt.Sprintf("%s is already listed on line %d", e.ID, first), Err: ErrDuplicateID}
			}
			seen[e.ID] = e.Line
			exp.Failures = append(exp.Failures, e)
		}
	}
	return exp, nil
}

func parseExpectation(item *yaml.Node, bad func(*yaml.Node, string, ...any) error) (Expectation, error) {
	e := Expectation{Line: item.Line}
	if item.Kind != yaml.MappingNode {
		return e, bad(item, "an expected failure must be a mapping with id and reason")
	}
	given := map[string]bool{}
	for i := 0; i+1 < len(item.Content); i += 2 {
		key, val := item.Content[i], item.Content[i+1]
		if given[key.Value] {
			return e, bad(key, "%s given twice in one entry", key.Value)
		}
		given[key.Value] = true
		if val.Kind != yaml.ScalarNode {
			return e, bad(val, "%s must be a string", key.Value)
		}
		switch key.Value {
		case "id":
			e.ID = strings.TrimPrefix(strings.TrimSpace(val.Value), "@")
		case "reason":
			e.Reason = strings.TrimSpace(val.Value)
		default:
			return e, bad(key, "unknown key %q (an expected failure has id and reason)", key.Value)
		}
	}
	if e.ID == "" {
		return e, bad(item, "expected failure without an id")
	}
	if strings.ContainsAny(e.ID, " \t") {
		return e, bad(item, "id %q contains blanks", e.ID)
	}
	if e.Reason == "" {
		return e, bad(item, "expected failure %s without a reason", e.ID)
	}
	return e, nil
}

// yamlErrorLine digs the line number out of a YAML syntax error ("yaml: line 3: ..."), or 0. The parser
// names the line where it noticed the problem, which can be the line before the mistake.
func yamlErrorLine(err error) int {
	var line int
	if _, scanErr := fmt.Sscanf(strings.TrimPrefix(err.Error(), "yaml: "), "line %d:", &line); scanErr == nil {
		return line
	}
	return 0
}

// lookup returns the expectation covering a conformance ID: an entry with that ID, or else one naming the
// outline the ID is a row of.
func (x Expectations) lookup(id string) (Expectation, bool) {
	if id == "" {
		return Expectation{}, false
	}
	var outline Expectation
	found := false
	for _, e := range x.Failures {
		if e.ID == id {
			return e, true
		}
		if !found && strings.HasPrefix(id, e.ID+"/") {
			outline, found = e, true
		}
	}
	return outline, found
}

// Apply refines the run's outcomes: a listed scenario that Failed becomes ExpectedFailure and one that
// Passed (or was Flaky: it passed on a retry) becomes UnexpectedPass; both get the entry's reason. Other
// outcomes, and unlisted scenarios, are left as they are.
func (x Expectations) Apply(run *Run) {
	if len(x.Failures) == 0 {
		return
	}
	for fi := range run.Features {
		scs := run.Features[fi].Scenarios
		for si := range scs {
			e, ok := x.lookup(scs[si].ID)
			if !ok {
				continue
			}
			switch scs[si].Outcome {
			case Failed:
				scs[si].Outcome, scs[si].Reason = ExpectedFailure, e.Reason
			case Passed, Flaky:
				scs[si].Outcome, scs[si].Reason = UnexpectedPass, e.Reason
			}
		}
	}
}
