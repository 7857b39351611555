package netguard

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// Conn is one accepted connection as the guard sees it. Handlers reach it through ConnOf.
type Conn struct {
	net.Conn
	l      *listener
	client string

	mu        sync.Mutex
	state     http.ConnState
	since     time.Time // when state was entered
	probation bool      // a handler said the connection may be closed to make room
	counted   bool      // still counted against the caps
	closed    bool
	halfShut  bool // we closed our sending side
	finSeen   bool // a read returned EOF
	resetSeen bool // a read or write failed because the peer reset the connection
	final     *peerView
}

// peerView is what is known of the peer. lostData: it finished (FIN) while data of ours was unacknowledged —
// it closed before that data arrived, so it never read it (its kernel will answer the data with a reset).
type peerView struct{ finished, reset, lostData bool }

// Read records how the peer ended the connection, if it did.
func (c *Conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil {
		c.noteErr(err, true)
	}
	return n, err
}

// Write records a failure to deliver to the peer.
func (c *Conn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if err != nil {
		c.noteErr(err, false)
	}
	return n, err
}

func (c *Conn) noteErr(err error, reading bool) {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return
	}
	c.mu.Lock()
	switch {
	case reading && errors.Is(err, io.EOF):
		c.finSeen = true
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), !reading && !errors.Is(err, net.ErrClosed):
		c.resetSeen = true
	}
	c.mu.Unlock()
	c.l.notify()
}

// CloseWrite shuts our sending side (the HTTP server does so before closing a connection whose request body
// it did not read).
func (c *Conn) CloseWrite() error {
	c.mu.Lock()
	c.halfShut = true
	c.mu.Unlock()
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Close records what the kernel knows of the peer, releases the connection's place under the caps and closes it.
func (c *Conn) Close() error {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		v := c.liveLocked()
		c.final = &v
	}
	c.mu.Unlock()
	c.l.release(c)
	return c.Conn.Close()
}

// view is the current knowledge about the peer.
func (c *Conn) view() peerView {
	c.mu.Lock()
	if c.final != nil {
		v := *c.final
		c.mu.Unlock()
		return v
	}
	defer c.mu.Unlock()
	return c.liveLocked()
}

// liveLocked combines what reads and writes saw with the kernel's TCP state.
func (c *Conn) liveLocked() peerView {
	v := peerView{finished: c.finSeen, reset: c.resetSeen}
	if fin, reset, unacked, known := peerState(c.Conn); known && !c.halfShut {
		v.finished = v.finished || fin
		v.reset = v.reset || reset
		v.lostData = fin && unacked
	}
	return v
}

// PeerGone reports whether the peer has closed or reset the connection: nothing written now can reach it.
func (c *Conn) PeerGone() bool {
	v := c.view()
	return v.finished || v.reset
}

// DeliveryFailed reports whether data written on the connection may not have reached the peer's reader: the
// peer reset the connection (it closed with our data unread, or our data reached a socket it had already
// closed), a write failed, or the peer closed while our data was still unacknowledged. A peer that received
// everything and then closed normally, or that keeps the connection open, has not failed delivery.
func (c *Conn) DeliveryFailed() bool {
	v := c.view()
	return v.reset || v.lostData
}

func (c *Conn) setState(st http.ConnState, now time.Time) {
	c.mu.Lock()
	c.state, c.since = st, now
	c.mu.Unlock()
}

// evictable reports whether the connection is not busy: never used, idle between requests, or on probation.
func (c *Conn) evictable() (bool, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false, c.since
	}
	return c.state == http.StateNew || c.state == http.StateIdle || c.probation, c.since
}
