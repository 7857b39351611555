package callgen

import (
	"context"
	"errors"
	"time"

	"github.com/coachsim/coachsim/steps/harness"
)

// callRun is one call in progress.
type callRun struct {
	r   *runner
	p   PlannedCall
	log *harness.Log
	id  string // the agent's call id (the new agent's after a transfer)

	hungUp bool
}

// errBroken marks a call broken off (counted as failed); the cause has been recorded.
var errBroken = errors.New("call broken off")

func (c *callRun) op(name string, f func(context.Context) error) error {
	start := time.Now()
	err := f(c.r.ctx)
	c.r.stats.record("op:"+name, time.Since(start))
	c.r.stats.record(MRest, time.Since(start))
	if err != nil {
		c.r.stats.count(func(k *Counters) { k.Errors++ })
		c.r.noteError(name, err)
		return errBroken
	}
	return nil
}

// find returns an entry of role matching m that has already arrived, or waits for one (up to the check
// timeout). Load mode checks that each expectation is met, not in which order a role's notifications came.
func (c *callRun) find(role string, m harness.Matcher) (harness.Entry, error) {
	for _, e := range c.log.Entries(role) {
		if harness.Matches(m, e) {
			return e, nil
		}
	}
	ctx, cancel := context.WithTimeout(c.r.ctx, c.r.opts.CheckTimeout)
	defer cancel()
	return c.log.AwaitUnordered(ctx, role, m)
}

// need waits for a notification the call cannot go on without; its absence breaks the call off.
func (c *callRun) need(role string, m harness.Matcher) (harness.Entry, error) {
	e, err := c.find(role, m)
	if err != nil {
		c.r.noteError("waiting for "+role, err)
		return e, errBroken
	}
	return e, nil
}

// check verifies a rule; a miss is a violation with the wait's evidence.
func (c *callRun) check(rule Rule, role string, m harness.Matcher) (harness.Entry, bool) {
	e, err := c.find(role, m)
	if err != nil {
		if c.r.ctx.Err() != nil {
			return e, false // the run was stopped: not the server's fault
		}
		c.r.stats.violate(Violation{Rule: rule.ID, Text: rule.Text, Call: c.p.Seq, CallID: c.id, Evidence: evidence(err)})
		return e, false
	}
	return e, true
}

// evidence shortens a wait's error to what a reader of the report needs.
func evidence(err error) string {
	s := err.Error()
	if len(s) > 4000 {
		s = s[:4000] + " …"
	}
	return s
}

func sameCall(id string) harness.Matcher {
	return harness.Where("call id "+id, func(e harness.Entry) bool { return callID(e) == id })
}

func withCall(m harness.Matcher, id string) harness.Matcher { return harness.All(m, sameCall(id)) }

// run plays the call. It returns errBroken when the call could not be completed.
func (c *callRun) run(cust, ag, sup, ag2 *member) error {
	r, p := c.r, c.p
	if sup != nil {
		target := r.opts.Target + "/api/v2/devices/" + ag.deviceID
		if err := c.op(p.Op, func(ctx context.Context) error {
			return sup.rest.DeviceOperation(ctx, sup.deviceID, p.Op, map[string]any{"targetDeviceUri": target,
				"supervisorMonitoringScope": p.Scope, "supervisorMonitoringMode": p.Mode})
		}); err != nil {
			return err
		}
		c.check(RuleMonitoring, "supervisor", matchMonitoring(p.Op, p.Scope, p.Mode))
		defer c.endSupervision(sup)
	}
	intended := r.start.Add(p.At)
	r.stats.record(MScheduleLag, time.Since(intended))
	if err := c.op("Dial", func(ctx context.Context) error { return cust.rest.Dial(ctx, cust.deviceID, ag.dn) }); err != nil {
		return err
	}
	ring, err := c.need("agent", matchRinging)
	if err != nil {
		return err
	}
	r.stats.record(MDialToRinging, ring.Received.Sub(intended))
	c.id = callID(ring)
	defer c.hangUp(cust)
	if !r.wait(p.Answer) {
		return errBroken
	}
	answerAt := time.Now() // the agent meant to answer now
	if err := c.op("Answer", func(ctx context.Context) error { return ag.rest.CallOperation(ctx, c.id, "Answer", nil) }); err != nil {
		return err
	}
	r.stats.count(func(k *Counters) { k.Answered++ })
	est, err := c.need("agent", withCall(matchEstablished, c.id))
	if err != nil {
		return err
	}
	r.stats.record(MAnswerToAgent, est.Received.Sub(answerAt))
	if sup != nil {
		if e, ok := c.check(RuleJoin, "supervisor", matchSupervisorJoined); ok {
			r.stats.record(MAnswerToSupervisor, e.Received.Sub(answerAt))
		}
		if p.Op == OpCoach || p.Op == OpListenIn {
			c.check(RuleListening, "agent", withCall(matchListening, c.id))
		}
	}
	if !r.wait(p.Talk) {
		return errBroken
	}
	last := ag
	if ag2 != nil {
		transferAt := time.Now()
		if err := c.op("SingleStepTransfer", func(ctx context.Context) error {
			return ag.rest.CallOperation(ctx, c.id, "SingleStepTransfer",
				map[string]any{"destination": map[string]string{"phoneNumber": ag2.dn}})
		}); err != nil {
			return err
		}
		if _, err := c.need("agent", withCall(matchReleased, c.id)); err != nil {
			return err
		}
		ring2, err := c.need("agent2", matchRinging)
		if err != nil {
			return err
		}
		id2 := callID(ring2)
		if err := c.op("Answer", func(ctx context.Context) error { return ag2.rest.CallOperation(ctx, id2, "Answer", nil) }); err != nil {
			return err
		}
		if _, err := c.need("agent2", withCall(matchEstablished, id2)); err != nil {
			return err
		}
		last = ag2
		if sup != nil {
			switch p.Scope {
			case ScopeAgent:
				c.check(RuleAgentScope, "supervisor", matchSupervisorReleased)
			case ScopeCall:
				if e, ok := c.check(RuleCallScope, "supervisor", matchFollows(ag2.dn)); ok {
					r.stats.record(MTransferToSupervisor, e.Received.Sub(transferAt))
				}
			}
		}
		c.id = id2
	}
	if err := c.hangUpNow(cust); err != nil {
		return err
	}
	if _, err := c.need(roleOf(last, ag), withCall(matchReleased, c.id)); err != nil {
		return err
	}
	if sup != nil && !(ag2 != nil && p.Scope == ScopeAgent) {
		c.check(RuleCallEnd, "supervisor", matchSupervisorReleased)
	}
	return nil
}

