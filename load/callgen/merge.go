package callgen

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/coachsim/coachsim/load/longpoll"
)

// Files of a run's output folder.
const (
	FileCSV  = "load.csv"
	FileJSON = "load.json"
	FileHTML = "load.html"
	FileHlog = "load.hlog" // HdrHistogram interval log, one histogram per measurement and interval
)

// workerRun is what merge reads back from one worker's folder.
type workerRun struct {
	sum       Summary
	intervals [][]*hdrhistogram.Histogram // by interval, the tagged histograms
}

func readWorker(dir string) (workerRun, error) {
	var w workerRun
	data, err := os.ReadFile(filepath.Join(dir, FileJSON))
	if err != nil {
		return w, err
	}
	if err := json.Unmarshal(data, &w.sum); err != nil {
		return w, fmt.Errorf("%s: %w", filepath.Join(dir, FileJSON), err)
	}
	f, err := os.Open(filepath.Join(dir, FileHlog))
	if err != nil {
		return w, err
	}
	defer f.Close()
	rd := hdrhistogram.NewHistogramLogReader(f)
	var last int64 = -1
	for {
		h, err := rd.NextIntervalHistogram()
		if errors.Is(err, io.EOF) || h == nil && err == nil {
			break
		}
		if err != nil {
			return w, fmt.Errorf("%s: %w", filepath.Join(dir, FileHlog), err)
		}
		if h.StartTimeMs() != last || len(w.intervals) == 0 {
			w.intervals = append(w.intervals, nil)
			last = h.StartTimeMs()
		}
		w.intervals[len(w.intervals)-1] = append(w.intervals[len(w.intervals)-1], h)
	}
	return w, nil
}

// Merge combines the output folders of N workers into one result: counters, violations and interval rows
// are added up (interval k of every worker forms interval k), and latencies come from the merged
// histograms, so percentiles are those of all calls, not averages of percentiles.
func Merge(dirs []string) (Summary, error) {
	if len(dirs) == 0 {
		return Summary{}, errors.New("merge needs at least one folder")
	}
	var runs []workerRun
	for _, d := range dirs {
		w, err := readWorker(d)
		if err != nil {
			return Summary{}, err
		}
		runs = append(runs, w)
	}
	out := Summary{Target: runs[0].sum.Target, Seed: runs[0].sum.Seed, ByRule: map[string]int64{},
		Latency: map[string]Percentiles{}, Failures: []string{}, Violation: []Violation{}}
	var workers []string
	total := map[string]*hdrhistogram.Histogram{}
	var longest time.Duration
	for _, w := range runs {
		s := w.sum
		workers = append(workers, s.Worker)
		out.Rate += s.Rate
		out.Planned += s.Planned
		out.Counters.add(s.Counters)
		for k, v := range s.ByRule {
			out.ByRule[k] += v
		}
		out.Violation = append(out.Violation, s.Violation...)
		out.Errors = append(out.Errors, s.Errors...)
		out.Stopped = out.Stopped || s.Stopped
		if d, err := time.ParseDuration(s.Duration); err == nil {
			longest = max(longest, d)
		}
		for i, hs := range w.intervals {
			for len(out.Rows) <= i {
				out.Rows = append(out.Rows, JSONRow{P50: map[string]float64{}, P99: map[string]float64{}})
			}
			for _, h := range hs {
				t := total[h.Tag()]
				if t == nil {
					t = longpoll.NewHistogram()
					total[h.Tag()] = t
				}
				t.Merge(h)
			}
		}
		for i, r := range s.Rows {
			for len(out.Rows) <= i {
				out.Rows = append(out.Rows, JSONRow{P50: map[string]float64{}, P99: map[string]float64{}})
			}
			out.Rows[i].Time = max(out.Rows[i].Time, r.Time)
			out.Rows[i].Interval = max(out.Rows[i].Interval, r.Interval)
			out.Rows[i].Counters.add(r.Counters)
		}
	}
	// Interval percentiles from the merged interval histograms.
	for i := range out.Rows {
		byTag := map[string]*hdrhistogram.Histogram{}
		for _, w := range runs {
			if i >= len(w.intervals) {
				continue
			}
			for _, h := range w.intervals[i] {
				t := byTag[h.Tag()]
				if t == nil {
					t = longpoll.NewHistogram()
					byTag[h.Tag()] = t
				}
				t.Merge(h)
			}
		}
		for tag, h := range byTag {
			out.Rows[i].P50[tag] = float64(h.ValueAtQuantile(50)) / 1000
			out.Rows[i].P99[tag] = float64(h.ValueAtQuantile(99)) / 1000
		}
	}
	for tag, h := range total {
		out.Latency[tag] = Summarise(h)
	}
	out.Worker = "merged " + strings.Join(workers, ", ")
	out.Duration = longest.String()
	if out.Counters.Attempted > 0 {
		out.ErrorRate = float64(out.Counters.Failed) / float64(out.Counters.Attempted)
	}
	return out, nil
}

// Result turns a summary back into a result for threshold checks (merged runs).
func (s Summary) Result() *Result {
	return &Result{Planned: s.Planned, Counters: s.Counters, ByRule: s.ByRule, Violations: s.Violation,
		Latency: s.Latency, Stopped: s.Stopped}
}

// Row turns an interval of load.json back into a CSV row.
func (j JSONRow) Row() Row {
	d := func(m map[string]float64) map[string]time.Duration {
		out := map[string]time.Duration{}
		for k, v := range m {
			out[k] = time.Duration(v * float64(time.Millisecond))
		}
		return out
	}
	return Row{Time: time.Duration(j.Time * float64(time.Second)), Interval: time.Duration(j.Interval * float64(time.Second)),
		Counters: j.Counters, P50: d(j.P50), P99: d(j.P99)}
}
