package bayeux_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// fakeServer is a small Bayeux long-polling server for the tests. Its knobs are set before or while a client
// runs (under mu); it records what it saw so specs can wait for it.
type fakeServer struct {
	*httptest.Server

	mu       sync.Mutex
	sessions map[string]*fakeSession
	seq      int

	hold           time.Duration   // advised timeout; how long a connect is held without events
	interval       time.Duration   // advised interval
	requiredAuth   string          // if set, a handshake needs header X-Test-Auth with this value
	handshakeHTTP  int             // if set, handshakes get this HTTP status
	stallHandshake bool            // hold handshakes until the client gives up
	stallConnects  int             // the next N connects are held until the client gives up
	failConnects   int             // the next N connects get HTTP 500
	refuseConnects int             // the next N connects get successful:false "499::busy" (advice untouched)
	nextAdvice     map[string]any  // advice members for the next successful connect reply
	denied         map[string]bool // subscriptions refused with 403
	greet          bool            // a subscribe reply carries one event on the channel subscribed

	seen       []seenMsg
	connectLog []connectTiming
}

type fakeSession struct {
	subs  map[string]bool
	queue []map[string]any
	wake  chan struct{}
}

type seenMsg struct {
	Channel string
	Path    string
	Auth    string
	Msg     map[string]any
}

type connectTiming struct{ arrived, replied time.Time }

func newFakeServer() *fakeServer {
	s := &fakeServer{
		sessions: map[string]*fakeSession{},
		hold:     200 * time.Millisecond,
		denied:   map[string]bool{},
	}
	s.Server = httptest.NewServer(s)
	return s
}

func (s *fakeServer) URL() string { return s.Server.URL + "/notifications" }

func (s *fakeServer) set(f func(*fakeServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

// Publish queues data on every session subscribed to channel and wakes its held connect.
func (s *fakeServer) Publish(channel string, data any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sess := range s.sessions {
		if sess.subs[channel] {
			sess.queue = append(sess.queue, map[string]any{"channel": channel, "data": data})
			wakeUp(sess)
		}
	}
}

// Forget drops every session, as a restarted server would; held connects answer 402.
func (s *fakeServer) Forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, sess := range s.sessions {
		delete(s.sessions, id)
		wakeUp(sess)
	}
}

// Count returns how many messages on channel (optionally naming subscription sub) the server received.
func (s *fakeServer) Count(channel, sub string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.seen {
		if m.Channel == channel && (sub == "" || m.Msg["subscription"] == sub) {
			n++
		}
	}
	return n
}

// Seen returns a copy of everything received, in arrival order.
func (s *fakeServer) Seen() []seenMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.seen)
}

// Subscribed lists the channels the single live session is subscribed to ("" if none or several sessions).
func (s *fakeServer) Subscribed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, sess := range s.sessions {
		for ch := range sess.subs {
			out = append(out, ch)
		}
	}
	slices.Sort(out)
	return out
}

func (s *fakeServer) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

func (s *fakeServer) ConnectTimings() []connectTiming {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.connectLog)
}

func wakeUp(sess *fakeSession) {
	select {
	case sess.wake <- struct{}{}:
	default:
	}
}

