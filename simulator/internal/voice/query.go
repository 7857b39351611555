package voice

import "time"

// UserInfo is the GWS user resource plus what the REST layer needs to render sub-resources.
type UserInfo struct {
	ID                         string   `json:"id"`
	UserName                   string   `json:"userName"`
	FirstName                  string   `json:"firstName"`
	LastName                   string   `json:"lastName"`
	Roles                      []string `json:"roles"`
	Enabled                    bool     `json:"enabled"`
	ChangePasswordOnFirstLogin bool     `json:"changePasswordOnFirstLogin"`
	URI                        string   `json:"uri"`
	Path                       string   `json:"path"`
}

// ChannelState is the agent state of one media channel of a user.
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
	roles := []string{"ROLE_AGENT"}
	if u.features[fixturesSupervision] {
		roles = append(roles, "ROLE_SUPERVISOR")
	}
	return UserInfo{
		ID: u.id, UserName: u.name, FirstName: u.first, LastName: u.last, Roles: roles, Enabled: true,
		URI: s.baseURL + "/api/v2/users/" + u.id, Path: "/users/" + u.id,
	}, true
}

// Features lists the user's licensed features in a stable order.
func (s *State) Features(userID string) []string {
	u := s.userByID[userID]
	if u == nil {
		return nil
	}
	var out []string
	for _, f := range []string{"api-voice", "api-supervisor-monitoring", "api-voice-recording", "api-voice-outbound"} {
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

// Channels returns the user's channel states (voice only).
func (s *State) Channels(userID string) []ChannelState {
	u := s.userByID[userID]
	if u == nil {
		return nil
	}
	return []ChannelState{{Channel: "voice", UserState: s.deviceView(u.device).UserState}}
}
