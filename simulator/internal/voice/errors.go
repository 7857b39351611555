package voice

import (
	"errors"
	"fmt"
)

// Sentinel errors of the voice core. Every error an operation returns wraps exactly one of them; the REST
// adapter owns the single table that maps them to GWS statusCodes and HTTP statuses.
var (
	// ErrMissingParameter: a required parameter is absent (statusCode 1).
	ErrMissingParameter = errors.New("required parameter missing")
	// ErrInvalidState: the operation is not valid in the resource's current state (statusCode 2).
	ErrInvalidState = errors.New("operation not valid in the current state")
	// ErrForbidden: the operation is forbidden (statusCode 3).
	ErrForbidden = errors.New("operation forbidden")
	// ErrNoPermission: the user lacks the feature the operation needs (statusCode 5).
	ErrNoPermission = errors.New("user lacks permission")
	// ErrNotFound: a resource named by the request does not exist for this user (statusCode 6).
	ErrNotFound = errors.New("resource not found")
	// ErrInvalidValue: a parameter has a value outside its allowed set (statusCode 10).
	ErrInvalidValue = errors.New("invalid parameter value")
	// ErrBackend: the request failed in the back end, e.g. on an unregistered device (statusCode 4); the
	// request changes nothing but causes an ErrorMessage (behaviour.md §11.8).
	ErrBackend = errors.New("back-end failure")
	// ErrInUse: the resource is already in use, e.g. the agent already has a supervisor (statusCode 19).
	ErrInUse = errors.New("resource already in use")
)

// OpError is the error of one rejected operation. It names the operation, the resource it was aimed at, the
// state the resource was in, and why it was refused; Unwrap yields one of the sentinels above.
type OpError struct {
	Op       string // operation name, e.g. "Answer"
	Resource string // e.g. "call 01CS…", "device 5005"
	From     string // the resource's state when the operation arrived, if relevant
	Detail   string // human-readable reason
	Err      error  // sentinel
}

func (e *OpError) Error() string {
	msg := e.Detail
	if msg == "" {
		msg = e.Err.Error()
	}
	if e.From != "" {
		return fmt.Sprintf("%s on %s (%s -> %s): %s", e.Op, e.Resource, e.From, e.Op, msg)
	}
	if e.Resource != "" {
		return fmt.Sprintf("%s on %s: %s", e.Op, e.Resource, msg)
	}
	return fmt.Sprintf("%s: %s", e.Op, msg)
}

func (e *OpError) Unwrap() error { return e.Err }

func opErr(sentinel error, op Operation, resource, from, format string, args ...any) *OpError {
	return &OpError{Op: string(op), Resource: resource, From: from, Detail: fmt.Sprintf(format, args...), Err: sentinel}
}
