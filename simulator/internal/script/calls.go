package script

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// generator places the calls of one fixtures.CallGenerator.
type generator struct {
	d       *Director
	name    string
	spec    *fixtures.CallGenerator
	placed  int
	arrived int // calls that arrived so far: the {n} of user-data values
}

func newGenerator(d *Director, i int, spec *fixtures.CallGenerator) *generator {
	name := spec.Name
	if name == "" {
		name = fmt.Sprintf("calls[%d]", i)
	}
	return &generator{d: d, name: name, spec: spec}
}

// schedule plans the first call (Every, Rate) or every call (At).
func (g *generator) schedule() {
	first := g.d.start.Add(g.spec.Start.D())
	switch {
	case len(g.spec.At) > 0:
		for _, off := range g.spec.At {
			if g.spec.Count > 0 && g.placed >= g.spec.Count {
				break
			}
			g.placed++ // counted when planned: a fixed schedule is planned at once
			g.d.at(g.d.start.Add(off.D()), g.arrive)
		}
	case g.spec.Every > 0:
		g.d.at(first, g.arrive)
	case g.spec.Rate > 0:
		g.d.at(first.Add(g.gap()), g.arrive)
	}
}

// gap draws the time to the next Poisson arrival, to the millisecond.
func (g *generator) gap() time.Duration {
	secs := -math.Log1p(-g.d.uniform()) / g.spec.Rate.PerSecond()
	return time.Duration(secs * float64(time.Second)).Round(time.Millisecond)
}

// arrive places one call and plans the next.
func (g *generator) arrive(st *voice.State, at time.Time) {
	if len(g.spec.At) == 0 {
		g.placed++
		if g.spec.Count == 0 || g.placed < g.spec.Count {
			next := at.Add(g.spec.Every.D())
			if g.spec.Rate > 0 {
				next = at.Add(g.gap())
			}
			g.d.at(next, g.arrive)
		}
	}
	from := g.spec.From[g.d.rng.IntN(len(g.spec.From))]
	g.arrived++
	data := g.userData()
	var (
		callID string
		err    error
	)
	if customer, ok := g.d.users[from]; ok {
		callID, err = g.dial(st, at, customer, data)
	} else {
		var notes []voice.Notification
		callID, notes, err = st.InboundWith(at, voice.InboundCall{From: from, To: g.spec.To, UserData: data})
		if err == nil {
			g.d.emit(at, notes)
		}
	}
	if err != nil {
		g.d.log.Warn("call not placed", "t", g.d.since(at), "generator", g.name, "from", from, "to", g.spec.To, "error", err)
		return
	}
	g.d.log.Info("call arrived", "t", g.d.since(at), "generator", g.name, "call", callID, "from", from, "to", g.spec.To)
	if wait := g.spec.AbandonAfter.D(); wait > 0 {
		g.d.at(at.Add(wait), func(st *voice.State, at time.Time) { g.abandon(st, at, callID, from) })
	}
}

// userData draws the data of the call that just arrived: per key (in sorted order, so that the draws are
// the same in every run) one of its values, {n} replaced by the call's number. Nil without userData; a key
// with one value draws nothing, so adding fixed data does not change the rest of a trace.
func (g *generator) userData() voice.UserData {
	if len(g.spec.UserData) == 0 {
		return nil
	}
	keys := make([]string, 0, len(g.spec.UserData))
	for k := range g.spec.UserData {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	data := voice.UserData{}
	for _, k := range keys {
		vals := g.spec.UserData[k]
		v := vals[0]
		if len(vals) > 1 {
			v = vals[g.d.rng.IntN(len(vals))]
		}
		v = strings.ReplaceAll(v, fixtures.UserDataCallNumber, strconv.Itoa(g.arrived))
		raw, _ := json.Marshal(v)
		data[k] = raw
	}
	return data
}

// dial places a call from a customer's own device and returns its id.
func (g *generator) dial(st *voice.State, at time.Time, customer fixtures.User, data voice.UserData) (string, error) {
	before := len(g.d.out)
	err := g.d.apply(st, at, customer, voice.Request{Resource: voice.ResDeviceCalls, ResourceID: customer.Device.ID,
		Operation: voice.OpDial, Destination: g.spec.To, UserData: data})
	if err != nil {
		return "", err
	}
	for _, n := range g.d.out[before:] {
		if csc, ok := n.Data.(voice.CallStateChange); ok && n.UserID == customer.ID {
			return csc.Call.ID, nil
		}
	}
	return "", fmt.Errorf("dial from %s produced no call", customer.UserName)
}

// abandon hangs up for a caller whose call is still not answered.
func (g *generator) abandon(st *voice.State, at time.Time, callID, from string) {
	if state, ok := st.OriginState(callID); !ok || state != voice.Dialing {
		return
	}
	if customer, ok := g.d.users[from]; ok {
		_ = g.d.apply(st, at, customer, voice.Request{Resource: voice.ResCall, ResourceID: callID, Operation: voice.OpHangup})
	} else {
		notes, err := st.Disconnect(at, callID)
		if err != nil {
			return
		}
		g.d.emit(at, notes)
	}
	g.d.log.Info("call abandoned", "t", g.d.since(at), "generator", g.name, "call", callID, "from", from,
		"waited", g.spec.AbandonAfter.D())
}
