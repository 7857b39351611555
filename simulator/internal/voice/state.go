// Package voice is the pure core of the simulator: users, devices, calls and their parties, contact-center
// sessions and agent states (agentstate.go: Offline before the session, LoggedIn, Ready, NotReady with reasons,
// AfterCallWork, AuxWork, unregistered devices whose requests fail in the back end with an ErrorMessage), DND,
// call control, the routing point, supervisor monitoring (ListenIn, Coach, BargeIn; Agent/Call scope;
// NextCall/AllCalls mode) and who may read whom (Visible, MayList).
//
// Concurrency contract: a State is NOT safe for concurrent use. It has no goroutines, no locks, no I/O and no
// clock of its own: the single owner (the engine) calls Apply and the query methods one at a time and passes
// the current time in. Given the same environment and the same sequence of (time, request) pairs, a State
// produces the same notifications, byte for byte.
//
// Every operation either changes state and returns the ordered notifications it causes, or returns an
// *OpError wrapping one of the sentinel errors and changes nothing: operations validate everything they need
// before their first mutation.
//
// What every call leg and device offers comes from one table (capabilities.go), which both lists the
// capabilities and guards the operations. Call control (calls.go, callops.go) calls the supervision hooks of
// supervision.go (on*) when a call changes; what supervision does then, and the test-only deviations, live
// there only.
//
// Decisions taken here where the GWS documentation and behaviour.md are silent are marked [S] in comments.
package voice

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/coachsim/coachsim/fixtures"
)

// Options tune the core beyond what the environment says.
type Options struct {
	// Deviations make the core deliberately violate the specification; the conformance suite's own tests use
	// them to prove that the suite detects each violation. Zero value: a correct simulator.
	Deviations Deviations
}

// Deviations are deliberate specification violations, for testing the conformance suite only.
type Deviations struct {
	AgentScopeKeepsSupervisor  bool // Agent scope behaves like Call scope on transfer
	NextCallNeverExpires       bool // NextCall subscriptions survive their call
	SwappedDefaults            bool // default scope Agent and mode NextCall instead of Call and AllCalls
	NoSubscriptionMessage      bool // no DeviceStateChangeMessage after ListenIn/Coach/BargeIn
	InUseAsForbidden           bool // a second supervisor gets statusCode 3 instead of 19
	SupervisorMissesDataChange bool // no AttachedDataChanged reaches a supervisor on the call
	NoRepeatedState            bool // a request for the agent's current state sends nothing
	NoLoggedInStep             bool // StartContactCenterSession goes straight to NotReady
	AuxWorkAsNotReady          bool // AuxWork shows the plain Not Ready userState
	DevicesOpenToAll           bool // every user reads every user and device, the collections included
	AuthChallenge              bool // unauthenticated requests get HTTP 401 with a Basic challenge
	NoErrorMessage             bool // a request that fails in the back end publishes no ErrorMessage
}

// State is the whole voice environment.
type State struct {
	baseURL         string
	contactCenterID string
	voiceEnvID      string
	sipCluster      bool
	autoAnswer      bool
	dev             Deviations

	users      []*user // fixture order
	userByID   map[string]*user
	devices    []*device
	deviceByID map[string]*device
	deviceByDN map[string]*device
	reasons    map[string]string // configured not-ready reasons by code
	rps        []*routingPoint
	rpByDN     map[string]*routingPoint

	calls    []*call // creation order
	callByID map[string]*call
	callSeq  int

	now    time.Time
	out    []Notification
	result Result // the Result of the operation being applied

	dirty       []*device // devices whose active parties changed since the last settle (index.go)
	settledOnce bool      // the first settle has looked at every agent
}

type user struct {
	id, name, first, last string
	email                 string
	sees                  map[string]bool // user ids a supervisor may read; nil: everyone (behaviour.md §11.5)
	role                  fixtures.Role
	features              map[string]bool
	device                *device
	ccSession             bool
	agentState            AgentState
	reason, reasonCode    string // of the current NotReady, as requested
	idleSince             time.Time
	order                 int
}

