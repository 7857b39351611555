// Package harness lends the conformance harness's REST client and notification log, with its matchers, to
// the rest of the module (coachsim load), so that load mode checks supervision with the very rules and
// matching the suite uses instead of a second implementation. It only names what steps/internal already
// defines; see steps/internal/gws and steps/internal/eventlog for the contracts.
package harness

import (
	"github.com/coachsim/coachsim/steps/internal/eventlog"
	"github.com/coachsim/coachsim/steps/internal/gws"
)

// The REST client of the harness (one user, HTTP Basic, CSRF when the server asks for it).
type (
	Client        = gws.Client
	ClientOptions = gws.Options
	Exchange      = gws.Exchange
	StatusError   = gws.StatusError
)

// NewClient is gws.New.
var NewClient = gws.New

// The notification log and its matchers.
type (
	Log          = eventlog.Log
	Entry        = eventlog.Entry
	Matcher      = eventlog.Matcher
	Expect       = eventlog.Expect
	Mismatch     = eventlog.Mismatch
	TimeoutError = eventlog.TimeoutError
)

// Constructors and combinators of the log and matchers.
var (
	NewLog           = eventlog.New
	Notification     = eventlog.Notification
	MustNotification = eventlog.MustNotification
	Matches          = eventlog.Matches
	All              = eventlog.All
	AnyOf            = eventlog.AnyOf
	Not              = eventlog.Not
	Where            = eventlog.Where
)
