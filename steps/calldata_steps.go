package steps

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cucumber/godog"
)

// callDataSteps: the call operations beyond plain call control that the supervision rules of behaviour.md
// §12 need: user data, ClearCall, SingleStepConference, RemoveParticipantFromConference.
type callDataSteps struct{}

func (callDataSteps) phrases() map[string]any {
	return map[string]any{
		"V50": dialsWithUserData,
		"V51": attachesUserData,
		"V52": clearsCall,
		"V53": addsInSingleStep,
		"V54": removesFromConference,
	}
}

// userDataDoc decodes a doc string that must be one JSON object.
func userDataDoc(doc *godog.DocString) (map[string]any, error) {
	var data map[string]any
	if err := json.Unmarshal([]byte(doc.Content), &data); err != nil || data == nil {
		return nil, fmt.Errorf("the user data must be a JSON object: %q", doc.Content)
	}
	return data, nil
}

// V50
func dialsWithUserData(ctx context.Context, role, party string, doc *godog.DocString) error {
	w := worldFrom(ctx)
	data, err := userDataDoc(doc)
	if err != nil {
		return err
	}
	a, err := w.actor(ctx, role)
	if err != nil {
		return err
	}
	number, err := w.number(ctx, party)
	if err != nil {
		return err
	}
	return w.postOp(ctx, a, "/api/v2/me/devices/"+a.DeviceID+"/calls", map[string]any{"operationName": "Dial",
		"destination": map[string]string{"phoneNumber": number}, "userData": data}, true)
}

// V51
func attachesUserData(ctx context.Context, role, verb string, doc *godog.DocString) error {
	data, err := userDataDoc(doc)
	if err != nil {
		return err
	}
	op := "AttachUserData"
	if verb == "updates" {
		op = "UpdateUserData"
	}
	_, err = worldFrom(ctx).callOp(ctx, role, activeCall, op, map[string]any{"userData": data}, true)
	return err
}

// V52
func clearsCall(ctx context.Context, role string) error {
	_, err := worldFrom(ctx).opAndSettle(ctx, role, activeCall, "ClearCall", nil, "Released")
	return err
}

// V53
func addsInSingleStep(ctx context.Context, role, other string) error {
	w := worldFrom(ctx)
	number, err := w.number(ctx, other)
	if err != nil {
		return err
	}
	_, err = w.callOp(ctx, role, establishedCall, "SingleStepConference",
		map[string]any{"destination": map[string]string{"phoneNumber": number}}, true)
	return err
}

// V54
func removesFromConference(ctx context.Context, role, other string) error {
	w := worldFrom(ctx)
	number, err := w.number(ctx, other)
	if err != nil {
		return err
	}
	_, err = w.callOp(ctx, role, activeCall, "RemoveParticipantFromConference", map[string]any{"participant": number}, true)
	return err
}
