package netguard

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serve starts a Server with lim on a loopback port; the handler echoes the body length, or answers 400 when
// the body could not be read. /refuse answers 403 without reading the body; /block waits for release.
func serve(t *testing.T, lim Limits) (*Server, string, chan struct{}) {
	s, addr, release, _ := serveWithEntered(t, lim)
	return s, addr, release
}

// serveWithEntered is serve whose /block requests also report, on entered, that their handler runs.
func serveWithEntered(t *testing.T, lim Limits) (*Server, string, chan struct{}, chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	entered := make(chan struct{}, 16)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/refuse":
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `{"statusCode":20,"statusMessage":"Access denied"}`)
			return
		case "/block":
			entered <- struct{}{}
			<-release
		case "/big":
			_, _ = w.Write(make([]byte, 64<<20))
			return
		case "/peer":
			_, _ = io.WriteString(w, "x")
			_ = http.NewResponseController(w).Flush()
			conn := ConnOf(r.Context())
			if conn == nil {
				t.Error("ConnOf: no connection in the request context")
			}
			return
		}
		data, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, err.Error())
			return
		}
		_, _ = fmt.Fprintf(w, "%d", len(data))
	})
	s := Serve(ln, h, lim, nil)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
		s.Close()
	})
	return s, ln.Addr().String(), release, entered
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// readReply reads one HTTP response from c, failing the test when none comes within wait.
func readReply(t *testing.T, c net.Conn, wait time.Duration) (*http.Response, string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(wait))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no reply within %v: %v", wait, err)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// closedWithin reports whether the server closes c within wait (EOF or reset), reading and discarding.
func closedWithin(c net.Conn, wait time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(wait))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

