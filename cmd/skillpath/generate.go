package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"skillpath"
	"skillpath/synthetic"
)

// maxLearners bounds generate's --learners: the generator sets up its
// catalogue and groups for the number asked before the first row, without
// heeding Ctrl-C, so an absurd number (2 billion) grew memory without end.
// Ten million is ten times the largest load measured (docs/PERFORMANCE.md).
const maxLearners = 10_000_000

// generate fills an empty database with a synthetic organisation of N
// learners (SPEC §5), printing its progress as it goes to stderr (learners
// written, elapsed time, then the index builds) and what it made to
// stdout.
func generate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, log *slog.Logger) error {
	var cfg config
	fs := newFlagSet("generate", stdout)
	cfg.register(fs, getenv)
	learners := fs.Int("learners", 0, "how many learners to generate (required)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed and SKILLPATH_NOW give the same organisation")
	if help, err := parse(fs, args); help || err != nil {
		return err
	}
	if *learners < 1 {
		return fmt.Errorf("--learners N is required and must be 1 or more")
	}
	if *learners > maxLearners {
		return fmt.Errorf("--learners %d: at most %d (a million learners take about 2.5 minutes and 4 GB on SQLite)", *learners, maxLearners)
	}
	st, err := openStore(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	ended := false // the progress line ended with a newline
	sum, err := synthetic.Generate(ctx, st, synthetic.Options{
		Learners: *learners, Seed: *seed,
		AdminEmail: getenv("SKILLPATH_ADMIN_EMAIL"), AdminPassword: getenv("SKILLPATH_ADMIN_PASSWORD"),
		Progress: func(done, total int) {
			fmt.Fprintf(stderr, "\rgenerating: %d of %d learners (%s)", done, total, time.Since(start).Round(time.Second))
			if done == total {
				// the load's log lines follow on lines of their own
				fmt.Fprintln(stderr, "\ngenerating: building indexes and planner statistics")
				ended = true
			}
		},
	})
	if !ended {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		if skillpath.ErrorCode(err) == skillpath.EINTERNAL {
			// the operator's own command: the cause, not "Internal error."
			return fmt.Errorf("generate: %w", err)
		}
		return fmt.Errorf("generate: %s", skillpath.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "generated in %s: %d learners, %d staff, %d groups, %d certificates, %d paths, %d sessions, %d enrollments (%d automatic re-enrollments), %d certificates delivered\n",
		time.Since(start).Round(time.Millisecond), sum.Learners, sum.Staff, sum.Groups, sum.Certificates, sum.Paths, sum.Sessions,
		sum.Enrollments, sum.Reenrollments, sum.Awards)
	fmt.Fprintf(stdout, "log in as %s with password %s\n", sum.AdminEmail, sum.AdminPassword)
	return nil
}
