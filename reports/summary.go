package reports

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"time"
)

// summary is the document summary.json holds. Field order is the order a reader wants: verdict, run,
// totals, per kind, per scenario, coverage.
type summary struct {
	Passed    bool              `json:"passed"`
	Run       summaryRun        `json:"run"`
	Totals    counts            `json:"totals"`
	ByKind    summaryKinds      `json:"byKind"`
	Scenarios []summaryScenario `json:"scenarios"`
	Coverage  coverage          `json:"coverage"`
}

type summaryRun struct {
	Target          string  `json:"target"`
	Version         string  `json:"version"`
	Started         string  `json:"started"`
	Finished        string  `json:"finished"`
	DurationSeconds float64 `json:"durationSeconds"`
	Seed            int64   `json:"seed"`
}

type summaryKinds struct {
	Documented counts  `json:"documented"`
	Inferred   counts  `json:"inferred"`
	Untagged   *counts `json:"untagged,omitempty"` // only when some scenario has neither tag
}

type summaryScenario struct {
	ID              string  `json:"id"`
	Outcome         Outcome `json:"outcome"`
	Name            string  `json:"name"`
	Feature         string  `json:"feature"`
	Line            int     `json:"line"`
	Kind            string  `json:"kind"`
	Attempts        int     `json:"attempts"`
	DurationSeconds float64 `json:"durationSeconds"`
	Reason          string  `json:"reason,omitempty"`
	Error           string  `json:"error,omitempty"` // first line of the failure, for failed and expected-failure
}

// timestamp formats t as RFC 3339 in UTC with milliseconds, or "" when unknown.
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// secondsOf is d in seconds, rounded to milliseconds.
func secondsOf(d time.Duration) float64 { return math.Round(float64(d.Milliseconds())) / 1000 }

// WriteSummary writes summary.json: a verdict ("passed": no failed, unexpected-pass or undefined scenario,
// as ExitStatus), the run header (target, version, start and finish in UTC, duration, seed), scenario
// counts by outcome in total and per conformance kind (@documented, @inferred), every scenario with its
// conformance ID, outcome, name, feature, attempts and reason (sorted by ID), and coverage: the API
// operations and notification types the run exercised against Run.KnownOperations and
// Run.KnownNotificationTypes (exercised, not exercised, extra; each sorted).
func WriteSummary(w io.Writer, run Run) error {
	t := tallyRun(run)
	doc := summary{
		Passed: ExitStatus(run) == 0,
		Run: summaryRun{Target: run.Target, Version: run.Version, Started: timestamp(run.Started),
			Finished: timestamp(run.Finished), DurationSeconds: secondsOf(span(run.Started, run.Finished)), Seed: run.Seed},
		Totals:    t.All,
		ByKind:    summaryKinds{Documented: t.Documented, Inferred: t.Inferred},
		Scenarios: []summaryScenario{},
		Coverage:  coverageOf(run),
	}
	if t.Untagged.Total > 0 {
		u := t.Untagged
		doc.ByKind.Untagged = &u
	}
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			ss := summaryScenario{ID: s.ID, Outcome: s.Outcome, Name: s.Name, Feature: f.URI, Line: s.Line,
				Kind: kindOf(s), Attempts: max(s.Attempts, 1), DurationSeconds: secondsOf(span(s.Started, s.Finished)),
				Reason: s.Reason}
			if s.Outcome == Failed || s.Outcome == ExpectedFailure {
				ss.Error, _ = failureText(s)
			}
			doc.Scenarios = append(doc.Scenarios, ss)
		}
	}
	slices.SortStableFunc(doc.Scenarios, func(a, b summaryScenario) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Feature, b.Feature), cmp.Compare(a.Line, b.Line))
	})
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("reports: writing summary: %w", err)
	}
	return nil
}
