package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coachsim/coachsim/load/longpoll"
)

// heldSessionsTarget is the memory target of `coachsim serve` holding 10,000 long polls.
const heldSessionsTarget = 300 << 20

// BenchmarkHeldSessionsRSS measures the resident memory of `coachsim serve` (a child process, so that the
// clients' memory is not counted) holding one long-polling CometD session per user, each with its /meta/connect
// held, for an environment of COACHSIM_HELD_SESSIONS users (default 10,000). One op is the whole measurement.
// Reported: MiB-idle (RSS after start), MiB-held (RSS with every connect held), KiB/session and
// x-target (MiB-held over the 300 MiB target).
//
//	make bench-memory
func BenchmarkHeldSessionsRSS(b *testing.B) {
	n := envInt("COACHSIM_HELD_SESSIONS", 10000)
	if runtime.GOOS != "linux" {
		b.Skip("needs Linux (/proc)")
	}
	fixture := filepath.Join(b.TempDir(), "held.yaml")
	var y strings.Builder
	y.WriteString("name: held-sessions\nusers:\n")
	for i := range n {
		fmt.Fprintf(&y, "  - userName: user%d\n    password: password\n    role: agent\n    device:\n      dn: \"%d\"\n", i, 100000+i)
	}
	if err := os.WriteFile(fixture, []byte(y.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		srv := startServeChild(b, n+2048, "--fixture", fixture, "--max-conns-per-client", "-1",
			"--cometd-timeout", "10m", "--cometd-max-interval", "10m", "--idle-timeout", "10m")
		idle := srv.rss(b)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		fleet, err := longpoll.Open(ctx, longpoll.Config{
			Endpoint:    srv.base + "/api/v2/notifications",
			Clients:     n,
			Credentials: func(i int) (string, string) { return fmt.Sprintf("user%d", i), "password" },
			Channels:    func(int) []string { return []string{"/v2/me/*"} },
		})
		if err != nil {
			cancel()
			b.Fatal(err)
		}
		// Every session's connect is on its own connection: the server holds them all once it has that many
		// sockets besides its listener. The count is looked at every 20 ms, within a deadline.
		deadline := time.Now().Add(2 * time.Minute)
		for srv.sockets(b) < n+1 {
			if time.Now().After(deadline) {
				b.Fatalf("the server holds %d sockets after 2 minutes, want %d", srv.sockets(b), n)
			}
			if err := fleet.Err(); err != nil {
				b.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		held := srv.rss(b)
		b.StopTimer()
		fleet.Close()
		cancel()
		srv.stop()
		b.StartTimer()
		b.ReportMetric(float64(idle)/(1<<20), "MiB-idle")
		b.ReportMetric(float64(held)/(1<<20), "MiB-held")
		b.ReportMetric(float64(held-idle)/float64(n)/(1<<10), "KiB/session")
		b.ReportMetric(float64(held)/heldSessionsTarget, "x-target")
	}
}

// serveChild is `coachsim serve` in a child process (this test binary re-executed; see TestMain).
type serveChild struct {
	cmd  *exec.Cmd
	base string
	done bool
}

func startServeChild(b *testing.B, nofile int, args ...string) *serveChild {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", "COACHSIM_TEST_NOFILE="+strconv.Itoa(nofile), "COACHSIM_TEST_ARGS="+strings.Join(args, " "))
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	c := &serveChild{cmd: cmd}
	b.Cleanup(c.stop)
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatalf("serve did not start: %v", err)
	}
	m := regexp.MustCompile(`at (http://[0-9.:]+)`).FindStringSubmatch(line)
	if m == nil {
		b.Fatalf("no address in %q", line)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	c.base = m[1]
	return c
}

func (c *serveChild) stop() {
	if c.done {
		return
	}
	c.done = true
	_ = c.cmd.Process.Signal(os.Interrupt)
	_ = c.cmd.Wait()
}

func (c *serveChild) rss(b *testing.B) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(data)
	if m == nil {
		b.Fatal("no VmRSS")
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10
}

// sockets counts the child's open sockets.
func (c *serveChild) sockets(b *testing.B) int {
	dir := fmt.Sprintf("/proc/%d/fd", c.cmd.Process.Pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if target, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil && strings.HasPrefix(target, "socket:") {
			n++
		}
	}
	return n
}
