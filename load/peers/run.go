package peers

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/coachsim/coachsim/load/longpoll"
)

// Shape is one load shape.
type Shape struct {
	Name    string
	Clients int
	FanOut  bool    // every session on one channel (coachsim: every session one user's)
	Rate    float64 // triggers per second, open loop; 0: closed loop, as fast as possible
	Count   int     // triggers sent
	Workers int     // concurrent HTTP triggers
	// InProcess also measures each peer publishing from inside its own process.
	InProcess bool
}

// Deliveries is the number of stamped deliveries the shape expects.
func (sh Shape) Deliveries() int64 {
	if sh.FanOut {
		return int64(sh.Count) * int64(sh.Clients)
	}
	return int64(sh.Count)
}

// Shapes are the four shapes of the peer benchmark at full size; scale (0 < scale ≤ 1) shrinks the counts.
func Shapes(scale float64) []Shape {
	n := func(v int) int { return max(int(float64(v)*scale), 10) }
	return []Shape{
		{Name: "100 clients at 100/s", Clients: 100, Rate: 100, Count: n(500), Workers: 8},
		{Name: "1000 clients, max", Clients: 1000, Count: n(20000), Workers: 64, InProcess: true},
		{Name: "1000 clients at 5000/s", Clients: 1000, Rate: 5000, Count: n(25000), Workers: 64},
		{Name: "fan-out 200 sessions at 50/s", Clients: 200, FanOut: true, Rate: 50, Count: n(250), Workers: 8},
	}
}

// Result is one measurement of one server on one shape.
type Result struct {
	Shape, Server string // Server is "faye", "faye in-process", ...
	Deliveries    int64
	PerSecond     float64
	P50, P99      time.Duration
	CPUPerDeliv   time.Duration
}

