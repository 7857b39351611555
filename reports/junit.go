package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The JUnit XML shape: testsuites > testsuite (one per feature) > testcase (one per scenario). Element and
// attribute order follows the common JUnit schema so that strict parsers accept the file; per-testcase
// properties (outcome, flaky, attempts) are the one widely supported extension.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string           `xml:"name,attr"`
	Tests      int              `xml:"tests,attr"`
	Failures   int              `xml:"failures,attr"`
	Errors     int              `xml:"errors,attr"`
	Skipped    int              `xml:"skipped,attr"`
	Time       string           `xml:"time,attr"`
	Timestamp  string           `xml:"timestamp,attr,omitempty"`
	ID         int              `xml:"id,attr"`
	Package    string           `xml:"package,attr"`
	Hostname   string           `xml:"hostname,attr"`
	Properties *junitProperties `xml:"properties"`
	Cases      []junitCase      `xml:"testcase"`
	SystemOut  junitText        `xml:"system-out"`
	SystemErr  junitText        `xml:"system-err"`
}

type junitProperties struct {
	Items []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name       string           `xml:"name,attr"`
	Classname  string           `xml:"classname,attr"`
	Time       string           `xml:"time,attr"`
	Properties *junitProperties `xml:"properties"`
	Skipped    *junitResult     `xml:"skipped"`
	Failure    *junitResult     `xml:"failure"`
	SystemOut  *junitText       `xml:"system-out"`
}

// junitText is element content written as CDATA, so multi-line text stays readable in the file.
type junitText struct {
	Text string `xml:",cdata"`
}

