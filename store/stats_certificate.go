package store

import (
	"context"
	"database/sql"

	"skillpath"
	"skillpath/report"
)

// CertificateSummary is the row of the certificate list for one
// certificate (SPEC §3): the same counts under the same filters and scope,
// given even when the filters leave it no learner, for the head of the
// certificate's page. Returns ENOTFOUND for a certificate that does not
// exist or is outside the scope.
func (s *Store) CertificateSummary(ctx context.Context, sc report.Scope, f report.Filter, certificateID skillpath.ID) (report.CertificateRow, error) {
	var r report.CertificateRow
	q, a := certificateStatsQuery(sc, f, certificateID)
	err := s.statsRead(ctx, func(tx *Tx) error {
		if err := tx.visibleCertificate(ctx, sc, certificateID); err != nil {
			return err
		}
		var err error
		r, err = scanCertificateRow(tx.QueryRowContext(ctx, q, a...))
		return err
	})
	return r, err
}

// CertificateTimeline counts, in the months of tl, the certificate's
// deliveries and expirations among the learners the filters and the scope
// keep — the learners of the certificate's learners table (issue 7's
// chart). Deliveries are every certificate delivered in a live
// enrollment, renewals included; expirations are those of each learner's
// most recently delivered certificate, the one the learners table shows,
// so a certificate renewed in time does not count as expiring. One query
// reads the dates of the months' span; tl cuts them into months of the
// platform's zone. Returns ENOTFOUND for a certificate that does not exist
// or is outside the scope.
func (s *Store) CertificateTimeline(ctx context.Context, sc report.Scope, f report.Filter, certificateID skillpath.ID, tl *report.Timeline) error {
	var a sqlArgs
	certificate, from, to := a.add(certificateID), a.add(millis(tl.Start())), a.add(millis(tl.End()))
	delivered := append([]string{`a.certificate_id = ` + certificate, `a.delivered_at >= ` + from, `a.delivered_at < ` + to,
		`e.deleted_at IS NULL`}, learnerConditions(&a, sc, f)...)
	expiring := append([]string{`cl.certificate_id = ` + certificate, `cl.expires_at >= ` + from, `cl.expires_at < ` + to},
		learnerConditions(&a, sc, f)...)
	q := `SELECT 1, a.delivered_at FROM awards a JOIN enrollments e ON e.id = a.enrollment_id
			JOIN certificate_learners cl ON cl.certificate_id = a.certificate_id AND cl.user_id = a.user_id` + where(delivered) + `
		UNION ALL
		SELECT 0, cl.expires_at FROM certificate_learners cl` + where(expiring)
	return s.statsRead(ctx, func(tx *Tx) error {
		if err := tx.visibleCertificate(ctx, sc, certificateID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, q, a...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var delivery bool
			var at sql.NullInt64
			if err := rows.Scan(&delivery, &at); err != nil {
				return err
			}
			if delivery {
				tl.Deliver(fromMillis(at.Int64))
			} else {
				tl.Expire(fromMillis(at.Int64))
			}
		}
		return rows.Err()
	})
}
