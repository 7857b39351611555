package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestUsageErrors(t *testing.T) {
	cases := [][]string{
		{},
		{"frobnicate"},
		{"serve", "--no-such-flag"},
		{"serve", "--fixture", "/no/such/file.yaml"},
		{"serve", "extra"},
		{"serve", "--clock", "sundial"},
		{"serve", "--speed", "10"},                       // a speed needs the virtual clock
		{"serve", "--clock", "virtual", "--speed", "-1"}, // no running backwards
		{"serve", "--seed", "minus-one"},
		{"conform", "--random", "sometimes"},
		{"conform", "--profile", "/no/such/profile.yaml"},
	}
	for _, args := range cases {
		code, _, stderr := runCmd(t, args...)
		if code != exitUsage {
			t.Errorf("coachsim %v: exit %d, want %d (stderr %q)", args, code, exitUsage, stderr)
		}
		if args != nil && len(args) > 0 && strings.TrimSpace(stderr) == "" {
			t.Errorf("coachsim %v: no reason printed", args)
		}
	}
}

func TestProfileErrors(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "unknown.yaml")
	_ = os.WriteFile(unknown, []byte("roles:\n  boss1: {user: x, password: y}\n"), 0o644)
	code, _, stderr := runCmd(t, "conform", "--profile", unknown)
	if code != exitUsage || !strings.Contains(stderr, "boss1") {
		t.Errorf("unknown role: exit %d, stderr %q", code, stderr)
	}
	wrong := filepath.Join(dir, "wrong.yaml")
	_ = os.WriteFile(wrong, []byte("roles:\n  agent1: {user: agent1, password: not-it}\n"), 0o644)
	code, _, stderr = runCmd(t, "conform", "--profile", wrong, "--tags", "@SES-AUTH-004")
	if code != exitUnreachable || !strings.Contains(stderr, "agent1") {
		t.Errorf("wrong password: exit %d, stderr %q", code, stderr)
	}
}

func TestConformUnreachableTarget(t *testing.T) {
	code, _, stderr := runCmd(t, "conform", "--target", "http://127.0.0.1:1")
	if code != exitUnreachable || !strings.Contains(stderr, "unreachable") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestConformEmbeddedWritesReports(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := runCmd(t, "conform", "--tags", "@SUP-COACH-001,@SUP-SCOPE-004", "--out", dir)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	for _, name := range []string{"junit.xml", "cucumber.json", "summary.json", "report.html"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", name, err)
		}
	}
	if !strings.Contains(out, "wall time") || !strings.Contains(out, "3 scenarios: 3 passed") {
		t.Errorf("summary line missing:\n%s", out)
	}
}

