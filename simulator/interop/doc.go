// Package interop checks the simulator's notification endpoint against Bayeux clients nobody in this project
// wrote, through the whole stack: REST operations in, CometD long-polling notifications out.
//
// The package has no code of its own; its tests are the point:
//
//   - node/*.js drive the official CometD JavaScript client (cometd + cometd-nodejs-client) and Faye, pinned
//     in node/package-lock.json (install them with `make deps`). The Go specs start each script, trigger REST
//     operations and assert on the JSON lines the script prints, cross-checked with what the simulator
//     published.
//   - gobayeux, a Go client, logs in with Basic auth, subscribes and receives an operation's notification.
//   - A minimal long-polling loop written here (with the acknowledgement extension) checks, for many users at
//     once and with long polls aborted at random, that no notification is lost, repeated or reordered, and
//     that no goroutine outlives the clients or the simulator.
//   - BenchmarkNotificationLatency measures REST operation -> notification latency for 1, 100 and 1000
//     long-polling clients, next to BenchmarkPlainRoundTrip, a bare net/http round trip on loopback.
//
// Concurrency: each spec builds its own simulator on a free loopback port and shares nothing with other specs;
// helpers that collect output from other goroutines (script output, published notifications) lock their own
// state.
package interop
