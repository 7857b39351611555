package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/load/callgen"
	"github.com/coachsim/coachsim/simulator"
)

// loadSimOptions are added to the embedded simulator of coachsim load (the command's tests set deviations).
var loadSimOptions []simulator.Option

// thresholdError is an exceeded threshold (exit code 1).
type thresholdError struct{ failures []string }

func (e *thresholdError) Error() string {
	return "load: thresholds exceeded:\n  " + strings.Join(e.failures, "\n  ")
}
func (e *thresholdError) ExitCode() int { return exitFailed }

// loadUnreachable is a target that cannot be reached or logged in to (exit code 3).
type loadUnreachable struct{ err error }

func (e *loadUnreachable) Error() string { return "load: " + e.err.Error() }
func (e *loadUnreachable) ExitCode() int { return exitUnreachable }

// p99Flags collects --max-p99 NAME=DURATION.
type p99Flags map[string]time.Duration

func (p p99Flags) String() string { return fmt.Sprint(map[string]time.Duration(p)) }
func (p p99Flags) Set(v string) error {
	name, d, ok := strings.Cut(v, "=")
	if !ok {
		return errors.New("want NAME=DURATION, e.g. answer-to-supervisor=500ms")
	}
	dur, err := time.ParseDuration(d)
	if err != nil || dur <= 0 {
		return fmt.Errorf("%q is not a positive duration", d)
	}
	p[strings.TrimSpace(name)] = dur
	return nil
}

func loadCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "merge" {
		return loadMerge(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "", "base URL of the server under test (default: an embedded simulator)")
	profile := fs.String("profile", "", "YAML file of the target's users: customers, agents, supervisors, each a list of {user, password} (needed with --target)")
	agents := fs.Int("agents", 50, "embedded simulator: agents (each with a customer of its own)")
	supervisors := fs.Int("supervisors", 10, "embedded simulator: supervisors")
	rate := fs.String("rate", "10/s", "calls per second once ramped up, e.g. 50/s")
	ramp := fs.Duration("ramp", 0, "linear ramp from 0 to --rate")
	duration := fs.Duration("duration", 30*time.Second, "calls are started during this time (0: until --max-calls)")
	maxCalls := fs.Int("max-calls", 0, "stop after this many calls (0: no limit but --duration)")
	concurrent := fs.Int("concurrent", 0, "calls in progress at most; a call due beyond it is abandoned (0: one per agent)")
	supervised := fs.String("supervised", "10%", "share of calls a supervisor monitors")
	transferred := fs.String("transferred", "20%", "share of calls the agent transfers in a single step")
	answer := fs.String("answer-delay", "100ms..500ms", "time from ringing to Answer, drawn per call from MIN..MAX")
	talk := fs.String("talk", "500ms..2s", "talk time, drawn per call from MIN..MAX")
	seed := fs.Uint64("seed", 1, "seed of the call plan")
	statsInterval := fs.Duration("stats-interval", time.Second, "length of a statistics interval (one CSV row each)")
	checkTimeout := fs.Duration("check-timeout", 5*time.Second, "how long an expected notification may take before it counts as missing")
	out := fs.String("out", "", "write load.csv, load.json, load.hlog and load.html into this folder")
	worker := fs.String("worker", "1/1", "K/N: run as worker K of N on the K-th of N disjoint slices of the users, at 1/N of the rate")
	maxP99 := p99Flags{}
	fs.Var(maxP99, "max-p99", "NAME=DURATION: fail when the p99 of a measurement exceeds it (repeatable), e.g. answer-to-supervisor=500ms")
	maxErrors := fs.String("max-errors", "", "fail when more than this share of calls fails, e.g. 0.1% (default: no bound)")
	maxViolations := fs.Int64("max-violations", 0, "fail when there are more supervision violations (negative: no bound)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usagef("load: %v", err)
	}
	if fs.NArg() > 0 {
		return usagef("load: unexpected argument %q", fs.Arg(0))
	}
	m := callgen.Model{Seed: *seed, Ramp: *ramp, Duration: *duration, MaxCalls: *maxCalls}
	var err error
	if m.Rate, err = parseRate(*rate); err != nil {
		return usagef("load: --rate: %v", err)
	}
	if m.Supervised, err = parseShare(*supervised); err != nil {
		return usagef("load: --supervised: %v", err)
	}
	if m.Transferred, err = parseShare(*transferred); err != nil {
		return usagef("load: --transferred: %v", err)
	}
	if m.AnswerDelay, err = parseRange(*answer); err != nil {
		return usagef("load: --answer-delay: %v", err)
	}
	if m.Talk, err = parseRange(*talk); err != nil {
		return usagef("load: --talk: %v", err)
	}
	if m.Duration <= 0 && m.MaxCalls <= 0 {
		return usagef("load: give --duration or --max-calls")
	}
	th := callgen.Thresholds{MaxP99: maxP99, MaxErrors: -1, MaxViolations: *maxViolations}
	if *maxErrors != "" {
		if th.MaxErrors, err = parseShare(*maxErrors); err != nil {
			return usagef("load: --max-errors: %v", err)
		}
	}
	k, n, err := parseWorker(*worker)
	if err != nil {
		return usagef("load: --worker: %v", err)
	}

	var users callgen.Users
	base := *target
	if base == "" {
		if *profile != "" {
			return usagef("load: --profile needs --target (the embedded simulator generates its users)")
		}
		if *agents < 1 || *supervisors < 0 {
			return usagef("load: --agents must be at least 1 and --supervisors not negative")
		}
		doc, u := callgen.Generated(*agents, *supervisors)
		env, err := fixtures.Parse("load", doc)
		if err != nil {
			return err
		}
		opts := append([]simulator.Option{simulator.WithLimits(simulator.Limits{MaxConnsPerClient: -1})}, loadSimOptions...)
		sim, err := simulator.StartLoopback(env, opts...)
		if err != nil {
			return err
		}
		defer sim.Close()
		base, users = sim.URL, u
	} else {
		if *profile == "" {
			return usagef("load: --target needs --profile (the target's customers, agents and supervisors)")
		}
		data, err := os.ReadFile(*profile)
		if err != nil {
			return usagef("load: --profile: %v", err)
		}
		if err := yaml.Unmarshal(data, &users); err != nil {
			return usagef("load: --profile %s: %v", *profile, err)
		}
		base = strings.TrimSuffix(base, "/")
	}
	if n > 1 {
		users = users.Slice(k, n)
		m.Rate /= float64(n)
		m.Seed += uint64(k)
		if m.MaxCalls > 0 {
			m.MaxCalls = int(math.Ceil(float64(m.MaxCalls) / float64(n)))
		}
	}
	if len(users.Agents) == 0 || len(users.Customers) < len(users.Agents) {
		return usagef("load: the users need at least one agent and one customer per agent (%d agents, %d customers)",
			len(users.Agents), len(users.Customers))
	}

	opts := callgen.Options{Target: base, Users: users, Model: m, Concurrent: *concurrent, CheckTimeout: *checkTimeout,
		StatsInterval: *statsInterval}
	var csv, hlog *os.File
	var writeMu sync.Mutex
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		if csv, err = os.Create(filepath.Join(*out, callgen.FileCSV)); err != nil {
			return err
		}
		defer csv.Close()
		if err := callgen.WriteCSVHeader(csv); err != nil {
			return err
		}
		if hlog, err = os.Create(filepath.Join(*out, callgen.FileHlog)); err != nil {
			return err
		}
		defer hlog.Close()
		opts.HistogramLog = hlog
	}
	live := isTerminal(stderr) && os.Getenv("CI") == ""
	opts.OnInterval = func(r callgen.Row) {
		writeMu.Lock()
		defer writeMu.Unlock()
		if csv != nil {
			_ = r.WriteCSV(csv)
		}
		if live {
			fmt.Fprintf(stderr, "\r%7.1fs  %6.1f calls/s  p99 answer-to-supervisor %-9v  violations %d  failed %d   ",
				r.Time.Seconds(), float64(r.Attempted)/r.Interval.Seconds(), r.P99[callgen.MAnswerToSupervisor],
				r.Violations, r.Failed)
		}
	}
	res, err := callgen.Run(ctx, opts)
	if live {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		var se *callgen.SetupError
		if errors.As(err, &se) {
			return &loadUnreachable{err}
		}
		return usagef("load: %v", err)
	}
	failures := th.Check(res)
	workerName := ""
	if n > 1 {
		workerName = fmt.Sprintf("%d/%d", k, n)
	}
	sum := callgen.NewSummary(base, workerName, m, res, failures)
	if *out != "" {
		if err := sum.WriteJSON(*out); err != nil {
			return err
		}
		if err := sum.WriteHTML(*out); err != nil {
			return err
		}
	}
	printSummary(stdout, sum)
	if len(failures) > 0 {
		return &thresholdError{failures}
	}
	return nil
}