// deviating serves a simulator that gives a second supervisor statusCode 3 instead of 19.
func deviating(t *testing.T) string {
	lb, err := simulator.StartLoopback(fixtures.Default(), simulator.WithDeviations(simulator.Deviations{InUseAsForbidden: true}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lb.Close)
	return lb.URL
}

func TestConformFailureAndExpectations(t *testing.T) {
	target := deviating(t)
	code, out, _ := runCmd(t, "conform", "--target", target, "--tags", "@SUP-ERR-003")
	if code != exitFailed || !strings.Contains(out, "FAILED") {
		t.Fatalf("deviating target: exit %d\n%s", code, out)
	}

	dir := t.TempDir()
	expect := filepath.Join(dir, "expect.yaml")
	_ = os.WriteFile(expect, []byte("expectedFailures:\n  - id: SUP-ERR-003\n    reason: second supervisor gets 3\n"), 0o644)
	code, out, _ = runCmd(t, "conform", "--target", target, "--tags", "@SUP-ERR-003", "--expect", expect, "--out", dir)
	if code != exitOK {
		t.Fatalf("expected failures must not fail the run: exit %d\n%s", code, out)
	}
	var summary map[string]any
	data, _ := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err := json.Unmarshal(data, &summary); err != nil {
		t.Fatalf("summary.json: %v", err)
	}

	// The same expectation against a correct server is an unexpected pass: the run fails.
	code, out, _ = runCmd(t, "conform", "--tags", "@SUP-ERR-003", "--expect", expect)
	if code != exitFailed {
		t.Fatalf("an unexpected pass must fail the run: exit %d\n%s", code, out)
	}
}

func TestServeStartsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, pw, io.Discard)
		_ = pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no start line: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	i := strings.Index(line, "http://")
	if i < 0 {
		t.Fatalf("start line has no URL: %q", line)
	}
	url := strings.Fields(line[i:])[0]
	resp, err := http.Get(url + "/api/v2/diagnostics/version")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"version"`) {
		t.Fatalf("version: %d %s", resp.StatusCode, body)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("serve exited %d after cancel", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop within 10s of its context ending")
	}
}

// TestDeviatingRunShowsTheEvidence is the reports' acceptance check: a run against a simulator that sends no
// DeviceStateChangeMessage after a subscription writes a junit.xml that a strict XML decoder accepts and that
// names the failing scenario with what was expected and what arrived, and a report.html whose failing
// scenario shows the evidence and the diagram of what each role received.
func TestDeviatingRunShowsTheEvidence(t *testing.T) {
	lb, err := simulator.StartLoopback(fixtures.Default(), simulator.WithDeviations(simulator.Deviations{NoSubscriptionMessage: true}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lb.Close)
	dir := t.TempDir()
	code, out, stderr := runCmd(t, "conform", "--target", lb.URL, "--tags", "@SUP-SUB-001", "--deadline", "1s", "--out", dir)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitFailed, out, stderr)
	}

	data, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	if err := dec.Decode(&suites); err != nil {
		t.Fatalf("junit.xml is not well-formed XML: %v", err)
	}
	var failing []string
	for _, s := range suites.Suites {
		for _, c := range s.Cases {
			if c.Failure == nil {
				continue
			}
			failing = append(failing, c.Name)
			all := c.Failure.Message + "\n" + c.Failure.Text
			if !strings.Contains(c.Name, "SUP-SUB-001") || !strings.Contains(all, "DeviceStateChangeMessage") ||
				!strings.Contains(strings.ToLower(all), "expected") {
				t.Errorf("failing case %q does not name the scenario with expected vs actual:\n%s", c.Name, all)
			}
		}
	}
	if len(failing) == 0 || suites.Failures == 0 {
		t.Fatalf("junit.xml names no failing scenario:\n%s", data)
	}

	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, want := range []string{"SUP-SUB-001", `class="evidence"`, "<svg", "DeviceStateChangeMessage"} {
		if !strings.Contains(html, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

// TestServeScriptedWithControl serves the busy center on a stopped virtual clock with the control API, as the
// README shows: ten minutes advanced over HTTP bring calls, answering agents and supervision, and the log
// tells the story.
func TestServeScriptedWithControl(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	logPath := filepath.Join(t.TempDir(), "serve.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--fixture", "../../fixtures/busy-center.yaml",
			"--clock", "virtual", "--speed", "0", "--seed", "7", "--control", "tok"}, pw, logFile)
		_ = pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no start line: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	base := strings.Fields(line[strings.Index(line, "http://"):])[0]

	control := func(method, path, body string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, base+"/sim/v1"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != 200 || m["statusCode"] != 0.0 {
			t.Fatalf("%s %s: HTTP %d %v %v", method, path, resp.StatusCode, m, err)
		}
		return m
	}
	adv := control(http.MethodPost, "/clock/advance", `{"seconds":600}`)
	if adv["actions"].(float64) < 100 {
		t.Errorf("ten busy minutes took only %v scripted actions", adv["actions"])
	}
	state := control(http.MethodGet, "/state", "")
	if state["seed"] != 7.0 || len(state["calls"].([]any)) == 0 || len(state["supervision"].([]any)) != 3 {
		t.Errorf("state after ten minutes: seed %v, %d calls, %d supervisions", state["seed"],
			len(state["calls"].([]any)), len(state["supervision"].([]any)))
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("serve exited %d", code)
	}
	logs, err := os.ReadFile(logPath) // serve has returned: nothing writes it any more
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`msg="call arrived"`, `msg="call answered"`, `msg="call transferred"`,
		`msg="supervisor on call"`, `msg="call ended"`} {
		if !strings.Contains(string(logs), want) {
			t.Errorf("the log never says %s", want)
		}
	}
}