type device struct {
	id, dn       string
	user         *user
	dnd          bool
	unregistered bool          // the switch does not see the device registered (behaviour.md §11.1)
	forwardTo    string        // ForwardCallsOn destination; "" when not forwarding
	sub          *subscription // the subscription this (supervisor) device holds
	supBy        *subscription // the subscription that targets this device
	active       []*party      // active parties, in call creation then join order (index.go)
	dirty        bool          // listed in State.dirty
}

// subscription is a supervisor's standing request to monitor a device or a routing point.
type subscription struct {
	kind   MonitorType
	mode   Mode
	scope  Scope
	owner  *device
	target *device       // nil for routing-point monitoring
	rp     *routingPoint // non-nil for routing-point monitoring
}

type routingPoint struct {
	dn     string
	agents []*user
	queue  []*call
}

type call struct {
	seq        int // creation number: calls are ordered by it
	id, connID string
	typ        CallType
	dnis, ani  string
	parties    []*party // join order; released parties are removed
	parent     *call    // for a consult call: the original call
	consult    *call    // for an original call: its pending consult call
	conference bool     // the pending consult is for a conference (else a transfer)
	queuedAt   *routingPoint
	viaRP      *routingPoint
	data       UserData // attached data (behaviour.md §12.2)
	owner      *party   // the conference owner (CompleteConference, SingleStepConference)
}

type party struct {
	call        *call
	dev         *device
	number      string
	state       PartyState
	origin      bool      // the party that dialled
	received    bool      // the call counts as received by this party's agent (behaviour.md §4)
	listed      bool      // listed by the other members before it is connected (CompleteTransfer while dialing)
	appeared    time.Time // when the call appeared on this party's device (duration counts from here)
	established time.Time
	rec         recordingState
	sup         *supLeg
	last        *Call // the view last sent to this party's user
}

// recordingState is a leg's recordingState; "" for users without api-voice-recording (behaviour.md §12.7).
type recordingState string

const (
	recNone      recordingState = ""
	recStopped   recordingState = "Stopped"
	recRecording recordingState = "Recording"
	recPaused    recordingState = "Paused"
)

// newParty creates a leg of call c on device d (nil for an external caller) in the given state, at s.now.
func (s *State) newParty(c *call, d *device, number string, state PartyState) *party {
	p := &party{call: c, dev: d, number: number, state: state, appeared: s.now}
	if state == Established {
		p.established = s.now
	}
	if d != nil && recordsCalls(d.user) {
		p.rec = recStopped
	}
	return p
}

// supLeg is the supervision part of a supervisor's party.
type supLeg struct {
	live      MonitorType // current mode on the call (changes with SwitchTo*)
	scope     Scope
	monitored *party        // the agent party being monitored; nil between agents in Call scope
	muted     bool          // monitored user muted
	consumes  *subscription // a NextCall subscription that ends when this leg is released
}

// New builds the initial state of an environment. The environment must have been validated by the fixtures
// loader.
func New(env *fixtures.Environment, opts Options) *State {
	s := &State{
		baseURL:         strings.TrimSuffix(env.BaseURL, "/"),
		contactCenterID: env.ContactCenterID,
		voiceEnvID:      env.VoiceEnvironmentID,
		sipCluster:      env.SIPCluster,
		autoAnswer:      env.AutoAnswerSupervision(),
		dev:             opts.Deviations,
		userByID:        map[string]*user{},
		deviceByID:      map[string]*device{},
		deviceByDN:      map[string]*device{},
		rpByDN:          map[string]*routingPoint{},
		callByID:        map[string]*call{},
		reasons:         reasonTable(env.NotReadyReasons),
	}
	if s.baseURL == "" {
		s.baseURL = fixtures.DefaultBaseURL
	}
	if s.contactCenterID == "" {
		s.contactCenterID = fixtures.DefaultContactCenterID
	}
	if s.voiceEnvID == "" {
		s.voiceEnvID = fixtures.DefaultVoiceEnvironmentID
	}
	byName := map[string]*user{}
	for i, fu := range env.Users {
		u := &user{id: fu.ID, name: fu.UserName, first: fu.FirstName, last: fu.LastName, role: fu.Role,
			features: map[string]bool{}, order: i}
		for _, f := range fu.Features {
			u.features[f] = true
		}
		u.email = fu.EmailAddress
		d := &device{id: fu.Device.ID, dn: fu.Device.DN, user: u, unregistered: !fu.Device.IsRegistered()}
		u.device = d
		s.users = append(s.users, u)
		s.devices = append(s.devices, d)
		s.userByID[u.id] = u
		s.deviceByID[d.id] = d
		s.deviceByDN[d.dn] = d
		byName[u.name] = u
	}
	for _, fu := range env.Users {
		if fu.Sees == nil {
			continue
		}
		u := s.userByID[fu.ID]
		u.sees = map[string]bool{}
		for _, name := range fu.Sees {
			if v := byName[name]; v != nil {
				u.sees[v.id] = true
			}
		}
	}
	for _, frp := range env.RoutingPoints {
		rp := &routingPoint{dn: frp.DN}
		for _, name := range frp.Agents {
			if u, ok := byName[name]; ok {
				rp.agents = append(rp.agents, u)
			}
		}
		s.rps = append(s.rps, rp)
		s.rpByDN[rp.dn] = rp
	}
	return s
}

