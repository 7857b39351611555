package longpoll

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// StampKey is the member a publisher puts in a message's data (at any depth) to say when it was sent:
// "sentAt":"<Unix time in nanoseconds>" (a JSON string or number). A delivery's latency is the time its
// connect reply had been read minus that stamp; for an open-loop publisher the stamp is the intended send
// time, so a stalled server shows its stall in the percentiles instead of hiding it (coordinated omission).
const StampKey = "sentAt"

var stampNeedle = []byte(`"` + StampKey + `":`)

// Stamp returns the send stamp embedded in data, in Unix nanoseconds.
func Stamp(data []byte) (int64, bool) {
	i := indexOf(data, stampNeedle)
	if i < 0 {
		return 0, false
	}
	rest := data[i+len(stampNeedle):]
	for len(rest) > 0 && (rest[0] == ' ' || rest[0] == '"') {
		rest = rest[1:]
	}
	var n int64
	k := 0
	for ; k < len(rest) && rest[k] >= '0' && rest[k] <= '9'; k++ {
		n = n*10 + int64(rest[k]-'0')
	}
	return n, k > 0
}

func indexOf(s, sep []byte) int {
	for i := 0; i+len(sep) <= len(s); i++ {
		if s[i] == sep[0] && string(s[i:i+len(sep)]) == string(sep) {
			return i
		}
	}
	return -1
}

// FormatStamp is the text of a stamp for t, for publishers.
func FormatStamp(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

// Config describes a fleet of sessions.
type Config struct {
	Endpoint string       // Bayeux URL
	Clients  int          // number of sessions
	HTTP     *http.Client // shared transport; nil: one sized for Clients
	// Credentials gives session i's HTTP Basic user and password (nil: none).
	Credentials func(i int) (user, password string)
	// Channels gives the channels session i subscribes to.
	Channels func(i int) []string
	// SetupConcurrency bounds handshakes and subscriptions in flight while opening (0: 32).
	SetupConcurrency int
}

// Fleet is a set of long-polling sessions recording every stamped delivery.
type Fleet struct {
	clients []*Client
	hc      *http.Client
	own     *http.Transport

	mu        sync.Mutex
	hist      *hdrhistogram.Histogram // latency in microseconds
	delivered int64
	lastAt    int64 // Unix ns of the latest delivery
	unstamped int64
	target    int64
	reached   chan struct{}

	failed   atomic.Pointer[error]
	failedCh chan struct{}
	fail     sync.Once
	cancel   context.CancelFunc
	polling  sync.WaitGroup
}

// NewHistogram is the latency histogram every measurement of this module uses: 1 µs to 10 minutes, three
// significant digits.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(1, int64(10*time.Minute/time.Microsecond), 3)
}

// Open handshakes and subscribes every session, then starts each one's connect loop. Every subscription has
// been confirmed when Open returns, so anything published afterwards reaches every session.
func Open(ctx context.Context, cfg Config) (*Fleet, error) {
	f := &Fleet{hist: NewHistogram(), failedCh: make(chan struct{}), hc: cfg.HTTP}
	if f.hc == nil {
		f.own = &http.Transport{MaxIdleConns: cfg.Clients + 64, MaxIdleConnsPerHost: cfg.Clients + 64,
			IdleConnTimeout: time.Minute}
		f.hc = &http.Client{Transport: f.own}
	}
	f.clients = make([]*Client, cfg.Clients)
	conc := cfg.SetupConcurrency
	if conc <= 0 {
		conc = 32
	}
	work := make(chan int)
	errs := make(chan error, cfg.Clients)
	var setup sync.WaitGroup
	for range min(conc, cfg.Clients) {
		setup.Go(func() {
			for i := range work {
				c := &Client{Endpoint: cfg.Endpoint, HTTP: f.hc}
				if cfg.Credentials != nil {
					c.User, c.Password = cfg.Credentials(i)
				}
				if err := c.Handshake(ctx); err != nil {
					errs <- fmt.Errorf("session %d: %w", i, err)
					continue
				}
				var err error
				for _, ch := range cfg.Channels(i) {
					if err = c.Subscribe(ctx, ch); err != nil {
						break
					}
				}
				if err != nil {
					errs <- fmt.Errorf("session %d: %w", i, err)
					continue
				}
				f.clients[i] = c
			}
		})
	}
	for i := range cfg.Clients {
		work <- i
	}
	close(work)
	setup.Wait()
	close(errs)
	if err := <-errs; err != nil {
		f.closeSessions()
		return nil, err
	}
	pctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	for _, c := range f.clients {
		f.polling.Go(func() { f.poll(pctx, c) })
	}
	return f, nil
}

