package simulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/engine"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// Noise makes the simulator send, all the time and to everyone, the extra notifications SPEC.md §10 says a
// conformant server may send between the ones a client waits for, and answer operations late. It exists so
// that the conformance suite's own tests can prove the suite tolerates them; never use it otherwise.
//
// With Noise every published notification goes out as part of a group, in this order, through the same
// delivery path as the rest (fault delays included):
//   - before a call notification, an AttachedDataChanged carrying the user's previous view of that call,
//     unchanged (§10.1: data-only changes in the middle of call flows);
//   - the notification itself;
//   - a repeat of it (§10.2), unless the call is Released;
//   - a message of a messageType no client knows, on the same channel or on /v2/me/channels (§10.4);
//
// and after every batch each user gets a repeat of its device as last published (§10.2). The REST reply
// to an operation is held back by ReplyDelay after the operation's notifications were released, so that
// they reach the client first (§10.5).
type Noise struct {
	// ReplyDelay is how long an operation's reply waits after its notifications were released (default
	// 20ms; negative: not delayed).
	ReplyDelay time.Duration
}

// WithNoise adds the notifications of n everywhere and delays operation replies (suite self-tests only).
func WithNoise(n Noise) Option {
	return func(c *config) {
		if n.ReplyDelay == 0 {
			n.ReplyDelay = 20 * time.Millisecond
		}
		c.noise = &n
	}
}

// noiseMessageType is a messageType that no GWS client knows; every other one goes out on noiseChannel, a
// channel a client subscribed to /v2/me/* receives although the simulator publishes nothing else there.
const (
	noiseMessageType = "VendorDiagnosticsMessage"
	noiseChannel     = "/v2/me/channels"
)

// noiser expands batches of notifications with noise. It sees batches in the engine's order, so the views it
// remembers are always the latest published.
//
// Concurrency contract: wrap's sink is called one batch at a time (an engine sink); seed may be called from
// any goroutine; mu guards the views.
type noiser struct {
	mu      sync.Mutex
	users   []string                              // every user, in fixture order
	devices map[string]json.RawMessage            // user -> its latest DeviceStateChangeMessage data
	calls   map[string]map[string]json.RawMessage // user -> call id -> its latest CallStateChangeMessage data
	count   int
}

func newNoiser() *noiser {
	return &noiser{devices: map[string]json.RawMessage{}, calls: map[string]map[string]json.RawMessage{}}
}

// seed forgets every view and starts again from st's devices (the simulator starts or is reset).
func (n *noiser) seed(env *fixtures.Environment, st *voice.State) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.users = n.users[:0]
	n.devices = map[string]json.RawMessage{}
	n.calls = map[string]map[string]json.RawMessage{}
	for _, u := range env.Users {
		n.users = append(n.users, u.ID)
		if devs := st.UserDevices(u.ID); len(devs) > 0 {
			data, err := json.Marshal(voice.DeviceStateChange{MessageType: voice.MessageDeviceStateChange, Devices: devs})
			if err == nil {
				n.devices[u.ID] = data
			}
		}
	}
}

// wrap returns a sink that hands next every batch expanded with noise.
func (n *noiser) wrap(next engine.Sink) engine.Sink {
	return func(batch []engine.Published) {
		next(n.expand(batch))
	}
}

func (n *noiser) expand(batch []engine.Published) []engine.Published {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]engine.Published, 0, 4*len(batch)+len(n.users))
	noise := func(p engine.Published, data json.RawMessage) {
		out = append(out, engine.Published{Seq: p.Seq, UserID: p.UserID, Channel: p.Channel, Data: data})
	}
	var seq uint64
	for _, p := range batch {
		seq = p.Seq
		var head struct {
			MessageType string `json:"messageType"`
			Call        struct {
				ID    string `json:"id"`
				State string `json:"state"`
			} `json:"call"`
		}
		_ = json.Unmarshal(p.Data, &head)
		switch head.MessageType {
		case voice.MessageCallStateChange:
			calls := n.calls[p.UserID]
			if calls == nil {
				calls = map[string]json.RawMessage{}
				n.calls[p.UserID] = calls
			}
			if prev, ok := calls[head.Call.ID]; ok {
				if adc, ok := withNotificationType(prev, "AttachedDataChanged"); ok {
					noise(p, adc)
				}
			}
			out = append(out, p)
			if head.Call.State == "Released" {
				delete(calls, head.Call.ID)
			} else {
				calls[head.Call.ID] = p.Data
				noise(p, p.Data)
			}
		case voice.MessageDeviceStateChange:
			n.devices[p.UserID] = p.Data
			out = append(out, p)
			noise(p, p.Data)
		default:
			out = append(out, p)
		}
		n.count++
		unknown, _ := json.Marshal(map[string]any{"messageType": noiseMessageType, "sequence": n.count,
			"diagnostics": map[string]any{"source": "noise", "queueDepth": n.count % 7}})
		if n.count%2 == 0 {
			noise(p, unknown)
		} else { // another channel the client subscribed to (/v2/me/*)
			out = append(out, engine.Published{Seq: p.Seq, UserID: p.UserID, Channel: noiseChannel, Data: unknown})
		}
	}
	for _, u := range n.users {
		if dev, ok := n.devices[u]; ok {
			out = append(out, engine.Published{Seq: seq, UserID: u, Channel: voice.ChannelDevices, Data: dev})
		}
	}
	return out
}

// withNotificationType returns a copy of a CallStateChangeMessage's data with another notificationType.
func withNotificationType(data json.RawMessage, kind string) (json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return nil, false
	}
	m["notificationType"], _ = json.Marshal(kind)
	delete(m, "extensions") // absent on AttachedDataChanged
	out, err := json.Marshal(m)
	return out, err == nil
}

// lateReplies holds back the reply to every operation (a POST under /api/v2 other than the notification
// endpoint) by delay after the handler returned, that is after the operation's notifications were released.
func lateReplies(next http.Handler, delay time.Duration) http.Handler {
	if delay < 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/api/v2/") ||
			strings.HasPrefix(r.URL.Path, "/api/v2/notifications") {
			next.ServeHTTP(w, r)
			return
		}
		held := &heldReply{header: http.Header{}}
		next.ServeHTTP(held, r)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
		}
		t.Stop()
		for k, v := range held.header {
			w.Header()[k] = v
		}
		if held.status == 0 {
			held.status = http.StatusOK
		}
		w.WriteHeader(held.status)
		_, _ = w.Write(held.body.Bytes())
	})
}

// heldReply records a reply to write later.
type heldReply struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (h *heldReply) Header() http.Header { return h.header }

func (h *heldReply) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}

func (h *heldReply) Write(b []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return h.body.Write(b)
}
