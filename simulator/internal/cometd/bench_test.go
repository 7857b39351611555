package cometd

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"
)

// BenchmarkPublishDelivery measures Publish plus delivery to one long-polling client over loopback HTTP.
func BenchmarkPublishDelivery(b *testing.B) {
	f := newFixture(Config{Timeout: time.Second, MaxInterval: time.Minute, QueueLimit: 1 << 22, Logger: slog.New(slog.DiscardHandler)})
	defer f.close()
	c := f.newClient("bench")
	defer c.closeIdle()
	if hs, err := c.handshake(nil); err != nil || !hs.ok() {
		b.Fatalf("handshake: %v %+v", err, hs)
	}
	if rep, err := c.subscribe(ChannelAll); err != nil || !rep.ok() {
		b.Fatalf("subscribe: %v %+v", err, rep)
	}

	ctx, cancel := context.WithCancel(context.Background())
	received := make(chan int, 64)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for ctx.Err() == nil {
			r, err := c.post(ctx, "", c.connectMsg(nil))
			if err != nil {
				return
			}
			events, _, err := splitConnect(r.msgs)
			if err != nil {
				b.Errorf("poll: %v", err)
				return
			}
			select {
			case received <- len(events):
			case <-ctx.Done():
				return
			}
		}
	}()
	defer func() {
		cancel()
		<-stopped
	}()

	payload := json.RawMessage(`{"messageType":"CallStateChangeMessage","notificationType":"StatusChange","call":{"id":"x","state":"Established"}}`)
	published := 0
	for b.Loop() {
		f.srv.Publish("bench", ChannelCalls, payload)
		published++
	}
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for got := 0; got < published; {
		select {
		case n := <-received:
			got += n
		case <-deadline.C:
			b.Fatalf("delivered %d of %d messages", got, published)
		}
	}
}
