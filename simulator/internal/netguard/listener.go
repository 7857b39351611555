package netguard

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// listener counts connections per client address and in all, makes room at a cap by closing connections that
// are not busy, and refuses the rest.
type listener struct {
	net.Listener
	lim Limits
	log *slog.Logger

	mu        sync.Mutex
	conns     map[*Conn]struct{}
	perClient map[string]int
	total     int
	closing   bool
	refused   int64
	evicted   int64
	changed   chan struct{} // closed and replaced on every change of the bookkeeping
}

func newListener(inner net.Listener, lim Limits, log *slog.Logger) *listener {
	return &listener{Listener: inner, lim: lim, log: log, conns: map[*Conn]struct{}{}, perClient: map[string]int{},
		changed: make(chan struct{})}
}

// Accept returns the next admitted connection; refused ones are answered and closed here, without a goroutine.
func (l *listener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		c := &Conn{Conn: nc, l: l, client: clientOf(nc.RemoteAddr()), state: http.StateNew, since: time.Now()}
		victims, reason := l.admit(c)
		for _, v := range victims {
			_ = v.Close()
		}
		if reason == "" {
			return c, nil
		}
		l.refuse(nc, reason)
	}
}

// admit counts c in, choosing the connections to close to make room; reason is non-empty when c is refused.
func (l *listener) admit(c *Conn) (victims []*Conn, reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closing {
		return nil, "the server is shutting down"
	}
	if limit := l.lim.MaxConnsPerClient; limit > 0 && l.perClient[c.client] >= limit {
		v := l.oldestEvictableLocked(c.client)
		if v == nil {
			l.refused++
			l.notifyLocked()
			return nil, fmt.Sprintf("too many connections from %s (limit %d)", c.client, limit)
		}
		victims = append(victims, v)
		l.uncountLocked(v)
	}
	if limit := l.lim.MaxConns; limit > 0 && l.total >= limit {
		v := l.oldestEvictableLocked("")
		if v == nil {
			l.refused++
			l.notifyLocked()
			for _, x := range victims { // keep them: nothing was admitted
				l.countLocked(x)
			}
			return nil, fmt.Sprintf("too many connections (limit %d)", limit)
		}
		victims = append(victims, v)
		l.uncountLocked(v)
	}
	l.evicted += int64(len(victims))
	l.countLocked(c)
	return victims, ""
}

// oldestEvictableLocked is the connection that has been not busy the longest (of client, when given).
func (l *listener) oldestEvictableLocked(client string) *Conn {
	var best *Conn
	var bestSince time.Time
	for c := range l.conns {
		if client != "" && c.client != client {
			continue
		}
		ok, since := c.evictable()
		if ok && (best == nil || since.Before(bestSince)) {
			best, bestSince = c, since
		}
	}
	return best
}

// changes is closed at the next change of the bookkeeping.
func (l *listener) changes() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.changed
}

func (l *listener) notifyLocked() {
	close(l.changed)
	l.changed = make(chan struct{})
}

func (l *listener) notify() {
	l.mu.Lock()
	l.notifyLocked()
	l.mu.Unlock()
}

func (l *listener) countLocked(c *Conn) {
	c.counted = true
	l.conns[c] = struct{}{}
	l.perClient[c.client]++
	l.total++
	l.notifyLocked()
}

func (l *listener) uncountLocked(c *Conn) {
	if !c.counted {
		return
	}
	c.counted = false
	delete(l.conns, c)
	if l.perClient[c.client]--; l.perClient[c.client] <= 0 {
		delete(l.perClient, c.client)
	}
	l.total--
	l.notifyLocked()
}

func (l *listener) release(c *Conn) {
	l.mu.Lock()
	l.uncountLocked(c)
	l.mu.Unlock()
}

// refuse answers a connection it will not serve with 503 and a GWS body, and closes it. The reply fits in the
// socket's send buffer of a new connection, so writing it does not block (and a deadline bounds it anyway).
func (l *listener) refuse(nc net.Conn, reason string) {
	body := fmt.Sprintf(`{"statusCode":4,"statusMessage":"Connection refused: %s; retry later"}`, reason)
	resp := "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n" +
		"Connection: close\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	_ = nc.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	_, _ = nc.Write([]byte(resp))
	_ = nc.Close()
	l.mu.Lock()
	n := l.refused
	l.mu.Unlock()
	if n <= 1 || n%1000 == 0 {
		l.log.Warn("connection refused", "client", clientOf(nc.RemoteAddr()), "reason", reason, "refusedSoFar", n)
	}
}

// connState follows the HTTP server's view of each connection; while closing, connections that are not busy
// are closed as soon as they are seen so.
func (l *listener) connState(nc net.Conn, st http.ConnState) {
	c, ok := nc.(*Conn)
	if !ok {
		return
	}
	c.setState(st, time.Now())
	l.mu.Lock()
	closing := l.closing
	l.mu.Unlock()
	if closing && (st == http.StateNew || st == http.StateIdle) {
		_ = c.Close()
	}
}

// beginClosing refuses new connections and closes every connection that is not busy.
func (l *listener) beginClosing() {
	l.mu.Lock()
	l.closing = true
	var idle []*Conn
	for c := range l.conns {
		if ok, _ := c.evictable(); ok {
			idle = append(idle, c)
		}
	}
	l.mu.Unlock()
	for _, c := range idle {
		_ = c.Close()
	}
}

// Stats are counters of the connection guard.
type Stats struct {
	Open    int   // connections open now
	Refused int64 // connections refused at a cap
	Evicted int64 // connections closed to make room
}

func (l *listener) stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return Stats{Open: l.total, Refused: l.refused, Evicted: l.evicted}
}

func clientOf(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}
