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

type peerView struct{ finished, reset bool }

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
		fin, reset, known := peerState(c.Conn)
		v := &peerView{finished: c.finSeen || fin, reset: c.resetSeen}
		if known && !c.halfShut {
			v.reset = v.reset || reset
		}
		c.final = v
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
	v := peerView{finished: c.finSeen, reset: c.resetSeen}
	half := c.halfShut
	c.mu.Unlock()
	if fin, reset, known := peerState(c.Conn); known {
		v.finished = v.finished || fin
		if !half {
			v.reset = v.reset || reset
		}
	}
	return v
}

// PeerGone reports whether the peer has closed or reset the connection: nothing written now can reach it.
func (c *Conn) PeerGone() bool {
	v := c.view()
	return v.finished || v.reset
}

// PeerReset reports whether the peer reset the connection (or a write to it failed): it closed with data of ours
// unread, or our data reached a socket it had already closed. A peer that read everything and then closed
// normally is not reset.
func (c *Conn) PeerReset() bool { return c.view().reset }

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
