// Command coachsim runs the coachsim device simulator and its conformance suite.
//
//	coachsim serve   [--addr 127.0.0.1:8080] [--fixture FILE] [--base-url URL] [--clock real|virtual] [--speed F]
//	                 [--seed N] [--control TOKEN]
//	coachsim conform [--target URL] [--profile FILE] [--out DIR] [--expect FILE] [--retry-unexpected N] ...
//
// The command only turns flags into library calls; everything it does lives in the packages it calls.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes shared by every subcommand.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitUnreachable = 3
)

// usageError marks a mistake in the command line or configuration (exit code 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

const mainUsage = `coachsim: a GWS v2 Voice API device simulator and supervisor-monitoring conformance suite

usage:
  coachsim serve   [flags]   serve the simulated environment over HTTP (REST + CometD)
  coachsim conform [flags]   run the conformance suite (default: against an embedded simulator)
  coachsim load    [flags]   supervised call traffic with checks and latency statistics (coachsim load merge DIR... combines workers)
  coachsim help    COMMAND   show a command's flags
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, stderr)
	case "conform":
		err = conform(ctx, args[1:], stdout, stderr)
	case "load":
		err = loadCmd(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		if len(args) > 1 {
			return run(ctx, []string{args[1], "-h"}, stdout, stderr)
		}
		fmt.Fprint(stdout, mainUsage)
		return exitOK
	default:
		err = usagef("unknown command %q (try: coachsim help)", args[0])
	}
	return exitCode(err, stderr)
}

func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	var coded interface{ ExitCode() int }
	switch {
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "coachsim: "+ue.msg)
		return exitUsage
	case errors.As(err, &coded):
		fmt.Fprintln(stderr, "coachsim: "+err.Error())
		return coded.ExitCode()
	}
	fmt.Fprintln(stderr, "coachsim: "+err.Error())
	return exitFailed
}
