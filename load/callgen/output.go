package callgen

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"
)

// Summary is load.json.
type Summary struct {
	Target    string                 `json:"target"`
	Worker    string                 `json:"worker,omitempty"`
	Seed      uint64                 `json:"seed"`
	Rate      float64                `json:"ratePerSecond"`
	Duration  string                 `json:"elapsed"`
	Planned   int                    `json:"planned"`
	Counters  Counters               `json:"counters"`
	ErrorRate float64                `json:"errorRate"`
	ByRule    map[string]int64       `json:"violationsByRule"`
	Latency   map[string]Percentiles `json:"latencyMs"`
	Stopped   bool                   `json:"stoppedEarly"`
	Failures  []string               `json:"thresholdFailures"`
	Violation []Violation            `json:"violations"`
	Errors    []string               `json:"errorSamples,omitempty"`
	Rows      []JSONRow              `json:"intervals"`
}

// JSONRow is an interval of load.json (the CSV row with its percentiles in milliseconds).
type JSONRow struct {
	Time     float64            `json:"t"`
	Interval float64            `json:"interval"`
	Counters Counters           `json:"counters"`
	P50      map[string]float64 `json:"p50"`
	P99      map[string]float64 `json:"p99"`
}

// NewSummary builds load.json's content.
func NewSummary(target, worker string, m Model, r *Result, failures []string) Summary {
	s := Summary{Target: target, Worker: worker, Seed: m.Seed, Rate: m.Rate, Duration: r.Elapsed.Round(time.Millisecond).String(),
		Planned: r.Planned, Counters: r.Counters, ErrorRate: r.ErrorRate(), ByRule: r.ByRule, Latency: r.Latency,
		Stopped: r.Stopped, Failures: failures, Violation: r.Violations, Errors: r.Errors}
	if s.Failures == nil {
		s.Failures = []string{}
	}
	if s.Violation == nil {
		s.Violation = []Violation{}
	}
	for _, row := range r.Rows {
		s.Rows = append(s.Rows, toJSONRow(row))
	}
	return s
}

func toJSONRow(row Row) JSONRow {
	ms := func(m map[string]time.Duration) map[string]float64 {
		out := map[string]float64{}
		for k, v := range m {
			out[k] = float64(v) / float64(time.Millisecond)
		}
		return out
	}
	return JSONRow{Time: row.Time.Seconds(), Interval: row.Interval.Seconds(), Counters: row.Counters, P50: ms(row.P50), P99: ms(row.P99)}
}

// WriteJSON writes s as dir/load.json.
func (s Summary) WriteJSON(dir string) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "load.json"), append(data, '\n'), 0o644)
}
