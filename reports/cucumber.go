package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// The cucumber JSON shape (the format cucumber-jvm and cucumber-js write, which report tools read).

type cukeFeature struct {
	URI         string        `json:"uri"`
	ID          string        `json:"id"`
	Keyword     string        `json:"keyword"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Line        int           `json:"line"`
	Elements    []cukeElement `json:"elements"`
}

type cukeElement struct {
	ID          string     `json:"id"`
	Keyword     string     `json:"keyword"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Line        int        `json:"line"`
	Type        string     `json:"type"`
	Tags        []cukeTag  `json:"tags"`
	Steps       []cukeStep `json:"steps"`
}

type cukeTag struct {
	Name string `json:"name"`
	Line int    `json:"line"`
}

type cukeStep struct {
	Keyword   string     `json:"keyword"`
	Name      string     `json:"name"`
	Line      int        `json:"line"`
	DocString *cukeDoc   `json:"doc_string,omitempty"`
	Rows      []cukeRow  `json:"rows,omitempty"`
	Result    cukeResult `json:"result"`
}

type cukeDoc struct {
	Value string `json:"value"`
	Line  int    `json:"line"`
}

type cukeRow struct {
	Cells []string `json:"cells"`
}

type cukeResult struct {
	Status       string `json:"status"`
	Duration     int64  `json:"duration,omitempty"` // nanoseconds
	ErrorMessage string `json:"error_message,omitempty"`
}

// WriteCucumberJSON writes the run in the cucumber JSON format: an array of features, each with its
// scenarios as elements of type "scenario", their tags and steps. Step results are reported as they really
// were, with cucumber's status words (passed, failed, skipped, undefined, pending); the refinements that
// expectations and retries bring (expected failure, unexpected pass, flaky) are in JUnit and summary.json,
// not here. The model has no line for tags or the Feature keyword, so tags are placed on the line above the
// scenario and features on line 1; a doc string is placed on the line after its step.
func WriteCucumberJSON(w io.Writer, run Run) error {
	out := make([]cukeFeature, 0, len(run.Features))
	for _, f := range run.Features {
		fid := slug(f.Name)
		if fid == "" {
			fid = slug(f.URI)
		}
		cf := cukeFeature{URI: f.URI, ID: fid, Keyword: "Feature", Name: f.Name, Description: f.Description,
			Line: 1, Elements: make([]cukeElement, 0, len(f.Scenarios))}
		for _, s := range f.Scenarios {
			cf.Elements = append(cf.Elements, cukeScenario(fid, s))
		}
		out = append(out, cf)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("reports: writing cucumber JSON: %w", err)
	}
	return nil
}

func cukeScenario(featureID string, s Scenario) cukeElement {
	name := s.Name
	if s.ID != "" {
		name = s.ID + " " + s.Name
	}
	e := cukeElement{ID: featureID + ";" + slug(name), Keyword: "Scenario", Name: s.Name,
		Description: s.Description, Line: s.Line, Type: "scenario",
		Tags: make([]cukeTag, 0, len(s.Tags)), Steps: make([]cukeStep, 0, len(s.Steps))}
	tagLine := s.Line - 1
	if tagLine < 1 {
		tagLine = 1
	}
	for _, t := range s.Tags {
		if !strings.HasPrefix(t, "@") {
			t = "@" + t
		}
		e.Tags = append(e.Tags, cukeTag{Name: t, Line: tagLine})
	}
	for _, st := range s.Steps {
		cs := cukeStep{Keyword: st.Keyword, Name: st.Text, Line: st.Line,
			Result: cukeResult{Status: cucumberStatus(st.Outcome), ErrorMessage: st.Error}}
		if d := span(st.Started, st.Finished); d > 0 {
			cs.Result.Duration = d.Nanoseconds()
		}
		if st.DocString != "" {
			cs.DocString = &cukeDoc{Value: st.DocString, Line: st.Line + 1}
		}
		for _, row := range st.Table {
			cs.Rows = append(cs.Rows, cukeRow{Cells: row})
		}
		e.Steps = append(e.Steps, cs)
	}
	return e
}

// cucumberStatus maps a step outcome onto cucumber's status words. Steps normally carry godog's own
// statuses; a refined outcome found on a step is mapped to what really happened.
func cucumberStatus(o Outcome) string {
	switch o {
	case Passed, Failed, Skipped, Undefined, Pending:
		return string(o)
	case "ambiguous":
		return "ambiguous"
	case Flaky, UnexpectedPass:
		return string(Passed)
	case ExpectedFailure:
		return string(Failed)
	case "":
		return string(Skipped)
	}
	return string(Failed)
}

// slug lower-cases s and joins its words with dashes, as cucumber builds element ids.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}
