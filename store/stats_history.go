package store

import (
	"context"
	"database/sql"
	"strings"

	"skillpath"
	"skillpath/report"
	"skillpath/status"
)

// CertificateHistory streams one learner's history for one certificate,
// oldest first: one row per live enrollment in a session of a granting
// path (automatic re-enrollments have their own), with the status of the
// certificate delivered in it and the path status at now (the stored
// status, expired when every certificate it delivered has). Returns
// ENOTFOUND for a certificate outside the scope or a user who is not one
// of its learners in the scope; a learner the filters leave out has no
// rows.
func (s *Store) CertificateHistory(ctx context.Context, sc report.Scope, f report.Filter, certificateID, userID skillpath.ID, fn func(report.HistoryRow) error) error {
	return s.statsRead(ctx, func(tx *Tx) error {
		if err := tx.visibleCertificate(ctx, sc, certificateID); err != nil {
			return err
		}
		var a sqlArgs
		inScope := []string{`cl.certificate_id = ` + a.add(certificateID), `cl.user_id = ` + a.add(userID)}
		if c := scopeCondition(&a, sc); c != "" {
			inScope = append(inScope, c)
		}
		kept := `TRUE`
		if c := filterConditions(&a, f, nil); len(c) > 0 {
			kept = strings.Join(c, ` AND `)
		}
		var match int
		err := tx.QueryRowContext(ctx, `SELECT CASE WHEN `+kept+` THEN 1 ELSE 0 END FROM certificate_learners cl`+where(inScope), a...).Scan(&match)
		if errNoRows(err) {
			return skillpath.Errorf(skillpath.ENOTFOUND, "user %s is not a learner of certificate %s", userID, certificateID)
		} else if err != nil || match == 0 {
			return err
		}
		return tx.history(ctx, certificateID, userID, fn)
	})
}

// history reads the enrollments with every certificate each delivered
// (one row per award), folding them into one row per enrollment. A revoked
// certificate keeps its row, marked revoked, and counts for nothing else.
func (tx *Tx) history(ctx context.Context, certificateID, userID skillpath.ID, fn func(report.HistoryRow) error) error {
	rows, err := tx.QueryContext(ctx, `SELECT e.id, e.training_id, t.title, e.session_id, s.name, e.status, e.auto_reenrolled,
			a.delivered_at, a.expires_at, x.id, x.expires_at, a.id, a.awarded_by, a.reason, a.extended_at, a.revoked_at
		FROM enrollments e
		JOIN trainings t ON t.id = e.training_id
		JOIN sessions s ON s.id = e.session_id
		LEFT JOIN awards a ON a.enrollment_id = e.id AND a.certificate_id = $1
		LEFT JOIN awards x ON x.enrollment_id = e.id AND x.revoked_at IS NULL
		WHERE e.user_id = $2 AND e.deleted_at IS NULL
		AND (e.training_id IN (SELECT tc.training_id FROM training_certificates tc WHERE tc.certificate_id = $1) OR a.id IS NOT NULL)
		ORDER BY e.enrolled_at, e.id, x.id`, certificateID, userID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var cur *report.HistoryRow
	var awards []status.AwardFacts
	emit := func() error {
		if cur == nil {
			return nil
		}
		cur.PathStatus = status.Expire(cur.PathStatus, awards, tx.now)
		return fn(*cur)
	}
	for rows.Next() {
		var r report.HistoryRow
		var delivered, expires, awardID, awardExpires, id, awardedBy, extended, revoked sql.NullInt64
		var reason sql.NullString
		if err := rows.Scan(&r.EnrollmentID, &r.TrainingID, &r.PathName, &r.SessionID, &r.SessionName, &r.PathStatus, &r.AutoReenrolled,
			&delivered, &expires, &awardID, &awardExpires, &id, &awardedBy, &reason, &extended, &revoked); err != nil {
			return err
		}
		if cur == nil || cur.EnrollmentID != r.EnrollmentID {
			if err := emit(); err != nil {
				return err
			}
			r.DeliveredAt, r.ExpiresAt = timePtr(delivered), timePtr(expires)
			r.AwardID, r.AwardedBy, r.Reason, r.ExtendedAt, r.RevokedAt = idPtr(id), idPtr(awardedBy), reason.String, timePtr(extended), timePtr(revoked)
			r.CertificationStatus = status.CertificationStatus(delivered.Valid, r.ExpiresAt, tx.now)
			if r.RevokedAt != nil {
				r.CertificationStatus = status.CertificationRevoked
			}
			cur, awards = &r, nil
		}
		if awardID.Valid {
			awards = append(awards, status.AwardFacts{ExpiresAt: timePtr(awardExpires)})
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return emit()
}
