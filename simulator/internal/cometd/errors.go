package cometd

import (
	"errors"
	"fmt"
	"strings"
)

// Request-level failures: the body cannot be read as Bayeux messages, so the whole request is answered with an
// HTTP error status and a plain-text explanation instead of a Bayeux reply.
var (
	// ErrBodyTooLarge means the body exceeds Config.MaxBodyBytes (HTTP 413).
	ErrBodyTooLarge = errors.New("request body too large")
	// ErrUnreadableBody means reading the body failed.
	ErrUnreadableBody = errors.New("request body could not be read")
	// ErrEmptyBatch means the body holds no message at all.
	ErrEmptyBatch = errors.New("no bayeux message in request")
	// ErrMalformedJSON means the body is not a JSON object or a JSON array.
	ErrMalformedJSON = errors.New("body is not a JSON object or array of objects")
	// ErrMalformedForm means a form body could not be decoded.
	ErrMalformedForm = errors.New("form body could not be decoded")
	// ErrNoMessageParam means a form body has no message parameter.
	ErrNoMessageParam = errors.New("form body has no message parameter")
	// ErrNotAnObject means an element of the batch is not a JSON object.
	ErrNotAnObject = errors.New("message is not a JSON object")
	// ErrMalformedMessage means a message has a field of the wrong JSON type.
	ErrMalformedMessage = errors.New("message has a field of the wrong type")
	// ErrMissingChannel means a message has no channel (every Bayeux message needs exactly one).
	ErrMissingChannel = errors.New("message has no channel")
)

// RequestError explains why a request body was rejected. Err is one of the sentinels above; Cause, when set, is
// the decoding error behind it. Both are reachable with errors.Is / errors.As.
type RequestError struct {
	// Index is the position of the offending message in the batch, or -1 when the body as a whole is at fault.
	Index int
	Err   error
	Cause error
}

func (e *RequestError) Error() string {
	var b strings.Builder
	b.WriteString("bayeux request rejected: ")
	if e.Index >= 0 {
		fmt.Fprintf(&b, "message %d: ", e.Index)
	}
	b.WriteString(e.Err.Error())
	if e.Cause != nil {
		b.WriteString(": ")
		b.WriteString(e.Cause.Error())
	}
	return b.String()
}

// Unwrap exposes both the sentinel and the underlying cause.
func (e *RequestError) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.Cause}
}

// bayeuxError formats the error member of a reply: "code:arg1,arg2:text".
func bayeuxError(code int, args []string, text string) string {
	return fmt.Sprintf("%03d:%s:%s", code, strings.Join(args, ","), text)
}

// Error members used in replies. Clients key on the numeric code and the advice, the text is for people.
const (
	errTextUnknownClient   = "402::Unknown client"
	errTextMissingClientID = "402::Missing clientId"
	errTextUnauthenticated = "401::Authentication required"
)
