package simulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// WireDeviations make the simulator break the wire shapes of its notifications and Bayeux replies, after the
// voice core has done everything right. Like Deviations they exist only so that the conformance suite's own
// tests can prove it catches each violation; never use them otherwise.
type WireDeviations struct {
	// WrongPhoneNumber: every CallStateChangeMessage carries a phoneNumber that is no user's DN.
	WrongPhoneNumber bool
	// NumericDuration: every call's duration is a JSON number instead of a string.
	NumericDuration bool
	// NoHandshakeAdvice: a Bayeux "402::Unknown client" error reply carries no advice.
	NoHandshakeAdvice bool
}

// WithWireDeviations makes the simulator break wire shapes (suite self-tests only).
func WithWireDeviations(d WireDeviations) Option { return func(c *config) { c.wire = d } }

// wrongPhoneNumber is the phoneNumber WrongPhoneNumber writes: a DN no fixture gives anyone.
const wrongPhoneNumber = "0000"

// notification returns the data to publish for data: unchanged unless a notification deviation applies.
func (d WireDeviations) notification(data []byte) []byte {
	if !d.WrongPhoneNumber && !d.NumericDuration {
		return data
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil || string(m["messageType"]) != `"CallStateChangeMessage"` {
		return data
	}
	if d.WrongPhoneNumber {
		m["phoneNumber"] = json.RawMessage(strconv.Quote(wrongPhoneNumber))
	}
	if d.NumericDuration {
		var call map[string]json.RawMessage
		var dur string
		if json.Unmarshal(m["call"], &call) == nil && json.Unmarshal(call["duration"], &dur) == nil {
			if n, err := strconv.Atoi(dur); err == nil {
				call["duration"] = json.RawMessage(strconv.Itoa(n))
				m["call"], _ = json.Marshal(call)
			}
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		return data
	}
	return out
}

// handler wraps the API when NoHandshakeAdvice applies: replies of the notification endpoint are held back
// until complete, and the advice of every 402 error in them is removed.
func (d WireDeviations) handler(next http.Handler) http.Handler {
	if !d.NoHandshakeAdvice {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/v2/notifications") {
			next.ServeHTTP(w, r)
			return
		}
		buf := &bufferedReply{ResponseWriter: w}
		next.ServeHTTP(buf, r)
		body := stripUnknownClientAdvice(buf.body.Bytes())
		w.Header().Del("Content-Length")
		if buf.status != 0 {
			w.WriteHeader(buf.status)
		}
		_, _ = w.Write(body)
	})
}

// bufferedReply keeps a reply's status and body until the handler returns.
type bufferedReply struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (h *bufferedReply) WriteHeader(code int) {
	if h.status == 0 {
		h.status = code
	}
}
func (h *bufferedReply) Write(p []byte) (int, error) { return h.body.Write(p) }
func (h *bufferedReply) Flush()                      {}
func (h *bufferedReply) Unwrap() http.ResponseWriter { return h.ResponseWriter }

func stripUnknownClientAdvice(body []byte) []byte {
	var msgs []map[string]json.RawMessage
	if json.Unmarshal(body, &msgs) != nil {
		return body
	}
	changed := false
	for _, m := range msgs {
		var text string
		if json.Unmarshal(m["error"], &text) == nil && strings.HasPrefix(text, "402") {
			if _, ok := m["advice"]; ok {
				delete(m, "advice")
				changed = true
			}
		}
	}
	if !changed {
		return body
	}
	out, err := json.Marshal(msgs)
	if err != nil {
		return body
	}
	return out
}
