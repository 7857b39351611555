package reports_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/reports"
)

// writeFile writes the given lines to a temporary file and returns its path.
func writeFile(lines ...string) string {
	GinkgoHelper()
	path := filepath.Join(GinkgoT().TempDir(), "expect.yaml")
	Expect(os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)).To(Succeed())
	return path
}

func scenarioRun(outcomes map[string]reports.Outcome, ids ...string) reports.Run {
	var scs []reports.Scenario
	for _, id := range ids {
		scs = append(scs, reports.Scenario{ID: id, Name: "scenario " + id, Outcome: outcomes[id], Attempts: 1})
	}
	return reports.Run{Features: []reports.Feature{{URI: "x.feature", Scenarios: scs}}}
}

func outcomesOf(run reports.Run) map[string]string {
	out := map[string]string{}
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			out[s.ID] = string(s.Outcome) + "|" + s.Reason
		}
	}
	return out
}

var _ = Describe("Expectations", func() {
	It("loads expected failures in file order", func() {
		path := writeFile(
			"# known gaps of our server",
			"expectedFailures:",
			"  - id: SUP-SCOPE-004",
			`    reason: "agent scope release not implemented yet (ticket 123)"`,
			"  - id: '@SUP-JOIN-001'",
			"    reason: joining rings twice",
		)
		x, err := reports.LoadExpectations(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(x.Path).To(Equal(path))
		Expect(x.Failures).To(Equal([]reports.Expectation{
			{ID: "SUP-SCOPE-004", Reason: "agent scope release not implemented yet (ticket 123)", Line: 3},
			{ID: "SUP-JOIN-001", Reason: "joining rings twice", Line: 5},
		}))
	})

	It("accepts an empty file and an empty list", func() {
		for _, content := range [][]string{{""}, {"# nothing yet"}, {"expectedFailures:"}, {"expectedFailures: []"}} {
			x, err := reports.LoadExpectations(writeFile(content...))
			Expect(err).NotTo(HaveOccurred(), "%q", content)
			Expect(x.Failures).To(BeEmpty())
		}
	})

	DescribeTable("rejects malformed files with file:line and the kind of problem",
		func(line int, kind error, message string, lines ...string) {
			path := writeFile(lines...)
			_, err := reports.LoadExpectations(path)
			Expect(err).To(HaveOccurred())
			Expect(errors.Is(err, kind)).To(BeTrue(), "%v is not %v", err, kind)
			var xe *reports.ExpectationError
			Expect(errors.As(err, &xe)).To(BeTrue())
			Expect(xe.Line).To(Equal(line), err.Error())
			Expect(err.Error()).To(HavePrefix(path + ":" + itoa(line) + ": "))
			Expect(err.Error()).To(ContainSubstring(message))
		},
		Entry("duplicate ID", 4, reports.ErrDuplicateID, "SUP-A-001 is already listed on line 2",
			"expectedFailures:", "  - id: SUP-A-001", "    reason: one", "  - id: SUP-A-001", "    reason: two"),
		Entry("missing reason", 2, reports.ErrMalformed, "SUP-A-001 without a reason",
			"expectedFailures:", "  - id: SUP-A-001"),
		Entry("missing id", 4, reports.ErrMalformed, "without an id",
			"expectedFailures:", "  - id: SUP-A-001", "    reason: r", "  - reason: why"),
		Entry("misspelt key", 3, reports.ErrMalformed, `unknown key "resaon"`,
			"expectedFailures:", "  - id: SUP-A-001", "    resaon: typo"),
		Entry("unknown top-level key", 1, reports.ErrMalformed, `unknown key "expectedFailure"`,
			"expectedFailure:", "  - id: SUP-A-001", "    reason: r"),
		Entry("entry is a string", 2, reports.ErrMalformed, "must be a mapping",
			"expectedFailures:", "  - SUP-A-001"),
		Entry("list is a mapping", 2, reports.ErrMalformed, "must be a list",
			"expectedFailures:", "  id: SUP-A-001"),
		Entry("reason is a list", 3, reports.ErrMalformed, "reason must be a string",
			"expectedFailures:", "  - id: SUP-A-001", "    reason: [a, b]"),
		Entry("key twice in an entry", 4, reports.ErrMalformed, "id given twice",
			"expectedFailures:", "  - id: SUP-A-001", "    reason: r", "    id: SUP-A-002"),
		Entry("not YAML", 3, reports.ErrMalformed, "not valid YAML",
			"expectedFailures:", "  - id: SUP-A-001", "    reason: r: s"),
		Entry("document is a list", 1, reports.ErrMalformed, "must be a mapping",
			"- id: SUP-A-001"),
	)

	It("reports a missing file with the read error", func() {
		_, err := reports.LoadExpectations(filepath.Join(GinkgoT().TempDir(), "none.yaml"))
		Expect(errors.Is(err, fs.ErrNotExist)).To(BeTrue(), "%v", err)
	})

	It("turns listed failures into expected failures and listed passes into unexpected passes", func() {
		x, err := reports.LoadExpectations(writeFile(
			"expectedFailures:",
			"  - {id: A-1, reason: known gap}",
			"  - {id: A-2, reason: fixed now}",
			"  - {id: A-3, reason: retried}",
			"  - {id: A-4, reason: not run}",
			"  - {id: A-9, reason: not in this run}",
		))
		Expect(err).NotTo(HaveOccurred())
		run := scenarioRun(map[string]reports.Outcome{"A-1": reports.Failed, "A-2": reports.Passed, "A-3": reports.Flaky,
			"A-4": reports.Skipped, "B-1": reports.Failed, "B-2": reports.Passed}, "A-1", "A-2", "A-3", "A-4", "B-1", "B-2")
		x.Apply(&run)
		Expect(outcomesOf(run)).To(Equal(map[string]string{
			"A-1": "expected-failure|known gap",
			"A-2": "unexpected-pass|fixed now",
			"A-3": "unexpected-pass|retried",
			"A-4": "skipped|",
			"B-1": "failed|",
			"B-2": "passed|",
		}))
	})

	It("lets an outline's ID cover its rows, and a row's ID only that row", func() {
		x, err := reports.LoadExpectations(writeFile(
			"expectedFailures:",
			"  - {id: SUP-JOIN-001, reason: whole outline}",
			"  - {id: SUP-JOIN-002/coach, reason: one row}",
			"  - {id: SUP-JOIN-003/coach, reason: row named before its outline}",
			"  - {id: SUP-JOIN-003, reason: outline}",
		))
		Expect(err).NotTo(HaveOccurred())
		ids := []string{"SUP-JOIN-001/coach", "SUP-JOIN-001/listenin", "SUP-JOIN-0010", "SUP-JOIN-002/coach",
			"SUP-JOIN-002/bargein", "SUP-JOIN-003/coach", "SUP-JOIN-003/bargein"}
		failed := map[string]reports.Outcome{}
		for _, id := range ids {
			failed[id] = reports.Failed
		}
		run := scenarioRun(failed, ids...)
		x.Apply(&run)
		Expect(outcomesOf(run)).To(Equal(map[string]string{
			"SUP-JOIN-001/coach":    "expected-failure|whole outline",
			"SUP-JOIN-001/listenin": "expected-failure|whole outline",
			"SUP-JOIN-0010":         "failed|",
			"SUP-JOIN-002/coach":    "expected-failure|one row",
			"SUP-JOIN-002/bargein":  "failed|",
			"SUP-JOIN-003/coach":    "expected-failure|row named before its outline",
			"SUP-JOIN-003/bargein":  "expected-failure|outline",
		}))
	})

	It("the zero value changes nothing, and the exit status follows the refined outcomes", func() {
		run := scenarioRun(map[string]reports.Outcome{"A-1": reports.Failed}, "A-1")
		reports.Expectations{}.Apply(&run)
		Expect(outcomesOf(run)).To(Equal(map[string]string{"A-1": "failed|"}))
		Expect(reports.ExitStatus(run)).To(Equal(1))
		reports.Expectations{Failures: []reports.Expectation{{ID: "A-1", Reason: "gap"}}}.Apply(&run)
		Expect(reports.ExitStatus(run)).To(Equal(0))
	})
})
