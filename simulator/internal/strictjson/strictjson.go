// Package strictjson reads JSON the way the simulator's APIs must see it: exactly one value, no member named
// twice in any object, nothing after the value, and members matched by their exact, case-sensitive names. A
// proxy in front of the simulator and the simulator itself therefore always agree on what a body says.
//
// Concurrency contract: stateless; safe for concurrent use.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := walk(dec, ""); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return &Error{Err: ErrTrailing}
	}
	return nil
}

// token reads the next token inside a value, where the end of the input is an error.
func token(dec *json.Decoder) (json.Token, error) {
	tok, err := dec.Token()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return tok, err
}

func walk(dec *json.Decoder, path string) error {
	tok, err := token(dec)
	if err != nil {
		return &Error{Err: ErrSyntax, Path: path, Cause: err}
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]struct{}{}
		for dec.More() {
			kt, err := token(dec)
			if err != nil {
				return &Error{Err: ErrSyntax, Path: path, Cause: err}
			}
			key, _ := kt.(string)
			member := key
			if path != "" {
				member = path + "." + key
			}
			if _, dup := seen[key]; dup {
				return &Error{Err: ErrDuplicate, Path: member}
			}
			seen[key] = struct{}{}
			if err := walk(dec, member); err != nil {
				return err
			}
		}
		if _, err := token(dec); err != nil {
			return &Error{Err: ErrSyntax, Path: path, Cause: err}
		}
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := walk(dec, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		if _, err := token(dec); err != nil {
			return &Error{Err: ErrSyntax, Path: path, Cause: err}
		}
	}
	return nil
}

// Object checks data (Check) and returns the members of the object it must be, by exact name.
func Object(data []byte) (map[string]json.RawMessage, error) {
	if err := Check(data); err != nil {
		return nil, err
	}
	return Members(data)
}

// Members returns the members of an object already known to pass Check (an element of a checked array, say).
func Members(data []byte) (map[string]json.RawMessage, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, &Error{Err: ErrNotObject}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &m); err != nil {
		return nil, &Error{Err: ErrSyntax, Cause: err}
	}
	return m, nil
}
