package cometd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("strict protocol", func() {
	var (
		f     *fixture
		alice *client
	)
	BeforeEach(func() {
		f = newFixture(Config{Timeout: 10 * time.Second, HandshakeGuard: func(r *http.Request) error {
			if r.Header.Get("X-CSRF-TOKEN") != "t0ken" {
				return errors.New("Missing or invalid Csrf token")
			}
			return nil
		}})
		alice = f.newClient("alice")
		DeferCleanup(func() { f.close(); alice.closeIdle() })
	})

	It("fails a handshake the guard refuses, telling the client to stop, and creates no session", func() {
		hs, err := alice.handshake(nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(hs.ok()).To(BeFalse())
		Expect(hs.Error).To(Equal("403::Missing or invalid Csrf token"))
		Expect(hs.Advice).To(HaveKeyWithValue("reconnect", "none"))
		Expect(f.srv.Sessions()).To(BeZero())
	})

	Context("after a guarded handshake", func() {
		BeforeEach(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url("/handshake"),
				strings.NewReader(`[{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["long-polling"]}]`))
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Content-Type", jsonType)
			req.Header.Set("X-CSRF-TOKEN", "t0ken")
			req.SetBasicAuth("alice", testPassword)
			resp, err := alice.hc.Do(req)
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			var msgs []wireMsg
			Expect(decodeJSON(resp.Body, &msgs)).To(Succeed())
			Expect(msgs).To(HaveLen(1))
			Expect(msgs[0].ok()).To(BeTrue(), "%+v", msgs[0])
			alice.id = msgs[0].ClientID
		})

		DescribeTable("refuses a connect whose connectionType is not long-polling, and keeps the session",
			func(connectionType any) {
				m := map[string]any{"channel": channelConnect, "clientId": alice.id, "advice": map[string]any{"timeout": 0}}
				if connectionType != nil {
					m["connectionType"] = connectionType
				}
				msgs, err := alice.exchange(m)
				Expect(err).NotTo(HaveOccurred())
				Expect(msgs).To(HaveLen(1))
				Expect(msgs[0].ok()).To(BeFalse())
				Expect(msgs[0].Error).To(HavePrefix("400:" + alice.id + ":connectionType"))
				_, rep, err := alice.connectNow()
				Expect(err).NotTo(HaveOccurred())
				Expect(rep.ok()).To(BeTrue(), "the session survives a refused connect")
			},
			Entry("missing", nil),
			Entry("websocket", "websocket"),
			Entry("another case", "Long-Polling"),
			Entry("callback-polling", "callback-polling"),
		)
	})
})

func decodeJSON(r io.Reader, v any) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

var _ = Describe("authentication before the body", func() {
	var f *fixture
	BeforeEach(func() {
		f = newFixture(Config{})
		DeferCleanup(f.close)
	})

	It("refuses an unauthenticated request whose body does not come, with a GWS 403, without waiting for it", func() {
		addr := strings.TrimPrefix(f.ts.URL, "http://")
		c, err := net.Dial("tcp", addr)
		Expect(err).NotTo(HaveOccurred())
		defer c.Close()
		_, err = io.WriteString(c, "POST "+endpoint+" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n[")
		Expect(err).NotTo(HaveOccurred())
		// The endpoint gives such a body a second; the deadline here only bounds the test.
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		Expect(err).NotTo(HaveOccurred())
		body, _ := io.ReadAll(resp.Body)
		Expect(resp.StatusCode).To(Equal(http.StatusForbidden))
		Expect(string(body)).To(MatchJSON(`{"statusCode":20,"statusMessage":"Access denied"}`))
		Expect(resp.Close).To(BeTrue(), "the connection closes")
	})

	It("answers an unauthenticated handshake whose body came with it in Bayeux", func() {
		anon := f.newClient("alice")
		anon.basic = false
		defer anon.closeIdle()
		hs, err := anon.handshake(nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(hs.ok()).To(BeFalse())
		Expect(hs.Error).To(HavePrefix("401:"))
	})
})