func (s *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var msgs []map[string]any
	if err := json.NewDecoder(r.Body).Decode(&msgs); err != nil {
		http.Error(w, "body is not a JSON array", http.StatusBadRequest)
		return
	}
	var out []map[string]any
	for _, m := range msgs {
		ch, _ := m["channel"].(string)
		s.mu.Lock()
		s.seen = append(s.seen, seenMsg{Channel: ch, Path: r.URL.Path, Auth: r.Header.Get("X-Test-Auth"), Msg: m})
		s.mu.Unlock()
		var replies []map[string]any
		status := 0
		switch ch {
		case "/meta/handshake":
			replies, status = s.handshake(r, m)
		case "/meta/connect":
			replies, status = s.connect(r.Context(), m)
		case "/meta/subscribe", "/meta/unsubscribe":
			replies = s.subscription(ch, m)
		case "/meta/disconnect":
			replies = s.disconnect(m)
		default:
			replies = []map[string]any{{"channel": ch, "successful": false, "error": "404::Unknown channel", "id": m["id"]}}
		}
		if status != 0 {
			if status > 0 {
				http.Error(w, fmt.Sprintf(`{"statusCode":20,"statusMessage":"Access denied (HTTP %d)"}`, status), status)
			}
			return
		}
		out = append(out, replies...)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func (s *fakeServer) reply(ch string, m map[string]any, ok bool) map[string]any {
	rep := map[string]any{"channel": ch, "successful": ok}
	if id, present := m["id"]; present {
		rep["id"] = id
	}
	return rep
}

func (s *fakeServer) advice() map[string]any {
	return map[string]any{"reconnect": "retry", "timeout": s.hold.Milliseconds(), "interval": s.interval.Milliseconds()}
}

// handshake returns the replies, or a status: >0 an HTTP error, <0 no answer at all (client gave up).
func (s *fakeServer) handshake(r *http.Request, m map[string]any) ([]map[string]any, int) {
	s.mu.Lock()
	stall, status, auth := s.stallHandshake, s.handshakeHTTP, s.requiredAuth
	s.mu.Unlock()
	if stall {
		<-r.Context().Done()
		return nil, -1
	}
	if status != 0 {
		return nil, status
	}
	if auth != "" && r.Header.Get("X-Test-Auth") != auth {
		rep := s.reply("/meta/handshake", m, false)
		rep["error"] = "401::Authentication required"
		rep["advice"] = map[string]any{"reconnect": "none"}
		return []map[string]any{rep}, 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := fmt.Sprintf("client%03d", s.seq)
	s.sessions[id] = &fakeSession{subs: map[string]bool{}, wake: make(chan struct{}, 1)}
	rep := s.reply("/meta/handshake", m, true)
	rep["clientId"] = id
	rep["version"] = "1.0"
	rep["supportedConnectionTypes"] = []string{"long-polling"}
	rep["advice"] = s.advice()
	return []map[string]any{rep}, 0
}

func (s *fakeServer) unknown(ch string, m map[string]any) []map[string]any {
	rep := s.reply(ch, m, false)
	rep["error"] = "402::Unknown client"
	rep["advice"] = map[string]any{"reconnect": "handshake", "interval": 0}
	return []map[string]any{rep}
}

func (s *fakeServer) connect(ctx context.Context, m map[string]any) ([]map[string]any, int) {
	arrived := time.Now()
	id, _ := m["clientId"].(string)
	s.mu.Lock()
	sess := s.sessions[id]
	stall := s.stallConnects > 0
	if stall {
		s.stallConnects--
	}
	fail := !stall && s.failConnects > 0
	if fail {
		s.failConnects--
	}
	refuse := !stall && !fail && s.refuseConnects > 0
	if refuse {
		s.refuseConnects--
	}
	hold := s.hold
	s.mu.Unlock()
	switch {
	case sess == nil:
		return s.unknown("/meta/connect", m), 0
	case stall:
		<-ctx.Done()
		return nil, -1
	case fail:
		return nil, http.StatusInternalServerError
	case refuse:
		rep := s.reply("/meta/connect", m, false)
		rep["error"] = "499::busy"
		return []map[string]any{rep}, 0
	}
	timer := time.NewTimer(hold)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if s.sessions[id] != sess {
			s.mu.Unlock()
			return s.unknown("/meta/connect", m), 0
		}
		if len(sess.queue) > 0 {
			out := append(sess.queue, s.connectReply(m, arrived))
			sess.queue = nil
			s.mu.Unlock()
			return out, 0
		}
		s.mu.Unlock()
		select {
		case <-sess.wake:
		case <-timer.C:
			s.mu.Lock()
			rep := s.connectReply(m, arrived)
			s.mu.Unlock()
			return []map[string]any{rep}, 0
		case <-ctx.Done():
			return nil, -1
		}
	}
}

// connectReply builds a successful connect reply and logs its timing; s.mu is held.
func (s *fakeServer) connectReply(m map[string]any, arrived time.Time) map[string]any {
	rep := s.reply("/meta/connect", m, true)
	adv := s.advice()
	for k, v := range s.nextAdvice {
		adv[k] = v
	}
	s.nextAdvice = nil
	rep["advice"] = adv
	s.connectLog = append(s.connectLog, connectTiming{arrived: arrived, replied: time.Now()})
	return rep
}

func (s *fakeServer) subscription(ch string, m map[string]any) []map[string]any {
	id, _ := m["clientId"].(string)
	sub, _ := m["subscription"].(string)
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sessions[id]
	if sess == nil {
		return s.unknown(ch, m)
	}
	rep := s.reply(ch, m, true)
	rep["subscription"] = sub
	if s.denied[sub] {
		rep["successful"] = false
		rep["error"] = "403:" + id + "," + sub + ":Subscription denied"
		return []map[string]any{rep}
	}
	if ch == "/meta/unsubscribe" {
		delete(sess.subs, sub)
		return []map[string]any{rep}
	}
	sess.subs[sub] = true
	if s.greet {
		return []map[string]any{{"channel": sub, "data": map[string]any{"hello": strings.TrimPrefix(sub, "/")}}, rep}
	}
	return []map[string]any{rep}
}

func (s *fakeServer) disconnect(m map[string]any) []map[string]any {
	id, _ := m["clientId"].(string)
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sessions[id]
	if sess == nil {
		return s.unknown("/meta/disconnect", m)
	}
	delete(s.sessions, id)
	wakeUp(sess)
	return []map[string]any{s.reply("/meta/disconnect", m, true)}
}
