package store

import (
	"context"
	"database/sql"

	"skillpath"
	"skillpath/report"
	"skillpath/status"
)

// The certificate statistics of SPEC §3. Each table is one query (plus the
// scope check of the certificate it is about) whose rows go to fn as they
// are read, so a CSV download streams whatever its size. Counts and rows
// follow the caller's scope (StatsScope) and the filters; certificate
// statuses come from status.CertificationStatus at the business "now".

// CertificateStats streams the certificate list, by title: the
// certificates linked to at least one learner the filters and the scope
// select, with counts over those learners — and, when the user status is
// "all" and no other filter narrows the list, every other certificate in
// scope as well, linked to no one.
func (s *Store) CertificateStats(ctx context.Context, sc report.Scope, f report.Filter, fn func(report.CertificateRow) error) error {
	return s.statsRead(ctx, func(tx *Tx) error {
		kept, err := tx.filterLearners(ctx, f)
		if err != nil {
			return err
		}
		q, a := certificateStatsQuery(sc, f, 0, kept)
		rows, err := tx.QueryContext(ctx, q, a...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanCertificateRow(rows)
			if err != nil {
				return err
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

func scanCertificateRow(row interface{ Scan(...any) error }) (report.CertificateRow, error) {
	var r report.CertificateRow
	var validity sql.NullInt64
	if err := row.Scan(&r.ID, &r.Title, &r.OwnerGroup, &validity, &r.CertifiedLearners, &r.EnrolledLearners, &r.AssociatedPaths); err != nil {
		return r, err
	}
	if validity.Valid {
		v := int(validity.Int64)
		r.ValidityMonths = &v
	}
	return r, nil
}

// certificateStatsQuery is the one query of the certificate list: a count
// of certificate_learners rows per certificate, never a join of every
// enrollment. With only set, it is that certificate's row, listed whatever
// the filters leave it (CertificateSummary). kept is Tx.filterLearners'
// answer for f.
func certificateStatsQuery(sc report.Scope, f report.Filter, only skillpath.ID, kept *learnerSet) (string, sqlArgs) {
	var a sqlArgs
	var conditions []string
	if only != 0 {
		conditions = append(conditions, `cl.certificate_id = `+a.add(only))
	}
	conditions = append(conditions, learnerConditions(&a, sc, f, kept)...)
	listed := `k.certificate_id IS NOT NULL`
	switch {
	case only != 0:
		listed = `c.id = ` + a.add(only)
	case f.UserStatus == report.UsersAll && !f.Narrowed() && sc.All:
		listed = `TRUE`
	case f.UserStatus == report.UsersAll && !f.Narrowed() && len(sc.CertificateIDs) > 0:
		listed += ` OR c.id IN (` + list(&a, sc.CertificateIDs) + `)`
	}
	return `SELECT c.id, c.title, g.name, c.validity_months, COALESCE(k.certified, 0), COALESCE(k.enrolled, 0),
			(SELECT COUNT(*) FROM training_certificates tc WHERE tc.certificate_id = c.id)
		FROM certificates c JOIN groups g ON g.id = c.owner_group_id
		LEFT JOIN (SELECT cl.certificate_id, SUM(CASE WHEN cl.delivered_at IS NOT NULL THEN 1 ELSE 0 END) AS certified,
				SUM(CASE WHEN cl.enrolled THEN 1 ELSE 0 END) AS enrolled
			FROM certificate_learners cl` + where(conditions) + ` GROUP BY cl.certificate_id) k ON k.certificate_id = c.id
		WHERE ` + listed + ` ORDER BY c.title, c.id`, a
}

// statsRead runs fn in a read transaction planned for its parameters.
func (s *Store) statsRead(ctx context.Context, fn func(tx *Tx) error) error {
	return s.read(ctx, func(tx *Tx) error {
		if q := s.dialect.customPlans(); q != "" {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return fn(tx)
	})
}

// Page asks for part of a table: Limit rows (0: every row) after the
// opaque cursor After, which the previous page returned as its next.
type Page struct {
	Limit int
	After string
}

// CertificateLearners streams the learners of one certificate, by name:
// one row per learner enrolled in a session of a granting path or holding
// the certificate, with the status and dates of the certificate delivered
// to them most recently. It returns the cursor of the next page, "" on
// the last. Returns ENOTFOUND for a certificate that does not exist or is
// outside the scope, EINVALID (after) for a cursor it did not make.
func (s *Store) CertificateLearners(ctx context.Context, sc report.Scope, f report.Filter, certificateID skillpath.ID, p Page, fn func(report.LearnerRow) error) (string, error) {
	return s.learners(ctx, sc, f, certificateID, false, p, fn)
}

// CertifiedLearners is CertificateLearners for the learners holding the
// certificate only: the names behind the list's "Certified learners".
func (s *Store) CertifiedLearners(ctx context.Context, sc report.Scope, f report.Filter, certificateID skillpath.ID, p Page, fn func(report.LearnerRow) error) (string, error) {
	return s.learners(ctx, sc, f, certificateID, true, p, fn)
}

func (s *Store) learners(ctx context.Context, sc report.Scope, f report.Filter, certificateID skillpath.ID, certified bool, p Page, fn func(report.LearnerRow) error) (string, error) {
	q, a, err := learnersQuery(sc, f, certificateID, certified, p)
	if err != nil {
		return "", err
	}
	var next string
	err = s.statsRead(ctx, func(tx *Tx) error {
		if err := tx.visibleCertificate(ctx, sc, certificateID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, q, a...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var last report.LearnerRow
		for n := 1; rows.Next(); n++ {
			if p.Limit > 0 && n > p.Limit {
				next = cursor{name: last.Name, id: last.UserID}.String()
				break
			}
			var r report.LearnerRow
			var delivered, expires sql.NullInt64
			if err := rows.Scan(&r.UserID, &r.Name, &r.Email, &delivered, &expires); err != nil {
				return err
			}
			last = r
			r.DeliveredAt, r.ExpiresAt = timePtr(delivered), timePtr(expires)
			r.LatestStatus = status.CertificationStatus(delivered.Valid, r.ExpiresAt, tx.now)
			if err := fn(r); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return next, err
}

// learnersQuery is the one query of a learners page: certificate_learners
// rows of the certificate, in the order of an index, so a page reads its
// rows and no more.
func learnersQuery(sc report.Scope, f report.Filter, certificateID skillpath.ID, certified bool, p Page) (string, sqlArgs, error) {
	var a sqlArgs
	conditions := append([]string{`cl.certificate_id = ` + a.add(certificateID)}, learnerConditions(&a, sc, f, nil)...)
	if certified {
		conditions = append(conditions, `cl.delivered_at IS NOT NULL`)
	}
	if p.After != "" {
		c, err := parseCursor(p.After)
		if err != nil {
			return "", nil, err
		}
		conditions = append(conditions, `(cl.user_name, cl.user_id) > (`+a.add(c.name)+`, `+a.add(c.id)+`)`)
	}
	q := `SELECT cl.user_id, cl.user_name, u.email, cl.delivered_at, cl.expires_at
		FROM certificate_learners cl JOIN users u ON u.id = cl.user_id` + where(conditions) + ` ORDER BY cl.user_name, cl.user_id`
	if p.Limit > 0 {
		q += ` LIMIT ` + a.add(p.Limit+1)
	}
	return q, a, nil
}

// CertificatePaths streams the paths granting the certificate, by name:
// the names behind the list's "Associated paths", which no user filter
// changes. Returns ENOTFOUND for a certificate outside the scope.
func (s *Store) CertificatePaths(ctx context.Context, sc report.Scope, certificateID skillpath.ID, fn func(report.PathRow) error) error {
	return s.statsRead(ctx, func(tx *Tx) error {
		if err := tx.visibleCertificate(ctx, sc, certificateID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT t.id, t.title FROM training_certificates tc JOIN trainings t ON t.id = tc.training_id
			WHERE tc.certificate_id = $1 ORDER BY t.title, t.id`, certificateID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r report.PathRow
			if err := rows.Scan(&r.ID, &r.PathName); err != nil {
				return err
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
