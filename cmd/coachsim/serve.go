package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
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

	log := slog.New(slog.NewTextHandler(stderr, nil))
	if given["seed"] && env.Script == nil {
		log.Warn("--seed has no effect: the environment has no script", "environment", env.Name)
	}
	opts := []simulator.Option{simulator.WithLogger(log), simulator.WithCometD(*cometdTimeout, *cometdMaxInterval, 0),
		simulator.WithSeed(*seed), simulator.WithControl(*controlToken)}
	if clk != nil {
		opts = append(opts, simulator.WithClock(clk))
	}
	sim := simulator.New(env, opts...)
	defer sim.Close()

	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	log.Info("coachsim serving", "addr", ln.Addr().String(), "baseUrl", env.BaseURL, "environment", env.Name,
		"users", len(env.Users), "notifications", env.BaseURL+"/api/v2/notifications", "clock", *clockKind,
		"scripted", env.Script != nil, "control", *controlToken != "")
	fmt.Fprintf(stdout, "coachsim: serving %s at http://%s (Ctrl-C to stop)\n", env.Name, ln.Addr())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sim.Close() // answers held long polls so Shutdown does not wait for them
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	<-served
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
