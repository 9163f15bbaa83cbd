package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"skillpath"
	"skillpath/status"
)

// Manual actions of administrators on delivered certificates (issue 13).
// Each is recorded on the award itself — who and when, shown in the
// learner's history — and in the audit log by the API.

const awardColumns = `a.id, a.certificate_id, a.enrollment_id, a.user_id, a.delivered_at, a.expires_at, a.previous_award_id,
	a.awarded_by, a.reason, a.extended_at, a.extended_by, a.extend_reason, a.revoked_at, a.revoked_by, a.revoke_reason`

func scanAward(row interface{ Scan(...any) error }) (*skillpath.Award, error) {
	var a skillpath.Award
	var delivered int64
	var expires, previous, awardedBy, extendedAt, extendedBy, revokedAt, revokedBy sql.NullInt64
	var reason, extendReason, revokeReason sql.NullString
	if err := row.Scan(&a.ID, &a.CertificateID, &a.EnrollmentID, &a.UserID, &delivered, &expires, &previous,
		&awardedBy, &reason, &extendedAt, &extendedBy, &extendReason, &revokedAt, &revokedBy, &revokeReason); err != nil {
		return nil, err
	}
	a.DeliveredAt, a.ExpiresAt = fromMillis(delivered), timePtr(expires)
	a.PreviousAwardID, a.AwardedBy, a.ExtendedBy, a.RevokedBy = idPtr(previous), idPtr(awardedBy), idPtr(extendedBy), idPtr(revokedBy)
	a.ExtendedAt, a.RevokedAt = timePtr(extendedAt), timePtr(revokedAt)
	a.Reason, a.ExtendReason, a.RevokeReason = reason.String, extendReason.String, revokeReason.String
	return &a, nil
}

func idPtr(v sql.NullInt64) *skillpath.ID {
	if !v.Valid {
		return nil
	}
	id := skillpath.ID(v.Int64)
	return &id
}

// findAward reads a displayed award: its enrollment is live. Returns
// ENOTFOUND otherwise. lock takes the row lock on PostgreSQL, so that two
// actions on one award run one after the other.
func (tx *Tx) findAward(ctx context.Context, id skillpath.ID, lock bool) (*skillpath.Award, error) {
	q := `SELECT ` + awardColumns + ` FROM awards a JOIN enrollments e ON e.id = a.enrollment_id
		JOIN sessions s ON s.id = e.session_id
		WHERE a.id = $1 AND e.deleted_at IS NULL AND s.deleted_at IS NULL`
	if lock && tx.store.dialect.postgres {
		q += ` FOR UPDATE OF a`
	}
	a, err := scanAward(tx.QueryRowContext(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, skillpath.Errorf(skillpath.ENOTFOUND, "delivered certificate %s not found", id)
	}
	return a, err
}

// FindAward returns one displayed delivered certificate. Returns ENOTFOUND
// if there is none.
func (s *Store) FindAward(ctx context.Context, id skillpath.ID) (*skillpath.Award, error) {
	var a *skillpath.Award
	err := s.read(ctx, func(tx *Tx) error {
		var err error
		a, err = tx.findAward(ctx, id, false)
		return err
	})
	return a, err
}

// maxReason bounds the reason of a manual action.
const maxReason = 1000

func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", skillpath.Invalid("reason", "is required")
	}
	if len(reason) > maxReason {
		return "", skillpath.Invalid("reason", "must be at most %d bytes", maxReason)
	}
	return reason, nil
}

