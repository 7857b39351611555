package script

import (
	"sort"
	"strings"
	"time"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// agent is one scripted agent. It answers what rings, talks for a drawn time, maybe transfers, hangs up and
// wraps up, reacting only to the notifications its user receives.
type agent struct {
	d    *Director
	user fixtures.User
	beh  *fixtures.AgentBehaviour

	seen     map[string]string // the last state the agent saw of each of its calls
	calls    map[string]*talk  // calls the agent is working on, by call id
	consults map[string]bool   // consultation calls others placed to the agent, while established
	ringing  map[string]bool   // calls ringing while the agent was busy, answered when it is free
	wrapGen  int               // bumped by every wrap-up, so that only the latest one makes the agent Ready
}

// talk is one call the agent answered (or received by a completed transfer).
type talk struct {
	id      string
	started time.Time
	ended   bool
	consult *consult // a consult transfer in progress
}

// consult is the state of a two-step transfer the agent started.
type consult struct {
	rule      fixtures.TransferRule
	callID    string // the consultation call, once seen
	answered  bool
	completed bool
}

func newAgent(d *Director, u fixtures.User, b *fixtures.AgentBehaviour) *agent {
	return &agent{d: d, user: u, beh: b, seen: map[string]string{}, calls: map[string]*talk{},
		consults: map[string]bool{}, ringing: map[string]bool{}}
}

// busy: the agent is talking (or holding a customer during a consultation) or being consulted.
func (a *agent) busy() bool { return len(a.calls) > 0 || len(a.consults) > 0 }

// op performs an operation on one of the agent's calls.
func (a *agent) op(st *voice.State, at time.Time, callID string, op voice.Operation, dest string) error {
	return a.d.apply(st, at, a.user, voice.Request{Resource: voice.ResCall, ResourceID: callID, Operation: op,
		Destination: dest})
}

func (a *agent) channel(st *voice.State, at time.Time, op voice.Operation) error {
	return a.d.apply(st, at, a.user, voice.Request{Resource: voice.ResChannel, ResourceID: "voice", Operation: op})
}

// login is the action that starts the agent's contact-center session and makes it Ready.
func (a *agent) login(st *voice.State, at time.Time) {
	_ = a.d.apply(st, at, a.user, voice.Request{Resource: voice.ResMe, Operation: voice.OpStartContactCenterSession,
		Channels: []string{"voice"}})
	_ = a.channel(st, at, voice.OpReady)
}

// onCall reacts to one of the agent's call notifications; only changes of a call's state matter.
func (a *agent) onCall(now time.Time, csc voice.CallStateChange) {
	c := csc.Call
	if a.seen[c.ID] == c.State {
		return
	}
	a.seen[c.ID] = c.State
	switch {
	case c.State == "Released":
		delete(a.seen, c.ID)
		delete(a.ringing, c.ID)
		delete(a.consults, c.ID)
		if t := a.calls[c.ID]; t != nil {
			delete(a.calls, c.ID)
			if !t.ended { // someone else ended it: wrap up now
				a.d.at(now, func(st *voice.State, at time.Time) { a.wrap(st, at) })
			}
		}
		a.consultReleased(c)
		a.answerWaiting(now)
	case c.State == "Ringing" && c.HasCapability(voice.OpAnswer):
		if a.busy() {
			a.ringing[c.ID] = true
			return
		}
		a.scheduleAnswer(now, c.ID)
	case c.State == "Established" && c.CallType == voice.CallConsult:
		a.consultEstablished(now, c)
	case c.State == "Established" && a.calls[c.ID] == nil:
		a.startTalk(now, c)
	}
}

func (a *agent) scheduleAnswer(now time.Time, callID string) {
	a.d.at(now.Add(a.beh.AnswerAfter.D()), func(st *voice.State, at time.Time) {
		if a.busy() {
			a.ringing[callID] = true
			return
		}
		if a.op(st, at, callID, voice.OpAnswer, "") == nil {
			delete(a.ringing, callID)
		}
	})
}

// answerWaiting answers calls that rang while the agent was busy, oldest call first.
func (a *agent) answerWaiting(now time.Time) {
	if a.busy() || len(a.ringing) == 0 {
		return
	}
	ids := make([]string, 0, len(a.ringing))
	for id := range a.ringing {
		ids = append(ids, id)
	}
	sort.Strings(ids) // call ids grow with creation order
	for _, id := range ids {
		a.scheduleAnswer(now, id)
	}
}

// startTalk begins work on an answered call: draw whether and how it is transferred, else how long it lasts.
func (a *agent) startTalk(now time.Time, c voice.Call) {
	t := &talk{id: c.ID, started: now}
	a.calls[c.ID] = t
	a.d.log.Info("call answered", "t", a.d.since(now), "agent", a.user.UserName, "call", c.ID,
		"participants", c.ParticipantNumbers())
	if a.beh.DTMF != "" {
		a.d.at(now, func(st *voice.State, at time.Time) {
			_ = a.d.apply(st, at, a.user, voice.Request{Resource: voice.ResCall, ResourceID: c.ID,
				Operation: voice.OpSendDtmf, Digits: a.beh.DTMF})
		})
	}
	if a.beh.Record {
		a.d.at(now, func(st *voice.State, at time.Time) {
			_ = a.op(st, at, c.ID, voice.OpStartCallRecording, "")
		})
	}
	draw := a.d.uniform()
	for _, rule := range a.beh.Transfers {
		if draw < rule.Probability {
			a.d.at(now.Add(rule.After.D()), func(st *voice.State, at time.Time) { a.transfer(st, at, t, rule) })
			return
		}
		draw -= rule.Probability
	}
	a.scheduleHangup(now, t)
}

func (a *agent) scheduleHangup(now time.Time, t *talk) {
	length := a.d.draw(a.beh.Talk)
	a.d.at(now.Add(length), func(st *voice.State, at time.Time) {
		if a.calls[t.id] != t || t.consult != nil {
			return
		}
		t.ended = true
		a.wrap(st, at)
		if a.op(st, at, t.id, voice.OpHangup, "") == nil {
			a.d.log.Info("call ended", "t", a.d.since(at), "agent", a.user.UserName, "call", t.id,
				"talked", at.Sub(t.started))
		}
	})
}

// transfer starts the transfer a rule chose.
func (a *agent) transfer(st *voice.State, at time.Time, t *talk, rule fixtures.TransferRule) {
	if a.calls[t.id] != t {
		return
	}
	if rule.Kind == fixtures.TransferConsult {
		if a.op(st, at, t.id, voice.OpInitiateTransfer, rule.To) != nil {
			a.scheduleHangup(at, t) // the destination cannot be consulted: finish the call here
			return
		}
		t.consult = &consult{rule: rule}
		a.d.log.Info("consultation started", "t", a.d.since(at), "agent", a.user.UserName, "call", t.id, "to", rule.To)
		a.d.at(at.Add(fixtures.AbandonConsultAfter), func(st *voice.State, at time.Time) { a.abandonConsult(st, at, t) })
		return
	}
	t.ended = true
	gen := a.wrap(st, at)
	if a.op(st, at, t.id, voice.OpSingleStepTransfer, rule.To) != nil {
		t.ended = false
		a.unwrap(st, at, gen)
		a.scheduleHangup(at, t)
		return
	}
	a.d.log.Info("call transferred", "t", a.d.since(at), "agent", a.user.UserName, "call", t.id, "to", rule.To,
		"kind", string(fixtures.TransferSingleStep))
}

// consultTalk finds the talk whose consultation c is (by its parent call).
func (a *agent) consultTalk(c voice.Call) *talk {
	parent := strings.TrimPrefix(c.ParentCallPath, "/calls/")
	if t := a.calls[parent]; t != nil && t.consult != nil {
		return t
	}
	return nil
}

// consultEstablished: for the agent who consults, the consulted party answered: talk with it, then complete
// the transfer. For the consulted agent, a consultation is work like a call.
func (a *agent) consultEstablished(now time.Time, c voice.Call) {
	t := a.consultTalk(c)
	if t == nil {
		a.consults[c.ID] = true
		return
	}
	if t.consult.answered {
		return
	}
	t.consult.callID = c.ID
	t.consult.answered = true
	a.d.at(now.Add(t.consult.rule.ConsultTime()), func(st *voice.State, at time.Time) {
		if a.calls[t.id] != t || t.consult == nil {
			return
		}
		t.ended = true
		t.consult.completed = true
		gen := a.wrap(st, at)
		if a.op(st, at, t.id, voice.OpCompleteTransfer, "") != nil {
			t.ended = false
			t.consult.completed = false
			a.unwrap(st, at, gen)
			return // the consultation ended meanwhile; abandonConsult takes the customer back
		}
		a.d.log.Info("call transferred", "t", a.d.since(at), "agent", a.user.UserName, "call", t.id,
			"to", t.consult.rule.To, "kind", string(fixtures.TransferConsult))
	})
}

// consultReleased notes that a consultation call ended (the consulted party hung up or never answered).
func (a *agent) consultReleased(c voice.Call) {
	if c.CallType != voice.CallConsult {
		return
	}
	if t := a.consultTalk(c); t != nil && !t.consult.completed {
		t.consult.answered = false
	}
}

// abandonConsult: the consulted party did not answer in time, or the transfer did not complete; hang the
// consultation up, take the customer back and finish the call.
func (a *agent) abandonConsult(st *voice.State, at time.Time, t *talk) {
	if a.calls[t.id] != t || t.consult == nil || t.consult.completed {
		return
	}
	for _, c := range st.UserCalls(a.user.ID, at) {
		if c.CallType == voice.CallConsult && strings.TrimPrefix(c.ParentCallPath, "/calls/") == t.id {
			_ = a.op(st, at, c.ID, voice.OpHangup, "")
		}
	}
	_ = a.op(st, at, t.id, voice.OpRetrieve, "")
	a.d.log.Info("consultation abandoned", "t", a.d.since(at), "agent", a.user.UserName, "call", t.id,
		"to", t.consult.rule.To)
	t.consult = nil
	a.scheduleHangup(at, t)
}

// wrap starts after-call work: AfterCallWork now, Ready once it is over. It runs before the agent's own
// operation that ends a call, so that the routing point does not hand the agent a new call first. It
// returns the wrap-up's generation, for unwrap.
func (a *agent) wrap(st *voice.State, at time.Time) int {
	a.wrapGen++
	gen := a.wrapGen
	acw := a.beh.AfterCallWork.D()
	if acw <= 0 {
		return gen
	}
	if a.channel(st, at, voice.OpAfterCallWork) != nil {
		return gen
	}
	a.d.at(at.Add(acw), func(st *voice.State, at time.Time) {
		if a.wrapGen == gen {
			_ = a.channel(st, at, voice.OpReady)
		}
	})
	return gen
}

// unwrap cancels a wrap-up whose call did not end after all (the transfer was refused).
func (a *agent) unwrap(st *voice.State, at time.Time, gen int) {
	if a.wrapGen != gen || a.beh.AfterCallWork.D() <= 0 {
		return
	}
	a.wrapGen++
	_ = a.channel(st, at, voice.OpReady)
}
