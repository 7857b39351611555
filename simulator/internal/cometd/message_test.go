package cometd

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/simulator/internal/strictjson"
)

const (
	jsonType = "application/json;charset=UTF-8"
	formType = "application/x-www-form-urlencoded"
)

var _ = Describe("reading a request body", func() {
	read := func(contentType, body string, limit int64) ([]message, error) {
		r := httptest.NewRequest(http.MethodPost, endpoint, strings.NewReader(body))
		data, err := readBody(r, limit)
		if err != nil {
			return nil, err
		}
		return parseRequest(data, strings.HasPrefix(contentType, formType))
	}

	DescribeTable("accepted bodies",
		func(contentType, body string, channels []string) {
			msgs, err := read(contentType, body, DefaultMaxBodyBytes)
			Expect(err).NotTo(HaveOccurred())
			got := make([]string, len(msgs))
			for i, m := range msgs {
				got[i] = m.Channel
			}
			Expect(got).To(Equal(channels))
		},
		Entry("JSON array", jsonType, `[{"channel":"/meta/connect"},{"channel":"/meta/subscribe"}]`,
			[]string{"/meta/connect", "/meta/subscribe"}),
		Entry("single JSON object", jsonType, `{"channel":"/meta/handshake"}`, []string{"/meta/handshake"}),
		Entry("surrounding whitespace", jsonType, "\n  [ {\"channel\":\"/meta/connect\"} ]\n", []string{"/meta/connect"}),
		Entry("no content type is read as JSON", "", `[{"channel":"/meta/connect"}]`, []string{"/meta/connect"}),
		Entry("form with one message array", formType,
			"message="+urlEscape(`[{"channel":"/meta/connect"},{"channel":"/meta/disconnect"}]`),
			[]string{"/meta/connect", "/meta/disconnect"}),
		Entry("form with charset and repeated message values", formType+"; charset=UTF-8",
			"message="+urlEscape(`{"channel":"/meta/handshake"}`)+"&message="+urlEscape(`[{"channel":"/meta/connect"}]`),
			[]string{"/meta/handshake", "/meta/connect"}),
		Entry("unknown members are ignored", jsonType, `[{"channel":"/meta/connect","connectionType":"long-polling","x":[1]}]`,
			[]string{"/meta/connect"}),
	)

	DescribeTable("rejected bodies",
		func(contentType, body string, limit int64, sentinel error, index int, text string) {
			_, err := read(contentType, body, limit)
			Expect(err).To(MatchError(sentinel))
			var re *RequestError
			Expect(errors.As(err, &re)).To(BeTrue(), "error %v is not a *RequestError", err)
			Expect(re.Index).To(Equal(index))
			Expect(err.Error()).To(ContainSubstring(text))
		},
		Entry("not JSON", jsonType, `hello`, int64(DefaultMaxBodyBytes), ErrMalformedJSON, -1, "not a JSON object or array"),
		Entry("truncated array", jsonType, `[{"channel":"/meta/connect"}`, int64(DefaultMaxBodyBytes), ErrMalformedJSON, -1, "unexpected EOF"),
		Entry("garbage after an object", jsonType, `{"channel":"/a"} x`, int64(DefaultMaxBodyBytes), ErrMalformedJSON, -1, "not a JSON object"),
		Entry("a JSON string", jsonType, `"channel"`, int64(DefaultMaxBodyBytes), ErrMalformedJSON, -1, "not a JSON object"),
		Entry("empty body", jsonType, ``, int64(DefaultMaxBodyBytes), ErrEmptyBatch, -1, "no bayeux message"),
		Entry("empty array", jsonType, `[]`, int64(DefaultMaxBodyBytes), ErrEmptyBatch, -1, "no bayeux message"),
		Entry("element is not an object", jsonType, `[{"channel":"/a"},1]`, int64(DefaultMaxBodyBytes), ErrNotAnObject, 1, "message 1: message is not a JSON object"),
		Entry("null element", jsonType, `[null]`, int64(DefaultMaxBodyBytes), ErrNotAnObject, 0, "message 0"),
		Entry("missing channel", jsonType, `[{"channel":"/meta/connect"},{"id":"2"}]`, int64(DefaultMaxBodyBytes), ErrMissingChannel, 1, "message 1: message has no channel"),
		Entry("empty channel", jsonType, `{"channel":""}`, int64(DefaultMaxBodyBytes), ErrMissingChannel, 0, "no channel"),
		Entry("a member named twice", jsonType, `[{"channel":"/meta/connect","channel":"/meta/handshake"}]`, int64(DefaultMaxBodyBytes), ErrMalformedJSON, -1, "duplicate member"),
		Entry("a nested member named twice", jsonType, `[{"channel":"/meta/connect","ext":{"ack":1,"ack":2}}]`, int64(DefaultMaxBodyBytes), ErrMalformedJSON, -1, "duplicate member"),
		Entry("a second value after the array", jsonType, `[{"channel":"/a"}][{"channel":"/b"}]`, int64(DefaultMaxBodyBytes), ErrMalformedJSON, -1, "data after"),
		Entry("members match by exact name only", jsonType, `{"Channel":"/meta/handshake"}`, int64(DefaultMaxBodyBytes), ErrMissingChannel, 0, "no channel"),
		Entry("numeric channel", jsonType, `{"channel":5}`, int64(DefaultMaxBodyBytes), ErrMalformedMessage, 0, "wrong type"),
		Entry("numeric clientId", jsonType, `[{"channel":"/meta/connect","clientId":7}]`, int64(DefaultMaxBodyBytes), ErrMalformedMessage, 0, "clientId"),
		Entry("form without message", formType, `foo=bar`, int64(DefaultMaxBodyBytes), ErrNoMessageParam, -1, "no message parameter"),
		Entry("form with a bad escape", formType, `message=%zz`, int64(DefaultMaxBodyBytes), ErrMalformedForm, -1, "could not be decoded"),
		Entry("form whose second value lacks a channel", formType,
			"message="+urlEscape(`[{"channel":"/a"},{"channel":"/b"}]`)+"&message="+urlEscape(`{"id":"3"}`),
			int64(DefaultMaxBodyBytes), ErrMissingChannel, 2, "message 2"),
		Entry("body over the limit", jsonType, `[{"channel":"/meta/connect"}]`, int64(10), ErrBodyTooLarge, -1, "too large"),
	)
})

