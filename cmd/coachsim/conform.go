package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/coachsim/coachsim/features"
	"github.com/coachsim/coachsim/reports"
	"github.com/coachsim/coachsim/steps"
	"github.com/coachsim/coachsim/steps/embedded"
)

// unreachableError: the target could not be reached or a role could not log in (exit code 3).
type unreachableError struct{ msg string }

func (e *unreachableError) Error() string { return e.msg }
func (e *unreachableError) ExitCode() int { return exitUnreachable }

// failedError: at least one scenario failed unexpectedly (exit code 1).
type failedError struct{ msg string }

func (e *failedError) Error() string { return e.msg }
func (e *failedError) ExitCode() int { return exitFailed }

type conformFlags struct {
	target      string
	profile     string
	tags        string
	format      string
	concurrency int
	random      string
	out         string
	expect      string
	retries     int
	deadline    time.Duration
	quiet       time.Duration
	control     string
}

func conform(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f conformFlags
	fs := flag.NewFlagSet("conform", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.target, "target", "", "base URL of the server under test (default: an embedded simulator per scenario)")
	fs.StringVar(&f.profile, "profile", "", "YAML file mapping roles to credentials on the target (see features/README.md)")
	fs.StringVar(&f.tags, "tags", "~@wip", "godog tag expression selecting scenarios, e.g. '@SUP-COACH-001' or '~@inferred'")
	fs.StringVar(&f.format, "format", "", "godog formatter for the console: progress, pretty, junit, cucumber (default: progress)")
	fs.IntVar(&f.concurrency, "concurrency", 16, "scenarios run at once against the embedded simulator (a --target runs one at a time)")
	fs.StringVar(&f.random, "random", "true", "scenario order: true (a random seed, printed), false (file order) or a seed number")
	fs.StringVar(&f.out, "out", "", "directory for junit.xml, cucumber.json, summary.json and report.html")
	fs.StringVar(&f.expect, "expect", "", "YAML file of scenario IDs expected to fail, each with a reason")
	fs.IntVar(&f.retries, "retry-unexpected", 0, "re-run unexpectedly failed scenarios up to N times; a pass on retry is reported as flaky")
	fs.DurationVar(&f.deadline, "deadline", 5*time.Second, "how long an assertion waits for a notification")
	fs.DurationVar(&f.quiet, "quiet", 300*time.Millisecond, "how long an absence assertion watches")
	fs.StringVar(&f.control, "control", os.Getenv("COACHSIM_CONTROL_TOKEN"), "with --target: the token of the target's coachsim control API (coachsim serve --control), so that absence assertions end once it is quiescent (default: $COACHSIM_CONTROL_TOKEN)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usagef("conform: %v", err)
	}
	if fs.NArg() > 0 {
		return usagef("conform: unexpected argument %q", fs.Arg(0))
	}
	seed, err := parseSeed(f.random)
	if err != nil {
		return err
	}
	opts := steps.Options{Deadline: f.deadline, Quiet: f.quiet, Profile: steps.DefaultProfile(), ControlToken: f.control}
	if f.profile != "" {
		if opts.Profile, err = loadProfile(f.profile); err != nil {
			return err
		}
	}
	var expectations reports.Expectations
	if f.expect != "" {
		if expectations, err = reports.LoadExpectations(f.expect); err != nil {
			return usagef("conform: %v", err)
		}
	}
	targetName := "embedded simulator"
	if f.target != "" {
		opts.Target = steps.SharedTarget(strings.TrimSuffix(f.target, "/"))
		targetName = f.target
	} else {
		opts.Target = embedded.Target{}
	}
	version, err := steps.Probe(ctx, opts)
	if err != nil {
		var pe *steps.ProbeError
		if errors.As(err, &pe) {
			return &unreachableError{msg: err.Error()}
		}
		return usagef("conform: %v", err)
	}

	start := time.Now()
	// The console shows our own progress unless a godog formatter was asked for.
	var godogOut io.Writer = io.Discard
	var prog *progress
	if f.format == "" {
		f.format = "progress"
		prog = newProgress(stdout)
	} else {
		godogOut = stdout
	}
	ro := steps.RunOptions{Options: opts, Features: features.Files(), Tags: f.tags, Format: f.format,
		Output: godogOut, Concurrency: f.concurrency, Randomize: seed, Name: "coachsim conformance"}
	if prog != nil {
		ro.OnScenario = prog.scenario
	}
	if seed != 0 {
		fmt.Fprintf(stdout, "coachsim conform: target %s (version %s), scenario order seed %d\n", targetName, version, seed)
	} else {
		fmt.Fprintf(stdout, "coachsim conform: target %s (version %s), file order\n", targetName, version)
	}
	status, feats := steps.Run(ctx, ro)
	if prog != nil {
		prog.finish()
	}
	if status == 2 {
		return usagef("conform: the suite could not run (see the output above)")
	}
	feats = retryFailures(ctx, ro, feats, f.retries, stdout)
	run := reports.Run{Target: targetName, Version: version, Started: start, Finished: time.Now(), Seed: seed,
		Features: feats, KnownOperations: knownOperations, KnownNotificationTypes: knownNotificationTypes}
	expectations.Apply(&run)
	feats = run.Features
	if f.out != "" {
		if err := writeReports(f.out, run); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "reports: %s\n", strings.Join(reportFiles(f.out), ", "))
	}
	counts := tally(feats)
	fmt.Fprintf(stdout, "\n%s\nwall time %s\n", counts, time.Since(start).Round(time.Millisecond))
	if reports.ExitStatus(run) != 0 {
		return &failedError{msg: "conformance run failed: " + counts}
	}
	return nil
}

