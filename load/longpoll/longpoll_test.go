package longpoll_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/load/longpoll"
	"github.com/coachsim/coachsim/simulator"
)

func TestStamp(t *testing.T) {
	for data, want := range map[string]int64{
		`{"sentAt":"1764650000123456789"}`:                     1764650000123456789,
		`{"call":{"userData":{"x":"1","sentAt": "42"}},"n":7}`: 42,
		`{"sentAt":17}`: 17,
		`{"notificationType":"StateChange","userData":{"a":"b"}}`: -1,
		`{"sentAt":""}`: -1,
	} {
		got, ok := longpoll.Stamp([]byte(data))
		if want < 0 && ok || want >= 0 && (!ok || got != want) {
			t.Errorf("Stamp(%s) = %d, %v; want %d", data, got, ok, want)
		}
	}
}

// TestDriveOpenLoop checks that an open-loop plan stamps each trigger with its intended time, i/rate after
// the first, even when the sender is slower than the schedule.
func TestDriveOpenLoop(t *testing.T) {
	var mu sync.Mutex
	stamps := map[int]time.Time{}
	start, err := longpoll.Drive(context.Background(), func(_ context.Context, seq int, at time.Time) error {
		mu.Lock()
		stamps[seq] = at
		mu.Unlock()
		time.Sleep(2 * time.Millisecond) // a slow server: one sender cannot keep up with 1000/s
		return nil
	}, longpoll.Plan{Count: 50, Rate: 1000, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(stamps) != 50 {
		t.Fatalf("%d triggers sent, want 50", len(stamps))
	}
	for seq, at := range stamps {
		if want := start.Add(time.Duration(seq) * time.Millisecond); !at.Equal(want) {
			t.Errorf("trigger %d stamped %v after start, want %v", seq, at.Sub(start), want.Sub(start))
		}
	}
}

// TestFleetAgainstSimulator opens sessions of two users of the default environment on a loopback simulator
// and checks that every stamped Dial (userData sentAt) reaches the dialling user's sessions once.
func TestFleetAgainstSimulator(t *testing.T) {
	sim, err := simulator.StartLoopback(fixtures.Default())
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	users := []string{"agent1", "agent2"}
	fleet, err := longpoll.Open(context.Background(), longpoll.Config{Endpoint: sim.URL + "/api/v2/notifications",
		Clients: 4, Credentials: func(i int) (string, string) { return users[i%2], "password" },
		Channels: func(int) []string { return []string{"/v2/me/calls"} }})
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Close()
	env := fixtures.Default()
	device := map[string]string{}
	for _, u := range env.Users {
		device[u.UserName] = u.Device.ID
	}
	hc := sim.URL
	_, err = longpoll.Drive(context.Background(), func(ctx context.Context, seq int, at time.Time) error {
		return dialStamped(ctx, hc, users[seq%2], device[users[seq%2]], at)
	}, longpoll.Plan{Count: 10, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Ten triggers, each delivered to the two sessions of its user.
	if err := fleet.Wait(20, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if h := fleet.Histogram(); h.TotalCount() != 20 || h.Max() <= 0 {
		t.Fatalf("histogram holds %d values (max %d µs), want 20", h.TotalCount(), h.Max())
	}
}
