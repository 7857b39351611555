package bayeux

import (
	"errors"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("reply parsing", func() {
	DescribeTable("parseResponse",
		func(body string, wantChannels []string, wantErr string) {
			replies, err := parseResponse(ChannelConnect, []byte(body))
			if wantErr != "" {
				Expect(err).To(MatchError(ContainSubstring(wantErr)))
				Expect(errors.Is(err, ErrProtocol)).To(BeTrue())
				return
			}
			Expect(err).NotTo(HaveOccurred())
			var got []string
			for _, r := range replies {
				got = append(got, r.Channel)
			}
			Expect(got).To(Equal(wantChannels))
		},
		Entry("array of messages", `[{"channel":"/v2/me/calls","data":{}},{"channel":"/meta/connect","successful":true}]`,
			[]string{"/v2/me/calls", "/meta/connect"}, ""),
		Entry("a single object is accepted", ` {"channel":"/meta/connect","successful":true}`, []string{"/meta/connect"}, ""),
		Entry("empty body means no messages", "  \n", nil, ""),
		Entry("empty array", "[]", nil, ""),
		Entry("not JSON", "<html>oops</html>", nil, "response is not JSON"),
		Entry("broken array", `[{"channel":"/meta/connect"`, nil, "not a JSON array"),
		Entry("element not an object", `[1]`, nil, "message 0 is not a Bayeux message object"),
		Entry("message without channel", `[{"successful":true}]`, nil, "message 0 has no channel"),
	)

	It("keeps every member raw and reads lenient fields", func() {
		replies, err := parseResponse(ChannelSubscribe, []byte(
			`[{"channel":"/meta/subscribe","id":7,"successful":false,"error":"403:x,/a:denied",`+
				`"subscription":["/a","/b"],"advice":{"reconnect":"handshake","interval":250,"timeout":1500.5}},`+
				`{"channel":"/v2/me/calls","data":{"messageType":"CallStateChangeMessage"},"id":"9"}]`))
		Expect(err).NotTo(HaveOccurred())
		Expect(replies).To(HaveLen(2))
		r := replies[0]
		Expect(r.id()).To(Equal("7"))
		Expect(r.ok()).To(BeFalse())
		Expect(r.isMeta()).To(BeTrue())
		Expect(r.errorText()).To(Equal("403:x,/a:denied"))
		Expect(r.subscriptions()).To(Equal([]string{"/a", "/b"}))
		adv := Advice{Reconnect: ReconnectRetry, Timeout: time.Second}.merge(r.Advice)
		Expect(adv).To(Equal(Advice{Reconnect: ReconnectHandshake, Timeout: 1500*time.Millisecond + 500*time.Microsecond, Interval: 250 * time.Millisecond}))
		ev := replies[1]
		Expect(ev.isMeta()).To(BeFalse())
		Expect(string(ev.Data)).To(MatchJSON(`{"messageType":"CallStateChangeMessage"}`))
		Expect(string(ev.raw)).To(MatchJSON(`{"channel":"/v2/me/calls","data":{"messageType":"CallStateChangeMessage"},"id":"9"}`))
	})

	It("merges only the advice members present", func() {
		base := Advice{Reconnect: ReconnectRetry, Timeout: 30 * time.Second, Interval: time.Second}
		Expect(base.merge(nil)).To(Equal(base))
		none := "none"
		Expect(base.merge(&wireAdvice{Reconnect: &none})).To(Equal(Advice{Reconnect: "none", Timeout: 30 * time.Second, Interval: time.Second}))
	})

	DescribeTable("ParseErrorText",
		func(text string, code int, args []string, msg string) {
			gotCode, gotArgs, gotMsg := ParseErrorText(text)
			Expect(gotCode).To(Equal(code))
			Expect(gotArgs).To(Equal(args))
			Expect(gotMsg).To(Equal(msg))
		},
		Entry("unknown client", "402::Unknown client", 402, []string(nil), "Unknown client"),
		Entry("args", "403:abc,/foo/bar:Subscription denied", 403, []string{"abc", "/foo/bar"}, "Subscription denied"),
		Entry("message containing colons", "401::Auth failed: bad password", 401, []string(nil), "Auth failed: bad password"),
		Entry("code and message only", "500:boom", 500, []string(nil), "boom"),
		Entry("free text", "session_unknown", 0, []string(nil), "session_unknown"),
		Entry("non-numeric code", "abc::x", 0, []string(nil), "abc::x"),
		Entry("empty", "", 0, []string(nil), ""),
	)

	DescribeTable("ServerError wraps the right sentinel",
		func(text string, sessionUnknown bool) {
			err := newServerError(ChannelConnect, "", text)
			Expect(errors.Is(err, ErrRefused)).To(BeTrue())
			Expect(errors.Is(err, ErrSessionUnknown)).To(Equal(sessionUnknown))
			Expect(err.Error()).To(ContainSubstring(text))
		},
		Entry("402", "402::Unknown client", true),
		Entry("403", "403::denied", false),
		Entry("free text", "nope", false),
	)

	Describe("findReply", func() {
		It("matches echoed ids, then id-less replies by channel and subscription", func() {
			replies, err := parseResponse(ChannelSubscribe, []byte(`[
				{"channel":"/meta/subscribe","successful":true,"subscription":"/b"},
				{"channel":"/meta/subscribe","id":"1","successful":true,"subscription":"/a"},
				{"channel":"/meta/subscribe","successful":false,"subscription":"/c"}]`))
			Expect(err).NotTo(HaveOccurred())
			used := make([]bool, len(replies))
			a, err := findReply(replies, used, request{Channel: ChannelSubscribe, ID: "1", Subscription: "/a"})
			Expect(err).NotTo(HaveOccurred())
			Expect(a.subscriptions()).To(Equal([]string{"/a"}))
			c, err := findReply(replies, used, request{Channel: ChannelSubscribe, ID: "3", Subscription: "/c"})
			Expect(err).NotTo(HaveOccurred())
			Expect(c.ok()).To(BeFalse())
			b, err := findReply(replies, used, request{Channel: ChannelSubscribe, ID: "2", Subscription: "/b"})
			Expect(err).NotTo(HaveOccurred())
			Expect(b.ok()).To(BeTrue())
			_, err = findReply(replies, used, request{Channel: ChannelSubscribe, ID: "4", Subscription: "/d"})
			Expect(errors.Is(err, ErrProtocol)).To(BeTrue())
		})

		It("does not take a reply that echoes another request's id", func() {
			replies, err := parseResponse(ChannelConnect, []byte(`[{"channel":"/meta/connect","id":"5","successful":true}]`))
			Expect(err).NotTo(HaveOccurred())
			_, err = findReply(replies, make([]bool, 1), request{Channel: ChannelConnect, ID: "6"})
			Expect(err).To(MatchError(ContainSubstring(`no reply to request id "6"`)))
		})
	})

	It("backs off by doubling up to the bound and resets", func() {
		b := backoff{min: 10 * time.Millisecond, max: 50 * time.Millisecond}
		var got []time.Duration
		for range 5 {
			got = append(got, b.next())
		}
		Expect(got).To(Equal([]time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond}))
		b.reset()
		Expect(b.next()).To(Equal(10 * time.Millisecond))
	})
})
