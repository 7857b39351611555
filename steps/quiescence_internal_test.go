package steps

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coachsim/coachsim/steps/internal/eventlog"
)

// probeWorld is a World with one logged-in role whose control API is srv.
func probeWorld(t *testing.T, srv *httptest.Server, quiet time.Duration) *World {
	t.Helper()
	opts := Options{Quiet: quiet, Deadline: 5 * time.Second, ControlToken: "tok", Target: SharedTarget(srv.URL)}
	w := &World{opts: opts, log: eventlog.New(), actors: map[string]*Actor{
		"agent1": {Role: "agent1", DeviceID: "d1", DN: "5001"},
	}}
	w.probe = newQuiescenceProbe(opts, srv.URL)
	return w
}

func TestQuiescenceProbeEndsTheQuietPeriod(t *testing.T) {
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		if r.URL.Path != "/sim/v1/quiescence" || r.Header.Get("Authorization") != "Bearer tok" || r.URL.Query().Get("waitMs") == "" {
			http.Error(rw, "unexpected request "+r.URL.String(), http.StatusBadRequest)
			return
		}
		_ = json.NewEncoder(rw).Encode(map[string]any{"statusCode": 0, "quiescent": true})
	}))
	defer srv.Close()
	w := probeWorld(t, srv, time.Hour) // only the probe can end this period within the test's deadline
	w.log.Sent()
	w.log.Append("agent1", "/v2/me/calls", json.RawMessage(`{"messageType":"VendorDiagnosticsMessage"}`), time.Time{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.quietChange(ctx, "agent1", changeAnything); err != nil {
		t.Fatalf("quietChange = %v, want nil", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the absence check did not end when the probe reported quiescence")
	}
	if asked.Load() != 1 {
		t.Errorf("the probe was asked %d times, want 1", asked.Load())
	}
	// What arrived before the probe answered is still checked.
	w.log.Append("agent1", "/v2/me/calls", json.RawMessage(`{"messageType":"CallStateChangeMessage","call":{"id":"c1","state":"Ringing"}}`), time.Time{})
	var ue *eventlog.UnexpectedError
	if err := w.quietChange(ctx, "agent1", changeAnything); !errors.As(err, &ue) {
		t.Fatalf("quietChange = %v, want the new call", err)
	}
}

func TestQuiescenceProbeFallsBackToTheQuietPeriod(t *testing.T) {
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.NotFound(rw, r) // a server without the probe
	}))
	defer srv.Close()
	w := probeWorld(t, srv, 30*time.Millisecond)
	ctx := context.Background()
	for range 3 {
		if err := w.quietChange(ctx, "agent1", changeNewCall); err != nil {
			t.Fatalf("quietChange = %v, want nil", err)
		}
	}
	if asked.Load() != 1 {
		t.Errorf("a probe that failed once was asked %d times in the scenario, want 1", asked.Load())
	}
	// Not quiescent: the quiet period runs out and a change arriving in it still fails the check.
	notYet := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(rw).Encode(map[string]any{"statusCode": 0, "quiescent": false})
	}))
	defer notYet.Close()
	w = probeWorld(t, notYet, 2*time.Second)
	w.log.Sent()
	done := make(chan error, 1)
	go func() { done <- w.quietChange(ctx, "agent1", changeNewCall) }()
	w.log.Append("agent1", "/v2/me/calls", json.RawMessage(`{"messageType":"CallStateChangeMessage","call":{"id":"c1","state":"Ringing"}}`), time.Time{})
	if err := <-done; !errors.Is(err, eventlog.ErrUnexpected) {
		t.Fatalf("quietChange = %v, want the new call", err)
	}
}
