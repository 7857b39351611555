package callgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Options configure a run.
type Options struct {
	Target string // base URL of the server
	Users  Users
	Model  Model
	// Concurrent bounds the calls in progress (0: one per agent).
	Concurrent int
	// CheckTimeout is how long each expected notification may take before it counts as missing (default 5s).
	CheckTimeout time.Duration
	// StatsInterval is the length of a statistics interval (default 1s).
	StatsInterval time.Duration
	// OnInterval receives each interval's row as it ends (the CSV writer, the progress line).
	OnInterval func(Row)
	// HistogramLog, when set, receives every interval's histograms in HdrHistogram's interval log format,
	// one per measurement tagged with its name, so that the runs of several workers can be merged.
	HistogramLog io.Writer
}

// Result is what a run measured.
type Result struct {
	Planned    int                                `json:"planned"`
	Counters   Counters                           `json:"counters"`
	ByRule     map[string]int64                   `json:"violationsByRule"`
	Violations []Violation                        `json:"violations"`
	Latency    map[string]Percentiles             `json:"latency"`
	Elapsed    time.Duration                      `json:"-"`
	Stopped    bool                               `json:"stoppedEarly"` // the run ended before its plan did
	Errors     []string                           `json:"errorSamples,omitempty"`
	Rows       []Row                              `json:"-"`
	Histograms map[string]*hdrhistogram.Histogram `json:"-"`
}

// Percentiles summarise one histogram, in milliseconds.
type Percentiles struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p99.9"`
	Max   float64 `json:"max"`
}

// Summarise reads the percentiles of a histogram in microseconds.
func Summarise(h *hdrhistogram.Histogram) Percentiles {
	ms := func(v int64) float64 { return float64(v) / 1000 }
	return Percentiles{Count: h.TotalCount(), P50: ms(h.ValueAtQuantile(50)), P90: ms(h.ValueAtQuantile(90)),
		P99: ms(h.ValueAtQuantile(99)), P999: ms(h.ValueAtQuantile(99.9)), Max: ms(h.Max())}
}

// SetupError says the target could not be reached or its users could not log in (exit code 3).
type SetupError struct{ Err error }

func (e *SetupError) Error() string { return "target unreachable: " + e.Err.Error() }
func (e *SetupError) Unwrap() error { return e.Err }

type runner struct {
	ctx   context.Context
	opts  Options
	stats *stats
	start time.Time

	customers, agents, supervisors []*member
	freeAgents                     chan int
	freeSups                       chan int

	errMu  sync.Mutex
	errors []string
}

func (r *runner) noteError(what string, err error) {
	if r.ctx.Err() != nil {
		return
	}
	r.errMu.Lock()
	if len(r.errors) < 20 {
		r.errors = append(r.errors, what+": "+evidence(err))
	}
	r.errMu.Unlock()
}

// wait lets d pass unless the run is stopped first.
func (r *runner) wait(d time.Duration) bool {
	if d <= 0 {
		return r.ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.ctx.Done():
		return false
	}
}

