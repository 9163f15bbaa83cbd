package store

import (
	"context"
	"database/sql"
	"errors"

	"skillpath"
	"skillpath/status"
)

// Enroll enrolls a learner in a session: assigned by an administrator (and
// so approved by the assignment), or self-enrolled when self is true (SPEC
// §1). Returns ENOTFOUND for an unknown session, EINVALID for an unknown
// user, ECONFLICT when the learner is already enrolled in the session, and
// EUNPROCESSABLE for an archived session, or a self-enrollment in an ended
// session or in a paid training without a purchase.
func (s *Store) Enroll(ctx context.Context, sessionID, userID, by skillpath.ID, self bool) (*skillpath.EnrollmentResult, error) {
	var id skillpath.ID
	err := s.write(ctx, func(tx *Tx) error {
		se, err := tx.findSession(ctx, sessionID)
		if err != nil {
			return err
		}
		if err := tx.mustExist(ctx, "users", "user_id", []skillpath.ID{userID}, liveUser); err != nil {
			return err
		}
		def, err := tx.trainingDef(ctx, se.TrainingID)
		if err != nil {
			return err
		}
		switch status.SessionState(se.StartsAt, se.EndsAt, se.ArchivedAt != nil, tx.now) {
		case status.SessionArchived:
			return skillpath.Errorf(skillpath.EUNPROCESSABLE, "session %q is archived: no one can enroll in it", se.Name)
		case status.SessionEnded:
			if self {
				return skillpath.Errorf(skillpath.EUNPROCESSABLE, "session %q has ended", se.Name)
			}
		}
		if self && def.Price != nil {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM purchases WHERE training_id = $1 AND user_id = $2`, def.ID, userID).Scan(&one)
			if errNoRows(err) {
				return skillpath.Errorf(skillpath.EUNPROCESSABLE, "training %q costs %s: buy it before enrolling", def.Title, def.Price.Format(tx.store.Currency))
			} else if err != nil {
				return err
			}
		}
		// One open enrollment per learner and session. An administrator may
		// enroll a learner again once their enrollments there have passed —
		// after deleting an automatic re-enrollment, say (issue 13, fault 3);
		// a learner cannot enroll themself twice.
		open := `SELECT 1 FROM enrollments WHERE session_id = $1 AND user_id = $2 AND deleted_at IS NULL`
		if !self {
			open += ` AND passed_at IS NULL`
		}
		var one int
		if err := tx.QueryRowContext(ctx, open+` LIMIT 1`, se.ID, userID).Scan(&one); err == nil {
			return skillpath.Errorf(skillpath.ECONFLICT, "user %s is already enrolled in session %s", userID, se.ID)
		} else if !errNoRows(err) {
			return err
		}
		var approvedAt, approvedBy any
		if !self {
			approvedAt, approvedBy = millis(tx.now), by
		}
		newID, err := tx.insert(ctx, `INSERT INTO enrollments (session_id, training_id, user_id, enrolled_at, enrolled_by, self_enrolled, approved_at, approved_by, status)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			se.ID, se.TrainingID, userID, millis(tx.now), by, self, approvedAt, approvedBy, status.TrainingNotStarted)
		if isUniqueViolation(err) {
			return skillpath.Errorf(skillpath.ECONFLICT, "user %s is already enrolled in session %s", userID, se.ID)
		} else if err != nil {
			return err
		}
		id = skillpath.ID(newID)
		if err := tx.refresh(ctx, []skillpath.ID{id}); err != nil {
			return err
		}
		if err := tx.noteEnrolled(ctx, id); err != nil {
			return err
		}
		return tx.relink(ctx, `e.id = $1`, id)
	})
	if err != nil {
		return nil, err
	}
	return s.Result(ctx, id)
}