func roleOf(last, first *member) string {
	if last == first {
		return "agent"
	}
	return "agent2"
}

// hangUpNow has the customer hang up its call: the one it sees Established in this run (the first call
// notification it received could be a late Released of its previous call).
func (c *callRun) hangUpNow(cust *member) error {
	e, err := c.need("customer", matchEstablished)
	if err != nil {
		return err
	}
	id := callID(e)
	err = c.op("Hangup", func(ctx context.Context) error { return cust.rest.CallOperation(ctx, id, "Hangup", nil) })
	if err == nil {
		c.hungUp = true
	}
	return err
}

// hangUp makes sure the customer leaves no call behind when the call was broken off.
func (c *callRun) hangUp(cust *member) {
	if c.hungUp {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	calls, err := cust.rest.Calls(ctx)
	if err != nil {
		return
	}
	for _, k := range calls {
		_ = cust.rest.CallOperation(ctx, k.ID, "Hangup", nil)
	}
}

// endSupervision ends the subscription: a NextCall one must have ended by itself once the supervisor's
// call was released; an AllCalls one is cancelled and the cancellation confirmed.
func (c *callRun) endSupervision(sup *member) {
	if c.r.ctx.Err() != nil {
		return
	}
	if c.p.Mode == ModeNext && c.id != "" && c.joined() {
		if _, ok := c.check(RuleNextCall, "supervisor", matchUnmonitored); ok {
			return
		}
	}
	if c.p.Mode == ModeNext && !c.joined() {
		// The supervisor never joined (a violation already counted, or the call broke off before the
		// answer): the NextCall subscription may still be waiting. Cancel it without checking.
		_ = sup.rest.DeviceOperation(c.r.ctx, sup.deviceID, "CancelSupervisorMonitoring", nil)
		return
	}
	before := len(c.log.Entries("supervisor"))
	if err := c.op("CancelSupervisorMonitoring", func(ctx context.Context) error {
		return sup.rest.DeviceOperation(ctx, sup.deviceID, "CancelSupervisorMonitoring", nil)
	}); err != nil {
		return
	}
	if c.p.Mode == ModeNext {
		return // cancelled because its expiry was missed (already a violation)
	}
	// Only a device notification after the cancellation confirms it. (A matcher runs under the log's lock:
	// the threshold is read before.)
	threshold := c.seqAt("supervisor", before)
	after := harness.All(matchUnmonitored, harness.Where("after the cancellation", func(e harness.Entry) bool {
		return e.Seq > threshold
	}))
	c.check(RuleCancel, "supervisor", after)
}

// joined says whether the supervisor's call was seen established.
func (c *callRun) joined() bool {
	for _, e := range c.log.Entries("supervisor") {
		if harness.Matches(matchSupervisorJoined, e) {
			return true
		}
	}
	return false
}

// seqAt is the sequence number of role's n-th entry (0 when it has fewer), for "after" conditions.
func (c *callRun) seqAt(role string, n int) int {
	es := c.log.Entries(role)
	if n == 0 || n > len(es) {
		return 0
	}
	return es[n-1].Seq
}
