package cometd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/coachsim/coachsim/simulator/internal/strictjson"
)

// Meta channels and protocol constants.
const (
	channelHandshake   = "/meta/handshake"
	channelConnect     = "/meta/connect"
	channelSubscribe   = "/meta/subscribe"
	channelUnsubscribe = "/meta/unsubscribe"
	channelDisconnect  = "/meta/disconnect"
	metaPrefix         = "/meta/"

	bayeuxVersion             = "1.0"
	connectionTypeLongPolling = "long-polling"

	reconnectRetry     = "retry"
	reconnectHandshake = "handshake"
	reconnectNone      = "none"
)

// message is one inbound Bayeux message. Members whose shape varies between clients are kept raw and read on
// demand, so that an odd advice or ext never makes a whole batch unreadable.
type message struct {
	Channel                  string          `json:"channel"`
	ID                       json.RawMessage `json:"id"`
	ClientID                 string          `json:"clientId"`
	Subscription             json.RawMessage `json:"subscription"`
	Advice                   json.RawMessage `json:"advice"`
	Ext                      json.RawMessage `json:"ext"`
	SupportedConnectionTypes json.RawMessage `json:"supportedConnectionTypes"`
	ConnectionType           *string         `json:"connectionType"`

	// The same members as parsed with the request (Kind KindAbsent when absent): read without parsing again.
	advice, ext, connTypes, subscription strictjson.Node
}

// replyID is the id to echo: absent when the request had none (or null).
func (m *message) replyID() json.RawMessage {
	if len(m.ID) == 0 || bytes.Equal(m.ID, []byte("null")) {
		return nil
	}
	return m.ID
}

// detach lets the request body go: only the id a reply echoes is kept (copied), for a connect about to be held.
func (m *message) detach() {
	m.ID = bytes.Clone(m.replyID())
	m.Subscription, m.Advice, m.Ext, m.SupportedConnectionTypes = nil, nil, nil, nil
	m.advice, m.ext, m.connTypes, m.subscription = strictjson.Node{}, strictjson.Node{}, strictjson.Node{}, strictjson.Node{}
}

// adviceTimeout returns the client's advice.timeout, if it sent a numeric one.
func (m *message) adviceTimeout() (time.Duration, bool) {
	t, err := m.advice.Get("timeout").Float()
	if err != nil {
		return 0, false
	}
	if t <= 0 {
		return 0, true
	}
	return time.Duration(min(t, float64(time.Hour/time.Millisecond)) * float64(time.Millisecond)), true
}

// wantsAck reports whether a handshake asks for the acknowledgement extension: ext.ack true, or the newer
// object form {"enabled":true}.
func (m *message) wantsAck() bool {
	ack := m.ext.Get("ack")
	switch ack.Kind {
	case strictjson.KindBool:
		return string(ack.Raw) == "true"
	case strictjson.KindObject:
		o, err := strictjson.Parse(ack.Raw, 1)
		return err == nil && string(o.Get("enabled").Raw) == "true"
	}
	return false
}

// ackBatch returns the batch number a connect acknowledges.
func (m *message) ackBatch() (int64, bool) {
	n, err := m.ext.Get("ack").Float()
	if err != nil {
		return 0, false
	}
	return int64(n), true
}

// offersLongPolling reports whether a handshake's supportedConnectionTypes leaves long-polling possible.
// A missing, null or empty list is accepted, as common servers do.
func (m *message) offersLongPolling() bool {
	switch m.connTypes.Kind {
	case strictjson.KindAbsent, strictjson.KindNull:
		return true
	case strictjson.KindArray:
	default:
		return false
	}
	types, ok := stringsOf(m.connTypes.Elems)
	if !ok {
		return false
	}
	return len(types) == 0 || slices.Contains(types, connectionTypeLongPolling)
}

// stringsOf decodes an array's elements as strings; a null element is "" (as encoding/json reads it).
func stringsOf(elems []strictjson.Node) ([]string, bool) {
	out := make([]string, 0, len(elems))
	for _, e := range elems {
		if e.Kind == strictjson.KindNull {
			out = append(out, "")
			continue
		}
		t, err := e.Text()
		if err != nil {
			return nil, false
		}
		out = append(out, t)
	}
	return out, true
}

// parseSubscription reads a subscription member: a channel name or a non-empty array of them.
func parseSubscription(n strictjson.Node) ([]string, bool) {
	var list []string
	switch n.Kind {
	case strictjson.KindString:
		one, err := n.Text()
		if err != nil {
			return nil, false
		}
		list = []string{one}
	case strictjson.KindArray:
		var ok bool
		if list, ok = stringsOf(n.Elems); !ok || len(list) == 0 {
			return nil, false
		}
	default:
		return nil, false
	}
	for _, c := range list {
		if !validChannelName(c) {
			return nil, false
		}
	}
	return list, true
}

// advice is the advice member of a reply.
type advice struct {
	Reconnect string `json:"reconnect,omitempty"`
	Interval  int64  `json:"interval"`
	Timeout   *int64 `json:"timeout,omitempty"`
}

// reply is one outbound meta or publish reply.
type reply struct {
	Channel                  string          `json:"channel"`
	ID                       json.RawMessage `json:"id,omitempty"`
	Successful               bool            `json:"successful"`
	ClientID                 string          `json:"clientId,omitempty"`
	Version                  string          `json:"version,omitempty"`
	MinimumVersion           string          `json:"minimumVersion,omitempty"`
	SupportedConnectionTypes []string        `json:"supportedConnectionTypes,omitempty"`
	Subscription             json.RawMessage `json:"subscription,omitempty"`
	Error                    string          `json:"error,omitempty"`
	Advice                   *advice         `json:"advice,omitempty"`
	Ext                      json.RawMessage `json:"ext,omitempty"`
}

