// Command crasher is the kit's failing workload: it exits with a chosen code
// after a chosen delay, so specs can watch restart policies, restart counts,
// back-off and container states (Terminated with exit code N) at work.
//
// $EXIT_CODE (default 1) and $DELAY (a Go duration, default 1s) configure it;
// the flags -code and -delay override them. SIGTERM or SIGINT during the
// delay makes it exit 0 at once, so deleting its pod is quick.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// config is what the crasher does: exit with code after delay.
type config struct {
	code  int
	delay time.Duration
}

func main() {
	cfg, err := parseConfig(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crasher:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	os.Exit(run(ctx, cfg, os.Stdout))
}

// parseConfig reads $EXIT_CODE and $DELAY through getenv, then lets the
// flags in args override them.
func parseConfig(args []string, getenv func(string) string) (config, error) {
	cfg := config{code: 1, delay: time.Second}
	var err error
	if v := getenv("EXIT_CODE"); v != "" {
		if cfg.code, err = strconv.Atoi(v); err != nil {
			return config{}, fmt.Errorf("EXIT_CODE=%q: not an integer", v)
		}
	}
	if v := getenv("DELAY"); v != "" {
		if cfg.delay, err = time.ParseDuration(v); err != nil {
			return config{}, fmt.Errorf("DELAY=%q: not a duration such as 500ms or 2s", v)
		}
	}
	fs := flag.NewFlagSet("crasher", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&cfg.code, "code", cfg.code, "exit code (overrides $EXIT_CODE)")
	fs.DurationVar(&cfg.delay, "delay", cfg.delay, "time before exiting (overrides $DELAY)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q: usage: crasher [-code N] [-delay D]", fs.Args())
	}
	return cfg, cfg.validate()
}

func (c config) validate() error {
	if c.code < 0 || c.code > 255 {
		return fmt.Errorf("exit code %d: want 0 to 255", c.code)
	}
	if c.delay < 0 {
		return fmt.Errorf("delay %s: want 0 or more", c.delay)
	}
	return nil
}

// run announces the exit, waits out the delay and returns the exit code; 0
// if ctx ends first.
func run(ctx context.Context, cfg config, out io.Writer) int {
	fmt.Fprintf(out, "crasher: exiting with code %d after %s\n", cfg.code, cfg.delay)
	timer := time.NewTimer(cfg.delay)
	defer timer.Stop()
	select {
	case <-timer.C:
		return cfg.code
	case <-ctx.Done():
		fmt.Fprintln(out, "crasher: terminated during the delay, exiting with code 0")
		return 0
	}
}
