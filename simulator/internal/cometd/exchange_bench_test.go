package cometd

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// discardWriter is a ResponseWriter that keeps nothing, so that an exchange's cost is the server's alone.
type discardWriter struct {
	h    http.Header
	n    int
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// BenchmarkConnectExchange is one delivery as the server handles it, without the network: a published event
// (PublishEncoded) and the /meta/connect that carries it, read, answered and encoded by ServeHTTP. allocs/op is
// the server's per-exchange allocation count.
func BenchmarkConnectExchange(b *testing.B) {
	srv := New(Config{Timeout: time.Second, MaxInterval: time.Minute, Logger: slog.New(slog.DiscardHandler)},
		func(*http.Request) (string, bool) { return "bench", true })
	defer srv.Close()
	post := func(body string) []json.RawMessage {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/api/v2/notifications", bytes.NewBufferString(body))
		r.Header.Set("Content-Type", "application/json")
		srv.ServeHTTP(rec, r)
		var out []json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			b.Fatalf("%s: %v", rec.Body.Bytes(), err)
		}
		return out
	}
	var hs []struct {
		ClientID string `json:"clientId"`
	}
	raw := post(`[{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["long-polling"]}]`)
	if err := json.Unmarshal([]byte("["+string(raw[0])+"]"), &hs); err != nil || hs[0].ClientID == "" {
		b.Fatalf("handshake: %s", raw[0])
	}
	id := hs[0].ClientID
	post(`[{"channel":"/meta/subscribe","clientId":"` + id + `","subscription":"/v2/me/*"}]`)
	connect := []byte(`[{"channel":"/meta/connect","clientId":"` + id + `","connectionType":"long-polling","id":"7"}]`)
	data := engineData(b)
	w := &discardWriter{h: http.Header{}}
	r := httptest.NewRequest(http.MethodPost, "/api/v2/notifications", nil)
	r.Header.Set("Content-Type", "application/json")
	body := bytes.NewReader(connect)
	b.ReportAllocs()
	for b.Loop() {
		srv.PublishEncoded("bench", ChannelCalls, data)
		body.Reset(connect)
		r.Body = readCloser{body}
		clear(w.h)
		w.n = 0
		srv.ServeHTTP(w, r)
		if w.n < len(data) {
			b.Fatalf("the reply (%d bytes) does not carry the event", w.n)
		}
	}
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
