package netguard

import (
	"fmt"
	"time"
)

// Defaults applied to zero fields of Limits.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultBodyTimeout       = 10 * time.Second
	DefaultMinBodyRate       = 4 << 10 // bytes per second
	DefaultWriteTimeout      = 10 * time.Second
	DefaultIdleTimeout       = 30 * time.Second
	DefaultMaxConnsPerClient = 512
	DefaultShutdownGrace     = 5 * time.Second
	// fdReserve is how many file descriptors the default connection cap leaves for everything else the
	// process opens (listener, log files, fixtures, the socket of a connection being refused).
	fdReserve = 32
)

// Limits are the HTTP server's limits. The zero value takes every default; a negative duration or count
// switches that limit off.
type Limits struct {
	// ReadHeaderTimeout bounds the time from the start of a request to the end of its headers (default 10s).
	ReadHeaderTimeout time.Duration
	// BodyTimeout is the time a request body may take beyond what MinBodyRate allows for it (default 10s).
	BodyTimeout time.Duration
	// MinBodyRate is the slowest a body may arrive, in bytes per second (default 4 KiB/s): a body of n bytes
	// must be complete BodyTimeout + n/MinBodyRate after its headers.
	MinBodyRate int
	// WriteTimeout bounds the writing of one reply, counted from the start of the request or, for a reply held
	// by a long poll, from the moment it is written (default 10s). The long-poll hold itself is not limited.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that has no request for this long (default 30s).
	IdleTimeout time.Duration
	// MaxConns caps open connections (default: the file-descriptor limit minus a reserve, at least 16).
	MaxConns int
	// MaxConnsPerClient caps open connections from one client IP address (default 512).
	MaxConnsPerClient int
	// ShutdownGrace is how long Close lets requests in flight finish before closing their connections
	// (default 5s). Idle and never-used connections are closed at once.
	ShutdownGrace time.Duration
}

// WithDefaults returns l with every zero field set to its default and every negative one to 0 (off).
func (l Limits) WithDefaults() Limits {
	dur := func(v *time.Duration, def time.Duration) {
		switch {
		case *v == 0:
			*v = def
		case *v < 0:
			*v = 0
		}
	}
	num := func(v *int, def int) {
		switch {
		case *v == 0:
			*v = def
		case *v < 0:
			*v = 0
		}
	}
	dur(&l.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	dur(&l.BodyTimeout, DefaultBodyTimeout)
	num(&l.MinBodyRate, DefaultMinBodyRate)
	dur(&l.WriteTimeout, DefaultWriteTimeout)
	dur(&l.IdleTimeout, DefaultIdleTimeout)
	num(&l.MaxConns, defaultMaxConns())
	num(&l.MaxConnsPerClient, DefaultMaxConnsPerClient)
	dur(&l.ShutdownGrace, DefaultShutdownGrace)
	return l
}

// String describes the effective limits, for the startup log.
func (l Limits) String() string {
	return fmt.Sprintf("header %v, body %v + %d B/s, write %v, idle %v, conns %d (per client %d), grace %v",
		l.ReadHeaderTimeout, l.BodyTimeout, l.MinBodyRate, l.WriteTimeout, l.IdleTimeout, l.MaxConns,
		l.MaxConnsPerClient, l.ShutdownGrace)
}

// defaultMaxConns leaves fdReserve descriptors (and an eighth of the limit) for the rest of the process.
func defaultMaxConns() int {
	n := openFileLimit()
	if n <= 0 {
		return 4096
	}
	n -= n/8 + fdReserve
	return max(n, 16)
}