// Run logs every user in, plays the model's calls on its open-loop schedule and returns what it measured.
// When ctx ends first the result says Stopped.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if opts.CheckTimeout <= 0 {
		opts.CheckTimeout = 5 * time.Second
	}
	if opts.StatsInterval <= 0 {
		opts.StatsInterval = time.Second
	}
	u := opts.Users
	if len(u.Agents) == 0 || len(u.Customers) < len(u.Agents) {
		return nil, fmt.Errorf("the users need at least one agent and a customer for every agent (%d agents, %d customers)",
			len(u.Agents), len(u.Customers))
	}
	n := len(u.Customers[:len(u.Agents)]) + len(u.Agents) + len(u.Supervisors)
	tr := &http.Transport{MaxIdleConns: 4 * n, MaxIdleConnsPerHost: 4 * n, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	poll := &http.Client{Transport: tr}

	setupCtx, cancelSetup := context.WithTimeout(ctx, 60*time.Second)
	defer cancelSetup()
	open := func(accts []Account) ([]*member, error) {
		ms := make([]*member, len(accts))
		errs := make([]error, len(accts))
		sem := make(chan struct{}, 16)
		var wg sync.WaitGroup
		for i, a := range accts {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				ms[i], errs[i] = openMember(setupCtx, opts.Target, a, tr, poll)
			})
		}
		wg.Wait()
		return ms, errors.Join(errs...)
	}
	r := &runner{opts: opts, stats: newStats()}
	var err error
	if r.customers, err = open(u.Customers[:len(u.Agents)]); err == nil {
		if r.agents, err = open(u.Agents); err == nil {
			r.supervisors, err = open(u.Supervisors)
		}
	}
	if err != nil {
		if ctx.Err() != nil { // stopped while logging in: a run that stopped early, not an unreachable target
			return &Result{Planned: opts.Model.Planned(), Stopped: true, ByRule: map[string]int64{},
				Latency: map[string]Percentiles{}}, nil
		}
		return nil, &SetupError{err}
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	r.ctx = runCtx
	listenCtx, stopListening := context.WithCancel(context.Background())
	var listening sync.WaitGroup
	sessionErr := make(chan error, 1)
	for _, group := range [][]*member{r.customers, r.agents, r.supervisors} {
		for _, m := range group {
			listening.Go(func() {
				m.listen(listenCtx, func(err error) {
					select {
					case sessionErr <- err:
					default:
					}
					stop()
				})
			})
		}
	}
	defer func() {
		stopListening()
		listening.Wait()
		dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, group := range [][]*member{r.customers, r.agents, r.supervisors} {
			for _, m := range group {
				_ = m.poll.Disconnect(dctx)
			}
		}
	}()

	r.freeAgents = make(chan int, len(r.agents))
	for i := range r.agents {
		r.freeAgents <- i
	}
	r.freeSups = make(chan int, len(r.supervisors))
	for i := range r.supervisors {
		r.freeSups <- i
	}
	concurrent := opts.Concurrent
	if concurrent <= 0 {
		concurrent = len(r.agents)
	}
	slots := make(chan struct{}, concurrent)

	var hlog *hdrhistogram.HistogramLogWriter
	if opts.HistogramLog != nil {
		hlog = hdrhistogram.NewHistogramLogWriter(opts.HistogramLog)
		_ = hlog.OutputLogFormatVersion()
		_ = hlog.OutputStartTime(time.Now().UnixMilli())
		_ = hlog.OutputLegend()
	}
	res := &Result{Planned: opts.Model.Planned()}
	r.start = time.Now()
	var ticking sync.WaitGroup
	tickDone := make(chan struct{})
	emit := func(now time.Time, last time.Time) {
		row, hs := r.stats.cut(now.Sub(r.start), now.Sub(last))
		res.Rows = append(res.Rows, row)
		if opts.OnInterval != nil {
			opts.OnInterval(row)
		}
		if hlog != nil {
			for _, h := range hs {
				h.SetStartTimeMs(last.UnixMilli())
				h.SetEndTimeMs(now.UnixMilli())
				_ = hlog.OutputIntervalHistogram(h)
			}
		}
	}
	ticking.Go(func() {
		t := time.NewTicker(opts.StatsInterval)
		defer t.Stop()
		last := r.start
		for {
			select {
			case now := <-t.C:
				emit(now, last)
				last = now
			case <-tickDone:
				emit(time.Now(), last)
				return
			}
		}
	})

	var calls sync.WaitGroup
	timer := time.NewTimer(0)
	<-timer.C
schedule:
	for seq := 0; ; seq++ {
		p, ok := opts.Model.Call(seq)
		if !ok {
			break
		}
		if d := time.Until(r.start.Add(p.At)); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-runCtx.Done():
				timer.Stop()
				break schedule
			}
		} else if runCtx.Err() != nil {
			break
		}
		r.stats.count(func(k *Counters) { k.Attempted++ })
		select {
		case slots <- struct{}{}:
		default:
			r.stats.count(func(k *Counters) { k.Abandoned++ })
			continue
		}
		calls.Go(func() {
			defer func() { <-slots }()
			r.place(p)
		})
	}
	calls.Wait()
	close(tickDone)
	ticking.Wait()
	res.Elapsed = time.Since(r.start)

	r.stats.mu.Lock()
	res.Counters = r.stats.counts
	res.ByRule = r.stats.byRule
	res.Violations = r.stats.violations
	res.Latency = map[string]Percentiles{}
	res.Histograms = r.stats.total
	for name, h := range r.stats.total {
		res.Latency[name] = Summarise(h)
	}
	r.stats.mu.Unlock()
	res.Errors = r.errors
	res.Stopped = runCtx.Err() != nil
	select {
	case err := <-sessionErr:
		res.Errors = append(res.Errors, err.Error())
	default:
	}
	return res, nil
}

// place takes a free agent (with its customer) and, when the call is supervised and a supervisor is free,
// a supervisor, and plays the call.
func (r *runner) place(p PlannedCall) {
	var ai int
	t := time.NewTimer(r.opts.CheckTimeout)
	select {
	case ai = <-r.freeAgents:
		t.Stop()
	case <-t.C:
		r.stats.count(func(k *Counters) { k.Abandoned++ })
		return
	case <-r.ctx.Done():
		t.Stop()
		return
	}
	defer func() { r.freeAgents <- ai }()
	c := &callRun{r: r, p: p}
	c.log = newLog()
	cust, ag := r.customers[ai], r.agents[ai]
	cust.attach(c.log, "customer")
	ag.attach(c.log, "agent")
	defer cust.detach()
	defer ag.detach()

	var sup *member
	if p.Supervised() {
		select {
		case si := <-r.freeSups:
			sup = r.supervisors[si]
			sup.attach(c.log, "supervisor")
			r.stats.count(func(k *Counters) { k.Supervised++ })
			defer func() { sup.detach(); r.freeSups <- si }()
		default:
		}
	}
	var ag2 *member
	if p.Transfer {
		select {
		case bi := <-r.freeAgents:
			ag2 = r.agents[bi]
			ag2.attach(c.log, "agent2")
			defer func() { ag2.detach(); r.freeAgents <- bi }()
		default:
		}
	}
	if err := c.run(cust, ag, sup, ag2); err != nil && r.ctx.Err() == nil {
		r.stats.count(func(k *Counters) { k.Failed++ })
	}
}
