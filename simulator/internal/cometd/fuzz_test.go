package cometd

import (
	"errors"
	"testing"
)

// FuzzParseRequest feeds the Bayeux request parser arbitrary bodies, as JSON and as forms: it never panics,
// refuses with a *RequestError, and every message it accepts has a channel.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{``, `[]`, `{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["long-polling"]}`,
		`[{"channel":"/meta/connect","clientId":"x","connectionType":"long-polling","advice":{"timeout":0},"ext":{"ack":3}}]`,
		`[{"channel":"/meta/subscribe","clientId":"x","subscription":["/v2/me/*","/v2/me/calls"]}]`, `[{"channel":"/a","channel":"/b"}]`,
		`[{"channel":"/a"}] x`, `[null]`, `[{"Channel":"/a"}]`, `message=%5B%7B%22channel%22%3A%22%2Fa%22%7D%5D`, `[{"channel":"/a","ext":{"ack":{"enabled":true}}}]`} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, form bool) {
		msgs, err := parseRequest(body, form)
		if err != nil {
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("refusal %v is not a *RequestError", err)
			}
			return
		}
		for _, m := range msgs {
			if m.Channel == "" {
				t.Fatal("accepted a message without channel")
			}
			m.adviceTimeout()
			m.ackBatch()
			m.wantsAck()
			m.offersLongPolling()
			_, _ = parseSubscription(m.subscription)
		}
	})
}
