package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coachsim/coachsim/simulator"
)

// quick is a short load run on the embedded simulator.
var quick = []string{"load", "--agents", "6", "--supervisors", "3", "--rate", "20/s", "--duration", "1s",
	"--answer-delay", "10ms..30ms", "--talk", "20ms..60ms", "--stats-interval", "250ms", "--check-timeout", "1s"}

func TestLoadUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"load", "--rate", "fast"},
		{"load", "--supervised", "120%"},
		{"load", "--talk", "2s..1s"},
		{"load", "--worker", "3/2"},
		{"load", "--max-p99", "answer-to-supervisor"},
		{"load", "--profile", "users.yaml"},        // a profile without a target
		{"load", "--target", "http://127.0.0.1:1"}, // a target without a profile
		{"load", "--duration", "0s"},               // neither a duration nor a call count
		{"load", "merge"},
	} {
		if code, _, stderr := runCmd(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (usage); stderr: %s", args, code, exitUsage, stderr)
		}
	}
}

func TestLoadPassesAndWritesItsFiles(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, append(quick, "--supervised", "50%", "--out", out,
		"--max-p99", "answer-to-supervisor=10s", "--max-errors", "0%")...)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	for _, f := range []string{"load.csv", "load.json", "load.hlog", "load.html"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	csv, _ := os.ReadFile(filepath.Join(out, "load.csv"))
	if rows := strings.Count(string(csv), "\n") - 1; rows < 4 {
		t.Errorf("load.csv has %d rows, want one per 250 ms interval of the 1 s run at least:\n%s", rows, csv)
	}
	var sum struct {
		Counters struct{ Attempted, Violations int64 }
		Failures []string `json:"thresholdFailures"`
	}
	data, _ := os.ReadFile(filepath.Join(out, "load.json"))
	if err := json.Unmarshal(data, &sum); err != nil || sum.Counters.Attempted != 20 || len(sum.Failures) != 0 {
		t.Fatalf("load.json: %v, %+v", err, sum)
	}
}

func TestLoadDeviationExitsOneNamingTheRule(t *testing.T) {
	loadSimOptions = []simulator.Option{simulator.WithDeviations(simulator.Deviations{AgentScopeKeepsSupervisor: true})}
	defer func() { loadSimOptions = nil }()
	code, stdout, stderr := runCmd(t, append(quick, "--supervised", "100%", "--transferred", "100%")...)
	if code != exitFailed || !strings.Contains(stderr, "SUP-SCOPE-009") {
		t.Fatalf("exit %d, want 1 naming SUP-SCOPE-009\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}

func TestLoadThresholdExceeded(t *testing.T) {
	code, _, stderr := runCmd(t, append(quick, "--max-p99", "answer-to-agent=1us")...)
	if code != exitFailed || !strings.Contains(stderr, "p99 answer-to-agent") {
		t.Fatalf("exit %d, want 1 naming the p99 bound; stderr: %s", code, stderr)
	}
}

func TestLoadUnreachableTarget(t *testing.T) {
	profile := filepath.Join(t.TempDir(), "users.yaml")
	if err := os.WriteFile(profile, []byte("customers: [{user: c, password: p}]\nagents: [{user: a, password: p}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCmd(t, "load", "--target", "http://127.0.0.1:1", "--profile", profile, "--duration", "1s")
	if code != exitUnreachable {
		t.Fatalf("exit %d, want %d; stderr: %s", code, exitUnreachable, stderr)
	}
}

func TestLoadStoppedEarlyIsNotASuccess(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut strings.Builder
	done := make(chan int)
	go func() {
		done <- run(ctx, append(quick[:len(quick):len(quick)], "--duration", "1m"), &out, &errOut)
	}()
	cancel() // as Ctrl-C would, before the minute is over
	if code := <-done; code != exitFailed || !strings.Contains(errOut.String(), "stopped early") {
		t.Fatalf("exit %d, want 1 saying it stopped early; stderr: %s", code, errOut.String())
	}
}

func TestLoadWorkersMerge(t *testing.T) {
	dir := t.TempDir()
	var dirs []string
	for _, w := range []string{"1/2", "2/2"} {
		d := filepath.Join(dir, strings.ReplaceAll(w, "/", "of"))
		if code, _, stderr := runCmd(t, append(quick, "--worker", w, "--out", d)...); code != exitOK {
			t.Fatalf("worker %s: exit %d: %s", w, code, stderr)
		}
		dirs = append(dirs, d)
	}
	merged := filepath.Join(dir, "merged")
	code, stdout, stderr := runCmd(t, append([]string{"load", "merge", "--out", merged}, dirs...)...)
	if code != exitOK {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	// Each worker ran at half of 20/s for 1 s: 10 calls each, 20 together.
	if !strings.Contains(stdout, "20 planned, 20 attempted") {
		t.Fatalf("merged summary: %s", stdout)
	}
	var sum struct {
		Latency map[string]struct{ Count int64 } `json:"latencyMs"`
	}
	data, _ := os.ReadFile(filepath.Join(merged, "load.json"))
	if err := json.Unmarshal(data, &sum); err != nil || sum.Latency["answer-to-agent"].Count != 20 {
		t.Fatalf("merged load.json: %v; answer-to-agent latencies %d, want 20", err, sum.Latency["answer-to-agent"].Count)
	}
}
