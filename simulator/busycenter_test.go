package simulator_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"hash"
	"testing"
	"time"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator"
)

// hourTally counts what an hour of the busy center published.
type hourTally struct {
	notifications int
	calls         map[string]bool // call ids seen by anyone
	supervised    map[string]bool // call ids a supervisor was Established on
	followed      int             // supervisor ParticipantsUpdated (Call scope following the customer)
	afterCallWork int
	trace         hash.Hash // every notification: user, channel, data
}

// playBusyHour runs fixtures/busy-center.yaml for one simulated hour on a stopped virtual clock and counts
// what was published. It returns how long that took in wall time.
func playBusyHour(tb testing.TB, seed uint64) (hourTally, time.Duration) {
	tb.Helper()
	env, err := fixtures.Load("../fixtures/busy-center.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	vc, err := simulator.NewVirtualClock(0)
	if err != nil {
		tb.Fatal(err)
	}
	t := hourTally{calls: map[string]bool{}, supervised: map[string]bool{}, trace: sha256.New()}
	observe := func(n simulator.Notification) {
		t.notifications++
		fmt.Fprintf(t.trace, "%s %s %s\n", n.UserID, n.Channel, n.Data)
		var m struct {
			NotificationType string `json:"notificationType"`
			Call             *struct {
				ID         string `json:"id"`
				State      string `json:"state"`
				Monitoring bool   `json:"monitoring"`
			} `json:"call"`
			Devices []struct {
				UserState struct {
					WorkMode string `json:"workMode"`
				} `json:"userState"`
			} `json:"devices"`
		}
		if err := json.Unmarshal(n.Data, &m); err != nil {
			tb.Errorf("undecodable notification: %v", err)
			return
		}
		switch {
		case m.Call != nil:
			t.calls[m.Call.ID] = true
			if m.Call.Monitoring && m.Call.State == "Established" {
				t.supervised[m.Call.ID] = true
				if m.NotificationType == "ParticipantsUpdated" {
					t.followed++
				}
			}
		case len(m.Devices) == 1 && m.Devices[0].UserState.WorkMode == "AfterCallWork":
			t.afterCallWork++
		}
	}
	sim := simulator.New(env, simulator.WithClock(vc), simulator.WithSeed(seed), simulator.WithObserver(observe))
	defer sim.Close()
	start := time.Now()
	if _, err := sim.Advance(context.Background(), time.Hour); err != nil {
		tb.Fatal(err)
	}
	return t, time.Since(start)
}

// TestBusyCenterHour plays an hour of the busy center on the virtual clock and checks it was a busy hour:
// hundreds of calls, supervisors on many of them and following customers through transfers in Call scope,
// agents wrapping up. Speed is measured by BenchmarkBusyCenterHour, not here.
func TestBusyCenterHour(t *testing.T) {
	got, _ := playBusyHour(t, 0)
	if n := len(got.calls); n < 400 {
		t.Errorf("%d calls in an hour at 600/h (plus transfers and consultations); want at least 400", n)
	}
	if n := len(got.supervised); n < 20 {
		t.Errorf("supervisors were on %d calls; want at least 20", n)
	}
	if got.followed == 0 {
		t.Error("no supervisor followed a customer to the next agent (Call scope)")
	}
	if got.afterCallWork < 300 {
		t.Errorf("%d after-call-work states; want at least 300", got.afterCallWork)
	}
	again, _ := playBusyHour(t, 0)
	if !bytes.Equal(again.trace.Sum(nil), got.trace.Sum(nil)) {
		t.Errorf("the same fixture, seed and clock gave two different traces: %d notifications on %d calls, "+
			"then %d on %d", got.notifications, len(got.calls), again.notifications, len(again.calls))
	}
	other, _ := playBusyHour(t, 99)
	if bytes.Equal(other.trace.Sum(nil), got.trace.Sum(nil)) {
		t.Error("another seed gave the very same trace")
	}
}

// BenchmarkBusyCenterHour measures the wall time of one simulated hour of fixtures/busy-center.yaml on the
// virtual clock (the target: under 10 s on 2 cores). It reports the speed-up over real time (3600 s divided
// by the wall time) and how much was simulated.
func BenchmarkBusyCenterHour(b *testing.B) {
	var wall time.Duration
	var last hourTally
	for i := 0; i < b.N; i++ {
		t, d := playBusyHour(b, 0)
		wall += d
		last = t
	}
	perHour := wall / time.Duration(b.N)
	b.ReportMetric(float64(time.Hour)/float64(perHour), "x-realtime")
	b.ReportMetric(perHour.Seconds(), "wall-s/sim-hour")
	b.ReportMetric(float64(len(last.calls)), "calls/sim-hour")
	b.ReportMetric(float64(last.notifications), "notifications/sim-hour")
}
