package voice

import (
	"time"

	"github.com/coachsim/coachsim/fixtures"
)

// UserInfo is the GWS user resource plus what the REST layer needs to render sub-resources.
type UserInfo struct {
	ID                         string   `json:"id"`
	UserName                   string   `json:"userName"`
	FirstName                  string   `json:"firstName"`
	LastName                   string   `json:"lastName"`
	EmailAddress               string   `json:"emailAddress"`
	Roles                      []string `json:"roles"`
	Enabled                    bool     `json:"enabled"`
	ChangePasswordOnFirstLogin bool     `json:"changePasswordOnFirstLogin"`
	ContactCenterID            string   `json:"contactCenterId"`
	URI                        string   `json:"uri"`
	Path                       string   `json:"path"`
}

// ChannelState is the agent state of one multimedia channel of a user.
type ChannelState struct {
	Channel   string    `json:"channel"`
	UserState UserState `json:"userState"`
}

// User returns the user resource.
func (s *State) User(id string) (UserInfo, bool) {
	u := s.userByID[id]
	if u == nil {
		return UserInfo{}, false
	}
	return s.userInfo(u), true
}

func (s *State) userInfo(u *user) UserInfo {
	roles := []string{"ROLE_AGENT"}
	if isSupervisor(u) {
		roles = append(roles, "ROLE_SUPERVISOR")
	}
	return UserInfo{
		ID: u.id, UserName: u.name, FirstName: u.first, LastName: u.last, EmailAddress: u.email, Roles: roles,
		Enabled: true, ContactCenterID: s.contactCenterID,
		URI: s.baseURL + "/api/v2/users/" + u.id, Path: "/users/" + u.id,
	}
}

// isSupervisor: ROLE_SUPERVISOR goes with the api-supervisor-monitoring feature (behaviour.md §11.4).
func isSupervisor(u *user) bool { return u.features[fixturesSupervision] }

// Visible reports whether viewer may read subject's user and devices through /api/v2/users and
// /api/v2/devices (behaviour.md §11.5): a user always sees itself; a supervisor sees the users its fixture
// lets it see (everyone by default); nobody else sees anyone. An unknown viewer or subject sees nothing.
func (s *State) Visible(viewerID, subjectID string) bool {
	v, sub := s.userByID[viewerID], s.userByID[subjectID]
	switch {
	case v == nil || sub == nil:
		return false
	case v == sub || s.dev.DevicesOpenToAll:
		return true
	case !isSupervisor(v):
		return false
	}
	return v.sees == nil || v.sees[sub.id]
}

// MayList reports whether a user may read the collections /api/v2/users and /api/v2/devices: supervisors
// only (behaviour.md §11.5).
func (s *State) MayList(viewerID string) bool {
	v := s.userByID[viewerID]
	return v != nil && (isSupervisor(v) || s.dev.DevicesOpenToAll)
}

// UsersVisibleTo lists, in fixture order, the users viewer may read.
func (s *State) UsersVisibleTo(viewerID string) []UserInfo {
	out := []UserInfo{}
	for _, u := range s.users {
		if s.Visible(viewerID, u.id) {
			out = append(out, s.userInfo(u))
		}
	}
	return out
}

// DeviceOwner returns the id of the user a device belongs to.
func (s *State) DeviceOwner(deviceID string) (string, bool) {
	d := s.deviceByID[deviceID]
	if d == nil {
		return "", false
	}
	return d.user.id, true
}

// Features lists the user's licensed features in a stable order.
func (s *State) Features(userID string) []string {
	u := s.userByID[userID]
	if u == nil {
		return nil
	}
	out := []string{}
	for _, f := range fixtures.KnownFeatures() {
		if u.features[f] {
			out = append(out, f)
		}
	}
	return out
}

// UserDevices returns the user's devices.
func (s *State) UserDevices(userID string) []Device {
	u := s.userByID[userID]
	if u == nil {
		return nil
	}
	return []Device{s.deviceView(u.device)}
}

// DeviceByID returns any device by id.
func (s *State) DeviceByID(id string) (Device, bool) {
	d := s.deviceByID[id]
	if d == nil {
		return Device{}, false
	}
	return s.deviceView(d), true
}

// UserCalls returns the user's active calls at time now, in creation order.
func (s *State) UserCalls(userID string, now time.Time) []Call {
	u := s.userByID[userID]
	if u == nil {
		return nil
	}
	s.now = now
	out := []Call{}
	for _, p := range s.partiesOf(u.device) {
		out = append(out, s.callView(p))
	}
	return out
}

// UserCall returns one of the user's active calls.
func (s *State) UserCall(userID, callID string, now time.Time) (Call, bool) {
	u := s.userByID[userID]
	c := s.callByID[callID]
	if u == nil || c == nil {
		return Call{}, false
	}
	p := c.partyOf(u.device)
	if p == nil {
		return Call{}, false
	}
	s.now = now
	return s.callView(p), true
}

// Channels returns the user's multimedia channel states: none, since the simulator serves voice only, whose
// state is on the device (behaviour.md §11.4, §11.7).
func (s *State) Channels(userID string) []ChannelState {
	if s.userByID[userID] == nil {
		return nil
	}
	return []ChannelState{}
}
