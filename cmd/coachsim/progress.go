package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/coachsim/coachsim/reports"
)

// progress prints one line per finished scenario (CI, pipes) or keeps one live status line updated (a
// terminal), and lists failures as they happen in both cases.
type progress struct {
	out   io.Writer
	live  bool
	start time.Time

	mu     sync.Mutex
	done   int
	counts map[reports.Outcome]int
}

func newProgress(out io.Writer) *progress {
	return &progress{out: out, live: isTerminal(out) && os.Getenv("CI") == "", start: time.Now(), counts: map[reports.Outcome]int{}}
}

// isTerminal reports whether w is a character device (an interactive terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (p *progress) scenario(s reports.Scenario) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	p.counts[s.Outcome]++
	label := strings.ToUpper(string(s.Outcome))
	line := fmt.Sprintf("%-6s %s %s (%s)", label, s.ID, s.Name, s.Finished.Sub(s.Started).Round(time.Millisecond))
	if !p.live {
		fmt.Fprintln(p.out, line)
		return
	}
	if s.Outcome != reports.Passed {
		fmt.Fprintf(p.out, "\r\033[K%s\n", line)
		if msg := firstFailure(s); msg != "" {
			fmt.Fprintf(p.out, "       %s\n", strings.ReplaceAll(msg, "\n", "\n       "))
		}
	}
	fmt.Fprintf(p.out, "\r\033[K%d scenarios: %d passed, %d failed  %s", p.done, p.counts[reports.Passed],
		p.counts[reports.Failed], time.Since(p.start).Round(100*time.Millisecond))
}

func (p *progress) finish() {
	if p.live {
		fmt.Fprintln(p.out)
	}
}

func firstFailure(s reports.Scenario) string {
	for _, st := range s.Steps {
		if st.Error != "" {
			msg := st.Error
			if lines := strings.SplitN(msg, "\n", 4); len(lines) > 3 {
				msg = strings.Join(lines[:3], "\n") + "\n..."
			}
			return st.Keyword + st.Text + ": " + msg
		}
	}
	return ""
}
