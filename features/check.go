package features

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
)

// Tags with a fixed meaning besides the ID and label tags. See README.md, "Tags".
const (
	TagWIP        = "@wip"         // being written; excluded from conformance runs
	TagKnownGap   = "@known-gap"   // the reference simulator is known to fail it; the description says why
	TagSIPCluster = "@sip-cluster" // needs a server whose environment is a SIP Cluster
	TagSlow       = "@slow"        // may wait out a server's timers against a target; quick runs leave it out
)

// Roles are the user role names steps may use; they equal the default users of behaviour.md §1.
func Roles() []string {
	return []string{"customer1", "customer2", "agent1", "agent2", "agent3", "supervisor1", "supervisor2"}
}

// PlaceholderAttributes are the attributes a doc-string placeholder ${role.attribute} may name.
func PlaceholderAttributes() []string { return []string{"dn", "deviceId", "deviceUri", "userName"} }

// Scenario is one scenario or scenario outline of a feature file, as the checker sees it.
type Scenario struct {
	ID    string // conformance ID without "@"; empty if the scenario has none (a problem)
	File  string // feature file path inside the checked fs.FS
	Line  int    // line of the Scenario keyword
	Title string
	Label Label // empty unless exactly one of @documented / @observed / @inferred is present
	Tags  []string
	// Must is the first line of the scenario's description: the sentence saying what MUST hold.
	Must string
	// Rows are the outline's "id" column values in order; nil for a plain scenario.
	Rows []string
}

// Count is the number of scenarios this stands for: one per example row of an outline, else one.
func (s Scenario) Count() int {
	if s.Rows != nil {
		return len(s.Rows)
	}
	return 1
}

// Problem is one disagreement found by Check.
type Problem struct {
	File string // path inside the checked fs.FS; empty for suite-wide problems
	Line int    // 0 when not tied to a line
	Msg  string
}

