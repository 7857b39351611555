// Command bench-peers measures coachsim's notification path against the Faye and CometD Node servers
// (make bench-peers): deliveries/s, p50/p99 latency and server CPU per delivery for each load shape, medians
// of interleaved rounds, and coachsim's ratios to each peer. See package load/peers.
//
//	bench-peers --coachsim bin/coachsim [--node load/peers/node] [--rounds 3] [--scale 1] [--servers coachsim,faye,cometd]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/coachsim/coachsim/load/peers"
)

func main() {
	bin := flag.String("coachsim", "bin/coachsim", "the coachsim binary to serve")
	nodeDir := flag.String("node", "load/peers/node", "folder of peer.js and its installed node_modules (make deps)")
	rounds := flag.Int("rounds", 3, "interleaved rounds (the medians are reported)")
	scale := flag.Float64("scale", 1, "fraction of each shape's notification count (shorter runs)")
	servers := flag.String("servers", "coachsim,faye,cometd", "servers to measure")
	flag.Parse()
	if *rounds < 1 || *scale <= 0 || *scale > 1 {
		fmt.Fprintln(os.Stderr, "bench-peers: --rounds must be ≥ 1 and --scale in (0, 1]")
		os.Exit(2)
	}
	raiseFileLimit()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *bin, *nodeDir, strings.Split(*servers, ","), *rounds, *scale); err != nil {
		fmt.Fprintln(os.Stderr, "bench-peers:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, bin, nodeDir string, names []string, rounds int, scale float64) error {
	dir, err := os.MkdirTemp("", "bench-peers-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var servers []*peers.Server
	defer func() {
		for _, s := range servers {
			s.Close()
		}
	}()
	for _, n := range names {
		var s *peers.Server
		switch n {
		case "coachsim":
			s, err = peers.StartCoachsim(ctx, bin, dir)
		case "faye", "cometd":
			s, err = peers.StartPeer(ctx, nodeDir, n, dir)
		default:
			return fmt.Errorf("unknown server %q (coachsim, faye, cometd)", n)
		}
		if err != nil {
			return err
		}
		servers = append(servers, s)
		fmt.Printf("%-9s %s\n", s.Name, s.Endpoint)
	}
	results, err := peers.Run(ctx, servers, peers.Shapes(scale), rounds, os.Stdout)
	if err != nil {
		return err
	}
	peers.Print(os.Stdout, peers.Median(results), rounds)
	return nil
}

// raiseFileLimit lifts the soft open-file limit to the hard one for this process and the servers it starts:
// a thousand long polls and their triggers need more than the usual 1024 descriptors on each side.
func raiseFileLimit() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}