type junitResult struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",cdata"`
}

// junitTimestamp is the schema's timestamp form: ISO 8601 without a zone, in UTC.
const junitTimestamp = "2006-01-02T15:04:05"

// seconds formats whole milliseconds as seconds with three decimals.
func seconds(ms int64) string { return strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64) }

// WriteJUnit writes the run as JUnit XML: one testsuite per feature (named after the feature) and one
// testcase per scenario (classname = feature URI, name = "<ID> <scenario name>", time in seconds).
//
// A failed scenario has a <failure> whose message is the first line of the failing step's error and whose
// body is the whole error (what was expected and what arrived). Skipped, undefined and pending scenarios,
// and expected failures, are <skipped>; an expected failure carries its reason as the message, the real
// failure as the body, and the property outcome=expected-failure. An unexpected pass is a <failure>
// ("expected to fail but passed"). A flaky scenario passes and carries the properties flaky=true and
// attempts=N and a note in system-out. Totals on testsuite and testsuites add up: time is the sum of the
// testcases' times (a concurrent run's wall time is in summary.json).
func WriteJUnit(w io.Writer, run Run) error {
	doc := junitSuites{Name: "coachsim conformance"}
	var totalMS int64
	for i, f := range run.Features {
		suite := junitSuite{Name: xmlSafe(f.Name), ID: i, Package: xmlSafe(f.URI), Hostname: "localhost", Properties: runProperties(run)}
		if suite.Name == "" {
			suite.Name = xmlSafe(f.URI)
		}
		var first time.Time
		var suiteMS int64
		for _, s := range f.Scenarios {
			c, ms := junitTestcase(f, s)
			suiteMS += ms
			suite.Tests++
			switch {
			case c.Failure != nil:
				suite.Failures++
			case c.Skipped != nil:
				suite.Skipped++
			}
			if !s.Started.IsZero() && (first.IsZero() || s.Started.Before(first)) {
				first = s.Started
			}
			suite.Cases = append(suite.Cases, c)
		}
		if first.IsZero() {
			first = run.Started
		}
		if !first.IsZero() {
			suite.Timestamp = first.UTC().Format(junitTimestamp)
		}
		suite.Time = seconds(suiteMS)
		totalMS += suiteMS
		doc.Tests += suite.Tests
		doc.Failures += suite.Failures
		doc.Skipped += suite.Skipped
		doc.Suites = append(doc.Suites, suite)
	}
	doc.Time = seconds(totalMS)

	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("reports: writing JUnit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("reports: writing JUnit: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("reports: writing JUnit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("reports: writing JUnit: %w", err)
	}
	return nil
}

// runProperties describe the run on every testsuite (the schema has no properties on testsuites).
func runProperties(run Run) *junitProperties {
	return &junitProperties{Items: []junitProperty{
		{"target", xmlSafe(run.Target)},
		{"version", xmlSafe(run.Version)},
		{"seed", strconv.FormatInt(run.Seed, 10)},
	}}
}

// junitTestcase renders one scenario and returns its time in whole milliseconds.
func junitTestcase(f Feature, s Scenario) (junitCase, int64) {
	ms := span(s.Started, s.Finished).Milliseconds()
	name := s.Name
	if s.ID != "" {
		name = s.ID + " " + s.Name
	}
	c := junitCase{Name: xmlSafe(name), Classname: xmlSafe(f.URI), Time: seconds(ms)}
	var notes []string
	var props []junitProperty
	switch s.Outcome {
	case Passed:
	case Flaky:
		props = append(props, junitProperty{"flaky", "true"})
		if s.Attempts > 1 {
			notes = append(notes, fmt.Sprintf("flaky: failed %s, then passed on attempt %d", times(s.Attempts-1), s.Attempts))
		} else {
			notes = append(notes, "flaky: failed, then passed on a retry")
		}
	case Skipped:
		c.Skipped = &junitResult{Message: "skipped"}
	case Undefined, Pending:
		msg := string(s.Outcome)
		if i := stepWith(s, s.Outcome); i >= 0 {
			msg = fmt.Sprintf("%s step: %s%s", s.Outcome, s.Steps[i].Keyword, s.Steps[i].Text)
		}
		c.Skipped = &junitResult{Message: msg}
	case ExpectedFailure:
		reason := s.Reason
		if reason == "" {
			reason = "expected failure"
		}
		_, body := failureText(s)
		c.Skipped = &junitResult{Message: reason, Body: "expected failure: " + reason + "\n\nactual failure:\n" + body}
		props = append(props, junitProperty{"outcome", string(ExpectedFailure)})
	case UnexpectedPass:
		body := "the scenario passed, but the expectations file lists it as an expected failure"
		if s.Reason != "" {
			body += ": " + s.Reason
		}
		c.Failure = &junitResult{Message: "expected to fail but passed", Type: string(UnexpectedPass), Body: body}
		props = append(props, junitProperty{"outcome", string(UnexpectedPass)})
	default: // Failed, and anything unknown
		msg, body := failureText(s)
		if i := failedStep(s); i >= 0 {
			st := s.Steps[i]
			body = fmt.Sprintf("step: %s%s (%s:%d)\n\n%s", st.Keyword, st.Text, f.URI, st.Line, body)
		}
		c.Failure = &junitResult{Message: msg, Type: string(Failed), Body: body}
	}
	if s.Attempts > 1 || s.Outcome == Flaky {
		props = append(props, junitProperty{"attempts", strconv.Itoa(s.Attempts)})
	}
	if s.Outcome != Passed {
		notes = append(notes, stepListing(s))
		c.SystemOut = &junitText{Text: xmlSafe(strings.Join(notes, "\n\n"))}
	}
	if len(props) > 0 {
		c.Properties = &junitProperties{Items: props}
	}
	for _, r := range []*junitResult{c.Skipped, c.Failure} {
		if r != nil {
			r.Message, r.Body = xmlSafe(r.Message), xmlSafe(r.Body)
		}
	}
	return c, ms
}

// times spells a count of attempts: "once", "twice", "3 times".
func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return strconv.Itoa(n) + " times"
}

// stepListing lists the scenario's steps with their outcomes, one per line.
func stepListing(s Scenario) string {
	var b strings.Builder
	for i, st := range s.Steps {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%-9s %s%s", st.Outcome, st.Keyword, st.Text)
	}
	return b.String()
}

// xmlSafe replaces the characters XML 1.0 cannot carry (control characters such as the escape of a
// terminal colour code, invalid UTF-8) with U+FFFD, so that CDATA sections stay well-formed.
func xmlSafe(s string) string {
	ok := true
	for _, r := range s {
		if !xmlChar(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	return strings.Map(func(r rune) rune {
		if xmlChar(r) {
			return r
		}
		return '\uFFFD'
	}, s)
}

func xmlChar(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return false
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}
