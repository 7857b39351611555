package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sort"
	"strings"

	"github.com/cucumber/godog"

	"github.com/coachsim/coachsim/steps/internal/eventlog"
	"github.com/coachsim/coachsim/steps/internal/gws"
)

// notificationSteps: CometD sessions and assertions on the notifications each role received.
type notificationSteps struct{}

func (notificationSteps) phrases() map[string]any {
	return map[string]any{
		"V27": opensNotificationSession,
		"V28": subscribesTo,
		"V29": sessionIs,
		"V30": receivesWith,
		"V31": receivesWithoutMonitoring,
		"V32": receivesListingExactly,
		"V33": receivesNoChange,
		"V34": receivesNoCallShowing,
		"V35": doesNotOffer,
		"V37": concernsOwnDevice,
	}
}

// bayeuxExchange is one meta request of V27/V28 and the server's reply to it.
type bayeuxExchange struct {
	kind       string // "notification session" (handshake) or "subscription"
	successful bool
	reply      string
}

// metaRequest posts one Bayeux meta message and returns the reply to it.
func metaRequest(ctx context.Context, client *http.Client, endpoint string, msg map[string]any) (map[string]any, string, error) {
	data, _ := json.Marshal([]map[string]any{msg})
	req, err := http.NewRequestWithContext(ctx, "POST", endpoint, bytes.NewReader(data))
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := readAll(resp)
	if err != nil {
		return nil, "", err
	}
	text := fmt.Sprintf("HTTP %d %s", resp.StatusCode, strings.TrimSpace(string(body)))
	var replies []map[string]any
	if json.Unmarshal(body, &replies) != nil {
		var single map[string]any
		if json.Unmarshal(body, &single) != nil {
			return nil, text, nil // not a Bayeux reply: counts as not successful
		}
		replies = []map[string]any{single}
	}
	for _, r := range replies {
		if r["channel"] == msg["channel"] {
			return r, text, nil
		}
	}
	return nil, text, nil
}

// openSession handshakes and subscribes to channel on a fresh CometD session using client's authentication,
// recording both replies; it disconnects afterwards.
func (w *World) openSession(ctx context.Context, client *http.Client, channel string, recordHandshake bool) error {
	base := w.baseURL + "/api/v2/notifications"
	w.log.Sent()
	hs, text, err := metaRequest(ctx, client, base+"/handshake", map[string]any{
		"channel": "/meta/handshake", "version": "1.0", "supportedConnectionTypes": []string{"long-polling"}, "id": "1",
	})
	if err != nil {
		return fmt.Errorf("handshake at %s: %w", base, err)
	}
	ok := hs != nil && hs["successful"] == true
	if recordHandshake {
		w.bayeux = append(w.bayeux, bayeuxExchange{kind: "notification session", successful: ok, reply: text})
	}
	if !ok {
		if !recordHandshake {
			return fmt.Errorf("the handshake was refused: %s", text)
		}
		return nil
	}
	clientID, _ := hs["clientId"].(string)
	sub, text, err := metaRequest(ctx, client, base, map[string]any{
		"channel": "/meta/subscribe", "clientId": clientID, "subscription": channel, "id": "2",
	})
	if err != nil {
		return fmt.Errorf("subscribe at %s: %w", base, err)
	}
	w.bayeux = append(w.bayeux, bayeuxExchange{kind: "subscription", successful: sub != nil && sub["successful"] == true, reply: text})
	_, _, _ = metaRequest(ctx, client, base+"/disconnect", map[string]any{"channel": "/meta/disconnect", "clientId": clientID, "id": "3"})
	return nil
}

