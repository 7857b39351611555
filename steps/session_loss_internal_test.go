package steps

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/coachsim/coachsim/steps/internal/bayeux"
)

func TestPollGateHoldsRequestsWhileShut(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	g := newPollGate(nil)
	c := &http.Client{Transport: g}
	get := func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := get(context.Background()); err != nil {
		t.Fatalf("open gate: %v", err)
	}
	held := g.close()
	done := make(chan error, 1)
	go func() { done <- get(context.Background()) }()
	select {
	case <-held:
	case <-time.After(5 * time.Second):
		t.Fatal("the shut gate did not report the request it holds")
	}
	select {
	case err := <-done:
		t.Fatalf("a request went through the shut gate: %v", err)
	default:
	}
	g.reopen()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the held request failed after the gate opened: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the held request was not let through")
	}

	g.close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := get(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled request at the shut gate: %v", err)
	}
	g.reopen()
	g.reopen() // opening an open gate is harmless
}

func TestMetaWatchWakesWaiters(t *testing.T) {
	m := newMetaWatch()
	events, changed := m.since(0)
	if len(events) != 0 {
		t.Fatal("events before any was recorded")
	}
	go m.record(metaEventForTest())
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("no wake-up")
	}
	if events, _ = m.since(0); len(events) != 1 || m.len() != 1 {
		t.Fatalf("events: %v", events)
	}
	if events, _ = m.since(5); len(events) != 0 {
		t.Fatalf("since past the end: %v", events)
	}
}

func metaEventForTest() bayeux.MetaEvent {
	return bayeux.MetaEvent{Kind: bayeux.MetaConnectFailed, ServerError: "402::Unknown client"}
}
