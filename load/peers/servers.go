// Package peers measures coachsim's notification path side by side with two Bayeux servers nobody in this
// project wrote: the Faye server (npm faye) and the CometD project's Node server (npm cometd-nodejs-server),
// both pinned in node/package-lock.json and installed by make deps. Every server is its own process; one
// load client of this module (load/longpoll) drives each in turn with the same shapes, interleaved in rounds,
// and the CPU per delivery is read from the server process's /proc accounting.
//
// coachsim's trigger is a GWS REST operation: client i's user dials a number the environment does not know
// (POST /api/v2/me/devices/{id}/calls, userData {"sentAt": ...}); the call is released at once and its
// notifications carry the user data, so every trigger is one HTTP request and one delivery to the user's
// sessions (the Dialing and Released messages of one call count as one delivery). The peers' trigger is one
// HTTP request to a /trigger route of the peer process that publishes on client i's channel; they are also
// measured publishing in-process (/burst), which coachsim has no counterpart for.
package peers

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/load/longpoll"
	"github.com/coachsim/coachsim/simulator"
)

// Server is one Bayeux server under measurement.
type Server struct {
	Name     string
	Endpoint string // Bayeux URL
	base     string
	pid      int
	cmd      *exec.Cmd
	coachsim bool
	users    int
	hc       *http.Client
	tr       *http.Transport
	log      *os.File
	embedded *simulator.Loopback
}

// Users is the number of generated users in the coachsim environment: one per session of the largest shape.
const Users = 1000

// UserName and DN of generated user i.
func UserName(i int) string { return "agent" + strconv.Itoa(i+1) }
func userDN(i int) string   { return strconv.Itoa(10000 + i) }

// Environment writes the generated coachsim environment (Users agents, password "password") as YAML.
func Environment(n int) []byte {
	var b bytes.Buffer
	b.WriteString("name: bench-peers\nusers:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {userName: %s, password: password, role: agent, device: {dn: %q}}\n", UserName(i), userDN(i))
	}
	return b.Bytes()
}

func newTransport() *http.Transport {
	return &http.Transport{MaxIdleConns: 4096, MaxIdleConnsPerHost: 4096, IdleConnTimeout: time.Minute}
}

// StartCoachsim runs `bin serve` on a free loopback port with the generated environment, the per-client
// connection cap lifted (every session of the benchmark comes from 127.0.0.1) and its log in dir.
func StartCoachsim(ctx context.Context, bin, dir string) (*Server, error) {
	fixture := filepath.Join(dir, "bench-peers.yaml")
	if err := os.WriteFile(fixture, Environment(Users), 0o644); err != nil {
		return nil, err
	}
	s := &Server{Name: "coachsim", coachsim: true, users: Users}
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0", "--fixture", fixture,
		"--max-conns-per-client", "-1", "--max-conns", "-1")
	return s, s.start(cmd, dir, func(line string) (string, bool) {
		// coachsim: serving bench-peers at http://127.0.0.1:PORT (Ctrl-C to stop)
		_, rest, ok := strings.Cut(line, " at http://")
		if !ok {
			return "", false
		}
		addr, _, _ := strings.Cut(rest, " ")
		return "http://" + addr, true
	}, "/api/v2/notifications")
}

// StartPeer runs node dir/peer.js kind (faye or cometd).
func StartPeer(ctx context.Context, nodeDir, kind, dir string) (*Server, error) {
	if _, err := os.Stat(filepath.Join(nodeDir, "node_modules")); err != nil {
		return nil, fmt.Errorf("%s has no node_modules: run make deps", nodeDir)
	}
	s := &Server{Name: kind}
	cmd := exec.CommandContext(ctx, "node", "peer.js", kind)
	cmd.Dir = nodeDir
	return s, s.start(cmd, dir, func(line string) (string, bool) {
		port, ok := strings.CutPrefix(line, "listening ")
		return "http://127.0.0.1:" + strings.TrimSpace(port), ok
	}, "/bayeux")
}

func (s *Server) start(cmd *exec.Cmd, dir string, ready func(string) (string, bool), path string) error {
	var err error
	if s.log, err = os.Create(filepath.Join(dir, s.Name+".log")); err != nil {
		return err
	}
	cmd.Stderr = s.log
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", s.Name, err)
	}
	s.cmd, s.pid = cmd, cmd.Process.Pid
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				s.Close()
				return fmt.Errorf("%s exited before it was ready (log: %s)", s.Name, s.log.Name())
			}
			if base, ok := ready(line); ok {
				s.base, s.Endpoint = base, base+path
				s.tr = newTransport()
				s.hc = &http.Client{Transport: s.tr, Timeout: 30 * time.Second}
				go func() { // keep reading so that the process never blocks on its stdout
					for range lines {
					}
				}()
				return nil
			}
		case <-timeout.C:
			s.Close()
			return fmt.Errorf("%s did not say it was listening within 30s (log: %s)", s.Name, s.log.Name())
		}
	}
}

