package restapi

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/coachsim/coachsim/simulator/internal/voice"
)

// This file serves the reads of users and devices: GET /api/v2/me with its subresources (behaviour.md
// §11.4) and the users and devices listings supervisors use to find whom to monitor (§11.5), with their
// permission rule: a supervisor reads the users its environment lets it see, everyone else only itself;
// another user's or device's id answers statusCode 6 as if it did not exist, and the collections answer
// statusCode 5 to non-supervisors.

// Subresources of GET /api/v2/me the simulator fills; every other name is accepted and left out.
var meSubresources = []string{"devices", "calls", "features"}

// Feature is a feature object of /me?subresources=features (behaviour.md §11.4).
type Feature struct {
	ID                              string `json:"id"`
	DisplayName                     string `json:"displayName"`
	Description                     string `json:"description"`
	AutoAssignOnContactCenterCreate bool   `json:"autoAssignOnContactCenterCreate"`
	URI                             string `json:"uri"`
	Path                            string `json:"path"`
}

// wantedSubresources reads the subresources parameter: a comma list or "*". Names are never refused.
func wantedSubresources(r *http.Request) map[string]bool {
	out := map[string]bool{}
	for _, name := range strings.Split(r.URL.Query().Get("subresources"), ",") {
		name = strings.TrimSpace(name)
		if name == "*" {
			for _, n := range meSubresources {
				out[n] = true
			}
		} else if name != "" {
			out[name] = true
		}
	}
	return out
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request) {
	id := identityOf(r)
	wanted := wantedSubresources(r)
	out := map[string]any{}
	ok := s.read(w, r, func(st *voice.State, now time.Time) {
		info, _ := st.User(id.userID)
		merge(out, info)
		if wanted["devices"] {
			out["devices"] = st.UserDevices(id.userID)
		}
		if wanted["calls"] {
			out["calls"] = st.UserCalls(id.userID, now)
		}
		if wanted["features"] {
			out["features"] = s.features(st.Features(id.userID), st.BaseURL())
		}
		// channels, channelStates, interactions, chats, settings and anything else: the simulator has no
		// multimedia, so they are left out as a live GWS leaves them out without it (§11.4).
	})
	if ok {
		writeJSON(w, http.StatusOK, map[string]any{"statusCode": 0, "user": out})
	}
}

// features renders feature objects with the environment's display names and descriptions.
func (s *Server) features(ids []string, base string) []Feature {
	out := make([]Feature, 0, len(ids))
	for _, f := range ids {
		name, desc := s.env.FeatureInfo(f)
		out = append(out, Feature{ID: f, DisplayName: name, Description: desc, AutoAssignOnContactCenterCreate: true,
			URI: base + "/api/v2/features/" + f, Path: "/features/" + f})
	}
	return out
}

// userView is a user resource, with its devices when asked (subresources=devices or *).
func userView(st *voice.State, info voice.UserInfo, withDevices bool) map[string]any {
	m := map[string]any{}
	merge(m, info)
	if withDevices {
		m["devices"] = st.UserDevices(info.ID)
	}
	return m
}

func notFound(kind, id string) error {
	return &APIError{Code: StatusNotFound, Message: fmt.Sprintf("%s %q not found", kind, id)}
}

var errNoListing = &APIError{Code: StatusNoPermission, Message: "only a supervisor may list users and devices"}

// getUsers serves GET /api/v2/users: uris, users with fields=*, each with devices when asked.
func (s *Server) getUsers(w http.ResponseWriter, r *http.Request) {
	id := identityOf(r)
	wanted := wantedSubresources(r)
	var (
		allowed bool
		uris    []string
		users   []map[string]any
	)
	if !s.read(w, r, func(st *voice.State, _ time.Time) {
		if allowed = st.MayList(id.userID); !allowed {
			return
		}
		for _, u := range st.UsersVisibleTo(id.userID) {
			uris = append(uris, u.URI)
			users = append(users, userView(st, u, wanted["devices"]))
		}
	}) {
		return
	}
	if !allowed {
		writeError(w, errNoListing)
		return
	}
	if uris == nil {
		uris, users = []string{}, []map[string]any{}
	}
	writeJSON(w, http.StatusOK, listing(r, "users", uris, users))
}

// getUser serves GET /api/v2/users/{id}.
func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	id := identityOf(r)
	want := mux.Vars(r)["id"]
	withDevices := wantedSubresources(r)["devices"]
	var user map[string]any
	if !s.read(w, r, func(st *voice.State, _ time.Time) {
		if !st.Visible(id.userID, want) {
			return
		}
		info, _ := st.User(want)
		user = userView(st, info, withDevices)
	}) {
		return
	}
	if user == nil {
		writeError(w, notFound("user", want))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"statusCode": 0, "user": user})
}

// getUserDevices serves GET /api/v2/users/{id}/devices.
func (s *Server) getUserDevices(w http.ResponseWriter, r *http.Request) {
	id := identityOf(r)
	want := mux.Vars(r)["id"]
	var (
		devices []voice.Device
		base    string
		visible bool
	)
	if !s.read(w, r, func(st *voice.State, _ time.Time) {
		if visible = st.Visible(id.userID, want); visible {
			devices, base = st.UserDevices(want), st.BaseURL()
		}
	}) {
		return
	}
	if !visible {
		writeError(w, notFound("user", want))
		return
	}
	writeJSON(w, http.StatusOK, listing(r, "devices", deviceURIs(base, devices), devices))
}

// getAllDevices serves GET /api/v2/devices: the devices of every user the supervisor may see.
func (s *Server) getAllDevices(w http.ResponseWriter, r *http.Request) {
	id := identityOf(r)
	var (
		allowed bool
		devices = []voice.Device{}
		base    string
	)
	if !s.read(w, r, func(st *voice.State, _ time.Time) {
		if allowed = st.MayList(id.userID); !allowed {
			return
		}
		base = st.BaseURL()
		for _, u := range st.UsersVisibleTo(id.userID) {
			devices = append(devices, st.UserDevices(u.ID)...)
		}
	}) {
		return
	}
	if !allowed {
		writeError(w, errNoListing)
		return
	}
	writeJSON(w, http.StatusOK, listing(r, "devices", deviceURIs(base, devices), devices))
}

// getDevice serves the canonical device URI /api/v2/devices/{id}: a device of a user the caller may see,
// otherwise statusCode 6 as if it did not exist (behaviour.md §11.5), so that nobody learns from another's
// device whom a supervisor monitors.
func (s *Server) getDevice(w http.ResponseWriter, r *http.Request) {
	id := identityOf(r)
	want := mux.Vars(r)["id"]
	var d voice.Device
	var ok bool
	if !s.read(w, r, func(st *voice.State, _ time.Time) {
		if owner, found := st.DeviceOwner(want); found && st.Visible(id.userID, owner) {
			d, ok = st.DeviceByID(want)
		}
	}) {
		return
	}
	if !ok {
		writeError(w, notFound("device", want))
		return
	}
	if fields := r.URL.Query().Get("fields"); fields != "" && fields != "*" {
		writeJSON(w, http.StatusOK, map[string]any{"statusCode": 0, "device": keepFields(d, fields)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"statusCode": 0, "device": d})
}

func deviceURIs(base string, devices []voice.Device) []string {
	uris := make([]string, len(devices))
	for i, d := range devices {
		uris[i] = base + "/api/v2/devices/" + d.ID
	}
	return uris
}
