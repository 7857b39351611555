package reports_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/reports"
)

// The JUnit document as a consumer reads it.
type xSuites struct {
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Time     float64  `xml:"time,attr"`
	Suites   []xSuite `xml:"testsuite"`
}

type xSuite struct {
	Name       string      `xml:"name,attr"`
	Tests      int         `xml:"tests,attr"`
	Failures   int         `xml:"failures,attr"`
	Errors     int         `xml:"errors,attr"`
	Skipped    int         `xml:"skipped,attr"`
	Time       float64     `xml:"time,attr"`
	Timestamp  string      `xml:"timestamp,attr"`
	Properties []xProperty `xml:"properties>property"`
	Cases      []xCase     `xml:"testcase"`
}

type xProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type xCase struct {
	Name       string      `xml:"name,attr"`
	Classname  string      `xml:"classname,attr"`
	Time       float64     `xml:"time,attr"`
	Properties []xProperty `xml:"properties>property"`
	Failure    *xResult    `xml:"failure"`
	Error      *xResult    `xml:"error"`
	Skipped    *xResult    `xml:"skipped"`
	SystemOut  string      `xml:"system-out"`
}

type xResult struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// property is the value of the testcase property name, or "(absent)".
func (c xCase) property(name string) string {
	for _, p := range c.Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return "(absent)"
}

// junitSchema is the common JUnit schema reduced to what a strict reader checks: for each element, the
// attributes it may carry (required ones marked with a '!'), the children it may have, in order (a child may
// repeat where marked with '*', and every child is optional unless marked with '!').
var junitSchema = map[string]struct {
	attrs    []string
	children []string
}{
	"testsuites": {[]string{"name", "tests", "failures", "errors", "skipped", "time", "disabled"}, []string{"testsuite*"}},
	"testsuite": {[]string{"!name", "!tests", "!failures", "!errors", "skipped", "!time", "timestamp", "!id", "!package",
		"!hostname", "disabled"}, []string{"properties", "testcase*", "system-out", "system-err"}},
	"properties": {nil, []string{"!property*"}},
	"property":   {[]string{"!name", "!value"}, nil},
	"testcase": {[]string{"!name", "!classname", "!time", "assertions", "status"},
		[]string{"properties", "skipped", "error", "failure", "system-out", "system-err"}},
	"skipped":    {[]string{"message"}, nil},
	"failure":    {[]string{"message", "type"}, nil},
	"error":      {[]string{"message", "type"}, nil},
	"system-out": {nil, nil},
	"system-err": {nil, nil},
}

// validateJUnit walks the document with a strict XML decoder and checks every element against junitSchema.
func validateJUnit(doc []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = true
	type frame struct {
		name string
		next int // index in the parent's children list of the next allowed child
		seen map[string]int
	}
	var stack []*frame
	roots := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("not well-formed: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			rule, known := junitSchema[name]
			if !known {
				return fmt.Errorf("unknown element <%s>", name)
			}
			if len(stack) == 0 {
				roots++
				if name != "testsuites" || roots > 1 {
					return fmt.Errorf("the root must be a single <testsuites>, found <%s>", name)
				}
			} else {
				parent := stack[len(stack)-1]
				prule := junitSchema[parent.name]
				ok := false
				for i := parent.next; i < len(prule.children); i++ {
					c := strings.TrimPrefix(prule.children[i], "!")
					repeat := strings.HasSuffix(c, "*")
					if strings.TrimSuffix(c, "*") != name {
						continue
					}
					if !repeat && parent.seen[name] > 0 {
						return fmt.Errorf("<%s> appears twice in <%s>", name, parent.name)
					}
					parent.next, ok = i, true
					parent.seen[name]++
					break
				}
				if !ok {
					return fmt.Errorf("<%s> is not allowed in <%s> at this place (allowed, in order: %v)", name, parent.name, prule.children)
				}
			}
			given := map[string]bool{}
			for _, a := range t.Attr {
				given[a.Name.Local] = true
				allowed := false
				for _, want := range rule.attrs {
					if strings.TrimPrefix(want, "!") == a.Name.Local {
						allowed = true
					}
				}
				if !allowed {
					return fmt.Errorf("<%s> has an unknown attribute %s", name, a.Name.Local)
				}
				if a.Name.Local == "time" || a.Name.Local == "tests" || a.Name.Local == "failures" ||
					a.Name.Local == "errors" || a.Name.Local == "skipped" {
					if _, err := strconv.ParseFloat(a.Value, 64); err != nil {
						return fmt.Errorf("<%s %s=%q> is not a number", name, a.Name.Local, a.Value)
					}
				}
			}
			for _, want := range rule.attrs {
				if strings.HasPrefix(want, "!") && !given[want[1:]] {
					return fmt.Errorf("<%s> lacks the attribute %s", name, want[1:])
				}
			}
			stack = append(stack, &frame{name: name, seen: map[string]int{}})
		case xml.EndElement:
			f := stack[len(stack)-1]
			for _, c := range junitSchema[f.name].children {
				if strings.HasPrefix(c, "!") && f.seen[strings.TrimSuffix(c[1:], "*")] == 0 {
					return fmt.Errorf("<%s> needs at least one <%s>", f.name, strings.TrimSuffix(c[1:], "*"))
				}
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && junitSchema[stack[len(stack)-1].name].children != nil && strings.TrimSpace(string(t)) != "" {
				return fmt.Errorf("text %q inside <%s>", strings.TrimSpace(string(t)), stack[len(stack)-1].name)
			}
		}
	}
	if roots != 1 {
		return errors.New("no root element")
	}
	return nil
}

