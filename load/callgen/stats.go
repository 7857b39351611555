package callgen

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/coachsim/coachsim/load/longpoll"
)

// Measurement names (histograms, microseconds). REST operations are "op:<operationName>" and together "rest".
const (
	MAnswerToAgent        = "answer-to-agent"
	MAnswerToSupervisor   = "answer-to-supervisor"
	MTransferToSupervisor = "transfer-to-supervisor"
	MDialToRinging        = "dial-to-ringing"
	MScheduleLag          = "schedule-lag"
	MRest                 = "rest"
)

// Counters of a run or an interval.
type Counters struct {
	Attempted  int64 `json:"attempted"`  // calls the schedule reached
	Answered   int64 `json:"answered"`   // calls the agent answered
	Failed     int64 `json:"failed"`     // calls a REST error or a missing call notification broke off
	Abandoned  int64 `json:"abandoned"`  // calls that found no free agent (or the --concurrent bound) in time
	Supervised int64 `json:"supervised"` // calls a supervisor monitored
	Violations int64 `json:"violations"` // broken rules (a call can break several)
	Errors     int64 `json:"errors"`     // failed REST operations
}

func (c *Counters) add(o Counters) {
	c.Attempted += o.Attempted
	c.Answered += o.Answered
	c.Failed += o.Failed
	c.Abandoned += o.Abandoned
	c.Supervised += o.Supervised
	c.Violations += o.Violations
	c.Errors += o.Errors
}

// stats collects every measurement, in total and per interval.
type stats struct {
	mu         sync.Mutex
	total      map[string]*hdrhistogram.Histogram
	interval   map[string]*hdrhistogram.Histogram
	counts     Counters
	intCounts  Counters
	violations []Violation
	byRule     map[string]int64
}

func newStats() *stats {
	return &stats{total: map[string]*hdrhistogram.Histogram{}, interval: map[string]*hdrhistogram.Histogram{},
		byRule: map[string]int64{}}
}

func (s *stats) record(name string, d time.Duration) {
	v := max(d.Microseconds(), 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range []map[string]*hdrhistogram.Histogram{s.total, s.interval} {
		h := m[name]
		if h == nil {
			h = longpoll.NewHistogram()
			m[name] = h
		}
		_ = h.RecordValue(v)
	}
}

func (s *stats) count(f func(*Counters)) {
	s.mu.Lock()
	f(&s.counts)
	f(&s.intCounts)
	s.mu.Unlock()
}

func (s *stats) violate(v Violation) {
	s.mu.Lock()
	s.violations = append(s.violations, v)
	s.byRule[v.Rule]++
	s.counts.Violations++
	s.intCounts.Violations++
	s.mu.Unlock()
}

// Row is one line of load.csv: the counters and latencies of one interval.
type Row struct {
	Time     time.Duration // end of the interval since the run's start
	Interval time.Duration
	Counters
	P50, P99 map[string]time.Duration
}

// CSVColumns are load.csv's columns, in order. They are stable: new columns are only ever appended.
var CSVColumns = []string{"time_s", "interval_s", "attempted", "answered", "failed", "abandoned", "supervised",
	"violations", "errors", "calls_per_s",
	"answer_to_agent_p50_ms", "answer_to_agent_p99_ms",
	"answer_to_supervisor_p50_ms", "answer_to_supervisor_p99_ms",
	"transfer_to_supervisor_p50_ms", "transfer_to_supervisor_p99_ms",
	"dial_to_ringing_p50_ms", "dial_to_ringing_p99_ms",
	"rest_p50_ms", "rest_p99_ms", "schedule_lag_p99_ms"}

// csvMeasures are the measurements of the latency columns, in column order.
var csvMeasures = []string{MAnswerToAgent, MAnswerToSupervisor, MTransferToSupervisor, MDialToRinging, MRest}

// WriteCSVHeader writes the header line.
func WriteCSVHeader(w io.Writer) error {
	_, err := fmt.Fprintln(w, strings.Join(CSVColumns, ","))
	return err
}

// WriteCSV writes r as one line (an interval without a measurement leaves its cells empty).
func (r Row) WriteCSV(w io.Writer) error {
	cells := []string{secs(r.Time), secs(r.Interval),
		fmt.Sprint(r.Attempted), fmt.Sprint(r.Answered), fmt.Sprint(r.Failed), fmt.Sprint(r.Abandoned),
		fmt.Sprint(r.Supervised), fmt.Sprint(r.Violations), fmt.Sprint(r.Errors),
		fmt.Sprintf("%.2f", float64(r.Attempted)/r.Interval.Seconds())}
	ms := func(d time.Duration, ok bool) string {
		if !ok {
			return ""
		}
		return fmt.Sprintf("%.3f", float64(d)/float64(time.Millisecond))
	}
	for _, m := range csvMeasures {
		p50, ok := r.P50[m]
		cells = append(cells, ms(p50, ok))
		p99, ok := r.P99[m]
		cells = append(cells, ms(p99, ok))
	}
	lag, ok := r.P99[MScheduleLag]
	cells = append(cells, ms(lag, ok))
	_, err := fmt.Fprintln(w, strings.Join(cells, ","))
	return err
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// cut ends the current interval: it returns its row and its histograms (tagged with their measurement names,
// for the interval log) and starts the next one.
func (s *stats) cut(at, length time.Duration) (Row, []*hdrhistogram.Histogram) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := Row{Time: at, Interval: length, Counters: s.intCounts, P50: map[string]time.Duration{}, P99: map[string]time.Duration{}}
	var hs []*hdrhistogram.Histogram
	for _, name := range slices.Sorted(maps.Keys(s.interval)) {
		h := s.interval[name]
		if h.TotalCount() == 0 {
			continue
		}
		r.P50[name] = time.Duration(h.ValueAtQuantile(50)) * time.Microsecond
		r.P99[name] = time.Duration(h.ValueAtQuantile(99)) * time.Microsecond
		c := hdrhistogram.Import(h.Export())
		c.SetTag(name)
		hs = append(hs, c)
		h.Reset()
	}
	s.intCounts = Counters{}
	return r, hs
}