func parseSeed(s string) (int64, error) {
	switch s {
	case "false", "0", "":
		return 0, nil
	case "true":
		return time.Now().UnixNano()%1_000_000_000 + 1, nil
	}
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		return 0, usagef("conform: --random must be true, false or a number, not %q", s)
	}
	return n, nil
}

// loadProfile reads a run profile (features/README.md, "Run model").
func loadProfile(path string) (steps.Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return steps.Profile{}, usagef("conform: reading profile: %v", err)
	}
	p := steps.DefaultProfile()
	var doc steps.Profile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return steps.Profile{}, usagef("conform: profile %s: %v", path, err)
	}
	for role, cred := range doc.Roles {
		if _, known := p.Roles[role]; !known {
			return steps.Profile{}, usagef("conform: profile %s: unknown role %q (roles: customer1, customer2, agent1, agent2, agent3, supervisor1, supervisor2)", path, role)
		}
		if cred.User == "" {
			return steps.Profile{}, usagef("conform: profile %s: role %s has no user", path, role)
		}
		p.Roles[role] = cred
	}
	if doc.RoutingPoint != "" {
		p.RoutingPoint = doc.RoutingPoint
	}
	p.SIPCluster = doc.SIPCluster
	p.CometDMaxInterval = doc.CometDMaxInterval
	p.Pool = doc.Pool
	if _, err := steps.NewRolePool(p); err != nil {
		return steps.Profile{}, usagef("conform: profile %s: %v", path, err)
	}
	return p, nil
}

// retryFailures re-runs scenarios that failed unexpectedly, up to n times; one that passes on a retry is
// Flaky, never Passed.
func retryFailures(ctx context.Context, ro steps.RunOptions, feats []reports.Feature, n int, out io.Writer) []reports.Feature {
	for attempt := 2; attempt <= n+1; attempt++ {
		var ids []string
		for _, f := range feats {
			for _, s := range f.Scenarios {
				if s.Outcome == reports.Failed && s.ID != "" {
					ids = append(ids, "@"+baseID(s.ID))
				}
			}
		}
		if len(ids) == 0 {
			return feats
		}
		ids = dedupe(ids)
		fmt.Fprintf(out, "\nretry %d of %d: %s\n", attempt-1, n, strings.Join(ids, " "))
		r := ro
		r.Tags = strings.Join(ids, ",")
		if ro.Tags != "" {
			r.Tags = ro.Tags + " && (" + strings.Join(ids, ",") + ")"
		}
		_, again := steps.Run(ctx, r)
		byID := map[string]reports.Scenario{}
		for _, f := range again {
			for _, s := range f.Scenarios {
				byID[s.ID] = s
			}
		}
		for fi := range feats {
			for si := range feats[fi].Scenarios {
				s := &feats[fi].Scenarios[si]
				if s.Outcome != reports.Failed {
					continue
				}
				if re, ok := byID[s.ID]; ok {
					attempts := s.Attempts + 1
					if re.Outcome == reports.Passed {
						re.Outcome = reports.Flaky
					}
					re.Attempts = attempts
					*s = re
				}
			}
		}
	}
	return feats
}

func baseID(id string) string {
	if i := strings.Index(id, "/"); i >= 0 {
		return id[:i]
	}
	return id
}

func dedupe(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func tally(feats []reports.Feature) string {
	counts := map[reports.Outcome]int{}
	total := 0
	for _, f := range feats {
		for _, s := range f.Scenarios {
			counts[s.Outcome]++
			total++
		}
	}
	var parts []string
	for _, o := range []reports.Outcome{reports.Passed, reports.Failed, reports.Flaky, reports.ExpectedFailure,
		reports.UnexpectedPass, reports.Skipped, reports.Undefined, reports.Pending} {
		if counts[o] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[o], o))
		}
	}
	return fmt.Sprintf("%d scenarios: %s", total, strings.Join(parts, ", "))
}

var reportWriters = []struct {
	name  string
	write func(io.Writer, reports.Run) error
}{
	{"junit.xml", reports.WriteJUnit},
	{"cucumber.json", reports.WriteCucumberJSON},
	{"summary.json", reports.WriteSummary},
	{"report.html", reports.WriteHTML},
}

func reportFiles(dir string) []string {
	var out []string
	for _, w := range reportWriters {
		out = append(out, filepath.Join(dir, w.name))
	}
	return out
}

func writeReports(dir string, run reports.Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usagef("conform: --out %s: %v", dir, err)
	}
	for _, w := range reportWriters {
		f, err := os.Create(filepath.Join(dir, w.name))
		if err != nil {
			return usagef("conform: --out: %v", err)
		}
		err = w.write(f, run)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", w.name, err)
		}
	}
	return nil
}

// The operations and notification types behaviour.md names, for the coverage section of summary.json.
var knownOperations = []string{
	"Dial", "Answer", "Hangup", "Hold", "Retrieve", "SingleStepTransfer", "InitiateTransfer", "CompleteTransfer",
	"InitiateConference", "CompleteConference", "Ready", "NotReady", "DoNotDisturbOn", "DoNotDisturbOff",
	"StartContactCenterSession", "EndContactCenterSession", "ListenIn", "Coach", "BargeIn",
	"CancelSupervisorMonitoring", "SwitchToListenIn", "SwitchToBargeIn", "MuteMonitoredUser", "UnmuteMonitoredUser",
}

var knownNotificationTypes = []string{
	"DeviceStateChangeMessage", "CallStateChangeMessage", "StatusChange", "ParticipantsUpdated",
	"MonitoredUserMutedStateChange",
}
