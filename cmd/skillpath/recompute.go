package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// recompute rebuilds every stored status, the expirations of delivered
// certificates (SPEC §9) and the certificate statistics' learners table,
// from the facts and rules, printing progress, and then checks that nothing
// differs any more; --check only checks.
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
	awards, err := st.CheckAwards(ctx)
	if err != nil {
		return err
	}
	for _, a := range awards {
		fmt.Fprintf(stdout, "delivered certificate %s (learner %s): stored expiry %s, the rules say %s\n", a.AwardID, a.UserID, when(a.ExpiresAt), when(a.NewExpiresAt))
	}
	if len(awards) > 0 {
		return fmt.Errorf("%d delivered certificates differ from their certificate's rules; run recompute without --check", len(awards))
	}
	fmt.Fprintln(stdout, "every delivered certificate's expiry and link match its certificate's rules")
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

func when(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.Format(time.RFC3339)
}
