// Package apitest holds what the simulator's HTTP component specs share: a reply as a spec received it,
// with its GWS statusCode and statusMessage decoded, and Gomega matchers for them. It is imported by tests
// only.
//
// Concurrency contract: a Reply is a plain value; the matchers keep no state.
package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gcustom"
	"github.com/onsi/gomega/types"
)

// Reply is one HTTP reply, read in full.
type Reply struct {
	Method, Path string
	Status       int
	Header       http.Header
	Body         []byte
}

// GomegaString shows a reply readably in failure messages (long bodies cut).
func (r Reply) GomegaString() string {
	body := strings.TrimSpace(string(r.Body))
	if len(body) > 600 {
		body = body[:600] + "…"
	}
	return fmt.Sprintf("%s %s -> HTTP %d %s", r.Method, r.Path, r.Status, body)
}

// Object decodes the body as a JSON object; it fails the spec when the body is not one.
func (r Reply) Object() map[string]any {
	GinkgoHelper()
	var m map[string]any
	Expect(json.Unmarshal(r.Body, &m)).To(Succeed(), "body of %s", r.GomegaString())
	return m
}

// Code is the body's statusCode, or -1 when the body has none.
func (r Reply) Code() int {
	var m struct {
		StatusCode *int `json:"statusCode"`
	}
	if json.Unmarshal(r.Body, &m) != nil || m.StatusCode == nil {
		return -1
	}
	return *m.StatusCode
}

// Message is the body's statusMessage.
func (r Reply) Message() string {
	var m struct {
		StatusMessage string `json:"statusMessage"`
	}
	_ = json.Unmarshal(r.Body, &m)
	return m.StatusMessage
}

// HaveStatus matches a reply with this HTTP status and statusCode.
func HaveStatus(httpStatus, statusCode int) types.GomegaMatcher {
	return gcustom.MakeMatcher(func(r Reply) (bool, error) {
		return r.Status == httpStatus && r.Code() == statusCode, nil
	}).WithTemplate(fmt.Sprintf("Expected HTTP %d with statusCode %d{{if .NegatedFailure}} not{{end}}, got\n{{.FormattedActual}}",
		httpStatus, statusCode))
}

// Acknowledged matches an acknowledged request: HTTP 200 and statusCode 0.
func Acknowledged() types.GomegaMatcher { return HaveStatus(http.StatusOK, 0) }

// BodyReader turns a request body for a spec into a reader: nil sends none, a string or []byte is sent as
// is, anything else as JSON.
func BodyReader(body any) (io.Reader, error) {
	switch b := body.(type) {
	case nil:
		return nil, nil
	case string:
		return strings.NewReader(b), nil
	case []byte:
		return bytes.NewReader(b), nil
	}
	data, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encoding a request body: %w", err)
	}
	return bytes.NewReader(data), nil
}

// Buffer is an io.Writer that one goroutine (a logger, a child process) may write while another reads it.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
