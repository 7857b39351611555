// Package longpoll is a Bayeux long-polling load client: many sessions, each handshaking, subscribing and
// holding a /meta/connect loop, with the latency of every delivery taken from a send time the publisher
// embedded in the message (see Stamp). It speaks only the wire (JSON over HTTP POST), so the same client
// measures coachsim, the Faye server and the CometD project's Node server alike.
//
// Latencies go into an HdrHistogram (github.com/HdrHistogram/hdrhistogram-go) with microsecond resolution:
// percentiles from a sorted slice would cost memory in proportion to the deliveries and could not be merged
// across sessions cheaply.
package longpoll

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
)

// Message is one Bayeux message of a request or a reply, as far as a long-polling client needs it.
type Message struct {
	Channel                  string          `json:"channel"`
	ID                       string          `json:"id,omitempty"`
	ClientID                 string          `json:"clientId,omitempty"`
	Version                  string          `json:"version,omitempty"`
	MinimumVersion           string          `json:"minimumVersion,omitempty"`
	SupportedConnectionTypes []string        `json:"supportedConnectionTypes,omitempty"`
	ConnectionType           string          `json:"connectionType,omitempty"`
	Subscription             string          `json:"subscription,omitempty"`
	Successful               *bool           `json:"successful,omitempty"`
	Error                    string          `json:"error,omitempty"`
	Advice                   json.RawMessage `json:"advice,omitempty"`
	Data                     json.RawMessage `json:"data,omitempty"`
}

// Client is one Bayeux session over long polling. It is driven by one goroutine at a time.
type Client struct {
	Endpoint string       // the Bayeux URL, e.g. http://127.0.0.1:8080/api/v2/notifications
	User     string       // HTTP Basic user sent on every request (empty: no Authorization header)
	Password string       // HTTP Basic password
	HTTP     *http.Client // the transport (shared by every client of a fleet)

	clientID string
	nextID   int
	buf      bytes.Buffer
	cookies  []*http.Cookie // this session's cookies (the CometD servers find a session through one)
}

// ErrRehandshake says the server no longer knows the session (advice reconnect "handshake").
var ErrRehandshake = errors.New("the server asks for a new handshake")

// ClientID is the session id the handshake returned.
func (c *Client) ClientID() string { return c.clientID }

// Send POSTs msgs as one JSON array and returns the array of messages that answered it.
func (c *Client) Send(ctx context.Context, msgs ...Message) ([]Message, error) {
	for i := range msgs {
		c.nextID++
		msgs[i].ID = strconv.Itoa(c.nextID)
	}
	body, err := json.Marshal(msgs)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if c.User != "" {
		req.SetBasicAuth(c.User, c.Password)
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	for _, k := range c.cookies {
		req.AddCookie(k)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	c.keepCookies(resp.Cookies())
	c.buf.Reset()
	if _, err := c.buf.ReadFrom(io.LimitReader(resp.Body, 64<<20)); err != nil {
		return nil, fmt.Errorf("%s: reading the %s reply: %w", c.User, msgs[0].Channel, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s answered HTTP %d: %s", c.User, msgs[0].Channel, resp.StatusCode,
			strings.TrimSpace(c.buf.String()))
	}
	var out []Message
	if err := json.Unmarshal(c.buf.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("%s: the %s reply is not a JSON array of messages: %w", c.User, msgs[0].Channel, err)
	}
	return out, nil
}

// keepCookies stores what the server set, one value per name (no domain or path matching: a session talks
// to one endpoint).
func (c *Client) keepCookies(set []*http.Cookie) {
	for _, k := range set {
		kept := &http.Cookie{Name: k.Name, Value: k.Value}
		replaced := false
		for i, old := range c.cookies {
			if old.Name == k.Name {
				c.cookies[i], replaced = kept, true
			}
		}
		if !replaced {
			c.cookies = append(c.cookies, kept)
		}
	}
}

// meta finds the reply on channel and requires it to be successful.
func (c *Client) meta(replies []Message, channel string) (Message, error) {
	for _, r := range replies {
		if r.Channel != channel {
			continue
		}
		if r.Successful == nil || !*r.Successful {
			if bytes.Contains(r.Advice, []byte(`"handshake"`)) {
				return r, fmt.Errorf("%s: %s: %w (error %q)", c.User, channel, ErrRehandshake, r.Error)
			}
			return r, fmt.Errorf("%s: %s failed: error %q, advice %s", c.User, channel, r.Error, r.Advice)
		}
		return r, nil
	}
	return Message{}, fmt.Errorf("%s: no %s reply among %d messages", c.User, channel, len(replies))
}

// Handshake opens a session offering long polling only.
func (c *Client) Handshake(ctx context.Context) error {
	replies, err := c.Send(ctx, Message{Channel: "/meta/handshake", Version: "1.0", MinimumVersion: "1.0",
		SupportedConnectionTypes: []string{"long-polling"}})
	if err != nil {
		return err
	}
	r, err := c.meta(replies, "/meta/handshake")
	if err != nil {
		return err
	}
	if r.ClientID == "" {
		return fmt.Errorf("%s: handshake reply without clientId", c.User)
	}
	c.clientID = r.ClientID
	return nil
}

// Subscribe adds one channel (or pattern) to the session.
func (c *Client) Subscribe(ctx context.Context, channel string) error {
	replies, err := c.Send(ctx, Message{Channel: "/meta/subscribe", ClientID: c.clientID, Subscription: channel})
	if err != nil {
		return err
	}
	_, err = c.meta(replies, "/meta/subscribe")
	return err
}

// Connect sends one /meta/connect, held by the server until it has something to deliver or its timeout
// passes, and returns the non-meta messages its reply carried, in reply order.
func (c *Client) Connect(ctx context.Context) ([]Message, error) {
	replies, err := c.Send(ctx, Message{Channel: "/meta/connect", ClientID: c.clientID, ConnectionType: "long-polling"})
	if err != nil {
		return nil, err
	}
	if _, err := c.meta(replies, "/meta/connect"); err != nil {
		return nil, err
	}
	events := replies[:0]
	for _, r := range replies {
		if r.Data != nil && !strings.HasPrefix(r.Channel, "/meta/") {
			events = append(events, r)
		}
	}
	return events, nil
}

// Disconnect ends the session.
func (c *Client) Disconnect(ctx context.Context) error {
	replies, err := c.Send(ctx, Message{Channel: "/meta/disconnect", ClientID: c.clientID})
	if err != nil {
		return err
	}
	_, err = c.meta(replies, "/meta/disconnect")
	return err
}
