package bayeux

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error the package returns wraps one of them (struct errors below carry the details).
var (
	// ErrConfig: the Config cannot work (e.g. no URL).
	ErrConfig = errors.New("bayeux: invalid configuration")
	// ErrInvalidTransition: an event is not allowed in the current state (see Transition).
	ErrInvalidTransition = errors.New("bayeux: invalid state transition")
	// ErrRefused: the server answered a meta request with successful:false.
	ErrRefused = errors.New("bayeux: refused by server")
	// ErrSessionUnknown: the server no longer knows the clientId (error code 402). It wraps ErrRefused.
	ErrSessionUnknown = fmt.Errorf("%w: session unknown", ErrRefused)
	// ErrTransport: the HTTP request did not complete (connection refused, timeout, cancelled...).
	ErrTransport = errors.New("bayeux: transport failure")
	// ErrHTTPStatus: the server answered with a non-2xx HTTP status.
	ErrHTTPStatus = errors.New("bayeux: unexpected HTTP status")
	// ErrProtocol: the server's answer is not valid Bayeux (not JSON, or no reply to the request).
	ErrProtocol = errors.New("bayeux: protocol violation")
	// ErrClosed: the client was closed (or abandoned by a failed Connect) and cannot be used again.
	ErrClosed = errors.New("bayeux: client closed")
	// ErrNotConnected: the operation needs a live session and there is none right now.
	ErrNotConnected = errors.New("bayeux: not connected")
	// ErrAlreadyConnected: Connect was called on a client that is already connected.
	ErrAlreadyConnected = errors.New("bayeux: already connected")
)

// TransitionError reports an event that the state machine does not allow in the current state.
type TransitionError struct {
	From  State
	Event Event
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("bayeux: invalid transition %s -> %s", e.From, e.Event)
}

// Unwrap returns ErrInvalidTransition.
func (e *TransitionError) Unwrap() error { return ErrInvalidTransition }

// ServerError is a meta request the server answered with successful:false. Text is the server's error string
// verbatim; Code, Args and Message are its parts when it follows the Bayeux "code:args:message" form
// (Code is 0 otherwise and Message holds the whole text).
type ServerError struct {
	Channel      string // the meta channel of the refused request, e.g. "/meta/handshake"
	Subscription string // for /meta/subscribe and /meta/unsubscribe: the channel concerned
	Text         string
	Code         int
	Args         []string
	Message      string
}

// newServerError builds a ServerError from the error string of a reply.
func newServerError(channel, subscription, text string) *ServerError {
	code, args, msg := ParseErrorText(text)
	return &ServerError{Channel: channel, Subscription: subscription, Text: text, Code: code, Args: args, Message: msg}
}

func (e *ServerError) Error() string {
	var b strings.Builder
	b.WriteString("bayeux: ")
	b.WriteString(e.Channel)
	if e.Subscription != "" {
		b.WriteString(" ")
		b.WriteString(e.Subscription)
	}
	b.WriteString(" refused by server: ")
	if e.Text == "" {
		b.WriteString("(successful:false without an error string)")
	} else {
		b.WriteString(e.Text)
	}
	return b.String()
}

// Unwrap returns ErrSessionUnknown for code 402 and ErrRefused otherwise.
func (e *ServerError) Unwrap() error {
	if e.Code == 402 {
		return ErrSessionUnknown
	}
	return ErrRefused
}

// ParseErrorText splits a Bayeux error string "code:args:message" (args comma-separated) into its parts,
// e.g. "403:abc,/foo:Subscription denied" -> 403, ["abc" "/foo"], "Subscription denied". A string that does
// not start with a three-digit code and a colon yields code 0 and the whole text as message.
func ParseErrorText(text string) (code int, args []string, message string) {
	parts := strings.SplitN(text, ":", 3)
	if len(parts) < 2 || len(parts[0]) != 3 {
		return 0, nil, text
	}
	for _, r := range parts[0] {
		if r < '0' || r > '9' {
			return 0, nil, text
		}
		code = code*10 + int(r-'0')
	}
	if len(parts) == 2 {
		return code, nil, parts[1]
	}
	if parts[1] != "" {
		args = strings.Split(parts[1], ",")
	}
	return code, args, parts[2]
}

// TransportError is an HTTP exchange that did not complete. Err is the underlying cause (errors.Is works
// through it, e.g. with context.DeadlineExceeded).
type TransportError struct {
	Channel string // the first meta channel of the request
	Err     error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("bayeux: %s: transport failure: %v", e.Channel, e.Err)
}

// Unwrap returns ErrTransport and the cause.
func (e *TransportError) Unwrap() []error { return []error{ErrTransport, e.Err} }

// HTTPError is an exchange the server answered with a non-2xx HTTP status. Body is the start of the body.
type HTTPError struct {
	Channel string
	Status  int
	Body    string
}

func (e *HTTPError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("bayeux: %s: HTTP %d", e.Channel, e.Status)
	}
	return fmt.Sprintf("bayeux: %s: HTTP %d: %s", e.Channel, e.Status, e.Body)
}

// Unwrap returns ErrHTTPStatus.
func (e *HTTPError) Unwrap() error { return ErrHTTPStatus }

// ProtocolError is an answer that breaks the Bayeux contract. Body is the start of what the server sent.
type ProtocolError struct {
	Channel string
	Reason  string
	Body    string
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("bayeux: %s: %s (body: %q)", e.Channel, e.Reason, e.Body)
}

// Unwrap returns ErrProtocol.
func (e *ProtocolError) Unwrap() error { return ErrProtocol }