func parseJUnit(doc []byte) xSuites {
	GinkgoHelper()
	var s xSuites
	Expect(xml.Unmarshal(doc, &s)).To(Succeed())
	return s
}

func findCase(s xSuites, prefix string) xCase {
	GinkgoHelper()
	for _, suite := range s.Suites {
		for _, c := range suite.Cases {
			if strings.HasPrefix(c.Name, prefix) {
				return c
			}
		}
	}
	Fail("no testcase named " + prefix + "...")
	return xCase{}
}

var _ = Describe("WriteJUnit", func() {
	var doc []byte
	var parsed xSuites
	BeforeEach(func() {
		doc = render(reports.WriteJUnit, fixtureRun())
		parsed = parseJUnit(doc)
	})

	It("passes the strict schema check", func() {
		Expect(validateJUnit(doc)).To(Succeed())
	})

	It("the schema check bites on misplaced, unknown and missing parts", func() {
		Expect(validateJUnit([]byte(`<testsuites><testsuite name="a" tests="1" failures="0" errors="0" time="0" id="0" package="p" hostname="h"><testcase name="x" classname="c" time="0"><system-out/><failure message="m"/></testcase></testsuite></testsuites>`))).
			To(MatchError(ContainSubstring("<failure> is not allowed in <testcase>")))
		Expect(validateJUnit([]byte(`<testsuites><testsuite name="a" tests="1" failures="0" errors="0" time="0" id="0" package="p" hostname="h" color="red"/></testsuites>`))).
			To(MatchError(ContainSubstring("unknown attribute color")))
		Expect(validateJUnit([]byte(`<testsuites><testsuite name="a" tests="1" failures="0" errors="0" time="0" id="0" package="p" hostname="h"><properties></properties></testsuite></testsuites>`))).
			To(MatchError(ContainSubstring("needs at least one <property>")))
		Expect(validateJUnit([]byte(`<testsuites><testsuite name="a"`))).To(MatchError(ContainSubstring("not well-formed")))
	})

	It("has one testsuite per feature and one testcase per scenario, named by ID and title", func() {
		Expect(parsed.Suites).To(HaveLen(2))
		Expect(parsed.Suites[0].Name).To(Equal("Coaching"))
		Expect(parsed.Suites[0].Cases).To(HaveLen(3))
		Expect(parsed.Suites[1].Cases).To(HaveLen(5))
		c := parsed.Suites[0].Cases[0]
		Expect(c.Name).To(Equal("SUP-COACH-001 Coach starts a subscription"))
		Expect(c.Classname).To(Equal("supervision/coach.feature"))
		Expect(c.Time).To(BeNumerically("~", 0.120, 1e-9))
		Expect(parsed.Suites[0].Timestamp).To(Equal("2025-03-01T10:00:00"))
	})

	It("keeps totals consistent on every level", func() {
		var tests, failures, skipped int
		var seconds float64
		for _, s := range parsed.Suites {
			var f, sk int
			var t float64
			for _, c := range s.Cases {
				if c.Failure != nil {
					f++
				}
				if c.Skipped != nil {
					sk++
				}
				t += c.Time
			}
			Expect(s.Tests).To(Equal(len(s.Cases)), s.Name)
			Expect(s.Failures).To(Equal(f), s.Name)
			Expect(s.Skipped).To(Equal(sk), s.Name)
			Expect(s.Errors).To(BeZero())
			Expect(s.Time).To(BeNumerically("~", t, 1e-6), s.Name)
			tests, failures, skipped, seconds = tests+s.Tests, failures+s.Failures, skipped+s.Skipped, seconds+s.Time
		}
		Expect([]int{parsed.Tests, parsed.Failures, parsed.Skipped, parsed.Errors}).To(Equal([]int{8, 2, 4, 0}))
		Expect([]int{tests, failures, skipped}).To(Equal([]int{parsed.Tests, parsed.Failures, parsed.Skipped}))
		Expect(parsed.Time).To(BeNumerically("~", seconds, 1e-6))
	})

	It("reports a failure with the first line as message and the whole expected-vs-arrived error as body", func() {
		c := findCase(parsed, "SUP-COACH-002")
		Expect(c.Name).To(Equal(`SUP-COACH-002 The supervisor's call is "monitoring" <b>& muted</b>`))
		Expect(c.Failure).NotTo(BeNil())
		Expect(c.Failure.Message).To(Equal("eventlog: supervisor1 did not receive the expected notification within 2s"))
		Expect(c.Failure.Body).To(ContainSubstring("(supervision/coach.feature:16)"))
		Expect(c.Failure.Body).To(ContainSubstring(`expected: channel=/v2/me/calls and data contains {"call":{"monitoring":true`))
		Expect(c.Failure.Body).To(ContainSubstring("received since the cursor (1):"))
		Expect(c.SystemOut).To(ContainSubstring("skipped   And agent1 hangs up"))
	})

	It("skips an expected failure with its reason and the outcome property", func() {
		c := findCase(parsed, "SUP-SCOPE-004")
		Expect(c.Failure).To(BeNil())
		Expect(c.Skipped).NotTo(BeNil())
		Expect(c.Skipped.Message).To(Equal("agent scope release not implemented yet (ticket 123)"))
		Expect(c.Skipped.Body).To(ContainSubstring("did not receive the expected notification within 500ms"))
		Expect(c.property("outcome")).To(Equal("expected-failure"))
	})

	It("fails an unexpected pass", func() {
		c := findCase(parsed, "SUP-SCOPE-005")
		Expect(c.Skipped).To(BeNil())
		Expect(c.Failure).NotTo(BeNil())
		Expect(c.Failure.Message).To(Equal("expected to fail but passed"))
		Expect(c.Failure.Body).To(ContainSubstring("transfer under Call scope not implemented"))
	})

	It("passes a flaky scenario with flaky and attempts properties and a note", func() {
		c := findCase(parsed, "SUP-COACH-003")
		Expect(c.Failure).To(BeNil())
		Expect(c.Skipped).To(BeNil())
		Expect(c.property("flaky")).To(Equal("true"))
		Expect(c.property("attempts")).To(Equal("3"))
		Expect(c.SystemOut).To(ContainSubstring("flaky: failed twice, then passed on attempt 3"))
	})

	It("skips skipped, undefined and pending scenarios, naming the step", func() {
		Expect(findCase(parsed, "SUP-SCOPE-006").Skipped.Message).To(Equal("skipped"))
		Expect(findCase(parsed, "SUP-SCOPE-007").Skipped.Message).To(Equal("undefined step: Given supervisor1 juggles"))
		Expect(findCase(parsed, "SUP-SCOPE-008/coach").Skipped.Message).To(Equal("pending step: Given supervisor1 waits for the spec"))
	})

	It("leaves a passed scenario bare", func() {
		c := findCase(parsed, "SUP-COACH-001")
		Expect(c.Failure).To(BeNil())
		Expect(c.Skipped).To(BeNil())
		Expect(c.Properties).To(BeEmpty())
		Expect(c.SystemOut).To(BeEmpty())
	})

	It("stays well-formed when errors carry control characters and CDATA terminators", func() {
		run := fixtureRun()
		s := &run.Features[0].Scenarios[1]
		s.Steps[1].Error = "\x1b[31mred\x1b[0m ]]> done\x00"
		doc := render(reports.WriteJUnit, run)
		Expect(validateJUnit(doc)).To(Succeed())
		c := findCase(parseJUnit(doc), "SUP-COACH-002")
		Expect(c.Failure.Body).To(ContainSubstring("\uFFFD[31mred\uFFFD[0m ]]> done\uFFFD"))
	})

	It("writes a valid empty document for an empty run", func() {
		doc := render(reports.WriteJUnit, reports.Run{})
		Expect(validateJUnit(doc)).To(Succeed())
		Expect(parseJUnit(doc).Tests).To(BeZero())
	})
})
