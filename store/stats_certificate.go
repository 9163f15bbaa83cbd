package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

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
	err := s.statsRead(ctx, func(tx *Tx) error {
		if err := tx.visibleCertificate(ctx, sc, certificateID); err != nil {
			return err
		}
		kept, err := tx.filterLearners(ctx, f)
		if err != nil {
			return err
		}
		q, a := certificateStatsQuery(sc, f, certificateID, kept, tx.now, report.ListSort{Key: "title"})
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
// counts both by month: the months' first moments in the platform's zone
// are computed in Go (tl) and compared in SQL, so both databases cut the
// months alike, summer time included, and only the counts travel. Returns
// ENOTFOUND for a certificate that does not exist or is outside the scope.
func (s *Store) CertificateTimeline(ctx context.Context, sc report.Scope, f report.Filter, certificateID skillpath.ID, tl *report.Timeline) error {
	q, a := timelineQuery(s.dialect, sc, f, certificateID, tl)
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
			var month, n int
			if err := rows.Scan(&delivery, &month, &n); err != nil {
				return err
			}
			if month < 0 || month >= len(tl.Months) {
				return fmt.Errorf("timeline: month %d of %d", month, len(tl.Months))
			}
			if delivery {
				tl.Months[month].Delivered = n
			} else {
				tl.Months[month].Expiring = n
			}
		}
		return rows.Err()
	})
}

// timelineQuery is the one query of the chart: the deliveries from awards
// by certificate and date (their learners and live enrollments checked
// against lists built once, not row by row), the expirations from
// certificate_learners by certificate and date, each counted by month.
func timelineQuery(d dialect, sc report.Scope, f report.Filter, certificateID skillpath.ID, tl *report.Timeline) (string, sqlArgs) {
	var a sqlArgs
	certificate, from, to := a.add(certificateID), a.add(millis(tl.Start())), a.add(millis(tl.End()))
	starts := []string{from}
	for _, m := range tl.Months[1:] {
		starts = append(starts, a.add(millis(m.Start)))
	}
	month := func(col string) string {
		var b strings.Builder
		b.WriteString(`CASE`)
		for i := len(starts) - 1; i > 0; i-- {
			b.WriteString(` WHEN ` + col + ` >= ` + starts[i] + ` THEN ` + strconv.Itoa(i))
		}
		b.WriteString(` ELSE 0 END`)
		return b.String()
	}
	learners := append([]string{`cl.certificate_id = ` + certificate}, learnerConditions(&a, sc, f, nil)...)
	expiring := append([]string{`cl.certificate_id = ` + certificate, d.expiryDate() + ` >= ` + from, d.expiryDate() + ` < ` + to},
		learnerConditions(&a, sc, f, nil)...)
	return `SELECT 1, ` + month(`a.delivered_at`) + `, COUNT(*) FROM awards a
			WHERE a.certificate_id = ` + certificate + ` AND a.delivered_at >= ` + from + ` AND a.delivered_at < ` + to + `
			AND a.user_id IN (SELECT cl.user_id FROM certificate_learners cl` + where(learners) + `)
			AND a.enrollment_id NOT IN (SELECT e.id FROM enrollments e WHERE e.deleted_at IS NOT NULL)
			AND a.id NOT IN (SELECT r.id FROM awards r WHERE r.revoked_at IS NOT NULL)
			GROUP BY 2
		UNION ALL
		SELECT 0, ` + month(`cl.expires_at`) + `, COUNT(*) FROM certificate_learners cl` + where(expiring) + ` GROUP BY 2`, a
}
