package control

import (
	"net/http"
	"strconv"
	"time"

	"github.com/coachsim/coachsim/simulator/internal/restapi"
)

// MaxQuiescenceWait bounds the wait of one quiescence request.
const MaxQuiescenceWait = 30 * time.Second

// quiescenceCheck is how often a waiting quiescence request looks at the simulator again.
const quiescenceCheck = time.Millisecond

// GET /sim/v1/quiescence?waitMs=N answers {"statusCode":0,"quiescent":true} as soon as every operation so
// far has published all its notifications and every session's queue is delivered (Config.Quiescent), or
// {"quiescent":false} when that does not happen within N milliseconds (default 0: answer at once). A client
// that has received every reply it waited for may then stop watching for more notifications: none is on its
// way.
func (a *api) quiescence(w http.ResponseWriter, r *http.Request) {
	if a.cfg.Quiescent == nil {
		restapi.WriteError(w, bad(restapi.StatusInvalidState, "this simulator cannot tell whether it is quiescent"))
		return
	}
	var wait time.Duration
	if v := r.URL.Query().Get("waitMs"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms < 0 || time.Duration(ms)*time.Millisecond > MaxQuiescenceWait {
			restapi.WriteError(w, bad(restapi.StatusInvalidValue, "waitMs must be a whole number of milliseconds from 0 to %d", MaxQuiescenceWait.Milliseconds()))
			return
		}
		wait = time.Duration(ms) * time.Millisecond
	}
	start := time.Now()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(quiescenceCheck)
	defer tick.Stop()
	for {
		if a.cfg.Quiescent() {
			ok(w, map[string]any{"quiescent": true, "waitedMs": time.Since(start).Milliseconds()})
			return
		}
		select {
		case <-tick.C:
			continue
		case <-deadline.C:
		case <-r.Context().Done():
		}
		ok(w, map[string]any{"quiescent": false, "waitedMs": time.Since(start).Milliseconds()})
		return
	}
}
