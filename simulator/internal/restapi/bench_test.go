package restapi_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/engine"
	"github.com/coachsim/coachsim/simulator/internal/restapi"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// BenchmarkREST measures REST throughput through the full stack (httptest server, REST adapter with
// session authentication, engine loop, voice core) next to a bare net/http handler that only writes
// {"statusCode":0}, both over keep-alive clients in the same run:
//
//	bare           POST of an operation body to the bare handler: the cost of HTTP alone on this machine
//	operation      POST DoNotDisturbOn and DoNotDisturbOff alternately on agent1's device, by session cookie
//	read           GET /api/v2/me/devices, by session cookie
//	bare-parallel  the bare POST from b.RunParallel goroutines
//	read-parallel  the read from b.RunParallel goroutines, one session each
//
// Each full-stack case also reports x-bare: its ns/op divided by the ns/op of its bare counterpart
// (bare, or bare-parallel for read-parallel) measured just before it. When a -bench pattern leaves the bare
// case out, x-bare is not reported; compute it by hand as ns/op(case) / ns/op(bare).
//
//	go test -run '^$' -bench REST -benchmem ./simulator/internal/restapi/
func BenchmarkREST(b *testing.B) {
	var bareNs, bareParallelNs float64

	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{\"statusCode\":0}\n")
	}))
	defer bare.Close()

	env := fixtures.Default()
	eng := engine.New(voice.New(env, voice.Options{}), engine.Options{})
	defer eng.Close()
	full := httptest.NewServer(restapi.New(eng, env, restapi.Options{}).Handler())
	defer full.Close()

	agent1 := env.Users[1]
	if agent1.UserName != "agent1" {
		b.Fatalf("the default environment's second user is %q, not agent1", agent1.UserName)
	}
	devicePath := full.URL + "/api/v2/me/devices/" + agent1.Device.ID
	bodies := [2]string{`{"operationName":"DoNotDisturbOn"}`, `{"operationName":"DoNotDisturbOff"}`}
	ack := []byte("{\"statusCode\":0}\n")
	dndOn := false // the device's state across the runs of the operation case

	b.Run("bare", func(b *testing.B) {
		c := mustBenchClient(b, nil, "")
		b.ResetTimer()
		for range b.N {
			if err := c.expect(http.MethodPost, bare.URL+"/api/v2/me/devices/x", bodies[0], ack); err != nil {
				b.Fatal(err)
			}
		}
		bareNs = nsPerOp(b)
	})

	b.Run("operation", func(b *testing.B) {
		c := mustBenchClient(b, &agent1, full.URL)
		b.ResetTimer()
		for range b.N {
			i := 0
			if dndOn {
				i = 1
			}
			if err := c.expect(http.MethodPost, devicePath, bodies[i], ack); err != nil {
				b.Fatal(err)
			}
			dndOn = !dndOn
		}
		reportRatio(b, bareNs)
	})

	b.Run("read", func(b *testing.B) {
		c := mustBenchClient(b, &agent1, full.URL)
		b.ResetTimer()
		for range b.N {
			if err := c.expect(http.MethodGet, full.URL+"/api/v2/me/devices", "", nil); err != nil {
				b.Fatal(err)
			}
		}
		reportRatio(b, bareNs)
	})

	b.Run("bare-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			c, err := newBenchClient(nil, "")
			if err != nil {
				b.Error(err)
				return
			}
			defer c.http.CloseIdleConnections()
			for pb.Next() {
				if err := c.expect(http.MethodPost, bare.URL+"/api/v2/me/devices/x", bodies[0], ack); err != nil {
					b.Error(err) // not Fatal: this is not the benchmark's goroutine
					return
				}
			}
		})
		bareParallelNs = nsPerOp(b)
	})

	b.Run("read-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			c, err := newBenchClient(&agent1, full.URL)
			if err != nil {
				b.Error(err)
				return
			}
			defer c.http.CloseIdleConnections()
			for pb.Next() {
				if err := c.expect(http.MethodGet, full.URL+"/api/v2/me/devices", "", nil); err != nil {
					b.Error(err)
					return
				}
			}
		})
		reportRatio(b, bareParallelNs)
	})
}

func nsPerOp(b *testing.B) float64 { return float64(b.Elapsed().Nanoseconds()) / float64(b.N) }

// reportRatio reports the case's ns/op as a multiple of its bare counterpart's, when that one ran.
func reportRatio(b *testing.B, bareNs float64) {
	if bareNs > 0 {
		b.ReportMetric(nsPerOp(b)/bareNs, "x-bare")
	}
}

// benchClient is one keep-alive HTTP client with its own cookie jar and a reusable reply buffer.
type benchClient struct {
	http *http.Client
	buf  bytes.Buffer
}

// newBenchClient returns a client; given a user and the full stack's URL, it logs in once with Basic so
// that every later request rides on the session cookie alone. The caller closes its idle connections.
func newBenchClient(u *fixtures.User, base string) (*benchClient, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	c := &benchClient{http: &http.Client{Jar: jar, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}
	if u == nil {
		return c, nil
	}
	req, err := http.NewRequest(http.MethodGet, base+"/api/v2/me", nil)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(u.UserName, u.Password)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(resp.Cookies()) == 0 {
		return nil, fmt.Errorf("logging in as %s: HTTP %d, cookies %v", u.UserName, resp.StatusCode, resp.Cookies())
	}
	return c, nil
}

// mustBenchClient is newBenchClient for the benchmark's own goroutine.
func mustBenchClient(b *testing.B, u *fixtures.User, base string) *benchClient {
	c, err := newBenchClient(u, base)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.http.CloseIdleConnections)
	return c
}

// expect sends one request and reports an error unless it gets HTTP 200 and, when want is not nil, exactly
// that body.
func (c *benchClient) expect(method, url, body string, want []byte) error {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	c.buf.Reset()
	_, err = c.buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("%s %s: reading the reply: %w", method, url, err)
	}
	if resp.StatusCode != http.StatusOK || (want != nil && !bytes.Equal(c.buf.Bytes(), want)) {
		return fmt.Errorf("%s %s: HTTP %d %s", method, url, resp.StatusCode, c.buf.String())
	}
	return nil
}
