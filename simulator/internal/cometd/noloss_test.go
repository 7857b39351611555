package cometd

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"

	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/simulator/internal/netguard"
)

// rawPoller is a Bayeux long-polling client over raw TCP, so that it knows exactly which replies it received:
// a reply counts once its last byte has been read. It aborts a poll by closing the connection when no byte of
// the reply has arrived by the abort time — whatever the server did meanwhile.
type rawPoller struct {
	addr, user, clientID string
	ack                  bool
	lastBatch            int64
	rng                  *rand.Rand
	conn                 net.Conn
	br                   *bufio.Reader

	got    []int // sequence numbers received, in order
	polls  int
	aborts int
}

func (p *rawPoller) request(body string) string {
	auth := base64.StdEncoding.EncodeToString([]byte(p.user + ":" + testPassword))
	return "POST " + endpoint + "/connect HTTP/1.1\r\nHost: coachsim\r\nAuthorization: Basic " + auth +
		"\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

// exchange sends body on the poller's connection (dialling one when needed) and reads the reply, unless
// abortAfter (>0) passes before its first byte.
func (p *rawPoller) exchange(body string, abortAfter time.Duration) ([]wireMsg, bool, error) {
	if p.conn == nil {
		c, err := net.Dial("tcp", p.addr)
		if err != nil {
			return nil, false, err
		}
		p.conn, p.br = c, bufio.NewReader(c)
	}
	if _, err := io.WriteString(p.conn, p.request(body)); err != nil {
		return nil, false, err
	}
	if abortAfter > 0 {
		_ = p.conn.SetReadDeadline(time.Now().Add(abortAfter))
		if _, err := p.br.Peek(1); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				_ = p.conn.Close()
				p.conn = nil
				return nil, true, nil
			}
			return nil, false, err
		}
	}
	_ = p.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(p.br, nil)
	if err != nil {
		return nil, false, err
	}
	data, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, false, err
	}
	if resp.Close {
		_ = p.conn.Close()
		p.conn = nil
	}
	if resp.StatusCode != http.StatusOK {
		return nil, false, fmt.Errorf("HTTP %d: %s", resp.StatusCode, data)
	}
	var msgs []wireMsg
	if err := json.Unmarshal(data, &msgs); err != nil {
		return nil, false, fmt.Errorf("reply %q: %w", data, err)
	}
	return msgs, false, nil
}

func (p *rawPoller) start() error {
	hs := `[{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["long-polling"]` +
		map[bool]string{true: `,"ext":{"ack":true}`, false: ``}[p.ack] + `}]`
	msgs, _, err := p.exchange(hs, 0)
	if err != nil {
		return err
	}
	if len(msgs) != 1 || !msgs[0].ok() {
		return fmt.Errorf("handshake: %+v", msgs)
	}
	p.clientID = msgs[0].ClientID
	sub := fmt.Sprintf(`[{"channel":"/meta/subscribe","clientId":%q,"subscription":"/v2/me/calls"}]`, p.clientID)
	msgs, _, err = p.exchange(sub, 0)
	if err != nil {
		return err
	}
	if len(msgs) != 1 || !msgs[0].ok() {
		return fmt.Errorf("subscribe: %+v", msgs)
	}
	return nil
}

// poll makes one connect, aborting about half of them after a random delay under maxAbort.
func (p *rawPoller) poll(maxAbort time.Duration) error {
	ext := ""
	if p.ack {
		ext = fmt.Sprintf(`,"ext":{"ack":%d}`, p.lastBatch)
	}
	body := fmt.Sprintf(`[{"channel":"/meta/connect","clientId":%q,"connectionType":"long-polling"%s}]`, p.clientID, ext)
	var abort time.Duration
	if p.rng.IntN(2) == 0 {
		abort = time.Duration(p.rng.Int64N(int64(maxAbort))) + time.Microsecond
	}
	msgs, aborted, err := p.exchange(body, abort)
	p.polls++
	if err != nil {
		return err
	}
	if aborted {
		p.aborts++
		return nil
	}
	for _, m := range msgs {
		switch m.Channel {
		case ChannelCalls:
			var d struct{ Seq int }
			if err := json.Unmarshal(m.Data, &d); err != nil {
				return err
			}
			p.got = append(p.got, d.Seq)
		case channelConnect:
			if !m.ok() {
				return fmt.Errorf("connect refused: %+v", m)
			}
			if n, ok := m.Ext["ack"].(float64); ok {
				p.lastBatch = int64(n)
			}
		}
	}
	return nil
}

// checkSequence reports how a received sequence departs from 0..n-1.
func checkSequence(got []int, n int) (lost, duplicated, reordered int) {
	seen := make(map[int]int, len(got))
	last := -1
	for _, s := range got {
		seen[s]++
		if seen[s] > 1 {
			duplicated++
			continue
		}
		if s < last {
			reordered++
		}
		last = max(last, s)
	}
	for i := range n {
		if seen[i] == 0 {
			lost++
		}
	}
	return lost, duplicated, reordered
}