// findSession reads a live session for an enrollment, locking its row on
// PostgreSQL: archiving or deleting it waits for the enrollment to commit
// (and then counts it), and an enrollment waits for them (and then sees
// the session archived or gone).
func (tx *Tx) findSession(ctx context.Context, id skillpath.ID) (*skillpath.Session, error) {
	se, err := scanSession(tx.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = $1 AND deleted_at IS NULL`+tx.store.dialect.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, skillpath.Errorf(skillpath.ENOTFOUND, "session %s not found", id)
	}
	return se, err
}

// FindEnrollment returns one live enrollment. Returns ENOTFOUND if there is
// none (deleted enrollments are gone for everyone but the audit).
func (s *Store) FindEnrollment(ctx context.Context, id skillpath.ID) (*skillpath.Enrollment, error) {
	var e *enrollmentRow
	err := s.read(ctx, func(tx *Tx) error {
		var err error
		e, err = tx.findEnrollment(ctx, id, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &e.Enrollment, nil
}

// DeleteEnrollment deletes an enrollment (SPEC §2): it vanishes from every
// list and statistic, with its certificates, while its rows stay for audit.
// Returns ENOTFOUND for an unknown enrollment.
func (s *Store) DeleteEnrollment(ctx context.Context, id skillpath.ID) error {
	return s.write(ctx, func(tx *Tx) error {
		e, err := tx.findEnrollment(ctx, id, true)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE enrollments SET deleted_at = $1 WHERE id = $2`, millis(tx.now), id); err != nil {
			return err
		}
		if err := tx.relink(ctx, `e.id = $1`, id); err != nil {
			return err
		}
		if e.PassedAt == nil {
			return nil
		}
		return tx.refreshDependents(ctx, map[skillpath.ID]bool{e.UserID: true}, nil)
	})
}

// LeaveEnrollment removes live enrollment id at its learner's request
// (issue 18), as DeleteEnrollment does, if skillpath.Enrollment.CheckLeave
// allows it; the caller has checked that the learner asks. Returns
// ENOTFOUND for an unknown or deleted enrollment and CheckLeave's
// EUNPROCESSABLE.
func (s *Store) LeaveEnrollment(ctx context.Context, id skillpath.ID) error {
	return s.write(ctx, func(tx *Tx) error {
		e, err := tx.findEnrollment(ctx, id, true)
		if err != nil {
			return err
		}
		leave := e.Enrollment
		err = tx.QueryRowContext(ctx, `SELECT
			EXISTS (SELECT 1 FROM awards WHERE enrollment_id = $1 AND revoked_at IS NULL),
			EXISTS (SELECT 1 FROM module_attempts WHERE enrollment_id = $1)`, id).Scan(&leave.HoldsCertificate, &leave.HasProgress)
		if err != nil {
			return err
		}
		if err := leave.CheckLeave(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE enrollments SET deleted_at = $1 WHERE id = $2`, millis(tx.now), id); err != nil {
			return err
		}
		return tx.relink(ctx, `e.id = $1`, id)
	})
}

// RecordPurchase records that a learner bought a paid training, which lets
// them enroll themself (SPEC §1, commerce). Returns EUNPROCESSABLE for a free
// training and ECONFLICT when the purchase is already recorded.
func (s *Store) RecordPurchase(ctx context.Context, trainingID, userID, by skillpath.ID) error {
	return s.write(ctx, func(tx *Tx) error {
		def, err := tx.trainingDef(ctx, trainingID)
		if err != nil {
			return err
		}
		if err := tx.mustExist(ctx, "users", "user_id", []skillpath.ID{userID}, liveUser); err != nil {
			return err
		}
		if def.Price == nil {
			return skillpath.Errorf(skillpath.EUNPROCESSABLE, "training %q is free: there is nothing to buy", def.Title)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO purchases (training_id, user_id, purchased_at, recorded_by) VALUES ($1, $2, $3, $4)`,
			trainingID, userID, millis(tx.now), by)
		if isUniqueViolation(err) {
			return skillpath.Errorf(skillpath.ECONFLICT, "user %s has already bought training %s", userID, trainingID)
		}
		return err
	})
}
