package cometd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
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
}

// replyID is the id to echo: absent when the request had none (or null).
func (m *message) replyID() json.RawMessage {
	if len(m.ID) == 0 || bytes.Equal(m.ID, []byte("null")) {
		return nil
	}
	return m.ID
}

// adviceTimeout returns the client's advice.timeout, if it sent a numeric one.
func (m *message) adviceTimeout() (time.Duration, bool) {
	if len(m.Advice) == 0 {
		return 0, false
	}
	members, err := strictjson.Members(m.Advice)
	if err != nil {
		return 0, false
	}
	var t float64
	if raw, ok := members["timeout"]; !ok || json.Unmarshal(raw, &t) != nil {
		return 0, false
	}
	if t <= 0 {
		return 0, true
	}
	return time.Duration(min(t, float64(time.Hour/time.Millisecond)) * float64(time.Millisecond)), true
}

// extAck returns the raw ext.ack member.
func (m *message) extAck() json.RawMessage {
	if len(m.Ext) == 0 {
		return nil
	}
	ext, err := strictjson.Members(m.Ext)
	if err != nil {
		return nil
	}
	return ext["ack"]
}

// wantsAck reports whether a handshake asks for the acknowledgement extension: ext.ack true, or the newer
// object form {"enabled":true}.
func (m *message) wantsAck() bool {
	raw := m.extAck()
	if raw == nil {
		return false
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	o, err := strictjson.Members(raw)
	return err == nil && string(o["enabled"]) == "true"
}

// ackBatch returns the batch number a connect acknowledges.
func (m *message) ackBatch() (int64, bool) {
	raw := m.extAck()
	if raw == nil {
		return 0, false
	}
	var n float64
	if json.Unmarshal(raw, &n) != nil {
		return 0, false
	}
	return int64(n), true
}

// offersLongPolling reports whether a handshake's supportedConnectionTypes leaves long-polling possible.
// A missing or empty list is accepted, as common servers do.
func (m *message) offersLongPolling() bool {
	if len(m.SupportedConnectionTypes) == 0 {
		return true
	}
	var types []string
	if json.Unmarshal(m.SupportedConnectionTypes, &types) != nil {
		return false
	}
	if len(types) == 0 {
		return true
	}
	for _, t := range types {
		if t == connectionTypeLongPolling {
			return true
		}
	}
	return false
}

// parseSubscription reads a subscription member: a channel name or a non-empty array of them.
func parseSubscription(raw json.RawMessage) ([]string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, false
	}
	var list []string
	switch raw[0] {
	case '"':
		var one string
		if json.Unmarshal(raw, &one) != nil {
			return nil, false
		}
		list = []string{one}
	case '[':
		if json.Unmarshal(raw, &list) != nil || len(list) == 0 {
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
// at any depth, and members are matched by their exact names.
func parseJSONValue(data []byte, first int) ([]message, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, &RequestError{Index: -1, Err: ErrEmptyBatch}
	}
	if data[0] != '[' && data[0] != '{' {
		return nil, &RequestError{Index: -1, Err: ErrMalformedJSON}
	}
	if err := strictjson.Check(data); err != nil {
		return nil, &RequestError{Index: -1, Err: ErrMalformedJSON, Cause: err}
	}
	var raws []json.RawMessage
	if data[0] == '[' {
		if err := json.Unmarshal(data, &raws); err != nil {
			return nil, &RequestError{Index: -1, Err: ErrMalformedJSON, Cause: err}
		}
	} else {
		raws = []json.RawMessage{data}
	}
	msgs := make([]message, 0, len(raws))
	for i, raw := range raws {
		m, err := decodeMessage(raw)
		if err != nil {
			err.Index = first + i
			return nil, err
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// decodeMessage reads one message object whose text already passed strictjson.Check.
func decodeMessage(raw json.RawMessage) (message, *RequestError) {
	members, err := strictjson.Members(raw)
	if err != nil {
		return message{}, &RequestError{Err: ErrNotAnObject}
	}
	var m message
	str := func(name string, out *string) error {
		v, ok := members[name]
		if !ok || string(v) == "null" {
			return nil
		}
		if err := json.Unmarshal(v, out); err != nil {
			return fmt.Errorf("%s must be a string", name)
		}
		return nil
	}
	var connType string
	for _, f := range []struct {
		name string
		out  *string
	}{{"channel", &m.Channel}, {"clientId", &m.ClientID}, {"connectionType", &connType}} {
		if err := str(f.name, f.out); err != nil {
			return message{}, &RequestError{Err: ErrMalformedMessage, Cause: err}
		}
	}
	if v, ok := members["connectionType"]; ok && string(v) != "null" {
		m.ConnectionType = &connType
	}
	m.ID = members["id"]
	m.Subscription = members["subscription"]
	m.Advice = members["advice"]
	m.Ext = members["ext"]
	m.SupportedConnectionTypes = members["supportedConnectionTypes"]
	if m.Channel == "" {
		return message{}, &RequestError{Err: ErrMissingChannel}
	}
	return m, nil
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

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own reply and event types reach here, and they always encode.
		panic("cometd: encoding a reply: " + err.Error())
	}
	return b
}
