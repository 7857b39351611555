package interop_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator"
)

// benchDeadline bounds every wait inside a benchmark iteration: a lost notification fails the benchmark
// instead of hanging it.
const benchDeadline = 10 * time.Second

// reportPercentiles sorts lat and reports its 50th and 99th percentiles in microseconds.
func reportPercentiles(b *testing.B, lat []time.Duration) {
	b.Helper()
	if len(lat) == 0 {
		b.Fatal("no latency was measured")
	}
	slices.Sort(lat)
	at := func(p float64) time.Duration {
		i := int(float64(len(lat))*p+0.999999) - 1
		return lat[max(0, min(i, len(lat)-1))]
	}
	b.ReportMetric(float64(at(0.50))/float64(time.Microsecond), "p50-µs")
	b.ReportMetric(float64(at(0.99))/float64(time.Microsecond), "p99-µs")
}

// BenchmarkNotificationLatency measures, on loopback, the time from sending a REST operation (POST
// DoNotDisturbOn/Off for agent1's device) to its DeviceStateChangeMessage having been read by a long-polling
// client, with 1, 100 and 1000 clients connected. Every client is its own CometD session of agent1 subscribed
// to /v2/me/devices (the default environment has seven users; sessions of one user are the heaviest fan-out),
// so every operation is delivered to every client.
//
// One iteration is one operation and its delivery to all clients; the next operation is sent only once every
// client has sent its next /meta/connect (that wait is not timed). Reported: p50-µs and p99-µs over every
// client's receipt of every operation, and deliveries/s = receipts per second of timed work (send to the last
// client's receipt). ns/op is the time until the last client has it. Compare with BenchmarkPlainRoundTrip, a
// bare net/http round trip on the same loopback.
func BenchmarkNotificationLatency(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) { benchmarkLatency(b, n) })
	}
}

func benchmarkLatency(b *testing.B, n int) {
	const user = "agent1"
	sim, err := simulator.StartLoopback(fixtures.Default())
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	transport := &http.Transport{MaxIdleConns: n + 16, MaxIdleConnsPerHost: n + 16}
	defer transport.CloseIdleConnections()
	hc := &http.Client{Transport: transport}
	api := newREST(sim.URL)
	defer api.close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Open the sessions, a few at a time.
	clients := make([]*pollClient, n)
	setupErrs := make(chan error, n)
	work := make(chan int)
	var setup sync.WaitGroup
	for range min(n, 32) {
		setup.Go(func() {
			for i := range work {
				c := newPollClient(sim.URL, user, hc, false)
				if err := c.handshake(ctx); err != nil {
					setupErrs <- err
					continue
				}
				if err := c.subscribe(ctx, "/v2/me/devices"); err != nil {
					setupErrs <- err
					continue
				}
				clients[i] = c
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	setup.Wait()
	close(setupErrs)
	for err := range setupErrs {
		b.Fatal(err)
	}

	// Each client polls on its own goroutine. armed says a client is about to send the connect that will carry
	// the next operation's notification; receipts carries each receipt's latency.
	var sent atomic.Int64 // UnixNano when the current operation was sent
	armed := make(chan struct{}, n)
	receipts := make(chan time.Duration, n)
	pollErrs := make(chan error, n)
	var polling sync.WaitGroup
	defer func() {
		cancel()
		polling.Wait()
	}()
	for _, c := range clients {
		polling.Go(func() {
			arm := true
			for {
				if arm {
					armed <- struct{}{}
				}
				events, err := c.connect(ctx, nil)
				if ctx.Err() != nil {
					return
				}
				if err != nil {
					pollErrs <- err
					return
				}
				for _, e := range events {
					receipts <- e.At.Sub(time.Unix(0, sent.Load()))
				}
				arm = len(events) > 0 // an empty reply (hold time over) is not a delivery: just poll again
			}
		})
	}
	waitN := func(what string, ch <-chan struct{}) {
		deadline := time.NewTimer(benchDeadline)
		defer deadline.Stop()
		for k := range n {
			select {
			case <-ch:
			case err := <-pollErrs:
				b.Fatal(err)
			case <-deadline.C:
				b.Fatalf("%s: %d of %d clients after %v", what, k, n, benchDeadline)
			}
		}
	}
	waitN("clients polling", armed)

	lat := make([]time.Duration, 0, 64*n)
	on := true
	var timed time.Duration
	for b.Loop() {
		start := time.Now()
		sent.Store(start.UnixNano())
		if err := api.dnd(ctx, user, on); err != nil {
			b.Fatal(err)
		}
		on = !on
		deadline := time.NewTimer(benchDeadline)
		for k := range n {
			select {
			case d := <-receipts:
				lat = append(lat, d)
			case err := <-pollErrs:
				b.Fatal(err)
			case <-deadline.C:
				b.Fatalf("only %d of %d clients received the notification within %v", k, n, benchDeadline)
			}
		}
		deadline.Stop()
		timed += time.Since(start)
		b.StopTimer()
		waitN("clients polling again", armed)
		b.StartTimer()
	}
	b.StopTimer()
	reportPercentiles(b, lat)
	b.ReportMetric(float64(len(lat))/timed.Seconds(), "deliveries/s")
}

// BenchmarkPlainRoundTrip is the yardstick for BenchmarkNotificationLatency: one POST of a small JSON body
// with Basic auth to a bare net/http handler answering {"statusCode":0}, over a kept-alive loopback
// connection. It reports p50-µs and p99-µs of the round trip.
func BenchmarkPlainRoundTrip(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"statusCode":0}` + "\n"))
	}), ReadHeaderTimeout: benchDeadline}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
	defer func() {
		_ = srv.Close()
		<-served
	}()
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	hc := &http.Client{Transport: transport, Timeout: benchDeadline}
	url := "http://" + ln.Addr().String() + "/api/v2/me/devices/" + userOf("agent1").Device.ID
	body := []byte(`{"operationName":"DoNotDisturbOn"}`)

	lat := make([]time.Duration, 0, 1<<16)
	for b.Loop() {
		start := time.Now()
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.SetBasicAuth("agent1", password)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("HTTP %d, %v", resp.StatusCode, err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}
