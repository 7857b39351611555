package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"
)

//go:embed report.html.tmpl
var reportHTML string

// reportTemplate is parsed once and only ever executed (html/template is safe for concurrent Execute).
var reportTemplate = template.Must(template.New("report").Parse(reportHTML))

type htmlPage struct {
	Target, Version, Started, Finished, Duration, Seed string
	Passed                                             bool
	Total                                              int
	Totals                                             []outcomeCount
	Kinds                                              []htmlKind
	Attention                                          []htmlLink
	Coverage                                           []htmlCoverage
	Features                                           []htmlFeature
}

type htmlCoverage struct {
	Name  string
	Known int
	coverageList
}

type htmlKind struct {
	Name   string
	Total  int
	Counts []outcomeCount
}

type htmlLink struct {
	Anchor, ID, Name string
	Outcome          Outcome
}

type htmlFeature struct {
	URI, Name, Description string
	Counts                 []outcomeCount // non-zero outcomes only
	Scenarios              []htmlScenario
}

type htmlScenario struct {
	Anchor      string
	ID, Name    string
	Description string
	Outcome     Outcome
	Open        bool
	Kind        string
	Tags        []string
	Flaky       bool
	XFail       bool // expected failure
	UPass       bool // unexpected pass
	Attempts    int
	Reason      string
	Duration    string
	Where       string // uri:line
	Steps       []htmlStep
	Diagram     *seqDiagram
	Traffic     string // "3 requests, 7 notifications"
}

type htmlStep struct {
	Keyword, Text string
	Outcome       Outcome
	Duration      string
	Line          int
	DocString     string
	Table         [][]string
	Error         string
	Evidence      *evidence
}

// WriteHTML writes report.html: one self-contained page (inline CSS, SVG and a few lines of script; no
// network access of any kind) with the run header, totals by outcome and by conformance kind, links to
// the scenarios that need attention, coverage, and per feature each scenario with its steps and a
// sequence diagram of its REST requests and notifications. Failed scenarios are expanded; flaky and
// expected-failure badges show attempts and reasons; a failed wait shows the expected JSON, the closest
// notification that arrived and a line diff of the two, and is drawn in the diagram as a dashed red
// arrow that never arrived. Hovering an arrow shows its JSON; clicking it copies the JSON under the diagram.
// All data is escaped by html/template.
func WriteHTML(w io.Writer, run Run) error {
	if err := reportTemplate.Execute(w, buildPage(run)); err != nil {
		return fmt.Errorf("reports: writing HTML: %w", err)
	}
	return nil
}

func buildPage(run Run) htmlPage {
	t := tallyRun(run)
	p := htmlPage{
		Target:   cmpOrDash(run.Target),
		Version:  cmpOrDash(run.Version),
		Started:  humanTime(run.Started),
		Finished: humanTime(run.Finished),
		Duration: humanDuration(span(run.Started, run.Finished)),
		Seed:     "file order",
		Passed:   ExitStatus(run) == 0,
		Total:    t.All.Total,
		Totals:   t.All.rows(),
		Kinds: []htmlKind{
			{Name: "@" + kindDocumented, Total: t.Documented.Total, Counts: t.Documented.rows()},
			{Name: "@" + kindInferred, Total: t.Inferred.Total, Counts: t.Inferred.rows()},
		},
	}
	cov := coverageOf(run)
	p.Coverage = []htmlCoverage{
		{Name: "operations", Known: len(cov.Operations.Exercised) + len(cov.Operations.NotExercised), coverageList: cov.Operations},
		{Name: "notification types", Known: len(cov.NotificationTypes.Exercised) + len(cov.NotificationTypes.NotExercised),
			coverageList: cov.NotificationTypes},
	}
	if run.Seed != 0 {
		p.Seed = strconv.FormatInt(run.Seed, 10)
	}
	if t.Untagged.Total > 0 {
		p.Kinds = append(p.Kinds, htmlKind{Name: "untagged", Total: t.Untagged.Total, Counts: t.Untagged.rows()})
	}
	n := 0
	for _, f := range run.Features {
		hf := htmlFeature{URI: f.URI, Name: cmpOrDash(f.Name), Description: f.Description}
		var c counts
		for _, s := range f.Scenarios {
			n++
			hs := buildScenario(f, s, "sc-"+strconv.Itoa(n))
			c.add(s.Outcome)
			if failing(s.Outcome) {
				p.Attention = append(p.Attention, htmlLink{Anchor: hs.Anchor, ID: s.ID, Name: s.Name, Outcome: s.Outcome})
			}
			hf.Scenarios = append(hf.Scenarios, hs)
		}
		for _, r := range c.rows() {
			if r.N > 0 {
				hf.Counts = append(hf.Counts, r)
			}
		}
		p.Features = append(p.Features, hf)
	}
	return p
}

func buildScenario(f Feature, s Scenario, anchor string) htmlScenario {
	hs := htmlScenario{
		Anchor: anchor, ID: s.ID, Name: s.Name, Description: s.Description, Outcome: cmpOutcome(s.Outcome),
		Open: failing(s.Outcome), Kind: kindOf(s), Tags: s.Tags, Flaky: s.Outcome == Flaky,
		XFail: s.Outcome == ExpectedFailure, UPass: s.Outcome == UnexpectedPass,
		Attempts: max(s.Attempts, 1), Reason: s.Reason, Duration: humanDuration(span(s.Started, s.Finished)),
		Where: fmt.Sprintf("%s:%d", f.URI, s.Line), Diagram: buildDiagram(s),
		Traffic: plural(len(s.Exchanges), "request") + ", " + plural(len(s.Notifications), "notification"),
	}
	for _, st := range s.Steps {
		hst := htmlStep{Keyword: strings.TrimSpace(st.Keyword), Text: st.Text, Outcome: cmpOutcome(st.Outcome),
			Duration: humanDuration(span(st.Started, st.Finished)), Line: st.Line, DocString: st.DocString,
			Table: st.Table, Error: st.Error}
		if st.Outcome == Failed || s.Outcome == ExpectedFailure {
			hst.Evidence = evidenceOf(st.Expected, st.Closest)
		}
		hs.Steps = append(hs.Steps, hst)
	}
	return hs
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

func cmpOrDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func humanTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func humanDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + " s"
	}
	return d.Round(time.Second).String()
}
