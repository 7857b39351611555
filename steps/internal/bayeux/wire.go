package bayeux

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Meta channel names and the one transport this client speaks.
const (
	ChannelHandshake   = "/meta/handshake"
	ChannelConnect     = "/meta/connect"
	ChannelSubscribe   = "/meta/subscribe"
	ChannelUnsubscribe = "/meta/unsubscribe"
	ChannelDisconnect  = "/meta/disconnect"

	connectionType = "long-polling"
	bayeuxVersion  = "1.0"
)

// Reconnect advice values.
const (
	ReconnectRetry     = "retry"
	ReconnectHandshake = "handshake"
	ReconnectNone      = "none"
)

// Message is one non-meta message the server delivered, handed over as received.
type Message struct {
	Channel  string          // e.g. "/v2/me/calls"
	Data     json.RawMessage // the message's "data" member (nil if absent)
	Raw      json.RawMessage // the whole message object as it appeared in the response
	Received time.Time       // when the response carrying it was read
}

// Advice is the server's standing reconnect advice, newest values winning.
type Advice struct {
	Reconnect string        // "retry", "handshake" or "none"
	Timeout   time.Duration // how long the server may hold a /meta/connect
	Interval  time.Duration // pause before the next /meta/connect; negative means do not reconnect
}

// request is one outgoing Bayeux message.
type request struct {
	Channel                  string   `json:"channel"`
	ID                       string   `json:"id,omitempty"`
	ClientID                 string   `json:"clientId,omitempty"`
	Version                  string   `json:"version,omitempty"`
	MinimumVersion           string   `json:"minimumVersion,omitempty"`
	SupportedConnectionTypes []string `json:"supportedConnectionTypes,omitempty"`
	ConnectionType           string   `json:"connectionType,omitempty"`
	Subscription             string   `json:"subscription,omitempty"`
}

// wireAdvice is an advice object as received; nil members were absent.
type wireAdvice struct {
	Reconnect *string  `json:"reconnect"`
	Timeout   *float64 `json:"timeout"`
	Interval  *float64 `json:"interval"`
}

// reply is one incoming Bayeux message, decoded leniently: members whose type varies between servers are
// kept raw and interpreted by the methods below.
type reply struct {
	Channel                  string          `json:"channel"`
	RawID                    json.RawMessage `json:"id"`
	ClientID                 string          `json:"clientId"`
	Successful               *bool           `json:"successful"`
	RawError                 json.RawMessage `json:"error"`
	Advice                   *wireAdvice     `json:"advice"`
	Data                     json.RawMessage `json:"data"`
	RawSubscription          json.RawMessage `json:"subscription"`
	SupportedConnectionTypes []string        `json:"supportedConnectionTypes"`

	raw json.RawMessage
}

// isMeta reports whether the message belongs to a /meta/ channel.
func (r *reply) isMeta() bool { return strings.HasPrefix(r.Channel, "/meta/") }

// ok reports successful:true.
func (r *reply) ok() bool { return r.Successful != nil && *r.Successful }

// id returns the message id as text; servers echo it as a string, a few as a number.
func (r *reply) id() string { return scalarText(r.RawID) }

// errorText returns the error member as text, whatever its JSON type.
func (r *reply) errorText() string { return scalarText(r.RawError) }

// subscriptions returns the subscription member as a list (it may be a string or an array).
func (r *reply) subscriptions() []string {
	raw := bytes.TrimSpace(r.RawSubscription)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return many
	}
	return nil
}

// scalarText renders a JSON string as its value and any other JSON value as its text; absent or null is "".
func scalarText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// parseResponse decodes the body of a Bayeux response: a JSON array of message objects, or (leniently) a
// single object. An empty body yields no messages and no error. It returns *ProtocolError for anything else.
func parseResponse(channel string, body []byte) ([]reply, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, nil
	}
	var elems []json.RawMessage
	switch trimmed[0] {
	case '[':
		if err := json.Unmarshal(trimmed, &elems); err != nil {
			return nil, &ProtocolError{Channel: channel, Reason: "response is not a JSON array: " + err.Error(), Body: snippet(body)}
		}
	case '{':
		elems = []json.RawMessage{trimmed}
	default:
		return nil, &ProtocolError{Channel: channel, Reason: "response is not JSON", Body: snippet(body)}
	}
	out := make([]reply, 0, len(elems))
	for i, el := range elems {
		var r reply
		if err := json.Unmarshal(el, &r); err != nil {
			return nil, &ProtocolError{Channel: channel, Reason: fmt.Sprintf("message %d is not a Bayeux message object: %v", i, err), Body: snippet(body)}
		}
		if r.Channel == "" {
			return nil, &ProtocolError{Channel: channel, Reason: fmt.Sprintf("message %d has no channel", i), Body: snippet(body)}
		}
		r.raw = append(json.RawMessage(nil), el...)
		out = append(out, r)
	}
	return out, nil
}

// findReply picks the reply to req among replies: same channel and the echoed id, or, from a server that does
// not echo ids, the first unused reply on that channel (for (un)subscribe: naming the same subscription).
// used marks replies already taken by other requests of the same batch.
func findReply(replies []reply, used []bool, req request) (*reply, error) {
	pick := func(match func(*reply) bool) *reply {
		for i := range replies {
			if !used[i] && replies[i].Channel == req.Channel && match(&replies[i]) {
				used[i] = true
				return &replies[i]
			}
		}
		return nil
	}
	if r := pick(func(r *reply) bool { return req.ID != "" && r.id() == req.ID }); r != nil {
		return r, nil
	}
	r := pick(func(r *reply) bool {
		if r.id() != "" {
			return false
		}
		subs := r.subscriptions()
		if req.Subscription == "" || len(subs) == 0 {
			return true
		}
		for _, s := range subs {
			if s == req.Subscription {
				return true
			}
		}
		return false
	})
	if r != nil {
		return r, nil
	}
	return nil, &ProtocolError{Channel: req.Channel, Reason: "no reply to request id " + strconv.Quote(req.ID)}
}

// merge applies the members present in w over a, newest winning.
func (a Advice) merge(w *wireAdvice) Advice {
	if w == nil {
		return a
	}
	if w.Reconnect != nil {
		a.Reconnect = *w.Reconnect
	}
	if w.Timeout != nil {
		a.Timeout = millis(*w.Timeout)
	}
	if w.Interval != nil {
		a.Interval = millis(*w.Interval)
	}
	return a
}

func millis(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// snippet returns the start of a body for error messages.
func snippet(body []byte) string {
	const max = 512
	s := strings.TrimSpace(string(body))
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
