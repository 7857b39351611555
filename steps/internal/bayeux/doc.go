// Package bayeux is the conformance harness's Bayeux 1.0 (CometD) client over HTTP long-polling. It owns one
// notification session per Client: the handshake, the subscriptions, the /meta/connect loop that follows the
// server's advice, recovery from lost sessions, and the final disconnect. It knows nothing of GWS payloads
// and nothing of any particular server: it is written against the Bayeux specification and the conventions
// real servers share (402 + advice reconnect "handshake" for an unknown client), so the harness can observe
// any implementation.
//
// # Life cycle
//
// A Client moves through the states of Transition, the single place that decides state changes:
// Unconnected -> Handshaking -> Connected <-> Reconnecting, back to Handshaking whenever the server forgets
// the session, and finally Disconnected. Handshaking covers the handshake and the (re-)subscriptions that
// follow it, so Connected always means the subscriptions are in place. Connect performs the first handshake
// and subscriptions itself and reports their failures (a refused handshake surfaces as a *ServerError
// carrying the server's error text); after that the loop recovers on its own: transport and HTTP failures
// are retried after a bounded, doubling back-off; a 402 or advice reconnect "handshake" leads to a new
// handshake followed by the re-subscription of every channel kept; advice reconnect "none" ends the loop.
//
// # Delivery
//
// Every non-meta message found in any response (the /meta/connect replies, but also (un)subscribe replies
// that carry events) is handed over raw, as a Message, to the onMessage callback given to New. Nothing is
// buffered or dropped by the client.
//
// # Concurrency contract
//
// Client methods are safe for concurrent use. A connected Client runs exactly one goroutine, the connect
// loop, which Close stops and waits for. Session-changing exchanges (handshake with re-subscription,
// Subscribe, Unsubscribe, disconnect) are serialised; /meta/connect runs beside them, so at most two
// requests of one client are in flight, as Bayeux allows.
//
// The callbacks (onMessage and Config.OnMeta) run on the goroutine whose exchange produced them: the loop,
// or the caller of Connect, Subscribe or Unsubscribe. Each callback is never called concurrently with
// itself, and messages arrive in the order they were received. Callbacks must return promptly and must not
// call Connect, Subscribe, Unsubscribe or Close (they would deadlock); State, Advice and Subscriptions are
// safe to call from them.
package bayeux
