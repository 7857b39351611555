package reports_test

import (
	"io"
	"testing"

	"github.com/coachsim/coachsim/reports"
)

// BenchmarkWriteHTML renders 100 scenarios of 50 notifications each.
func BenchmarkWriteHTML(b *testing.B) {
	run := bigRun(100, 50)
	b.ReportAllocs()
	for b.Loop() {
		if err := reports.WriteHTML(io.Discard, run); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriters renders the same run in the three machine formats.
func BenchmarkWriters(b *testing.B) {
	run := bigRun(100, 50)
	for b.Loop() {
		for _, w := range []func(io.Writer, reports.Run) error{reports.WriteJUnit, reports.WriteCucumberJSON, reports.WriteSummary} {
			if err := w(io.Discard, run); err != nil {
				b.Fatal(err)
			}
		}
	}
}
