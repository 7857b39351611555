package voice

import (
	"time"

	"github.com/coachsim/coachsim/fixtures"
)

// Snapshot is the whole environment at one moment, as the simulator's control API shows it: every user with
// its device and agent state, every call with all its legs (including external callers and supervisors),
// every standing supervision and every routing-point queue. It is a plain value, safe to encode elsewhere.
type Snapshot struct {
	Users         []UserSnapshot         `json:"users"`
	Calls         []CallSnapshot         `json:"calls"`
	Supervision   []SupervisionSnapshot  `json:"supervision"`
	RoutingPoints []RoutingPointSnapshot `json:"routingPoints"`
}

// UserSnapshot is one user and its device.
type UserSnapshot struct {
	UserName      string `json:"userName"`
	ID            string `json:"id"`
	Role          string `json:"role"`
	DeviceID      string `json:"deviceId"`
	DN            string `json:"dn"`
	Session       bool   `json:"contactCenterSession"`
	AgentState    string `json:"agentState"`             // Ready, NotReady, AfterCallWork or AuxWork, within a session
	Unregistered  bool   `json:"unregistered,omitempty"` // the device is not registered (Inactive)
	DoNotDisturb  bool   `json:"doNotDisturb"`
	ActiveCalls   int    `json:"activeCalls"`
	SupervisedBy  string `json:"supervisedBy,omitempty"` // the supervisor's user name
	IdleSinceSecs *int   `json:"idleSeconds,omitempty"`  // Ready agents only: how long the agent has been free
}

// CallSnapshot is one call with every leg on it.
type CallSnapshot struct {
	ID         string          `json:"id"`
	Type       CallType        `json:"callType"`
	ANI        string          `json:"ani,omitempty"`
	DNIS       string          `json:"dnis"`
	QueuedAt   string          `json:"queuedAt,omitempty"` // routing point DN while the call waits for an agent
	ParentCall string          `json:"parentCallId,omitempty"`
	Parties    []PartySnapshot `json:"parties"`
}

// PartySnapshot is one leg of a call.
type PartySnapshot struct {
	Number      string `json:"number"`
	UserName    string `json:"userName,omitempty"` // empty for an external caller
	State       string `json:"state"`
	Seconds     int    `json:"seconds"` // since the leg was established; 0 before
	Supervising string `json:"supervising,omitempty"`
	Scope       Scope  `json:"scope,omitempty"`
	Monitored   string `json:"monitored,omitempty"` // DN of the agent being monitored, for a supervisor's leg
}

// SupervisionSnapshot is one standing subscription.
type SupervisionSnapshot struct {
	Supervisor   string      `json:"supervisor"`
	State        MonitorType `json:"state"`
	Scope        Scope       `json:"scope"`
	Mode         Mode        `json:"mode"`
	Target       string      `json:"target,omitempty"`       // the monitored agent's user name
	RoutingPoint string      `json:"routingPoint,omitempty"` // for routing-point monitoring
}

// RoutingPointSnapshot is a routing point and the calls waiting at it, oldest first.
type RoutingPointSnapshot struct {
	DN     string   `json:"dn"`
	Agents []string `json:"agents"`
	Queue  []string `json:"queue"`
}

// Snapshot describes the whole state at time now.
func (s *State) Snapshot(now time.Time) Snapshot {
	out := Snapshot{Users: []UserSnapshot{}, Calls: []CallSnapshot{}, Supervision: []SupervisionSnapshot{},
		RoutingPoints: []RoutingPointSnapshot{}}
	for _, u := range s.users {
		d := u.device
		us := UserSnapshot{UserName: u.name, ID: u.id, Role: string(u.role), DeviceID: d.id, DN: d.dn,
			Session: u.ccSession, AgentState: u.agentState.String(), Unregistered: d.unregistered, DoNotDisturb: d.dnd,
			ActiveCalls: len(s.partiesOf(d))}
		if d.supBy != nil {
			us.SupervisedBy = d.supBy.owner.user.name
		}
		if u.role == fixtures.RoleAgent && u.agentState == Ready && !u.idleSince.IsZero() {
			secs := int(now.Sub(u.idleSince).Seconds())
			us.IdleSinceSecs = &secs
		}
		out.Users = append(out.Users, us)
		if sub := d.sub; sub != nil {
			ss := SupervisionSnapshot{Supervisor: u.name, State: sub.kind, Scope: sub.scope, Mode: sub.mode}
			if sub.target != nil {
				ss.Target = sub.target.user.name
			}
			if sub.rp != nil {
				ss.RoutingPoint = sub.rp.dn
			}
			out.Supervision = append(out.Supervision, ss)
		}
	}
	for _, c := range s.calls {
		cs := CallSnapshot{ID: c.id, Type: c.typ, ANI: c.ani, DNIS: c.dnis, Parties: []PartySnapshot{}}
		if c.queuedAt != nil {
			cs.QueuedAt = c.queuedAt.dn
		}
		if c.parent != nil {
			cs.ParentCall = c.parent.id
		}
		for _, p := range c.parties {
			if !p.state.active() {
				continue
			}
			ps := PartySnapshot{Number: p.number, State: p.state.String()}
			if p.dev != nil {
				ps.UserName = p.dev.user.name
			}
			if !p.established.IsZero() {
				ps.Seconds = int(now.Sub(p.established).Seconds())
			}
			if p.sup != nil {
				ps.Supervising, ps.Scope = string(p.sup.live), p.sup.scope
				if p.sup.monitored != nil {
					ps.Monitored = p.sup.monitored.number
				}
			}
			cs.Parties = append(cs.Parties, ps)
		}
		out.Calls = append(out.Calls, cs)
	}
	for _, rp := range s.rps {
		rs := RoutingPointSnapshot{DN: rp.dn, Agents: []string{}, Queue: []string{}}
		for _, a := range rp.agents {
			rs.Agents = append(rs.Agents, a.name)
		}
		for _, c := range rp.queue {
			rs.Queue = append(rs.Queue, c.id)
		}
		out.RoutingPoints = append(out.RoutingPoints, rs)
	}
	return out
}
