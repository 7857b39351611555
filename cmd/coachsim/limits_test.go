package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests run `coachsim serve` in a child process (this test binary, re-executed), so that its file
// descriptor limit and its memory are its own. `make check-limits` runs them at full size with the strict
// latency criterion; `go test` runs them smaller, with event-based assertions only.

const childEnv = "COACHSIM_TEST_SERVE_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		if n, err := strconv.ParseUint(os.Getenv("COACHSIM_TEST_NOFILE"), 10, 64); err == nil && n > 0 {
			if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
				fmt.Fprintln(os.Stderr, "setrlimit:", err)
				os.Exit(3)
			}
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		os.Exit(run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, strings.Fields(os.Getenv("COACHSIM_TEST_ARGS"))...), os.Stdout, io.Discard))
	}
	os.Exit(m.Run())
}

// child is a served simulator in its own process.
type child struct {
	cmd  *exec.Cmd
	base string
}

func startChild(t *testing.T, nofile int, args ...string) *child {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("needs Linux (rlimits and /proc)")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", "COACHSIM_TEST_NOFILE="+strconv.Itoa(nofile), "COACHSIM_TEST_ARGS="+strings.Join(args, " "))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("serve did not start: %v", err)
	}
	m := regexp.MustCompile(`at (http://[0-9.:]+)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no address in %q", line)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return &child{cmd: cmd, base: m[1]}
}

// rss is the child's resident set size in bytes.
func (c *child) rss(t *testing.T) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(data)
	if m == nil {
		t.Fatal("no VmRSS")
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// TestBodyAnnouncingFloodDoesNotLockOthersOut: with 256 file descriptors, 300 connections that announce a body
// and never send it (unauthenticated, on the notification endpoint and on an operation) do not keep a version
// request from being answered.
func TestBodyAnnouncingFloodDoesNotLockOthersOut(t *testing.T) {
	c := startChild(t, 256)
	addr := strings.TrimPrefix(c.base, "http://")
	const flood = 300
	var conns []net.Conn
	defer func() {
		for _, x := range conns {
			_ = x.Close()
		}
	}()
	for i := range flood {
		x, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, x)
		path := "/api/v2/notifications"
		if i%2 == 1 {
			path = "/api/v2/me"
		}
		_, _ = fmt.Fprintf(x, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[", path)
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var worst time.Duration
	for range 5 {
		start := time.Now()
		resp, err := hc.Get(c.base + "/api/v2/diagnostics/version")
		took := time.Since(start)
		if err != nil {
			t.Fatalf("version request during the flood: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"version"`) {
			t.Fatalf("version during the flood: %d %s", resp.StatusCode, body)
		}
		worst = max(worst, took)
	}
	t.Logf("with ulimit -n 256 and %d body-announcing connections: version answered, slowest of 5 in %v", flood, worst)
	if os.Getenv("COACHSIM_STRICT") != "" && worst > time.Second {
		t.Fatalf("slowest version request %v, want under 1s", worst)
	}
}

// TestCookielessBasicRequestsKeepMemory: Basic requests without a cookie leave the RSS within 5 MB.
func TestCookielessBasicRequestsKeepMemory(t *testing.T) {
	c := startChild(t, 0)
	n := envInt("COACHSIM_RSS_REQUESTS", 5000)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	get := func(k int) {
		req, _ := http.NewRequest(http.MethodGet, c.base+"/api/v2/me", nil)
		req.SetBasicAuth([]string{"agent1", "agent2", "supervisor1", "customer1"}[k%4], "password")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("HTTP %d", resp.StatusCode)
		}
	}
	for k := range 2000 { // warm up: buffers, pools and the heap reach their working size
		get(k)
	}
	before := c.rss(t)
	for k := range n {
		get(k)
	}
	after := c.rss(t)
	t.Logf("%d cookie-less Basic requests: RSS %.1f MB -> %.1f MB (%+.2f MB)", n, float64(before)/(1<<20), float64(after)/(1<<20), float64(after-before)/(1<<20))
	if after-before > 5<<20 {
		t.Fatalf("RSS grew by %.1f MB over %d requests, want within 5 MB", float64(after-before)/(1<<20), n)
	}
}