// Measure runs shape once against s (inProcess: the peer publishes from inside its process).
func Measure(ctx context.Context, s *Server, sh Shape, inProcess bool) (Result, error) {
	name := s.Name
	if inProcess {
		name += " in-process"
	}
	res := Result{Shape: sh.Name, Server: name}
	tr := &http.Transport{MaxIdleConns: sh.Clients + 64, MaxIdleConnsPerHost: sh.Clients + 64, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	fleet, err := longpoll.Open(ctx, s.fleetConfig(sh.Clients, sh.FanOut, &http.Client{Transport: tr}))
	if err != nil {
		return res, fmt.Errorf("%s, %s: %w", name, sh.Name, err)
	}
	defer fleet.Close()
	cpu0, err := s.CPU()
	if err != nil {
		return res, err
	}
	var start time.Time
	if inProcess {
		start = time.Now()
		err = s.burst(ctx, sh.Clients, sh.Count, sh.Rate)
	} else {
		start, err = longpoll.Drive(ctx, s.fire(sh.Clients, sh.FanOut), longpoll.Plan{Count: sh.Count, Rate: sh.Rate, Workers: sh.Workers})
	}
	if err != nil {
		return res, fmt.Errorf("%s, %s: %w", name, sh.Name, err)
	}
	if err := fleet.Wait(sh.Deliveries(), 60*time.Second); err != nil {
		return res, fmt.Errorf("%s, %s: %w", name, sh.Name, err)
	}
	cpu1, err := s.CPU()
	if err != nil {
		return res, err
	}
	h := fleet.Histogram()
	res.Deliveries = fleet.Delivered()
	res.PerSecond = float64(res.Deliveries) / fleet.LastDelivery().Sub(start).Seconds()
	res.P50 = time.Duration(h.ValueAtQuantile(50)) * time.Microsecond
	res.P99 = time.Duration(h.ValueAtQuantile(99)) * time.Microsecond
	res.CPUPerDeliv = (cpu1 - cpu0) / time.Duration(res.Deliveries)
	return res, nil
}

// Run measures every shape on every server in rounds; within a round the servers take turns, each round
// starting with a different one. It returns every result, round by round.
func Run(ctx context.Context, servers []*Server, shapes []Shape, rounds int, progress io.Writer) ([]Result, error) {
	var all []Result
	for r := range rounds {
		for _, sh := range shapes {
			for k := range servers {
				s := servers[(k+r)%len(servers)]
				modes := []bool{false}
				if sh.InProcess && !s.coachsim {
					modes = append(modes, true)
				}
				for _, in := range modes {
					res, err := Measure(ctx, s, sh, in)
					if err != nil {
						return all, err
					}
					if progress != nil {
						fmt.Fprintf(progress, "round %d  %-30s %-20s %9.0f/s  p50 %-9v p99 %-9v cpu %v/delivery\n",
							r+1, sh.Name, res.Server, res.PerSecond, res.P50, res.P99, res.CPUPerDeliv)
					}
					all = append(all, res)
				}
			}
		}
	}
	return all, nil
}

// Median folds the rounds of each (shape, server) into one result, the median of every figure.
func Median(results []Result) []Result {
	type key struct{ shape, server string }
	var order []key
	groups := map[key][]Result{}
	for _, r := range results {
		k := key{r.Shape, r.Server}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	out := make([]Result, 0, len(order))
	for _, k := range order {
		g := groups[k]
		med := func(f func(Result) float64) float64 {
			v := make([]float64, len(g))
			for i, r := range g {
				v[i] = f(r)
			}
			slices.Sort(v)
			if len(v)%2 == 1 {
				return v[len(v)/2]
			}
			return (v[len(v)/2-1] + v[len(v)/2]) / 2
		}
		out = append(out, Result{Shape: k.shape, Server: k.server,
			Deliveries:  int64(med(func(r Result) float64 { return float64(r.Deliveries) })),
			PerSecond:   med(func(r Result) float64 { return r.PerSecond }),
			P50:         time.Duration(med(func(r Result) float64 { return float64(r.P50) })),
			P99:         time.Duration(med(func(r Result) float64 { return float64(r.P99) })),
			CPUPerDeliv: time.Duration(med(func(r Result) float64 { return float64(r.CPUPerDeliv) })),
		})
	}
	return out
}

// Print writes the medians as a table and, for each shape, coachsim's ratios to every other server.
func Print(w io.Writer, medians []Result, rounds int) {
	fmt.Fprintf(w, "\nmedians of %d interleaved rounds\n", rounds)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "shape\tserver\tdeliveries/s\tp50\tp99\tCPU/delivery\t")
	for _, r := range medians {
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%v\t%v\t%v\t\n", r.Shape, r.Server, r.PerSecond, r.P50.Round(time.Microsecond),
			r.P99.Round(time.Microsecond), r.CPUPerDeliv.Round(100*time.Nanosecond))
	}
	tw.Flush()
	fmt.Fprintln(w, "\ncoachsim / peer (deliveries/s: above 1 is better; p50, p99, CPU: below 1 is better)")
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "shape\tpeer\tdeliveries/s\tp50\tp99\tCPU/delivery\t")
	for _, c := range medians {
		if c.Server != "coachsim" {
			continue
		}
		for _, p := range medians {
			if p.Shape != c.Shape || p.Server == "coachsim" {
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", c.Shape, p.Server, ratio(c.PerSecond, p.PerSecond),
				ratio(float64(c.P50), float64(p.P50)), ratio(float64(c.P99), float64(p.P99)),
				ratio(float64(c.CPUPerDeliv), float64(p.CPUPerDeliv)))
		}
	}
	tw.Flush()
	fmt.Fprintln(w, "\n"+targets(medians))
}

// ratio is a/b with two decimals, or n/a when b is zero (a CPU figure below the clock tick).
func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// targets states the targets against the medians.
func targets(m []Result) string {
	find := func(shape, server string) (Result, bool) {
		for _, r := range m {
			if r.Shape == shape && r.Server == server {
				return r, true
			}
		}
		return Result{}, false
	}
	var b strings.Builder
	b.WriteString("targets:\n")
	check := func(what string, got, want float64, above bool) {
		ok := got >= want
		if !above {
			ok = got <= want
		}
		verdict := "met"
		if !ok {
			verdict = "NOT met"
		}
		rel := "≥"
		if !above {
			rel = "≤"
		}
		fmt.Fprintf(&b, "  %-58s %.2f (target %s %.2f) %s\n", what, got, rel, want, verdict)
	}
	const full, paced = "1000 clients, max", "1000 clients at 5000/s"
	if c, ok := find(full, "coachsim"); ok {
		if f, ok := find(full, "faye"); ok {
			check("1000 clients deliveries/s vs Faye HTTP-triggered", c.PerSecond/f.PerSecond, 1.5, true)
		}
		if f, ok := find(full, "faye in-process"); ok {
			check("1000 clients deliveries/s vs Faye in-process", c.PerSecond/f.PerSecond, 1.0, true)
		}
	}
	if c, ok := find(paced, "coachsim"); ok {
		if f, ok := find(paced, "faye"); ok {
			check("p99 at 5000/s vs Faye", float64(c.P99)/float64(f.P99), 0.7, false)
		}
	}
	return b.String()
}
