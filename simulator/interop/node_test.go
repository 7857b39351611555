package interop_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// nodeDir holds the Node scripts and their pinned dependencies (relative to this package, where go test runs).
const nodeDir = "node"

// nodePackages are the npm packages the scripts require; `make deps` installs them from package-lock.json.
var nodePackages = []string{"cometd", "cometd-nodejs-client", "faye"}

// requireNode fails the current spec, with what to do about it, when node or the pinned npm packages are
// missing. The Node interop specs are never skipped: a machine that cannot run them cannot pass the suite.
func requireNode() string {
	GinkgoHelper()
	node, err := exec.LookPath("node")
	if err != nil {
		Fail("the Node interop specs need Node.js 20 (`node` on PATH) and the pinned npm clients: install Node.js, " +
			"then run `make deps` (" + err.Error() + ")")
	}
	for _, pkg := range nodePackages {
		manifest := filepath.Join(nodeDir, "node_modules", pkg, "package.json")
		if _, err := os.Stat(manifest); err != nil {
			Fail(fmt.Sprintf("npm package %q is not installed in simulator/interop/%s/node_modules: run `make deps` "+
				"(it runs npm ci --prefix simulator/interop/node) (%v)", pkg, nodeDir, err))
		}
	}
	return node
}

// scriptLine is one JSON line a script printed on stdout; the fields cover every kind of line the scripts
// print (see their header comments).
type scriptLine struct {
	Raw        string          `json:"-"`
	Kind       string          `json:"kind"`
	User       string          `json:"user"`
	Channel    string          `json:"channel"`
	Successful bool            `json:"successful"`
	ClientID   string          `json:"clientId"`
	Error      string          `json:"error"`
	Operation  string          `json:"operation"`
	Status     int             `json:"status"`
	Data       json.RawMessage `json:"data"`
}

func (l scriptLine) isMeta(channel string, successful bool) bool {
	return l.Kind == "meta" && l.Channel == channel && l.Successful == successful
}

// script is one running Node script. Its stdout is read line by line by a goroutine into lines; the specs
// read lines concurrently, both under mu. done is closed once stdout is drained and the process has been
// waited for; waitErr is only read after that.
type script struct {
	name   string
	cmd    *exec.Cmd
	cancel context.CancelFunc
	stderr syncBuffer
	done   chan struct{}

	mu      sync.Mutex
	lines   []scriptLine
	badLine []string // stdout lines that are not JSON objects

	waitErr error
}

// startScript runs node node/<name> with args under a deadline; the process is killed when the deadline
// passes or the spec ends.
func startScript(name string, deadline time.Duration, args ...string) *script {
	GinkgoHelper()
	node := requireNode()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	s := &script{name: name, cancel: cancel, done: make(chan struct{})}
	s.cmd = exec.CommandContext(ctx, node, append([]string{filepath.Join(nodeDir, name)}, args...)...)
	s.cmd.Stderr = &s.stderr
	s.cmd.WaitDelay = 2 * time.Second // bound the wait for stdout once the process is gone
	stdout, err := s.cmd.StdoutPipe()
	Expect(err).NotTo(HaveOccurred())
	Expect(s.cmd.Start()).To(Succeed(), "starting node %s", name)
	go s.read(stdout)
	DeferCleanup(func() {
		s.cancel()
		<-s.done
	})
	return s
}

// read collects stdout until EOF, then waits for the process; it runs on its own goroutine.
func (s *script) read(stdout io.Reader) {
	defer close(s.done)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		raw := sc.Text()
		var l scriptLine
		err := json.Unmarshal([]byte(raw), &l)
		l.Raw = raw
		s.mu.Lock()
		if err != nil {
			s.badLine = append(s.badLine, raw)
		} else {
			s.lines = append(s.lines, l)
		}
		s.mu.Unlock()
	}
	s.waitErr = s.cmd.Wait()
	if err := sc.Err(); err != nil && s.waitErr == nil {
		s.waitErr = fmt.Errorf("reading stdout: %w", err)
	}
}

// output returns a copy of the lines printed so far.
func (s *script) output() []scriptLine {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]scriptLine(nil), s.lines...)
}

func (s *script) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// report describes the script's state for failure messages: every stdout line, stderr, and how it ended.
func (s *script) report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "node %s\n--- stdout (%d lines) ---\n", strings.Join(s.cmd.Args[1:], " "), len(s.output()))
	s.mu.Lock()
	for _, l := range s.lines {
		b.WriteString(l.Raw)
		b.WriteByte('\n')
	}
	for _, l := range s.badLine {
		fmt.Fprintf(&b, "(not JSON) %s\n", l)
	}
	s.mu.Unlock()
	fmt.Fprintf(&b, "--- stderr ---\n%s", s.stderr.String())
	if s.exited() {
		fmt.Fprintf(&b, "--- exit: %v ---", describeExit(s.waitErr))
	} else {
		b.WriteString("--- still running ---")
	}
	return b.String()
}

func describeExit(err error) string {
	var exit *exec.ExitError
	switch {
	case err == nil:
		return "status 0"
	case errors.As(err, &exit):
		return exit.String()
	}
	return err.Error()
}

// waitFor waits until pred holds for the lines printed so far; it fails at once if the script exits first and
// after timeout otherwise, with what it waited for and everything the script printed.
func (s *script) waitFor(what string, timeout time.Duration, pred func([]scriptLine) bool) []scriptLine {
	GinkgoHelper()
	var lines []scriptLine
	Eventually(func() error {
		exited := s.exited() // read before the lines, so that lines seen after it are complete
		lines = s.output()
		if pred(lines) {
			return nil
		}
		if exited {
			return StopTrying("the script exited before " + what)
		}
		return errors.New("not yet: " + what)
	}).WithTimeout(timeout).WithPolling(5*time.Millisecond).Should(Succeed(), func() string {
		return "waiting for " + what + "\n" + s.report()
	})
	return lines
}

// succeeds waits for the script to exit and requires status 0 and a final "done" line.
func (s *script) succeeds(timeout time.Duration) []scriptLine {
	GinkgoHelper()
	Eventually(s.done).WithTimeout(timeout).Should(BeClosed(), func() string {
		return "waiting for the script to finish\n" + s.report()
	})
	Expect(s.waitErr).NotTo(HaveOccurred(), func() string { return "the script failed\n" + s.report() })
	lines := s.output()
	Expect(lines).NotTo(BeEmpty(), s.report())
	Expect(lines[len(lines)-1].Kind).To(Equal("done"), func() string { return "the last line is not done\n" + s.report() })
	return lines
}

// count returns how many lines satisfy pred.
func count(lines []scriptLine, pred func(scriptLine) bool) int {
	n := 0
	for _, l := range lines {
		if pred(l) {
			n++
		}
	}
	return n
}

// indexOf returns the index of the first line at or after from that satisfies pred, or -1.
func indexOf(lines []scriptLine, from int, pred func(scriptLine) bool) int {
	for i := from; i < len(lines); i++ {
		if pred(lines[i]) {
			return i
		}
	}
	return -1
}