// BaseURL is the public base URL used in every uri the core emits.
func (s *State) BaseURL() string { return s.baseURL }

func (s *State) deviceURI(d *device) string { return s.baseURL + "/api/v2/devices/" + d.id }
func (s *State) callURI(c *call) string     { return s.baseURL + "/api/v2/me/calls/" + c.id }

// deviceIDFromURI extracts the device id from a device URI, whatever host it names (behaviour.md §2).
func deviceIDFromURI(uri string) string {
	uri = strings.TrimRight(uri, "/")
	if i := strings.LastIndex(uri, "/"); i >= 0 {
		return uri[i+1:]
	}
	return uri
}

func (s *State) newCall(typ CallType, dnis string) *call {
	s.callSeq++
	n := s.callSeq
	c := &call{
		seq:    n,
		id:     fmt.Sprintf("01CS%028d", n),
		connID: fmt.Sprintf("0071%012x", n),
		typ:    typ,
		dnis:   dnis,
	}
	s.calls = append(s.calls, c)
	s.callByID[c.id] = c
	return c
}

func (s *State) dropCall(c *call) {
	delete(s.callByID, c.id)
	// s.calls is in creation order, so sorted by seq.
	if i, ok := slices.BinarySearchFunc(s.calls, c.seq, func(x *call, seq int) int { return cmp.Compare(x.seq, seq) }); ok {
		s.calls = slices.Delete(s.calls, i, i+1)
	}
	if c.queuedAt != nil {
		c.queuedAt.queue = removeCall(c.queuedAt.queue, c)
		c.queuedAt = nil
	}
}

func removeCall(list []*call, c *call) []*call {
	for i, x := range list {
		if x == c {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}

// partiesOf returns the active parties of a device, in call creation order, from the index (index.go). The
// slice belongs to the index: read it before the next change, never modify it.
func (s *State) partiesOf(d *device) []*party { return d.active }

// supervisingLeg returns the supervisor device's active supervision leg, if any.
func (s *State) supervisingLeg(d *device) *party {
	for _, p := range s.partiesOf(d) {
		if p.sup != nil {
			return p
		}
	}
	return nil
}

func (c *call) supervisors() []*party {
	var out []*party
	for _, p := range c.parties {
		if p.sup != nil && p.state.active() {
			out = append(out, p)
		}
	}
	return out
}

// members are the active non-supervisor parties.
func (c *call) members() []*party {
	var out []*party
	for _, p := range c.parties {
		if p.sup == nil && p.state.active() {
			out = append(out, p)
		}
	}
	return out
}

// connectedMembers are the members that are Established or Held.
func (c *call) connectedMembers() []*party {
	var out []*party
	for _, p := range c.members() {
		if p.state == Established || p.state == Held {
			out = append(out, p)
		}
	}
	return out
}

func (c *call) partyOf(d *device) *party {
	for _, p := range c.parties {
		if p.dev == d && p.state.active() {
			return p
		}
	}
	return nil
}

func (c *call) otherMember(p *party) *party {
	for _, q := range c.members() {
		if q != p {
			return q
		}
	}
	return nil
}
