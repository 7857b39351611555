package callgen_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coachsim/coachsim/load/callgen"
)

// TestCSVGolden pins load.csv's columns and cell format: the header and a row with every kind of cell
// (counters, a rate, present and absent percentiles).
func TestCSVGolden(t *testing.T) {
	var b bytes.Buffer
	if err := callgen.WriteCSVHeader(&b); err != nil {
		t.Fatal(err)
	}
	row := callgen.Row{Time: 2 * time.Second, Interval: time.Second,
		Counters: callgen.Counters{Attempted: 50, Answered: 48, Failed: 1, Abandoned: 1, Supervised: 5, Violations: 2, Errors: 3},
		P50: map[string]time.Duration{callgen.MAnswerToAgent: 500 * time.Microsecond, callgen.MDialToRinging: time.Millisecond,
			callgen.MRest: 750 * time.Microsecond},
		P99: map[string]time.Duration{callgen.MAnswerToAgent: 12250 * time.Microsecond, callgen.MDialToRinging: 2 * time.Millisecond,
			callgen.MRest: 9 * time.Millisecond, callgen.MScheduleLag: 125 * time.Microsecond}}
	if err := row.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "load.csv.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Fatalf("load.csv changed; columns may only be appended.\ngot:\n%s\nwant:\n%s", b.String(), want)
	}
}

// chromium finds a headless Chromium ($COACHSIM_CHROMIUM, chromium, chromium-browser).
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("COACHSIM_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("load.html is checked in headless Chromium, which was not found: apt-get install -y chromium " +
		"(Debian's package), or point COACHSIM_CHROMIUM at a Chromium binary")
	return ""
}

// TestHTMLInChromium renders the report of a run with violations in headless Chromium and checks that the
// page loads without a console message or a failed request, that every chart is there, and that the file
// refers to nothing outside itself.
func TestHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	url, users := start(t)
	res, err := callgen.Run(context.Background(), callgen.Options{Target: url, Users: users, Model: model(),
		StatsInterval: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	res.ByRule = map[string]int64{callgen.RuleAgentScope.ID: 2} // a report with violations shows their chart
	res.Violations = []callgen.Violation{{Rule: callgen.RuleAgentScope.ID, Text: callgen.RuleAgentScope.Text, Call: 3,
		CallID: "abc", Evidence: "expected <a Released call> & nothing arrived"}}
	sum := callgen.NewSummary(url, "", model(), res, []string{"violations: 2 > 0 (SUP-SCOPE-009: 2)"})
	dir := t.TempDir()
	if err := sum.WriteHTML(dir); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "load.html"))
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?i)(src|href)\s*=|url\(|<script|@import`).Find(page); m != nil {
		t.Fatalf("load.html refers to something outside itself: %q", m)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--user-data-dir="+t.TempDir(), "--enable-logging=stderr", "--v=0", "--dump-dom", "file://"+filepath.Join(dir, "load.html"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "CONSOLE") || strings.Contains(line, "Failed to load") || strings.Contains(line, "Uncaught") {
			t.Errorf("chromium reported: %s", line)
		}
	}
	dom := stdout.String()
	for _, want := range []string{`aria-label="calls attempted per second"`, `aria-label="latency per interval (ms)"`,
		`aria-label="latency distribution"`, `aria-label="violations by rule"`, "SUP-SCOPE-009", ">FAIL<",
		"expected &lt;a Released call&gt; &amp; nothing arrived"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered page has no %q", want)
		}
	}
}
