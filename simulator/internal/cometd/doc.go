// Package cometd is the simulator's Bayeux 1.0 notification endpoint: a long-polling-only CometD server that
// owns client sessions, their channel subscriptions and one FIFO queue of pending deliveries per session.
//
// # What it serves
//
// A [Server] is an [http.Handler] meant to be mounted at /api/v2/notifications and at every path below it; it
// ignores the sub-path, so /handshake, /connect, a trailing slash or anything else a client appends reach the
// same logic. It answers /meta/handshake, /meta/connect, /meta/subscribe, /meta/unsubscribe and
// /meta/disconnect over HTTP POST, with bodies that are a JSON array of messages, a single JSON object, or a
// form with one or more message= parameters, read strictly (exact member names, no member twice, nothing after
// the value). Replies are always a JSON array; a request that cannot be read as Bayeux (wrong method or
// Content-Type, unreadable or oversized body, a WebSocket upgrade) is refused at the HTTP level with a GWS
// body {"statusCode":N,"statusMessage":...} whose HTTP status follows the GWS table (400 for 1, 2 and 10).
// /meta/connect must carry connectionType "long-polling". Clients may subscribe to /v2/me/devices, /v2/me/calls,
// /v2/me/*, /v2/me/channels, /notifications/services and other wildcard-free channels under /v2/me/ and
// /notifications/ (SPEC §11.7), and may not publish: notifications come from the simulator through
// [Server.Publish], on /v2/me/devices and /v2/me/calls only.
//
// Every request is authenticated through the [Authenticator] the simulator supplies, before its body is read:
// an unauthenticated request's body is read only when it is small and came with the headers (to answer a
// handshake with successful:false); otherwise it gets HTTP 403 with statusCode 20 and the connection closes. A session belongs to the
// user that performed its handshake and is only usable by that user; a user only receives what is published
// for that user.
//
// # Session life
//
// A session lives while its client keeps polling: it expires once [Config.MaxInterval] has passed since the
// end of its last /meta/connect reply (or since the handshake) with no connect being held. A held connect
// keeps it alive. Expired, disconnected, overflowed and force-expired sessions answer every later message
// with "402::Unknown client" and the advice {"reconnect":"handshake","interval":0}.
//
// # Delivery
//
// Published messages wait in the session's queue until the next /meta/connect reply carries them, in the order
// they were published; a held connect is woken as soon as something is queued. Events precede the
// /meta/connect reply inside the response array. The queue is bounded by [Config.QueueLimit]; going past it
// ends the session rather than growing memory. A held connect that is aborted by its client or superseded by a
// newer connect of the same session takes nothing from the queue.
//
// Without the acknowledgement extension, the events of a reply leave the session only once the reply was
// written and its connection (served through netguard) shows no sign that the client dropped it: a failed
// write, a reset (the client closed with the reply unread, or the reply reached a socket already closed) or a
// close before the reply was acknowledged by the client's TCP stack puts them back at the head of the queue,
// in order, for the next connect. The one loss this cannot see is a client whose own code read the reply off
// the socket and then discarded it; for that, clients use the Bayeux acknowledgement extension (ext
// {"ack":true} at handshake, ext {"ack":<batch>} on each connect, as the CometD AckExtension does): the server
// then keeps each delivered batch until a later connect acknowledges it and sends it again otherwise.
//
// # Concurrency contract
//
// All exported methods are safe for concurrent use. Publish never blocks on a client: it appends to queues
// under short critical sections. A held /meta/connect occupies only the goroutine of its own HTTP request;
// there is no goroutine per session and no background reaper — expiry runs on one [time.AfterFunc] timer per
// session. Locks are taken in the order Server.mu before session.mu and never the other way round.
// [Server.Close] wakes every held connect, waits until each has left, stops all timers and makes the
// handler answer 503 from then on.
package cometd
