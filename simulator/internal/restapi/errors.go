package restapi

import (
	"errors"
	"net/http"

	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// GWS statusCodes used by the simulator (gws-voice-api.md §7.1).
const (
	StatusOK               = 0
	StatusMissingParameter = 1
	StatusInvalidState     = 2
	StatusForbidden        = 3
	StatusInternal         = 4
	StatusNoPermission     = 5
	StatusNotFound         = 6
	StatusPartialSuccess   = 7
	StatusInvalidValue     = 10
	StatusInUse            = 19
	StatusNotAuthenticated = 20
)

// statusOfError is the one table from domain errors to statusCodes.
var statusOfError = []struct {
	err  error
	code int
}{
	{voice.ErrMissingParameter, StatusMissingParameter},
	{voice.ErrInvalidState, StatusInvalidState},
	{voice.ErrForbidden, StatusForbidden},
	{voice.ErrNoPermission, StatusNoPermission},
	{voice.ErrNotFound, StatusNotFound},
	{voice.ErrInvalidValue, StatusInvalidValue},
	{voice.ErrInUse, StatusInUse},
	{voice.ErrBackend, StatusInternal},
}

// HTTPStatus is the one table from statusCode to HTTP status (behaviour.md §2).
func HTTPStatus(code int) int {
	switch code {
	case 0, 7:
		return http.StatusOK
	case 1, 2, 10, 11:
		return http.StatusBadRequest
	case 3, 5, 20:
		return http.StatusForbidden
	case 6:
		return http.StatusNotFound
	case 18, 19:
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// APIError is an error with its GWS statusCode.
type APIError struct {
	Code    int
	Message string
}

func (e *APIError) Error() string { return e.Message }

// WriteError writes err as a GWS error body with the HTTP status of its statusCode. Other APIs of the
// simulator (the control API) use it so that one table rules every reply.
func WriteError(w http.ResponseWriter, err error) { writeError(w, err) }

// WriteJSON writes body as JSON with the given HTTP status.
func WriteJSON(w http.ResponseWriter, status int, body any) { writeJSON(w, status, body) }

// ToAPIError classifies any error: an *APIError as it is, a voice error by the one table, anything else as
// an internal error (statusCode 4).
func ToAPIError(err error) *APIError { return toAPIError(err) }

// toAPIError classifies any error of an operation.
func toAPIError(err error) *APIError {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	// A back-end failure reads as the back end words it (e.g. "Device '5001' is not registered."), without the
	// core's operation and resource prefix.
	var oe *voice.OpError
	if errors.Is(err, voice.ErrBackend) && errors.As(err, &oe) && oe.Detail != "" {
		return &APIError{Code: StatusInternal, Message: oe.Detail}
	}
	for _, row := range statusOfError {
		if errors.Is(err, row.err) {
			return &APIError{Code: row.code, Message: err.Error()}
		}
	}
	return &APIError{Code: StatusInternal, Message: "internal error"}
}
