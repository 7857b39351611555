package control_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// A minimal Bayeux long-polling client for these specs: handshake, subscribe and connect over plain HTTP
// POSTs with the user's Basic credentials (no cookies). One goroutine drives one client.

// bmsg is one Bayeux message, as far as these specs need it.
type bmsg struct {
	Channel                  string          `json:"channel"`
	ID                       string          `json:"id,omitempty"`
	ClientID                 string          `json:"clientId,omitempty"`
	Version                  string          `json:"version,omitempty"`
	SupportedConnectionTypes []string        `json:"supportedConnectionTypes,omitempty"`
	ConnectionType           string          `json:"connectionType,omitempty"`
	Subscription             string          `json:"subscription,omitempty"`
	Successful               bool            `json:"successful,omitempty"`
	Error                    string          `json:"error,omitempty"`
	Advice                   map[string]any  `json:"advice,omitempty"`
	Data                     json.RawMessage `json:"data,omitempty"`
}

// event is a message a connect reply carried, stamped with when the reply was read.
type event struct {
	bmsg
	at time.Time
}

// bayeux is one CometD session of one user.
type bayeux struct {
	r        *rig
	user     string
	pass     string
	hc       *http.Client
	clientID string
	nextID   int
}

// bayeux returns a client for the named user; it has no session until handshake.
func (r *rig) bayeux(name string) *bayeux {
	GinkgoHelper()
	u := r.user(name)
	return &bayeux{r: r, user: u.UserName, pass: u.Password, hc: &http.Client{}}
}

// exchange POSTs msgs as one JSON array and decodes the array that answers; ctx bounds the request.
func (b *bayeux) exchange(ctx context.Context, msgs ...bmsg) ([]bmsg, error) {
	for i := range msgs {
		b.nextID++
		msgs[i].ID = strconv.Itoa(b.nextID)
	}
	body, err := json.Marshal(msgs)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.r.URL+"/api/v2/notifications", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(b.user, b.pass)
	resp, err := b.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, data)
	}
	var out []bmsg
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("undecodable reply %s: %w", data, err)
	}
	return out, nil
}

// call exchanges msgs within requestTimeout and fails the spec on a transport error.
func (b *bayeux) call(msgs ...bmsg) []bmsg {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	out, err := b.exchange(ctx, msgs...)
	Expect(err).NotTo(HaveOccurred())
	return out
}

// metaReply finds the reply on a meta channel among msgs.
func metaReply(msgs []bmsg, channel string) bmsg {
	GinkgoHelper()
	for _, m := range msgs {
		if m.Channel == channel {
			return m
		}
	}
	Fail(fmt.Sprintf("no %s reply in %+v", channel, msgs))
	return bmsg{}
}

// handshake starts a session.
func (b *bayeux) handshake() {
	GinkgoHelper()
	rep := metaReply(b.call(bmsg{Channel: "/meta/handshake", Version: "1.0",
		SupportedConnectionTypes: []string{"long-polling"}}), "/meta/handshake")
	Expect(rep.Successful).To(BeTrue(), "handshake of %s: %+v", b.user, rep)
	Expect(rep.ClientID).NotTo(BeEmpty())
	b.clientID = rep.ClientID
}

// subscribe subscribes the session to channel.
func (b *bayeux) subscribe(channel string) {
	GinkgoHelper()
	rep := metaReply(b.call(bmsg{Channel: "/meta/subscribe", ClientID: b.clientID, Subscription: channel}), "/meta/subscribe")
	Expect(rep.Successful).To(BeTrue(), "subscribe of %s to %s: %+v", b.user, channel, rep)
}

// open handshakes and subscribes to /v2/me/*.
func (b *bayeux) open() *bayeux {
	GinkgoHelper()
	b.handshake()
	b.subscribe("/v2/me/*")
	return b
}

// connectMsg is a /meta/connect of this session; hold is the longest the server may hold it.
func (b *bayeux) connectMsg(hold time.Duration) bmsg {
	return bmsg{Channel: "/meta/connect", ClientID: b.clientID, ConnectionType: "long-polling",
		Advice: map[string]any{"timeout": hold.Milliseconds()}}
}

// connectNow sends a connect the server must answer at once and returns its reply and the events it carried.
func (b *bayeux) connectNow() (bmsg, []bmsg) {
	GinkgoHelper()
	msgs := b.call(b.connectMsg(0))
	var events []bmsg
	for _, m := range msgs {
		if m.Channel != "/meta/connect" {
			events = append(events, m)
		}
	}
	return metaReply(msgs, "/meta/connect"), events
}

// listener is a goroutine that keeps a connect held and hands over every event it receives, until the
// session ends (its last connect reply goes to ended) or the spec ends.
type listener struct {
	events chan event
	ended  chan bmsg
	failed chan error
	cancel context.CancelFunc
	done   chan struct{}
}

// listen starts a listener on an open session; it is stopped when the spec ends. The client must not be used
// by the spec meanwhile.
func (b *bayeux) listen() *listener {
	ctx, cancel := context.WithCancel(context.Background())
	l := &listener{events: make(chan event, 1024), ended: make(chan bmsg, 1), failed: make(chan error, 1),
		cancel: cancel, done: make(chan struct{})}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			Eventually(l.done).WithTimeout(requestTimeout).Should(BeClosed(), "the listener of %s did not stop", b.user)
		})
	}
	DeferCleanup(stop)
	go func() {
		defer close(l.done)
		for {
			msgs, err := b.exchange(ctx, b.connectMsg(5*time.Second))
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				l.failed <- err
				return
			}
			at := time.Now()
			for _, m := range msgs {
				if m.Channel == "/meta/connect" {
					if !m.Successful {
						l.ended <- m
						return
					}
					continue
				}
				select {
				case l.events <- event{bmsg: m, at: at}:
				default:
					l.failed <- fmt.Errorf("listener of %s: too many events unread", b.user)
					return
				}
			}
		}
	}()
	return l
}

// next waits for the next event, failing the spec when none comes within timeout.
func (l *listener) next(timeout time.Duration) event {
	GinkgoHelper()
	select {
	case ev := <-l.events:
		return ev
	case err := <-l.failed:
		Fail("the listener failed: " + err.Error())
	case m := <-l.ended:
		Fail(fmt.Sprintf("the session ended: %+v", m))
	case <-time.After(timeout):
		Fail(fmt.Sprintf("no event within %v", timeout))
	}
	return event{}
}