// Close stops the server process.
func (s *Server) Close() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
	if s.embedded != nil {
		s.embedded.Close()
		s.embedded = nil
	}
	if s.tr != nil {
		s.tr.CloseIdleConnections()
	}
	if s.log != nil {
		_ = s.log.Close()
	}
}

// CPU is the server process's user+system CPU time so far.
func (s *Server) CPU() (time.Duration, error) { return processCPU(s.pid) }

// fleetConfig is the session layout of a shape: clients sessions, each on its own user or channel, or all of
// them on one (fan-out).
func (s *Server) fleetConfig(clients int, fanOut bool, hc *http.Client) longpoll.Config {
	cfg := longpoll.Config{Endpoint: s.Endpoint, Clients: clients, HTTP: hc}
	if s.coachsim {
		cfg.Credentials = func(i int) (string, string) {
			if fanOut {
				return UserName(0), "password"
			}
			return UserName(i), "password"
		}
		cfg.Channels = func(int) []string { return []string{"/v2/me/calls"} }
		return cfg
	}
	cfg.Channels = func(i int) []string {
		if fanOut {
			return []string{"/fan"}
		}
		return []string{"/c/" + strconv.Itoa(i)}
	}
	return cfg
}

// fire returns the HTTP trigger of notification seq for a fleet of clients sessions.
func (s *Server) fire(clients int, fanOut bool) longpoll.Fire {
	return func(ctx context.Context, seq int, stamp time.Time) error {
		target := seq % clients
		if fanOut {
			target = 0
		}
		var req *http.Request
		var err error
		if s.coachsim {
			dn := userDN(target)
			dev, _ := fixtures.DeviceIDForDN(dn)
			body := `{"operationName":"Dial","destination":{"phoneNumber":"99999"},"userData":{"` +
				longpoll.StampKey + `":"` + longpoll.FormatStamp(stamp) + `"}}`
			req, err = http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/api/v2/me/devices/"+dev+"/calls",
				strings.NewReader(body))
			if err != nil {
				return err
			}
			req.SetBasicAuth(UserName(target), "password")
		} else {
			ch := "/c/" + strconv.Itoa(target)
			if fanOut {
				ch = "/fan"
			}
			body := `{"channel":"` + ch + `","` + longpoll.StampKey + `":"` + longpoll.FormatStamp(stamp) + `"}`
			req, err = http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/trigger", strings.NewReader(body))
			if err != nil {
				return err
			}
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.hc.Do(req)
		if err != nil {
			return fmt.Errorf("%s trigger: %w", s.Name, err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || (s.coachsim && !bytes.Contains(data, []byte(`"statusCode":0`))) {
			return fmt.Errorf("%s trigger answered HTTP %d: %s", s.Name, resp.StatusCode, bytes.TrimSpace(data))
		}
		return nil
	}
}

// burst asks a peer to publish count notifications round robin over clients channels from inside its
// process, rate per second (0: as fast as it can).
func (s *Server) burst(ctx context.Context, clients, count int, rate float64) error {
	chans := make([]string, clients)
	for i := range chans {
		chans[i] = `"/c/` + strconv.Itoa(i) + `"`
	}
	body := fmt.Sprintf(`{"channels":[%s],"count":%d,"rate":%g}`, strings.Join(chans, ","), count, rate)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/burst", strings.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s burst answered HTTP %d", s.Name, resp.StatusCode)
	}
	return nil
}

// processCPU reads utime+stime of pid from /proc (Linux).
func processCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	st, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// clockTicks is USER_HZ, 100 on every Linux this runs on.
const clockTicks = 100

// StartEmbeddedCoachsim serves a coachsim simulator of the generated environment inside this process (for
// the smoke test; its CPU figure then includes the load client's own work).
func StartEmbeddedCoachsim(users int) (*Server, error) {
	env, err := fixtures.Parse("bench-peers", Environment(users))
	if err != nil {
		return nil, err
	}
	lb, err := simulator.StartLoopback(env, simulator.WithLimits(simulator.Limits{MaxConnsPerClient: -1}))
	if err != nil {
		return nil, err
	}
	s := &Server{Name: "coachsim", coachsim: true, users: users, pid: os.Getpid(), base: lb.URL,
		Endpoint: lb.URL + "/api/v2/notifications", embedded: lb, tr: newTransport()}
	s.hc = &http.Client{Transport: s.tr, Timeout: 30 * time.Second}
	return s, nil
}