func (p Problem) String() string {
	switch {
	case p.File == "":
		return p.Msg
	case p.Line == 0:
		return p.File + ": " + p.Msg
	default:
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
}

// ErrInconsistent is what a *CheckError unwraps to: the features, the catalogue and the vocabulary disagree.
var ErrInconsistent = errors.New("features, catalogue and vocabulary disagree")

// CheckError lists every problem Check found, sorted by file and line.
type CheckError struct {
	Problems []Problem
}

func (e *CheckError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d problem(s) in the conformance suite:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

func (e *CheckError) Unwrap() error { return ErrInconsistent }

// Scenarios parses every *.feature file in fsys and returns its scenarios in file order. It fails only when a
// file cannot be read or parsed; rule violations are Check's business.
func Scenarios(fsys fs.FS) ([]Scenario, error) {
	docs, probs := parseAll(fsys)
	if len(probs) > 0 {
		return nil, &CheckError{Problems: probs}
	}
	var out []Scenario
	for _, d := range docs {
		var sink []Problem
		out = append(out, scenariosOf(d, &sink)...)
	}
	return out, nil
}

// Check verifies that the feature files in fsys, the catalogue and the vocabulary agree. It returns nil or a
// *CheckError that lists every problem at once.
func Check(fsys fs.FS) error {
	var probs []Problem
	add := func(file string, line int, format string, args ...any) {
		probs = append(probs, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}

	vocab, err := LoadVocabulary(fsys)
	if err != nil {
		add(VocabularyPath, 0, "%v", err)
	}
	cat, err := LoadCatalogue(fsys)
	if err != nil {
		add(CataloguePath, 0, "%v", err)
	}
	spec, err := LoadSpec(fsys)
	if err != nil {
		add(SpecPath, 0, "%v", err)
	}
	docs, parseProbs := parseAll(fsys)
	probs = append(probs, parseProbs...)
	if len(docs) == 0 && len(parseProbs) == 0 {
		add("", 0, "no feature files found")
	}

	var all []Scenario
	for _, d := range docs {
		all = append(all, scenariosOf(d, &probs)...)
		if vocab != nil {
			checkSteps(d, vocab, &probs)
		}
	}

	// IDs: unique, and each prefix lives in exactly one file.
	byID := map[string]Scenario{}
	prefixFile := map[string]string{}
	for _, s := range all {
		if s.ID == "" {
			continue
		}
		if prev, dup := byID[s.ID]; dup {
			add(s.File, s.Line, "duplicate ID @%s (also %s:%d)", s.ID, prev.File, prev.Line)
			continue
		}
		byID[s.ID] = s
		prefix := idPattern.FindStringSubmatch(s.ID)[1]
		if f, ok := prefixFile[prefix]; ok && f != s.File {
			add(s.File, s.Line, "ID prefix %s is already used in %s; one prefix, one file", prefix, f)
		} else {
			prefixFile[prefix] = s.File
		}
	}

	if cat != nil {
		listed := map[string]bool{}
		for _, e := range cat.Entries {
			listed[e.ID] = true
			s, ok := byID[e.ID]
			if !ok {
				add(CataloguePath, 0, "%s is catalogued but no scenario carries @%s", e.ID, e.ID)
				continue
			}
			if e.Feature != s.File {
				add(CataloguePath, 0, "%s: catalogue says feature %q, the scenario is in %q", e.ID, e.Feature, s.File)
			}
			if e.Title != s.Title {
				add(CataloguePath, 0, "%s: catalogue title %q differs from scenario title %q", e.ID, e.Title, s.Title)
			}
			if s.Label != "" && e.Label != s.Label {
				add(CataloguePath, 0, "%s: catalogue label %q differs from the scenario's %s", e.ID, e.Label, s.Label.Tag())
			}
			if spec != nil {
				for _, n := range e.Sections {
					if _, ok := spec.Lookup(n); !ok {
						add(CataloguePath, 0, "%s: section %s is not a section of %s", e.ID, n, SpecPath)
					}
				}
			}
			if !slices.Equal(e.Rows, s.Rows) {
				add(CataloguePath, 0, "%s: catalogue rows %v differ from the outline's id column %v", e.ID, e.Rows, s.Rows)
			}
		}
		for _, s := range all {
			if s.ID != "" && !listed[s.ID] {
				add(s.File, s.Line, "@%s is missing from %s", s.ID, CataloguePath)
			}
		}
	}

	if len(probs) == 0 {
		return nil
	}
	sort.SliceStable(probs, func(i, j int) bool {
		if probs[i].File != probs[j].File {
			return probs[i].File < probs[j].File
		}
		return probs[i].Line < probs[j].Line
	})
	return &CheckError{Problems: probs}
}

type parsedDoc struct {
	file string
	doc  *messages.GherkinDocument
}

func parseAll(fsys fs.FS) ([]parsedDoc, []Problem) {
	var docs []parsedDoc
	var probs []Problem
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path.Ext(p) != ".feature" {
			return nil
		}
		raw, err := fs.ReadFile(fsys, p)
		if err != nil {
			probs = append(probs, Problem{File: p, Msg: err.Error()})
			return nil
		}
		doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(raw), (&messages.Incrementing{}).NewId)
		if err != nil {
			probs = append(probs, Problem{File: p, Msg: "does not parse: " + err.Error()})
			return nil
		}
		doc.Uri = p
		if doc.Feature == nil {
			probs = append(probs, Problem{File: p, Msg: "has no Feature"})
			return nil
		}
		docs = append(docs, parsedDoc{file: p, doc: doc})
		return nil
	})
	if err != nil {
		probs = append(probs, Problem{Msg: "walking the feature files: " + err.Error()})
	}
	return docs, probs
}

// scenariosOf collects the scenarios of one document and appends a Problem for every rule a scenario breaks.
func scenariosOf(d parsedDoc, probs *[]Problem) []Scenario {
	add := func(line int64, format string, args ...any) {
		*probs = append(*probs, Problem{File: d.file, Line: int(line), Msg: fmt.Sprintf(format, args...)})
	}
	f := d.doc.Feature
	checkContainerTags(f.Tags, "Feature", add)

	var out []Scenario
	visit := func(sc *messages.Scenario) {
		if sc == nil {
			return
		}
		out = append(out, checkScenario(sc, d.file, add))
	}
	for _, ch := range f.Children {
		visit(ch.Scenario)
		if ch.Rule != nil {
			checkContainerTags(ch.Rule.Tags, "Rule", add)
			for _, rc := range ch.Rule.Children {
				visit(rc.Scenario)
			}
		}
	}
	return out
}

