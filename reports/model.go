// Package reports renders the outcome of a conformance run: JUnit XML for CI systems, cucumber JSON for
// cucumber tooling, summary.json for machines, and a self-contained report.html with a sequence diagram of
// each scenario's REST requests and notifications.
//
// The input is a Run: a plain value the conformance runner fills from godog hooks and from what each role
// sent and received. Renderers are pure functions of a Run and write deterministic output (no wall-clock
// reads, stable ordering), so golden files can pin them. An expectations file (LoadExpectations) refines
// outcomes before rendering, and ExitStatus turns a run into the process exit status.
//
// Concurrency: there is no shared state. The Write functions only read the Run they are given and may run
// concurrently, on the same Run too; Expectations.Apply changes the Run it is given, so it must finish
// before anything else reads that Run.
//
// The specs pin junit.xml, cucumber.json and summary.json with golden files in testdata/ (regenerate them
// deliberately with `go test ./reports -update`) and open report.html in headless Chromium, which must be
// installed (Debian: apt-get install -y chromium); the page, and screenshots of it, are left in reports/out.
package reports

import "time"

// Outcome of a scenario or step.
type Outcome string

// Outcomes. A scenario is Passed, Failed, Skipped, Undefined or Pending as godog reports it; expectations
// and retries refine Failed and Passed into the last three.
const (
	Passed          Outcome = "passed"
	Failed          Outcome = "failed"
	Skipped         Outcome = "skipped"
	Undefined       Outcome = "undefined"
	Pending         Outcome = "pending"
	ExpectedFailure Outcome = "expected-failure" // failed, and listed in the expectations file
	UnexpectedPass  Outcome = "unexpected-pass"  // passed, but listed as expected to fail
	Flaky           Outcome = "flaky"            // failed, then passed on a retry
)

// Run is one conformance run.
type Run struct {
	Target   string    // base URL of the server under test, or "embedded simulator"
	Version  string    // from GET /api/v2/diagnostics/version
	Started  time.Time // wall clock at start
	Finished time.Time
	Seed     int64 // scenario order seed (0: file order)
	Features []Feature
	// Coverage: what behaviour.md names, to compare with what the run exercised.
	KnownOperations        []string
	KnownNotificationTypes []string
}

// Feature is one .feature file.
type Feature struct {
	URI         string // path inside the features tree, e.g. supervision/coach.feature
	Name        string
	Description string
	Scenarios   []Scenario
}

// Scenario is one scenario (an outline row is its own scenario).
type Scenario struct {
	ID          string   // conformance ID, e.g. SUP-COACH-001 (outline rows may carry a suffix)
	Name        string   // scenario title (with the outline row's values)
	Description string   // the MUST sentence
	Tags        []string // every tag, with '@'
	Line        int      // line in the feature file
	Outcome     Outcome
	Reason      string // for an expected failure: the reason from the expectations file
	Attempts    int    // 1 unless retried
	Started     time.Time
	Finished    time.Time
	Steps       []Step
	// Timeline: every REST exchange and every notification of the (last) attempt, in time order.
	Exchanges     []Exchange
	Notifications []Notification
}

// Step is one step of a scenario.
type Step struct {
	Keyword   string // "Given ", "When ", ...
	Text      string
	Line      int
	DocString string
	Table     [][]string
	Outcome   Outcome
	Error     string // failure message: expected vs what arrived
	Started   time.Time
	Finished  time.Time
	// Expected and Closest, when the step waited for a notification that did not arrive: the expected
	// JSON and the closest notification that did arrive, for a diff in report.html.
	Expected string
	Closest  string
	// Role, when known, is the role whose wait failed; report.html draws the missing notification to it.
	// When empty, the diagram looks for a role named in the first line of Error.
	Role string
}

// Exchange is one REST request made by a role.
type Exchange struct {
	Role         string
	Method       string
	Path         string
	RequestBody  string
	HTTPStatus   int
	ResponseBody string
	Started      time.Time
	Finished     time.Time
}

// Notification is one CometD message received by a role.
type Notification struct {
	Role     string
	Channel  string
	Data     string // JSON
	Received time.Time
}
