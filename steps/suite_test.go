package steps_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coachsim/coachsim/features"
	"github.com/coachsim/coachsim/reports"
	"github.com/coachsim/coachsim/steps"
	"github.com/coachsim/coachsim/steps/embedded"
)

// TestConformance runs the whole suite against the embedded simulator: strict, concurrently, in random order.
func TestConformance(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	seed := time.Now().UnixNano()%1_000_000 + 1
	status, feats := steps.Run(context.Background(), steps.RunOptions{
		Options:     steps.Options{Target: embedded.Target{}},
		Features:    features.Files(),
		Tags:        "~@wip",
		Format:      "progress",
		Output:      &out,
		Concurrency: 8,
		Randomize:   seed,
	})
	n := 0
	var failed []string
	for _, f := range feats {
		for _, s := range f.Scenarios {
			n++
			if s.Outcome != reports.Passed {
				failed = append(failed, fmt.Sprintf("%s %s: %s", s.ID, s.Outcome, firstError(s)))
			}
		}
	}
	if status != 0 || len(failed) > 0 {
		t.Fatalf("conformance suite failed (seed %d, %d scenarios):\n%s\n\ngodog output:\n%s", seed, n, strings.Join(failed, "\n"), out.String())
	}
	if n < 60 {
		t.Fatalf("only %d scenarios ran; the suite has at least 60", n)
	}
	t.Logf("%d scenarios passed (seed %d)", n, seed)
}

func firstError(s reports.Scenario) string {
	for _, st := range s.Steps {
		if st.Error != "" {
			return st.Text + ": " + st.Error
		}
	}
	return ""
}

func TestVocabularyHasAStepForEveryPhrase(t *testing.T) {
	if err := steps.VerifyVocabulary(); err != nil {
		t.Fatal(err)
	}
}
