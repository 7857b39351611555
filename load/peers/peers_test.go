package peers_test

import (
	"bytes"
	"context"
	"regexp"
	"testing"

	"github.com/coachsim/coachsim/load/peers"
)

// TestSmoke runs every shape, shrunk to a few sessions and notifications, once against an embedded coachsim
// and the two Node peers (installed by make deps), and checks that every notification was delivered and
// that the report names coachsim's ratio to each peer on every shape. The full benchmark is make bench-peers.
func TestSmoke(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cs, err := peers.StartEmbeddedCoachsim(20)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	servers := []*peers.Server{cs}
	for _, kind := range []string{"faye", "cometd"} {
		s, err := peers.StartPeer(ctx, "node", kind, dir)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		servers = append(servers, s)
	}
	shapes := []peers.Shape{
		{Name: "paced", Clients: 20, Rate: 200, Count: 40, Workers: 4},
		{Name: "max", Clients: 20, Count: 60, Workers: 8, InProcess: true},
		{Name: "fan-out", Clients: 10, FanOut: true, Rate: 100, Count: 10, Workers: 2},
	}
	results, err := peers.Run(ctx, servers, shapes, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 3*3+2 {
		t.Fatalf("%d results, want 11 (3 shapes × 3 servers + 2 in-process)", len(results))
	}
	for _, r := range results {
		want := int64(40)
		switch r.Shape {
		case "max":
			want = 60
		case "fan-out":
			want = 100
		}
		if r.Deliveries != want || r.PerSecond <= 0 || r.P99 < r.P50 || r.P50 <= 0 {
			t.Errorf("%s on %s: %d deliveries (want %d), %.0f/s, p50 %v, p99 %v", r.Server, r.Shape, r.Deliveries,
				want, r.PerSecond, r.P50, r.P99)
		}
	}
	var out bytes.Buffer
	peers.Print(&out, peers.Median(results), 1)
	for _, row := range []string{`max\s+faye in-process\s+\d+\.\d\d\s`, `fan-out\s+cometd\s+\d+\.\d\d\s`, `paced\s+faye\s+\d+\.\d\d\s`} {
		if !regexp.MustCompile(`(?m)^` + row).MatchString(out.String()) {
			t.Errorf("the report has no ratio row matching %q:\n%s", row, out.String())
		}
	}
}
