package reports

import (
	"strings"
	"time"
)

// Conformance kinds: every scenario carries exactly one of these tags.
const (
	kindDocumented = "documented"
	kindInferred   = "inferred"
	kindUntagged   = "untagged" // neither tag: a catalogue mistake, still counted
)

// kindOf returns the scenario's conformance kind from its tags.
func kindOf(s Scenario) string {
	for _, t := range s.Tags {
		switch strings.TrimPrefix(t, "@") {
		case kindDocumented:
			return kindDocumented
		case kindInferred:
			return kindInferred
		}
	}
	return kindUntagged
}

// failing reports whether an outcome makes the run fail: a real failure, an unexpected pass, an undefined
// step, or an outcome this package does not know (treated as a failure rather than silently passed).
func failing(o Outcome) bool {
	switch o {
	case Passed, Skipped, Pending, ExpectedFailure, Flaky:
		return false
	}
	return true
}

// ExitStatus is the process exit status for a run: 0 when nothing failed unexpectedly (every scenario
// passed, was flaky, skipped, pending, or failed as the expectations file said it would), 1 otherwise
// (a failure, an unexpected pass, an undefined step, or an unknown outcome). summary.json's "passed" agrees.
func ExitStatus(run Run) int {
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			if failing(s.Outcome) {
				return 1
			}
		}
	}
	return 0
}

// counts is the number of scenarios per outcome. It marshals to JSON with the outcome names as keys.
type counts struct {
	Total           int `json:"scenarios"`
	Passed          int `json:"passed"`
	Failed          int `json:"failed"`
	Flaky           int `json:"flaky"`
	ExpectedFailure int `json:"expected-failure"`
	UnexpectedPass  int `json:"unexpected-pass"`
	Skipped         int `json:"skipped"`
	Undefined       int `json:"undefined"`
	Pending         int `json:"pending"`
}

// add counts one scenario; an unknown outcome counts as failed, as failing says.
func (c *counts) add(o Outcome) {
	c.Total++
	switch o {
	case Passed:
		c.Passed++
	case Flaky:
		c.Flaky++
	case ExpectedFailure:
		c.ExpectedFailure++
	case UnexpectedPass:
		c.UnexpectedPass++
	case Skipped:
		c.Skipped++
	case Undefined:
		c.Undefined++
	case Pending:
		c.Pending++
	default:
		c.Failed++
	}
}

// outcomeCount is one row of a counts table, for the HTML report.
type outcomeCount struct {
	Outcome Outcome
	N       int
}

// rows lists the counts in a fixed order, outcome by outcome.
func (c counts) rows() []outcomeCount {
	return []outcomeCount{
		{Passed, c.Passed}, {Failed, c.Failed}, {Flaky, c.Flaky}, {ExpectedFailure, c.ExpectedFailure},
		{UnexpectedPass, c.UnexpectedPass}, {Skipped, c.Skipped}, {Undefined, c.Undefined}, {Pending, c.Pending},
	}
}

// tally counts a run's scenarios in total and per conformance kind.
type tally struct {
	All        counts
	Documented counts
	Inferred   counts
	Untagged   counts
}

func tallyRun(run Run) tally {
	var t tally
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			t.All.add(s.Outcome)
			switch kindOf(s) {
			case kindDocumented:
				t.Documented.add(s.Outcome)
			case kindInferred:
				t.Inferred.add(s.Outcome)
			default:
				t.Untagged.add(s.Outcome)
			}
		}
	}
	return t
}

// span is end-start, or zero when either is unknown or the clock went backwards.
func span(start, end time.Time) time.Duration {
	if start.IsZero() || end.IsZero() || end.Before(start) {
		return 0
	}
	return end.Sub(start)
}

// firstLine is s up to its first line break, trimmed.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

// failedStep returns the index of the scenario's first failed step, or -1.
func failedStep(s Scenario) int {
	for i, st := range s.Steps {
		if st.Outcome == Failed {
			return i
		}
	}
	return -1
}

// stepWith returns the index of the first step with outcome o, or -1.
func stepWith(s Scenario, o Outcome) int {
	for i, st := range s.Steps {
		if st.Outcome == o {
			return i
		}
	}
	return -1
}

// failureText is what a failed scenario says about its failure: the failing step's error, or, when no step
// carries one, a sentence saying so.
func failureText(s Scenario) (message, body string) {
	i := failedStep(s)
	if i < 0 {
		for j, st := range s.Steps {
			if st.Error != "" {
				i = j
				break
			}
		}
	}
	if i < 0 || strings.TrimSpace(s.Steps[i].Error) == "" {
		if i >= 0 {
			st := s.Steps[i]
			msg := "step failed: " + strings.TrimSpace(st.Keyword) + " " + st.Text
			return msg, msg
		}
		return "scenario failed without a failing step", "scenario failed without a failing step"
	}
	st := s.Steps[i]
	return firstLine(st.Error), st.Error
}
