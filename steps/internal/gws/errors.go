package gws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
)

// Sentinel errors. Match them with errors.Is.
var (
	// ErrUnreachable means the server could not be reached at all: the connection was refused, the host name
	// did not resolve, or the connection could not be opened in time. A CLI maps it to "target unreachable".
	ErrUnreachable = errors.New("gws: target unreachable")
	// ErrBadResponse means the server replied, but not with a response of the GWS API: the body is not JSON,
	// a documented wrapper is missing, or the HTTP status contradicts the statusCode.
	ErrBadResponse = errors.New("gws: malformed response")
	// ErrBadBaseURL means New was given a base URL it cannot use.
	ErrBadBaseURL = errors.New("gws: invalid base URL")
)

// The statusCode values of GWS response bodies.
const (
	CodeOK                     = 0
	CodeMissingParameter       = 1
	CodeInvalidParameter       = 2
	CodeForbidden              = 3
	CodeInternalError          = 4
	CodeNoPermission           = 5
	CodeNotFound               = 6
	CodePartialSuccess         = 7
	CodePasswordChangeRequired = 8
	CodeIncomplete             = 9
	CodeValidationError        = 10
	CodeReadOnly               = 11
	CodeRetrieveFailed         = 12
	CodeCreateFailed           = 13
	CodeDeleteFailed           = 14
	CodeUpdateFailed           = 15
	CodeAssignFailed           = 16
	CodeUnassignFailed         = 17
	CodeAlreadyExists          = 18
	CodeInUse                  = 19
	CodeNotAuthenticated       = 20
)

// StatusText returns a short English meaning of a statusCode, or "unknown statusCode" for codes the API does
// not define.
func StatusText(code int) string {
	switch code {
	case CodeOK:
		return "success"
	case CodeMissingParameter:
		return "required parameter missing"
	case CodeInvalidParameter:
		return "parameter not valid in the current state"
	case CodeForbidden:
		return "operation forbidden"
	case CodeInternalError:
		return "internal error"
	case CodeNoPermission:
		return "no permission"
	case CodeNotFound:
		return "resource not found"
	case CodePartialSuccess:
		return "partial success"
	case CodePasswordChangeRequired:
		return "password change required"
	case CodeIncomplete:
		return "processing incomplete"
	case CodeValidationError:
		return "input validation error"
	case CodeReadOnly:
		return "read-only property"
	case CodeRetrieveFailed:
		return "unable to retrieve resource"
	case CodeCreateFailed:
		return "unable to create resource"
	case CodeDeleteFailed:
		return "unable to delete resource"
	case CodeUpdateFailed:
		return "unable to update resource"
	case CodeAssignFailed:
		return "unable to assign resource"
	case CodeUnassignFailed:
		return "unable to unassign resource"
	case CodeAlreadyExists:
		return "resource already exists"
	case CodeInUse:
		return "resource already in use"
	case CodeNotAuthenticated:
		return "not authenticated"
	}
	return "unknown statusCode"
}

// StatusError is a reply whose body carried a non-zero statusCode. The server answered; it refused or
// failed the request.
type StatusError struct {
	HTTPStatus    int    // HTTP status of the reply
	StatusCode    int    // statusCode of the body
	StatusMessage string // statusMessage of the body, possibly empty
	Method, Path  string // the request, Path relative to the base URL and including any query
}

func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "gws: %s %s: statusCode %d (%s)", e.Method, e.Path, e.StatusCode, StatusText(e.StatusCode))
	if e.StatusMessage != "" {
		fmt.Fprintf(&b, ": %q", e.StatusMessage)
	}
	fmt.Fprintf(&b, " [HTTP %d]", e.HTTPStatus)
	return b.String()
}

// IsStatus reports whether err is, or wraps, a *StatusError with the given statusCode.
func IsStatus(err error, code int) bool {
	var se *StatusError
	return errors.As(err, &se) && se.StatusCode == code
}

// HTTPStatusOf returns the HTTP status of the reply behind err, when err is or wraps a *StatusError or a
// *ResponseError. It returns false for errors where no reply was received.
func HTTPStatusOf(err error) (int, bool) {
	var se *StatusError
	if errors.As(err, &se) {
		return se.HTTPStatus, true
	}
	var re *ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatus, true
	}
	return 0, false
}

// ResponseError is a reply that is not a well-formed GWS response. It matches ErrBadResponse and wraps the
// underlying decoding error, if any.
type ResponseError struct {
	Method, Path string
	HTTPStatus   int
	Reason       string // what was wrong, e.g. `no "device" in the reply`
	Body         []byte // the start of the body, for evidence
	Err          error  // underlying cause, may be nil
}

const maxEvidence = 512

func (e *ResponseError) Error() string {
	body := e.Body
	suffix := ""
	if len(body) > maxEvidence {
		body, suffix = body[:maxEvidence], "..."
	}
	msg := fmt.Sprintf("gws: %s %s: malformed response [HTTP %d]: %s", e.Method, e.Path, e.HTTPStatus, e.Reason)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if len(body) > 0 {
		msg += fmt.Sprintf("; body %q%s", body, suffix)
	}
	return msg
}

// Unwrap returns ErrBadResponse and the underlying cause.
func (e *ResponseError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrBadResponse}
	}
	return []error{ErrBadResponse, e.Err}
}

// NetworkError is a request that got no reply: the connection failed, was cut, or the context ended first.
// It matches ErrUnreachable when the server could not be reached at all, and always wraps the transport
// error, so errors.Is(err, context.DeadlineExceeded) and similar work.
type NetworkError struct {
	Method, Path string
	Unreachable  bool
	Err          error
}

func (e *NetworkError) Error() string {
	if e.Unreachable {
		return fmt.Sprintf("gws: %s %s: target unreachable: %v", e.Method, e.Path, e.Err)
	}
	return fmt.Sprintf("gws: %s %s: %v", e.Method, e.Path, e.Err)
}

// Unwrap returns the transport error, preceded by ErrUnreachable when the server could not be reached.
func (e *NetworkError) Unwrap() []error {
	if e.Unreachable {
		return []error{ErrUnreachable, e.Err}
	}
	return []error{e.Err}
}

// unreachable tells whether a transport error means the server could not be reached at all, as opposed to a
// failure after the connection was open or a cancelled context.
func unreachable(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETUNREACH) {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		// A dial cut short by the caller's context is the caller's decision, not the target's fault.
		return !errors.Is(err, context.Canceled)
	}
	return false
}