// event is one delivery to a client.
type event struct {
	Channel string          `json:"channel"`
	Data    json.RawMessage `json:"data"`
}

// readBody reads a request body of at most limit bytes.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, &RequestError{Index: -1, Err: ErrUnreadableBody, Cause: err}
	}
	if int64(len(body)) > limit {
		return nil, &RequestError{Index: -1, Err: ErrBodyTooLarge}
	}
	return body, nil
}

// parseRequest reads the Bayeux messages of a body: JSON, or a form with message parameters.
func parseRequest(body []byte, form bool) ([]message, error) {
	if form {
		return parseForm(body)
	}
	return parseBody(body)
}

// parseForm reads message= parameters; each holds a JSON object or array, and their messages are concatenated.
func parseForm(body []byte) ([]message, error) {
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, &RequestError{Index: -1, Err: ErrMalformedForm, Cause: err}
	}
	params, ok := values["message"]
	if !ok {
		return nil, &RequestError{Index: -1, Err: ErrNoMessageParam}
	}
	var all []message
	for _, p := range params {
		msgs, err := parseJSONValue([]byte(p), len(all))
		if err != nil {
			return nil, err
		}
		all = append(all, msgs...)
	}
	if len(all) == 0 {
		return nil, &RequestError{Index: -1, Err: ErrEmptyBatch}
	}
	return all, nil
}

// parseBody reads a JSON body: an array of message objects or a single object.
func parseBody(body []byte) ([]message, error) {
	msgs, err := parseJSONValue(body, 0)
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, &RequestError{Index: -1, Err: ErrEmptyBatch}
	}
	return msgs, nil
}

// parseJSONValue decodes one JSON value holding a message or an array of messages; first is the batch index of
// its first message, used in error reports. The value must be exactly one JSON value with no member named twice
// at any depth, and members are matched by their exact names. The text is read once: strictjson.Parse checks it
// and opens the array, the messages and their advice and ext objects in the same pass.
func parseJSONValue(data []byte, first int) ([]message, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, &RequestError{Index: -1, Err: ErrEmptyBatch}
	}
	if data[0] != '[' && data[0] != '{' {
		return nil, &RequestError{Index: -1, Err: ErrMalformedJSON}
	}
	root, err := strictjson.Parse(data, 3)
	if err != nil {
		return nil, &RequestError{Index: -1, Err: ErrMalformedJSON, Cause: err}
	}
	var nodes []strictjson.Node
	if root.Kind == strictjson.KindArray {
		nodes = root.Elems
	} else {
		nodes = []strictjson.Node{root}
	}
	msgs := make([]message, 0, len(nodes))
	for i, n := range nodes {
		m, err := decodeMessage(n)
		if err != nil {
			err.Index = first + i
			return nil, err
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// decodeMessage reads one message from its parsed node.
func decodeMessage(n strictjson.Node) (message, *RequestError) {
	if n.Kind != strictjson.KindObject {
		return message{}, &RequestError{Err: ErrNotAnObject}
	}
	var m message
	var err error
	if m.Channel, _, err = memberString(n, "channel"); err != nil {
		return message{}, &RequestError{Err: ErrMalformedMessage, Cause: err}
	}
	if m.ClientID, _, err = memberString(n, "clientId"); err != nil {
		return message{}, &RequestError{Err: ErrMalformedMessage, Cause: err}
	}
	connType, given, err := memberString(n, "connectionType")
	if err != nil {
		return message{}, &RequestError{Err: ErrMalformedMessage, Cause: err}
	}
	if given {
		m.ConnectionType = &connType
	}
	m.ID = n.Get("id").Raw
	m.subscription = n.Get("subscription")
	m.Subscription = m.subscription.Raw
	m.advice = n.Get("advice")
	m.Advice = m.advice.Raw
	m.ext = n.Get("ext")
	m.Ext = m.ext.Raw
	m.connTypes = n.Get("supportedConnectionTypes")
	m.SupportedConnectionTypes = m.connTypes.Raw
	if m.Channel == "" {
		return message{}, &RequestError{Err: ErrMissingChannel}
	}
	return m, nil
}

// memberString reads an optional string member; absent or null is "" and not given.
func memberString(n strictjson.Node, name string) (string, bool, error) {
	v := n.Get(name)
	if v.Kind == strictjson.KindAbsent || v.Kind == strictjson.KindNull {
		return "", false, nil
	}
	t, err := v.Text()
	if err != nil {
		return "", false, fmt.Errorf("%s must be a string", name)
	}
	return t, true, nil
}

// encodeArray joins already-encoded JSON values into one array.
func encodeArray(parts [][]byte) []byte {
	n := 2
	for _, p := range parts {
		n += len(p) + 1
	}
	out := make([]byte, 0, n)
	out = append(out, '[')
	for i, p := range parts {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, p...)
	}
	return append(out, ']')
}

// appendEvent appends the delivered message {"channel":channel,"data":data}, as encoding/json would write
// event{channel, data} (data is valid JSON and goes in as it is).
func appendEvent(dst []byte, channel string, data []byte) []byte {
	dst = append(dst, `{"channel":`...)
	dst = appendString(dst, channel)
	dst = append(dst, `,"data":`...)
	dst = append(dst, data...)
	return append(dst, '}')
}

// appendString appends s as a JSON string. Channel names are plain ASCII; anything else takes encoding/json's
// path, so the result is always what json.Marshal gives.
func appendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return append(dst, mustMarshal(s)...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own reply and event types reach here, and they always encode.
		panic("cometd: encoding a reply: " + err.Error())
	}
	return b
}
