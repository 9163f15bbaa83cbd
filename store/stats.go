package store

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

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
	return s.SortedCertificateStats(ctx, sc, f, report.ListSort{Key: "title"}, fn)
}

// SortedCertificateStats is CertificateStats in the order o (issue 18):
// by one of its columns, ties by title then id, all in o's direction.
func (s *Store) SortedCertificateStats(ctx context.Context, sc report.Scope, f report.Filter, o report.ListSort, fn func(report.CertificateRow) error) error {
	return s.certificateStats(ctx, sc, f, o, true, fn)
}

// certificateStats is SortedCertificateStats; without sets, the filter's
// conditions are given to the database as they are, never as a set of
// learners read beforehand (Tx.filterLearners).
func (s *Store) certificateStats(ctx context.Context, sc report.Scope, f report.Filter, o report.ListSort, sets bool, fn func(report.CertificateRow) error) error {
	return s.statsRead(ctx, func(tx *Tx) error {
		var kept *learnerSet
		if sets {
			var err error
			if kept, err = tx.filterLearners(ctx, f); err != nil {
				return err
			}
		}
		q, a := certificateStatsQuery(sc, f, 0, kept, tx.now, o)
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
	if err := row.Scan(&r.ID, &r.Title, &r.OwnerGroup, &validity, &r.CertifiedLearners, &r.EnrolledLearners, &r.AssociatedPaths,
		&r.ExpiringSoonLearners, &r.ExpiredLearners); err != nil {
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
// answer for f. The expired and expiring learners are counted at now,
// among the certified ones (status.CertificationStatus's bounds).
//
// When kept is the few users a broad filter leaves out (SQLite,
// learnerSet.subtracted), the counts are those of every learner the other
// conditions keep (k, read as the unfiltered list is) minus those of the
// users left out (x, reached user by user): every column is a count of
// rows, and a certificate is listed when k counts more rows than x.
func certificateStatsQuery(sc report.Scope, f report.Filter, only skillpath.ID, kept *learnerSet, now time.Time, o report.ListSort) (string, sqlArgs) {
	var a sqlArgs
	n := a.add(millis(now))
	soon := a.add(millis(now) + status.ExpiringSoonWindow.Milliseconds())
	counts := `SELECT cl.certificate_id, COUNT(*) AS learners, COUNT(*) FILTER (WHERE cl.delivered_at IS NOT NULL) AS certified,
				COUNT(*) FILTER (WHERE cl.enrolled) AS enrolled,
				COUNT(*) FILTER (WHERE cl.expires_at > ` + n + ` AND cl.expires_at <= ` + soon + `) AS expiring,
				COUNT(*) FILTER (WHERE cl.expires_at <= ` + n + `) AS expired
			FROM certificate_learners cl`
	var conditions []string
	if only != 0 {
		conditions = append(conditions, `cl.certificate_id = `+a.add(only))
	}
	for _, c := range learnerConditions(&a, sc, f, kept) {
		if c == activeLearners && (kept != nil || !f.Narrowed()) {
			// read whole: a test of each row's flag, not a search of each
			// certificate's active rows in the counting index, whose ends
			// SQLite checks by comparing keys (0.68 s instead of 0.83–0.95 s
			// of CPU at a million learners, docs/PERFORMANCE.md); the same
			// condition to PostgreSQL, which writes = FALSE as NOT
			c = `NOT cl.user_deleted`
		}
		conditions = append(conditions, c)
	}
	column := func(c string) string { return `COALESCE(k.` + c + `, 0)` }
	listed := `k.certificate_id IS NOT NULL`
	left := ``
	if kept != nil && kept.subtracted != nil {
		out := append(slices.Clip(conditions), `cl.user_id IN (SELECT value FROM json_each(`+a.add(jsonIDs(kept.subtracted))+`))`)
		left = ` LEFT JOIN (` + counts + where(out) + ` GROUP BY cl.certificate_id) x ON x.certificate_id = c.id`
		column = func(c string) string { return `COALESCE(k.` + c + `, 0) - COALESCE(x.` + c + `, 0)` }
		listed = `k.learners > COALESCE(x.learners, 0)`
	}
	switch {
	case only != 0:
		listed = `c.id = ` + a.add(only)
	case f.UserStatus == report.UsersAll && !f.Narrowed() && sc.All:
		listed = `TRUE`
	case f.UserStatus == report.UsersAll && !f.Narrowed() && len(sc.CertificateIDs) > 0:
		listed += ` OR c.id IN (` + list(&a, sc.CertificateIDs) + `)`
	}
	return `SELECT c.id, c.title, g.name, c.validity_months, ` + column("certified") + `, ` + column("enrolled") + `,
			(SELECT COUNT(*) FROM training_certificates tc WHERE tc.certificate_id = c.id),
			` + column("expiring") + `, ` + column("expired") + `
		FROM certificates c JOIN groups g ON g.id = c.owner_group_id
		LEFT JOIN (` + counts + where(conditions) + ` GROUP BY cl.certificate_id) k ON k.certificate_id = c.id` + left + `
		WHERE ` + listed + ` ORDER BY ` + listOrder(o), a
}

// jsonIDs is ids as a JSON array, for SQLite's json_each.
func jsonIDs(ids []int64) string {
	b := []byte{'['}
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}

// listColumns are the list's sort keys as its query's output columns
// (positions), validity without expiry after every number of months.
var listColumns = map[string]string{"title": "2", "owner_group": "3", "validity_months": "COALESCE(c.validity_months, 1000000)",
	"certified_learners": "5", "enrolled_learners": "6", "associated_paths": "7", "expiring_soon_learners": "8", "expired_learners": "9"}

// listOrder is the ORDER BY of the list in the order o.
func listOrder(o report.ListSort) string {
	columns := []string{"c.title", "c.id"}
	if c, ok := listColumns[o.Key]; ok && o.Key != "title" {
		columns = append([]string{c}, columns...)
	}
	if o.Desc {
		for i := range columns {
			columns[i] += " DESC"
		}
	}
	return strings.Join(columns, ", ")
}

// statsRead runs fn in a read transaction with the statistics' settings
// (dialect.statsSettings: plans for the parameters, room to hash).
func (s *Store) statsRead(ctx context.Context, fn func(tx *Tx) error) error {
	return s.read(ctx, func(tx *Tx) error {
		for _, q := range s.dialect.statsSettings() {
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
