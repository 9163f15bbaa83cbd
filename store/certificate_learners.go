package store

import (
	"context"
	"fmt"

	"skillpath"
)

// certificate_learners holds one row per certificate and linked learner
// (see its migration): the certificate statistics of SPEC §3 read it
// instead of every enrollment. Every change of the facts it is derived
// from updates it in the same transaction:
//
//	enrollment created (Enroll, Reenroll), certificate delivered (deliver),
//	enrollment or session deleted, session archived  → relink
//	user renamed or deleted                          → setLearnerUser
//	recompute                                        → rebuildCertificateLearners
//	bulk load                                        → the loader writes the rows
//
// and CheckCertificateLearners proves it against the facts.

// learnerEnrolled is true when user u has a live enrollment in a path
// granting certificate c (columns given as SQL), in a session that is not
// archived when open.
func learnerEnrolled(c, u string, open bool) string {
	q := `EXISTS (SELECT 1 FROM training_certificates tc JOIN enrollments e ON e.training_id = tc.training_id`
	if open {
		q += ` JOIN sessions s ON s.id = e.session_id`
	}
	q += ` WHERE tc.certificate_id = ` + c + ` AND e.user_id = ` + u + ` AND e.deleted_at IS NULL`
	if open {
		q += ` AND s.archived_at IS NULL`
	}
	return q + `)`
}

// latestAward is the id of the certificate c most recently delivered to
// user u in a live enrollment and not revoked (SPEC §3: the latest status is that one's).
func latestAward(c, u string) string {
	return `(SELECT a.id FROM awards a JOIN enrollments ae ON ae.id = a.enrollment_id
		WHERE a.certificate_id = ` + c + ` AND a.user_id = ` + u + ` AND ae.deleted_at IS NULL AND a.revoked_at IS NULL
		ORDER BY a.delivered_at DESC, a.id DESC LIMIT 1)`
}

// learnerRows selects the certificate_learners rows of the candidate
// pairs (a query of certificate_id, user_id), leaving out the pairs that
// are no longer linked: the one definition of the table.
func learnerRows(pairs string) string {
	return `SELECT p.certificate_id, p.user_id, u.name, u.deleted_at IS NOT NULL, ` + learnerEnrolled("p.certificate_id", "p.user_id", true) + `,
		la.delivered_at, la.expires_at, u.email
		FROM (` + pairs + `) p JOIN users u ON u.id = p.user_id
		LEFT JOIN awards la ON la.id = ` + latestAward("p.certificate_id", "p.user_id") + `
		WHERE la.id IS NOT NULL OR ` + learnerEnrolled("p.certificate_id", "p.user_id", false)
}

// linkedPairs are the pairs of the enrollments matching where (over
// enrollments e, deleted or not): through the paths' certificates and
// through the certificates delivered in them.
func linkedPairs(where string) string {
	return `SELECT tc.certificate_id, e.user_id FROM enrollments e JOIN training_certificates tc ON tc.training_id = e.training_id WHERE ` + where + `
		UNION SELECT a.certificate_id, a.user_id FROM awards a JOIN enrollments e ON e.id = a.enrollment_id WHERE a.revoked_at IS NULL AND ` + where
}

const learnerColumns = `certificate_id, user_id, user_name, user_deleted, enrolled, delivered_at, expires_at, user_email`

// relink brings the rows of every certificate and learner touched by the
// enrollments matching where (over enrollments e) in step with the facts.
// On PostgreSQL it first locks those learners' users rows, so that two
// transactions changing one learner's links compute them one after the
// other, each from what the other committed.
func (tx *Tx) relink(ctx context.Context, where string, args ...any) error {
	if tx.store.dialect.postgres {
		rows, err := tx.QueryContext(ctx, `SELECT u.id FROM users u WHERE u.id IN (SELECT e.user_id FROM enrollments e WHERE `+where+`)
			ORDER BY u.id FOR UPDATE`, args...)
		if err != nil {
			return fmt.Errorf("lock learners: %w", err)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("lock learners: %w", err)
		}
	}
	pairs := linkedPairs(where)
	_, err := tx.ExecContext(ctx, `INSERT INTO certificate_learners (`+learnerColumns+`) `+learnerRows(pairs)+`
		ON CONFLICT (certificate_id, user_id) DO UPDATE SET user_name = excluded.user_name, user_deleted = excluded.user_deleted,
			enrolled = excluded.enrolled, delivered_at = excluded.delivered_at, expires_at = excluded.expires_at,
			user_email = excluded.user_email`, args...)
	if err != nil {
		return fmt.Errorf("relink learners: %w", err)
	}
	// the learners first: SQLite reaches rows through a one-column IN, not
	// a row value's, which made every relink read the whole table (45 ms)
	_, err = tx.ExecContext(ctx, `DELETE FROM certificate_learners WHERE user_id IN (SELECT e.user_id FROM enrollments e WHERE `+where+`)
		AND (certificate_id, user_id) IN (`+pairs+`)
		AND NOT `+learnerEnrolled("certificate_learners.certificate_id", "certificate_learners.user_id", false)+`
		AND `+latestAward("certificate_learners.certificate_id", "certificate_learners.user_id")+` IS NULL`, args...)
	if err != nil {
		return fmt.Errorf("unlink learners: %w", err)
	}
	return nil
}

