package steps

import (
	"context"
	"fmt"
	"strings"

	"github.com/cucumber/godog"

	"github.com/coachsim/coachsim/steps/internal/eventlog"
	"github.com/coachsim/coachsim/steps/internal/gws"
)

// ShapeError is a notification a role received that breaks the shapes of SPEC.md §2.1. The step during
// which it arrived fails with it (features/README.md, "Every notification is checked"); Notification is the
// evidence, exactly as received.
type ShapeError struct {
	Role         string
	Notification eventlog.Entry
	Violations   []gws.Violation
}

func (e *ShapeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s received a notification that breaks the shapes of SPEC.md §2.1 (%d violation(s)):\n",
		e.Role, len(e.Violations))
	for _, v := range e.Violations {
		fmt.Fprintf(&b, "  %s\n", v)
	}
	b.WriteString("received:\n")
	b.WriteString(e.Notification.Pretty("  "))
	return strings.TrimRight(b.String(), "\n")
}

// shapeChecks holds the scenario's violations not yet reported. World.mu guards it.
type shapeChecks struct {
	pending []*ShapeError
}

// receiverOf is who an actor is, for the validator: every device of the user.
func receiverOf(devices []gws.Device) gws.Receiver {
	var r gws.Receiver
	for _, d := range devices {
		r.DeviceIDs = append(r.DeviceIDs, d.ID)
		if d.PhoneNumber != "" {
			r.DNs = append(r.DNs, d.PhoneNumber)
		}
	}
	return r
}

// checkShape validates one notification a role received; a violation is kept for the end of the step.
// It is called on the role's CometD delivery goroutine.
func (w *World) checkShape(role string, r gws.Receiver, e eventlog.Entry) {
	vs := gws.Validate(e.Channel, e.Data, r)
	if len(vs) == 0 {
		return
	}
	w.mu.Lock()
	w.shapes.pending = append(w.shapes.pending, &ShapeError{Role: role, Notification: e, Violations: vs})
	w.mu.Unlock()
}

// takeShapeError returns the first violation not yet reported, with a count of the others, and forgets
// them all.
func (w *World) takeShapeError() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.shapes.pending) == 0 {
		return nil
	}
	first := w.shapes.pending[0]
	more := len(w.shapes.pending) - 1
	w.shapes.pending = nil
	if more == 0 {
		return first
	}
	return fmt.Errorf("%w\n(and %d more notification(s) breaking SPEC.md §2.1)", first, more)
}

// registerShapeCheck fails a step when a notification that arrived while it ran breaks SPEC.md §2.1, and
// the scenario when one arrived after its last step (up to the end of its clean-up; registered after the
// World's After hook, this runs once the sessions are closed).
func registerShapeCheck(sc *godog.ScenarioContext) {
	sc.After(func(ctx context.Context, _ *godog.Scenario, _ error) (context.Context, error) {
		w, _ := ctx.Value(worldKey{}).(*World)
		if w == nil {
			return ctx, nil
		}
		if err := w.takeShapeError(); err != nil {
			return ctx, fmt.Errorf("after the last step: %w", err)
		}
		return ctx, nil
	})
	sc.StepContext().After(func(ctx context.Context, _ *godog.Step, _ godog.StepResultStatus, err error) (context.Context, error) {
		w, _ := ctx.Value(worldKey{}).(*World)
		if w == nil {
			return ctx, nil
		}
		return ctx, w.takeShapeError()
	})
}