func printSummary(w io.Writer, s callgen.Summary) {
	c := s.Counters
	fmt.Fprintf(w, "coachsim load: %d planned, %d attempted, %d answered, %d failed, %d abandoned, %d supervised, %d violations in %s\n",
		s.Planned, c.Attempted, c.Answered, c.Failed, c.Abandoned, c.Supervised, c.Violations, s.Duration)
	for _, name := range []string{callgen.MAnswerToAgent, callgen.MAnswerToSupervisor, callgen.MTransferToSupervisor,
		callgen.MDialToRinging, callgen.MRest, callgen.MScheduleLag} {
		if p, ok := s.Latency[name]; ok {
			fmt.Fprintf(w, "  %-24s p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms  (%d)\n", name, p.P50, p.P99, p.Max, p.Count)
		}
	}
	for id, k := range s.ByRule {
		fmt.Fprintf(w, "  violated %s: %d calls\n", id, k)
	}
}

// loadMerge is `coachsim load merge [--out DIR] [thresholds] DIR...`.
func loadMerge(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("load merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "write the merged load.csv, load.json and load.html into this folder")
	maxP99 := p99Flags{}
	fs.Var(maxP99, "max-p99", "NAME=DURATION (repeatable), as for load")
	maxErrors := fs.String("max-errors", "", "as for load")
	maxViolations := fs.Int64("max-violations", 0, "as for load")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usagef("load merge: %v", err)
	}
	if fs.NArg() == 0 {
		return usagef("load merge: name the output folders of the workers")
	}
	th := callgen.Thresholds{MaxP99: maxP99, MaxErrors: -1, MaxViolations: *maxViolations}
	if *maxErrors != "" {
		v, err := parseShare(*maxErrors)
		if err != nil {
			return usagef("load merge: --max-errors: %v", err)
		}
		th.MaxErrors = v
	}
	sum, err := callgen.Merge(fs.Args())
	if err != nil {
		return usagef("load merge: %v", err)
	}
	sum.Failures = th.Check(sum.Result())
	if sum.Failures == nil {
		sum.Failures = []string{}
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		f, err := os.Create(filepath.Join(*out, callgen.FileCSV))
		if err != nil {
			return err
		}
		_ = callgen.WriteCSVHeader(f)
		for _, r := range sum.Rows {
			_ = r.Row().WriteCSV(f)
		}
		if err := f.Close(); err != nil {
			return err
		}
		if err := sum.WriteJSON(*out); err != nil {
			return err
		}
		if err := sum.WriteHTML(*out); err != nil {
			return err
		}
	}
	printSummary(stdout, sum)
	if len(sum.Failures) > 0 {
		return &thresholdError{sum.Failures}
	}
	return nil
}

func parseRate(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "/s"), 64)
	if err != nil || v <= 0 || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a positive rate such as 50/s", s)
	}
	return v, nil
}

// parseShare reads "10%" or "0.1".
func parseShare(s string) (float64, error) {
	s = strings.TrimSpace(s)
	div := 1.0
	if t, ok := strings.CutSuffix(s, "%"); ok {
		s, div = t, 100
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v/div > 1 {
		return 0, fmt.Errorf("%q is not a share between 0%% and 100%%", s)
	}
	return v / div, nil
}

// parseRange reads "MIN..MAX" or a single duration.
func parseRange(s string) ([2]time.Duration, error) {
	lo, hi, ranged := strings.Cut(s, "..")
	a, err := time.ParseDuration(strings.TrimSpace(lo))
	if err != nil || a < 0 {
		return [2]time.Duration{}, fmt.Errorf("%q is not a duration or MIN..MAX", s)
	}
	if !ranged {
		return [2]time.Duration{a, a}, nil
	}
	b, err := time.ParseDuration(strings.TrimSpace(hi))
	if err != nil || b < a {
		return [2]time.Duration{}, fmt.Errorf("%q is not MIN..MAX with MIN ≤ MAX", s)
	}
	return [2]time.Duration{a, b}, nil
}

func parseWorker(s string) (int, int, error) {
	ks, ns, ok := strings.Cut(s, "/")
	k, err1 := strconv.Atoi(ks)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || k < 1 || k > n {
		return 0, 0, fmt.Errorf("%q is not K/N with 1 ≤ K ≤ N", s)
	}
	return k, n, nil
}