// Certify delivers a certificate to a learner by hand, without their
// passing a path, for reason: in their latest live enrollment in
// sessionID, a session of a path granting the certificate, or in a new
// enrollment there (assigned by the administrator) when they have none.
// Its expiration follows the certificate's rules from the learner's
// previous certificate, as a pass would (SPEC §9). Returns EINVALID for a
// missing reason, an unknown or deleted user, or a session of a path that
// does not grant the certificate; ENOTFOUND for an unknown certificate or
// session; EUNPROCESSABLE for an archived session; ECONFLICT when that
// enrollment already holds the certificate, or held it and it was revoked
// (one delivery per enrollment and certificate: the revoked one stays in
// the history; the message says to certify in another session).
func (s *Store) Certify(ctx context.Context, certificateID, userID, sessionID skillpath.ID, reason string, by skillpath.ID) (*skillpath.Award, error) {
	reason, err := checkReason(reason)
	if err != nil {
		return nil, err
	}
	var award *skillpath.Award
	err = s.write(ctx, func(tx *Tx) error {
		c, err := findCertificate(ctx, tx, certificateID)
		if err != nil {
			return err
		}
		if err := tx.mustExist(ctx, "users", "user_id", []skillpath.ID{userID}, liveUser); err != nil {
			return err
		}
		se, err := tx.findSession(ctx, sessionID)
		if err != nil {
			return err
		}
		if se.ArchivedAt != nil {
			return skillpath.Errorf(skillpath.EUNPROCESSABLE, "session %q is archived", se.Name)
		}
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM training_certificates WHERE training_id = $1 AND certificate_id = $2`, se.TrainingID, c.ID).Scan(&one)
		if errNoRows(err) {
			return skillpath.Invalid("session_id", "is a session of a path that does not grant certificate %s", c.ID)
		} else if err != nil {
			return err
		}
		ids, err := queryIDs(ctx, tx, `SELECT id FROM enrollments WHERE session_id = $1 AND user_id = $2 AND deleted_at IS NULL ORDER BY id DESC LIMIT 1`, se.ID, userID)
		if err != nil {
			return err
		}
		var enrollment skillpath.ID
		if len(ids) > 0 {
			enrollment = ids[0]
		} else {
			id, err := tx.insert(ctx, `INSERT INTO enrollments (session_id, training_id, user_id, enrolled_at, enrolled_by, approved_at, approved_by, status)
				VALUES ($1, $2, $3, $4, $5, $4, $5, $6)`, se.ID, se.TrainingID, userID, millis(tx.now), by, status.TrainingNotStarted)
			if err != nil {
				return err
			}
			enrollment = skillpath.ID(id)
			if err := tx.refresh(ctx, []skillpath.ID{enrollment}); err != nil {
				return err
			}
		}
		previous, previousExpiry, err := tx.previousAward(ctx, c.ID, userID)
		if err != nil {
			return err
		}
		expires := status.Expires(rules(c), tx.now, previousExpiry, tx.store.Zone)
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO awards (enrollment_id, certificate_id, user_id, delivered_at, expires_at, previous_award_id, awarded_by, reason)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (enrollment_id, certificate_id) DO NOTHING RETURNING id`,
			enrollment, c.ID, userID, millis(tx.now), nullMillis(expires), previous, by, reason).Scan(&id)
		if errNoRows(err) {
			var held skillpath.ID
			var revoked sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT id, revoked_at FROM awards WHERE enrollment_id = $1 AND certificate_id = $2`,
				enrollment, c.ID).Scan(&held, &revoked); err != nil {
				return err
			}
			if revoked.Valid {
				// one delivery per enrollment and certificate: the revoked
				// one stays in the history (review fix 9)
				return skillpath.Errorf(skillpath.ECONFLICT, "enrollment %s holds certificate %s revoked on %s (delivered certificate %s), which stays in the learner's history: "+
					"to certify the learner again, certify them in another session of a path granting it", enrollment, c.ID,
					fromMillis(revoked.Int64).In(tx.store.Zone).Format(time.DateOnly), held)
			}
			return skillpath.Errorf(skillpath.ECONFLICT, "enrollment %s already holds certificate %s (delivered certificate %s)", enrollment, c.ID, held)
		} else if err != nil {
			return err
		}
		if err := tx.assignVerificationCodes(ctx, enrollment); err != nil {
			return err
		}
		if err := tx.relink(ctx, `e.id = $1`, enrollment); err != nil {
			return err
		}
		award, err = tx.findAward(ctx, skillpath.ID(id), false)
		return err
	})
	return award, err
}

// Extend sets a delivered certificate's expiration by hand, later than it
// was, for reason; CheckAwards keeps it as set. Returns ENOTFOUND for an
// unknown award, EINVALID for a missing reason or an expiry not after the
// current one, EUNPROCESSABLE for a revoked certificate or one that never
// expires.
func (s *Store) Extend(ctx context.Context, id skillpath.ID, expiresAt time.Time, reason string, by skillpath.ID) (*skillpath.Award, error) {
	reason, err := checkReason(reason)
	if err != nil {
		return nil, err
	}
	var award *skillpath.Award
	err = s.write(ctx, func(tx *Tx) error {
		a, err := tx.findAward(ctx, id, true)
		if err != nil {
			return err
		}
		switch {
		case a.RevokedAt != nil:
			return skillpath.Errorf(skillpath.EUNPROCESSABLE, "certificate %s is revoked", id)
		case a.ExpiresAt == nil:
			return skillpath.Errorf(skillpath.EUNPROCESSABLE, "certificate %s never expires", id)
		case !expiresAt.After(*a.ExpiresAt):
			return skillpath.Invalid("expires_at", "must be after the current expiration, %s", a.ExpiresAt.Format(time.RFC3339))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE awards SET expires_at = $1, extended_at = $2, extended_by = $3, extend_reason = $4 WHERE id = $5`,
			millis(expiresAt), millis(tx.now), by, reason, id); err != nil {
			return err
		}
		if err := tx.relink(ctx, `e.id = $1`, a.EnrollmentID); err != nil {
			return err
		}
		award, err = tx.findAward(ctx, id, false)
		return err
	})
	return award, err
}

