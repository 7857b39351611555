package callgen

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Thresholds are a run's pass criteria.
type Thresholds struct {
	// MaxP99 bounds the 99th percentile of named measurements (e.g. answer-to-supervisor, op:Answer).
	MaxP99 map[string]time.Duration
	// MaxErrors bounds the share of attempted calls that failed (0..1); negative: no bound.
	MaxErrors float64
	// MaxViolations bounds the supervision violations; negative: no bound.
	MaxViolations int64
}

// ErrorRate is the share of attempted calls that failed (a REST error or a missing notification of the
// call's own progress). Abandoned calls, which found no free agent, are not errors of the server.
func (r *Result) ErrorRate() float64 {
	if r.Counters.Attempted == 0 {
		return 0
	}
	return float64(r.Counters.Failed) / float64(r.Counters.Attempted)
}

// Check returns one line per exceeded threshold, naming it; none means the run passed. A run that stopped
// before its plan ended never passes.
func (t Thresholds) Check(r *Result) []string {
	var out []string
	if r.Stopped {
		out = append(out, fmt.Sprintf("stopped early: %d of %d planned calls attempted", r.Counters.Attempted, r.Planned))
	}
	for _, name := range slices.Sorted(maps.Keys(t.MaxP99)) {
		limit := t.MaxP99[name]
		p, ok := r.Latency[name]
		switch {
		case !ok || p.Count == 0:
			out = append(out, fmt.Sprintf("p99 %s: nothing was measured (limit %v)", name, limit))
		case time.Duration(p.P99*float64(time.Millisecond)) > limit:
			out = append(out, fmt.Sprintf("p99 %s: %.1f ms > %v", name, p.P99, limit))
		}
	}
	if t.MaxErrors >= 0 && r.ErrorRate() > t.MaxErrors {
		out = append(out, fmt.Sprintf("errors: %d of %d calls failed (%.2f%% > %.2f%%)", r.Counters.Failed,
			r.Counters.Attempted, 100*r.ErrorRate(), 100*t.MaxErrors))
	}
	if t.MaxViolations >= 0 && r.Counters.Violations > t.MaxViolations {
		var rules []string
		for _, id := range slices.Sorted(maps.Keys(r.ByRule)) {
			rules = append(rules, fmt.Sprintf("%s: %d", id, r.ByRule[id]))
		}
		out = append(out, fmt.Sprintf("violations: %d > %d (%s)", r.Counters.Violations, t.MaxViolations,
			strings.Join(rules, ", ")))
	}
	return out
}
