package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	fixture := fs.String("fixture", "", "environment file (default: the built-in default environment)")
	baseURL := fs.String("base-url", "", "public base URL used in every uri the server emits (default: the fixture's baseUrl, or http://ADDR when --addr is given)")
	cometdTimeout := fs.Duration("cometd-timeout", 30*time.Second, "how long a CometD long poll is held")
	cometdMaxInterval := fs.Duration("cometd-max-interval", 15*time.Second, "a CometD session without a connect for this long expires")
	clockKind := fs.String("clock", "real", "real: scripts run on the wall clock; virtual: on a virtual clock (see --speed and POST /sim/v1/clock/advance)")
	speed := fs.Float64("speed", 1, "with --clock virtual: virtual seconds per real second (0: time moves only through the control API)")
	seed := fs.Uint64("seed", 0, "seed of the fixture's script (default: the script's seed, or 1)")
	var lim simulator.Limits
	fs.DurationVar(&lim.ReadHeaderTimeout, "read-header-timeout", 0, "a request's headers must arrive within this (0: 10s; negative: no limit)")
	fs.DurationVar(&lim.BodyTimeout, "body-timeout", 0, "a request body may take this long beyond what --min-body-rate allows (0: 10s; negative: no limit)")
	fs.IntVar(&lim.MinBodyRate, "min-body-rate", 0, "slowest accepted request body, bytes per second (0: 4096; negative: no rate)")
	fs.DurationVar(&lim.WriteTimeout, "write-timeout", 0, "a reply must be written within this; a long poll's hold does not count (0: 10s; negative: no limit)")
	fs.DurationVar(&lim.IdleTimeout, "idle-timeout", 0, "an idle keep-alive connection closes after this (0: 30s; negative: never)")
	fs.IntVar(&lim.MaxConns, "max-conns", 0, "open connections at most; beyond it idle ones are closed or new ones refused with 503 (0: the file-descriptor limit minus a reserve; negative: no cap)")
	fs.IntVar(&lim.MaxConnsPerClient, "max-conns-per-client", 0, "open connections from one client IP address at most (0: 512; negative: no cap)")
	fs.DurationVar(&lim.ShutdownGrace, "shutdown-grace", 0, "on stop, how long requests in flight may finish; idle connections close at once (0: 5s)")
	var sessLim simulator.SessionLimits
	fs.DurationVar(&sessLim.IdleTimeout, "session-timeout", 0, "an HTTP session without a request for this long ends (0: 30m)")
	fs.IntVar(&sessLim.MaxPerUser, "max-sessions-per-user", 0, "HTTP sessions per user at most; one more ends the least recently used (0: 16)")
	logRequests := fs.Bool("log-requests", false, "log one line per REST request (Debug level; off by default: it costs on every request)")
	controlToken := fs.String("control", "", "serve the control API under /sim/v1 to requests bearing this token (default: $COACHSIM_CONTROL_TOKEN; empty: off)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usagef("serve: %v", err)
	}
	if fs.NArg() > 0 {
		return usagef("serve: unexpected argument %q", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var clk simulator.Clock
	switch *clockKind {
	case "real":
		if given["speed"] {
			return usagef("serve: --speed needs --clock virtual")
		}
	case "virtual":
		v, err := simulator.NewVirtualClock(*speed)
		if err != nil {
			return usagef("serve: --speed: %v", err)
		}
		clk = v
	default:
		return usagef("serve: --clock must be real or virtual, not %q", *clockKind)
	}
	if *controlToken == "" {
		*controlToken = os.Getenv("COACHSIM_CONTROL_TOKEN")
	}
	env, err := loadEnvironment(*fixture)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return usagef("serve: cannot listen on %s: %v", *addr, err)
	}
	defer ln.Close()
	switch {
	case *baseURL != "":
		env.BaseURL = strings.TrimSuffix(*baseURL, "/")
	case given["addr"]:
		env.BaseURL = "http://" + ln.Addr().String()
	}
	if env, err = fixtures.Normalize(env); err != nil {
		return usagef("serve: %v", err)
	}

	logOpts := &slog.HandlerOptions{}
	if *logRequests {
		logOpts.Level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, logOpts))
	if given["seed"] && env.Script == nil {
		log.Warn("--seed has no effect: the environment has no script", "environment", env.Name)
	}
	opts := []simulator.Option{simulator.WithLogger(log), simulator.WithCometD(*cometdTimeout, *cometdMaxInterval, 0),
		simulator.WithSeed(*seed), simulator.WithControl(*controlToken), simulator.WithLimits(lim), simulator.WithSessionLimits(sessLim)}
	if clk != nil {
		opts = append(opts, simulator.WithClock(clk))
	}
	sim := simulator.New(env, opts...)
	defer sim.Close()

	served := sim.Serve(ln)
	log.Info("coachsim serving", "addr", ln.Addr().String(), "baseUrl", env.BaseURL, "environment", env.Name,
		"users", len(env.Users), "notifications", env.BaseURL+"/api/v2/notifications", "clock", *clockKind,
		"scripted", env.Script != nil, "control", *controlToken != "", "limits", served.Limits().String())
	fmt.Fprintf(stdout, "coachsim: serving %s at http://%s (Ctrl-C to stop)\n", env.Name, ln.Addr())

	select {
	case err := <-served.Done():
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sim.Close()    // answers held long polls so that closing does not wait for them
	served.Close() // idle connections close at once; requests in flight get the shutdown grace
	return nil
}

// loadEnvironment reads a fixture file, or the built-in default when path is empty.
func loadEnvironment(path string) (*fixtures.Environment, error) {
	if path == "" {
		return fixtures.Default(), nil
	}
	env, err := fixtures.Load(path)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return env, nil
}
