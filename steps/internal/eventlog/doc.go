// Package eventlog is the conformance harness's memory of received notifications: an append-only log of
// entries (who received what, on which channel, when), per-role read cursors, waits on matchers with
// deadlines, and the matchers themselves. It owns no connection: whatever receives notifications (one
// Bayeux client per user) appends to it, and steps read from it.
//
// # Reading
//
// Step and Sent delimit the action under test: the first request of a run of consecutive action steps
// starts an action window, and every read looks only at entries that arrived after it (before the first
// request, the whole log). Await(ctx, role, m) blocks until an entry of role inside the window and after the
// role's cursor matches m, then marks that entry examined and moves the cursor just past it. Entries passed
// over are not discarded: they stay unexamined, so an end-of-scenario check (Unexamined) sees them and
// AwaitUnordered can still take them. AwaitNoChange(ctx, role, d) asserts a quiet period in which no
// unexamined entry inside the window shows the change a Detector recognises; the detector is shown every
// entry of the role in order, so entries before the window and examined ones are the state a change is
// measured from. AwaitNone(ctx, role, m) is the same for a state no entry may show. A wait that times out
// returns a *TimeoutError with the expectation, everything that did arrive, and the closest entry with a
// short diff.
//
// # Matching
//
// Matchers compare entries with a JSON subset rule (CompareJSON): the expected JSON must be contained in
// the actual data.
//   - Objects: every expected member must be present and match; extra actual members never fail. An
//     expected null matches a member that is absent or null, which is how "has no supervisorMonitoringState"
//     is written.
//   - Arrays, by ArrayMode: ArrayContains (default) pairs every expected element with a distinct actual
//     element in any order, extra actual elements allowed; ArraySameElements also requires equal length;
//     ArrayOrdered requires equal length and position-by-position matches. In every mode an expected []
//     matches only an empty array.
//   - Scalars: equal type and value; numbers compare numerically (1 equals 1.0).
//
// Notification(Expect{...}) combines a channel, data.messageType, data.notificationType and a data subset;
// All, AnyOf, Not and Where compose matchers.
//
// # Concurrency contract
//
// A Log is safe for concurrent use by any number of appenders and readers. Append never blocks on readers:
// it takes a short lock and closes a notification channel that waiting readers select on together with
// their context, so no reader polls or sleeps. Entries are values and their Data must be treated as
// read-only. Matchers are immutable and may be shared.
package eventlog
