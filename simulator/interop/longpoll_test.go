package interop_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// This file is a deliberately small Bayeux long-polling client written for these tests: handshake, subscribe,
// connect, disconnect, and optionally the acknowledgement extension (ext {"ack":true} at handshake, ext
// {"ack":<last batch received>} on every connect). It sends HTTP Basic auth on every request and keeps no
// cookies. It is not safe for concurrent use: one goroutine drives one client.

// wireMessage is one Bayeux message of a request or a reply, as far as this client needs it.
type wireMessage struct {
	Channel                  string          `json:"channel"`
	ID                       string          `json:"id,omitempty"`
	ClientID                 string          `json:"clientId,omitempty"`
	Version                  string          `json:"version,omitempty"`
	MinimumVersion           string          `json:"minimumVersion,omitempty"`
	SupportedConnectionTypes []string        `json:"supportedConnectionTypes,omitempty"`
	ConnectionType           string          `json:"connectionType,omitempty"`
	Subscription             json.RawMessage `json:"subscription,omitempty"`
	Successful               *bool           `json:"successful,omitempty"`
	Error                    string          `json:"error,omitempty"`
	Advice                   json.RawMessage `json:"advice,omitempty"`
	Ext                      json.RawMessage `json:"ext,omitempty"`
	Data                     json.RawMessage `json:"data,omitempty"`
}

// received is one event a connect reply carried.
type received struct {
	Channel string
	Data    json.RawMessage
	At      time.Time // when the reply carrying it had been read and decoded
}

// pollClient is one Bayeux session of one user.
type pollClient struct {
	endpoint string // .../api/v2/notifications
	user     string
	hc       *http.Client
	ack      bool // negotiate the acknowledgement extension

	clientID string
	nextID   int
	acked    int64 // ack mode: the highest batch number received

	// Counters, read only after the goroutine driving the client has finished.
	replies   int // connect replies that carried events
	recovered int // ack mode: batches the server sent whose reply never reached us (their events came again)
}

func newPollClient(base, user string, hc *http.Client, ack bool) *pollClient {
	return &pollClient{endpoint: base + notificationsPath, user: user, hc: hc, ack: ack}
}

// errAborted marks a request whose own context ended while its parent context is still alive.
var errAborted = errors.New("request aborted")

// send POSTs msgs as one JSON array and decodes the JSON array that answers it.
func (c *pollClient) send(ctx context.Context, msgs ...wireMessage) ([]wireMessage, error) {
	for i := range msgs {
		c.nextID++
		msgs[i].ID = strconv.Itoa(c.nextID)
	}
	body, err := json.Marshal(msgs)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(c.user, password)
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s answered HTTP %d: %s", c.user, msgs[0].Channel, resp.StatusCode, strings.TrimSpace(string(raw)))
	}
	var out []wireMessage
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("%s: %s reply is not a JSON array of messages: %w: %s", c.user, msgs[0].Channel, err, raw)
	}
	return out, nil
}

// metaReply finds the reply on channel and requires it to be successful.
func (c *pollClient) metaReply(replies []wireMessage, channel string) (wireMessage, error) {
	for _, r := range replies {
		if r.Channel != channel {
			continue
		}
		if r.Successful == nil || !*r.Successful {
			return r, fmt.Errorf("%s: %s failed: error %q, advice %s", c.user, channel, r.Error, r.Advice)
		}
		return r, nil
	}
	return wireMessage{}, fmt.Errorf("%s: no %s reply in %+v", c.user, channel, replies)
}

// handshake opens a session.
func (c *pollClient) handshake(ctx context.Context) error {
	m := wireMessage{
		Channel:                  "/meta/handshake",
		Version:                  "1.0",
		MinimumVersion:           "1.0",
		SupportedConnectionTypes: []string{"long-polling"},
	}
	if c.ack {
		m.Ext = json.RawMessage(`{"ack":true}`)
	}
	replies, err := c.send(ctx, m)
	if err != nil {
		return err
	}
	r, err := c.metaReply(replies, "/meta/handshake")
	if err != nil {
		return err
	}
	if r.ClientID == "" {
		return fmt.Errorf("%s: handshake reply without clientId: %+v", c.user, r)
	}
	if c.ack {
		var ext struct {
			Ack bool `json:"ack"`
		}
		if json.Unmarshal(r.Ext, &ext) != nil || !ext.Ack {
			return fmt.Errorf("%s: the server did not accept the ack extension: ext %s", c.user, r.Ext)
		}
	}
	c.clientID, c.acked = r.ClientID, 0
	return nil
}

// subscribe adds channel (a name or a pattern such as /v2/me/*) to the session.
func (c *pollClient) subscribe(ctx context.Context, channel string) error {
	sub, _ := json.Marshal(channel)
	replies, err := c.send(ctx, wireMessage{Channel: "/meta/subscribe", ClientID: c.clientID, Subscription: sub})
	if err != nil {
		return err
	}
	_, err = c.metaReply(replies, "/meta/subscribe")
	return err
}

// connect sends one /meta/connect and returns the events its reply carried, in reply order. A nil hold lets
// the server hold the connect for its own timeout; otherwise advice.timeout asks for at most *hold. When ctx
// ends first the error wraps errAborted (the session is still usable: connect again).
func (c *pollClient) connect(ctx context.Context, hold *time.Duration) ([]received, error) {
	m := wireMessage{Channel: "/meta/connect", ClientID: c.clientID, ConnectionType: "long-polling"}
	if hold != nil {
		m.Advice = json.RawMessage(fmt.Sprintf(`{"timeout":%d}`, hold.Milliseconds()))
	}
	if c.ack {
		m.Ext = json.RawMessage(fmt.Sprintf(`{"ack":%d}`, c.acked))
	}
	replies, err := c.send(ctx, m)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: connect: %w (%v)", c.user, errAborted, err)
		}
		return nil, err
	}
	at := time.Now()
	rep, err := c.metaReply(replies, "/meta/connect")
	if err != nil {
		return nil, err
	}
	var events []received
	for _, r := range replies {
		if r.Data != nil && !strings.HasPrefix(r.Channel, "/meta/") {
			events = append(events, received{Channel: r.Channel, Data: r.Data, At: at})
		}
	}
	if c.ack && len(rep.Ext) > 0 {
		var ext struct {
			Ack *int64 `json:"ack"`
		}
		if err := json.Unmarshal(rep.Ext, &ext); err != nil {
			return nil, fmt.Errorf("%s: connect reply ext %s: %w", c.user, rep.Ext, err)
		}
		if ext.Ack != nil {
			switch n := *ext.Ack; {
			case n <= c.acked:
				return nil, fmt.Errorf("%s: connect reply repeats batch %d after batch %d was received", c.user, n, c.acked)
			case n > c.acked+1:
				c.recovered += int(n - c.acked - 1)
			}
			c.acked = *ext.Ack
		}
	}
	if c.ack && len(events) > 0 && len(rep.Ext) == 0 {
		return nil, fmt.Errorf("%s: ack mode, but a connect reply with %d events has no ext.ack", c.user, len(events))
	}
	if len(events) > 0 {
		c.replies++
	}
	return events, nil
}

// disconnect ends the session.
func (c *pollClient) disconnect(ctx context.Context) error {
	replies, err := c.send(ctx, wireMessage{Channel: "/meta/disconnect", ClientID: c.clientID})
	if err != nil {
		return err
	}
	_, err = c.metaReply(replies, "/meta/disconnect")
	return err
}