func (f *Fleet) poll(ctx context.Context, c *Client) {
	var last int64
	for {
		events, err := c.Connect(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			f.setFailed(err)
			return
		}
		at := time.Now().UnixNano()
		for _, e := range events {
			stamp, ok := Stamp(e.Data)
			if !ok {
				f.mu.Lock()
				f.unstamped++
				f.mu.Unlock()
				continue
			}
			if stamp == last { // another notification of the same trigger (e.g. a call's Dialing and Released)
				continue
			}
			last = stamp
			f.record(at, max(at-stamp, 0))
		}
	}
}

func (f *Fleet) record(at, ns int64) {
	f.mu.Lock()
	f.lastAt = max(f.lastAt, at)
	_ = f.hist.RecordValue(max(ns/int64(time.Microsecond), 1))
	f.delivered++
	if f.reached != nil && f.delivered >= f.target {
		close(f.reached)
		f.reached = nil
	}
	f.mu.Unlock()
}

func (f *Fleet) setFailed(err error) {
	f.fail.Do(func() {
		f.failed.Store(&err)
		close(f.failedCh)
	})
}

// Delivered is the number of distinct stamped deliveries so far.
func (f *Fleet) Delivered() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.delivered
}

// LastDelivery is when the latest delivery had been read.
func (f *Fleet) LastDelivery() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Unix(0, f.lastAt)
}

// Unstamped counts delivered messages without a stamp (not measured).
func (f *Fleet) Unstamped() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.unstamped
}

// Reset empties the histogram and the counters (between a warm-up and the measurement).
func (f *Fleet) Reset() {
	f.mu.Lock()
	f.hist.Reset()
	f.delivered, f.unstamped, f.lastAt = 0, 0, 0
	f.mu.Unlock()
}

// Histogram returns a copy of the latency histogram (microseconds).
func (f *Fleet) Histogram() *hdrhistogram.Histogram {
	f.mu.Lock()
	defer f.mu.Unlock()
	return hdrhistogram.Import(f.hist.Export())
}

// ErrTimeout is wrapped by Wait when the deliveries did not all arrive in time.
var ErrTimeout = errors.New("deliveries missing")

// Wait returns once n stamped deliveries have been recorded in total, a session failed, or timeout passed.
func (f *Fleet) Wait(n int64, timeout time.Duration) error {
	f.mu.Lock()
	if f.delivered >= n {
		f.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	f.target, f.reached = n, ch
	f.mu.Unlock()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ch:
		return nil
	case <-f.failedCh:
		return *f.failed.Load()
	case <-t.C:
		f.mu.Lock()
		got := f.delivered
		f.reached = nil
		f.mu.Unlock()
		return fmt.Errorf("%w: %d of %d after %v", ErrTimeout, got, n, timeout)
	}
}

// Err is the first session failure, if any.
func (f *Fleet) Err() error {
	if p := f.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// Close stops every connect loop and disconnects every session.
func (f *Fleet) Close() {
	if f.cancel != nil {
		f.cancel()
	}
	f.polling.Wait()
	f.closeSessions()
	if f.own != nil {
		f.own.CloseIdleConnections()
	}
}

func (f *Fleet) closeSessions() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	work := make(chan *Client)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for c := range work {
				_ = c.Disconnect(ctx)
			}
		})
	}
	for _, c := range f.clients {
		if c != nil && c.clientID != "" {
			work <- c
		}
	}
	close(work)
	wg.Wait()
}