// V27
func opensNotificationSession(ctx context.Context, who string) error {
	w := worldFrom(ctx)
	client := &http.Client{Timeout: w.opts.Deadline}
	if who != "an anonymous client" {
		role := strings.TrimSuffix(who, " using its session cookie only")
		cookie, err := w.sessionCookie(ctx, role)
		if err != nil {
			return err
		}
		jar, _ := cookiejar.New(nil)
		u, _ := url.Parse(w.baseURL + "/")
		jar.SetCookies(u, []*http.Cookie{{Name: cookie.Name, Value: cookie.Value, Path: "/"}})
		client.Jar = jar
	}
	return w.openSession(ctx, client, "/v2/me/*", true)
}

// V28
func subscribesTo(ctx context.Context, role, channel string) error {
	w := worldFrom(ctx)
	a, err := w.actor(ctx, role)
	if err != nil {
		return err
	}
	return w.openSession(ctx, a.REST.HTTPClient(), channel, false)
}

// V29
func sessionIs(ctx context.Context, kind, outcome string) error {
	w := worldFrom(ctx)
	var last *bayeuxExchange
	for i := range w.bayeux {
		if w.bayeux[i].kind == kind {
			last = &w.bayeux[i]
		}
	}
	if kind == "notification session" && outcome == "accepted" {
		// accepted needs the handshake and the subscription that followed it
		if last != nil && last.successful {
			var sub *bayeuxExchange
			for i := range w.bayeux {
				if w.bayeux[i].kind == "subscription" {
					sub = &w.bayeux[i]
				}
			}
			if sub == nil || !sub.successful {
				return fmt.Errorf("the handshake was accepted but the subscription to /v2/me/* was not: %v", sub)
			}
		}
	}
	if last == nil {
		return fmt.Errorf("no %s was attempted in this scenario", kind)
	}
	want := outcome == "accepted"
	if last.successful != want {
		return fmt.Errorf("expected the %s to be %s; the server replied: %s", kind, outcome, last.reply)
	}
	return nil
}

// V30
func receivesWith(ctx context.Context, role, callType, kind string, doc *godog.DocString) error {
	w := worldFrom(ctx)
	m, err := w.notificationMatcher(ctx, kind, callType, doc.Content)
	if err != nil {
		return err
	}
	_, err = w.await(ctx, role, m)
	return err
}

// noteOf decodes an entry with the harness's notification model. Members that do not decode are left out
// (the shape validator reports them); what did decode is judged.
func noteOf(e eventlog.Entry) gws.Notification {
	n, _ := gws.DecodeNotification(e.Channel, e.Data)
	return n
}

// V31
func receivesWithoutMonitoring(ctx context.Context, role string) error {
	w := worldFrom(ctx)
	base, err := w.notificationMatcher(ctx, "device", "", "")
	if err != nil {
		return err
	}
	m := eventlog.All(base, eventlog.Where("a device without supervisorMonitoringState and without CancelSupervisorMonitoring", func(e eventlog.Entry) bool {
		n := noteOf(e)
		if !n.IsDevice() {
			return false
		}
		for _, d := range n.Devices {
			var keys map[string]json.RawMessage
			_ = json.Unmarshal(d.Raw, &keys)
			if _, has := keys["supervisorMonitoringState"]; !has && !d.HasCapability("CancelSupervisorMonitoring") {
				return true
			}
		}
		return false
	}))
	_, err = w.await(ctx, role, m)
	return err
}

