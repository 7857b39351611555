package reports_test

// A headless Chromium driven over the DevTools protocol, with a WebSocket client written on the standard
// library. The protocol is the robust way to learn what a page did: every network request it started
// (Network.requestWillBeSent), every uncaught exception (Runtime.exceptionThrown), console errors
// (Runtime.consoleAPICalled, Log.entryAdded), and screenshots on demand, without scraping log output whose
// wording changes between Chromium versions. Chromium's own --screenshot flag is not used because the
// browser exits right after taking it, before the page can be questioned.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrNoChromium says no Chromium binary was found.
var ErrNoChromium = errors.New("chromium not found")

// findChromium returns the Chromium binary: $COACHSIM_CHROMIUM, else chromium or chromium-browser on PATH.
func findChromium() (string, error) {
	if p := os.Getenv("COACHSIM_CHROMIUM"); p != "" {
		if found, err := exec.LookPath(p); err == nil {
			return found, nil
		}
		return "", fmt.Errorf("%w: COACHSIM_CHROMIUM=%s is not an executable", ErrNoChromium, p)
	}
	for _, name := range []string{"chromium", "chromium-browser", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// browser is one headless Chromium process and a DevTools connection to one page of it.
type browser struct {
	cmd     *exec.Cmd
	ws      *wsConn
	session string // the page's DevTools session
	nextID  int
	events  []cdpMessage // events received and not yet taken

	mu     sync.Mutex
	stderr bytes.Buffer // Chromium's log, for failure messages
	exited chan struct{}
}

type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *cdpError       `json:"error,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
}

type cdpError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// startBrowser starts Chromium headless with the given window size and opens a blank page to drive.
func startBrowser(ctx context.Context, bin, userDataDir string, width, height int) (*browser, error) {
	cmd := exec.Command(bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-extensions", "--mute-audio", "--disable-dev-shm-usage",
		"--user-data-dir="+userDataDir, fmt.Sprintf("--window-size=%d,%d", width, height),
		"--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its helpers share its process group
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	b := &browser{cmd: cmd, exited: make(chan struct{})}
	endpoint := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(errPipe)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			line := sc.Text()
			b.mu.Lock()
			b.stderr.WriteString(line + "\n")
			b.mu.Unlock()
			if rest, ok := strings.CutPrefix(line, "DevTools listening on "); ok {
				select {
				case endpoint <- strings.TrimSpace(rest):
				default:
				}
			}
		}
		_ = cmd.Wait()
		close(b.exited)
	}()
	var wsURL string
	select {
	case wsURL = <-endpoint:
	case <-b.exited:
		return nil, fmt.Errorf("chromium exited before listening for DevTools:\n%s", b.log())
	case <-ctx.Done():
		b.close()
		return nil, fmt.Errorf("chromium did not announce its DevTools endpoint: %w\n%s", ctx.Err(), b.log())
	}
	if b.ws, err = dialWebSocket(ctx, wsURL); err != nil {
		b.close()
		return nil, err
	}
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		b.close()
		return nil, err
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		b.close()
		return nil, err
	}
	b.session = attached.SessionID
	for _, domain := range []string{"Page", "Runtime", "Log", "Network"} {
		if err := b.do(ctx, domain+".enable", nil, nil); err != nil {
			b.close()
			return nil, err
		}
	}
	return b, nil
}

// log is what Chromium printed so far.
func (b *browser) log() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stderr.String()
}

// close asks Chromium to quit, and ends its process group if it has not within a few seconds.
func (b *browser) close() {
	if b.ws != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_ = b.call(ctx, "", "Browser.close", nil, nil)
		cancel()
		_ = b.ws.Close()
	}
	select {
	case <-b.exited:
		return
	case <-time.After(5 * time.Second):
	}
	_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
	<-b.exited
}

// do sends a command to the page.
func (b *browser) do(ctx context.Context, method string, params, result any) error {
	return b.call(ctx, b.session, method, params, result)
}

// call sends a command (to the browser when session is empty) and reads messages until its reply,
// keeping the events that arrive meanwhile.
func (b *browser) call(ctx context.Context, session, method string, params, result any) error {
	b.nextID++
	id := b.nextID
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	if err := b.ws.WriteText(data); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	for {
		m, err := b.read(ctx)
		if err != nil {
			return fmt.Errorf("%s: waiting for the reply: %w", method, err)
		}
		if m.ID != id {
			if m.Method != "" {
				b.events = append(b.events, m)
			}
			continue
		}
		if m.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	}
}

func (b *browser) read(ctx context.Context) (cdpMessage, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(30 * time.Second)
	}
	data, err := b.ws.ReadMessage(deadline)
	if err != nil {
		return cdpMessage{}, err
	}
	var m cdpMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return cdpMessage{}, fmt.Errorf("undecodable DevTools message %q: %w", truncate(string(data), 200), err)
	}
	return m, nil
}

// waitEvent reads until the page sends the named event, keeping every event seen (including that one).
func (b *browser) waitEvent(ctx context.Context, method string) error {
	for _, e := range b.events {
		if e.Method == method {
			return nil
		}
	}
	for {
		m, err := b.read(ctx)
		if err != nil {
			return fmt.Errorf("waiting for %s: %w; events so far: %s", method, err, b.eventNames())
		}
		if m.Method != "" {
			b.events = append(b.events, m)
		}
		if m.Method == method {
			return nil
		}
	}
}

func (b *browser) eventNames() string {
	names := make([]string, len(b.events))
	for i, e := range b.events {
		names[i] = e.Method
	}
	return strings.Join(names, ", ")
}

// takeEvents returns the events received so far and forgets them.
func (b *browser) takeEvents() []cdpMessage {
	ev := b.events
	b.events = nil
	return ev
}

// pageReport is what a page did while loading: requests to anything but file: and data: URLs, and errors.
type pageReport struct {
	External []string
	Errors   []string
}

// open navigates to a URL, waits for the load event, and reports what the page did.
func (b *browser) open(ctx context.Context, u string) (pageReport, error) {
	b.takeEvents()
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	if err := b.do(ctx, "Page.navigate", map[string]any{"url": u}, &nav); err != nil {
		return pageReport{}, err
	}
	if nav.ErrorText != "" {
		return pageReport{}, fmt.Errorf("navigating to %s: %s", u, nav.ErrorText)
	}
	if err := b.waitEvent(ctx, "Page.loadEventFired"); err != nil {
		return pageReport{}, err
	}
	// A round trip after the load event, so events the page sent meanwhile are read too.
	if err := b.do(ctx, "Runtime.evaluate", map[string]any{"expression": "1"}, nil); err != nil {
		return pageReport{}, err
	}
	return b.report(), nil
}

// report sorts the events received so far into external requests and errors.
func (b *browser) report() pageReport {
	var r pageReport
	for _, e := range b.takeEvents() {
		switch e.Method {
		case "Network.requestWillBeSent":
			var p struct {
				Request struct {
					URL string `json:"url"`
				} `json:"request"`
			}
			if json.Unmarshal(e.Params, &p) == nil {
				if u, err := url.Parse(p.Request.URL); err != nil || (u.Scheme != "file" && u.Scheme != "data") {
					r.External = append(r.External, p.Request.URL)
				}
			}
		case "Runtime.exceptionThrown":
			var p struct {
				ExceptionDetails struct {
					Text      string `json:"text"`
					Exception struct {
						Description string `json:"description"`
					} `json:"exception"`
				} `json:"exceptionDetails"`
			}
			_ = json.Unmarshal(e.Params, &p)
			r.Errors = append(r.Errors, "uncaught: "+p.ExceptionDetails.Text+" "+p.ExceptionDetails.Exception.Description)
		case "Runtime.consoleAPICalled":
			var p struct {
				Type string `json:"type"`
				Args []struct {
					Value       any    `json:"value"`
					Description string `json:"description"`
				} `json:"args"`
			}
			_ = json.Unmarshal(e.Params, &p)
			if p.Type == "error" || p.Type == "assert" {
				r.Errors = append(r.Errors, fmt.Sprintf("console.%s: %v", p.Type, p.Args))
			}
		case "Log.entryAdded":
			var p struct {
				Entry struct {
					Level, Source, Text, URL string
				} `json:"entry"`
			}
			_ = json.Unmarshal(e.Params, &p)
			if p.Entry.Level == "error" {
				r.Errors = append(r.Errors, fmt.Sprintf("log (%s): %s %s", p.Entry.Source, p.Entry.Text, p.Entry.URL))
			}
		}
	}
	return r
}

// eval evaluates a JavaScript expression in the page and decodes its value into result.
func (b *browser) eval(ctx context.Context, expr string, result any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := b.do(ctx, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &r); err != nil {
		return err
	}
	if r.ExceptionDetails != nil {
		return fmt.Errorf("evaluating %q: %s %s", expr, r.ExceptionDetails.Text, r.ExceptionDetails.Exception.Description)
	}
	return json.Unmarshal(r.Result.Value, result)
}

// screenshot captures the viewport, or the given page area (x, y, width, height in CSS pixels), as PNG.
func (b *browser) screenshot(ctx context.Context, clip []float64) ([]byte, error) {
	params := map[string]any{"format": "png"}
	if len(clip) == 4 {
		params["clip"] = map[string]any{"x": clip[0], "y": clip[1], "width": clip[2], "height": clip[3], "scale": 1}
		params["captureBeyondViewport"] = true
	}
	var r struct {
		Data string `json:"data"`
	}
	if err := b.do(ctx, "Page.captureScreenshot", params, &r); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(r.Data)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// wsConn is a client WebSocket connection (RFC 6455): text frames out, masked; messages in, reassembled
// from fragments; pings answered.
type wsConn struct {
	conn net.Conn
	r    *bufio.Reader
}

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

func dialWebSocket(ctx context.Context, rawURL string) (*wsConn, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "ws" {
		return nil, fmt.Errorf("not a ws:// URL: %q", rawURL)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	keyBytes := make([]byte, 16)
	_, _ = rand.Read(keyBytes)
	key := base64.StdEncoding.EncodeToString(keyBytes)
	req, _ := http.NewRequest(http.MethodGet, rawURL, nil)
	req.URL.Scheme = "http"
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Key", key)
	req.Header.Set("Sec-WebSocket-Version", "13")
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	if err := req.Write(conn); err != nil {
		conn.Close()
		return nil, err
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("websocket handshake: %w", err)
	}
	resp.Body.Close()
	sum := sha1.Sum([]byte(key + wsGUID))
	if resp.StatusCode != http.StatusSwitchingProtocols ||
		resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		conn.Close()
		return nil, fmt.Errorf("websocket handshake refused: %s", resp.Status)
	}
	_ = conn.SetDeadline(time.Time{})
	return &wsConn{conn: conn, r: br}, nil
}

func (c *wsConn) writeFrame(opcode byte, payload []byte) error {
	header := []byte{0x80 | opcode}
	switch n := len(payload); {
	case n < 126:
		header = append(header, 0x80|byte(n))
	case n <= 0xFFFF:
		header = append(header, 0x80|126, byte(n>>8), byte(n))
	default:
		header = binary.BigEndian.AppendUint64(append(header, 0x80|127), uint64(n))
	}
	mask := make([]byte, 4)
	_, _ = rand.Read(mask)
	header = append(header, mask...)
	masked := make([]byte, len(payload))
	for i, c := range payload {
		masked[i] = c ^ mask[i%4]
	}
	_ = c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := c.conn.Write(append(header, masked...))
	return err
}

// WriteText sends one text message.
func (c *wsConn) WriteText(data []byte) error { return c.writeFrame(0x1, data) }

// ReadMessage returns the next text or binary message, answering pings on the way.
func (c *wsConn) ReadMessage(deadline time.Time) ([]byte, error) {
	if err := c.conn.SetReadDeadline(deadline); err != nil {
		return nil, err
	}
	var msg []byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(c.r, h[:]); err != nil {
			return nil, err
		}
		fin, opcode := h[0]&0x80 != 0, h[0]&0x0F
		n := uint64(h[1] & 0x7F)
		switch n {
		case 126:
			var ext [2]byte
			if _, err := io.ReadFull(c.r, ext[:]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(ext[:]))
		case 127:
			var ext [8]byte
			if _, err := io.ReadFull(c.r, ext[:]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(ext[:])
		}
		var mask []byte
		if h[1]&0x80 != 0 {
			mask = make([]byte, 4)
			if _, err := io.ReadFull(c.r, mask); err != nil {
				return nil, err
			}
		}
		if n > 256<<20 {
			return nil, fmt.Errorf("websocket frame of %d bytes", n)
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(c.r, payload); err != nil {
			return nil, err
		}
		if mask != nil {
			for i := range payload {
				payload[i] ^= mask[i%4]
			}
		}
		switch opcode {
		case 0x8:
			return nil, errors.New("websocket closed by the browser")
		case 0x9:
			if err := c.writeFrame(0xA, payload); err != nil {
				return nil, err
			}
			continue
		case 0xA:
			continue
		}
		msg = append(msg, payload...)
		if fin {
			return msg, nil
		}
	}
}

// Close sends a close frame and closes the connection.
func (c *wsConn) Close() error {
	_ = c.writeFrame(0x8, []byte{0x03, 0xE8})
	return c.conn.Close()
}
