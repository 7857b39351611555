package reports_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/reports"
)

// render runs a writer on a run and returns what it wrote.
func render(write func(io.Writer, reports.Run) error, run reports.Run) []byte {
	GinkgoHelper()
	var b bytes.Buffer
	Expect(write(&b, run)).To(Succeed())
	return b.Bytes()
}

// firstDifference describes where two texts part, line by line, for a readable failure.
func firstDifference(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl || i >= len(w) || i >= len(g) {
			return "line " + itoa(i+1) + ":\n  golden: " + wl + "\n  output: " + gl
		}
	}
	return "no difference"
}

func itoa(n int) string {
	var b []byte
	if n == 0 {
		return "0"
	}
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

var _ = Describe("golden files", func() {
	DescribeTable("the fixture run renders exactly as the golden file",
		func(name string, write func(io.Writer, reports.Run) error) {
			got := render(write, fixtureRun())
			path := filepath.Join("testdata", name+".golden")
			if *update {
				Expect(os.WriteFile(path, got, 0o644)).To(Succeed())
			}
			want, err := os.ReadFile(path)
			Expect(err).NotTo(HaveOccurred(), "missing golden file; create it with: go test ./reports -update")
			Expect(bytes.Equal(got, want)).To(BeTrue(),
				"%s differs from %s (regenerate deliberately with: go test ./reports -update)\n%s",
				name, path, firstDifference(want, got))
		},
		Entry("junit.xml", "junit.xml", reports.WriteJUnit),
		Entry("cucumber.json", "cucumber.json", reports.WriteCucumberJSON),
		Entry("summary.json", "summary.json", reports.WriteSummary),
	)

	It("renders the same bytes twice (no clock, no map order)", func() {
		for _, w := range []func(io.Writer, reports.Run) error{reports.WriteJUnit, reports.WriteCucumberJSON,
			reports.WriteSummary, reports.WriteHTML} {
			Expect(render(w, fixtureRun())).To(Equal(render(w, fixtureRun())))
		}
	})
})

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
