package gws

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Options tune a Client. The zero value is ready to use.
type Options struct {
	// OnExchange, when set, is called once after every request made through the Client's methods, successful
	// or not. It must be safe for concurrent use and should return quickly.
	OnExchange func(Exchange)
	// Transport is the base round tripper; nil means a private clone of http.DefaultTransport. The Client
	// adds authentication and CSRF headers on top of it.
	Transport http.RoundTripper
	// Timeout bounds each request of the typed methods and Raw, including reading the body, on top of the
	// caller's context. Zero means no bound other than the context. It does not apply to requests made
	// through HTTPClient, so CometD long polls are not cut short.
	Timeout time.Duration
	// DisableCSRF stops the client from remembering and sending CSRF tokens (to check that a server
	// enforces them).
	DisableCSRF bool
	// Now is the clock used for Exchange timestamps; nil means time.Now.
	Now func() time.Time
	// MaxBodyBytes caps how much of a response body is read; zero means 8 MiB. A larger body is a
	// *ResponseError.
	MaxBodyBytes int64
}

// Exchange is one request and its reply, as reported to Options.OnExchange. Bodies are private copies.
type Exchange struct {
	User         string    // the client's user name, empty for an anonymous client
	Method       string    // HTTP method
	Path         string    // path relative to the base URL, with its query
	RequestBody  []byte    // nil when the request had no body
	HTTPStatus   int       // zero when no reply arrived
	ResponseBody []byte    // the body as read, possibly truncated at MaxBodyBytes
	Started      time.Time // just before the request was sent
	Finished     time.Time // after the body was read or the request failed
	Err          error     // the transport error when no reply arrived, else nil
}

// Response is a raw reply, as returned by Raw. StatusCode and StatusMessage come from the body when it is a
// JSON object with a statusCode; HasStatusCode tells whether it was.
type Response struct {
	HTTPStatus    int
	Header        http.Header
	Body          []byte
	HasStatusCode bool
	StatusCode    int
	StatusMessage string
}

// Client talks to one GWS server on behalf of one user. Create it with New.
type Client struct {
	baseStr string
	user    string
	http    *http.Client
	auth    *authTransport
	observe func(Exchange)
	now     func() time.Time
	maxBody int64
	timeout time.Duration
}

const defaultMaxBody = 8 << 20

// New returns a client for the server at baseURL (scheme and host, optionally a path prefix, e.g.
// "http://127.0.0.1:8080") acting as userName. An empty userName makes an anonymous client that sends no
// credentials, for checking that the server refuses it.
func New(baseURL, userName, password string, opts Options) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrBadBaseURL, baseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w %q: want http://host[:port] or https://host[:port]", ErrBadBaseURL, baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("%w %q: no query, fragment or user info allowed", ErrBadBaseURL, baseURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""

	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("gws: cookie jar: %w", err)
	}
	base := opts.Transport
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	auth := &authTransport{
		base:     base,
		user:     userName,
		password: password,
		useCSRF:  !opts.DisableCSRF,
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	maxBody := opts.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = defaultMaxBody
	}
	return &Client{
		baseStr: u.String(),
		user:    userName,
		http:    &http.Client{Transport: auth, Jar: jar},
		auth:    auth,
		observe: opts.OnExchange,
		now:     now,
		maxBody: maxBody,
		timeout: opts.Timeout,
	}, nil
}

// HTTPClient returns the client's *http.Client: same cookie jar, same Basic credentials and CSRF token. Other
// clients of the same server (a CometD client) use it to share the session. Requests made through it are not
// reported to OnExchange.
func (c *Client) HTTPClient() *http.Client { return c.http }

// BaseURL is the base URL the client was created with, without a trailing slash.
func (c *Client) BaseURL() string { return c.baseStr }

// UserName is the user the client acts as; empty for an anonymous client.
func (c *Client) UserName() string { return c.user }

// URL returns the absolute URL of a path relative to the base URL (path starts with "/").
func (c *Client) URL(path string) string { return c.baseStr + path }

// DeviceURI is the canonical URI of a device, as used in targetDeviceUri: base + /api/v2/devices/{id}.
func (c *Client) DeviceURI(deviceID string) string {
	return c.baseStr + "/api/v2/devices/" + url.PathEscape(deviceID)
}

// CSRFToken returns the header name and token the client currently sends on unsafe methods; ok is false when
// it has none.
func (c *Client) CSRFToken() (header, token string, ok bool) { return c.auth.csrf() }

// CloseIdleConnections closes idle keep-alive connections of the client's transport.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// Raw sends body as is (nil for none) with the given method to path (relative to the base URL, starting with
// "/", with any query) and returns the reply. Unlike most Go APIs, the Response is filled in whenever a reply
// arrived, even when err is non-nil: err is a *StatusError for a non-zero statusCode, a *ResponseError for a
// non-2xx reply whose body has no statusCode (or statusCode 0) or for a body over the size limit, and a
// *NetworkError (with a zero Response) when no reply arrived. A 2xx reply is never an error for Raw unless its
// statusCode is non-zero, whatever its body.
func (c *Client) Raw(ctx context.Context, method, path string, body []byte) (Response, error) {
	resp, err := c.exchange(ctx, method, path, body)
	if err != nil {
		return resp, err // zero for a *NetworkError, the reply for an oversized body
	}
	if !resp.HasStatusCode && resp.HTTPStatus >= 200 && resp.HTTPStatus < 300 {
		return resp, nil
	}
	return resp, c.check(method, path, resp)
}