// checkContainerTags rejects ID and label tags on a Feature, Rule or Examples: those would be inherited by
// several scenarios, so IDs would repeat and labels would stop being a per-scenario decision.
func checkContainerTags(tags []*messages.Tag, what string, add func(int64, string, ...any)) {
	for _, t := range tags {
		name := t.Name
		if isIDTag(name) || isLabelTag(name) {
			add(t.Location.Line, "%s on a %s: ID and label tags belong on the scenario itself", name, what)
			continue
		}
		if !knownOtherTag(name) {
			add(t.Location.Line, "unknown tag %s on a %s", name, what)
		}
	}
}

func isIDTag(name string) bool {
	return strings.HasPrefix(name, "@") && idPattern.MatchString(name[1:])
}

func isLabelTag(name string) bool {
	for _, l := range Labels() {
		if name == l.Tag() {
			return true
		}
	}
	return false
}

func knownOtherTag(name string) bool {
	return name == TagWIP || name == TagKnownGap || name == TagSIPCluster || name == TagSlow
}

func checkScenario(sc *messages.Scenario, file string, add func(int64, string, ...any)) Scenario {
	line := sc.Location.Line
	s := Scenario{File: file, Line: int(line), Title: sc.Name}
	var ids []string
	var labels []Label
	for _, t := range sc.Tags {
		s.Tags = append(s.Tags, t.Name)
		switch {
		case isIDTag(t.Name):
			ids = append(ids, t.Name[1:])
		case isLabelTag(t.Name):
			labels = append(labels, Label(t.Name[1:]))
		case knownOtherTag(t.Name):
		default:
			add(t.Location.Line, "unknown tag %s (see README.md, Tags)", t.Name)
		}
	}
	name := fmt.Sprintf("%q", sc.Name)
	switch len(ids) {
	case 0:
		add(line, "scenario %s has no ID tag such as @SUP-COACH-001", name)
	case 1:
		s.ID = ids[0]
		name = "@" + s.ID
	default:
		add(line, "scenario %s has %d ID tags %v; it needs exactly one", name, len(ids), ids)
	}
	if len(labels) == 1 {
		s.Label = labels[0]
	} else {
		add(line, "%s needs exactly one of @documented / @observed / @inferred, has %d", name, len(labels))
	}
	if strings.TrimSpace(sc.Name) == "" {
		add(line, "%s has no title", name)
	}

	var desc []string
	for _, l := range strings.Split(sc.Description, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			desc = append(desc, l)
		}
	}
	if len(desc) > 0 {
		s.Must = desc[0]
	}
	switch {
	case s.Must == "":
		add(line, "%s has no description line saying what MUST hold", name)
	case !mustWord.MatchString(s.Must):
		add(line, "%s: first description line must say what MUST hold: %q", name, s.Must)
	case !strings.HasSuffix(s.Must, "."):
		add(line, "%s: first description line must be one sentence ending with a period: %q", name, s.Must)
	}
	if slices.Contains(s.Tags, TagKnownGap) && !slices.ContainsFunc(desc, func(l string) bool { return strings.HasPrefix(l, "Gap:") }) {
		add(line, "%s is tagged %s but its description has no line starting with \"Gap:\"", name, TagKnownGap)
	}

	if len(sc.Examples) == 0 {
		if strings.Contains(sc.Keyword, "Outline") || strings.Contains(sc.Keyword, "Template") {
			add(line, "outline %s has no Examples", name)
			s.Rows = []string{}
		}
		return s
	}
	s.Rows = []string{}
	seen := map[string]bool{}
	for _, ex := range sc.Examples {
		checkContainerTags(ex.Tags, "Examples", add)
		if ex.TableHeader == nil || len(ex.TableHeader.Cells) == 0 || ex.TableHeader.Cells[0].Value != "id" {
			add(ex.Location.Line, "%s: every Examples table needs \"id\" as its first column", name)
			continue
		}
		if len(ex.TableBody) == 0 {
			add(ex.Location.Line, "%s: Examples table has no rows", name)
		}
		for _, row := range ex.TableBody {
			id := row.Cells[0].Value
			switch {
			case !rowPattern.MatchString(id):
				add(row.Location.Line, "%s: row id %q must be lower-case words joined by '-'", name, id)
			case seen[id]:
				add(row.Location.Line, "%s: duplicate row id %q", name, id)
			}
			seen[id] = true
			s.Rows = append(s.Rows, id)
		}
	}
	return s
}

