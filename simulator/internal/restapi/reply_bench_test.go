package restapi

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// writeJSONChunked is how operation replies were written before writeJSON encoded them first: headers, the
// body streamed by the encoder, an explicit Flush (the reply must reach the wire before the notifications it
// releases), and the chunk terminator when the handler returns. Kept as the baseline of BenchmarkReplyWrite.
func writeJSONChunked(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body)
}

// countingListener counts the writes made on its connections.
type countingListener struct {
	net.Listener
	writes *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{Conn: c, writes: l.writes}, nil
}

type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// BenchmarkReplyWrite measures one operation reply, {"statusCode":0} followed by the Flush the operation
// handler does before releasing notifications, over a kept-alive loopback connection:
//
//	chunked         the former writer (baseline): chunked body, Flush, then the chunk terminator
//	content-length  writeJSON: the body encoded first, Content-Length, one write
//
// Each case reports writes/reply (write calls on the server's connection per reply); content-length also
// reports x-chunked, its ns/op over the baseline's from the same run.
func BenchmarkReplyWrite(b *testing.B) {
	var baseNs float64
	for _, tc := range []struct {
		name  string
		write func(http.ResponseWriter, int, any)
	}{{"chunked", writeJSONChunked}, {"content-length", writeJSON}} {
		b.Run(tc.name, func(b *testing.B) {
			var writes atomic.Int64
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				tc.write(w, http.StatusOK, map[string]int{"statusCode": 0})
				_ = http.NewResponseController(w).Flush()
			}))
			srv.Listener = countingListener{Listener: srv.Listener, writes: &writes}
			srv.Start()
			defer srv.Close()
			hc := srv.Client()
			body := `{"operationName":"DoNotDisturbOn"}`
			do := func() {
				resp, err := hc.Post(srv.URL+"/api/v2/me/devices/x", "application/json", strings.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				got, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK || string(got) != "{\"statusCode\":0}\n" {
					b.Fatalf("HTTP %d %q %v", resp.StatusCode, got, err)
				}
			}
			do() // connect outside the measurement
			writes.Store(0)
			b.ReportAllocs()
			for b.Loop() {
				do()
			}
			b.ReportMetric(float64(writes.Load())/float64(b.N), "writes/reply")
			ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			if baseNs == 0 {
				baseNs = ns
			} else {
				b.ReportMetric(ns/baseNs, "x-chunked")
			}
		})
	}
}
