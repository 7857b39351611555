package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cucumber/godog"

	"github.com/coachsim/coachsim/steps/internal/eventlog"
	"github.com/coachsim/coachsim/steps/internal/gws"
)

// sessionSteps: logging in, contact-center sessions, agent state, the environment, and plain HTTP checks.
type sessionSteps struct{}

func (sessionSteps) phrases() map[string]any {
	return map[string]any{
		"V01": loggedIn,
		"V02": contactCenterSession,
		"V03": agentState,
		"V06": sipCluster,
		"V19": readDevices,
		"V20": sendRaw,
		"V21": requestSucceeds,
		"V22": requestFailsWith,
		"V23": replyHTTPStatus,
		"V24": replyBodyContains,
		"V25": replyBodyHasField,
		"V26": replySetsCookie,
	}
}

// V01: log roles in and check the server is at rest for them.
func loggedIn(ctx context.Context, list string) error {
	w := worldFrom(ctx)
	for _, role := range roles(list) {
		a, err := w.actor(ctx, role)
		if err != nil {
			return err
		}
		calls, err := a.REST.Calls(ctx)
		if err != nil {
			return fmt.Errorf("%s: GET /api/v2/me/calls: %w", role, err)
		}
		if len(calls) > 0 {
			return fmt.Errorf("server not at rest: %s already has %d call(s): %s", role, len(calls), calls[0].Raw)
		}
		dev, err := a.REST.Device(ctx, a.DeviceID)
		if err != nil {
			return fmt.Errorf("%s: GET its device: %w", role, err)
		}
		if dev.HasMonitoringState() {
			return fmt.Errorf("server not at rest: %s's device shows a supervisorMonitoringState", role)
		}
		w.log.Acknowledge(role)
	}
	return nil
}

// V02
func contactCenterSession(ctx context.Context, list, verb string) error {
	w := worldFrom(ctx)
	for _, role := range roles(list) {
		a, err := w.actor(ctx, role)
		if err != nil {
			return err
		}
		body := map[string]any{"operationName": "EndContactCenterSession"}
		if strings.HasPrefix(verb, "start") {
			body = map[string]any{"operationName": "StartContactCenterSession", "channels": []string{"voice"}}
		}
		if err := w.postOp(ctx, a, "/api/v2/me", body, true); err != nil {
			return err
		}
	}
	return nil
}

// V03
func agentState(ctx context.Context, list, state string) error {
	w := worldFrom(ctx)
	for _, role := range roles(list) {
		a, err := w.actor(ctx, role)
		if err != nil {
			return err
		}
		if err := w.postOp(ctx, a, "/api/v2/me/channels/voice", map[string]any{"operationName": state}, true); err != nil {
			return err
		}
		m, err := w.notificationMatcher(ctx, "device", "", `{"userState":{"state":"`+state+`"}}`)
		if err != nil {
			return err
		}
		if _, err := w.await(ctx, role, m); err != nil {
			return err
		}
	}
	return nil
}

// await is the positive wait: the first matching notification after the role's cursor.
func (w *World) await(ctx context.Context, role string, m eventlog.Matcher) (eventlog.Entry, error) {
	wctx, cancel := w.waitCtx(ctx)
	defer cancel()
	e, err := w.log.Await(wctx, role, m)
	if err != nil {
		return e, err
	}
	w.lastMatch = &e
	return e, nil
}

// V06
func sipCluster(ctx context.Context, is string) error {
	w := worldFrom(ctx)
	want := is == "is"
	if w.sipCluster != want {
		return godog.ErrSkip
	}
	return nil
}

// V19
func readDevices(ctx context.Context, role string) error {
	w := worldFrom(ctx)
	a, err := w.actor(ctx, role)
	if err != nil {
		return err
	}
	return w.send(ctx, a, "GET", "/api/v2/me/devices?fields=*", nil, false, role+" GET /api/v2/me/devices?fields=*")
}

// V20: a request with the given authentication.
func sendRaw(ctx context.Context, who, method, path, with string) error {
	w := worldFrom(ctx)
	var body []byte
	if method == "POST" {
		body = []byte(`{}`)
	}
	what := fmt.Sprintf("%s %s %s", who, method, path)
	switch {
	case who == "an anonymous client":
		c, err := gws.New(w.baseURL, "", "", gws.Options{Timeout: w.opts.Deadline})
		if err != nil {
			return err
		}
		return w.send(ctx, &Actor{Role: "anonymous", REST: c}, method, path, body, false, what)
	case with == "a wrong password":
		cred, ok := w.opts.Profile.Roles[who]
		if !ok {
			return fmt.Errorf("role %q is not in the run profile", who)
		}
		c, err := w.newClient(who, cred.User, cred.Password+"-wrong")
		if err != nil {
			return err
		}
		return w.send(ctx, &Actor{Role: who, REST: c}, method, path, body, false, what)
	case with == "its session cookie only":
		return w.sendWithCookie(ctx, who, method, path, body, what)
	}
	c, err := w.restClient(who)
	if err != nil {
		return err
	}
	return w.send(ctx, &Actor{Role: who, REST: c}, method, path, body, false, what)
}