// Revoke revokes a delivered certificate for reason: it stops counting
// everywhere (statistics, latest status, re-enrollment, prerequisites are
// not affected: the pass stays), its document and verification code answer
// 404, and the learner's history keeps its row marked revoked. Returns
// ENOTFOUND for an unknown award, EINVALID for a missing reason, ECONFLICT
// when it is already revoked.
func (s *Store) Revoke(ctx context.Context, id skillpath.ID, reason string, by skillpath.ID) (*skillpath.Award, error) {
	reason, err := checkReason(reason)
	if err != nil {
		return nil, err
	}
	var award *skillpath.Award
	err = s.write(ctx, func(tx *Tx) error {
		a, err := tx.findAward(ctx, id, true)
		if err != nil {
			return err
		}
		if a.RevokedAt != nil {
			return skillpath.Errorf(skillpath.ECONFLICT, "certificate %s is already revoked", id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE awards SET revoked_at = $1, revoked_by = $2, revoke_reason = $3 WHERE id = $4`,
			millis(tx.now), by, reason, id); err != nil {
			return err
		}
		if err := tx.relink(ctx, `e.id = $1`, a.EnrollmentID); err != nil {
			return err
		}
		award, err = tx.findAward(ctx, id, false)
		return err
	})
	return award, err
}

// RevokedAwards returns, by certificate, when each certificate delivered
// in enrollment id was revoked (only revoked ones), for the player, which
// tells a revoked certificate from one never obtained (issue 18).
func (s *Store) RevokedAwards(ctx context.Context, id skillpath.ID) (map[skillpath.ID]time.Time, error) {
	out := map[skillpath.ID]time.Time{}
	err := s.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT certificate_id, revoked_at FROM awards WHERE enrollment_id = $1 AND revoked_at IS NOT NULL`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c skillpath.ID
			var at int64
			if err := rows.Scan(&c, &at); err != nil {
				return err
			}
			out[c] = fromMillis(at)
		}
		return rows.Err()
	})
	return out, err
}