func get(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Get("http://" + addr + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestSlowBodyIsCutAndOthersAreServed(t *testing.T) {
	_, addr, _ := serve(t, Limits{BodyTimeout: 200 * time.Millisecond, MinBodyRate: 1 << 20})
	slow := dial(t, addr)
	_, _ = io.WriteString(slow, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
	// While the slow client is pending, another is served.
	if code, body := get(t, addr, "/echo"); code != 200 || body != "0" {
		t.Fatalf("other client: %d %q", code, body)
	}
	resp, body := readReply(t, slow, 10*time.Second)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, ErrSlowBody.Error()) {
		t.Fatalf("slow body: %d %q, want 400 naming %q", resp.StatusCode, body, ErrSlowBody)
	}
	if !resp.Close || !closedWithin(slow, 10*time.Second) {
		t.Fatal("the slow client's connection stays open")
	}
}

func TestBodyAtTheMinimumRateIsRead(t *testing.T) {
	_, addr, _ := serve(t, Limits{BodyTimeout: 2 * time.Second})
	c := dial(t, addr)
	_, _ = io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
	if resp, body := readReply(t, c, 10*time.Second); resp.StatusCode != 200 || body != "5" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
}

func TestReplyWithoutReadingTheBodyClosesAtOnce(t *testing.T) {
	_, addr, _ := serve(t, Limits{BodyTimeout: time.Hour})
	c := dial(t, addr)
	_, _ = io.WriteString(c, "POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
	resp, _ := readReply(t, c, 10*time.Second) // with an hour of body timeout: only prompt if nothing waits for the body
	if resp.StatusCode != http.StatusForbidden || !resp.Close {
		t.Fatalf("%d, Connection: close %v", resp.StatusCode, resp.Close)
	}
	if !closedWithin(c, 10*time.Second) {
		t.Fatal("connection kept open after a refusal that left the body unread")
	}
}

func TestHeadersMustArriveInTime(t *testing.T) {
	_, addr, _ := serve(t, Limits{ReadHeaderTimeout: 200 * time.Millisecond})
	c := dial(t, addr)
	_, _ = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n")
	if !closedWithin(c, 10*time.Second) {
		t.Fatal("a client that never ends its headers is not cut")
	}
}

func TestIdleConnectionsClose(t *testing.T) {
	_, addr, _ := serve(t, Limits{IdleTimeout: 200 * time.Millisecond})
	c := dial(t, addr)
	_, _ = io.WriteString(c, "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.ReadAll(resp.Body)
	_, err = br.ReadByte()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("an idle keep-alive connection stays open")
	}
}

func TestWriteTimeoutFreesAReplyNobodyReads(t *testing.T) {
	s, addr, _ := serve(t, Limits{WriteTimeout: 300 * time.Millisecond})
	c := dial(t, addr)
	_, _ = io.WriteString(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
	// Never read: the 64 MiB reply cannot fit in the socket buffers, so the write times out and the server
	// closes the connection.
	deadline := time.Now().Add(20 * time.Second)
	for s.Stats().Open > 0 {
		if time.Now().After(deadline) {
			t.Fatal("a reply nobody reads keeps its connection open")
		}
		waitForChange(s)
	}
}

// waitForChange returns when the guard's bookkeeping changes (a connection counted, released, refused, or a
// peer seen leaving), or after a second so that a condition the guard is not told about is checked again.
func waitForChange(s *Server) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	select {
	case <-s.ln.changes():
	case <-ctx.Done():
	}
}

func TestPerClientCapEvictsIdleThenRefuses(t *testing.T) {
	s, addr, release, entered := serveWithEntered(t, Limits{MaxConnsPerClient: 2})
	idle := dial(t, addr) // accepted, never used: may be closed to make room
	busy1 := dial(t, addr)
	_, _ = io.WriteString(busy1, "GET /block HTTP/1.1\r\nHost: x\r\n\r\n")
	<-entered
	waitOpen(t, s, 2)
	busy2 := dial(t, addr) // takes the idle one's place
	_, _ = io.WriteString(busy2, "GET /block HTTP/1.1\r\nHost: x\r\n\r\n")
	<-entered
	if !closedWithin(idle, 10*time.Second) {
		t.Fatal("the never-used connection was not closed to make room")
	}
	refused := dial(t, addr)
	resp, body := readReply(t, refused, 10*time.Second)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"statusCode":4`) ||
		!strings.Contains(body, "too many connections from 127.0.0.1") {
		t.Fatalf("over the cap: %d %q", resp.StatusCode, body)
	}
	if st := s.Stats(); st.Refused != 1 || st.Evicted != 1 {
		t.Fatalf("stats %+v", st)
	}
	close(release)
	for _, c := range []net.Conn{busy1, busy2} {
		if resp, _ := readReply(t, c, 10*time.Second); resp.StatusCode != 200 {
			t.Fatalf("busy connection: %d", resp.StatusCode)
		}
	}
}

func TestGlobalCap(t *testing.T) {
	s, addr, _, entered := serveWithEntered(t, Limits{MaxConns: 1})
	busy := dial(t, addr)
	_, _ = io.WriteString(busy, "GET /block HTTP/1.1\r\nHost: x\r\n\r\n")
	<-entered
	waitOpen(t, s, 1)
	if resp, body := readReply(t, dial(t, addr), 10*time.Second); resp.StatusCode != 503 || !strings.Contains(body, "limit 1") {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
}

func waitOpen(t *testing.T, s *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().Open != n {
		if time.Now().After(deadline) {
			t.Fatalf("open connections %d, want %d", s.Stats().Open, n)
		}
		waitForChange(s)
	}
}

func TestCloseDoesNotWaitForIdleOrUnusedConnections(t *testing.T) {
	s, addr, _ := serve(t, Limits{ShutdownGrace: time.Hour})
	unused := dial(t, addr)
	idle := dial(t, addr)
	_, _ = io.WriteString(idle, "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")
	readReply(t, idle, 10*time.Second)
	waitOpen(t, s, 2)
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second): // the grace is an hour: returning at all proves nothing was waited for
		t.Fatal("Close waits for idle or never-used connections")
	}
	if !closedWithin(unused, 10*time.Second) || !closedWithin(idle, 10*time.Second) {
		t.Fatal("connections left open after Close")
	}
}

func TestCloseGivesRequestsInFlightTheGrace(t *testing.T) {
	s, addr, release, entered := serveWithEntered(t, Limits{ShutdownGrace: time.Hour})
	busy := dial(t, addr)
	_, _ = io.WriteString(busy, "GET /block HTTP/1.1\r\nHost: x\r\n\r\n")
	<-entered
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	// Close is under way once new connections are refused or dropped.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, _ := c.Read(make([]byte, 1))
		_ = c.Close()
		if n == 0 || time.Now().After(deadline) {
			break
		}
	}
	select {
	case <-done:
		t.Fatal("Close returned while a request was in flight")
	default:
	}
	close(release)
	if resp, _ := readReply(t, busy, 20*time.Second); resp.StatusCode != 200 {
		t.Fatalf("request in flight: %d", resp.StatusCode)
	}
	<-done
}

func TestCloseEndsRequestsPastTheGrace(t *testing.T) {
	s, addr, _, entered := serveWithEntered(t, Limits{ShutdownGrace: 100 * time.Millisecond})
	busy := dial(t, addr)
	_, _ = io.WriteString(busy, "GET /block HTTP/1.1\r\nHost: x\r\n\r\n")
	<-entered
	s.Close()
	if !closedWithin(busy, 10*time.Second) {
		t.Fatal("a request past the grace keeps its connection")
	}
}

func TestDeliveryFailedIsSeen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *Conn, 1)
	wrote := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "reply the client will not read")
		_ = http.NewResponseController(w).Flush()
		got <- ConnOf(r.Context())
		<-wrote
	})
	s := Serve(ln, h, Limits{}, nil)
	defer s.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	conn := <-got
	if conn.PeerGone() || conn.DeliveryFailed() {
		t.Fatal("a live peer is reported gone")
	}
	// Wait until the reply has reached the client's socket, then close without reading it: a reset.
	one := make([]byte, 1)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(one); err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for !conn.DeliveryFailed() {
		if time.Now().After(deadline) {
			t.Skip("the platform does not report resets (no TCP_INFO)")
		}
		waitForChange(s)
	}
	if !conn.PeerGone() {
		t.Fatal("reset but not gone")
	}
	close(wrote)
}
