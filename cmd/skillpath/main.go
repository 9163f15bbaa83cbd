// Command skillpath runs the skillpath service and its maintenance tasks.
//
//	skillpath serve      run the HTTP service (flags: --addr, --db, --demo, --timezone)
//	skillpath generate   fill an empty database with a synthetic organisation
//	skillpath recompute  rebuild stored statuses from the facts
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `skillpath — learning progress, certificates, statistics and xAPI reporting.

Usage:
  skillpath serve     [--addr 127.0.0.1:8080] [--db sqlite:skillpath.db] [--demo] [--timezone UTC] [--base-url URL]
                      [--paper a4|letter] [--platform-name NAME]
  skillpath generate  --db URL --learners N [--seed S]
  skillpath recompute [--db URL] [--check]

Run "skillpath COMMAND --help" for the flags and environment of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "skillpath:", err)
		os.Exit(1)
	}
}

// run dispatches to a subcommand; its arguments and environment are
// parameters so tests can run the CLI in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("a command is required")
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, log)
	case "generate":
		return generate(ctx, args[1:], getenv, stdout, stderr, log)
	case "recompute":
		return recompute(ctx, args[1:], getenv, stdout, log)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
