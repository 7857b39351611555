package cometd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// The request reader and the publish path as they were before requests were parsed once and events assembled
// once, kept as the baselines of BenchmarkParseRequest and BenchmarkPublishEvent: a token-by-token strictness
// check with encoding/json's Decoder, then an unmarshal of the array, of every message into a map, of every
// string member, and of advice and ext into maps again when the server reads them; and json.Valid plus
// json.Marshal of the event for every publish.

func baselineCheck(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := baselineWalk(dec); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the value")
	}
	return nil
}

func baselineWalk(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]struct{}{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := kt.(string)
			if _, dup := seen[key]; dup {
				return fmt.Errorf("duplicate %q", key)
			}
			seen[key] = struct{}{}
			if err := baselineWalk(dec); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	case json.Delim('['):
		for dec.More() {
			if err := baselineWalk(dec); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	}
	return err
}

type baselineMessage struct {
	channel, clientID, connType string
	id, advice, ext             json.RawMessage
}

func baselineParse(data []byte) ([]baselineMessage, error) {
	data = bytes.TrimSpace(data)
	if err := baselineCheck(data); err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	if data[0] == '[' {
		if err := json.Unmarshal(data, &raws); err != nil {
			return nil, err
		}
	} else {
		raws = []json.RawMessage{data}
	}
	out := make([]baselineMessage, 0, len(raws))
	for _, raw := range raws {
		var members map[string]json.RawMessage
		if err := json.Unmarshal(raw, &members); err != nil {
			return nil, err
		}
		var m baselineMessage
		for name, dst := range map[string]*string{"channel": &m.channel, "clientId": &m.clientID, "connectionType": &m.connType} {
			if v, ok := members[name]; ok && string(v) != "null" {
				if err := json.Unmarshal(v, dst); err != nil {
					return nil, err
				}
			}
		}
		m.id, m.advice, m.ext = members["id"], members["advice"], members["ext"]
		out = append(out, m)
	}
	return out, nil
}

// baselineRead is what the server then read of a connect: advice.timeout and ext.ack, each from a fresh map.
func baselineRead(m *baselineMessage) (time.Duration, int64) {
	var t, ack float64
	if len(m.advice) > 0 {
		var adv map[string]json.RawMessage
		if json.Unmarshal(m.advice, &adv) == nil {
			_ = json.Unmarshal(adv["timeout"], &t)
		}
	}
	if len(m.ext) > 0 {
		var ext map[string]json.RawMessage
		if json.Unmarshal(m.ext, &ext) == nil {
			_ = json.Unmarshal(ext["ack"], &ack)
		}
	}
	return time.Duration(t) * time.Millisecond, int64(ack)
}

var benchBodies = map[string]string{
	"connect":   `[{"channel":"/meta/connect","clientId":"5f1c0e7d2b9a4c3e8d7f6a5b4c3d2e1f0a9b8c7d","connectionType":"long-polling","id":"17","advice":{"timeout":0},"ext":{"ack":16}}]`,
	"handshake": `[{"channel":"/meta/handshake","version":"1.0","minimumVersion":"1.0","supportedConnectionTypes":["long-polling","callback-polling"],"id":"1","ext":{"ack":true},"advice":{"timeout":60000,"interval":0}}]`,
	"subscribe": `[{"channel":"/meta/subscribe","clientId":"5f1c0e7d2b9a4c3e8d7f6a5b4c3d2e1f0a9b8c7d","subscription":"/v2/me/*","id":"2"},{"channel":"/meta/connect","clientId":"5f1c0e7d2b9a4c3e8d7f6a5b4c3d2e1f0a9b8c7d","connectionType":"long-polling","id":"3"}]`,
}

// BenchmarkParseRequest reads typical request bodies and what the server reads of them (advice.timeout,
// ext.ack): baseline is the former reader, once is the one-pass reader; once reports x-baseline, its ns/op
// over the baseline's from the same run.
func BenchmarkParseRequest(b *testing.B) {
	for _, name := range []string{"connect", "handshake", "subscribe"} {
		body := []byte(benchBodies[name])
		var baseNs float64
		b.Run(name+"/baseline", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				msgs, err := baselineParse(body)
				if err != nil || msgs[0].channel == "" {
					b.Fatal(err)
				}
				for i := range msgs {
					baselineRead(&msgs[i])
				}
			}
			baseNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
		b.Run(name+"/once", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				msgs, err := parseRequest(body, false)
				if err != nil || msgs[0].Channel == "" {
					b.Fatal(err)
				}
				for i := range msgs {
					msgs[i].adviceTimeout()
					msgs[i].ackBatch()
				}
			}
			if baseNs > 0 {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/baseNs, "x-baseline")
			}
		})
	}
}

// engineData is a call notification as the engine encodes it (json.Marshal: HTML characters escaped).
func engineData(tb testing.TB) json.RawMessage {
	v := map[string]any{
		"messageType": "CallStateChangeMessage", "notificationType": "StatusChange", "phoneNumber": "5001",
		"call": map[string]any{
			"id": "01CS0000000000000000000000000017", "state": "Established", "callUuid": "01CS0000000000000000000000000017",
			"deviceUri":    "http://127.0.0.1:8080/api/v2/devices/00000000-0000-4000-8000-000000005001",
			"participants": []any{map[string]any{"e164Number": "", "formattedPhoneNumber": "5000", "phoneNumber": "5000", "digits": "5000"}},
			"dnis":         "5001", "callType": "Internal", "userData": map[string]any{"segment": "<gold & silver>"},
			"capabilities": strings.Split("Hangup,Hold,SingleStepTransfer,InitiateTransfer,InitiateConference,SingleStepConference,AttachUserData,UpdateUserData,DeleteUserData,DeleteUserDataPair,SendDtmf", ","),
			"duration":     "12", "mute": "Off", "supervisorListeningIn": true, "monitoredUserMuted": false,
			"uri": "http://127.0.0.1:8080/api/v2/me/calls/01CS0000000000000000000000000017", "path": "/calls/01CS0000000000000000000000000017",
		},
		"extensions": map[string]any{"BusinessCall": 0},
		"metrics":    map[string]any{"eventProcessing": map[string]any{"serverGenerationTimestamp": 1767603600000}},
	}
	data, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func TestAppendEventIsWhatMarshalWrites(t *testing.T) {
	data := engineData(t)
	for _, ch := range []string{ChannelCalls, ChannelDevices, `/odd"channel<&>`, "/é"} {
		want := mustMarshal(event{Channel: ch, Data: data})
		if got := appendEvent(nil, ch, data); !bytes.Equal(got, want) {
			t.Errorf("channel %q:\n got %s\nwant %s", ch, got, want)
		}
	}
}

// BenchmarkPublishEvent makes the queued bytes of one published notification: baseline checks the data with
// json.Valid and encodes the event with json.Marshal (Publish), encoded-once appends the engine's bytes
// (PublishEncoded). encoded-once reports x-baseline.
func BenchmarkPublishEvent(b *testing.B) {
	data := engineData(b)
	var baseNs float64
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !json.Valid(data) {
				b.Fatal("invalid")
			}
			_ = mustMarshal(event{Channel: ChannelCalls, Data: data})
		}
		baseNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("encoded-once", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = appendEvent(make([]byte, 0, len(ChannelCalls)+len(data)+24), ChannelCalls, data)
		}
		if baseNs > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/baseNs, "x-baseline")
		}
	})
}
