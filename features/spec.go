package features

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SpecPath is the project's specification inside Files: the numbered rules the catalogue's sections name.
const SpecPath = "SPEC.md"

// Section names a numbered section of SPEC.md: "4", "11.3", "12.9". In catalogue.yaml it is written as a
// number or a string (sections: [4, 11.3, "12.1"]); the written text is kept, so 12.10 stays 12.10.
type Section string

var sectionPattern = regexp.MustCompile(`^[1-9][0-9]*(?:\.[1-9][0-9]*)?$`)

// UnmarshalYAML keeps the scalar's text and rejects anything that is not a section number.
func (s *Section) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode || !sectionPattern.MatchString(n.Value) {
		return fmt.Errorf("line %d: section %q is not a section number such as 4 or 11.3", n.Line, n.Value)
	}
	*s = Section(n.Value)
	return nil
}

// Top is the top-level section: "11" for "11.3", itself for "4".
func (s Section) Top() Section {
	if i := strings.IndexByte(string(s), '.'); i >= 0 {
		return s[:i]
	}
	return s
}

// Within reports whether s is top or one of top's subsections.
func (s Section) Within(top Section) bool { return s == top || s.Top() == top }

// Less orders sections numerically (4 < 4.1 < 4.2 < 10 < 11.3).
func (s Section) Less(o Section) bool {
	a, b := s.parts(), o.parts()
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

func (s Section) parts() []int {
	var out []int
	for _, p := range strings.Split(string(s), ".") {
		n, _ := strconv.Atoi(p)
		out = append(out, n)
	}
	return out
}

// SpecSection is one numbered section of SPEC.md.
type SpecSection struct {
	Number Section
	Title  string
	// Text is the section's Markdown body, without its heading; a top-level section's Text includes its
	// subsections.
	Text string
}

// Spec is the parsed SPEC.md: its numbered sections in document order.
type Spec struct {
	Sections []SpecSection
	byNumber map[Section]int
}

// Lookup returns the section with that number.
func (s *Spec) Lookup(n Section) (SpecSection, bool) {
	i, ok := s.byNumber[n]
	if !ok {
		return SpecSection{}, false
	}
	return s.Sections[i], true
}

// ErrSpec is wrapped by every error LoadSpec returns.
var ErrSpec = errors.New("spec")

// Headings of numbered sections: "## 4. Title" for a top-level section, "### 4.1 Title" for a subsection.
var (
	topHeading = regexp.MustCompile(`^## ([1-9][0-9]*)\. (.+)$`)
	subHeading = regexp.MustCompile(`^### ([1-9][0-9]*\.[1-9][0-9]*) (.+)$`)
)

// LoadSpec reads SpecPath from fsys and splits it into numbered sections. It fails when the file is missing,
// a number repeats, or a subsection sits outside its top-level section.
func LoadSpec(fsys fs.FS) (*Spec, error) {
	raw, err := fs.ReadFile(fsys, SpecPath)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSpec, err)
	}
	spec := &Spec{byNumber: map[Section]int{}}
	type open struct {
		idx  int
		body strings.Builder
	}
	var top, sub *open
	closeSub := func() {
		if sub != nil {
			spec.Sections[sub.idx].Text = strings.TrimSpace(sub.body.String())
			sub = nil
		}
	}
	closeTop := func() {
		closeSub()
		if top != nil {
			spec.Sections[top.idx].Text = strings.TrimSpace(top.body.String())
			top = nil
		}
	}
	var errs []error
	start := func(n Section, title string, line int) int {
		if _, dup := spec.byNumber[n]; dup {
			errs = append(errs, fmt.Errorf("%s:%d: section %s appears twice", SpecPath, line, n))
		}
		spec.Sections = append(spec.Sections, SpecSection{Number: n, Title: strings.TrimSpace(title)})
		spec.byNumber[n] = len(spec.Sections) - 1
		return len(spec.Sections) - 1
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if m := topHeading.FindStringSubmatch(text); m != nil {
			closeTop()
			top = &open{idx: start(Section(m[1]), m[2], line)}
			continue
		}
		if m := subHeading.FindStringSubmatch(text); m != nil {
			n := Section(m[1])
			if top == nil || n.Top() != spec.Sections[top.idx].Number {
				errs = append(errs, fmt.Errorf("%s:%d: subsection %s is not inside section %s", SpecPath, line, n, n.Top()))
			}
			closeSub()
			sub = &open{idx: start(n, m[2], line)}
			if top != nil {
				top.body.WriteString(text + "\n")
			}
			continue
		}
		if strings.HasPrefix(text, "## ") { // an unnumbered top-level heading ends the numbered section
			closeTop()
			continue
		}
		if sub != nil {
			sub.body.WriteString(text + "\n")
		}
		if top != nil {
			top.body.WriteString(text + "\n")
		}
	}
	closeTop()
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	if len(spec.Sections) == 0 {
		errs = append(errs, fmt.Errorf("%s has no numbered section", SpecPath))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrSpec, errors.Join(errs...))
	}
	return spec, nil
}