// sessionCookie returns the role's JSESSIONID cookie from its jar.
func (w *World) sessionCookie(ctx context.Context, role string) (*http.Cookie, error) {
	c, err := w.restClient(role)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(w.baseURL + "/api/v2/")
	if err != nil {
		return nil, err
	}
	jar := c.HTTPClient().Jar
	if jar != nil {
		for _, c := range jar.Cookies(u) {
			if c.Name == "JSESSIONID" && c.Value != "" {
				return c, nil
			}
		}
	}
	return nil, fmt.Errorf("%s has no JSESSIONID cookie in its jar: the server did not set one", role)
}

func (w *World) sendWithCookie(ctx context.Context, role, method, path string, body []byte, what string) error {
	cookie, err := w.sessionCookie(ctx, role)
	if err != nil {
		return err
	}
	var rd *strings.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	} else {
		rd = strings.NewReader("")
	}
	req, err := http.NewRequestWithContext(ctx, method, w.baseURL+path, rd)
	if err != nil {
		return err
	}
	req.AddCookie(cookie)
	w.log.Sent()
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: w.opts.Deadline}).Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	data, err := readAll(resp)
	if err != nil {
		return err
	}
	w.lastReply = &reply{what: what, HTTPStatus: resp.StatusCode, Header: resp.Header, Body: data}
	return nil
}

// V21
func requestSucceeds(ctx context.Context) error {
	r, err := worldFrom(ctx).last()
	if err != nil {
		return err
	}
	return r.mustSucceed()
}

// V22
func requestFailsWith(ctx context.Context, code string) error {
	r, err := worldFrom(ctx).last()
	if err != nil {
		return err
	}
	want, _ := strconv.Atoi(code)
	var body struct {
		StatusCode    *int   `json:"statusCode"`
		StatusMessage string `json:"statusMessage"`
	}
	if json.Unmarshal(r.Body, &body) != nil || body.StatusCode == nil {
		return fmt.Errorf("%s: expected a JSON body with statusCode %d, got HTTP %d: %s", r.what, want, r.HTTPStatus, r.Body)
	}
	if *body.StatusCode != want {
		return fmt.Errorf("%s: expected statusCode %d, got %d (HTTP %d): %s", r.what, want, *body.StatusCode, r.HTTPStatus, r.Body)
	}
	if strings.TrimSpace(body.StatusMessage) == "" {
		return fmt.Errorf("%s: statusCode %d came without a statusMessage: %s", r.what, want, r.Body)
	}
	return nil
}

// V23
func replyHTTPStatus(ctx context.Context, code string) error {
	r, err := worldFrom(ctx).last()
	if err != nil {
		return err
	}
	if strconv.Itoa(r.HTTPStatus) != code {
		return fmt.Errorf("%s: expected HTTP %s, got HTTP %d: %s", r.what, code, r.HTTPStatus, r.Body)
	}
	return nil
}

// V24
func replyBodyContains(ctx context.Context, doc *godog.DocString) error {
	w := worldFrom(ctx)
	r, err := w.last()
	if err != nil {
		return err
	}
	expected, err := w.expand(ctx, doc.Content)
	if err != nil {
		return err
	}
	var actual any
	if json.Unmarshal(r.Body, &actual) != nil {
		return fmt.Errorf("%s: the reply body is not JSON: %s", r.what, r.Body)
	}
	normal, _ := json.Marshal(markDeviceURIs(actual, w.deviceIDs()))
	mism, err := eventlog.CompareJSON("", []byte(expected), normal, eventlog.ArrayContains)
	if err != nil {
		return err
	}
	if len(mism) > 0 {
		var lines []string
		for _, m := range mism {
			lines = append(lines, "  "+m.String())
		}
		return fmt.Errorf("%s: the reply body does not contain the expected JSON\nexpected: %s\nreceived: %s\nmismatches:\n%s",
			r.what, expected, r.Body, strings.Join(lines, "\n"))
	}
	return nil
}

// V25
func replyBodyHasField(ctx context.Context, field string) error {
	r, err := worldFrom(ctx).last()
	if err != nil {
		return err
	}
	var body map[string]any
	if json.Unmarshal(r.Body, &body) != nil {
		return fmt.Errorf("%s: the reply body is not a JSON object: %s", r.what, r.Body)
	}
	if s, ok := body[field].(string); !ok || strings.TrimSpace(s) == "" {
		return fmt.Errorf("%s: expected a non-empty string %q in the reply body: %s", r.what, field, r.Body)
	}
	return nil
}

// V26
func replySetsCookie(ctx context.Context) error {
	r, err := worldFrom(ctx).last()
	if err != nil {
		return err
	}
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "JSESSIONID" && c.Value != "" {
			return nil
		}
	}
	return fmt.Errorf("%s: the reply sets no JSESSIONID cookie (Set-Cookie: %q)", r.what, r.Header.Values("Set-Cookie"))
}