// listingMatcher matches a call notification whose participants are exactly (or, with exact false,
// include) the given numbers.
func listingMatcher(numbers []string, exact bool) eventlog.Matcher {
	want := append([]string(nil), numbers...)
	sort.Strings(want)
	desc := "call participants include " + strings.Join(want, ", ")
	if exact {
		desc = "call participants are exactly " + strings.Join(want, ", ")
	}
	return eventlog.Where(desc, func(e eventlog.Entry) bool {
		n := noteOf(e)
		if !n.IsCall() || n.Call == nil {
			return false
		}
		got := n.Call.ParticipantNumbers()
		if !exact {
			for _, n := range want {
				if !contains(got, n) {
					return false
				}
			}
			return true
		}
		sort.Strings(got)
		return strings.Join(got, ",") == strings.Join(want, ",")
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (w *World) numbersOf(ctx context.Context, list string) ([]string, error) {
	var out []string
	for _, r := range roles(list) {
		a, err := w.actor(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, a.DN)
	}
	return out, nil
}

// V32
func receivesListingExactly(ctx context.Context, role, callType, list string) error {
	w := worldFrom(ctx)
	base, err := w.notificationMatcher(ctx, "call", callType, "")
	if err != nil {
		return err
	}
	numbers, err := w.numbersOf(ctx, list)
	if err != nil {
		return err
	}
	_, err = w.await(ctx, role, eventlog.All(base, listingMatcher(numbers, true)))
	return err
}

// quiet runs an absence check of a state over the quiet period.
func (w *World) quiet(ctx context.Context, role string, m eventlog.Matcher) error {
	if _, err := w.actor(ctx, role); err != nil {
		return err
	}
	qctx, cancel := w.quietContext(ctx)
	defer cancel()
	return w.log.AwaitNone(qctx, role, m)
}

// V33: a named change that must not happen.
func receivesNoChange(ctx context.Context, role, words string) error {
	kind, err := parseChange(words)
	if err != nil {
		return err
	}
	return worldFrom(ctx).quietChange(ctx, role, kind)
}

// V34: a state no call of the role may show.
func receivesNoCallShowing(ctx context.Context, role, what, listed string) error {
	w := worldFrom(ctx)
	base, err := w.notificationMatcher(ctx, "call", "", "")
	if err != nil {
		return err
	}
	if listed != "" {
		numbers, err := w.numbersOf(ctx, listed)
		if err != nil {
			return err
		}
		return w.quiet(ctx, role, eventlog.All(base, listingMatcher(numbers, false)))
	}
	listening, err := w.notificationMatcher(ctx, "call", "", `{"supervisorListeningIn": true}`)
	if err != nil {
		return err
	}
	return w.quiet(ctx, role, eventlog.All(base, listening))
}

// V35
func doesNotOffer(ctx context.Context, names string) error {
	w := worldFrom(ctx)
	if w.lastMatch == nil {
		return fmt.Errorf("no notification has been matched yet in this scenario")
	}
	var caps []string
	if n := noteOf(*w.lastMatch); n.IsCall() && n.Call != nil {
		caps = n.Call.Capabilities
	} else if n.IsDevice() && len(n.Devices) > 0 {
		caps = n.Devices[0].Capabilities
	}
	for _, n := range roles(names) {
		if contains(caps, n) {
			return fmt.Errorf("the notification offers %s (capabilities %v); it must not\n%s", n, caps, w.lastMatch.Pretty("  "))
		}
	}
	return nil
}

// V37
func concernsOwnDevice(ctx context.Context, role string) error {
	w := worldFrom(ctx)
	a, err := w.actor(ctx, role)
	if err != nil {
		return err
	}
	entries := w.log.Entries(role)
	if len(entries) == 0 {
		return fmt.Errorf("%s has received no notification at all", role)
	}
	for _, e := range entries {
		n := noteOf(e)
		if n.IsCall() && n.Call != nil {
			if uri := n.Call.DeviceURI; n.PhoneNumber != a.DN || lastSegment(uri) != a.DeviceID {
				return fmt.Errorf("%s received a call notification about another device (phoneNumber %q, deviceUri %q; its own: %s, %s)\n%s",
					role, n.PhoneNumber, uri, a.DN, a.DeviceID, e.Pretty("  "))
			}
			continue
		}
		if !n.IsDevice() {
			continue
		}
		for _, d := range n.Devices {
			if d.ID != a.DeviceID {
				return fmt.Errorf("%s received a device notification about device %q (its own is %s)\n%s", role, d.ID, a.DeviceID, e.Pretty("  "))
			}
		}
	}
	return nil
}

func lastSegment(uri string) string {
	uri = strings.TrimRight(uri, "/")
	return uri[strings.LastIndex(uri, "/")+1:]
}
