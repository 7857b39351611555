// Package strictjson reads JSON the way the simulator's APIs must see it: exactly one value, no member named
// twice in any object, nothing after the value, and members matched by their exact, case-sensitive names. A
// proxy in front of the simulator and the simulator itself therefore always agree on what a body says.
//
// Concurrency contract: stateless; safe for concurrent use.
package strictjson

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Sentinels, reachable with errors.Is from every error of this package.
var (
	// ErrSyntax means the text is not JSON.
	ErrSyntax = errors.New("not valid JSON")
	// ErrDuplicate means an object names a member twice.
	ErrDuplicate = errors.New("duplicate member")
	// ErrTrailing means something follows the value.
	ErrTrailing = errors.New("data after the JSON value")
	// ErrNotObject means the value is not an object where one is required.
	ErrNotObject = errors.New("not a JSON object")
)

// Error says what is wrong and where: Path is the member path ("destination.phoneNumber", "[2].channel").
type Error struct {
	Err   error
	Path  string
	Cause error
}

func (e *Error) Error() string {
	msg := e.Err.Error()
	if e.Path != "" {
		msg += fmt.Sprintf(" %q", e.Path)
	}
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

// Unwrap exposes the sentinel and the decoder's error.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.Cause}
}

// Check verifies that data is exactly one JSON value with no duplicate member at any depth.
func Check(data []byte) error {
	_, err := Parse(data, 0)
	return err
}

// Object checks data (Check) and returns the members of the object it must be, by exact name.
func Object(data []byte) (map[string]json.RawMessage, error) {
	n, err := Parse(data, 1)
	if err != nil {
		return nil, err
	}
	return membersOf(n)
}

// Members returns the members of an object already known to pass Check (an element of a checked array, say).
func Members(data []byte) (map[string]json.RawMessage, error) {
	n, err := Parse(data, 1)
	if err != nil {
		return nil, err
	}
	return membersOf(n)
}

func membersOf(n Node) (map[string]json.RawMessage, error) {
	if n.Kind != KindObject {
		return nil, &Error{Err: ErrNotObject}
	}
	m := make(map[string]json.RawMessage, len(n.Members))
	for _, mem := range n.Members {
		m[mem.Name] = mem.Raw
	}
	return m, nil
}
