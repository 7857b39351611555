package features

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"

	"go.yaml.in/yaml/v3"
)

// Label says where the rule a scenario checks comes from.
type Label string

// The three labels of SPEC.md. A scenario that checks any detail SPEC.md decides is Inferred; one that checks
// live GWS behaviour the documentation does not state (and no decided detail) is Observed.
const (
	Documented Label = "documented" // the rule is documented by the GWS API ([documented] in SPEC.md)
	Observed   Label = "observed"   // the rule is what a live GWS does, the docs being silent ([observed])
	Inferred   Label = "inferred"   // the rule is decided by SPEC.md ([decided]) because docs and traffic are silent
)

// Labels lists the labels in the order reports show them.
func Labels() []Label { return []Label{Documented, Observed, Inferred} }

// Tag returns the Gherkin tag that carries the label ("@documented", "@observed" or "@inferred").
func (l Label) Tag() string { return "@" + string(l) }

// Valid reports whether l is one of the three labels.
func (l Label) Valid() bool { return l == Documented || l == Observed || l == Inferred }

// Entry is one line of the catalogue: a scenario or a scenario outline.
type Entry struct {
	// ID is the conformance ID, for example "SUP-COACH-003" (the scenario's tag without "@").
	ID string `yaml:"id"`
	// Feature is the feature file, relative to this folder.
	Feature string `yaml:"feature"`
	// Title is the scenario (outline) name, exactly as written after "Scenario:".
	Title string `yaml:"title"`
	// Label is documented or inferred.
	Label Label `yaml:"label"`
	// Sections are the SPEC.md sections the scenario checks, for example 4 or 11.3; Check verifies that
	// each exists in SPEC.md.
	Sections []Section `yaml:"sections"`
	// Rows are the values of the outline's "id" column, in order; empty for a plain scenario. The row
	// "coach-call" of outline SUP-SCOPE-001 is reported as SUP-SCOPE-001/coach-call (see RowID).
	Rows []string `yaml:"rows,omitempty"`
}

// RowID names one example row of an outline: "<ID>/<row>".
func RowID(id, row string) string { return id + "/" + row }

// Count is the number of scenarios the entry stands for: its rows for an outline, else one.
func (e Entry) Count() int {
	if len(e.Rows) > 0 {
		return len(e.Rows)
	}
	return 1
}

// Catalogue is the parsed catalogue.yaml.
type Catalogue struct {
	Entries []Entry `yaml:"scenarios"`
}

// Lookup returns the entry with the given ID.
func (c *Catalogue) Lookup(id string) (Entry, bool) {
	for _, e := range c.Entries {
		if e.ID == id {
			return e, true
		}
	}
	return Entry{}, false
}

// ErrCatalogue is wrapped by every error LoadCatalogue returns.
var ErrCatalogue = errors.New("catalogue")

var (
	idPattern  = regexp.MustCompile(`^([A-Z]+(?:-[A-Z]+)+)-([0-9]{3})$`)
	rowPattern = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
)

// LoadCatalogue reads CataloguePath from fsys. Unknown keys are errors, so a misspelt field cannot hide an
// entry. It checks each entry on its own (ID and row formats, label, sections); whether the entries agree
// with the feature files is Check's job.
func LoadCatalogue(fsys fs.FS) (*Catalogue, error) {
	raw, err := fs.ReadFile(fsys, CataloguePath)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCatalogue, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var c Catalogue
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %s: %w", ErrCatalogue, CataloguePath, err)
	}
	seen := make(map[string]bool, len(c.Entries))
	var errs []error
	for i, e := range c.Entries {
		where := fmt.Sprintf("%s: entry %d (%s)", CataloguePath, i+1, e.ID)
		if !idPattern.MatchString(e.ID) {
			errs = append(errs, fmt.Errorf("%s: id %q is not of the form PREFIX-NAME-NNN", where, e.ID))
		}
		if seen[e.ID] {
			errs = append(errs, fmt.Errorf("%s: duplicate id", where))
		}
		seen[e.ID] = true
		if e.Feature == "" || e.Title == "" {
			errs = append(errs, fmt.Errorf("%s: feature and title are required", where))
		}
		if !e.Label.Valid() {
			errs = append(errs, fmt.Errorf("%s: label %q is not documented, observed or inferred", where, e.Label))
		}
		if len(e.Sections) == 0 {
			errs = append(errs, fmt.Errorf("%s: sections must name at least one SPEC.md section", where))
		}
		rows := make(map[string]bool, len(e.Rows))
		for _, r := range e.Rows {
			if !rowPattern.MatchString(r) {
				errs = append(errs, fmt.Errorf("%s: row %q must be lower-case words joined by '-'", where, r))
			}
			if rows[r] {
				errs = append(errs, fmt.Errorf("%s: duplicate row %q", where, r))
			}
			rows[r] = true
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrCatalogue, errors.Join(errs...))
	}
	return &c, nil
}