// exchange performs one request and reads the whole reply. It fails only when no reply arrived or the body
// could not be read.
func (c *Client) exchange(ctx context.Context, method, path string, body []byte) (Response, error) {
	if !strings.HasPrefix(path, "/") {
		return Response{}, fmt.Errorf("gws: path %q must start with /", path)
	}
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseStr+path, reader)
	if err != nil {
		return Response{}, fmt.Errorf("gws: building %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	ex := Exchange{User: c.user, Method: method, Path: path, RequestBody: bytes.Clone(body), Started: c.now()}
	httpResp, err := c.http.Do(req)
	if err != nil {
		ex.Finished, ex.Err = c.now(), err
		c.report(ex)
		return Response{}, &NetworkError{Method: method, Path: path, Unreachable: unreachable(err), Err: err}
	}
	defer httpResp.Body.Close()
	data, readErr := io.ReadAll(io.LimitReader(httpResp.Body, c.maxBody+1))
	ex.Finished, ex.HTTPStatus, ex.ResponseBody = c.now(), httpResp.StatusCode, bytes.Clone(data)
	if readErr != nil {
		ex.Err = readErr
	}
	c.report(ex)

	resp := Response{HTTPStatus: httpResp.StatusCode, Header: httpResp.Header, Body: data}
	if readErr != nil {
		return Response{}, &NetworkError{Method: method, Path: path, Err: fmt.Errorf("reading body: %w", readErr)}
	}
	if int64(len(data)) > c.maxBody {
		return resp, &ResponseError{Method: method, Path: path, HTTPStatus: resp.HTTPStatus,
			Reason: fmt.Sprintf("body larger than %d bytes", c.maxBody), Body: data[:min(len(data), maxEvidence)]}
	}
	var status struct {
		StatusCode    *int   `json:"statusCode"`
		StatusMessage string `json:"statusMessage"`
	}
	if json.Unmarshal(data, &status) == nil && status.StatusCode != nil {
		resp.HasStatusCode, resp.StatusCode, resp.StatusMessage = true, *status.StatusCode, status.StatusMessage
	}
	return resp, nil
}

// check turns a reply into the error the typed methods return: nil for statusCode 0 with a 2xx status.
func (c *Client) check(method, path string, resp Response) error {
	switch {
	case resp.HasStatusCode && resp.StatusCode != CodeOK:
		return &StatusError{HTTPStatus: resp.HTTPStatus, StatusCode: resp.StatusCode,
			StatusMessage: resp.StatusMessage, Method: method, Path: path}
	case resp.HTTPStatus < 200 || resp.HTTPStatus > 299:
		reason := "HTTP error without a statusCode"
		if resp.HasStatusCode {
			reason = "HTTP error with statusCode 0"
		}
		return &ResponseError{Method: method, Path: path, HTTPStatus: resp.HTTPStatus, Reason: reason, Body: resp.Body}
	case !resp.HasStatusCode:
		return &ResponseError{Method: method, Path: path, HTTPStatus: resp.HTTPStatus,
			Reason: "no statusCode in the reply", Body: resp.Body}
	}
	return nil
}

func (c *Client) report(ex Exchange) {
	if c.observe != nil {
		c.observe(ex)
	}
}

// get performs a GET and decodes the reply into out. A body without statusCode is accepted on a 2xx status,
// since some singular reads omit it.
func (c *Client) get(ctx context.Context, path string, out any) (Response, error) {
	resp, err := c.exchange(ctx, http.MethodGet, path, nil)
	if err != nil {
		return resp, err
	}
	okWithoutCode := !resp.HasStatusCode && resp.HTTPStatus >= 200 && resp.HTTPStatus < 300
	if !okWithoutCode {
		if err := c.check(http.MethodGet, path, resp); err != nil {
			return resp, err
		}
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return resp, &ResponseError{Method: http.MethodGet, Path: path, HTTPStatus: resp.HTTPStatus,
			Reason: "cannot decode the reply", Body: resp.Body, Err: err}
	}
	return resp, nil
}

// post sends an operation and checks the acknowledgement.
func (c *Client) post(ctx context.Context, path, op string, params map[string]any) error {
	data, err := encodeOperation(op, params)
	if err != nil {
		return fmt.Errorf("gws: encoding %s for POST %s: %w", op, path, err)
	}
	resp, err := c.exchange(ctx, http.MethodPost, path, data)
	if err != nil {
		return err
	}
	return c.check(http.MethodPost, path, resp)
}

// authTransport adds HTTP Basic and, once the server has issued one, the CSRF token to every request.
type authTransport struct {
	base           http.RoundTripper
	user, password string
	useCSRF        bool

	mu         sync.Mutex
	csrfHeader string
	csrfToken  string
}

// The headers of the documented CSRF protection.
const (
	headerCSRFName  = "X-CSRF-HEADER"
	headerCSRFToken = "X-CSRF-TOKEN"
)

func (t *authTransport) csrf() (header, token string, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.csrfHeader, t.csrfToken, t.csrfToken != ""
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	header, token, haveToken := t.csrf()
	unsafe := req.Method != http.MethodGet && req.Method != http.MethodHead && req.Method != http.MethodOptions
	if t.user != "" || (t.useCSRF && unsafe && haveToken) {
		// A RoundTripper must not modify the caller's request.
		req = req.Clone(req.Context())
		if t.user != "" {
			req.SetBasicAuth(t.user, t.password)
		}
		if t.useCSRF && unsafe && haveToken {
			req.Header.Set(header, token)
		}
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil || !t.useCSRF {
		return resp, err
	}
	if tok := resp.Header.Get(headerCSRFToken); tok != "" {
		name := resp.Header.Get(headerCSRFName)
		if name == "" {
			name = headerCSRFToken
		}
		t.mu.Lock()
		t.csrfHeader, t.csrfToken = name, tok
		t.mu.Unlock()
	}
	return resp, nil
}