var _ = Describe("message members", func() {
	decode := func(s string) *message {
		msgs, err := parseBody([]byte(s))
		Expect(err).NotTo(HaveOccurred())
		return &msgs[0]
	}

	DescribeTable("id echo",
		func(body string, want string) {
			Expect(string(decode(body).replyID())).To(Equal(want))
		},
		Entry("string id", `{"channel":"/a","id":"7"}`, `"7"`),
		Entry("numeric id", `{"channel":"/a","id":7}`, `7`),
		Entry("no id", `{"channel":"/a"}`, ``),
		Entry("null id", `{"channel":"/a","id":null}`, ``),
	)

	DescribeTable("advice.timeout of a connect",
		func(body string, want time.Duration, given bool) {
			d, ok := decode(body).adviceTimeout()
			Expect(ok).To(Equal(given))
			Expect(d).To(Equal(want))
		},
		Entry("zero", `{"channel":"/meta/connect","advice":{"timeout":0}}`, time.Duration(0), true),
		Entry("milliseconds", `{"channel":"/meta/connect","advice":{"timeout":1500}}`, 1500*time.Millisecond, true),
		Entry("negative means at once", `{"channel":"/meta/connect","advice":{"timeout":-1}}`, time.Duration(0), true),
		Entry("absent", `{"channel":"/meta/connect"}`, time.Duration(0), false),
		Entry("advice without timeout", `{"channel":"/meta/connect","advice":{"interval":0}}`, time.Duration(0), false),
		Entry("not a number is ignored", `{"channel":"/meta/connect","advice":{"timeout":"soon"}}`, time.Duration(0), false),
	)

	DescribeTable("acknowledgement extension",
		func(body string, wants bool, batch int64, hasBatch bool) {
			m := decode(body)
			Expect(m.wantsAck()).To(Equal(wants))
			n, ok := m.ackBatch()
			Expect(ok).To(Equal(hasBatch))
			Expect(n).To(Equal(batch))
		},
		Entry("handshake asking for acks", `{"channel":"/meta/handshake","ext":{"ack":true}}`, true, int64(0), false),
		Entry("object form", `{"channel":"/meta/handshake","ext":{"ack":{"enabled":true}}}`, true, int64(0), false),
		Entry("no ext", `{"channel":"/meta/handshake"}`, false, int64(0), false),
		Entry("ack false", `{"channel":"/meta/handshake","ext":{"ack":false}}`, false, int64(0), false),
		Entry("connect acknowledging batch 4", `{"channel":"/meta/connect","ext":{"ack":4}}`, false, int64(4), true),
		Entry("ext not an object", `{"channel":"/meta/connect","ext":3}`, false, int64(0), false),
	)

	DescribeTable("supportedConnectionTypes",
		func(body string, want bool) { Expect(decode(body).offersLongPolling()).To(Equal(want)) },
		Entry("long-polling listed", `{"channel":"/meta/handshake","supportedConnectionTypes":["websocket","long-polling"]}`, true),
		Entry("absent", `{"channel":"/meta/handshake"}`, true),
		Entry("empty list", `{"channel":"/meta/handshake","supportedConnectionTypes":[]}`, true),
		Entry("websocket only", `{"channel":"/meta/handshake","supportedConnectionTypes":["websocket"]}`, false),
		Entry("not a list", `{"channel":"/meta/handshake","supportedConnectionTypes":"long-polling"}`, false),
	)

	DescribeTable("subscription member",
		func(raw string, want []string, ok bool) {
			got, valid := parseSubscription(parsedNode(raw))
			Expect(valid).To(Equal(ok))
			Expect(got).To(Equal(want))
		},
		Entry("a string", `"/v2/me/devices"`, []string{"/v2/me/devices"}, true),
		Entry("an array", `["/v2/me/devices","/v2/me/calls"]`, []string{"/v2/me/devices", "/v2/me/calls"}, true),
		Entry("absent", ``, []string(nil), false),
		Entry("empty string", `""`, []string(nil), false),
		Entry("empty array", `[]`, []string(nil), false),
		Entry("a number", `5`, []string(nil), false),
		Entry("array holding a number", `["/v2/me/devices",5]`, []string(nil), false),
		Entry("no leading slash", `"v2/me/devices"`, []string(nil), false),
		Entry("wildcard not last", `"/v2/*/calls"`, []string(nil), false),
	)
})