var (
	mustWord      = regexp.MustCompile(`\bMUST\b`)
	placeholder   = regexp.MustCompile(`\$\{([^}]*)\}`)
	placeholderOK = regexp.MustCompile(`^([a-z0-9]+)\.([A-Za-z]+)$`)
)

// checkSteps compiles the document's pickles (outline rows expanded, backgrounds included) and checks each
// step against the vocabulary: exactly one phrase must match, a doc string must be present exactly when the
// phrase ends with ':', doc strings must be JSON objects, and placeholders must name a role and an attribute.
func checkSteps(d parsedDoc, v *Vocabulary, probs *[]Problem) {
	lines := map[string]int64{}
	collect := func(steps []*messages.Step) {
		for _, st := range steps {
			lines[st.Id] = st.Location.Line
		}
	}
	var walk func(bg *messages.Background, sc *messages.Scenario)
	walk = func(bg *messages.Background, sc *messages.Scenario) {
		if bg != nil {
			collect(bg.Steps)
		}
		if sc != nil {
			collect(sc.Steps)
		}
	}
	for _, ch := range d.doc.Feature.Children {
		walk(ch.Background, ch.Scenario)
		if ch.Rule != nil {
			for _, rc := range ch.Rule.Children {
				walk(rc.Background, rc.Scenario)
			}
		}
	}

	roles := Roles()
	attrs := PlaceholderAttributes()
	reported := map[string]bool{}
	pickles := gherkin.Pickles(*d.doc, d.file, (&messages.Incrementing{}).NewId)
	for _, pk := range pickles {
		for _, st := range pk.Steps {
			var line int64
			if len(st.AstNodeIds) > 0 {
				line = lines[st.AstNodeIds[0]]
			}
			report := func(format string, args ...any) {
				msg := fmt.Sprintf(format, args...)
				key := fmt.Sprintf("%d\x00%s", line, msg)
				if reported[key] {
					return
				}
				reported[key] = true
				*probs = append(*probs, Problem{File: d.file, Line: int(line), Msg: msg})
			}
			matches := v.Match(st.Text)
			var doc *messages.PickleDocString
			if st.Argument != nil {
				doc = st.Argument.DocString
				if st.Argument.DataTable != nil {
					report("step %q has a data table; the vocabulary uses doc strings only", st.Text)
				}
			}
			switch len(matches) {
			case 0:
				report("step %q matches no vocabulary phrase", st.Text)
				continue
			case 1:
			default:
				ids := make([]string, len(matches))
				for i, m := range matches {
					ids[i] = m.ID
				}
				report("step %q matches %d phrases %v; it must match exactly one", st.Text, len(matches), ids)
				continue
			}
			p := matches[0]
			switch {
			case p.DocString && doc == nil:
				report("step %q (%s) needs a doc string", st.Text, p.ID)
			case !p.DocString && doc != nil:
				report("step %q (%s) takes no doc string", st.Text, p.ID)
			case doc != nil:
				if msg := checkDocString(doc.Content, roles, attrs); msg != "" {
					report("step %q: doc string %s", st.Text, msg)
				}
			}
		}
	}
}

func checkDocString(content string, roles, attrs []string) string {
	var bad []string
	neutral := placeholder.ReplaceAllStringFunc(content, func(ref string) string {
		inner := ref[2 : len(ref)-1]
		m := placeholderOK.FindStringSubmatch(inner)
		if m == nil || !slices.Contains(roles, m[1]) || !slices.Contains(attrs, m[2]) {
			bad = append(bad, ref)
		}
		return "placeholder"
	})
	if len(bad) > 0 {
		return fmt.Sprintf("has unknown placeholder(s) %v; use ${role.attribute} with attribute one of %v", bad, attrs)
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(neutral), &obj); err != nil || obj == nil {
		return fmt.Sprintf("is not a JSON object: %v", err)
	}
	return ""
}