var _ = Describe("no loss when long polls are aborted at random", func() {
	const (
		users   = 10
		perUser = 1000 // 10,000 notifications per mode
	)

	run := func(ack bool) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		f := &fixture{logs: &syncBuffer{}, tokens: map[string]string{}}
		srv := New(Config{Timeout: 5 * time.Second, MaxInterval: 30 * time.Second}, f.authenticate)
		mux := http.NewServeMux()
		mux.Handle(endpoint+"/", srv)
		served := netguard.Serve(ln, mux, netguard.Limits{}, nil)
		DeferCleanup(func() { srv.Close(); served.Close() })

		var wg sync.WaitGroup
		pollers := make([]*rawPoller, users)
		failures := make(chan error, 2*users)
		for u := range users {
			p := &rawPoller{addr: ln.Addr().String(), user: fmt.Sprintf("user%d", u), ack: ack,
				rng: rand.New(rand.NewPCG(uint64(GinkgoRandomSeed()), uint64(u)))}
			Expect(p.start()).To(Succeed())
			pollers[u] = p
			progress := make(chan int, 1) // the poller's poll count, newest only
			done := make(chan struct{})
			wg.Go(func() { // the client: polls until it has everything
				defer close(done)
				deadline := time.Now().Add(30 * time.Second)
				for len(p.got) < perUser {
					if time.Now().After(deadline) {
						var missing []int
						seen := map[int]bool{}
						for _, g := range p.got {
							seen[g] = true
						}
						for i := range perUser {
							if !seen[i] {
								missing = append(missing, i)
							}
						}
						failures <- fmt.Errorf("%s: %d of %d received before the deadline, missing %v, last %v (server: %s)", p.user, len(p.got), perUser, missing, p.got[max(0, len(p.got)-5):], sessionState(srv, p.clientID))
						return
					}
					if err := p.poll(3 * time.Millisecond); err != nil {
						failures <- fmt.Errorf("%s: %w", p.user, err)
						return
					}
					select {
					case <-progress:
					default:
					}
					progress <- p.polls
				}
			})
			wg.Go(func() { // the operations: bursts of 1-5 notifications, each after the client polled again
				rng := rand.New(rand.NewPCG(uint64(GinkgoRandomSeed())+1, uint64(u)))
				for seq := 0; seq < perUser; {
					for n := 1 + rng.IntN(5); n > 0 && seq < perUser; n-- {
						srv.Publish(p.user, ChannelCalls, json.RawMessage(fmt.Sprintf(`{"seq":%d}`, seq)))
						seq++
					}
					select {
					case <-progress:
					case <-done:
						return
					}
				}
			})
		}
		wg.Wait()
		close(failures)
		for err := range failures {
			Expect(err).NotTo(HaveOccurred())
		}
		var lost, dup, reord, aborts, polls int
		for _, p := range pollers {
			l, d, r := checkSequence(p.got, perUser)
			Expect(l+d+r).To(BeZero(), "%s: %d lost, %d duplicated, %d reordered; received %v", p.user, l, d, r, p.got)
			lost, dup, reord, aborts, polls = lost+l, dup+d, reord+r, aborts+p.aborts, polls+p.polls
		}
		mode := map[bool]string{true: "with", false: "without"}[ack]
		summary := fmt.Sprintf("%s the ack extension: %d notifications to %d users, %d polls, %d aborted; %d lost, %d duplicated, %d reordered; %d events given back after a reply that did not arrive",
			mode, users*perUser, users, polls, aborts, lost, dup, reord, srv.Returned())
		AddReportEntry("no-loss "+mode+" ack", summary)
		GinkgoWriter.Println(summary)
		Expect(aborts).To(BeNumerically(">", 0), "no poll was aborted: the spec did not exercise what it claims")
	}

	It("delivers every notification once and in order without the ack extension", func() { run(false) })
	It("delivers every notification once and in order with the ack extension", func() { run(true) })
})

// sessionState describes a session's queues, for failure messages.
func sessionState(s *Server, clientID string) string {
	s.mu.RLock()
	sess := s.sessions[clientID]
	s.mu.RUnlock()
	if sess == nil {
		return "no such session"
	}
	sess.mu.Lock()
	defer sess.mu.Unlock()
	st := fmt.Sprintf("ended=%v queued=%d inflight=%d polling=%v", sess.ended, len(sess.queue), len(sess.inflight), sess.poll != nil)
	if b := sess.sent; b != nil {
		st += fmt.Sprintf(" sent=%d writing=%v failed=%v", len(b.events), b.writing, b.failed)
	}
	return st
}