var _ = Describe("channels", func() {
	DescribeTable("pattern matching",
		func(pattern, channel string, want bool) { Expect(matches(pattern, channel)).To(Equal(want)) },
		Entry("exact", "/v2/me/devices", "/v2/me/devices", true),
		Entry("different", "/v2/me/devices", "/v2/me/calls", false),
		Entry("one-segment wildcard", "/v2/me/*", "/v2/me/calls", true),
		Entry("one-segment wildcard, deeper channel", "/v2/me/*", "/v2/me/calls/x", false),
		Entry("one-segment wildcard, the parent itself", "/v2/me/*", "/v2/me", false),
		Entry("one-segment wildcard, sibling prefix", "/v2/me/*", "/v2/meet", false),
		Entry("deep wildcard", "/v2/**", "/v2/me/calls", true),
		Entry("deep wildcard, the parent itself", "/v2/**", "/v2", false),
	)

	DescribeTable("what clients may subscribe to",
		func(channel string, want bool) { Expect(subscribable(channel)).To(Equal(want)) },
		Entry("devices", ChannelDevices, true),
		Entry("calls", ChannelCalls, true),
		Entry("both", ChannelAll, true),
		Entry("multimedia channel states", "/v2/me/channels", true),
		Entry("services", "/notifications/services", true),
		Entry("another channel of the user", "/v2/me/chats", true),
		Entry("another notifications channel", "/notifications/other", true),
		Entry("a wildcard under notifications", "/notifications/*", false),
		Entry("an empty segment", "/v2/me//x", false),
		Entry("deep wildcard", "/v2/me/**", false),
		Entry("another user's tree", "/v2/users", false),
		Entry("meta", "/meta/connect", false),
		Entry("service", "/service/x", false),
	)

	DescribeTable("error member format",
		func(code int, args []string, text, want string) {
			Expect(bayeuxError(code, args, text)).To(Equal(want))
		},
		Entry("no args", 401, nil, "Authentication required", "401::Authentication required"),
		Entry("two args", 403, []string{"abc", "/foo"}, "Subscription denied", "403:abc,/foo:Subscription denied"),
	)
})

// parsedNode is raw as the request parser hands a member to the message helpers (absent when raw is empty or
// not JSON).
func parsedNode(raw string) strictjson.Node {
	n, err := strictjson.Parse([]byte(raw), 2)
	if err != nil {
		return strictjson.Node{}
	}
	return n
}