// setLearnerUser copies a user's name and deleted state into their rows.
func (tx *Tx) setLearnerUser(ctx context.Context, userID skillpath.ID) error {
	_, err := tx.ExecContext(ctx, `UPDATE certificate_learners SET user_name = u.name, user_email = u.email, user_deleted = u.deleted_at IS NOT NULL
		FROM users u WHERE u.id = $1 AND certificate_learners.user_id = $1`, userID)
	return err
}

// allPairs are the pairs of every live enrollment.
const allPairs = `SELECT tc.certificate_id, e.user_id FROM enrollments e JOIN training_certificates tc ON tc.training_id = e.training_id
		WHERE e.deleted_at IS NULL
	UNION SELECT a.certificate_id, a.user_id FROM awards a JOIN enrollments e ON e.id = a.enrollment_id WHERE e.deleted_at IS NULL AND a.revoked_at IS NULL`

// rebuildCertificateLearners derives the whole table from the facts again.
func (tx *Tx) rebuildCertificateLearners(ctx context.Context) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM certificate_learners`); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO certificate_learners (`+learnerColumns+`) `+learnerRows(allPairs))
	return err
}

// CertificateLearner names one row of certificate_learners.
type CertificateLearner struct {
	CertificateID, UserID skillpath.ID
}

// CheckCertificateLearners compares the certificate_learners table with
// what the facts say, changing nothing, and returns the rows that differ
// (missing, extra or with other values).
func (s *Store) CheckCertificateLearners(ctx context.Context) ([]CertificateLearner, error) {
	var out []CertificateLearner
	err := s.read(ctx, func(tx *Tx) error {
		stored := `SELECT ` + learnerColumns + ` FROM certificate_learners`
		want := learnerRows(allPairs)
		rows, err := tx.QueryContext(ctx, `SELECT certificate_id, user_id FROM (`+stored+` EXCEPT `+want+`) extra
			UNION SELECT certificate_id, user_id FROM (`+want+` EXCEPT `+stored+`) missing
			ORDER BY certificate_id, user_id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var l CertificateLearner
			if err := rows.Scan(&l.CertificateID, &l.UserID); err != nil {
				return err
			}
			out = append(out, l)
		}
		return rows.Err()
	})
	return out, err
}

// relinkCertificates derives again the rows of the given certificates,
// after the paths granting them changed (a training's certificate_ids).
func (tx *Tx) relinkCertificates(ctx context.Context, certificates []skillpath.ID) error {
	if len(certificates) == 0 {
		return nil
	}
	in, args := inList(certificates, 1)
	if _, err := tx.ExecContext(ctx, `DELETE FROM certificate_learners WHERE certificate_id IN (`+in+`)`, args...); err != nil {
		return err
	}
	pairs := `SELECT tc.certificate_id, e.user_id FROM enrollments e JOIN training_certificates tc ON tc.training_id = e.training_id
			WHERE e.deleted_at IS NULL AND tc.certificate_id IN (` + in + `)
		UNION SELECT a.certificate_id, a.user_id FROM awards a JOIN enrollments e ON e.id = a.enrollment_id
			WHERE e.deleted_at IS NULL AND a.revoked_at IS NULL AND a.certificate_id IN (` + in + `)`
	_, err := tx.ExecContext(ctx, `INSERT INTO certificate_learners (`+learnerColumns+`) `+learnerRows(pairs), args...)
	return err
}
