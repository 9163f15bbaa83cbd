package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

// recompute rebuilds every stored status, and the certificate statistics'
// learners table, from the facts, printing progress, and then checks that
// nothing differs any more.
func recompute(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, log *slog.Logger) error {
	var cfg config
	fs := newFlagSet("recompute", stdout)
	cfg.register(fs, getenv)
	check := fs.Bool("check", false, "only compare stored statuses with the facts and list the differences; change nothing")
	if help, err := parse(fs, args); help || err != nil {
		return err
	}
	st, err := openStore(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if !*check {
		err := st.Recompute(ctx, func(done, total int) {
			fmt.Fprintf(stdout, "\rrecomputed %d of %d enrollments", done, total)
		})
		fmt.Fprintln(stdout)
		if err != nil {
			return err
		}
	}
	mismatches, err := st.CheckStatuses(ctx)
	if err != nil {
		return err
	}
	for _, m := range mismatches {
		fmt.Fprintf(stdout, "enrollment %s: stored %s, facts say %s\n", m.EnrollmentID, m.Stored, m.Computed)
	}
	if len(mismatches) > 0 {
		return fmt.Errorf("%d stored statuses differ from the facts", len(mismatches))
	}
	fmt.Fprintln(stdout, "every stored status matches the facts")
	links, err := st.CheckCertificateLearners(ctx)
	if err != nil {
		return err
	}
	for _, l := range links {
		fmt.Fprintf(stdout, "certificate %s, learner %s: the statistics differ from the facts\n", l.CertificateID, l.UserID)
	}
	if len(links) > 0 {
		return fmt.Errorf("%d rows of the certificate statistics differ from the facts; run recompute without --check", len(links))
	}
	fmt.Fprintln(stdout, "the certificate statistics match the facts")
	return nil
}
