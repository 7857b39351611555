// Package gws is the conformance harness's typed client of the public GWS v2 Voice REST API.
//
// It owns everything the harness needs to speak HTTP to a server under test, whichever implementation that is:
// building request paths and operation bodies, authenticating (HTTP Basic on every request plus the JSESSIONID
// session cookie), optional CSRF token handling, decoding the documented resources (User, Device, Call) while
// keeping their raw JSON, and turning replies into errors that carry meaning:
//
//   - a reply whose body has a non-zero statusCode becomes a *StatusError (HTTP status, statusCode, message,
//     method and path); IsStatus tests for one code;
//   - a reply that is not a GWS response at all (no JSON body, missing wrapper) becomes a *ResponseError that
//     matches ErrBadResponse;
//   - a request that never got a reply becomes a *NetworkError; when the server could not be reached at all
//     (connection refused, unknown host, dial timeout) it also matches ErrUnreachable.
//
// It knows nothing about any particular implementation: only the wire contract of the public API.
//
// Every completed or failed request made through the typed methods is reported to the optional
// Options.OnExchange observer, so reports can draw the conversation later.
//
// Concurrency: a *Client is safe for concurrent use by several goroutines. Its cookie jar and CSRF token are
// shared by all requests of that client, including requests made through HTTPClient (for example by a CometD
// client that must share the session). OnExchange may be called from several goroutines at once and must be
// safe for that; it is called synchronously, after the response body has been read and before the method
// returns. The resource types are plain values with no hidden sharing except the Raw byte slices, which the
// caller must treat as read-only.
package gws
