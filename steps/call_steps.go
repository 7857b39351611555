package steps

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// callSteps: plain call control, through the REST API.
type callSteps struct{}

func (callSteps) phrases() map[string]any {
	return map[string]any{
		"V04": talkingTo,
		"V07": dials,
		"V08": answers,
		"V09": hangsUp,
		"V10": holds,
		"V11": transfersTo,
		"V12": startsConsultation,
		"V13": completesConsultation,
	}
}

func readAll(resp *http.Response) ([]byte, error) {
	return io.ReadAll(io.LimitReader(resp.Body, 4<<20))
}

func callPath(id string) string { return "/api/v2/me/calls/" + id }

// V07
func dials(ctx context.Context, role, party string) error {
	w := worldFrom(ctx)
	a, err := w.actor(ctx, role)
	if err != nil {
		return err
	}
	number, err := w.number(ctx, party)
	if err != nil {
		return err
	}
	return w.postOp(ctx, a, "/api/v2/me/devices/"+a.DeviceID+"/calls",
		map[string]any{"operationName": "Dial", "destination": map[string]string{"phoneNumber": number}}, true)
}

// callOp waits for a call of kind k of the role and sends op on it.
func (w *World) callOp(ctx context.Context, role string, k callKind, op string, params map[string]any, must bool) (bookCall, error) {
	a, err := w.actor(ctx, role)
	if err != nil {
		return bookCall{}, err
	}
	c, err := w.awaitCall(ctx, role, k)
	if err != nil {
		return bookCall{}, err
	}
	body := map[string]any{"operationName": op}
	for k, v := range params {
		body[k] = v
	}
	return c, w.postOp(ctx, a, callPath(c.ID), body, must)
}

// settle waits until the role's own notifications show call id in one of states, so that the next step
// chooses its call from an up-to-date call book. It moves no cursor.
func (w *World) settle(ctx context.Context, role, id string, states ...string) error {
	_, err := w.awaitCallWhere(ctx, role, fmt.Sprintf("call %s in state %v", id, states), func(book []bookCall) (bookCall, bool) {
		for _, c := range book {
			if c.ID == id && stateIn(states...)(c) {
				return c, true
			}
		}
		return bookCall{}, false
	})
	return err
}

// opAndSettle performs op on the role's call of kind k and waits for the call to reach one of states.
func (w *World) opAndSettle(ctx context.Context, role string, k callKind, op string, params map[string]any, states ...string) (bookCall, error) {
	c, err := w.callOp(ctx, role, k, op, params, true)
	if err != nil {
		return c, err
	}
	return c, w.settle(ctx, role, c.ID, states...)
}

// V08
func answers(ctx context.Context, role string) error {
	_, err := worldFrom(ctx).opAndSettle(ctx, role, ringingCall, "Answer", nil, "Established", "Released")
	return err
}

// V09
func hangsUp(ctx context.Context, role string) error {
	_, err := worldFrom(ctx).opAndSettle(ctx, role, activeCall, "Hangup", nil, "Released")
	return err
}

// V10
func holds(ctx context.Context, role string) error {
	_, err := worldFrom(ctx).opAndSettle(ctx, role, establishedCall, "Hold", nil, "Held", "Released")
	return err
}

// V04: a dials b, b answers; both cursors move past their Established notification.
func talkingTo(ctx context.Context, a, b string) error {
	w := worldFrom(ctx)
	if err := dials(ctx, a, b); err != nil {
		return err
	}
	if err := answers(ctx, b); err != nil {
		return err
	}
	for _, role := range []string{a, b} {
		m, err := w.notificationMatcher(ctx, "call", "", `{"state":"Established"}`)
		if err != nil {
			return err
		}
		if _, err := w.await(ctx, role, m); err != nil {
			return err
		}
	}
	return nil
}

func destination(number string) map[string]any {
	return map[string]any{"destination": map[string]string{"phoneNumber": number}}
}

// V11: a transfer driven to its end: the target has the transferred call Established.
func transfersTo(ctx context.Context, from, to, how string) error {
	w := worldFrom(ctx)
	target, err := w.actor(ctx, to)
	if err != nil {
		return err
	}
	if how == "in a single step" {
		if _, err := w.opAndSettle(ctx, from, establishedCall, "SingleStepTransfer", destination(target.DN), "Released"); err != nil {
			return err
		}
		if err := answers(ctx, to); err != nil {
			return err
		}
	} else {
		if _, err := w.callOp(ctx, from, establishedCall, "InitiateTransfer", destination(target.DN), true); err != nil {
			return err
		}
		if err := answers(ctx, to); err != nil {
			return err
		}
		if err := completes(ctx, from, "CompleteTransfer"); err != nil {
			return err
		}
	}
	_, err = w.awaitCallWhere(ctx, to, "an established call that is not a consultation call", func(book []bookCall) (bookCall, bool) {
		return pick(book, callKind{ok: func(c bookCall) bool { return c.State == "Established" && c.CallType != "Consult" }})
	})
	return err
}

// V12
func startsConsultation(ctx context.Context, from, kind, to string) error {
	w := worldFrom(ctx)
	target, err := w.actor(ctx, to)
	if err != nil {
		return err
	}
	op := "InitiateTransfer"
	if kind == "conference" {
		op = "InitiateConference"
	}
	_, err = w.opAndSettle(ctx, from, establishedCall, op, destination(target.DN), "Held", "Released")
	return err
}

// V13
func completesConsultation(ctx context.Context, role, kind string) error {
	op := "CompleteTransfer"
	if kind == "conference" {
		op = "CompleteConference"
	}
	return completes(ctx, role, op)
}

// completes waits for the held original offering op and the established consultation call, then sends op on
// the held call with consultCallUri.
func completes(ctx context.Context, role, op string) error {
	w := worldFrom(ctx)
	a, err := w.actor(ctx, role)
	if err != nil {
		return err
	}
	var held, consult bookCall
	_, err = w.awaitCallWhere(ctx, role, "a held call offering "+op+" and an established consultation call", func(book []bookCall) (bookCall, bool) {
		h, okH := pick(book, callKind{ok: func(c bookCall) bool { return c.State == "Held" && c.has(op) }})
		x, okX := pick(book, callKind{ok: func(c bookCall) bool { return c.State == "Established" && c.ID != h.ID }})
		held, consult = h, x
		return h, okH && okX
	})
	if err != nil {
		return err
	}
	if consult.URI == "" {
		return fmt.Errorf("%s's consultation call %s carries no uri", role, consult.ID)
	}
	if err := w.postOp(ctx, a, callPath(held.ID), map[string]any{"operationName": op, "consultCallUri": consult.URI}, true); err != nil {
		return err
	}
	return w.settle(ctx, role, consult.ID, "Released")
}
