// Package netguard is the HTTP serving layer of the simulator: the limits that keep one client (authenticated
// or not) from locking the others out, and a shutdown that never waits for connections that are not busy.
//
// # What it guards
//
//   - Connections are capped globally ([Limits.MaxConns], by default a share of the process's file-descriptor
//     limit, so that accept never fails with "too many open files") and per client address
//     ([Limits.MaxConnsPerClient]). At a cap, a connection that is not busy — idle between requests, accepted
//     but never used, or marked [Probation] by a handler — is closed to make room, oldest first; when none is,
//     the new connection is refused at once with HTTP 503 and a GWS body, and closed.
//   - Request headers must arrive within [Limits.ReadHeaderTimeout]; a request body within
//     [Limits.BodyTimeout] plus the time [Limits.MinBodyRate] allows for the bytes already received, so a client
//     that announces a body and never sends it is cut. A handler that answers without reading the whole body
//     gets "Connection: close" on its reply, so the server never waits to discard it.
//   - Every reply must be written within [Limits.WriteTimeout] of the moment the handler starts writing it
//     ([BeforeWrite] restarts the clock for a reply held by a long poll); idle keep-alive connections close
//     after [Limits.IdleTimeout].
//
// It also tells handlers about their connection ([ConnOf]): whether the peer has closed or reset it, which the
// notification endpoint uses to give back events whose reply never reached its client.
//
// # Concurrency contract
//
// A [Server] is safe for concurrent use; Close may be called from any goroutine, more than once. The listener
// adds no goroutine per connection; the bookkeeping is a map under one mutex.
package netguard
