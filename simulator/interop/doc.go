// Package interop checks the simulator's notification endpoint against Bayeux clients nobody in this project
// wrote, through the whole stack: REST operations in, CometD long-polling notifications out.
//
// The package has no code of its own; its tests are the point:
//
//   - node/*.js drive the official CometD JavaScript client (cometd + cometd-nodejs-client) and Faye, pinned
//     in node/package-lock.json (install them with `make deps`; without node or the packages the specs fail
//     and say so, they are never skipped). The Go specs start each script with a deadline, read its JSON lines
//     as they come, trigger REST operations when the script is ready for them, and check the lines against
//     what the simulator published (Simulator.Observe): cometd-follow.js plays a whole coaching scenario;
//     cometd-rehandshake.js and faye-rehandshake.js recover from ExpireNotificationSessions (402, re-handshake
//     under a new clientId, re-subscribe, next notification); faye-basic.js subscribes, receives, disconnects;
//     cometd-watch.js, logged in as supervisor1 and doing nothing but listen, watches fixtures/busy-center.yaml
//     (on a fast virtual clock) until supervised calls have come and gone. node/lib.js holds what the scripts
//     share.
//   - gobayeux, a Go client, logs in with Basic auth through an http.RoundTripper, subscribes to
//     /v2/me/devices and receives the DeviceStateChangeMessages of REST DoNotDisturb operations in order; it
//     is refused without credentials.
//   - A minimal long-polling client written here (longpoll_test.go) checks, for all seven default users at
//     once and with half of the long polls aborted at random, that no notification is lost, repeated or
//     reordered, and that no goroutine outlives the clients or the simulator (gleak). It uses the Bayeux
//     acknowledgement extension: the server takes nothing from the queue for a poll it sees aborted, but a
//     reply it has already filled when the client gives up is lost on the wire, and only sessions that
//     negotiated the extension get those events again. Without it the same spec loses notifications.
//   - BenchmarkNotificationLatency measures REST operation -> notification latency (p50, p99) and
//     deliveries/s for 1, 100 and 1000 long-polling sessions of one user, next to BenchmarkPlainRoundTrip, a
//     bare net/http round trip on loopback, so that their ratio can be read from one run.
//
// Concurrency: each spec builds its own simulator on a free loopback port and shares nothing with other specs;
// helpers that collect output from other goroutines (script output, published notifications, what the
// long-polling clients received) lock their own state.
package interop
