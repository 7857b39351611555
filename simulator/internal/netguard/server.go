package netguard

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Server serves one handler on one listener within Limits.
type Server struct {
	srv  *http.Server
	ln   *listener
	lim  Limits
	done chan error
}

type ctxKey int

const (
	connKey ctxKey = iota + 1
	requestKey
)

// Serve starts serving h on ln in the background with lim (zero fields take their defaults).
func Serve(ln net.Listener, h http.Handler, lim Limits, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lim = lim.WithDefaults()
	s := &Server{ln: newListener(ln, lim, log), lim: lim, done: make(chan error, 1)}
	s.srv = &http.Server{
		Handler:           s.guard(h),
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ConnState:         s.ln.connState,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if gc, ok := c.(*Conn); ok {
				return context.WithValue(ctx, connKey, gc)
			}
			return ctx
		},
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	go func() { s.done <- s.srv.Serve(s.ln) }()
	return s
}

// Limits are the effective limits.
func (s *Server) Limits() Limits { return s.lim }

// Stats reports the connection counters.
func (s *Server) Stats() Stats { return s.ln.stats() }

// Done receives what Serve returned: http.ErrServerClosed after Close, another error if serving failed.
func (s *Server) Done() <-chan error { return s.done }

// Close stops accepting, closes idle and never-used connections at once, lets requests in flight finish for
// up to Limits.ShutdownGrace and then closes whatever is left. It returns once serving has stopped.
func (s *Server) Close() {
	s.ln.beginClosing()
	ctx, cancel := context.WithTimeout(context.Background(), s.lim.ShutdownGrace)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
	}
}

// ConnOf is the guarded connection a request arrived on (nil when the handler is not served by a Server).
func ConnOf(ctx context.Context) *Conn {
	c, _ := ctx.Value(connKey).(*Conn)
	return c
}

// Probation marks the request's connection as one that may be closed to make room for others while its
// handler waits for a client that has not proved who it is (on=false ends it).
func Probation(ctx context.Context, on bool) {
	if c := ConnOf(ctx); c != nil {
		c.mu.Lock()
		c.probation = on
		c.mu.Unlock()
	}
}

// BeforeWrite restarts the write deadline for a reply about to be written after a wait (a long poll's hold).
func BeforeWrite(ctx context.Context) {
	if ri, ok := ctx.Value(requestKey).(*requestInfo); ok && ri.writeTimeout > 0 {
		_ = ri.rc.SetWriteDeadline(time.Now().Add(ri.writeTimeout))
	}
}

// ReadBodyWithin reads at most limit bytes of the request body, giving it only until wait from now to arrive
// (a prompt client has sent it with its headers). ok=false when it is larger or late.
func ReadBodyWithin(w http.ResponseWriter, r *http.Request, limit int64, wait time.Duration) (body []byte, ok bool) {
	if b, isSlow := r.Body.(*slowBody); isSlow {
		b.until = time.Now().Add(wait)
	} else {
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(wait))
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil || int64(len(data)) > limit {
		return nil, false
	}
	return data, true
}

type requestInfo struct {
	rc           *http.ResponseController
	writeTimeout time.Duration
}

// guard applies the per-request limits: write deadline, body deadline, and "Connection: close" on a reply that
// leaves the body unread.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		now := time.Now()
		if s.lim.WriteTimeout > 0 {
			_ = rc.SetWriteDeadline(now.Add(s.lim.WriteTimeout))
		}
		gw := &guardedWriter{ResponseWriter: w}
		if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
			b := &slowBody{inner: r.Body, rc: rc, start: now, lim: s.lim}
			b.arm()
			r.Body, gw.body = b, b
		}
		ctx := context.WithValue(r.Context(), requestKey, &requestInfo{rc: rc, writeTimeout: s.lim.WriteTimeout})
		next.ServeHTTP(gw, r.WithContext(ctx))
		if gw.body != nil && !gw.body.done {
			// The handler is done with a body it did not read to the end: the server must not wait for the rest
			// (it would read up to 256 KiB of it to reuse the connection), so reading it now fails at once and
			// the connection closes.
			_ = rc.SetReadDeadline(time.Unix(1, 0))
		}
	})
}

// slowBody enforces the minimum body rate and lifts the read deadline once the body is complete (a held long
// poll must not be cut by it).
type slowBody struct {
	inner io.ReadCloser
	rc    *http.ResponseController
	start time.Time
	lim   Limits
	n     int64
	done  bool
	until time.Time // a tighter deadline set by ReadBodyWithin
}

func (b *slowBody) arm() {
	var deadline time.Time
	if b.lim.BodyTimeout > 0 {
		allow := b.lim.BodyTimeout
		if b.lim.MinBodyRate > 0 {
			allow += time.Duration(float64(b.n) / float64(b.lim.MinBodyRate) * float64(time.Second))
		}
		deadline = b.start.Add(allow)
	}
	if !b.until.IsZero() && (deadline.IsZero() || b.until.Before(deadline)) {
		deadline = b.until
	}
	if !deadline.IsZero() {
		_ = b.rc.SetReadDeadline(deadline)
	}
}

// ErrSlowBody is returned by a body read that ran out of the time the limits allow.
var ErrSlowBody = errors.New("request body arrived too slowly")

func (b *slowBody) Read(p []byte) (int, error) {
	if b.done {
		return b.inner.Read(p)
	}
	b.arm()
	n, err := b.inner.Read(p)
	b.n += int64(n)
	if err == io.EOF {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return n, ErrSlowBody
	}
	return n, err
}

func (b *slowBody) Close() error { return b.inner.Close() }

// guardedWriter adds "Connection: close" to a reply written while the request body is not yet complete.
type guardedWriter struct {
	http.ResponseWriter
	body        *slowBody
	wroteHeader bool
}

func (w *guardedWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.wroteHeader = true
		if w.body != nil && !w.body.done {
			w.Header().Set("Connection", "close")
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *guardedWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

func (w *guardedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
